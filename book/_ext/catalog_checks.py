"""Checks of a translation catalog: complete, and with the markup left intact.

A translated message must keep every piece of markup of its English source:
formulas (``$...$``), inline code, MyST roles (``{eq}`label` ``,
``{numref}``, ``{cite:t}``, ...) and link targets. Only the words around them
change, and the title of a titled role or link (``{ref}`title <target>` ``,
``[title](target)``). ``tests/test_translations.py`` runs these checks on
every catalog; a translator can run them on one file::

    python book/_ext/catalog_checks.py locales/zh_CN/LC_MESSAGES/book/softmax.po
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

# Markup a translation must carry over unchanged, one pattern per kind.
_MARKUP = [
    re.compile(r"\$\$.+?\$\$", re.S),  # display formula inside a paragraph
    re.compile(r"(?<![\\$])\$(?!\$).+?(?<!\\)\$", re.S),  # inline formula
    re.compile(r"\{[a-z:-]+\}`[^`]*`"),  # MyST role with its target
    re.compile(r"``[^`]+``"),  # reStructuredText literal
    re.compile(r"(?<![`}])`[^`]+`(?!`)"),  # inline code
    re.compile(r"\]\([^)\s]+\)"),  # target of a Markdown link
    re.compile(r"<[a-z]+[^>]*>"),  # inline HTML tag
]


# A role with an explicit title, {ref}`title <target>`: the title is prose.
_TITLED_ROLE = re.compile(r"(\{[a-z:-]+\}`)[^`<]*<([^`>]+)>`")


def markup(text: str) -> Counter:
    """The markup tokens of ``text``, counted (a titled role by its target)."""
    found: Counter = Counter()
    rest = _TITLED_ROLE.sub(r"\1<\2>`", text)
    for pattern in _MARKUP:
        found.update(pattern.findall(rest))
        rest = pattern.sub(" ", rest)
    return found


def problems(catalog_path: Path) -> list[str]:
    """Everything wrong with one catalog, one line per message at fault."""
    with catalog_path.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id:
            continue
        source = message.id
        if not message.string:
            found.append(f"untranslated: {source[:70]!r}")
            continue
        if message.fuzzy:
            found.append(f"fuzzy: {source[:70]!r}")
        lost = markup(source) - markup(message.string)
        added = markup(message.string) - markup(source)
        if lost or added:
            found.append(
                f"markup changed in {source[:50]!r}: missing {sorted(lost)}, unexpected {sorted(added)}"
            )
    return found


def main(paths: list[str]) -> int:
    status = 0
    for path in paths:
        for line in problems(Path(path)):
            print(f"{path}: {line}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
