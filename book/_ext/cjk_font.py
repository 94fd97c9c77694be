"""Chinese text that renders on every machine, at the cost of no byte where a font exists.

Loaded by ``_config.yml`` (``sphinx.local_extensions``). The Chinese edition
is Chinese throughout; the English one has Chinese too: the introduction's
glossary and the "中文" of every page's language switch.

The pages name the Chinese fonts that phones and desktops ship (PingFang SC,
Microsoft YaHei, Noto Sans CJK SC, ...) and, last, "Book CJK": Noto Sans SC
(SIL Open Font License, from the pinned npm package ``@fontsource/noto-sans-sc``)
cut down at the end of the build to the Chinese characters and punctuation the
edition's pages contain (a few dozen in English, about a thousand in
Chinese). A browser fetches a web font only when an earlier font of the list
lacks a character it must draw, and the ``unicode-range``
limits "Book CJK" to Chinese, so a reader with a Chinese font downloads
nothing, and a reader without one (a bare Linux, for example) still reads
Chinese instead of empty boxes.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from sphinx.application import Sphinx

from edition_links import EDITIONS

# The folders of the editions that live inside another's site (zh_CN in English).
NESTED_EDITIONS = {edition["folder"].strip("/") for edition in EDITIONS.values() if edition["folder"]}

REPO_ROOT = Path(__file__).resolve().parents[2]
FONT_PACKAGE = REPO_ROOT / "node_modules" / "@fontsource" / "noto-sans-sc"
FONT_SOURCE = FONT_PACKAGE / "files" / "noto-sans-sc-chinese-simplified-400-normal.woff2"
FONT_TARGET = Path("_static") / "fonts" / "book-cjk.woff2"
CSS_TARGET = Path("_static") / "cjk-font.css"

# CJK punctuation, ideographs (with extension A) and full-width forms.
UNICODE_RANGES = [(0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF)]
# The theme's system stack, with the Chinese fonts before the generic family.
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    '"Book CJK", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Segoe UI Symbol", '
    '"Noto Color Emoji"'
)
# Chromium keeps the empty boxes it drew for text laid out before the fallback
# font arrived (the sidebar's title, on a system without Chinese fonts), so
# once "Book CJK" has loaded the page asks for that text to be shaped again.
# Only the elements that hold Chinese text are marked: marking the whole page
# would lay out every formula again too (some 280 ms of a slowed phone's main
# thread on the entropy chapter, measured with Lighthouse).
_CHINESE_CLASS = "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in UNICODE_RANGES)
RESHAPE_SCRIPT = """document.fonts.addEventListener("loadingdone", function (event) {
  if (!event.fontfaces.some(function (face) { return face.family.replace(/"/g, "") === "Book CJK"; })) return;
  var chinese = /[%s]/;
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var holders = new Set();
  while (walker.nextNode()) {
    var text = walker.currentNode;
    if (text.parentElement && chinese.test(text.data)) holders.add(text.parentElement);
  }
  holders.forEach(function (element) { element.classList.add("cjk-reshaped"); });
});""" % _CHINESE_CLASS


def covered(character: str) -> bool:
    """True when ``character`` is drawn from "Book CJK" (inside its unicode-range)."""
    code = ord(character)
    return any(low <= code <= high for low, high in UNICODE_RANGES)


def characters_of_site(outdir: Path) -> set[str]:
    """Every character in ``UNICODE_RANGES`` that a page of the site contains.

    All pages are read, not only those written by this build, so that an
    incremental build keeps the characters of the pages it did not rewrite;
    the folders of other editions (the Chinese one inside the English site)
    are not. Attribute values count too: a search field's placeholder is drawn.
    """
    found: set[str] = set()
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] in NESTED_EDITIONS:
            continue
        text = html.unescape(page.read_text(encoding="utf-8"))
        found.update(char for char in text if covered(char))
    return found


def font_face_css() -> str:
    ranges = ", ".join(f"U+{low:04X}-{high:04X}" for low, high in UNICODE_RANGES)
    return (
        "/* Chinese text: system Chinese fonts first; the subset Noto Sans SC\n"
        "   (fonts/book-cjk.woff2, OFL) only where none is installed. */\n"
        "@font-face {\n"
        '  font-family: "Book CJK";\n'
        '  src: url("fonts/book-cjk.woff2") format("woff2");\n'
        "  font-weight: 400;\n"
        "  font-display: swap;\n"
        f"  unicode-range: {ranges};\n"
        "}\n"
        "html {\n"
        f"  --pst-font-family-base: {FONT_STACK};\n"
        f"  --pst-font-family-heading: {FONT_STACK};\n"
        "}\n"
        "/* Set by the page, once the font has loaded, on the elements that hold\n"
        "   Chinese text: a change of letter spacing too small to see makes the\n"
        "   browser shape their text again (a change of font-family does not).\n"
        "   Formulas inside them keep their spacing, and are not laid out again. */\n"
        ".cjk-reshaped {\n"
        "  letter-spacing: 0.01px;\n"
        "}\n"
        ".cjk-reshaped math {\n"
        "  letter-spacing: normal;\n"
        "}\n"
    )


def subset_font(characters: set[str], target: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names, copyright and licence
    options.notdef_outline = True
    font = TTFont(str(FONT_SOURCE))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(char) for char in characters))
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.save(str(target))


def write_font(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    subset_font(characters_of_site(outdir), outdir / FONT_TARGET)
    shutil.copyfile(FONT_PACKAGE / "LICENSE", outdir / FONT_TARGET.with_name("book-cjk-LICENSE.txt"))
    (outdir / CSS_TARGET).write_text(font_face_css(), encoding="utf-8")


def link_style_sheet(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    if not FONT_SOURCE.is_file():
        raise FileNotFoundError(f"{FONT_SOURCE} is missing: run `npm ci` at the repository root")
    app.add_css_file(CSS_TARGET.name)
    app.add_js_file(None, body=RESHAPE_SCRIPT)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", link_style_sheet)
    # Last, after every extension that writes words into the pages.
    app.connect("build-finished", write_font, priority=990)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
