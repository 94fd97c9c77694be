"""Tests of the benchmark code (``benchmarks/``), not of anyone's speed.

* The confidence intervals: the bootstrap on synthetic timings whose true
  ratio is known (including its coverage over many simulated runs), the
  classification by interval, and the summary's answers (yes, tie, no).
* The threads: each timing session sets softmax_lib's (and PyTorch's)
  thread count and puts it back; each ratio pairs the series of one
  session; every name, table and question gives its thread counts; the
  code runs without PyTorch.
* The ablation's mirrors of the library: with every feature on they compute
  what ``softmax_lib`` computes, and every variant computes the same values
  to the accuracy its missing feature allows.
* ``python -m benchmarks --quick`` runs once, on small shapes; its files are
  checked for structure and for consistency (every verdict follows from its
  interval, every answer from the verdicts, the peers named for what they
  run, every file the page includes written). Speed is never asserted: it
  is reported.
* The accuracy numbers are deterministic, so the float32 tiny-second-term
  case is asserted: softmax_lib within one ulp there, SciPy's log-softmax off
  by millions of ulps.
"""

import csv
import functools
import json
import math
import os
import re
import socket
import subprocess
import sys
import types

import numpy as np
import pytest

from conftest import REPO_ROOT

# The benchmarks are a folder at the repository's root, not an installed package.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import softmax_lib  # noqa: E402
from benchmarks import (  # noqa: E402
    ablation,
    figure,
    implementations,
    machine,
    report,
    speed,
    stats,
)
from benchmarks.cases import speed_input  # noqa: E402
from benchmarks.implementations import (  # noqa: E402
    COPY,
    OURS_ALL,
    OURS_ONE,
    SCIPY_ALL,
    SCIPY_ONE,
    TORCH_ALL,
    TORCH_ONE,
)
from benchmarks.speed import Speed  # noqa: E402
from benchmarks.timing import Series  # noqa: E402

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


PAIRS = {SCIPY_ALL: OURS_ALL, SCIPY_ONE: OURS_ONE, TORCH_ONE: OURS_ONE, TORCH_ALL: OURS_ALL}
VERDICT_BOUNDS = {  # (low, ratio, high) of an interval with that verdict
    "faster": (0.5, 0.6, 0.7), "tie": (0.8, 0.95, 1.1), "slower": (1.1, 1.2, 1.3),
}


def _interval(verdict):
    low, ratio, high = VERDICT_BOUNDS[verdict]
    return stats.Interval(ratio, low, high)


def _speed(function, dtype, intervals, shape=(4, 5), median_s=None):
    """A :class:`Speed` holding ``intervals`` ({peer series: Interval}) and nothing timed."""
    return Speed(
        function=function, dtype=dtype, shape=shape, times_s={}, median_s=median_s or {},
        spread={}, interval=intervals, paired_with={peer: PAIRS[peer] for peer in intervals},
        floor_bytes=1, copy_bytes=1,
    )


@pytest.mark.parametrize(
    "verdicts, answer",
    [(("faster", "faster"), "yes"), (("faster", "tie"), "tie"), (("tie", "slower"), "no")],
)
def test_summary_answers_come_from_the_intervals(verdicts, answer):
    results = [
        _speed(f, "float32", {SCIPY_ALL: _interval(v)})
        for f, v in zip(("softmax", "logsumexp"), verdicts, strict=True)
    ]
    (question,) = report.speed_answers(results, {"threads_all": 2})
    assert question["question"] == (
        "No slower than SciPy anywhere (softmax_lib on 2 threads, SciPy on its one)?"
    )
    assert question["answer"] == answer
    assert question["faster"] + question["tie"] + question["slower"] == 2
    text = report.answers_text([question])[0]
    if "tie" in verdicts:
        assert "Tie: " in text


def test_cross_entropy_reference_is_not_called_scipy():
    results = [_speed("cross_entropy", "float64", {SCIPY_ONE: _interval("tie")})]
    (question,) = report.speed_answers(results, {"threads_all": 2})
    assert question["question"] == (
        "No slower than the NumPy + scipy.special.log_softmax cross-entropy anywhere, "
        "both on 1 thread?"
    )


def test_summary_asks_one_question_per_comparison_naming_the_thread_counts():
    assert [title for title, _, _ in report.speed_questions({"threads_all": 4})] == [
        "No slower than SciPy anywhere, both on 1 thread?",
        "No slower than the NumPy + scipy.special.log_softmax cross-entropy anywhere, "
        "both on 1 thread?",
        "No slower than PyTorch anywhere, both on 1 thread?",
        "No slower than SciPy anywhere (softmax_lib on 4 threads, SciPy on its one)?",
        "No slower than the NumPy + scipy.special.log_softmax cross-entropy anywhere "
        "(softmax_lib on 4 threads, the reference on its one)?",
        "No slower than PyTorch anywhere, both on 4 threads?",
    ]


