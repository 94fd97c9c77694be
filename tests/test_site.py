"""Checks on the built HTML site: complete, warning-free and self-contained.

The book is built once per session by the ``book_build`` fixture
(``tests/conftest.py``) from scratch, with warnings as errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import REPO_ROOT, BookBuild, toc_documents

pytestmark = pytest.mark.site

# Sphinx writes warnings as "path:line: WARNING: message" (and errors the same
# way). Lines from a notebook kernel's own log ("[IPKernelApp] WARNING | ...")
# are the kernel process talking, not the build, and are left out.
_KERNEL_LOG_LINE = re.compile(r"^\[IPKernelApp\] ")

# Elements that hold TeX on purpose: MathJax sources and code.
_MATH_AND_CODE = "span.math, div.math, .MathJax, mjx-container, pre, code, script, style, textarea"

# TeX that MathJax did not get to see: display/inline delimiters, environments,
# control words, and $...$ pairs left over from Markdown that was not parsed.
_RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\end\{|\\[A-Za-z]{2,}|\$[^\s$][^$]*\$"
)

# URLs inside CSS: url(...) and @import "...".
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""")


def _html_pages(html_dir: Path) -> list[Path]:
    return sorted(
        page
        for page in html_dir.rglob("*.html")
        if not page.relative_to(html_dir).parts[0].startswith("_")
    )


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


def test_every_toc_document_has_a_page(built_site: Path) -> None:
    documents = toc_documents()
    assert documents, "_toc.yml names no documents"
    missing = [doc for doc in documents if not (built_site / f"{doc}.html").is_file()]
    assert missing == [], f"documents in _toc.yml without an HTML page: {missing}"
    assert (built_site / "index.html").is_file()


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


def test_pages_have_math_for_mathjax(built_site: Path) -> None:
    # Guards the previous test: it must have had math to leave alone.
    pages_with_math = [
        page for page in _html_pages(built_site) if _soup(page).select("span.math, div.math")
    ]
    assert pages_with_math, "no page contains math elements"


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


def test_mathjax3_is_served_by_the_site(built_site: Path) -> None:
    page = built_site / f"{toc_documents()[0]}.html"
    scripts = [tag["src"] for tag in _soup(page).find_all("script", src=True)]
    mathjax = [src for src in scripts if re.search(r"(^|/)mathjax/[^/]+\.js", src)]
    assert mathjax, f"{page.name} loads no MathJax script from the site: {scripts}"
    for src in mathjax:
        assert _is_local(src), src
        script = _local_target(page, src)
        assert script.is_file(), f"{src} is not a file of the site"
        version = re.search(r'VERSION\s*=\s*"(\d+)\.(\d+)\.(\d+)"', script.read_text(encoding="utf-8"))
        assert version and version.group(1) == "3", f"{src} is not MathJax 3"
    # The fonts MathJax's CHTML output asks for must be there too.
    fonts = list((built_site / "_static" / "mathjax").rglob("*.woff"))
    assert fonts, "MathJax fonts are missing from _static/mathjax"
