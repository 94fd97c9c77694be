"""Light, accessible pages: what the theme's templates cannot be told to do.

Loaded by ``_config.yml`` (``sphinx.local_extensions``).

* Figures get a real text alternative: the image's alt text is its figure's
  caption (Sphinx would otherwise use the file name, a hash).
* Each page gets a ``<meta name="description">`` taken from its first
  paragraph of prose.
* After the build every HTML page is tidied:

  - one viewport ``<meta>`` (Sphinx and the theme each write their own);
  - the theme's 1.5 MB Font Awesome script is not loaded: the dozen icons the
    pages use are written into the HTML as small inline SVGs (``icons.json``,
    Font Awesome Free, CC BY 4.0);
  - the search index and search scripts load only on the search page (the
    search box elsewhere is a plain form that opens that page);
  - images under ``_images`` get their ``width``/``height`` (no layout shift
    while they load) and are loaded lazily;
  - the bibliography list uses roles that assistive technology knows
    (``listitem``; ``doc-biblioentry`` is deprecated in WAI-ARIA);
  - what a reader sees only after opening it (the source of a code cell
    whose input is hidden, the solution of an exercise) is wrapped in a
    ``<noscript class="book-deferred">``. With JavaScript, a browser parses
    that as text, not as elements, so a chapter's document is a third
    smaller and lays out faster; ``site.js`` turns it into elements when the
    reader opens the block (or prints, or follows a link into it). Without
    JavaScript, the browser shows the ``<noscript>`` content, which is the
    block itself, exactly as before.
"""

from __future__ import annotations

import html
import json
import re
import struct
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ICONS = {
    name: value
    for name, value in json.loads((HERE / "icons.json").read_text(encoding="utf-8")).items()
    if not name.startswith("_")
}
DESCRIPTION_LENGTH = 155


# --------------------------------------------------------------------------
# Doctree: alt texts and page descriptions
# --------------------------------------------------------------------------


def _caption_text(app: Sphinx, figure: nodes.figure) -> str:
    """A figure's caption as plain text; its formulas as the characters shown."""
    caption = next(iter(figure.findall(nodes.caption)), None)
    if caption is None:
        return ""
    parts = []
    for node in caption.findall(lambda n: isinstance(n, (nodes.math, nodes.Text))):
        if isinstance(node, nodes.math):
            parts.append(_math_text(app, node.astext()))
        elif not any(isinstance(a, nodes.math) for a in _ancestors(node)):
            parts.append(node.astext())
    return " ".join("".join(parts).split())


def _math_text(app: Sphinx, tex: str) -> str:
    try:
        from math_at_build import math_as_text
    except ImportError:  # the maths extension is not loaded
        return tex
    return math_as_text(app, tex)


def _looks_like_a_path(alt: str, uri: str) -> bool:
    return not alt.strip() or alt == uri or bool(re.search(r"\.(png|jpe?g|svg|gif|webp)$", alt))