@pytest.mark.parametrize("low, high, text", [
    (0.81, 0.90, "0.85 (0.81–0.90)"),
    (1.002, 1.03, "0.850 (1.002–1.030)"),  # a "slower" interval must not print 1.00
    (0.97, 0.998, "0.850 (0.970–0.998)"),
    (1.0, 1.2, "0.85 (1.00–1.20)"),
])
def test_an_interval_end_next_to_1_is_printed_with_a_third_decimal(low, high, text):
    assert report.ratio_text(0.85, low, high) == text


def test_each_answer_counts_the_verdicts_of_its_own_comparison():
    """Every comparison gets a different verdict: each answer must report its own."""
    verdicts = {SCIPY_ALL: "faster", SCIPY_ONE: "slower", TORCH_ONE: "tie", TORCH_ALL: "faster"}
    results = [
        _speed(function, "float32", {peer: _interval(v) for peer, v in verdicts.items()})
        for function in ("softmax", "cross_entropy")
    ]
    answers = report.speed_answers(results, {"threads_all": 2})
    got = [(a["peer"], a["paired_with"], a["answer"], a["faster"] + a["tie"] + a["slower"])
           for a in answers]
    assert got == [
        (SCIPY_ONE, OURS_ONE, "no", 1),  # SciPy's own function, softmax
        (SCIPY_ONE, OURS_ONE, "no", 1),  # the NumPy cross-entropy
        (TORCH_ONE, OURS_ONE, "tie", 2),
        (SCIPY_ALL, OURS_ALL, "yes", 1),
        (SCIPY_ALL, OURS_ALL, "yes", 1),
        (TORCH_ALL, OURS_ALL, "yes", 2),
    ]


def test_questions_without_pytorch_are_left_out():
    results = [_speed("softmax", "float64", {SCIPY_ALL: _interval("faster"),
                                             SCIPY_ONE: _interval("faster")})]
    answers = report.speed_answers(results, {"threads_all": 2})
    assert [a["peer"] for a in answers] == [SCIPY_ONE, SCIPY_ALL]


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
# Threads: sessions, pairings, names
# --------------------------------------------------------------------------


@functools.cache
def _small_input():
    return speed_input("float64", (8, 10))


def test_sessions_hold_the_series_of_their_thread_counts(thread_count):
    sessions = implementations.timed_sessions("softmax", _small_input(), None, all_threads=3)
    assert [list(runs) for _, runs in sessions] == [
        [OURS_ONE, SCIPY_ONE, COPY], [OURS_ALL, SCIPY_ALL],
    ]
    counts = []
    for before, _ in sessions:
        before()
        counts.append(softmax_lib.get_num_threads())
    assert counts == [1, 3]


class _ThreadCountingTorch:
    """Stands in for PyTorch where only its thread count matters (PyTorch is optional)."""

    def __init__(self):
        self.threads = 7

    def get_num_threads(self):
        return self.threads

    def set_num_threads(self, count):
        self.threads = count

    @staticmethod
    def from_numpy(array):
        return array


def test_sessions_set_pytorch_and_softmax_lib_to_the_same_count(thread_count):
    torch = _ThreadCountingTorch()
    sessions = implementations.timed_sessions("softmax", _small_input(), torch, 2)
    assert [list(runs) for _, runs in sessions] == [
        [OURS_ONE, SCIPY_ONE, TORCH_ONE, COPY], [OURS_ALL, SCIPY_ALL, TORCH_ALL],
    ]
    for (before, _), count in zip(sessions, (1, 2), strict=True):
        before()
        assert (softmax_lib.get_num_threads(), torch.get_num_threads()) == (count, count)


def _recording_interleaved(seen, fail_at=None):
    """A stand-in for ``timing.interleaved`` that notes the thread count each session ran at."""

    def interleaved(runs, repeats):
        seen.append((tuple(runs), softmax_lib.get_num_threads()))
        if len(seen) == fail_at:
            raise RuntimeError("a timing failed")
        return {name: Series((1e-3, 1.1e-3, 0.9e-3)) for name in runs}

    return interleaved


