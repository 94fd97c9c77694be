"""Every page of the built book, opened in headless Chromium over HTTP.

Each page gets a fresh browser context (empty storage, as on a first visit)
and must: show its maths as MathML (rendered at build time), with no TeX error
and no raw TeX visible; load every image, each with a real text alternative;
log no console error and throw no exception; send no request to any host but
the local server; transfer at most the page budget (gzip-compressed, figures
aside); have no axe-core violation in light and in dark mode; and not scroll
sideways on a 390 px phone, where at most 10 % of the book's display formulas
may be cut off (wider than their box).

Playwright drives Debian's Chromium (``/usr/bin/chromium``); Playwright's own
browser downloads are never used.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, EDITIONS, VISIBLE_TEXT_NODES, toc_documents

pytestmark = pytest.mark.browser

LOCAL_HOST = "127.0.0.1"
PAGE_TIMEOUT_MS = 60_000

_MATH_REPORT = """
() => {
  // An inline formula is a <math class="math">; a display one, a div.math
  // holding one or more <math> elements.
  const sources = document.querySelectorAll('.math').length;
  const rendered = document.querySelectorAll('math.math, div.math math').length;
  const withoutMathml = Array.from(document.querySelectorAll('.math'))
    .filter(e => (e.tagName.toLowerCase() === 'math' ? !e.firstElementChild : !e.querySelector('math')))
    .map(e => e.textContent.slice(0, 80));
  const errors = Array.from(document.querySelectorAll('merror, .math-error, .temml-error'))
    .map(e => e.textContent);
  const mathjax = typeof window.MathJax !== 'undefined'
    || document.querySelectorAll('script[src*="mathjax"], mjx-container').length > 0;
  return {sources, rendered, withoutMathml, errors, mathjax};
}
"""

# Visible text is read outside code.
_CODE = "pre, code, script, style, textarea"

_BROKEN_IMAGES = """
async () => {
  const images = Array.from(document.images);
  for (const img of images) { img.loading = 'eager'; }
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return images
    .filter(img => !(img.complete && img.naturalWidth > 0))
    .map(img => img.getAttribute('src'));
}
"""

_RAW_TEX_MARKERS = ("\\(", "\\)", "\\[", "\\]", "$$", "\\begin{", "\\frac", "\\text{")
# A MyST role left as text ({numref}`fig-x`, {eq}`...`, {cite:t}`...`): a
# reference that did not resolve, or a translation that broke its markup.
_RAW_ROLE = re.compile(r"\{[a-z]+(?::[a-z]+)?\}`")

# Every <img> must have a text alternative that says something: not empty,
# not a file name or path, not a hash.
_ALT_TEXTS = """
() => Array.from(document.images).map(img => ({
  src: img.getAttribute('src'),
  alt: img.getAttribute('alt'),
  sized: img.hasAttribute('width') && img.hasAttribute('height'),
}))
"""
_BAD_ALT = re.compile(
    r"(^\s*$|\.(png|jpe?g|svg|gif|webp)\b|_images/|^\.\.?/|[0-9a-f]{32,}|\\[A-Za-z]+)", re.I
)

# Share of display formulas wider than their box (cut off, to be scrolled).
_CLIPPED_MATH = """
() => {
  const boxes = Array.from(document.querySelectorAll('div.math'));
  const clipped = boxes.filter(box => [box, ...box.querySelectorAll('.deriv-rhs')]
    .some(e => e.scrollWidth > e.clientWidth + 1));
  return {total: boxes.length, clipped: clipped.map(b => b.id || b.textContent.slice(0, 60))};
}
"""

# Search fields a reader can see (the header and sidebar each had one).
_VISIBLE_SEARCH_BOXES = """
() => Array.from(document.querySelectorAll('.search-button__button, form.bd-search input[type=search]'))
  .filter(e => !e.closest('dialog') && e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}))
  .length
"""

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGE_BUDGET_BYTES = 500 * 1024
CJK_FONT = "_static/fonts/book-cjk.woff2"
CJK_FONT_BUDGET_BYTES = 200 * 1024
MAX_CLIPPED_SHARE = 0.10
# Text types a host sends gzip-compressed; the rest (fonts, images) as they are.
_COMPRESSIBLE = ("text/", "javascript", "json", "svg", "xml")


# Explorables draw themselves (and fetch the Vega runtime and their data)
# only when they come near the window: scroll to each as a reader would, and
# wait until every one is drawn, so that what they load counts and what they
# draw is checked.
_DRAWN = """
() => [...document.querySelectorAll('figure.explorable')]
  .every(f => f.dataset.ready === 'true' || f.dataset.ready === 'error')
