"""Link every page to the same page in the other edition.

Loaded by ``_config.yml`` (``sphinx.local_extensions``).

The English site is the root of ``_build/html``; the Chinese edition lives in
its ``zh_CN/`` folder (``book/_ext/editions.py``), with the same page names.
Each page gets a visible link in its header (the template
``book/_templates/edition-switch.html``). Where the site's address is known
(``html.baseurl`` in ``_config.yml``), each page also names every edition of
itself in ``<link rel="alternate" hreflang>`` tags for search engines; these
must be absolute URLs (a relative one is invalid, and Lighthouse's SEO audit
fails it), so a site built without its address has none.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

# Each edition: its folder under the English root, its BCP 47 language tag,
# the switch's label in its own language, and the link's title.
EDITIONS = {
    "en": {"folder": "", "hreflang": "en", "label": "English", "title": "Read this page in English"},
    "zh_CN": {"folder": "zh_CN/", "hreflang": "zh-CN", "label": "中文", "title": "阅读本页的中文版"},
}


def _current(app: Sphinx) -> str:
    return app.config.language if app.config.language in EDITIONS else "en"


def counterpart(pagename: str, current: str, other: str) -> str:
    """The relative URL, from ``pagename`` in ``current``, of the same page in ``other``."""
    up_to_edition_root = "../" * pagename.count("/")
    up_to_site_root = up_to_edition_root + "../" * EDITIONS[current]["folder"].count("/")
    return f"{up_to_site_root}{EDITIONS[other]['folder']}{pagename}.html"


def add_edition_links(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    current = _current(app)
    links = [
        dict(EDITIONS[other], href=counterpart(pagename, current, other))
        for other in EDITIONS
        if other != current
    ]
    context["edition_links"] = links
    if app.config.html_baseurl:
        context["metatags"] = context.get("metatags", "") + alternate_tags(app.config.html_baseurl, pagename)


def alternate_tags(baseurl: str, pagename: str) -> str:
    """``<link rel="alternate" hreflang>`` to every edition of ``pagename``, itself included."""
    root = baseurl.rstrip("/") + "/"
    return "".join(
        f'<link rel="alternate" hreflang="{edition["hreflang"]}" '
        f'href="{root}{edition["folder"]}{pagename}.html" />\n'
        for edition in EDITIONS.values()
    )


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", add_edition_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
