"""Render the book's maths to MathML Core at build time (Temml, run by Node).

Loaded by ``_config.yml`` (``sphinx.local_extensions``) and chosen with
``html_math_renderer: temml``.

Why: typesetting 100-370 formulas per page in the reader's browser (MathJax)
costs a megabyte of script and seconds of layout on a phone. Chromium, Firefox
and Safari render MathML Core natively, and screen readers read it, so the
pages carry MathML and no maths script at all.

How:

* After Sphinx has read every document (``env-updated``), every formula of the
  book is collected from the doctrees and the ones not already in the cache
  (``<doctreedir>/temml-cache.json``) are converted in ONE Node process
  (``render_math.cjs``), so a build pays Node's start-up once.
* The HTML writer then looks each formula up.  A TeX error is a Sphinx warning
  (so ``-W`` fails the build) that names the document and the formula.
* Display maths that would not fit a phone reflows instead of being cut:
  a multi-line ``aligned`` chain (the verified derivations of
  ``softmax_lib.symbolic.Derivation``) becomes a grid, one row per step with
  its reason as HTML text beside it, which moves under the step on narrow
  screens; a line of formulas separated by ``\\qquad`` becomes pieces that wrap.
* The math font is Noto Sans Math (it has the OpenType MATH table that native
  MathML layout needs), subset at the end of the build to the characters the
  book uses, so the site serves tens of kilobytes of font, not hundreds.

The Node packages are pinned in ``package.json``/``package-lock.json`` beside
this file and installed with ``npm ci`` when they are missing or stale.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
RENDERER = HERE / "render_math.cjs"
FONT_SOURCE = (
    NODE_MODULES / "@fontsource" / "noto-sans-math" / "files" / "noto-sans-math-latin-400-normal.woff2"
)
FONT_TARGET = Path("_static") / "fonts" / "math.woff2"
TEMML_CSS = Path("_static") / "temml" / "Temml-Local.css"
CACHE_NAME = "temml-cache.json"
CACHE_FORMAT = "4"


# --------------------------------------------------------------------------
# Node packages
# --------------------------------------------------------------------------


def _locked_versions() -> dict[str, str]:
    lock = json.loads((HERE / "package-lock.json").read_text(encoding="utf-8"))
    return {
        name: entry["version"]
        for name, entry in lock["packages"].items()
        if name.startswith("node_modules/")
    }


def _installed_version(package_path: str) -> str | None:
    manifest = HERE / package_path / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


def ensure_node_packages() -> None:
    """Install the pinned Node packages (``npm ci``) unless they are in place."""
    locked = _locked_versions()
    if all(_installed_version(path) == version for path, version in locked.items()):
        return
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        raise ExtensionError(
            "Node.js and npm are needed to render the maths at build time "
            "(Debian: apt-get install nodejs npm)"
        )
    logger.info("installing the pinned Node packages in %s (npm ci)", HERE)
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ExtensionError(f"npm ci failed in {HERE}:\n{result.stdout}\n{result.stderr}")


def temml_version() -> str:
    return _installed_version("node_modules/temml") or "missing"


def run_temml(items: list[tuple[str, bool]]) -> list[dict[str, str]]:
    """Convert ``(tex, display)`` pairs in one Node process."""
    if not items:
        return []
    payload = json.dumps([{"tex": tex, "display": display} for tex, display in items])
    result = subprocess.run(
        [shutil.which("node") or "node", str(RENDERER)],
        input=payload,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ExtensionError(f"the TeX to MathML step failed:\n{result.stderr}")
    return json.loads(result.stdout)


# --------------------------------------------------------------------------
# TeX layout: what a formula is rendered as
# --------------------------------------------------------------------------

_CONTROL = re.compile(r"\\([A-Za-z]+|.)")


def _split_top_level(tex: str, separator: str) -> list[str]:
    r"""Split ``tex`` at ``separator`` (``\\``, ``&`` or ``\qquad``) outside groups.

    Braces, ``\left``/``\right`` pairs and nested environments open a group.
    ``\&`` is a literal ampersand, not a column separator.
    """
    parts, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        char = tex[i]
        if char == "\\":
            match = _CONTROL.match(tex, i)
            word = match.group(1) if match else ""
            end = match.end() if match else i + 1
            if word in ("left", "begin"):
                depth += 1
            elif word in ("right", "end"):
                depth -= 1
            elif depth == 0 and (
                (separator == r"\\" and word == "\\") or (separator == r"\qquad" and word == "qquad")
            ):
                parts.append(tex[start:i])
                start = end
            i = end
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "&" and separator == "&" and depth == 0:
            parts.append(tex[start:i])
            start = i + 1
        i += 1
    parts.append(tex[start:])
    return parts


def _brace_group(tex: str, start: int) -> int:
    """Index just past the ``{...}`` group that opens at ``start``."""
    depth = 0
    for i in range(start, len(tex)):
        if tex[i] == "\\":
            continue
        if tex[i] == "{" and (i == 0 or tex[i - 1] != "\\"):
            depth += 1
        elif tex[i] == "}" and tex[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError(f"unbalanced braces in {tex!r}")


def reason_tokens(tex: str) -> list[tuple[str, str]]:
    r"""Split a derivation's reason into ``("text", s)``, ``("math", tex)``, ``("check", "")``.

    The reasons are written by ``softmax_lib.symbolic`` as ``\text{...}`` runs,
    ``{\textstyle ...}`` formulas, ``\ `` spaces and a final ``\checkmark``.
    The text becomes HTML text (so a long reason wraps), each formula inline
    MathML.
    """
    tokens: list[tuple[str, str]] = []

    def add(kind: str, value: str) -> None:
        if tokens and tokens[-1][0] == kind and kind in ("text", "math"):
            tokens[-1] = (kind, tokens[-1][1] + value)
        else:
            tokens.append((kind, value))

    i = 0
    while i < len(tex):
        char = tex[i]
        if char.isspace():
            i += 1
        elif tex.startswith(r"\text{", i):
            end = _brace_group(tex, i + len(r"\text"))
            add("text", tex[i + len(r"\text{") : end - 1])
            i = end
        elif tex.startswith(r"\checkmark", i):
            tokens.append(("check", ""))
            i += len(r"\checkmark")
        elif tex.startswith("\\ ", i) or tex.startswith("\\,", i) or tex.startswith(r"\quad", i):
            add("text", " ")
            i += len(r"\quad") if tex.startswith(r"\quad", i) else 2
        elif char == "{":
            end = _brace_group(tex, i)
            inner = tex[i + 1 : end - 1].strip()
            inner = re.sub(r"^\\(textstyle|displaystyle)\b\s*", "", inner)
            add("math", "{" + inner + "}")
            i = end
        else:
            match = _CONTROL.match(tex, i)
            end = match.end() if match and char == "\\" else i + 1
            add("math", tex[i:end])
            i = end
    return tokens


@dataclass
class Row:
    lhs: str
    rhs: str
    reason: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Layout:
    """How one display formula is rendered: ``plain``, ``pieces`` or ``chain``."""

    kind: str
    tex: str = ""
    pieces: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def fragments(self) -> list[tuple[str, bool]]:
        """Every ``(tex, display)`` that Temml must convert for this layout."""
        if self.kind == "plain":
            return [(self.tex, True)]
        if self.kind == "pieces":
            return [(piece, True) for piece in self.pieces]
        found = []
        for row in self.rows:
            if row.lhs:
                found.append((row.lhs, True))
            if row.rhs:
                found.append((_rhs_tex(row.rhs), True))
            found += [(value, False) for kind, value in row.reason if kind == "math"]
        return found


def _rhs_tex(rhs: str) -> str:
    # An empty group before a leading relation keeps TeX's spacing around it.
    return "{}" + rhs.strip()


_ALIGNED = re.compile(r"^\\begin\{(aligned|align\*?|split)\}(.*)\\end\{\1\}$", re.S)


def _chain(tex: str) -> list[Row] | None:
    """Rows of a multi-line aligned chain, or None when it is not one."""
    match = _ALIGNED.match(tex.strip())
    if not match:
        return None
    lines = [line for line in _split_top_level(match.group(2), r"\\") if line.strip()]
    if len(lines) < 2:
        return None
    rows = []
    for line in lines:
        cells = _split_top_level(line, "&")
        if len(cells) > 4 or (len(cells) >= 3 and cells[2].strip()):
            return None  # a layout with more columns: leave it to Temml's table
        if any(r"\tag" in cell or r"\label" in cell for cell in cells):
            return None
        lhs = cells[0].strip()
        rhs = cells[1].strip() if len(cells) > 1 else ""
        reason = reason_tokens(cells[3]) if len(cells) == 4 else []
        rows.append(Row(lhs, rhs, reason))
    return rows


def block_tex(node: nodes.math_block) -> str:
    """The TeX of a display formula, wrapped as Sphinx's MathJax writer wraps it."""
    latex = node.astext()
    if node.get("nowrap"):
        return latex.strip()
    parts = [part.strip() for part in latex.split("\n\n") if part.strip()]
    if len(parts) > 1:
        return r"\begin{aligned}" + r"\\".join(parts) + r"\end{aligned}"
    part = parts[0] if parts else ""
    if len(_split_top_level(part, r"\\")) > 1 and not part.startswith(r"\begin"):
        return r"\begin{aligned}" + part + r"\end{aligned}"
    return part