"""


def draw_explorables(page) -> None:
    figures = page.locator("figure.explorable")
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.scroll_into_view_if_needed()
        page.wait_for_function("(f) => !!f.dataset.ready", arg=figure.element_handle())
    page.wait_for_function(_DRAWN)
    page.evaluate("window.scrollTo(0, 0)")


def _system_has_a_chinese_font() -> bool:
    """True when fontconfig (which Chromium uses on Linux) knows a font with Chinese."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def _page_paths() -> list[str]:
    """Every page of every edition, relative to the site root."""
    pages = [f"{doc}.html" for doc in toc_documents()] + ["index.html", "search.html", "genindex.html"]
    return [prefix + page for prefix in EDITIONS.values() for page in pages]


def test_chromium_is_installed() -> None:
    assert CHROMIUM.is_file(), (
        f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
        "(`apt-get install -y chromium`; .ci/run installs it)"
    )


@pytest.mark.parametrize("page_path", _page_paths())
def test_page_in_browser(browser, site_url: str, built_site: Path, page_path: str) -> None:
    assert (built_site / page_path).is_file(), f"{page_path} was not built"
    console_errors: list[str] = []
    page_errors: list[str] = []
    outside_requests: list[str] = []
    failed_requests: list[str] = []

    transferred: list[tuple[str, int]] = []

    def record_size(response) -> None:
        # Bytes a gzip-serving host would send for this response.
        if response.status >= 300:
            return
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - a redirect or aborted request has no body
            return
        kind = response.headers.get("content-type", "")
        size = len(gzip.compress(body, 6, mtime=0)) if any(t in kind for t in _COMPRESSIBLE) else len(body)
        transferred.append((urlsplit(response.url).path, size))

    context = browser.new_context(viewport=DESKTOP)
    try:

        def route(route_request) -> None:
            url = route_request.request.url
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                route_request.continue_()
            elif parts.hostname != LOCAL_HOST:
                outside_requests.append(url)
                route_request.abort()
            else:
                route_request.continue_()

        context.route("**/*", route)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.on(
            "console",
            lambda message: console_errors.append(f"{message.text} ({message.location})")
            if message.type == "error"
            else None,
        )
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.on(
            "requestfailed",
            lambda request: failed_requests.append(f"{request.url}: {request.failure}"),
        )
        page.on(
            "response",
            lambda response: failed_requests.append(f"{response.url}: HTTP {response.status}")
            if response.status >= 400
            else None,
        )

        page.on("response", record_size)
        response = page.goto(site_url + page_path, wait_until="load")
        assert response is not None and response.ok, f"{page_path}: {response and response.status}"
        page.wait_for_load_state("networkidle")
        draw_explorables(page)
        page.wait_for_load_state("networkidle")

        math = page.evaluate(_MATH_REPORT)
        assert not math["mathjax"], f"{page_path} still loads MathJax: maths is rendered at build time"
        assert math["withoutMathml"] == [], (
            f"{page_path}: math elements without MathML: {math['withoutMathml'][:5]}"
        )
        assert math["rendered"] >= math["sources"], (
            f"{page_path}: {math['sources']} math elements but only {math['rendered']} <math>"
        )
        assert math["errors"] == [], f"{page_path}: TeX errors {math['errors']}"

        visible_text = " ".join(page.evaluate(VISIBLE_TEXT_NODES, _CODE))
        raw = [marker for marker in _RAW_TEX_MARKERS if marker in visible_text]
        assert raw == [], f"{page_path}: raw TeX visible on the page: {raw}"
        roles = _RAW_ROLE.findall(visible_text)
        assert roles == [], f"{page_path}: raw MyST roles visible on the page: {roles}"

        images = page.evaluate(_ALT_TEXTS)
        bad_alt = [(i["src"], i["alt"]) for i in images if i["alt"] is None or _BAD_ALT.search(i["alt"])]
        assert bad_alt == [], f"{page_path}: images without a real text alternative: {bad_alt}"
        unsized = [i["src"] for i in images if "_images/" in (i["src"] or "") and not i["sized"]]
        assert unsized == [], f"{page_path}: figures without width/height: {unsized}"

        if not page_path.endswith("search.html"):  # the search page's own form is its content
            assert page.evaluate(_VISIBLE_SEARCH_BOXES) == 1, f"{page_path}: not exactly one search box"

        broken_images = page.evaluate(_BROKEN_IMAGES)
        assert broken_images == [], f"{page_path}: images that did not load: {broken_images}"

        page.wait_for_load_state("networkidle")
    finally:
        context.close()

    assert outside_requests == [], f"{page_path}: requests to other hosts: {outside_requests}"
    assert failed_requests == [], f"{page_path}: failed requests: {failed_requests}"
    assert page_errors == [], f"{page_path}: uncaught exceptions: {page_errors}"
    assert console_errors == [], f"{page_path}: console errors: {console_errors}"

    # The Chinese edition's fallback font is for readers whose system has no
    # Chinese font: fetched then (and only then), once for the whole site.
    cjk_font = [size for path, size in transferred if path.endswith("/" + CJK_FONT)]
    if cjk_font:
        assert not _system_has_a_chinese_font(), (
            f"{page_path}: fetched {CJK_FONT} although the system has a Chinese font"
        )
        assert cjk_font[0] <= CJK_FONT_BUDGET_BYTES, f"{CJK_FONT} is {cjk_font[0]} bytes"

    # The first visit's weight, the page's own figures (under _images) and the
    # fallback font aside.
    own_figures = [size for path, size in transferred if "/_images/" in path]
    weight = sum(size for _, size in transferred) - sum(own_figures) - sum(cjk_font)
    assert weight <= PAGE_BUDGET_BYTES, (
        f"{page_path}: {weight / 1024:.0f} KiB gzip-compressed (figures aside) > "
        f"{PAGE_BUDGET_BYTES // 1024} KiB:\n"
        + "\n".join(f"{size:>9} {path}" for path, size in sorted(transferred, key=lambda x: -x[1])[:15])
    )