def test_measurement_runs_each_session_at_its_count_and_restores_it(monkeypatch, thread_count):
    softmax_lib.set_num_threads(5)
    seen = []
    monkeypatch.setattr(speed, "interleaved", _recording_interleaved(seen))
    results = speed.measure([(8, 10)], ["float64"], 3, torch=None, all_threads=2)
    assert len(results) == len(implementations.SPEED_FUNCTIONS)
    assert {(runs[0], count) for runs, count in seen} == {(OURS_ONE, 1), (OURS_ALL, 2)}
    assert softmax_lib.get_num_threads() == 5


def test_thread_count_is_restored_when_a_timing_fails(monkeypatch, thread_count):
    softmax_lib.set_num_threads(5)
    monkeypatch.setattr(speed, "interleaved", _recording_interleaved([], fail_at=2))
    with pytest.raises(RuntimeError, match="a timing failed"):
        speed.time_sessions("softmax", _small_input(), 3, None, all_threads=2)
    assert softmax_lib.get_num_threads() == 5


def test_ablation_times_the_library_on_one_thread_and_restores_the_count(
    monkeypatch, thread_count
):
    softmax_lib.set_num_threads(4)
    seen = []
    monkeypatch.setattr(ablation, "interleaved", _recording_interleaved(seen))
    ablation.measure([(8, 10)], ["float64"], 3)
    assert seen and {count for _, count in seen} == {ablation.LIBRARY_THREADS} == {1}
    assert softmax_lib.get_num_threads() == 4
    monkeypatch.setattr(ablation, "interleaved", _recording_interleaved([], fail_at=1))
    with pytest.raises(RuntimeError):
        ablation.measure([(8, 10)], ["float64"], 3)
    assert softmax_lib.get_num_threads() == 4


def _constant_sessions(with_torch):
    """Two sessions of constant times, distinct primes, so each ratio shows its two series."""
    times = {OURS_ONE: 3.0, SCIPY_ONE: 7.0, TORCH_ONE: 13.0, COPY: 1.0,
             OURS_ALL: 5.0, SCIPY_ALL: 11.0, TORCH_ALL: 17.0}
    names = ([OURS_ONE, SCIPY_ONE, TORCH_ONE, COPY], [OURS_ALL, SCIPY_ALL, TORCH_ALL])
    return [
        {n: Series((times[n],) * 4) for n in session if with_torch or "PyTorch" not in n}
        for session in names
    ], times


@pytest.mark.parametrize("with_torch", [True, False])
def test_each_ratio_pairs_softmax_lib_with_a_peer_of_its_own_session(with_torch):
    sessions, times = _constant_sessions(with_torch)
    result = speed.summarise("softmax", "float64", (4, 5), sessions, 8, 8)
    expected = PAIRS if with_torch else {SCIPY_ALL: OURS_ALL, SCIPY_ONE: OURS_ONE}
    assert result.paired_with == expected
    for peer, ours in expected.items():
        assert result.interval[peer].ratio == pytest.approx(times[ours] / times[peer])
    assert {c.peer: c.ours for c in implementations.COMPARISONS} == PAIRS
    # The copy runs on one thread: softmax_lib's share of it comes from its one-thread series.
    assert result.fraction_of_copy() == pytest.approx(times[COPY] / times[OURS_ONE])


def test_names_carry_the_thread_counts():
    title = implementations.series_title
    assert title(OURS_ONE, 2) == "softmax_lib, 1 thread"
    assert title(OURS_ALL, 2) == "softmax_lib, 2 threads"
    assert title(TORCH_ALL, 8) == "PyTorch, 8 threads"
    # With one CPU both sessions run one thread; the titles still differ.
    assert title(OURS_ALL, 1) != title(OURS_ONE, 1) and "1 thread" in title(OURS_ALL, 1)
    machine_info = {"threads_all": 2}
    titles = [report.comparison_title(c, machine_info) for c in implementations.COMPARISONS]
    assert titles == [
        "softmax_lib, 1 thread / SciPy (1 thread)",
        "softmax_lib, 1 thread / PyTorch, 1 thread",
        "softmax_lib, 2 threads / SciPy (1 thread)",
        "softmax_lib, 2 threads / PyTorch, 2 threads",
    ]
    assert implementations.peer_name("softmax", TORCH_ALL, 2) == "torch.softmax, 2 threads"
    assert implementations.peer_name("softmax", SCIPY_ALL, 2) == "scipy.special.softmax"