def block_layout(node: nodes.math_block) -> Layout:
    tex = block_tex(node)
    rows = _chain(tex)
    if rows is not None:
        return Layout("chain", tex=tex, rows=rows)
    if "&" not in tex and r"\\" not in tex:
        pieces = [piece.strip() for piece in _split_top_level(tex, r"\qquad")]
        pieces = [piece for piece in pieces if piece]
        if len(pieces) > 1:
            return Layout("pieces", tex=tex, pieces=pieces)
    return Layout("plain", tex=tex)


# --------------------------------------------------------------------------
# The cache of rendered formulas
# --------------------------------------------------------------------------

# Temml writes the inherited style of an empty table cell into its style
# attribute ("level:0;color:undefined;..."): not CSS, so it is dropped.
_BOGUS_STYLE = re.compile(r"level:[^\"]*?max-size:[^;\"]*;")
_BLOCK_MATH = '<math display="block" class="tml-display" style="display:block math;">'


def _unwrap_single_mrows(element: ET.Element) -> None:
    """Replace each attribute-less ``<mrow>`` that has one child by that child.

    MathML Core treats such an ``<mrow>`` exactly like its child; Temml writes
    many of them, and every element costs the page (style and layout work).
    """
    for index, child in enumerate(list(element)):
        _unwrap_single_mrows(child)
        while child.tag == "mrow" and not child.attrib and len(child) == 1 and not (child.text or "").strip():
            grandchild = child[0]
            grandchild.tail = child.tail
            element[index] = grandchild
            child = grandchild


