"""Render the chapters' explorables (``softmax_lib.explorable``) on the website.

Loaded by ``_config.yml`` (``sphinx.local_extensions``).

A code cell that displays an :class:`softmax_lib.explorable.Explorable` stores
a Vega-Lite 5 mime bundle, which JupyterLab draws by itself.  For the website
this extension turns that output into HTML at build time:

* the Vega-Lite specification is compiled to Vega with ``vl-convert`` (so the
  reader's browser needs only the Vega runtime, not the Vega-Lite compiler);
* the default state is also rendered to an SVG file, which the page shows
  as an ``<img>`` from the start: the figure reads without JavaScript, and
  with it, before the controls are there;
* the compiled Vega specification (every state's numbers) goes to a JSON
  file under ``_static/explorables/``, not into the page;
* the page, and only that page, loads ``_static/explorable.js`` (a few
  kilobytes). That script fetches the Vega runtime
  (``_static/vendor/vega.min.js``, copied from the pinned npm package
  ``vega``) and the figure's specification only when the figure comes near
  the window, is pointed at or touched, or the reader presses Tab; then it
  draws the figure over the image and binds its controls. A page with
  explorables thus paints, and answers input, before the 177 kB runtime
  is even requested.

The figure's description (its text alternative) and caption are text nodes of
the doctree (``explorable_text``), not part of a raw HTML block, so the
Chinese edition's catalogs translate them like any other caption.

The figure element carries ``data-datasets``: for each dataset of the
explorable, the name of the compiled Vega dataset that holds the rows of the
current state.  The browser tests read the figure's data through it.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

VEGALITE_MIMETYPE = "application/vnd.vegalite.v5+json"
VEGALITE_VERSION = "5.20"
_HERE = Path(__file__).resolve().parent
_STATIC_SOURCES = _HERE.parent / "_static"
_ASSETS = ("explorable.js", "explorable.css")
_SVG_FOLDER = "explorables"
VEGA_BUILD = Path("node_modules") / "vega" / "build" / "vega.min.js"


def compile_to_vega(spec: dict) -> dict:
    import vl_convert

    return vl_convert.vegalite_to_vega(spec, vl_version=VEGALITE_VERSION)


def default_state_svg(spec: dict) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(spec, vl_version=VEGALITE_VERSION)


def state_datasets(spec: dict, vega: dict) -> dict:
    """Map each per-state dataset to the compiled dataset that holds the current state.

    That is the dataset derived from the named source by a filter with the
    explorable's state expression (Vega-Lite may put other transforms, such
    as type conversions, before it).  Static datasets are not mapped.
    """
    meta = spec["usermeta"]
    found = {}
    for dataset in meta["state_datasets"]:
        for entry in vega.get("data", []):
            filters = [t.get("expr") for t in entry.get("transform", [])
                       if t.get("type") == "filter"]
            if entry.get("source") == dataset and meta["state_filter"] in filters:
                found.setdefault(dataset, entry["name"])
    return found


def svg_size(svg: str) -> str:
    """The ``width`` and ``height`` attributes of an SVG's root, for its ``<img>``."""
    root = re.match(r"\s*<svg\b[^>]*>", svg)
    found = dict(re.findall(r'\b(width|height)="([\d.]+)"', root.group(0) if root else ""))
    if set(found) != {"width", "height"}:
        raise ValueError("the default-state SVG has no width and height")
    return f'width="{round(float(found["width"]))}" height="{round(float(found["height"]))}"'


def figure_parts(spec: dict, vega: dict, svg_uri: str, size: str, spec_uri: str) -> dict[str, str]:
    """What the figure's HTML needs besides its words (its description and caption)."""
    return {
        "name": spec["usermeta"]["explorable"],
        "datasets": json.dumps(state_datasets(spec, vega), sort_keys=True),
        "svg_uri": svg_uri,
        "size": size,
        "spec_uri": spec_uri,
    }


def figure_html(parts: dict[str, str], description: str, caption: str | None) -> str:
    text = html.escape(description)
    figcaption = f"<figcaption>{html.escape(caption)}</figcaption>\n" if caption else ""
    return (
        f'<figure class="explorable" id="explorable-{parts["name"]}" data-explorable="{parts["name"]}" '
        f'data-datasets="{html.escape(parts["datasets"])}" data-spec="{html.escape(parts["spec_uri"])}">\n'
        f'<div class="explorable-controls"></div>\n'
        f'<div class="explorable-view" role="img" aria-label="{text}">'
        f'<img src="{parts["svg_uri"]}" alt="{text}" {parts["size"]} '
        f'loading="lazy" decoding="async"></div>\n'
        f"{figcaption}</figure>\n"
    )


