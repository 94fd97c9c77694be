"""The Chinese edition: complete catalogs, in step with the English text, and linked pages.

The catalogs (``locales/zh_CN/LC_MESSAGES/book/*.po``) must translate every
message the English pages offer, with nothing fuzzy and the markup of each
message (formulas, code, references) intact. The English messages are
extracted afresh from this session's build, so an English paragraph changed
without its translation fails here, and ``make translations`` says what to do.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup, Comment

from conftest import (
    EDITION_LANG,
    EDITIONS,
    REPO_ROOT,
    VISIBLE_TEXT_NODES,
    BookBuild,
    edition_dirs,
    toc_documents,
)

sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
import editions  # noqa: E402
from catalog_checks import problems  # noqa: E402

pytestmark = pytest.mark.site

CATALOGS = REPO_ROOT / "locales" / "zh_CN" / "LC_MESSAGES"


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _page_names(root: Path) -> set[str]:
    return {
        page.relative_to(root).as_posix()
        for page in root.rglob("*.html")
        if not page.relative_to(root).parts[0].startswith("_")
        and page.relative_to(root).parts[0] not in {prefix.rstrip("/") for prefix in EDITIONS.values() if prefix}
    }


@pytest.fixture(scope="session")
def english_templates(book_build: BookBuild) -> Path:
    """The message templates (.pot) of the English text, from this session's build."""
    assert book_build.returncode == 0, "the book did not build"
    return editions.extract_messages(book_build.html_dir.parent)


@pytest.mark.parametrize("document", toc_documents())
def test_catalog_is_complete_with_markup_intact(document: str) -> None:
    catalog = CATALOGS / f"{document}.po"
    assert catalog.is_file(), f"{catalog.relative_to(REPO_ROOT)} is missing: run `make translations`"
    found = problems(catalog)
    assert found == [], f"{catalog.relative_to(REPO_ROOT)}:\n" + "\n".join(found)


def test_catalog_checker_catches_lost_markup_and_gaps(tmp_path: Path) -> None:
    # Guards the test above: the checker must see each kind of fault.
    faulty = tmp_path / "faulty.po"
    faulty.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "See {numref}`fig-a` and $x$."\nmsgstr "见图。"\n\n'
        'msgid "Untouched."\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Old."\nmsgstr "旧的。"\n',
        encoding="utf-8",
    )
    found = problems(faulty)
    assert any("markup changed" in line and "fig-a" in line for line in found), found
    assert any(line.startswith("untranslated") for line in found), found
    assert any(line.startswith("fuzzy") for line in found), found


def test_catalogs_are_in_step_with_the_english_text(english_templates: Path) -> None:
    """Every English message has its translation, and no catalog holds a stale one."""
    stale, missing = [], []
    for template in sorted(english_templates.rglob("*.pot")):
        name = template.relative_to(english_templates).with_suffix(".po")
        wanted = {message.id for message in _catalog(template) if message.id}
        catalog = CATALOGS / name
        have = {message.id for message in _catalog(catalog) if message.id} if catalog.is_file() else set()
        missing += [f"{name}: {text[:80]!r}" for text in sorted(wanted - have)]
        stale += [f"{name}: {text[:80]!r}" for text in sorted(have - wanted)]
    assert missing == [] and stale == [], (
        "the catalogs do not match the English text; run `make translations`, then translate:\n"
        + "\n".join([f"new: {line}" for line in missing] + [f"stale: {line}" for line in stale])
    )


def test_both_editions_have_the_same_pages(built_site: Path) -> None:
    roots = edition_dirs(built_site)
    english, chinese = _page_names(roots["en"]), _page_names(roots["zh_CN"])
    assert english, "the English edition has no pages"
    assert english == chinese, f"only English: {sorted(english - chinese)}; only Chinese: {sorted(chinese - english)}"


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_pages_declare_their_language_and_link_to_their_counterpart(built_site: Path, edition: str) -> None:
    roots = edition_dirs(built_site)
    other = next(name for name in EDITIONS if name != edition)
    problems_found = []
    for name in sorted(_page_names(roots[edition])):
        page = roots[edition] / name
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        if soup.find("meta", attrs={"http-equiv": "Refresh"}):
            continue  # the root index.html only redirects to the first chapter
        if soup.html.get("lang") != EDITION_LANG[edition]:
            problems_found.append(f"{edition}/{name}: <html lang={soup.html.get('lang')!r}>")
        switch = soup.select("a.edition-switch")
        if len(switch) != 1:
            problems_found.append(f"{edition}/{name}: {len(switch)} language switches")
            continue
        target = (page.parent / switch[0]["href"]).resolve()
        if target != (roots[other] / name).resolve():
            problems_found.append(f"{edition}/{name}: switch goes to {switch[0]['href']}")
        if switch[0].get("hreflang") != EDITION_LANG[other]:
            problems_found.append(f"{edition}/{name}: switch hreflang {switch[0].get('hreflang')!r}")
        # The book is built without its address (html.baseurl), and search
        # engines take only absolute URLs in hreflang links: there are none.
        for alternate in soup.find_all("link", rel="alternate", hreflang=True):
            problems_found.append(f"{edition}/{name}: hreflang link to {alternate['href']!r} without a base URL")
    assert problems_found == [], "\n".join(problems_found)