# Elements whose children already form an implicit row.
_ROW_CONTAINERS = {"math", "mtd", "msqrt", "mstyle", "mpadded", "mphantom", "menclose", "mrow"}


def _flatten_sole_mrow(element: ET.Element) -> None:
    """``<math><mrow>a b</mrow></math>`` is ``<math>a b</math>`` in MathML Core."""
    for child in element:
        _flatten_sole_mrow(child)
    if element.tag in _ROW_CONTAINERS and len(element) == 1 and not (element.text or "").strip():
        only = element[0]
        if only.tag == "mrow" and not only.attrib and not (only.tail or "").strip():
            element.remove(only)
            element.text = only.text
            element.extend(list(only))


_FUNCTION_APPLICATION = "\u2061"


def _fold_function_spaces(element: ET.Element) -> None:
    """``<mo>\u2061</mo><mspace width="w">`` becomes ``<mo rspace="w">\u2061</mo>``.

    Temml follows every ``\\log`` (and the like) by the invisible function
    application, which screen readers use, and then a thin space. The
    operator's own spacing is zero, so giving it the space as its ``rspace``
    draws the same and saves an element each time.
    """
    children = list(element)
    for child, following in zip(children, children[1:] + [None]):
        _fold_function_spaces(child)
        if (
            following is not None
            and child.tag == "mo"
            and child.text == _FUNCTION_APPLICATION
            and not child.attrib
            and following.tag == "mspace"
            and set(following.attrib) == {"width"}
            and not len(following)
        ):
            child.set("rspace", following.get("width"))
            child.tail = following.tail
            element.remove(following)


# Characters the MathML Core operator dictionary lets stretch (fences, bars,
# slashes, arrows, ...): such an operator stretches to the height of its row,
# so moving it to another row could change its size.
_MAY_STRETCH = set("()[]{}|\u2016/\\\u27e8\u27e9\u230a\u230b\u2308\u2309\u2190\u2191\u2192\u2193\u2194\u21d2\u21d4")
_SCRIPTED = {"msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mfrac"}


def _core_operator(element: ET.Element) -> ET.Element | None:
    """The ``<mo>`` at the core of an embellished operator, else ``None``."""
    if element.tag == "mo":
        return element
    if element.tag in _SCRIPTED and len(element):
        return _core_operator(element[0])
    return None


