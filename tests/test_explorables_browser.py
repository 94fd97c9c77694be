"""Every chapter's explorables, operated in headless Chromium as a reader would.

For every numbered chapter of the built book the test opens the page over
``http://127.0.0.1``, waits until each explorable is drawn, and then moves
every control: the arrow keys on a focused slider, a click on a slider's rail,
and each choice of a drop-down.  After every move the rows the figure draws
(read from the Vega view, through the dataset names the site renderer records
in ``data-datasets``) must equal what the chapter's builder computes with
``softmax_lib`` *now*, for the state the controls show.  The page must log no
console error and send no request to another host.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from test_browser import LOCAL_HOST, draw_explorables

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book"))

PAGE_TIMEOUT_MS = 60_000
# Stored numbers have six significant digits; recomputing them may round the
# last one the other way.
REL_TOL = 1e-5


def numbered_chapters() -> list[str]:
    """The documents of the numbered parts of the book, as listed in _toc.yml."""
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [str(Path(chapter["file"]).with_suffix(""))
            for part in toc["parts"]
            if part.get("numbered") and part.get("caption") != "Appendices"
            for chapter in part["chapters"]]


@pytest.fixture(scope="session")
def builders_by_name():
    from explorables import builders

    found = {}
    for builder in builders().values():
        explorable = builder()
        assert explorable.name not in found, f"two explorables are named {explorable.name}"
        found[explorable.name] = explorable
    return found


def _rounded(value):
    from softmax_lib.explorable import round_number

    return value if isinstance(value, str) else round_number(value)


def _same(shown, expected) -> bool:
    if isinstance(expected, float) and isinstance(shown, (int, float)):
        return math.isclose(shown, expected, rel_tol=REL_TOL, abs_tol=1e-300)
    return shown == expected


class Figure:
    """One explorable on the page, and the builder's data for it."""

    def __init__(self, page, locator, explorable):
        self.page = page
        self.locator = locator
        self.explorable = explorable
        self.name = explorable.name
        self.datasets = json.loads(locator.get_attribute("data-datasets"))

    def state(self) -> dict:
        return {c.name: self.page.evaluate(
            "([n, s]) => window.bookExplorables[n].signal(s)", [self.name, c.name])
            for c in self.explorable.controls}

    def shown_rows(self, dataset: str) -> list[dict]:
        return self.page.evaluate("([n, d]) => window.bookExplorables[n].data(d)",
                                  [self.name, self.datasets[dataset]])

    def check(self, when: str) -> dict:
        """Assert that every per-state dataset shows the builder's rows; return the state."""
        state = self.state()
        assert set(self.datasets) == set(self.explorable.datasets), (
            f"{self.name}: the page maps {sorted(self.datasets)}, the builder has "
            f"{sorted(self.explorable.datasets)}")
        for dataset in self.datasets:
            expected = self.explorable.rows(dataset, **state)
            shown = self.shown_rows(dataset)
            assert expected, f"{self.name} {when}: state {state} is not on the grid"
            assert len(shown) == len(expected), (
                f"{self.name} {when}: {len(shown)} rows shown, {len(expected)} computed")
            for got, want in zip(shown, expected):
                wrong = {k: (got.get(k), v) for k, v in want.items() if not _same(got.get(k), v)}
                assert not wrong, f"{self.name} {when}, state {state}: shown vs computed {wrong}"
        return state


def _operate_sliders(figure: Figure, page) -> None:
    sliders = figure.locator.locator("input[type=range]")
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        name = slider.get_attribute("name")
        before = figure.check(f"before moving {name}")
        at_max = float(slider.input_value()) >= float(slider.get_attribute("max"))
        slider.focus()
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        moved = figure.check(f"after a key on {name}")
        assert moved[name] != before[name], f"{figure.name}: the arrow key did not move {name}"
        control = slider.locator("xpath=ancestor::*[contains(@class, 'vega-bind')][1]")
        assert control.inner_text().strip().endswith(slider.input_value()), (
            f"{figure.name}: {name}'s value is not shown as text")
        low, high = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
        # Click the rail far from the thumb, so that the click must move it.
        where = 0.85 if (float(slider.input_value()) - low) / (high - low) < 0.5 else 0.15
        box = slider.bounding_box()
        page.mouse.click(box["x"] + where * box["width"], box["y"] + box["height"] / 2)
        clicked = figure.check(f"after a click on {name}'s rail")
        assert clicked[name] != moved[name], f"{figure.name}: a click on the rail did not move {name}"