def test_hreflang_links_name_every_edition_by_absolute_url() -> None:
    from edition_links import alternate_tags

    tags = BeautifulSoup(alternate_tags("https://example.org/book/", "book/softmax"), "html.parser")
    found = {link["hreflang"]: link["href"] for link in tags.find_all("link", rel="alternate")}
    assert found == {
        "en": "https://example.org/book/book/softmax.html",
        "zh-CN": "https://example.org/book/zh_CN/book/softmax.html",
    }
    assert set(found) == set(EDITION_LANG.values())


def test_chinese_pages_resolve_their_references(built_site: Path) -> None:
    """Equation, figure and theorem references in the Chinese pages are numbered links."""
    root = edition_dirs(built_site)["zh_CN"]
    counted, unresolved = 0, []
    for document in toc_documents():
        soup = BeautifulSoup((root / f"{document}.html").read_text(encoding="utf-8"), "html.parser")
        for link in soup.select("article a.reference.internal"):
            href = link.get("href", "")
            if "#equation-" in href or "#fig-" in href or link.select_one(".std-numref"):
                counted += 1
                if not link.get_text(strip=True) or "?" in link.get_text():
                    unresolved.append(f"{document}: {href} shows {link.get_text()!r}")
        unresolved += [f"{document}: {tag.get_text()!r}" for tag in soup.select("article .xref.problematic")]
    assert counted > 50, f"only {counted} equation or figure references found in the Chinese pages"
    assert unresolved == [], "\n".join(unresolved)


