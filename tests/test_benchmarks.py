"""Tests of the benchmark code (``benchmarks/``), not of anyone's speed.

* The confidence intervals: the bootstrap on synthetic timings whose true
  ratio is known (including its coverage over many simulated runs), the
  classification by interval, and the summary's answers (yes, tie, no).
* The ablation's mirrors of the library: with every feature on they compute
  what ``softmax_lib`` computes, and every variant computes the same values
  to the accuracy its missing feature allows.
* ``python -m benchmarks --quick`` runs once, on small shapes; its files are
  checked for structure and for consistency (every verdict follows from its
  interval, every answer from the verdicts, the peers named for what they
  run). Speed is never asserted: it is reported.
* The accuracy numbers are deterministic, so the float32 tiny-second-term
  case is asserted: softmax_lib within one ulp there, SciPy's log-softmax off
  by millions of ulps.
"""

import csv
import functools
import json
import math
import socket
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT

# The benchmarks are a folder at the repository's root, not an installed package.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import ablation, machine, report, stats  # noqa: E402
from benchmarks.cases import speed_input  # noqa: E402
from benchmarks.speed import Speed  # noqa: E402

FUNCTIONS = {"softmax", "log_softmax", "logsumexp", "cross_entropy", "cross_entropy + grad"}
ROW_FUNCTIONS = ("softmax", "log_softmax", "logsumexp")
QUICK_SHAPES = {(100, 1000), (512, 100), (8, 10000)}


# --------------------------------------------------------------------------
# Intervals and verdicts
# --------------------------------------------------------------------------


def _synthetic(true_ratio, n, rng, load_sigma=0.5, own_sigma=0.03):
    """Paired times: a shared load factor per round, a little noise of each run's own."""
    load = np.exp(rng.normal(0, load_sigma, n))  # hits both runs of a round alike
    peer = 1e-3 * load * np.exp(rng.normal(0, own_sigma, n))
    ours = true_ratio * 1e-3 * load * np.exp(rng.normal(0, own_sigma, n))
    return ours, peer


def test_interval_of_a_constant_ratio_is_that_ratio():
    peer = np.linspace(1e-3, 5e-3, 20)
    interval = stats.paired_ratio_interval(0.5 * peer, peer, name="constant")
    assert interval.ratio == pytest.approx(0.5)
    assert interval.low == pytest.approx(0.5) and interval.high == pytest.approx(0.5)
    assert interval.verdict == "faster"


def test_pairing_cancels_the_load_shared_by_a_round():
    """A load that varies 5-fold between rounds but hits both runs alike: a tight interval."""
    rng = np.random.default_rng(1)
    ours, peer = _synthetic(0.9, 20, rng, load_sigma=0.8, own_sigma=0.01)
    interval = stats.paired_ratio_interval(ours, peer, name="paired")
    assert interval.low <= 0.9 <= interval.high
    assert interval.high - interval.low < 0.03
    assert interval.verdict == "faster"
    # Unpaired, the same times could not tell 0.9 from 1: the medians' ratio drifts.
    shuffled = stats.paired_ratio_interval(ours, rng.permutation(peer), name="paired")
    assert shuffled.high - shuffled.low > 5 * (interval.high - interval.low)


@pytest.mark.parametrize(
    "true_ratio, verdict", [(0.7, "faster"), (1.0, "tie"), (1.4, "slower")]
)
def test_verdict_of_synthetic_timings_with_a_known_ratio(true_ratio, verdict):
    rng = np.random.default_rng(2)
    ours, peer = _synthetic(true_ratio, 20, rng)
    interval = stats.paired_ratio_interval(ours, peer, name=f"known {true_ratio}")
    assert interval.low <= true_ratio <= interval.high
    assert interval.verdict == verdict


def test_interval_covers_the_true_ratio_about_95_times_in_100():
    """Coverage over 300 simulated runs of 20 paired repeats, lognormal noise."""
    rng = np.random.default_rng(3)
    hits = 0
    trials = 300
    for trial in range(trials):
        ours, peer = _synthetic(0.8, 20, rng, own_sigma=0.1)
        interval = stats.paired_ratio_interval(ours, peer, name=f"trial {trial}", resamples=2000)
        # The median of a ratio whose log is symmetric about log 0.8 is 0.8.
        hits += interval.low <= 0.8 <= interval.high
    assert 0.88 <= hits / trials <= 0.995


def test_bootstrap_is_seeded_by_the_comparison_name():
    rng = np.random.default_rng(4)
    ours, peer = _synthetic(1.0, 15, rng, own_sigma=0.2)
    first = stats.paired_ratio_interval(ours, peer, name="softmax float32 (8, 10)")
    again = stats.paired_ratio_interval(ours, peer, name="softmax float32 (8, 10)")
    assert first == again
    assert stats.seed_for("a") != stats.seed_for("b")