def _open(browser, url: str, viewport: dict, mode: str):
    """A fresh context in the light or dark colour mode; returns (context, page)."""
    context = browser.new_context(viewport=viewport, color_scheme=mode)
    # The theme reads the reader's choice from localStorage before first paint.
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    context.route(
        "**/*",
        lambda route: route.abort() if urlsplit(route.request.url).hostname not in (LOCAL_HOST, None)
        else route.continue_(),
    )
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    draw_explorables(page)
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    return context, page


def _axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # preload=False: axe would otherwise re-fetch style sheets itself and
    # resolve their @import against the page instead of the sheet (a 404).
    results = Axe().run(page, options={"preload": False})
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
    ]


@pytest.mark.parametrize("page_path", _page_paths())
def test_page_is_accessible_light_and_dark(browser, site_url: str, page_path: str) -> None:
    """axe-core finds nothing: light mode on a desktop, dark mode on a phone."""
    problems = {}
    for mode, viewport in (("light", DESKTOP), ("dark", PHONE)):
        context, page = _open(browser, site_url + page_path, viewport, mode)
        try:
            violations = _axe_violations(page)
        finally:
            context.close()
        if violations:
            problems[f"{mode}, {viewport['width']} px"] = violations
    assert problems == {}, f"{page_path}: axe-core violations: {problems}"


@pytest.mark.parametrize("page_path", _page_paths())
def test_page_fits_a_phone(browser, site_url: str, page_path: str) -> None:
    context, page = _open(browser, site_url + page_path, PHONE, "light")
    try:
        sideways = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        search_boxes = page.evaluate(_VISIBLE_SEARCH_BOXES)
    finally:
        context.close()
    assert sideways <= 0, f"{page_path} scrolls sideways by {sideways} px at 390 px"
    if not page_path.endswith("search.html"):  # the search page's own form is its content
        assert search_boxes == 1, f"{page_path}: {search_boxes} search boxes at 390 px"