def _position_free(element: ET.Element) -> bool:
    """Whether ``element`` draws the same whatever its place in a row.

    An operator whose form is not given is a prefix, infix or postfix one by
    its place (first, middle or last of its row), and the form sets its
    spacing. The function application U+2061 has one dictionary entry, so
    every form spaces it alike.
    """
    core = _core_operator(element)
    return core is None or "form" in core.attrib or core.text == _FUNCTION_APPLICATION


def _stays_its_size(element: ET.Element) -> bool:
    core = _core_operator(element)
    return core is None or core.get("stretchy") == "false" or (core.text or "") not in _MAY_STRETCH


def _dissolve_inner_rows(element: ET.Element) -> None:
    """Put the children of an attribute-less ``<mrow>`` into the row that holds it.

    Only where nothing can tell the difference: the inner row's first and
    last children do not change form with their place, and none of its
    children can stretch. An ``<mrow>`` in a script or a fraction is an
    argument, not a part of a row, and stays.
    """
    for child in element:
        _dissolve_inner_rows(child)
    if element.tag not in _ROW_CONTAINERS:
        return
    index = 0
    while index < len(element):
        child = element[index]
        inner = list(child)
        if (
            child.tag == "mrow"
            and not child.attrib
            and inner
            and not (child.text or "").strip()
            and _position_free(inner[0])
            and _position_free(inner[-1])
            and all(_stays_its_size(part) for part in inner)
        ):
            inner[-1].tail = child.tail
            element.remove(child)
            for offset, part in enumerate(inner):
                element.insert(index + offset, part)
            index += len(inner)
        else:
            index += 1


def _name_infix_after_empty_row(element: ET.Element) -> None:
    """``<mrow></mrow><mo>=</mo>`` opening a row becomes ``<mo form="infix">=</mo>``.

    TeX's ``{}=`` puts an empty group before the operator so that it spaces
    as a relation, not as a prefix; naming the form says the same.
    """
    for child in element:
        _name_infix_after_empty_row(child)
    if element.tag not in _ROW_CONTAINERS or len(element) < 3:
        return
    empty, operator = element[0], element[1]
    if (
        empty.tag == "mrow"
        and not empty.attrib
        and not len(empty)
        and not (empty.text or "").strip()
        and not (empty.tail or "").strip()
        and operator.tag == "mo"
        and "form" not in operator.attrib
    ):
        operator.set("form", "infix")
        element.text = (element.text or "") + (empty.tail or "")
        element.remove(empty)


def _drop_no_ops(element: ET.Element) -> None:
    """Remove what draws nothing: an ``<mspace>`` with no size, and an
    ``<mpadded lspace="0">`` around one element (its default is 0)."""
    for child in element:
        _drop_no_ops(child)
    for index, child in reversed(list(enumerate(element))):
        if child.tag == "mspace" and not child.attrib and not len(child) and not (child.text or "").strip():
            previous = element[index - 1] if index else None
            if previous is not None:
                previous.tail = (previous.tail or "") + (child.tail or "")
            else:
                element.text = (element.text or "") + (child.tail or "")
            element.remove(child)
        elif (
            child.tag == "mpadded"
            and child.attrib == {"lspace": "0"}
            and len(child) == 1
            and not (child.text or "").strip()
            and not (child[0].tail or "").strip()
        ):
            only = child[0]
            only.tail = child.tail
            element[index] = only


def simplify_mathml(mathml: str) -> str:
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError:
        return mathml
    _unwrap_single_mrows(root)
    _flatten_sole_mrow(root)
    _fold_function_spaces(root)
    _drop_no_ops(root)
    _name_infix_after_empty_row(root)
    _dissolve_inner_rows(root)
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


