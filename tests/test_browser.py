"""Every page of the built book, opened in headless Chromium over HTTP.

Each page gets a fresh browser context (empty storage, as on a first visit)
and must: typeset all its math with MathJax, with no TeX errors and no raw TeX
visible; load every image; log no console error and throw no exception; and
send no request to any host but the local server.

Playwright drives Debian's Chromium (``/usr/bin/chromium``); Playwright's own
browser downloads are never used.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import toc_documents

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOST = "127.0.0.1"
PAGE_TIMEOUT_MS = 60_000

# Resolves once MathJax has typeset the page (null when the page loads no MathJax).
_WAIT_FOR_MATHJAX = """
async () => {
  if (!window.MathJax || !window.MathJax.startup || !window.MathJax.startup.promise) {
    return null;
  }
  await window.MathJax.startup.promise;
  return window.MathJax.version;
}
"""

_MATH_REPORT = """
() => {
  const sources = document.querySelectorAll('span.math, div.math').length;
  const containers = document.querySelectorAll('mjx-container').length;
  const errors = Array.from(document.querySelectorAll('mjx-merror, merror, [data-mjx-error]'))
    .map(e => e.getAttribute('data-mjx-error') || e.textContent);
  // MathJax's noundefined package shows an unknown macro as red text instead of an error.
  // Its text is drawn by CSS, so read it from the hidden MathML copy.
  const undefinedMacros = Array.from(
    document.querySelectorAll('mjx-container mjx-assistive-mml mtext[mathcolor="red"]'))
    .map(e => e.textContent)
    .filter(text => text.startsWith('\\\\'));
  return {sources, containers, errors, undefinedMacros};
}
"""

# Visible text outside code and typeset math.
_VISIBLE_TEXT = """
() => {
  const skip = 'pre, code, script, style, textarea, mjx-container, mjx-assistive-mml';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (!parent.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    parts.push(node.textContent);
  }
  return parts.join(' ');
}
"""

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

_RAW_TEX_MARKERS = ("\\(", "\\)", "\\[", "\\]", "$$", "\\begin{")


def _page_paths() -> list[str]:
    return [f"{doc}.html" for doc in toc_documents()] + ["index.html", "search.html", "genindex.html"]


def test_chromium_is_installed() -> None:
    assert CHROMIUM.is_file(), (
        f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
        "(`apt-get install -y chromium`; .ci/run installs it)"
    )


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.parametrize("page_path", _page_paths())
def test_page_in_browser(browser, site_url: str, built_site: Path, page_path: str) -> None:
    assert (built_site / page_path).is_file(), f"{page_path} was not built"
    console_errors: list[str] = []
    page_errors: list[str] = []
    outside_requests: list[str] = []
    failed_requests: list[str] = []

    context = browser.new_context()
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

        response = page.goto(site_url + page_path, wait_until="load")
        assert response is not None and response.ok, f"{page_path}: {response and response.status}"
        page.wait_for_load_state("networkidle")

        mathjax_version = page.evaluate(_WAIT_FOR_MATHJAX)
        math = page.evaluate(_MATH_REPORT)
        if math["sources"] > 0:
            assert mathjax_version is not None, f"{page_path} has math but MathJax did not start"
            assert mathjax_version.startswith("3."), f"MathJax {mathjax_version} is not version 3"
            assert math["containers"] > 0
        assert math["containers"] >= math["sources"], (
            f"{page_path}: {math['sources']} math elements but only "
            f"{math['containers']} were typeset"
        )
        assert math["errors"] == [], f"{page_path}: MathJax errors {math['errors']}"
        assert math["undefinedMacros"] == [], (
            f"{page_path}: undefined TeX macros {math['undefinedMacros']}"
        )

        visible_text = page.evaluate(_VISIBLE_TEXT)
        raw = [marker for marker in _RAW_TEX_MARKERS if marker in visible_text]
        assert raw == [], f"{page_path}: raw TeX visible on the page: {raw}"

        broken_images = page.evaluate(_BROKEN_IMAGES)
        assert broken_images == [], f"{page_path}: images that did not load: {broken_images}"

        page.wait_for_load_state("networkidle")
    finally:
        context.close()

    assert outside_requests == [], f"{page_path}: requests to other hosts: {outside_requests}"
    assert failed_requests == [], f"{page_path}: failed requests: {failed_requests}"
    assert page_errors == [], f"{page_path}: uncaught exceptions: {page_errors}"
    assert console_errors == [], f"{page_path}: console errors: {console_errors}"