# Where English stays English in the Chinese edition: code, formulas, program
# output, the explorables (drawn from their notebooks' specifications), the
# library's docstrings (API objects), citations and HTML comments.
_SHARED_PARTS = (
    "pre, code, script, style, noscript, math, .math, .cell_output, .highlight, "
    "figure.explorable, dl.py, .bibtex-citation, .citation, .bibliography"
)
# Four Latin words in a row with no Chinese character: a sentence or a label
# that was not translated.
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[\s,;:'’-]+[A-Za-z]{2,}){3,}")
_CHINESE = re.compile(r"[\u3400-\u9fff]")
_LABELS = ("aria-label", "title", "placeholder", "alt")
_ENGLISH_LABEL = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")


def _kept_in_english() -> set[str]:
    """Messages a translator deliberately kept as they are (names, the glossary's English column)."""
    kept = set()
    for catalog in CATALOGS.rglob("*.po"):
        kept |= {message.id.strip() for message in _catalog(catalog) if message.id and message.string == message.id}
    return kept


def _english_left(soup: BeautifulSoup, kept: set[str]) -> list[str]:
    for element in soup.select(_SHARED_PARTS):
        element.decompose()
    found = []
    for text in soup.body.find_all(string=True):
        if isinstance(text, Comment) or text.strip() in kept:
            continue
        if _ENGLISH_RUN.search(text) and not _CHINESE.search(text):
            found.append(text.strip()[:80])
    for element in soup.body.find_all(True):
        if element.get("lang") == "en":
            continue  # marked as English on purpose (the switch to the English edition)
        for label in _LABELS:
            value = element.get(label) or ""
            if _ENGLISH_LABEL.search(value) and not _CHINESE.search(value):
                found.append(f"{label}={value!r}")
    return found


def test_chinese_pages_have_no_english_prose_or_labels_left(built_site: Path) -> None:
    """Outside what both editions share, the Chinese pages read in Chinese.

    The API reference is left out: beyond its translated introduction, it is
    the library's docstrings, which stay English (the page says so).
    """
    root = edition_dirs(built_site)["zh_CN"]
    kept = _kept_in_english()
    pages = [f"{document}.html" for document in toc_documents() if document != "book/api"]
    problems_found = {}
    for name in [*pages, "search.html", "genindex.html"]:
        soup = BeautifulSoup((root / name).read_text(encoding="utf-8"), "html.parser")
        left = _english_left(soup, kept)
        if left:
            problems_found[name] = left[:10]
    assert problems_found == {}, f"English left in the Chinese edition: {problems_found}"


def test_the_english_check_sees_english() -> None:
    # Guards the test above: an untranslated paragraph and label are found.
    soup = BeautifulSoup(
        '<html><body><p>这是中文。</p><p>This sentence was never translated.</p>'
        '<a title="Link to this heading">¶</a><pre>print("code stays")</pre></body></html>',
        "html.parser",
    )
    assert _english_left(soup, set()) == ["This sentence was never translated.", "title='Link to this heading'"]


# Text a reader sees once scripts have run (the solution toggles' hints, for
# example, are written by JavaScript), outside what both editions share.
_THREE_WORDS = re.compile(r"[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){2,}")


@pytest.mark.browser
def test_chinese_pages_show_no_english_in_the_browser(browser, site_url: str) -> None:
    kept = _kept_in_english()
    found = {}
    pages = [f"{document}.html" for document in toc_documents() if document != "book/api"]
    for name in [*pages, "search.html"]:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.goto(f"{site_url}zh_CN/{name}", wait_until="load")
            page.wait_for_load_state("networkidle")
            texts = [text.strip() for text in page.evaluate(VISIBLE_TEXT_NODES, _SHARED_PARTS)]
        finally:
            context.close()
        english = sorted(
            {text for text in texts if text not in kept and _THREE_WORDS.search(text) and not _CHINESE.search(text)}
        )
        if english:
            found[name] = english[:10]
    assert found == {}, f"English on the Chinese pages, as a reader sees them: {found}"


_CJK_CHARACTER = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize(("edition", "at_least", "at_most"), [("zh_CN", 500, None), ("en", 4, 300)])
def test_fallback_font_has_every_chinese_character_of_its_edition(
    built_site: Path, edition: str, at_least: int, at_most: int | None
) -> None:
    """The Chinese edition needs about a thousand characters; the English one,
    its glossary and the language switch's 中文, a few dozen."""
    from fontTools.ttLib import TTFont

    roots = edition_dirs(built_site)
    font = roots[edition] / "_static" / "fonts" / "book-cjk.woff2"
    assert font.is_file(), f"the {edition} edition has no fallback font"
    covered = {chr(code) for code in TTFont(str(font)).getBestCmap()}
    needed: set[str] = set()
    others = {prefix.rstrip("/") for prefix in EDITIONS.values() if prefix}
    for page in roots[edition].rglob("*.html"):
        if edition == "en" and page.relative_to(roots[edition]).parts[0] in others:
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        needed.update(_CJK_CHARACTER.findall(soup.get_text()))
        for element in soup.find_all(placeholder=True):
            needed.update(_CJK_CHARACTER.findall(element["placeholder"]))
    assert len(needed) >= at_least, f"only {len(needed)} Chinese characters found in {edition}"
    assert needed <= covered, f"characters the fallback font lacks: {sorted(needed - covered)[:40]}"
    if at_most is not None:
        assert len(covered) <= at_most, f"the {edition} fallback font holds {len(covered)} characters"


# Families that can draw Chinese: the fallback web font, or a system font of the stack.
_CHINESE_FAMILIES = ("CJK", "PingFang", "Hiragino", "YaHei", "Han Sans", "WenQuanYi", "Noto Sans SC")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "selectors"),
    [
        ("zh_CN/book/softmax.html", (".logo__title", ".bd-sidenav a", "#main-content h1 ~ p",
                                     "#main-content section section h2")),
        ("book/intro.html", (".edition-switch", "#englishchinese-glossary tbody tr td:last-child")),
    ],
    ids=["zh_CN", "en"],
)
def test_chinese_text_is_drawn_with_a_chinese_font(browser, site_url: str, path: str, selectors) -> None:
    """No empty boxes: every Chinese character is drawn by a font that has it.

    The sidebar's title is laid out before the fallback font arrives; without
    the page's re-shaping it kept the boxes of a Latin font. The English
    edition has Chinese too: the language switch and the glossary.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{site_url}{path}", wait_until="load")
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_timeout(500)
        session = context.new_cdp_session(page)
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument")["root"]["nodeId"]
        problems = []
        for selector in selectors:
            node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
            text = page.eval_on_selector(selector, "e => e.textContent")
            assert _CJK_CHARACTER.search(text), f"{path}: {selector} holds no Chinese to check"
            fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            drawn = sum(
                font["glyphCount"]
                for font in fonts
                if font["isCustomFont"] or any(name in font["familyName"] for name in _CHINESE_FAMILIES)
            )
            if drawn < len(_CJK_CHARACTER.findall(text)):
                problems.append(f"{selector} {text.strip()[:30]!r}: {fonts}")
    finally:
        context.close()
    assert problems == [], "Chinese drawn without a Chinese font:\n" + "\n".join(problems)


def test_each_notebook_is_executed_once_for_both_editions(book_build: BookBuild) -> None:
    """The Chinese edition reads the English build's execution cache."""
    notebooks = sorted(path.name for path in (REPO_ROOT / "book").glob("*.ipynb"))
    executed = sorted(Path(name).name for name in re.findall(r"(\S+\.ipynb): Executing notebook", book_build.log))
    assert executed == notebooks, f"executed {executed}, expected each of {notebooks} once"
    chinese_part = book_build.log.split("editions/zh_CN/_config.yml", 1)[-1]
    cached = sorted(Path(name).name for name in re.findall(r"(\S+\.ipynb): Using cached notebook", chinese_part))
    assert cached == notebooks, f"the Chinese build took from the cache only {cached}"