class MathStore:
    def __init__(self, app: Sphinx) -> None:
        self.app = app
        self.path = Path(app.doctreedir) / CACHE_NAME
        # The cache is only valid for the same Temml and the same post-processing.
        self.version = temml_version() + "+" + CACHE_FORMAT
        self.rendered: dict[str, str] = {}
        self.used: set[str] = set()
        self.book_keys: set[str] = set()
        self.errors: dict[str, str] = {}
        if self.path.is_file():
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored.get("temml") == self.version:
                self.rendered = stored.get("mathml", {})

    @staticmethod
    def key(tex: str, display: bool) -> str:
        return ("D:" if display else "I:") + tex

    def render_missing(self, items: list[tuple[str, bool]]) -> None:
        wanted = list(dict.fromkeys(item for item in items if self.key(*item) not in self.rendered))
        wanted = [item for item in wanted if self.key(*item) not in self.errors]
        for (tex, display), result in zip(wanted, run_temml(wanted)):
            if "mathml" in result:
                mathml = _BOGUS_STYLE.sub("", result["mathml"])
                self.rendered[self.key(tex, display)] = simplify_mathml(mathml)
            else:
                self.errors[self.key(tex, display)] = result["error"]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(
            json.dumps({"temml": self.version, "mathml": self.rendered}), encoding="utf-8"
        )

    def get(self, tex: str, display: bool, node: nodes.Node) -> str:
        key = self.key(tex, display)
        if key not in self.rendered and key not in self.errors:
            self.render_missing([(tex, display)])
        if key in self.errors:
            logger.warning(
                "TeX error: %s in %r", self.errors[key], tex, location=node, type="math", subtype="temml"
            )
            return '<span class="math-error">' + html.escape(tex) + "</span>"
        self.used.add(key)
        return self.rendered[key]

    def get_inline_display(self, tex: str, node: nodes.Node) -> str:
        """A display-style formula as an inline ``<math>`` (a piece or a grid cell)."""
        mathml = self.get(tex, True, node)
        return mathml.replace(_BLOCK_MATH, '<math displaystyle="true">', 1)


def math_as_text(app: Sphinx, tex: str) -> str:
    """The characters of an inline formula as a reader sees them (for alt texts).

    ``T \\to 0`` becomes ``T→0``: the text content of its MathML.
    """
    store = _store(app)
    key = store.key(tex, False)
    if key not in store.rendered:
        store.render_missing([(tex, False)])
    mathml = store.rendered.get(key)
    if mathml is None:
        return tex
    return html.unescape("".join(_TEXT.findall(mathml)))


def _store(app: Sphinx) -> MathStore:
    store = getattr(app, "_temml_store", None)
    if store is None:
        ensure_node_packages()
        store = MathStore(app)
        app._temml_store = store  # type: ignore[attr-defined]
    return store


def collect_all_formulas(app: Sphinx, env: Any) -> None:
    """Convert every formula of the book that the cache lacks, in one Node call."""
    store = _store(app)
    items: list[tuple[str, bool]] = []
    for docname in sorted(env.all_docs):
        try:
            doctree = env.get_doctree(docname)
        except FileNotFoundError:
            continue
        for node in doctree.findall(nodes.math):
            items.append((node.astext(), False))
        for node in doctree.findall(nodes.math_block):
            items += block_layout(node).fragments()
    # Every formula of the book, not only those of the pages this build writes:
    # the font is subset from these, and an incremental build rewrites few pages.
    store.book_keys = {store.key(*item) for item in items}
    before = len(store.rendered)
    store.render_missing(items)
    logger.info("maths: %d formulas, %d converted now", len(set(items)), len(store.rendered) - before)
    store.save()


# --------------------------------------------------------------------------
# HTML writer
# --------------------------------------------------------------------------


INLINE_MATH_CLASSES = "math notranslate nohighlight"


def _math_with_class(mathml: str, classes: str) -> str | None:
    """``mathml`` with ``classes`` on its ``<math>`` element; ``None`` when it is
    not a ``<math>`` (a TeX error's span) or already has a class."""
    opening = mathml[: mathml.find(">") + 1]
    if not opening.startswith("<math") or "class=" in opening:
        return None
    return mathml.replace("<math", f'<math class="{classes}"', 1)


def visit_math(self: Any, node: nodes.math) -> None:
    # The <math> element carries the classes itself: a wrapper would add an
    # element per formula, and a chapter has hundreds of inline formulas.
    mathml = _store(self.builder.app).get(node.astext(), False, node)
    classed = _math_with_class(mathml, INLINE_MATH_CLASSES)
    if classed is None:
        classed = self.starttag(node, "span", "", CLASS=INLINE_MATH_CLASSES) + mathml + "</span>"
    self.body.append(classed)
    raise nodes.SkipNode


def _reason_html(store: MathStore, tokens: list[tuple[str, str]], node: nodes.Node) -> str:
    out = []
    for kind, value in tokens:
        if kind == "text":
            out.append(html.escape(value))
        elif kind == "math":
            out.append(store.get(value, False, node))
        else:
            out.append('<span class="deriv-check">\u2713</span>')
    return "".join(out).strip()