def give_figures_alt_text(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for image in doctree.findall(nodes.image):
        if not _looks_like_a_path(image.get("alt", ""), image.get("uri", "")):
            continue
        parent = image.parent
        while parent is not None and not isinstance(parent, nodes.figure):
            parent = parent.parent
        caption = _caption_text(app, parent) if parent is not None else ""
        if caption:
            image["alt"] = caption
        else:
            logger.warning(
                "image %s has neither alt text nor a figure caption",
                image.get("uri"),
                location=image,
                type="a11y",
                subtype="alt",
            )


def _plain_text(node: nodes.Node) -> str:
    parts = []
    for child in node.findall(nodes.Text):
        if any(isinstance(a, (nodes.math, nodes.raw)) for a in _ancestors(child)):
            continue
        parts.append(child.astext())
    return " ".join("".join(parts).split())


def _ancestors(node: nodes.Node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def page_description(doctree: nodes.document) -> str:
    """The first paragraph of prose (no maths) of a page, cut to a snippet's length."""
    for paragraph in doctree.findall(nodes.paragraph):
        if any(
            isinstance(a, (nodes.admonition, nodes.field_list, nodes.table, nodes.citation, nodes.footnote))
            for a in _ancestors(paragraph)
        ):
            continue
        text = _plain_text(paragraph)
        if next(iter(paragraph.findall(nodes.math)), None) is not None:
            continue  # a sentence with its formulas taken out reads badly
        if len(text) < 40:
            continue
        if len(text) > DESCRIPTION_LENGTH:
            text = text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"
        return text
    return ""


# A script that must run while the page is parsed: the inline settings after
# it read DOCUMENTATION_OPTIONS. (The search page keeps all its scripts as they
# are: its search tools need doctools.js at once.)
_KEEP_BLOCKING = ("documentation_options.js",)


def defer_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Let the page paint before its scripts run: every script file is deferred.

    They only add behaviour (copy buttons, toggles, highlighting of search
    terms) once the document is there; deferred scripts still run in order,
    before ``DOMContentLoaded``.
    """
    if pagename == "search":
        return
    # The builder shares one script object between all pages: each page gets
    # deferred copies, so that the search page keeps the originals.
    from sphinx.builders.html._assets import _JavaScript

    deferred = []
    for script in context.get("script_files", []):
        filename = str(getattr(script, "filename", "") or "")
        attributes = dict(getattr(script, "attributes", {}) or {})
        if filename and not filename.endswith(_KEEP_BLOCKING) and "async" not in attributes:
            attributes.setdefault("defer", "defer")
            script = _JavaScript(script.filename, priority=script.priority, **attributes)
        deferred.append(script)
    context["script_files"] = deferred


def add_description(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    title = context.get("docstitle") or ""
    description = page_description(doctree) if doctree is not None else ""
    if not description:
        if pagename == "search":
            description = f"Search the pages of {title}."
        elif pagename == "genindex":
            description = f"Index of the terms and functions of {title}."
        else:
            description = title
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="description" content="{html.escape(description, quote=True)}" />'
    )


# --------------------------------------------------------------------------
# HTML post-processing
# --------------------------------------------------------------------------

_VIEWPORT = re.compile(r'\s*<meta name="viewport"[^>]*>')
_FONTAWESOME = re.compile(
    r'\s*<!-- So that users can add custom icons -->\s*<script defer src="[^"]*fontawesome\.js[^"]*"></script>'
)
_SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)[^"]*"></script>'
)
_ICON = re.compile(
    r'<(i|span) class="([^"]*\bfa-(?:solid|regular)?[^"]*|[^"]*\bfas\b[^"]*)"([^>]*)>\s*</\1>'
)
_IMG = re.compile(r"<img\b[^>]*>")
_PRE = re.compile(r"<pre\b.*?</pre>", re.S)
# Pygments tokens drawn in the code block's own colour in both the light and
# the dark style (names, punctuation, white space): their <span>s change
# nothing on screen and make up most of a chapter's elements, so their text is
# written bare.
_PLAIN_TOKEN = re.compile(r'<span class="(?:n|p|w|nn|nx|pm)">([^<]*)</span>')
# Pygments calls the dot of ``np.exp`` an operator; it is punctuation, and is
# drawn in the text's colour like the other punctuation.
_DOT_OPERATOR = re.compile(r'<span class="o">\.</span>')
# Pygments opens every highlighted block with an empty <span></span>.
_EMPTY_FIRST_SPAN = re.compile(r"(<pre\b[^>]*>)<span></span>")
# Sphinx wraps every word of inline code and of API signatures in
# <span class="pre"> (no line break inside a word); such text breaks only at
# spaces anyway, so the span goes.
_PRE_WORD = re.compile(r'<span class="pre">([^<]*)</span>')
# Two neighbouring tokens drawn alike in both colour modes (in the book's
# Pygments style an operator is drawn like a string, a keyword like
# "in"...) can share one <span>; white space between them shows no colour.
_TOKEN_PAIR = re.compile(r'<span class="([a-z0-9]+)">([^<]*)</span>(\s*)<span class="([a-z0-9]+)">')
_TOKEN_STYLE = re.compile(r'html\[data-theme="(light|dark)"\] \.highlight \.([a-z0-9]+) \{ ([^}]*)\}')


def token_styles(pygments_css: str) -> dict[str, tuple[str, str]]:
    """Each Pygments token class's (light, dark) declarations; prompts and output excluded."""
    found: dict[str, dict[str, str]] = {}
    for mode, token, declarations in _TOKEN_STYLE.findall(pygments_css):
        found.setdefault(token, {})[mode] = " ".join(declarations.split())
    return {
        token: (modes["light"], modes["dark"])
        for token, modes in found.items()
        if set(modes) == {"light", "dark"} and not token.startswith("g") and token not in ("hll", "err")
    }


def _plain_tokens(pre: str) -> str:
    return _DOT_OPERATOR.sub(".", _PLAIN_TOKEN.sub(r"\1", _EMPTY_FIRST_SPAN.sub(r"\1", pre)))


def merge_alike_tokens(pre: str, styles: dict[str, tuple[str, str]]) -> str:
    def merge(match: re.Match) -> str:
        first, text, space, second = match.groups()
        if first in styles and styles.get(second) == styles[first]:
            return f'<span class="{first}">{text}{space}'
        return match.group(0)

    while True:
        merged = _TOKEN_PAIR.sub(merge, pre)
        if merged == pre:
            return merged
        pre = merged
_SIDEBAR = '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'

_SRC = re.compile(r'\bsrc="([^"]+)"')

# A code cell whose input is hidden: <details> ... </summary> then the input.
# Its input is highlighted code (every "<" in it is escaped), so the first
# "</details>" closes it.
_HIDDEN_INPUT = re.compile(
    r'(<details class="admonition hide above-input">\s*<summary\b.*?</summary>)(.*?)(</details>)', re.S
)
_SOLUTION_START = re.compile(r'<div class="solution dropdown admonition"[^>]*>\s*<p class="admonition-title">.*?</p>', re.S)
_DIV_TAG = re.compile(r"<(/?)div\b[^>]*>")
DEFERRED_OPEN = '<noscript class="book-deferred">'
DEFERRED_CLOSE = "</noscript>"


def _defer(content: str) -> str:
    if not content.strip() or "<noscript" in content or "<script" in content:
        return content  # nothing to gain, or markup a <noscript> cannot hold
    return DEFERRED_OPEN + content + DEFERRED_CLOSE


def defer_closed_blocks(text: str) -> str:
    """Hidden code-cell inputs and exercise solutions go into ``<noscript class="book-deferred">``."""
    text = _HIDDEN_INPUT.sub(lambda m: m.group(1) + _defer(m.group(2)) + m.group(3), text)
    parts, position = [], 0
    for start in _SOLUTION_START.finditer(text):
        if start.start() < position:
            continue  # a solution inside a solution: already deferred with its parent
        depth, end = 1, None
        for tag in _DIV_TAG.finditer(text, start.end()):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = tag.start()
                break
        if end is None:
            continue
        parts += [text[position:start.end()], _defer(text[start.end():end])]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _icon_svg(match: re.Match) -> str:
    classes = match.group(2).split()
    names = [c[3:] for c in classes if c.startswith("fa-") and c[3:] in ICONS]
    if not names:
        return match.group(0)
    width, height, path = ICONS[names[0]]
    kept = " ".join(["book-icon"] + [c for c in classes if c not in ("fa", "fas", "fa-solid", "fa-regular")])
    extra = match.group(3)
    return (
        f'<svg class="{kept}"{extra} viewBox="0 0 {width} {height}" aria-hidden="true" '
        f'focusable="false"><path fill="currentColor" d="{path}"/></svg>'
    )


def _png_size(path: Path) -> tuple[int, int] | None:
    with path.open("rb") as handle:
        head = handle.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def _size_images(page: Path, text: str) -> str:
    def fix(match: re.Match) -> str:
        tag = match.group(0)
        src = _SRC.search(tag)
        if not src or "_images/" not in src.group(1) or " width=" in tag:
            return tag
        size = _png_size((page.parent / src.group(1)).resolve())
        if size is None:
            return tag
        attributes = f' width="{size[0]}" height="{size[1]}" loading="lazy" decoding="async"'
        return tag[:-2].rstrip() + attributes + " />" if tag.endswith("/>") else tag[:-1] + attributes + ">"

    return _IMG.sub(fix, text)


_TH = re.compile(r"(<th\b[^>]*>)(.*?)(</th>)", re.S)
_MATH = re.compile(r"<math\b[^>]*>.*?</math>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _label_math_headers(text: str) -> str:
    """A table header that is only a formula gets the formula's text as a label.

    axe-core (and some screen readers) find no text in a header cell that
    holds nothing but MathML; the label names the column.
    """

    def fix(match: re.Match) -> str:
        inner = match.group(2)
        if "<math" not in inner or _TAG.sub("", _MATH.sub("", inner)).strip():
            return match.group(0)

        def label(math: re.Match) -> str:
            if math.group(0).startswith("<math aria-label="):
                return math.group(0)  # already labelled (a page tidied twice)
            words = html.escape(" ".join(html.unescape(_TAG.sub("", math.group(0))).split()), quote=True)
            return math.group(0).replace("<math", f'<math aria-label="{words}"', 1)

        return match.group(1) + _MATH.sub(label, inner) + match.group(3)

    return _TH.sub(fix, text)


_MATH_FONT_PRELOAD = re.compile(r'<link rel="preload" href="([^"]*)fonts/math\.woff2"[^>]*>')


def preload_temml_font(text: str) -> str:
    """Preload Temml's small font on pages that draw with it (primes, script letters).

    Found only once the style sheets are in, it arrived after the first
    layout and made the browser lay the page out again.
    """
    if "Temml.woff2" in text or not ('class="tml-prime' in text or "mathscr" in text):
        return text
    found = _MATH_FONT_PRELOAD.search(text)
    if not found:
        return text
    link = f'<link rel="preload" href="{found.group(1)}temml/Temml.woff2" as="font" type="font/woff2" crossorigin>'
    return text[: found.end()] + "\n" + link + text[found.end():]


def tidy_page(page: Path, is_search_page: bool, styles: dict[str, tuple[str, str]] | None = None) -> None:
    text = page.read_text(encoding="utf-8")
    text = _VIEWPORT.sub("", text)
    text = text.replace(
        '<meta charset="utf-8" />',
        '<meta charset="utf-8" />\n    <meta name="viewport" content="width=device-width, initial-scale=1" />',
        1,
    )
    text = _FONTAWESOME.sub("", text)
    if not is_search_page:
        text = _SEARCH_SCRIPTS.sub("", text)
    text = _ICON.sub(_icon_svg, text)
    text = _size_images(page, text)
    text = text.replace('role="doc-biblioentry"', 'role="listitem"')
    text = _PRE.sub(lambda match: merge_alike_tokens(_plain_tokens(match.group(0)), styles or {}), text)
    text = _PRE_WORD.sub(r"\1", text)
    # A table's empty corner cell (pandas' index header) is not a header.
    text = text.replace("<th></th>", "<td></td>")
    text = _label_math_headers(text)
    text = defer_closed_blocks(text)
    text = preload_temml_font(text)
    # The sidebar (book title, search, chapters) is a landmark of its own, so
    # that no content lies outside every landmark.
    text = text.replace(
        _SIDEBAR, _SIDEBAR[:-1] + ' role="complementary" aria-label="Book navigation">', 1
    )
    page.write_text(text, encoding="utf-8")


_PST_ICON = re.compile(r'--pst-icon-[a-z-]+:"(.)"')
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")


def subset_icon_fonts(outdir: Path) -> None:
    """Cut the theme's Font Awesome web fonts down to the icons its CSS shows.

    The theme's style sheet draws a few icons (admonitions, the download
    menu, ...) with the icon font; it also carries every Font Awesome class,
    so the glyphs kept are those of its ``--pst-icon-*`` variables and any
    icon that another style sheet of the site names.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    static = outdir / "_static"
    theme_css = static / "styles" / "pydata-sphinx-theme.css"
    if not theme_css.is_file():
        return
    codepoints = {ord(char) for char in _PST_ICON.findall(theme_css.read_text(encoding="utf-8"))}
    for css in static.rglob("*.css"):
        if css != theme_css:
            codepoints |= {ord(c) for c in _PRIVATE_USE.findall(css.read_text(encoding="utf-8", errors="replace"))}
    for font_path in sorted((static / "vendor" / "fontawesome").rglob("*.woff2")):
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = []
        options.notdef_outline = True
        font = TTFont(str(font_path))
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(codepoints))
        subsetter.subset(font)
        font.flavor = "woff2"
        font.save(str(font_path))


_ICON_RULE = re.compile(r"((?:\.fa-[a-z0-9-]+:before,?)+)\{content:[^}]*\}")
_ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")


def drop_unused_icon_rules(outdir: Path) -> None:
    """Drop the theme's rules for the Font Awesome icons that no page or script names.

    The theme's main style sheet blocks the first paint and carries one
    ``.fa-NAME:before{content:...}`` rule for each of some 1,900 icons; the
    pages draw their icons as inline SVG, and only class names that occur in
    the site's HTML or JavaScript can ever match a rule.
    """
    theme_css = outdir / "_static" / "styles" / "pydata-sphinx-theme.css"
    if not theme_css.is_file():
        return
    used: set[str] = set()
    for path in outdir.rglob("*"):
        if path.suffix in (".html", ".js") and path.is_file():
            used |= set(_ICON_CLASS.findall(path.read_text(encoding="utf-8", errors="replace")))

    def keep(match: re.Match) -> str:
        selectors = [s for s in match.group(1).split(",") if s and s[1:-len(":before")] in used]
        return ",".join(selectors) + match.group(0)[len(match.group(1)):] if selectors else ""

    text = theme_css.read_text(encoding="utf-8")
    theme_css.write_text(_ICON_RULE.sub(keep, text), encoding="utf-8")


def tidy_site(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    pygments_css = outdir / "_static" / "pygments.css"
    styles = token_styles(pygments_css.read_text(encoding="utf-8")) if pygments_css.is_file() else {}
    for page in outdir.rglob("*.html"):
        relative = page.relative_to(outdir)
        if relative.parts[0] in ("_static", "_sources", "_images"):
            continue
        tidy_page(page, is_search_page=relative.as_posix() == "search.html", styles=styles)
    subset_icon_fonts(outdir)
    drop_unused_icon_rules(outdir)
    # Nothing loads the icon script any more; do not ship 3 MB of it.
    for name in ("fontawesome.js", "fontawesome.js.map"):
        (outdir / "_static" / "scripts" / name).unlink(missing_ok=True)


def _fingerprint() -> str:
    """Hash of the book's build extensions and static files.

    Sphinx rewrites pages only when sources or settings change; registering
    this hash as a setting makes a change to these files rewrite every page.
    """
    import hashlib

    digest = hashlib.sha256()
    files = sorted(HERE.glob("*.py")) + sorted(HERE.glob("*.cjs")) + sorted(HERE.glob("*.json"))
    files += sorted(p for p in (HERE.parent / "_static").rglob("*") if p.is_file())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def setup(app: Sphinx) -> dict:
    app.add_config_value("book_build_fingerprint", _fingerprint(), "env")
    # After the theme's and extensions' style sheets, so the book's rules win.
    app.add_css_file("site.css", priority=900)
    app.add_js_file("site.js", loading_method="defer")
    app.connect("doctree-resolved", give_figures_alt_text)
    app.connect("html-page-context", add_description)
    app.connect("html-page-context", defer_scripts, priority=950)
    # After the theme has rewritten pygments.css with its light and dark rules.
    app.connect("build-finished", tidy_site, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
