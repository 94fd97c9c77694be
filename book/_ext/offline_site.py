"""Sphinx fixes that keep the built book self-contained and its console clean.

Loaded by ``_config.yml`` (``sphinx.local_extensions``).

Two problems of a default Jupyter Book 1 build are fixed here:

* Inline scripts that extensions (sphinx-thebe, sphinx-togglebutton) add
  after the builder exists are stored twice, once with ``filename=None`` and
  once with ``filename=""``, so Sphinx's own de-duplication misses them and
  every page declares them twice.  A repeated ``const THEBE_JS_URL = ...`` is a ``SyntaxError`` in the
  browser.  Identical script and stylesheet entries are therefore dropped
  after their first occurrence.
* Thebe (live code through a remote Binder kernel) is switched off in this
  book, yet sphinx-thebe still adds its loader, which names a CDN script.  The
  book must not depend on any outside host, so those assets are removed.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

_THEBE_ASSETS = ("sphinx-thebe.js", "sphinx-thebe.css")


def _identity(asset: Any) -> tuple:
    """Return what makes two script or stylesheet entries the same tag."""
    attributes = getattr(asset, "attributes", {}) or {}
    # An inline script is stored with filename None by the builder and ""
    # by the registry: both mean "no src".
    filename = getattr(asset, "filename", asset) or ""
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _is_thebe(asset: Any) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str((getattr(asset, "attributes", {}) or {}).get("body", ""))
    return filename.endswith(_THEBE_ASSETS) or "THEBE_JS_URL" in body


def _clean(assets: list) -> list:
    seen: set[tuple] = set()
    kept = []
    for asset in assets:
        key = _identity(asset)
        if key in seen or _is_thebe(asset):
            continue
        seen.add(key)
        kept.append(asset)
    return kept


def _clean_page_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    for name in ("script_files", "css_files"):
        if name in context:
            context[name] = _clean(context[name])


def setup(app: Sphinx) -> dict:
    # Run after the extensions that add page-specific assets (priority 500).
    app.connect("html-page-context", _clean_page_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