def test_tables_name_every_series_with_its_thread_count():
    sessions, _ = _constant_sessions(with_torch=True)
    result = speed.summarise("softmax", "float32", (4, 5), sessions, 8, 8)
    machine_info = {"threads_all": 2}
    (times,) = report.time_rows([result], machine_info)
    assert list(times)[3:] == [
        "softmax_lib, 1 thread (ms)", "softmax_lib, 2 threads (ms)",
        "SciPy, one-thread session (ms)", "SciPy, all-threads session (ms)",
        "PyTorch, 1 thread (ms)", "PyTorch, 2 threads (ms)", "copy (ms)",
    ]
    tables = {c.table: report.peer_rows([result], c, machine_info)[0]
              for c in implementations.COMPARISONS}
    assert {table: row["softmax_lib"] for table, row in tables.items()} == {
        "speed_vs_scipy": "2 threads", "speed_vs_scipy_1": "1 thread",
        "speed_vs_torch_1": "1 thread", "speed_vs_torch_all": "2 threads",
    }
    assert tables["speed_vs_torch_all"]["peer"] == "torch.softmax, 2 threads"
    (bandwidth,) = report.bandwidth_rows([result])
    assert "float32 GB/s, 1 thread (% of copy)" in bandwidth


def test_session_thread_count_comes_from_the_option_pytorch_or_softmax_lib(thread_count):
    class FakeTorch:
        @staticmethod
        def get_num_threads():
            return 7

    softmax_lib.set_num_threads(3)
    assert implementations.session_threads(FakeTorch, 5) == 5
    assert implementations.session_threads(FakeTorch) == 7
    assert implementations.session_threads(None) == 3


def test_machine_table_gives_the_thread_counts_and_the_cpus():
    about = machine.describe(None, None, 3, 4)
    assert about["softmax_lib_threads"] == [1, 3] and about["torch_threads_all"] is None
    assert 1 <= about["cpus_available"] <= about["logical_cores"]
    settings = {"repeats": 2, "resamples": 10}
    noise = {"load_average_before": None, "load_average_after": None}
    rows = {row["property"]: row["value"] for row in report.machine_rows(about, settings, noise)}
    assert rows["softmax_lib"] == "timed with 1 thread and with 3 (its default is 4)"
    assert rows["CPUs available to the benchmark"] == about["cpus_available"]
    assert rows["PyTorch"] == "not installed"


