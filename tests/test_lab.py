"""The chapters opened in JupyterLab ("run the notebooks locally") render their MyST.

JupyterLab from the project's virtual environment is started on 127.0.0.1 with
a token, a chapter is opened in headless Chromium, and its Markdown cells must
show rendered MyST: a theorem block, numbered references instead of the raw
roles (``{numref}``, ``{eq}``, ...), and no "Jupyter news" popup.

Known limit: a figure's label is given in the cell's metadata (myst-nb's
``mystnb.figure.name``), which jupyterlab-myst does not read, so in JupyterLab a
``{numref}`` to a figure shows the label, marked as unresolved, rather than
"Fig. 2.1"; equations and theorems are numbered.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT

pytestmark = pytest.mark.browser

CHAPTER = "softmax_jacobian.ipynb"
START_TIMEOUT_S = 120


# For every rendered Markdown cell in view: raw MyST roles left in its text, its
# rendered theorem blocks, and its rendered {numref} cross-references (links
# that no longer show the role); then scroll one screen further.
_INSPECT_VISIBLE_CELLS = r"""
() => {
  const cells = [];
  for (const cell of document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')) {
    const rendered = cell.querySelector('.jp-RenderedMarkdown, .myst');
    if (!rendered) continue;
    const text = rendered.innerText;
    // jupyterlab-myst draws {prf:theorem} as a box titled "Theorem N".
    const theorems = Array.from(rendered.querySelectorAll('.myst-proof-title'))
      .filter(e => /^\s*Theorem\s+\d+/.test(e.innerText || '')).length;
    // A resolved cross-reference is a link whose text is a number: "(4)" for
    // {eq}, "Theorem 1" or "Figure 2" for {numref} and {ref}.
    const numberedRefs = Array.from(rendered.querySelectorAll('a[href^="#"]'))
      .filter(e => !e.closest('.myst-proof-title, h1, h2, h3, h4'))
      .filter(e => /^(\(\d+(\.\d+)*\)|(Theorem|Figure|Fig\.|Equation|Exercise)\s*\d+)/
                     .test((e.innerText || '').trim())).length;
    cells.push({
      key: text.slice(0, 300),
      rawRoles: text.match(/\{(numref|eq|cite:t|cite|prf:theorem|prf:proof|exercise|solution-start|ref)\}/g) || [],
      theorems,
      numberedRefs,
    });
  }
  const scroller = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')
    || document.querySelector('.jp-NotebookPanel .jp-Notebook');
  const atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2;
  scroller.scrollBy(0, Math.max(200, scroller.clientHeight - 100));
  return {cells, atEnd, news: document.body.innerText.includes('official Jupyter news')};
}
"""


_CELLS_IN_VIEW_RENDERED = """
() => Array.from(document.querySelectorAll('.jp-Notebook .jp-MarkdownCell'))
  .every(cell => cell.querySelector('.myst, .jp-RenderedMarkdown'))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory):
    """A JupyterLab server of the project venv on 127.0.0.1, serving book/."""
    jupyter = Path(sys.executable).with_name("jupyter")
    assert jupyter.is_file(), f"jupyter is not installed next to {sys.executable}; run `make venv`"
    overrides = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert overrides.is_file(), f"{overrides} is missing: `make venv` writes it"
    token = secrets.token_hex(16)
    port = _free_port()
    home = tmp_path_factory.mktemp("lab-home")
    log = home / "lab.log"
    env = dict(os.environ)
    env.update(
        {
            "HOME": str(home),  # no user settings or workspaces of the machine
            "JUPYTER_PLATFORM_DIRS": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        }
    )
    command = [
        str(jupyter), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={REPO_ROOT / 'book'}", "--LabApp.news_url=",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT / "book", env=env, stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/api/status?token={token}", process, log)
        yield base, token, overrides
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_news_popup_is_disabled_in_the_venv_settings(jupyter_lab) -> None:
    _, _, overrides = jupyter_lab
    settings = json.loads(overrides.read_text(encoding="utf-8"))
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def _inspect_chapter(base: str, token: str) -> dict:
    """Open the chapter in headless Chromium and walk its rendered cells."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(90_000)
            page.goto(f"{base}/lab/tree/{CHAPTER}?token={token}")
            # Rendered Markdown cells of the opened notebook.
            page.wait_for_selector(".jp-Notebook .jp-MarkdownCell .jp-RenderedMarkdown, .jp-Notebook .jp-MarkdownCell .myst")
            # JupyterLab renders only the cells near the viewport (windowing):
            # walk the notebook to its end and inspect the cells at every step.
            page.wait_for_function(
                "() => document.querySelectorAll('.jp-Notebook .jp-MarkdownCell').length > 3"
            )
            report = {"rendered": 0, "rawRoles": [], "theorems": 0, "numberedRefs": 0, "news": False}
            seen: set[str] = set()
            for _ in range(200):
                # Cells are rendered as they come into view: wait for those in
                # the DOM (a busy machine renders slowly), then inspect them.
                try:
                    page.wait_for_function(_CELLS_IN_VIEW_RENDERED, timeout=10_000)
                except PlaywrightTimeoutError:
                    pass  # inspect what is there; a cell left raw fails below
                step = page.evaluate(_INSPECT_VISIBLE_CELLS)
                for cell in step["cells"]:
                    if cell["key"] in seen:
                        continue
                    seen.add(cell["key"])
                    report["rendered"] += 1
                    report["rawRoles"] += cell["rawRoles"]
                    report["theorems"] += cell["theorems"]
                    report["numberedRefs"] += cell["numberedRefs"]
                report["news"] = report["news"] or step["news"]
                if step["atEnd"]:
                    break
                page.wait_for_timeout(600)
            if os.environ.get("LAB_SHOT"):
                page.screenshot(path=os.environ["LAB_SHOT"])
        finally:
            browser.close()
    return report


def test_chapter_renders_myst_in_jupyterlab(jupyter_lab) -> None:
    base, token, _ = jupyter_lab
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`)")
    # Run Playwright in a thread of its own: the browser tests of this session
    # may hold a sync Playwright (and its event loop) open in this thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(_inspect_chapter, base, token).result()
    assert report["rendered"] > 0, f"no rendered Markdown cell in {CHAPTER}: {report}"
    assert report["rawRoles"] == [], f"MyST shown raw in JupyterLab: {report['rawRoles'][:10]}"
    assert report["theorems"] > 0, f"no rendered theorem block in {CHAPTER}: {report}"
    assert report["numberedRefs"] > 0, f"no numbered cross-reference rendered in {CHAPTER}: {report}"
    assert not report["news"], "the 'Jupyter news' popup is shown"