@pytest.mark.parametrize(
    "low, high, verdict",
    [(0.5, 0.99, "faster"), (1.01, 2.0, "slower"), (0.9, 1.1, "tie"), (0.9, 1.0, "tie"),
     (1.0, 1.2, "tie"), (1.0, 1.0, "tie")],
)
def test_classification_by_interval(low, high, verdict):
    assert stats.classify(low, high) == verdict


def test_classification_never_uses_the_median_alone():
    """A median well below 1 with an interval reaching above 1 is a tie, not "faster"."""
    interval = stats.Interval(ratio=0.6, low=0.55, high=1.02)
    assert interval.verdict == "tie"


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="low <= high"):
        stats.classify(1.2, 1.1)
    with pytest.raises(ValueError, match="same length"):
        stats.paired_ratio_interval([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="at least 2"):
        stats.paired_ratio_interval([1.0], [1.0])
    with pytest.raises(ValueError, match="positive"):
        stats.paired_ratio_interval([1.0, 0.0], [1.0, 1.0])


def _speed(function, dtype, interval):
    return Speed(
        function=function, dtype=dtype, shape=(4, 5), times_s={}, median_s={}, spread={},
        interval={"SciPy": interval}, paired_with={"SciPy": "softmax_lib"}, floor_bytes=1,
        copy_bytes=1,
    )


@pytest.mark.parametrize(
    "verdicts, answer",
    [(("faster", "faster"), "yes"), (("faster", "tie"), "tie"), (("tie", "slower"), "no")],
)
def test_summary_answers_come_from_the_intervals(verdicts, answer):
    bounds = {"faster": (0.5, 0.6, 0.7), "tie": (0.8, 0.95, 1.1), "slower": (1.1, 1.2, 1.3)}
    results = [
        _speed(f, "float32", stats.Interval(bounds[v][1], bounds[v][0], bounds[v][2]))
        for f, v in zip(("softmax", "logsumexp"), verdicts, strict=True)
    ]
    (question,) = report.speed_answers(results, {})
    assert question["question"] == "No slower than SciPy (scipy.special) anywhere?"
    assert question["answer"] == answer
    assert question["faster"] + question["tie"] + question["slower"] == 2
    text = report.answers_text([question])[0]
    if "tie" in verdicts:
        assert "Tie: " in text


def test_cross_entropy_reference_is_not_called_scipy():
    results = [_speed("cross_entropy", "float64", stats.Interval(0.9, 0.8, 1.0))]
    (question,) = report.speed_answers(results, {})
    assert "NumPy + scipy.special.log_softmax" in question["question"]


def test_waiting_for_a_quiet_machine_stops_at_the_threshold_or_the_timeout():
    loads = iter([2.0, 1.0, 0.4, 0.1])
    slept = []
    load, waited = machine.wait_for_quiet(0.5, 100, poll_s=10, sleep=slept.append,
                                          read=lambda: next(loads))
    assert (load, waited, slept) == (0.4, 20, [10, 10])
    load, waited = machine.wait_for_quiet(0.5, 25, poll_s=10, sleep=lambda s: None,
                                          read=lambda: 3.0)
    assert (load, waited) == (3.0, 25)


# --------------------------------------------------------------------------
# The ablation's mirrors of the library
# --------------------------------------------------------------------------


def _ulps(got, want, floor):
    """Error of ``got`` in ulps of ``want``'s dtype, at the larger of |want| and ``floor``.

    The softmax is compared relatively (``floor`` 0); the log-softmax at
    least at 1, since near 0 it is ``-log1p(r)`` with ``r`` tiny, whose
    plain ``log(1 + r)`` loses all relative accuracy.
    """
    want = np.asarray(want)
    scale = np.maximum(np.abs(want.astype(np.float64)), floor).astype(want.dtype)
    return np.abs(got.astype(np.float64) - want.astype(np.float64)) / np.spacing(scale)


FLOOR = {"softmax": 0.0, "log_softmax": 1.0}


DTYPES = ("float32", "float64")


@functools.cache
def _mirror_input(dtype):
    # Wide enough for several blocks, and logits N(0, 4^2) as in the timings.
    return speed_input(dtype, (200, 1500)).logits


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("function", ablation.FUNCTIONS)
def test_mirror_with_every_feature_computes_what_the_library_computes(dtype, function):
    x = _mirror_input(dtype)
    got = ablation.MIRRORS[function](x)
    want = ablation.LIBRARY_FUNCTIONS[function](x)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert _ulps(got, want, FLOOR[function]).max() <= 2


@pytest.mark.parametrize(
    "dtype, function, variant",
    [(d, f, v) for d in DTYPES for f in ablation.FUNCTIONS for v in ablation.variants(f, d)],
)
def test_every_variant_computes_the_same_values(dtype, function, variant):
    """Up to the error the missing features allow: |z - m| <= 40 here, so <= 64 ulps."""
    x = _mirror_input(dtype)
    got = ablation.MIRRORS[function](x, ablation.VARIANTS[variant])
    want = ablation.LIBRARY_FUNCTIONS[function](x)
    assert got.dtype == want.dtype
    assert _ulps(got, want, FLOOR[function]).max() <= 64


def test_variants_differ_from_the_mirror_in_one_feature_each():
    base = ablation.VARIANTS[ablation.BASELINE]
    switched = [name for name in ablation.FEATURES if f"without {name}" in ablation.VARIANTS]
    assert switched == [name for name in ablation.FEATURES if getattr(base, name)]
    for name in switched:
        features = ablation.VARIANTS[f"without {name}"]
        assert [getattr(features, f) for f in ablation.FEATURES] == [
            getattr(base, f) and f != name for f in ablation.FEATURES
        ]


def test_mirrors_refuse_what_they_do_not_mirror():
    with pytest.raises(ValueError, match="2-D"):
        ablation.softmax(np.zeros(5))
    with pytest.raises(ValueError, match="finite"):
        ablation.log_softmax(np.array([[0.0, np.inf]]))


@pytest.mark.skipif(not ablation.EXACT, reason="the installed library shifts every row")
def test_mirrors_refuse_rows_the_library_would_shift():
    with pytest.raises(ValueError, match="does not shift"):  # a maximum below 0 in float64
        ablation.softmax(np.array([[-3.0, -5.0]]))


def test_uses_lists_only_features_of_the_mirror():
    for used in ablation.USES.values():
        assert set(used) <= set(ablation.FEATURES)
    assert set(ablation.VARIANTS) - {ablation.BASELINE} | {ablation.LIBRARY} <= set(
        ablation.SHORT_NAMES
    )


# --------------------------------------------------------------------------
# The quick run
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """``python -m benchmarks --quick --output DIR``, run once: (process, DIR)."""
    output = tmp_path_factory.mktemp("benchmarks")
    process = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(output)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    return process, output


def _positive_finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def _csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _speed_document(output):
    return json.loads((output / "speed.json").read_text(encoding="utf-8"))


def test_progress_goes_to_stderr_and_tables_to_stdout(quick_run):
    process, _ = quick_run
    assert "speed [1/30]: softmax float32" in process.stderr
    assert "speed [30/30]: cross_entropy + grad float64" in process.stderr
    assert "ablation [12/12]: log_softmax float64" in process.stderr
    assert "accuracy: float32 tiny second term" in process.stderr
    assert "/ SciPy" in process.stdout and "Worst interval:" in process.stdout
    for function in ROW_FUNCTIONS:
        assert f"Accuracy of {function}" in process.stdout


def test_every_ratio_has_an_interval_and_the_verdict_it_implies(quick_run):
    _, output = quick_run
    document = _speed_document(output)
    assert document["settings"]["quick"] is True
    results = document["results"]
    cases = {(r["function"], r["dtype"], tuple(r["shape"])) for r in results}
    assert cases == {
        (f, d, s) for f in FUNCTIONS for d in ("float32", "float64") for s in QUICK_SHAPES
    }
    repeats = document["settings"]["repeats"]
    for r in results:
        assert {"softmax_lib", "SciPy", "copy"} <= set(r["median_s"])
        assert all(_positive_finite(t) for t in r["median_s"].values()), r
        assert all(len(times) == repeats for times in r["times_s"].values())
        for peer, interval in r["interval"].items():
            assert interval["low"] <= interval["ratio"] <= interval["high"]
            assert interval["verdict"] == stats.classify(interval["low"], interval["high"])
            # The ratio is the median of the ratios of the pairs, as documented.
            ours = np.array(r["times_s"][r["paired_with"][peer]])
            theirs = np.array(r["times_s"][peer])
            assert interval["ratio"] == pytest.approx(float(np.median(ours / theirs)))
        assert set(r["interval"]) == set(r["paired_with"])


def test_summary_answers_agree_with_the_stored_verdicts(quick_run):
    _, output = quick_run
    document = _speed_document(output)
    for answer in document["answers"]:
        assert answer["answer"] == (
            "no" if answer["slower"] else "tie" if answer["tie"] else "yes"
        )
    summary = _csv(output / "speed_summary.csv")
    assert summary[0]["question"] == "No slower than SciPy (scipy.special) anywhere?"
    assert summary[1]["question"].startswith("No slower than the NumPy + scipy.special")
    worst = document["worst_interval"]
    ratios = [i["ratio"] for r in document["results"] for i in r["interval"].values()]
    assert worst["ratio"] == max(ratios)


def test_peers_are_named_for_what_they_run(quick_run):
    _, output = quick_run
    names = {row["function"]: row for row in _csv(output / "peers.csv")}
    assert names["softmax"]["SciPy column"] == "scipy.special.softmax"
    assert names["cross_entropy + grad"]["SciPy column"] == "NumPy + scipy.special.log_softmax"
    table = _csv(output / "speed_vs_scipy.csv")
    assert {row["peer"] for row in table if row["function"] == "cross_entropy"} == {
        "NumPy + scipy.special.log_softmax"
    }
    machine_info = _speed_document(output)["machine"]
    if machine_info["torch"]:
        assert machine_info["torch_threads_all"] >= 1
        results = _speed_document(output)["results"]
        assert all({"PyTorch, 1 thread", "PyTorch, all threads"} <= set(r["interval"])
                   for r in results)
        assert (output / "speed_vs_torch_all.csv").exists()


def test_noise_and_load_are_reported_in_numbers_and_words(quick_run):
    _, output = quick_run
    noise = _speed_document(output)["noise"]
    assert noise["median_spread"] >= 0 and noise["max_spread"] >= noise["median_spread"]
    assert noise["max_interval_width"] >= noise["median_interval_width"] >= 0
    notes = (output / "speed_noise.md").read_text(encoding="utf-8")
    if noise["quiet"]:
        assert "The machine was idle" in notes
    else:
        assert "**The machine was busy.**" in notes
    answers = (output / "speed_answers.md").read_text(encoding="utf-8")
    assert answers.startswith("- No slower than SciPy (scipy.special) anywhere? **")


def test_ablation_times_every_variant_with_intervals(quick_run):
    _, output = quick_run
    document = json.loads((output / "ablation.json").read_text(encoding="utf-8"))
    assert len(document["results"]) == 2 * 2 * 3  # functions, dtypes, shapes
    for r in document["results"]:
        assert set(r["median_s"]) == {
            ablation.LIBRARY, *ablation.variants(r["function"], r["dtype"])
        }
        assert set(r["interval"]) == set(r["median_s"]) - {ablation.BASELINE}
        for interval in r["interval"].values():
            assert interval["verdict"] == stats.classify(interval["low"], interval["high"])
    notes = (output / "ablation_notes.md").read_text(encoding="utf-8")
    assert notes.count("\n- ") + notes.startswith("- ") == len(ablation.VARIANTS)


def test_machine_is_described_without_identifying_it(quick_run):
    _, output = quick_run
    machine_info = _speed_document(output)["machine"]
    assert machine_info["cpu"] and machine_info["logical_cores"] >= 1
    assert machine_info["numpy"] and machine_info["scipy"] and machine_info["mpmath"]
    assert machine_info["date"]
    written = "\n".join(p.read_text(encoding="utf-8") for p in output.glob("*.[jcm][sd]*"))
    assert str(REPO_ROOT) not in written and str(output) not in written
    host = socket.gethostname()
    if len(host) >= 4:
        assert host not in written


def test_csv_tables_and_figures_are_written(quick_run):
    _, output = quick_run
    machine_rows = {row["property"]: row["value"] for row in _csv(output / "machine.csv")}
    assert {"CPU", "Logical cores", "NumPy", "SciPy", "Date of the run"} <= set(machine_rows)
    assert len(_csv(output / "speed_vs_scipy.csv")) == 15
    assert len(_csv(output / "noise.csv")) >= 5
    assert len(_csv(output / "accuracy_summary.csv")) >= 3
    for function in ROW_FUNCTIONS:
        rows = _csv(output / f"accuracy_{function}.csv")
        assert {row["dtype"] for row in rows} == {"float32", "float64"}
    for name in ("speed.png", "ablation.png", "accuracy_shift.png"):
        png = (output / name).read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000, name


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
            "random rows", "wide random rows"} <= cases
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


def test_the_naive_shift_follows_the_rounding_law(quick_run):
    """The naive shift's error grows with |z - m| (about |d| / 4 on average, up to |d|)."""
    _, output = quick_run
    shift = json.loads((output / "accuracy.json").read_text(encoding="utf-8"))
    fit = shift["error_against_shift"]["fit"]
    for dtype in ("float32", "float64"):
        naive = fit[dtype]["naive shift"]
        assert 0.15 <= naive["slope"] <= 0.5
        assert naive["max_ulp"] > 8
        binned = shift["error_against_shift"]["binned"][dtype]
        for (low, high), largest in zip(binned["edges"], binned["max"]["naive shift"],
                                        strict=True):
            assert largest <= high + 2  # at most |d| ulps, plus the algorithm's own

