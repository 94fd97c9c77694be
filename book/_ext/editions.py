"""Build the book's editions, and keep the translation catalogs in step.

English is the source; the Simplified Chinese edition is built from the same
notebooks with Sphinx's gettext catalogs (``locales/zh_CN/LC_MESSAGES/``).

Usage (from the repository root, with the project's virtual environment)::

    python book/_ext/editions.py build [--path-output DIR] [jupyter-book flags]
    python book/_ext/editions.py catalogs

``build`` runs Jupyter Book twice: the English site goes to
``DIR/_build/html`` and the Chinese one to ``DIR/_build/html/zh_CN``. Both
builds share one execution cache, so every notebook is executed once.

``catalogs`` extracts the English messages (Sphinx's ``gettext`` builder) and
merges them into the Chinese catalogs with ``sphinx-intl``: a changed English
paragraph becomes a fuzzy or untranslated message, which the catalog test
reports until a translator has dealt with it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from babel.messages.pofile import read_po, write_po

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCALES = REPO_ROOT / "locales"

# Each translated edition: its Sphinx language and what its config changes.
EDITIONS = {
    "zh_CN": {
        "title": "Softmax、Log-Sum-Exp 与交叉熵",
        "sphinx": {
            # MyST-NB's toggle of a hidden code cell (the book hides only inputs).
            "nb_code_prompt_show": "显示代码",
            "nb_code_prompt_hide": "隐藏代码",
            # sphinx-togglebutton's hint on folded solutions.
            "togglebutton_hint": "点击显示",
            "togglebutton_hint_hide": "点击隐藏",
            # Sphinx's Chinese search splits text into words with jieba; the
            # book's terms (交叉熵, 雅可比矩阵, ...) are added to its dictionary
            # so that each is one word of the index.
            "html_search_options": {"dict": str(LOCALES / "zh_CN" / "search_words.txt")},
        },
    },
}


def _jupyter_book() -> str:
    return str(Path(sys.executable).with_name("jupyter-book"))


def edition_config(language: str | None, build_dir: Path) -> Path:
    """Write the ``_config.yml`` of one translated edition and return its path.

    It is the English configuration with the language set, the title
    translated and the execution cache of the English build, so the notebooks
    run once. Jupyter Book resolves local extensions against the config
    file's folder, so their paths are made absolute. With ``language=None``
    it is the English configuration for the gettext builder, which extracts
    the messages to translate.
    """
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["cache"] = str((build_dir / ".jupyter_cache").resolve())
    sphinx = config["sphinx"]
    sphinx["local_extensions"] = {
        name: str((REPO_ROOT / path).resolve()) for name, path in sphinx["local_extensions"].items()
    }
    if language is not None:
        config["title"] = EDITIONS[language]["title"]
        sphinx["config"]["language"] = language
        sphinx["config"].update(EDITIONS[language]["sphinx"])
    target = build_dir / "editions" / (language or "gettext") / "_config.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _run(command: list[str]) -> int:
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, cwd=REPO_ROOT, check=False).returncode


def build(path_output: Path, flags: list[str]) -> int:
    """Build every edition; return the first non-zero exit code, or 0."""
    build_dir = path_output / "_build"
    status = _run([_jupyter_book(), "build", str(REPO_ROOT), "--path-output", str(path_output), *flags])
    for language in EDITIONS:
        edition_root = build_dir / "editions" / language
        config = edition_config(language, build_dir)
        code = _run(
            [_jupyter_book(), "build", str(REPO_ROOT), "--config", str(config),
             "--path-output", str(edition_root), *flags]
        )
        status = status or code
        # MyST-NB writes executed notebooks beside the HTML folder, so the
        # edition is built in its own folder and then copied under the site.
        target = build_dir / "html" / language
        shutil.rmtree(target, ignore_errors=True)
        if (edition_root / "_build" / "html").is_dir():
            shutil.copytree(edition_root / "_build" / "html", target)
    return status


def extract_messages(build_dir: Path) -> Path:
    """Run Sphinx's gettext builder; return the folder of ``.pot`` templates."""
    config = edition_config(None, build_dir)
    root = build_dir / "editions" / "gettext"
    shutil.rmtree(root / "_build" / "gettext", ignore_errors=True)
    code = _run([_jupyter_book(), "build", str(REPO_ROOT), "--config", str(config),
                 "--path-output", str(root), "--builder", "custom", "--custom-builder", "gettext"])
    if code:
        raise SystemExit(f"the gettext build failed (exit code {code})")
    return root / "_build" / "gettext"


def _tidy_catalog(path: Path) -> None:
    """Drop obsolete entries and source locations: they only churn diffs."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    catalog.obsolete.clear()
    for message in catalog:
        message.locations = []
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, no_location=True)


def update_catalogs(build_dir: Path) -> None:
    """Merge the current English messages into every edition's catalogs."""
    templates = extract_messages(build_dir)
    for language in EDITIONS:
        code = _run([str(Path(sys.executable).with_name("sphinx-intl")), "update",
                     "-p", str(templates), "-d", str(LOCALES), "-l", language, "-w", "0"])
        if code:
            raise SystemExit(f"sphinx-intl update failed (exit code {code})")
        for catalog in sorted((LOCALES / language / "LC_MESSAGES").rglob("*.po")):
            if not (templates / catalog.relative_to(LOCALES / language / "LC_MESSAGES")).with_suffix(".pot").exists():
                catalog.unlink()
                continue
            _tidy_catalog(catalog)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="build every edition")
    build_parser.add_argument("--path-output", type=Path, default=REPO_ROOT)
    commands.add_parser("catalogs", help="update the translation catalogs from the English text")
    args, rest = parser.parse_known_args(argv)
    if args.command == "build":
        return build(args.path_output.resolve(), rest)
    update_catalogs(REPO_ROOT / "_build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