class explorable_figure(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes in lower case
    """An explorable on the page. Its words are ``explorable_text`` children,
    so that Sphinx's gettext machinery offers them for translation."""


class explorable_text(nodes.TextElement):  # noqa: N801
    """The description (``role="description"``) or the caption of an explorable."""


def _words(renderer, role: str, text: str) -> explorable_text:
    node = explorable_text(text, text, role=role)
    node.source = renderer.renderer.document["source"]
    node.line = 1
    return node


def visit_explorable_figure(translator, node: explorable_figure) -> None:
    words = {child["role"]: child.astext() for child in node.findall(explorable_text)}
    translator.body.append(figure_html(node["parts"], words["description"], words.get("caption")))
    raise nodes.SkipNode


def vega_json(vega: dict) -> bytes:
    """The compiled specification as the file the browser fetches."""
    return json.dumps(vega, separators=(",", ":"), sort_keys=True).encode()


class ExplorableMimeRenderer:
    """A myst-nb mime renderer plugin for the Vega-Lite explorables."""

    # gettext too: the words of the figure are messages of the translation catalogs.
    mime_priority_overrides = [
        ("html", VEGALITE_MIMETYPE, 5),
        ("dirhtml", VEGALITE_MIMETYPE, 5),
        ("gettext", VEGALITE_MIMETYPE, 5),
    ]

    @staticmethod
    def handle_mime(renderer, data, inline):
        if data.mime_type != VEGALITE_MIMETYPE or inline:
            return None
        spec = data.content
        if not isinstance(spec, dict) or "explorable" not in spec.get("usermeta", {}):
            return None
        vega = compile_to_vega(spec)
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
        stem = f"explorable-{spec['usermeta']['explorable']}-{digest}"
        svg = default_state_svg(spec)
        renderer.write_file([_SVG_FOLDER, stem + ".svg"], svg.encode(), overwrite=True)
        renderer.write_file([_SVG_FOLDER, stem + ".json"], vega_json(vega), overwrite=True)
        depth = renderer.renderer.document.settings.env.docname.count("/")
        svg_uri = "../" * depth + "_images/" + stem + ".svg"
        spec_uri = "../" * depth + "_static/" + _SVG_FOLDER + "/" + stem + ".json"
        # Only the small glue script: it loads the Vega runtime when needed.
        renderer.add_js_file("explorable", "explorable.js", {"defer": "defer"})
        node = explorable_figure(parts=figure_parts(spec, vega, svg_uri, svg_size(svg), spec_uri))
        node += _words(renderer, "description", spec["description"])
        if spec["usermeta"].get("caption"):
            node += _words(renderer, "caption", spec["usermeta"]["caption"])
        # The figure is a block of the page, outside the output's code styling.
        return [nodes.container("", node, classes=["explorable-container"])]


def _register_renderer(app: Sphinx) -> None:
    from myst_nb.core.render import load_mime_renders

    plugins = load_mime_renders()  # a cached list: appending registers the plugin
    if ExplorableMimeRenderer not in plugins:
        plugins.append(ExplorableMimeRenderer)


def _copy_assets(app: Sphinx, exception) -> None:
    """Serve the default-state SVGs, the specifications, the glue script and the Vega runtime."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    svgs = Path(app.outdir).parent / "jupyter_execute" / _SVG_FOLDER
    if svgs.is_dir():
        (out / "_images").mkdir(exist_ok=True)
        (out / "_static" / _SVG_FOLDER).mkdir(parents=True, exist_ok=True)
        for svg in svgs.glob("*.svg"):
            shutil.copyfile(svg, out / "_images" / svg.name)
        for spec in svgs.glob("*.json"):
            shutil.copyfile(spec, out / "_static" / _SVG_FOLDER / spec.name)
    static = out / "_static"
    (static / "vendor").mkdir(parents=True, exist_ok=True)
    for asset in _ASSETS:
        shutil.copyfile(_STATIC_SOURCES / asset, static / asset)
    vega = Path(app.confdir) / VEGA_BUILD
    if not vega.is_file():
        raise FileNotFoundError(f"{vega} is missing: run `npm ci` (make book does)")
    shutil.copyfile(vega, static / "vendor" / "vega.min.js")


def _add_stylesheet(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Give the explorables' stylesheet to the pages whose notebooks load the script."""
    scripts = [str(getattr(s, "filename", s)) for s in context.get("script_files", [])]
    if any(s.endswith("explorable.js") for s in scripts):
        app.add_css_file("explorable.css")


def setup(app: Sphinx) -> dict:
    app.add_node(explorable_figure, html=(visit_explorable_figure, None))
    app.connect("builder-inited", _register_renderer)
    # After myst-nb has added the page's scripts (priority 500).
    app.connect("html-page-context", _add_stylesheet, priority=600)
    app.connect("build-finished", _copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