def test_few_display_formulas_are_cut_off_on_phones(browser, site_url: str) -> None:
    total, clipped = 0, []
    for page_path in _page_paths():
        context, page = _open(browser, site_url + page_path, PHONE, "light")
        try:
            page.evaluate("document.fonts.ready")
            report = page.evaluate(_CLIPPED_MATH)
        finally:
            context.close()
        total += report["total"]
        clipped += [f"{page_path}: {where}" for where in report["clipped"]]
    assert total > 0, "no display formula found on any page"
    share = len(clipped) / total
    assert share <= MAX_CLIPPED_SHARE, (
        f"{len(clipped)} of {total} display formulas ({share:.0%}) are cut off at 390 px:\n"
        + "\n".join(clipped)
    )


# A word of each edition and a page it must find (Sphinx's search; the
# Chinese edition's index is built with jieba and the book's term list).
_SEARCHES = [
    ("", "Huffman", "book/entropy_and_coding.html"),
    ("zh_CN/", "霍夫曼", "book/entropy_and_coding.html"),
    ("zh_CN/", "交叉熵", "book/cross_entropy_loss.html"),
    ("zh_CN/", "雅可比矩阵", "book/softmax_jacobian.html"),
]


@pytest.mark.parametrize(("prefix", "query", "expected"), _SEARCHES)
def test_search_finds_pages_in_each_edition(browser, site_url: str, prefix: str, query: str, expected: str) -> None:
    context, page = _open(browser, f"{site_url}{prefix}search.html?q={query}", DESKTOP, "light")
    try:
        page.wait_for_function(
            "() => document.querySelector('#search-results .search-summary, #search-results > p')"
        )
        found = page.evaluate(
            "[...document.querySelectorAll('#search-results ul.search li a')]"
            ".map(a => a.getAttribute('href').split('#')[0])"
        )
    finally:
        context.close()
    assert expected in found, f"searching {prefix or 'en/'} for {query!r} found {found}"


# What a page sends closed is built when the reader opens it (site.js):
# (page, the control that opens it, what must appear inside once open).
_CLOSED_BLOCKS = [
    ("book/api.html", "details.book-examples > summary", "div.doctest pre"),
    ("book/entropy_and_coding.html", "details.hide.above-input > summary", "div.highlight pre"),
    ("book/entropy_and_coding.html", ".solution.dropdown > .admonition-title", "p:not(.admonition-title)"),
]


@pytest.mark.parametrize("page_path, opener, content", _CLOSED_BLOCKS)
def test_closed_blocks_are_built_when_opened(browser, site_url: str, page_path: str, opener: str,
                                             content: str) -> None:
    context, page = _open(browser, site_url + page_path, DESKTOP, "light")
    try:
        control = page.locator(opener).first
        block = control.locator("xpath=..")
        assert block.locator(content).count() == 0, "the block was built before it was opened"
        control.scroll_into_view_if_needed()
        control.click()
        shown = block.locator(content).first
        shown.wait_for(state="visible")
        copy_buttons = block.locator("button.copybtn").count()
        has_code = block.locator("div:not(.output) > div.highlight pre").count()
        built = block.locator(content).count()
        # Closed and opened again, it is not built a second time.
        control.click()
        control.click()
        rebuilt = block.locator(content).count()
    finally:
        context.close()
    assert copy_buttons == has_code, f"{has_code} code blocks opened with {copy_buttons} copy buttons"
    assert rebuilt == built


def test_code_has_copy_buttons_and_output_has_none(browser, site_url: str) -> None:
    context, page = _open(browser, site_url + "book/numerical_stability.html", DESKTOP, "light")
    try:
        counts = page.evaluate("""() => ({
          code: document.querySelectorAll('.cell_input div.highlight pre').length,
          codeButtons: document.querySelectorAll('.cell_input div.highlight button.copybtn').length,
          output: document.querySelectorAll('.cell_output div.highlight pre').length,
          outputButtons: document.querySelectorAll('.cell_output button.copybtn').length,
          named: Array.from(document.querySelectorAll('button.copybtn svg[aria-label]'))
            .filter(svg => svg.getAttribute('aria-label').trim()).length,
          buttons: document.querySelectorAll('button.copybtn').length,
        })""")
    finally:
        context.close()
    assert counts["code"] > 0 and counts["output"] > 0, counts
    assert counts["codeButtons"] == counts["code"], counts
    assert counts["outputButtons"] == 0, counts
    # Each button is named for screen readers by its icon.
    assert counts["named"] == counts["buttons"], counts