def _operate_selects(figure: Figure) -> None:
    selects = figure.locator.locator("select")
    for i in range(selects.count()):
        select = selects.nth(i)
        name = select.get_attribute("name")
        options = [o.get_attribute("value") for o in select.locator("option").all()]
        for option in reversed(options):
            select.select_option(option)
            state = figure.check(f"after choosing {option} in {name}")
            assert state[name] == option, f"{figure.name}: choosing {option} left {name} at {state[name]}"


@pytest.mark.parametrize("edition", ["", "zh_CN/"], ids=["en", "zh_CN"])
@pytest.mark.parametrize("document", numbered_chapters())
def test_chapter_explorables_follow_their_controls(browser, site_url, builders_by_name, document, edition):
    console_errors: list[str] = []
    outside_requests: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        def route(request_route) -> None:
            parts = urlsplit(request_route.request.url)
            if parts.scheme in ("http", "https") and parts.hostname != LOCAL_HOST:
                outside_requests.append(request_route.request.url)
                request_route.abort()
            else:
                request_route.continue_()

        context.route("**/*", route)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: console_errors.append(str(error)))
        page.goto(f"{site_url}{edition}{document}.html", wait_until="load")

        figures = page.locator("figure.explorable")
        assert figures.count() >= 1, f"{document} has no explorable"
        # A reader scrolls to each figure; that draws it.
        draw_explorables(page)
        for i in range(figures.count()):
            locator = figures.nth(i)
            name = locator.get_attribute("data-explorable")
            assert locator.get_attribute("data-ready") == "true", f"{name} failed to draw"
            assert name in builders_by_name, f"{name} has no builder in book/explorables"
            figure = Figure(page, locator, builders_by_name[name])
            locator.scroll_into_view_if_needed()
            shown = figure.check("in its default state")
            assert {k: _rounded(v) for k, v in shown.items()} == figure.explorable.default_state(), (
                f"{name} does not open in its default state")
            _operate_sliders(figure, page)
            _operate_selects(figure)
    finally:
        context.close()
    assert outside_requests == [], f"{document}: requests to other hosts: {outside_requests}"
    assert console_errors == [], f"{document}: console errors: {console_errors}"


def test_explorables_wait_for_the_reader_and_the_tab_key_draws_them(browser, site_url):
    """The Vega runtime is not loaded with the page; the first Tab draws every figure.

    Until then each figure shows its default state as an image; a keyboard
    reader's first Tab key loads the runtime, so every control is in the tab
    order before focus can reach it.
    """
    requested: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.on("request", lambda request: requested.append(urlsplit(request.url).path))
        page.goto(f"{site_url}book/vanishing_gradients.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        figures = page.locator("figure.explorable")
        assert figures.count() >= 1
        below = page.evaluate(
            "() => [...document.querySelectorAll('figure.explorable')]"
            ".every(f => f.getBoundingClientRect().top > 2 * innerHeight)")
        assert below, "an explorable is within two screens of the top: pick another page"
        assert not any(path.endswith("vega.min.js") for path in requested), "Vega loaded with the page"
        assert page.locator("figure.explorable .explorable-view img").count() == figures.count()
        assert page.locator("figure.explorable input, figure.explorable select").count() == 0
        page.keyboard.press("Tab")
        page.wait_for_function(
            "() => [...document.querySelectorAll('figure.explorable')]"
            ".every(f => f.dataset.ready === 'true')")
        assert any(path.endswith("vega.min.js") for path in requested)
        assert page.locator("figure.explorable input, figure.explorable select").count() >= figures.count()
    finally:
        context.close()
