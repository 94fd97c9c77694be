"""What the Chinese edition translates, and what it shares with the English one.

Loaded by ``_config.yml`` (``sphinx.local_extensions``).

Sphinx's gettext machinery offers every paragraph, title, caption and table
cell for translation. This transform runs before Sphinx's own ``Locale``
transform (priority 20) and marks as not translatable what both editions
share unchanged:

* displayed maths and code (``math_block``, ``literal_block``): notation and
  code are the same in every language; the derivations a notebook prints are
  outputs of code;
* the API reference's docstrings (a node whose source is ``docstring of ...``
  or that sits inside an object's description): they are part of
  ``softmax_lib`` itself and stay in English;
* text with no word in it, such as a table cell holding a number or only a
  formula: there is nothing to translate.

Because the same transform runs for the ``gettext`` builder (which writes the
catalog templates) and for the translated build (which applies them), a
message is in the catalog exactly when the Chinese edition needs it.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

# Messages without a run of two letters hold nothing to translate
# ("0.96 (0.88-1.08)", "$K$", "—").
_WORD = re.compile(r"[^\W\d_]{2,}")
_SHARED_BLOCKS = (nodes.math_block, nodes.literal_block, nodes.doctest_block, nodes.raw)


def _prose(node: nodes.Element) -> str:
    """The node's text outside formulas and inline code."""
    pieces = []
    for text in node.findall(nodes.Text):
        if any(isinstance(parent, (nodes.math, nodes.literal)) for parent in _ancestors(text, node)):
            continue
        pieces.append(str(text))
    return "".join(pieces)


def _ancestors(node: nodes.Node, stop: nodes.Node):
    parent = node.parent
    while parent is not None and parent is not stop:
        yield parent
        parent = parent.parent


def is_shared(node: nodes.Element) -> bool:
    """True when ``node`` reads the same in every edition."""
    if isinstance(node, _SHARED_BLOCKS):
        return True
    if "docstring of" in (node.source or "") or any(
        isinstance(parent, addnodes.desc) for parent in _ancestors(node, None)
    ):
        return True
    return isinstance(node, nodes.TextElement) and not _WORD.search(_prose(node))


class MarkSharedText(SphinxTransform):
    """Set ``translatable = False`` on nodes both editions share."""

    default_priority = 10

    def apply(self, **kwargs) -> None:
        for node in self.document.findall(nodes.TextElement):
            if is_shared(node):
                node["translatable"] = False


class TranslateToctreeCaptions(SphinxTransform):
    """Translate the captions of the toctrees that ``_toc.yml`` inserts.

    ``sphinx-external-toc`` adds its toctrees (the sidebar's part titles) in
    a transform that runs after Sphinx's ``Locale`` transform, so their
    captions would stay English. The gettext builder does extract them (into
    the root document's catalog), and this transform applies that catalog.
    """

    default_priority = 150  # after sphinx_external_toc's InsertToctrees (100)

    def apply(self, **kwargs) -> None:
        if not self.config.language or self.config.language == "en":
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [str(Path(self.env.srcdir) / directory) for directory in self.config.locale_dirs]
        catalog, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


def setup(app: Sphinx) -> dict:
    app.add_transform(MarkSharedText)
    app.add_transform(TranslateToctreeCaptions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
