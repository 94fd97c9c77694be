"""Checks on the built HTML site: complete, warning-free and self-contained.

The book is built once per session by the ``book_build`` fixture
(``tests/conftest.py``) from scratch, with warnings as errors.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import REPO_ROOT, BookBuild, edition_dirs, toc_documents

sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
from math_at_build import FONT_SOURCE, FONT_TARGET  # noqa: E402

pytestmark = pytest.mark.site

# Sphinx writes warnings as "path:line: WARNING: message" (and errors the same
# way). Lines from a notebook kernel's own log ("[IPKernelApp] WARNING | ...")
# are the kernel process talking, not the build, and are left out.
_KERNEL_LOG_LINE = re.compile(r"^\[IPKernelApp\] ")

# Elements that may hold TeX on purpose: code. (Maths is MathML, rendered at
# build time, so TeX may not appear even inside math elements.)
_MATH_AND_CODE = "pre, code, script, style, textarea"

# TeX that was not rendered: display/inline delimiters, environments, control
# words, and $...$ pairs left over from Markdown that was not parsed.
_RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\end\{|\\[A-Za-z]{2,}|\$[^\s$][^$]*\$"
)

# URLs inside CSS: url(...) and @import "...".
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""")


def _html_pages(html_dir: Path) -> list[Path]:
    """Every page of the site, in every edition (the Chinese one is a subfolder)."""
    return sorted(
        page
        for page in html_dir.rglob("*.html")
        if not page.relative_to(html_dir).parts[0].startswith("_")
        and "_static" not in page.relative_to(html_dir).parts
    )


def _edition_root(built_site: Path, page: Path) -> Path:
    """The root folder of the edition ``page`` belongs to."""
    roots = sorted(edition_dirs(built_site).values(), key=lambda root: len(root.parts), reverse=True)
    return next(root for root in roots if page.is_relative_to(root))


def _soup(page: Path) -> BeautifulSoup:
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def _is_local(url: str) -> bool:
    """True for a relative or same-site URL (or inline data); False for another host."""
    url = url.strip()
    if url.startswith("//"):
        return False
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    return parts.scheme == "" and parts.netloc == ""


def _local_target(page: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path)
    return (page.parent / path).resolve()


def test_build_succeeds_without_warnings(book_build: BookBuild) -> None:
    problems = [
        line
        for line in book_build.log.splitlines()
        if ("WARNING" in line or "ERROR" in line) and not _KERNEL_LOG_LINE.match(line)
    ]
    assert problems == [], "the book build logged warnings or errors:\n" + "\n".join(problems)
    assert book_build.returncode == 0, (
        f"`{' '.join(book_build.command)}` exited with {book_build.returncode}:\n"
        + "\n".join(book_build.log.splitlines()[-30:])
    )
    assert "build succeeded" in book_build.log


@pytest.mark.parametrize("edition", ["en", "zh_CN"])
def test_every_toc_document_has_a_page(built_site: Path, edition: str) -> None:
    root = edition_dirs(built_site)[edition]
    documents = toc_documents()
    assert documents, "_toc.yml names no documents"
    missing = [doc for doc in documents if not (root / f"{doc}.html").is_file()]
    assert missing == [], f"documents in _toc.yml without an HTML page in {edition}: {missing}"
    assert (root / "index.html").is_file()


def test_every_toc_document_has_a_source() -> None:
    missing = [
        doc
        for doc in toc_documents()
        if not any((REPO_ROOT / f"{doc}{suffix}").is_file() for suffix in (".md", ".ipynb"))
    ]
    assert missing == [], f"documents in _toc.yml without a source file: {missing}"


def test_every_image_exists(built_site: Path) -> None:
    missing = []
    count = 0
    for page in _html_pages(built_site):
        for img in _soup(page).find_all("img"):
            src = img.get("src", "")
            count += 1
            if src.startswith("data:"):
                continue
            target = _local_target(page, src)
            if not _is_local(src) or not target.is_file() or target.stat().st_size == 0:
                missing.append(f"{page.relative_to(built_site)}: {src}")
    assert missing == [], "images that are not files of the site:\n" + "\n".join(missing)
    assert count > 0, "the site has no images at all; the chapters' figures are missing"


