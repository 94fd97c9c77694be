"""``python -m benchmarks.site``: Lighthouse scores of every page of the built book.

Serves ``_build/html`` on 127.0.0.1 with gzip (as a real host would), runs
Lighthouse 12.2.3 (installed with ``npm ci`` from ``package.json`` and
``package-lock.json`` beside this file) with Debian's Chromium on every page,
mobile and desktop, several times, and writes the medians to
``book/performance_data/lighthouse.csv`` and ``lighthouse.md`` together with
``lighthouse_machine.csv`` (date, CPU, versions). It is a benchmark, not a
test: timings depend on the machine and its load; the exit status is 0 whether
or not the goals are met.

Each row also gives the one-minute load average of the machine when the
page's runs began (other work on the machine slows Lighthouse's simulated
phone too), and the page's DOM size as a share of its size before the book
rendered its maths at build time (``lighthouse_dom_baseline.csv``: the site
with MathJax in the browser, counted in Chromium once MathJax had typeset,
as Lighthouse counts).

Options: ``--runs N`` (default 3), ``--pages a.html,b.html`` (default: every
page), ``--output DIR``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from .server import serve

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HTML_DIR = ROOT / "_build" / "html"
BOOK_DATA = ROOT / "book" / "performance_data"
CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "first-contentful-paint": "FCP (s)",
    "largest-contentful-paint": "LCP (s)",
    "total-blocking-time": "TBT (ms)",
    "cumulative-layout-shift": "CLS",
    "speed-index": "Speed index (s)",
}
GOALS = {"mobile": 90, "desktop": 95}
DOM_BASELINE = BOOK_DATA / "lighthouse_dom_baseline.csv"


def dom_baseline() -> dict[str, float]:
    if not DOM_BASELINE.is_file():
        return {}
    with DOM_BASELINE.open(encoding="utf-8", newline="") as handle:
        return {row["page"]: float(row["DOM elements before"]) for row in csv.DictReader(handle)}


def _pages(html_dir: Path) -> list[str]:
    """Every page a reader can open: the chapters in book/, search and the index."""
    pages = sorted(p.relative_to(html_dir).as_posix() for p in (html_dir / "book").glob("*.html"))
    return pages + [name for name in ("search.html", "genindex.html") if (html_dir / name).is_file()]


def ensure_lighthouse() -> None:
    if LIGHTHOUSE.is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed for Lighthouse (Debian: apt-get install nodejs npm)")
    print("installing Lighthouse (npm ci) ...", file=sys.stderr)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)


def run_lighthouse(url: str, form: str, workdir: Path) -> dict:
    """One Lighthouse run; returns the scores (0-100) and the metrics."""
    output = workdir / "report.json"
    command = [
        shutil.which("node") or "node", str(LIGHTHOUSE), url,
        "--output=json", f"--output-path={output}", "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--only-categories=" + ",".join(CATEGORIES),
    ]
    if form == "desktop":
        command.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    subprocess.run(command, env=env, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
    report = json.loads(output.read_text(encoding="utf-8"))
    result = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    for audit, label in METRICS.items():
        value = report["audits"][audit].get("numericValue")
        if value is None:
            result[label] = float("nan")
        elif label.endswith("(s)"):
            result[label] = value / 1000
        else:
            result[label] = value
    failed = []
    for name in ("accessibility", "best-practices", "seo"):
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                failed.append(ref["id"])
    result["failed audits"] = " ".join(sorted(set(failed)))
    result["bytes (KiB)"] = report["audits"]["total-byte-weight"]["numericValue"] / 1024
    result["DOM elements"] = report["audits"]["dom-size"].get("numericValue", float("nan"))
    return result


def median_of(runs: list[dict]) -> dict:
    merged: dict = {}
    for key in runs[0]:
        values = [run[key] for run in runs]
        if isinstance(values[0], str):
            merged[key] = " ".join(sorted(set(" ".join(values).split())))
        else:
            merged[key] = statistics.median(values)
    return merged


def machine_rows() -> list[tuple[str, str]]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    node = subprocess.run([shutil.which("node") or "node", "--version"], capture_output=True, text=True).stdout.strip()
    return [
        ("date (UTC)", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")),
        ("CPU", cpu),
        ("logical CPUs", str(os.cpu_count())),
        ("load average at start", " ".join(f"{x:.1f}" for x in os.getloadavg())),
        ("browser", chromium),
        ("Node.js", node),
        ("Lighthouse", "12.2.3"),
        ("server", "Python http.server on 127.0.0.1 with gzip (level 6)"),
    ]


def _fmt(value, key: str) -> str:
    if isinstance(value, str):
        return value
    if value != value:  # NaN: no baseline for this page
        return ""
    if key in CATEGORIES or key in ("DOM elements", "TBT (ms)", "DOM vs before (%)"):
        return f"{value:.0f}"
    if key == "CLS":
        return f"{value:.3f}"
    if key == "bytes (KiB)":
        return f"{value:.0f}"
    return f"{value:.1f}"


def write_tables(rows: list[dict], machine: list[tuple[str, str]], output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    keys = ["page", "form", *CATEGORIES, "FCP (s)", "LCP (s)", "TBT (ms)", "CLS", "bytes (KiB)",
            "DOM elements", "DOM vs before (%)", "load", "failed audits"]
    with (output / "lighthouse.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _fmt(row[key], key) for key in keys})
    with (output / "lighthouse_machine.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["what", "value"])
        writer.writerows(machine)
    shown = ["page", "form", *CATEGORIES, "FCP (s)", "LCP (s)", "TBT (ms)", "CLS", "bytes (KiB)",
             "DOM elements", "DOM vs before (%)", "load"]
    lines = ["| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row[key], key) for key in shown) + " |")
    (output / "lighthouse.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.site", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", default="")
    parser.add_argument("--output", type=Path, default=BOOK_DATA)
    args = parser.parse_args(argv)
    if not (HTML_DIR / "index.html").is_file():
        sys.exit(f"{HTML_DIR} has no site: run `make book` first")
    ensure_lighthouse()
    pages = args.pages.split(",") if args.pages else _pages(HTML_DIR)
    machine = machine_rows()
    baseline = dom_baseline()
    rows = []
    with serve(HTML_DIR) as base, tempfile.TemporaryDirectory() as tmp:
        for page in pages:
            for form in ("mobile", "desktop"):
                runs = []
                load = os.getloadavg()[0]
                for n in range(args.runs):
                    print(f"{page} {form} run {n + 1}/{args.runs}", file=sys.stderr, flush=True)
                    runs.append(run_lighthouse(base + page, form, Path(tmp)))
                row = {"page": page, "form": form, **median_of(runs), "load": load}
                before = baseline.get(page)
                row["DOM vs before (%)"] = 100 * row["DOM elements"] / before if before else float("nan")
                rows.append(row)
                write_tables(rows, machine, args.output)  # partial results survive an interruption
                print(
                    f"  performance {row['performance']:.0f}, accessibility {row['accessibility']:.0f}, "
                    f"best practices {row['best-practices']:.0f}, SEO {row['seo']:.0f}, "
                    f"LCP {row['LCP (s)']:.1f} s, TBT {row['TBT (ms)']:.0f} ms {row['failed audits']}",
                    file=sys.stderr, flush=True,
                )
    machine.append(("load average at end", " ".join(f"{x:.1f}" for x in os.getloadavg())))
    write_tables(rows, machine, args.output)
    print((args.output / "lighthouse.md").read_text(encoding="utf-8"))
    missed = [
        f"{row['page']} ({row['form']}): performance {row['performance']:.0f} < {GOALS[row['form']]}"
        for row in rows
        if row["performance"] < GOALS[row["form"]]
    ] + [
        f"{row['page']} ({row['form']}): {name} {row[name]:.0f} < 100"
        for row in rows
        for name in CATEGORIES[1:]
        if row[name] < 100
    ]
    print("goals missed:" if missed else "every page meets the goals", *missed, sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
