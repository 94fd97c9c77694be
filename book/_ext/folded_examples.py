"""The API reference's examples are folded, and built only when opened.

Loaded by ``_config.yml`` (``sphinx.local_extensions``).

Every function of ``softmax_lib`` has an "Examples" section of highlighted
doctests: on the API page they are some 1,900 of its elements, one per
coloured token. In the HTML edition each such section becomes a closed
``<details>`` whose summary is the section's own title. Its content is sent
inside ``<noscript class="book-deferred">``, as a hidden code cell's source
and an exercise's solution are (see ``page_polish.py``): with JavaScript on,
the browser reads it as text, and ``site.js`` builds it when the reader opens
the section, follows a link into it or prints the page. Without JavaScript the
browser shows the ``<noscript>`` content, the examples as before.

Other builders (gettext, for the catalogs) see the section unchanged.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.locale import _

from page_polish import DEFERRED_CLOSE, DEFERRED_OPEN


class folded_examples(nodes.General, nodes.Element):
    """A titled section of examples, shown closed."""


_SECTION_ENDS = (nodes.rubric, nodes.section, nodes.title, addnodes.desc, addnodes.index)


def _examples_title() -> str:
    # napoleon writes the rubric with Sphinx's own translation of "Examples".
    return _("Examples")


def _section_after(rubric: nodes.rubric) -> list[nodes.Node]:
    """The siblings that follow ``rubric`` up to the next rubric, heading or entry.

    Headings and the entries of a class's methods stay out: the table of
    contents and the index link to them.
    """
    section = []
    for sibling in rubric.parent.children[rubric.parent.index(rubric) + 1 :]:
        if isinstance(sibling, _SECTION_ENDS):
            break
        section.append(sibling)
    return section


def fold_examples(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    title = _examples_title()
    for content in list(doctree.findall(addnodes.desc_content)):
        for rubric in [child for child in content.children if isinstance(child, nodes.rubric)]:
            if rubric.astext() != title:
                continue
            section = _section_after(rubric)
            if not section:
                continue
            folded = folded_examples(title=title)
            for node in section:
                content.remove(node)
            folded.extend(section)
            content.replace(rubric, folded)


def visit_folded_examples(self: Any, node: folded_examples) -> None:
    self.body.append('<details class="book-examples">')
    self.body.append('<summary class="rubric">%s</summary>' % self.encode(node["title"]))
    self.body.append(DEFERRED_OPEN)


def depart_folded_examples(self: Any, node: folded_examples) -> None:
    self.body.append(DEFERRED_CLOSE + "</details>\n")


def _skip(self: Any, node: folded_examples) -> None:
    pass


def setup(app: Sphinx) -> dict:
    app.add_node(
        folded_examples,
        html=(visit_folded_examples, depart_folded_examples),
        latex=(_skip, _skip),
        text=(_skip, _skip),
        man=(_skip, _skip),
        texinfo=(_skip, _skip),
    )
    app.connect("doctree-resolved", fold_examples)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