def test_no_raw_tex_outside_math(built_site: Path) -> None:
    leftovers = []
    for page in _html_pages(built_site):
        soup = _soup(page)
        for element in soup.select(_MATH_AND_CODE):
            element.decompose()
        body = soup.body
        if body is None:
            continue
        for text in body.find_all(string=True):
            for match in _RAW_TEX.finditer(str(text)):
                snippet = str(text).strip().replace("\n", " ")[:120]
                leftovers.append(f"{page.relative_to(built_site)}: {match.group(0)!r} in {snippet!r}")
    assert leftovers == [], "TeX outside math elements:\n" + "\n".join(leftovers)


def test_math_elements_hold_mathml(built_site: Path) -> None:
    # Guards the previous test: it must have had math to look at, and every
    # math element must carry the MathML rendered at build time.
    pages_with_math = 0
    empty = []
    for page in _html_pages(built_site):
        # An inline formula is a <math class="math">, a display one a div.math.
        elements = _soup(page).select(".math")
        pages_with_math += bool(elements)
        empty += [
            f"{page.relative_to(built_site)}: {e.get_text()[:60]!r}"
            for e in elements
            if not (e.find(True) if e.name == "math" else e.find("math"))
        ]
    assert pages_with_math, "no page contains math elements"
    assert empty == [], "math elements without MathML:\n" + "\n".join(empty)


def test_pages_load_nothing_from_other_hosts(built_site: Path) -> None:
    external = []
    for page in _html_pages(built_site):
        soup = _soup(page)
        urls = [tag.get("src") for tag in soup.find_all(["script", "img", "source", "iframe", "video", "audio", "embed", "track", "input"])]
        urls += [tag.get("href") for tag in soup.find_all("link")]
        urls += [tag.get("data") for tag in soup.find_all("object")]
        urls += [tag.get("poster") for tag in soup.find_all("video")]
        for tag in soup.find_all(srcset=True):
            urls += [item.strip().split(" ")[0] for item in tag["srcset"].split(",")]
        for tag in soup.find_all(style=True):
            urls += [m.group(2) or m.group(4) for m in _CSS_URL.finditer(tag["style"])]
        for style in soup.find_all("style"):
            urls += [m.group(2) or m.group(4) for m in _CSS_URL.finditer(style.get_text())]
        for url in urls:
            if url and not _is_local(url):
                external.append(f"{page.relative_to(built_site)}: {url}")
    assert external == [], "pages refer to other hosts:\n" + "\n".join(external)


def test_stylesheets_load_nothing_from_other_hosts(built_site: Path) -> None:
    external = []
    missing = []
    stylesheets = sorted(built_site.rglob("*.css"))
    assert stylesheets, "the site has no stylesheets"
    for css in stylesheets:
        for match in _CSS_URL.finditer(css.read_text(encoding="utf-8", errors="replace")):
            url = match.group(2) or match.group(4)
            if not url or url.startswith("data:") or url.startswith("#"):
                continue
            if not _is_local(url):
                external.append(f"{css.relative_to(built_site)}: {url}")
            elif not _local_target(css, url).is_file():
                missing.append(f"{css.relative_to(built_site)}: {url}")
    assert external == [], "stylesheets refer to other hosts:\n" + "\n".join(external)
    # A missing local file would make the browser ask for it and fail.
    assert missing == [], "stylesheets refer to files the site lacks:\n" + "\n".join(missing)


def test_local_scripts_and_stylesheets_exist(built_site: Path) -> None:
    missing = []
    for page in _html_pages(built_site):
        soup = _soup(page)
        urls = [tag["src"] for tag in soup.find_all("script", src=True)]
        urls += [
            tag["href"]
            for tag in soup.find_all("link", href=True)
            if {"stylesheet", "preload"} & set(tag.get("rel", []))
        ]
        for url in urls:
            if _is_local(url) and not _local_target(page, url).is_file():
                missing.append(f"{page.relative_to(built_site)}: {url}")
    assert missing == [], "pages refer to files the site lacks:\n" + "\n".join(missing)


