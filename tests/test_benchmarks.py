"""Tests of the benchmark code (``benchmarks/``), not of anyone's speed.

The command ``python -m benchmarks --quick`` runs once, on small shapes, and
its report and files are checked for structure: every function, dtype and
shape present, every time and ratio a positive finite number, the figure a
PNG, nothing that identifies the machine's owner. Speed is never asserted:
it is reported. The accuracy numbers are deterministic, so the float32
tiny-second-term case is asserted: softmax_lib within one ulp there, SciPy's
log-softmax off by millions of ulps.
"""

import csv
import json
import math
import socket
import subprocess
import sys

import pytest

from conftest import REPO_ROOT

FUNCTIONS = {"softmax", "log_softmax", "logsumexp", "cross_entropy", "cross_entropy + grad"}
ROW_FUNCTIONS = ("softmax", "log_softmax", "logsumexp")
QUICK_SHAPES = {(100, 1000), (512, 100), (8, 10000)}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """``python -m benchmarks --quick --output DIR``, run once: (process, DIR)."""
    output = tmp_path_factory.mktemp("benchmarks")
    process = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(output)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    return process, output


def _positive_finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def _csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_progress_goes_to_stderr_and_tables_to_stdout(quick_run):
    process, _ = quick_run
    assert "speed [1/30]: softmax float32" in process.stderr
    assert "speed [30/30]: cross_entropy + grad float64" in process.stderr
    assert "accuracy: float32 tiny second term" in process.stderr
    assert "softmax_lib / SciPy" in process.stdout
    assert "Timing noise" in process.stdout
    for function in ROW_FUNCTIONS:
        assert f"Accuracy of {function}" in process.stdout


def test_speed_json_has_every_case_with_positive_finite_ratios(quick_run):
    _, output = quick_run
    document = json.loads((output / "speed.json").read_text(encoding="utf-8"))
    assert set(document) == {"machine", "settings", "noise", "targets", "results"}
    assert document["settings"]["quick"] is True
    results = document["results"]
    cases = {(r["function"], r["dtype"], tuple(r["shape"])) for r in results}
    assert cases == {
        (f, d, s) for f in FUNCTIONS for d in ("float32", "float64") for s in QUICK_SHAPES
    }
    assert len(results) == len(cases)
    for r in results:
        implementations = set(r["median_s"])
        assert {"softmax_lib", "SciPy", "copy"} <= implementations
        assert all(_positive_finite(t) for t in r["median_s"].values()), r
        assert all(_positive_finite(g) for g in r["gbps"].values()), r
        assert set(r["ratio"]) == implementations - {"softmax_lib", "copy"}
        assert all(_positive_finite(q) for q in r["ratio"].values()), r
        # The ratio is the ratio of the medians, as documented.
        for peer, value in r["ratio"].items():
            assert value == pytest.approx(r["median_s"]["softmax_lib"] / r["median_s"][peer])
        assert _positive_finite(r["fraction_of_copy"])
        assert r["floor_bytes"] > 0 and r["copy_bytes"] > 0


def test_noise_and_targets_are_reported(quick_run):
    _, output = quick_run
    document = json.loads((output / "speed.json").read_text(encoding="utf-8"))
    noise = document["noise"]
    assert noise["median_spread"] >= 0 and noise["max_spread"] >= noise["median_spread"]
    assert isinstance(document["targets"]["no_slower_than_scipy"], bool)
    assert _positive_finite(document["targets"]["worst_ratio_vs_scipy"])


def test_machine_is_described_without_identifying_it(quick_run):
    _, output = quick_run
    machine = json.loads((output / "speed.json").read_text(encoding="utf-8"))["machine"]
    assert machine["cpu"] and machine["logical_cores"] >= 1
    assert machine["numpy"] and machine["scipy"] and machine["mpmath"]
    written = "\n".join(p.read_text(encoding="utf-8") for p in output.glob("*.[jc]s*"))
    assert str(REPO_ROOT) not in written and str(output) not in written
    host = socket.gethostname()
    if len(host) >= 4:
        assert host not in written


def test_csv_tables_and_figure_are_written(quick_run):
    _, output = quick_run
    speed = _csv(output / "speed.csv")
    assert len(speed) == 30
    assert {"function", "dtype", "shape", "softmax_lib / SciPy", "% of copy"} <= set(speed[0])
    assert all(float(row["softmax_lib / SciPy"]) > 0 for row in speed)
    machine = {row["property"]: row["value"] for row in _csv(output / "machine.csv")}
    assert {"CPU", "Logical cores", "NumPy", "SciPy", "Measured on"} <= set(machine)
    assert len(_csv(output / "speed_summary.csv")) >= 3
    assert len(_csv(output / "accuracy_summary.csv")) >= 3
    for function in ROW_FUNCTIONS:
        rows = _csv(output / f"accuracy_{function}.csv")
        assert {row["dtype"] for row in rows} == {"float32", "float64"}
    png = (output / "speed.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def _accuracy(output):
    document = json.loads((output / "accuracy.json").read_text(encoding="utf-8"))
    return {
        (r["function"], r["dtype"], r["case"], r["implementation"]): r
        for r in document["results"]
    }


def test_accuracy_covers_every_function_dtype_and_implementation(quick_run):
    _, output = quick_run
    cells = _accuracy(output)
    cases = {case for (_, _, case, _) in cells}
    assert {"one dominant logit", "many equal logits", "huge offset", "tiny second term",
            "random rows"} <= cases
    for function in ROW_FUNCTIONS:
        for dtype in ("float32", "float64"):
            for case in cases:
                for name in ("softmax_lib", "SciPy"):
                    cell = cells[(function, dtype, case, name)]
                    maximum = cell["max_ulp"]
                    assert maximum == "inf" or 0 <= cell["median_ulp"] <= maximum


def test_float32_tiny_second_term_is_exact_here_and_not_in_scipy(quick_run):
    """x = [1 - log(eps), 0] in float32: log(1 + eps/e) is below float32's rounding unit."""
    _, output = quick_run
    cells = _accuracy(output)
    for function in ROW_FUNCTIONS:
        assert cells[(function, "float32", "tiny second term", "softmax_lib")]["max_ulp"] <= 1.0
    # SciPy's log_softmax returns 0 for the first entry, whose exact value is -4.4e-08.
    assert cells[("log_softmax", "float32", "tiny second term", "SciPy")]["max_ulp"] > 1e6
