"""Shared fixtures: a fresh build of the book, and a local web server for it.

The book is built once per test session, from scratch (a new output folder,
so no execution cache is reused), with warnings turned into errors. The site
and browser tests inspect that build.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pytest
import yaml

# Tests that draw figures must not open windows. The backend is chosen here,
# not through MPLBACKEND: kernels started by the tests inherit the environment,
# and a kernel with MPLBACKEND=Agg shows no figures.
matplotlib.use("Agg")

# tests/data holds reference data and the scripts that generated it (some with
# tools the project does not install); `--doctest-modules` must not import them.
collect_ignore = ["data"]

REPO_ROOT = Path(__file__).resolve().parents[1]

# Playwright drives Debian's Chromium; its own browser downloads are never used.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# JavaScript for page.evaluate(VISIBLE_TEXT_NODES, skip): the text nodes a
# reader can see, outside the elements matched by the selector `skip`.
VISIBLE_TEXT_NODES = """
(skip) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (!parent.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    parts.push(node.textContent);
  }
  return parts;
}
"""

TOC_FILE = REPO_ROOT / "_toc.yml"


@dataclass(frozen=True)
class BookBuild:
    """The result of one `jupyter-book build` run."""

    command: list[str]
    returncode: int
    log: str
    html_dir: Path


def toc_documents() -> list[str]:
    """Return every document named in ``_toc.yml`` (root first), without suffix.

    Used at collection time too, so that tests can be parametrized by page.
    """
    toc = yaml.safe_load(TOC_FILE.read_text(encoding="utf-8"))
    documents = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                documents.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key, []))

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return [str(Path(doc).with_suffix("")) for doc in documents]


def _jupyter_book_executable() -> str:
    # The console script installed next to this interpreter (the project venv).
    candidate = Path(sys.executable).with_name("jupyter-book")
    if not candidate.exists():
        pytest.fail(f"jupyter-book is not installed next to {sys.executable}; run `make venv`")
    return str(candidate)


# The editions of the site: each one's folder under the English root (its URL
# prefix), and the language its pages declare in <html lang>.
EDITIONS = {"en": "", "zh_CN": "zh_CN/"}
EDITION_LANG = {"en": "en", "zh_CN": "zh-CN"}


def edition_dirs(built_site: Path) -> dict[str, Path]:
    """The root folder of each edition of a built site."""
    return {edition: built_site / prefix for edition, prefix in EDITIONS.items()}


@pytest.fixture(scope="session")
def book_build(tmp_path_factory: pytest.TempPathFactory) -> BookBuild:
    """Build both editions from scratch into a fresh folder and record the log.

    The same driver as ``make book`` (``book/_ext/editions.py``): English into
    ``_build/html``, Chinese into ``_build/html/zh_CN``.
    """
    output_dir = tmp_path_factory.mktemp("book")
    _jupyter_book_executable()
    command = [
        sys.executable,
        str(REPO_ROOT / "book" / "_ext" / "editions.py"),
        "build",
        "--path-output",
        str(output_dir),
        "-W",
        "-n",
        "--keep-going",
    ]
    env = dict(os.environ)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    env["NO_COLOR"] = "1"
    result = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    (output_dir / "build.log").write_text(result.stdout, encoding="utf-8")
    return BookBuild(
        command=command,
        returncode=result.returncode,
        log=result.stdout,
        html_dir=output_dir / "_build" / "html",
    )


@pytest.fixture(scope="session")
def built_site(book_build: BookBuild) -> Path:
    """The folder of the freshly built HTML site."""
    if not (book_build.html_dir / "index.html").is_file():
        tail = "\n".join(book_build.log.splitlines()[-40:])
        pytest.fail(f"the book build produced no site (exit code {book_build.returncode}):\n{tail}")
    return book_build.html_dir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path):
    """Serve the built site on 127.0.0.1 (a free port) and yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# One Playwright session for all browser tests: a second sync_playwright()
# in the same thread fails while the first is open.
@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def thread_count():
    """softmax_lib's thread count, put back after the test whatever it did."""
    import softmax_lib

    previous = softmax_lib.get_num_threads()
    yield previous
    softmax_lib.set_num_threads(previous)