def test_math_is_rendered_at_build_time(built_site: Path) -> None:
    """No page loads a maths script; the math font is served by the site, small."""
    for page in _html_pages(built_site):
        soup = _soup(page)
        scripts = [tag["src"] for tag in soup.find_all("script", src=True)]
        assert not [src for src in scripts if "mathjax" in src.lower()], f"{page.name} loads MathJax"
        if soup.find("math"):
            preload = soup.find("link", rel="preload", attrs={"as": "font"})
            assert preload is not None, f"{page.name} has maths but does not preload the math font"
            assert _local_target(page, preload["href"]).is_file()
    for edition, root in edition_dirs(built_site).items():
        font = root / "_static" / "fonts" / "math.woff2"
        assert font.is_file(), f"the subset math font of {edition} is missing"
        assert font.stat().st_size < 100_000, f"the math font is {font.stat().st_size} bytes: not subset?"


def test_math_font_has_every_character_the_maths_draws(built_site: Path) -> None:
    """Each character of every formula, and the radical sign of square roots, is in the font.

    A character missing from the subset font falls back to a text font or to
    nothing: a square root without its sign reads as a fraction bar.
    """
    from fontTools.ttLib import TTFont

    subsets = {
        root: set(TTFont(str(root / FONT_TARGET)).getBestCmap()) for root in edition_dirs(built_site).values()
    }
    # Characters the full font lacks (a check mark, say) come from the text font.
    full = set(TTFont(str(FONT_SOURCE)).getBestCmap())
    missing: dict[str, set[str]] = {}
    for page in _html_pages(built_site):
        subset = subsets[_edition_root(built_site, page)]
        needed: set[str] = set()
        for math in _soup(page).find_all("math"):
            needed.update(math.get_text())
            if math.find(["msqrt", "mroot"]):
                needed.add("\u221a")
        lacking = {char for char in needed if ord(char) in full - subset}
        if lacking:
            missing[str(page.relative_to(built_site))] = lacking
    assert missing == {}, f"characters the math font lacks, by page: {missing}"


def test_every_page_has_one_viewport_and_a_description(built_site: Path) -> None:
    problems = []
    for page in _html_pages(built_site):
        soup = _soup(page)
        if soup.find("meta", attrs={"http-equiv": "Refresh"}):
            continue  # the root index.html only redirects to the first chapter
        viewports = soup.find_all("meta", attrs={"name": "viewport"})
        descriptions = soup.find_all("meta", attrs={"name": "description"})
        name = page.relative_to(built_site)
        if len(viewports) != 1:
            problems.append(f"{name}: {len(viewports)} viewport tags")
        if len(descriptions) != 1:
            problems.append(f"{name}: {len(descriptions)} descriptions")
            continue
        icon = soup.find("link", rel="icon")
        if icon is None or not _local_target(page, icon["href"]).is_file():
            problems.append(f"{name}: no favicon (the browser asks for /favicon.ico and logs a 404)")
        text = descriptions[0].get("content", "")
        if len(text) < 20 or len(text) > 160 or _RAW_TEX.search(text):
            problems.append(f"{name}: description {text!r}")
    assert problems == [], "\n".join(problems)


def test_search_index_and_icon_script_only_where_needed(built_site: Path) -> None:
    """searchindex.js loads on the search page only; no page loads Font Awesome's script."""
    problems = []
    for page in _html_pages(built_site):
        scripts = [tag["src"] for tag in _soup(page).find_all("script", src=True)]
        name = page.relative_to(built_site).as_posix()
        is_search = page == _edition_root(built_site, page) / "search.html"
        if any("searchindex.js" in src for src in scripts) != is_search:
            problems.append(f"{name}: searchindex.js {'missing' if is_search else 'loaded'}")
        problems += [f"{name}: loads {src}" for src in scripts if "fontawesome" in src]
    assert problems == [], "\n".join(problems)


def test_figures_have_alt_text_and_size(built_site: Path) -> None:
    problems = []
    for page in _html_pages(built_site):
        for img in _soup(page).find_all("img"):
            src, alt = img.get("src", ""), img.get("alt", "")
            where = f"{page.relative_to(built_site)}: {src}"
            if not alt.strip() or "_images/" in alt or re.search(r"\.(png|svg|jpe?g)$|\\[A-Za-z]", alt):
                problems.append(f"{where}: alt {alt!r}")
            if "_images/" in src and not (img.get("width") and img.get("height")):
                problems.append(f"{where}: no width/height")
            if "_images/" in src and img.get("loading") != "lazy":
                problems.append(f"{where}: not lazy")
    assert problems == [], "\n".join(problems)
