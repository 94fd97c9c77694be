"""The interface words the theme and the extensions write in English, in Chinese.

Loaded by ``_config.yml`` (``sphinx.local_extensions``); it acts only in the
Chinese edition.

Sphinx, the theme and MyST-NB translate most of their interface through
their own catalogs, but a few labels a screen reader announces (the permalink
titles, MyST-NB's toggle, some theme buttons) have no Chinese translation in
the pinned versions, or none at all. After the build, those attribute values
are replaced in every page; ``tests/test_translations.py`` fails on any
English label left.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

TRANSLATIONS = {
    "zh_CN": {
        "Link to this heading": "链接到此标题",
        "Link to this equation": "链接到此公式",
        "Link to this definition": "链接到此定义",
        "Link to this image": "链接到此图",
        "Link to this table": "链接到此表格",
        "Link to this code": "链接到此代码",
        "Toggle hidden content": "显示或隐藏内容",
        "Search this book...": "搜索本书……",
        "Book navigation": "本书导航",
        "Toggle primary sidebar": "显示或隐藏左侧栏",
        "Toggle secondary sidebar": "显示或隐藏右侧栏",
        "Color mode": "配色模式",
        "System Settings": "跟随系统设置",
    }
}
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


def translate_labels(text: str, translations: dict[str, str]) -> str:
    for english, translated in translations.items():
        for attribute in ATTRIBUTES:
            text = text.replace(f'{attribute}="{english}"', f'{attribute}="{translated}"')
    return text


def translate_site(app: Sphinx, exception: Exception | None) -> None:
    translations = TRANSLATIONS.get(app.config.language or "")
    if exception is not None or app.builder.format != "html" or not translations:
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        translated = translate_labels(text, translations)
        if translated != text:
            page.write_text(translated, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    # After page_polish's tidy_site (900), which writes labels of its own;
    # before cjk_font (990), which subsets the font to the pages' characters.
    app.connect("build-finished", translate_site, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