def visit_displaymath(self: Any, node: nodes.math_block) -> None:
    store = _store(self.builder.app)
    layout = block_layout(node)
    classes = "math notranslate nohighlight math-" + layout.kind
    self.body.append(self.starttag(node, "div", CLASS=classes))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append('<span class="eqno">(%s)' % number)
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    if layout.kind == "plain":
        self.body.append(store.get(layout.tex, True, node))
    elif layout.kind == "pieces":
        self.body.append('<div class="math-pieces">')
        for piece in layout.pieces:
            self.body.append(store.get_inline_display(piece, node))
        self.body.append("</div>")
    else:
        has_reasons = any(row.reason for row in layout.rows)
        self.body.append('<div class="deriv%s">' % (" deriv-reasons" if has_reasons else ""))
        # A step is its cells, placed in the grid's columns by their classes:
        # no element for the row itself.
        for row in layout.rows:
            lhs = store.get_inline_display(row.lhs, node) if row.lhs else ""
            rhs = store.get_inline_display(_rhs_tex(row.rhs), node) if row.rhs else ""
            self.body.append(_math_with_class(lhs, "deriv-lhs") or f'<span class="deriv-lhs">{lhs}</span>')
            self.body.append(f'<span class="deriv-rhs">{rhs}</span>')
            if has_reasons:
                reason = _reason_html(store, row.reason, node)
                self.body.append(f'<span class="deriv-why">{reason}</span>')
        self.body.append("</div>")
    self.body.append("</div>\n")
    raise nodes.SkipNode


# --------------------------------------------------------------------------
# Font and assets
# --------------------------------------------------------------------------

# Chromium draws a one-letter <mi> in mathematical italic (U+1D434...), so those
# code points are kept for every Latin and Greek letter.
_MATH_ITALIC = list(range(0x1D434, 0x1D49C)) + list(range(0x1D6E2, 0x1D71C)) + [0x210E]
# The radical sign of <msqrt> and <mroot> is drawn from the font but is never in
# the MathML text, so it (and, through the MATH table, its larger variants) is
# kept explicitly.
_DRAWN_NOT_WRITTEN = [0x221A]
_TEXT = re.compile(r">([^<]+)<")


def subset_math_font(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    store = _store(app)
    from fontTools import subset
    from fontTools.ttLib import TTFont

    characters: set[int] = set(range(0x20, 0x7F))
    for key in (store.used | store.book_keys) & store.rendered.keys():
        for text in _TEXT.findall(store.rendered[key]):
            characters.update(ord(char) for char in html.unescape(text))
    characters.update(_MATH_ITALIC)
    characters.update(_DRAWN_NOT_WRITTEN)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # keep copyright, names and licence notice
    options.notdef_outline = True
    font = TTFont(str(FONT_SOURCE))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(characters))
    subsetter.subset(font)
    target = Path(app.outdir) / FONT_TARGET
    target.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.save(str(target))
    licence = FONT_SOURCE.parent.parent / "LICENSE"
    if licence.is_file():
        shutil.copyfile(licence, target.parent / "math-font-LICENSE.txt")
    # Temml's own style sheet (cell alignment, accents, primes) and the tiny
    # font it names for primes, from the pinned package.
    temml_dir = Path(app.outdir) / TEMML_CSS.parent
    temml_dir.mkdir(parents=True, exist_ok=True)
    for name in ("Temml-Local.css", "Temml.woff2"):
        shutil.copyfile(NODE_MODULES / "temml" / "dist" / name, temml_dir / name)


def add_font_preload(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    # Only pages with maths need the font; preloading it avoids a re-layout
    # (a layout shift) when it arrives after the first paint.
    if doctree is None or not (
        next(iter(doctree.findall(nodes.math)), None) or next(iter(doctree.findall(nodes.math_block)), None)
    ):
        return
    href = context["pathto"](str(FONT_TARGET), 1)
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="preload" href="{href}" as="font" type="font/woff2" crossorigin>'
    )


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("temml", (visit_math, None), (visit_displaymath, None))
    app.add_css_file("temml/Temml-Local.css")
    app.connect("env-updated", collect_all_formulas)
    app.connect("html-page-context", add_font_preload)
    app.connect("build-finished", subset_math_font)
    return {"parallel_read_safe": True, "parallel_write_safe": False, "version": "1.0"}