@pytest.mark.parametrize("before, after", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_pytorch_threads_sleep_between_calls_unless_the_user_says_otherwise(
        monkeypatch, before, after):
    # Spinning OpenMP threads would take the CPUs of the next implementation timed.
    monkeypatch.setattr(implementations, "_torch_imported_before", False)
    monkeypatch.setenv("OMP_WAIT_POLICY", "")  # so that the test's value is undone
    if before is None:
        monkeypatch.delenv("OMP_WAIT_POLICY")
    else:
        monkeypatch.setenv("OMP_WAIT_POLICY", before)
    monkeypatch.setitem(sys.modules, "torch", None)
    implementations.load_torch()
    assert implementations.openmp_wait_policy() == after


def test_the_wait_policy_is_unknown_when_pytorch_was_imported_before(monkeypatch):
    # OpenMP has read the variable already: setting it now would be a claim, not a fact.
    monkeypatch.setattr(implementations, "_torch_imported_before", False)
    monkeypatch.setenv("OMP_WAIT_POLICY", "")
    monkeypatch.delenv("OMP_WAIT_POLICY")
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    torch, _ = implementations.load_torch()
    assert torch is sys.modules["torch"]
    assert "OMP_WAIT_POLICY" not in os.environ
    assert implementations.openmp_wait_policy() == "unknown"


def test_machine_table_names_the_openmp_wait_policy_of_pytorch():
    class FakeTorch:
        __version__ = "9.9"

    about = machine.describe(FakeTorch, 2, 2, 2, "PASSIVE")
    settings = {"repeats": 2, "resamples": 10}
    noise = {"load_average_before": None, "load_average_after": None}
    rows = {row["property"]: row["value"] for row in report.machine_rows(about, settings, noise)}
    assert rows["PyTorch"] == (
        "9.9, CPU; timed with 1 thread and with 2 (its default is 2); OMP_WAIT_POLICY=PASSIVE"
    )


def test_everything_runs_without_pytorch(monkeypatch, tmp_path, thread_count):
    with monkeypatch.context() as patch:
        # "import torch" fails; only here, since SciPy looks PyTorch up in sys.modules.
        patch.setitem(sys.modules, "torch", None)
        patch.setenv("OMP_WAIT_POLICY", "")  # load_torch sets it: undo that afterwards
        patch.delenv("OMP_WAIT_POLICY")
        torch, why_not = implementations.load_torch()
    assert torch is None and "not installed" in why_not
    threads = implementations.session_threads(None)
    about = machine.describe(None, None, threads, threads)
    results = speed.measure([(8, 10), (4, 20)], ["float32"], 2, None, threads)
    assert {peer for r in results for peer in r.interval} == {SCIPY_ALL, SCIPY_ONE}
    noise = report.noise(results, 0.1, 0.2, 2, machine=about)
    answers = report.speed_answers(results, about)
    settings = {"repeats": 2, "resamples": 10}
    report.write_speed(tmp_path, about, settings, results, noise, answers)
    figure.draw_speed(results, about, tmp_path / "speed.png")
    assert [a["peer"] for a in answers] == [SCIPY_ONE, SCIPY_ONE, SCIPY_ALL, SCIPY_ALL]
    written = {p.name for p in tmp_path.iterdir()}
    assert {"speed_vs_scipy.csv", "speed_vs_scipy_1.csv", "speed.png"} <= written
    assert not any("torch" in name for name in written)
    assert softmax_lib.get_num_threads() == thread_count


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
        assert {OURS_ONE, OURS_ALL, SCIPY_ONE, SCIPY_ALL, COPY} <= set(r["median_s"])
        assert all(_positive_finite(t) for t in r["median_s"].values()), r
        assert all(len(times) == repeats for times in r["times_s"].values())
        for peer, interval in r["interval"].items():
            assert interval["low"] <= interval["ratio"] <= interval["high"]
            assert interval["verdict"] == stats.classify(interval["low"], interval["high"])
            # The ratio is the median of the ratios of the pairs, as documented.
            assert r["paired_with"][peer] == PAIRS[peer]
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
    threads = document["machine"]["threads_all"]
    questions = [row["question"] for row in _csv(output / "speed_summary.csv")]
    expected = [title for title, peer, _ in report.speed_questions(document["machine"])
                if document["machine"]["torch"] or peer not in (TORCH_ONE, TORCH_ALL)]
    assert questions[:-1] == expected
    assert questions[0] == "No slower than SciPy anywhere, both on 1 thread?"
    assert (
        f"No slower than SciPy anywhere (softmax_lib on {threads} thread"
        f"{'' if threads == 1 else 's'}, SciPy on its one)?"
    ) in questions
    assert questions[-1].startswith("softmax_lib's bandwidth on 1 thread")
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
    threads = machine_info["threads_all"]
    assert machine_info["softmax_lib_threads"] == [1, threads]
    assert {row["softmax_lib"] for row in table} == {implementations.threads_text(threads)}
    assert {row["softmax_lib"] for row in _csv(output / "speed_vs_scipy_1.csv")} == {"1 thread"}
    if machine_info["torch"]:
        assert machine_info["torch_threads_all"] == threads
        results = _speed_document(output)["results"]
        assert all(set(PAIRS) == set(r["interval"]) for r in results)
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
    assert answers.startswith("- No slower than SciPy anywhere, both on 1 thread?")


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
    assert {"CPU", "Logical cores", "CPUs available to the benchmark", "softmax_lib", "NumPy",
            "SciPy", "Date of the run"} <= set(machine_rows)
    assert len(_csv(output / "speed_vs_scipy.csv")) == 15
    assert len(_csv(output / "speed_vs_scipy_1.csv")) == 15
    assert len(_csv(output / "noise.csv")) >= 5
    assert len(_csv(output / "accuracy_summary.csv")) >= 3
    for function in ROW_FUNCTIONS:
        rows = _csv(output / f"accuracy_{function}.csv")
        assert {row["dtype"] for row in rows} == {"float32", "float64"}
    for name in ("speed.png", "ablation.png", "accuracy_shift.png"):
        png = (output / name).read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000, name


PAGE = REPO_ROOT / "book" / "performance.md"
# Written by the page-speed audit (python -m benchmarks.site), not by this benchmark.
AUDIT_FILES = {"lighthouse.csv", "lighthouse_machine.csv"}


def _page_files():
    """Every file of performance_data/ that the page includes, tables, text and figures."""
    text = PAGE.read_text(encoding="utf-8")
    return set(re.findall(r"(?::file:|\{include\}|\{figure\}) performance_data/(\S+)", text))


def test_the_run_writes_every_file_the_page_includes(quick_run):
    _, output = quick_run
    included = _page_files()
    assert {"speed_vs_scipy.csv", "speed_vs_scipy_1.csv", "speed_answers.md",
            "speed.png", "bandwidth.csv"} <= included  # the pattern finds every kind
    assert AUDIT_FILES <= included
    missing = sorted(included - AUDIT_FILES - {p.name for p in output.iterdir()})
    if not _speed_document(output)["machine"]["torch"]:
        missing = [name for name in missing if "torch" not in name]
    assert missing == []
    # ... and the page shows every comparison's table.
    tables = {f"{c.table}.csv" for c in implementations.COMPARISONS}
    assert tables <= included


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

