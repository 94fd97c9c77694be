"""Tables on stdout, results files (JSON, CSV, Markdown), and the answers the page gives.

Files written into the output folder (the book's page "Performance and
accuracy" shows them; every sentence the page takes from here is computed
from the numbers, never typed):

* ``speed.json``: everything measured: every repeat's time, medians,
  spreads, every ratio with its interval and verdict, bandwidths, the
  machine, the settings, the noise and the summary's answers;
* ``speed_summary.csv``: the yes/no questions, answered from the intervals,
  one per comparison (and per reference, SciPy's functions or the NumPy
  cross-entropy), each naming its thread counts;
* one table per comparison of
  :data:`~benchmarks.implementations.COMPARISONS`, every ratio with its
  95 % interval and verdict: ``speed_vs_scipy.csv`` (softmax_lib on all
  threads / SciPy), ``speed_vs_scipy_1.csv`` (both on one thread),
  ``speed_vs_torch_1.csv`` and ``speed_vs_torch_all.csv`` (PyTorch on one
  thread and on all, softmax_lib likewise); ``peers.csv``: what each
  column runs;
* ``speed_times.csv``: every median time, each series named with its
  thread count; ``bandwidth.csv``: softmax_lib's effective bandwidth on one
  thread next to a copy's, which runs on one thread too;
* ``machine.csv`` and ``noise.csv``: what the speed was measured on, and how
  noisy it was; ``speed_noise.md``: the load and the noise in sentences;
  ``speed_answers.md``: the answers in sentences, ties and slower cases named;
* ``ablation.json``, ``ablation.csv`` and ``ablation_notes.md``: the
  library's algorithm with one feature off (:mod:`benchmarks.ablation`);
* ``accuracy.json``, ``accuracy_<function>.csv``, ``accuracy_summary.csv``:
  errors in ulps per implementation, dtype and case; ``accuracy_shift.csv``
  and ``accuracy_shift_notes.md``: the error against ``|z - m|``.
"""

import csv
import dataclasses
import json
import math
import statistics

from . import ablation as ablation_module
from .implementations import (
    COMPARISON_OF,
    COMPARISONS,
    COPY,
    OURS,
    OURS_ALL,
    OURS_ONE,
    ROW_FUNCTIONS,
    SCIPY,
    SCIPY_ALL,
    SCIPY_ONE,
    SERIES_ORDER,
    SPEED_FUNCTIONS,
    TORCH,
    TORCH_ALL,
    TORCH_ONE,
    peer_name,
    series_title,
    threads_text,
)
from .stats import FASTER, SLOWER, TIE, answer_no_slower, verdict_counts

TINY_TERM_CASE = "tiny second term"
WIDE_CASE = "wide random rows"
QUIET_LOAD = 0.5  # a 1-minute load average below this counts as an idle machine
CROSS_ENTROPY = ("cross_entropy", "cross_entropy + grad")


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


def shape_text(shape):
    return "×".join(str(n) for n in shape)


def ms(seconds):
    return "" if seconds is None else f"{seconds * 1e3:.3g}"


def ratio_text(ratio, low, high):
    """``0.85 (0.81–0.90)``: a ratio and its 95 % interval.

    Two decimals, or three when an end of the interval would print as 1.00
    without being 1: the verdict is decided by which side of 1 the interval
    lies, and the text must show it.
    """
    digits = 3 if any(f"{end:.2f}" == "1.00" and end != 1.0 for end in (low, high)) else 2
    return f"{ratio:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def interval_text(interval):
    """:func:`ratio_text` of an interval."""
    return ratio_text(interval.ratio, interval.low, interval.high)


def record_text(record):
    """The same from a stored record (``{"ratio", "low", "high", ...}``)."""
    return ratio_text(record["ratio"], record["low"], record["high"])


def cell_text(interval):
    return "n/a" if interval is None else f"{interval_text(interval)} {interval.verdict}"


def percent(value):
    return f"{100 * value:.1f} %"


def ulps(value):
    """An error in ulps: 0, two decimals, or three significant digits when large."""
    if value is None:
        return ""
    if math.isinf(value):
        return "inf"
    if value == 0:
        return "0"
    if value < 100:
        return f"{value:.2f}"
    return f"{value:.3g}"


def text_table(rows):
    """Rows (dicts with the same keys) as a fixed-width text table."""
    if not rows:
        return ""
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in keys}
    lines = ["  ".join(k.rjust(widths[k]) for k in keys)]
    lines.append("  ".join("-" * widths[k] for k in keys))
    lines += ["  ".join(str(r[k]).rjust(widths[k]) for k in keys) for r in rows]
    return "\n".join(lines)


def column_title(series, machine):
    """The title of a timed series: softmax_lib's and PyTorch's say how many threads they used."""
    return series_title(series, machine.get("threads_all"))


def comparison_title(comparison, machine):
    """``softmax_lib, 2 threads / SciPy (1 thread)``: both sides with their thread counts."""
    if comparison.peer in (SCIPY_ONE, SCIPY_ALL):
        peer = f"{SCIPY} ({threads_text(1)})"  # SciPy computes on one thread in either session
    else:
        peer = column_title(comparison.peer, machine)
    return f"{column_title(comparison.ours, machine)} / {peer}"


def comparisons_of(results):
    """The comparisons of :data:`COMPARISONS` that ``results`` hold, in that order."""
    timed = {peer for r in results for peer in r.interval}
    return [c for c in COMPARISONS if c.peer in timed]


# --------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------


def speed_rows(results, machine):
    """The printed speed table: one row per function, dtype and shape, a column per comparison."""
    comparisons = comparisons_of(results)
    rows = []
    for r in results:
        row = {
            "function": r.function,
            "dtype": r.dtype,
            "shape": shape_text(r.shape),
        }
        for series in (OURS_ONE, OURS_ALL):
            row[f"{column_title(series, machine)} ms"] = ms(r.median_s.get(series))
        for comparison in comparisons:
            row[comparison_title(comparison, machine)] = cell_text(
                r.interval.get(comparison.peer))
        row["1 thread, % of copy"] = f"{100 * r.fraction_of_copy():.0f}"
        rows.append(row)
    return rows


def peer_rows(results, comparison, machine):
    """The book's table of one comparison: a row per function and shape, dtypes side by side."""
    cells = {(r.function, r.shape, r.dtype): r for r in results}
    dtypes = list(dict.fromkeys(r.dtype for r in results))
    ours = column_title(comparison.ours, machine)
    rows = []
    for function, shape in dict.fromkeys((r.function, r.shape) for r in results):
        row = {
            "function": function,
            "softmax_lib": ours.removeprefix(f"{OURS}, "),
            "peer": peer_name(function, comparison.peer, machine.get("threads_all")),
            "shape": shape_text(shape),
        }
        for dtype in dtypes:
            r = cells.get((function, shape, dtype))
            row[dtype] = cell_text(r.interval.get(comparison.peer) if r else None)
        rows.append(row)
    return rows


def peer_name_rows(machine):
    """What every column runs, per function (the honest names)."""
    threads = machine.get("threads_all")
    rows = []
    for function in SPEED_FUNCTIONS:
        row = {"function": function, f"{SCIPY} column": peer_name(function, SCIPY)}
        if machine.get("torch"):
            row["PyTorch columns"] = peer_name(function, TORCH_ONE).replace(", 1 thread", "") + (
                f" (1 thread, and {threads})"
            )
        rows.append(row)
    return rows


def time_rows(results, machine):
    """Every median time in ms, series side by side, each titled with its thread count."""
    timed = {name for r in results for name in r.median_s}
    names = [name for name in SERIES_ORDER if name in timed]
    rows = []
    for r in results:
        row = {"function": r.function, "dtype": r.dtype, "shape": shape_text(r.shape)}
        for name in names:
            row[f"{column_title(name, machine)} (ms)"] = ms(r.median_s.get(name))
        rows.append(row)
    return rows


def bandwidth_rows(results):
    """The book's bandwidth table: softmax_lib's GB/s and its share of a copy's, per dtype.

    Both on one thread: the copy (``np.copyto``) uses one, so softmax_lib's
    share is taken from its one-thread series.
    """
    cells = {(r.function, r.shape, r.dtype): r for r in results}
    dtypes = list(dict.fromkeys(r.dtype for r in results))
    rows = []
    for function, shape in dict.fromkeys((r.function, r.shape) for r in results):
        row = {"function": function, "shape": shape_text(shape)}
        for dtype in dtypes:
            r = cells.get((function, shape, dtype))
            row[f"{dtype} GB/s, 1 thread (% of copy)"] = (
                f"{r.gbps(OURS_ONE):.2f} ({100 * r.fraction_of_copy(OURS_ONE):.0f} %)"
                if r else "n/a"
            )
        rows.append(row)
    return rows


def _comparisons(results, peer, functions):
    return [
        (r, r.interval[peer]) for r in results if peer in r.interval and r.function in functions
    ]


def _worst(comparisons):
    """The comparison with the largest ratio (softmax_lib's least favourable)."""
    return max(comparisons, key=lambda item: item[1].ratio)


def _question(title, comparisons):
    """A yes/tie/no question answered from the intervals of ``comparisons``."""
    intervals = [interval for _, interval in comparisons]
    counts = verdict_counts(intervals)
    worst_r, worst = _worst(comparisons)
    return {
        "question": title,
        "answer": answer_no_slower(intervals),
        "faster": counts[FASTER],
        "tie": counts[TIE],
        "slower": counts[SLOWER],
        "worst_case": worst_r.case,
        "worst": worst.as_dict(),
        "ties": [r.case for r, i in comparisons if i.verdict == TIE],
        "slower_cases": [r.case for r, i in comparisons if i.verdict == SLOWER],
    }


def speed_questions(machine):
    """The summary's questions: ``(title, peer series, functions)``, in the order asked.

    One per comparison; SciPy's are asked twice, for its own functions and
    for the NumPy cross-entropy around ``scipy.special.log_softmax``, which
    is not SciPy's. Each title names the thread counts on both sides.
    """
    threads = machine.get("threads_all")
    every = threads_text(threads) if threads is not None else "all threads"
    row_functions, cross_entropy = set(ROW_FUNCTIONS), set(CROSS_ENTROPY)
    reference = "the NumPy + scipy.special.log_softmax cross-entropy"
    return [  # per core first, as in COMPARISONS
        ("No slower than SciPy anywhere, both on 1 thread?", SCIPY_ONE, row_functions),
        (f"No slower than {reference} anywhere, both on 1 thread?", SCIPY_ONE, cross_entropy),
        ("No slower than PyTorch anywhere, both on 1 thread?", TORCH_ONE, set(SPEED_FUNCTIONS)),
        (f"No slower than SciPy anywhere (softmax_lib on {every}, SciPy on its one)?",
         SCIPY_ALL, row_functions),
        (f"No slower than {reference} anywhere (softmax_lib on {every}, the reference on "
         "its one)?", SCIPY_ALL, cross_entropy),
        (f"No slower than PyTorch anywhere, both on {every}?", TORCH_ALL, set(SPEED_FUNCTIONS)),
    ]


def speed_answers(results, machine):
    """The summary's questions (:func:`speed_questions`), each answered from the intervals.

    An answer is "yes" when every comparison is faster, "no" when any is
    slower, and "tie" otherwise; a question with nothing timed (PyTorch not
    installed) is left out.
    """
    answers = []
    for title, peer, functions in speed_questions(machine):
        comparisons = _comparisons(results, peer, functions)
        if comparisons:
            answers.append({**_question(title, comparisons), "peer": peer,
                            "paired_with": COMPARISON_OF[peer].ours})
    return answers


def answer_detail(answer):
    """``18 faster, 0 tie, 0 slower; worst 0.94 (0.90–0.97), softmax float64 1000×10000``."""
    return (
        f"{answer['faster']} faster, {answer['tie']} tie, {answer['slower']} slower; worst "
        f"{record_text(answer['worst'])}, {answer['worst_case']}"
    )


def noise(results, load_before, load_after, cores, waited_s=None, machine=None):
    """How noisy the timings were: spreads of the series, widths of the intervals, the load.

    ``machine`` (:func:`benchmarks.machine.describe`) gives the thread
    counts the series and comparisons are named with.
    """
    machine = machine or {}
    spreads = [(s, r, name) for r in results for name, s in r.spread.items()]
    widths = [
        ((i.high - i.low) / i.ratio, r, peer) for r in results for peer, i in r.interval.items()
    ]
    summary = {
        "median_spread": statistics.median(s for s, _, _ in spreads) if spreads else None,
        "max_spread": max(s for s, _, _ in spreads) if spreads else None,
        "max_spread_at": "",
        "median_interval_width": statistics.median(w for w, _, _ in widths) if widths else None,
        "max_interval_width": max(w for w, _, _ in widths) if widths else None,
        "max_interval_width_at": "",
        "load_average_before": load_before,
        "load_average_after": load_after,
        "waited_for_quiet_s": waited_s,
        "quiet": load_before is not None and load_before < QUIET_LOAD,
        "logical_cores": cores,
    }
    if spreads:
        _, r, name = max(spreads, key=lambda item: item[0])
        summary["max_spread_at"] = f"{column_title(name, machine)}, {r.case}"
    if widths:
        _, r, peer = max(widths, key=lambda item: item[0])
        title = comparison_title(COMPARISON_OF[peer], machine)
        summary["max_interval_width_at"] = f"{title}, {r.case}"
    return summary


def noise_rows(summary):
    """The noise table of the book."""
    rows = [
        ("Load average (1 minute) before the run", _load(summary["load_average_before"])),
        ("Load average (1 minute) after the run", _load(summary["load_average_after"])),
        ("Idle machine before the run (load below 0.5)?", "yes" if summary["quiet"] else "no"),
        ("Spread of a series of repeats, median (IQR / median)",
         percent(summary["median_spread"])),
        ("Spread of a series of repeats, worst",
         f"{percent(summary['max_spread'])} ({summary['max_spread_at']})"),
        ("Width of a 95 % interval, median (relative to its ratio)",
         percent(summary["median_interval_width"])),
        ("Width of a 95 % interval, widest",
         f"{percent(summary['max_interval_width'])} ({summary['max_interval_width_at']})"),
    ]
    return [{"measure": key, "value": value} for key, value in rows]


def _load(value):
    return "unknown" if value is None else f"{value:.2f}"


def noise_text(summary):
    """The noise in sentences (the page includes them as they are)."""
    before, after = summary["load_average_before"], summary["load_average_after"]
    cores = summary["logical_cores"]
    waited = summary["waited_for_quiet_s"]
    wait_text = "" if not waited else f", after waiting {waited:.0f} s for it to fall"
    if summary["quiet"]:
        load = (
            f"The machine was idle before the run: the 1-minute load average was "
            f"{before:.2f}{wait_text}, below the threshold of {QUIET_LOAD}."
        )
    elif before is None:
        load = "The load average of the machine could not be read."
    else:
        load = (
            f"**The machine was busy.** Before the run the 1-minute load average was "
            f"{before:.2f}{wait_text}, above the threshold of {QUIET_LOAD} for an idle machine, "
            f"on {cores} logical cores: other processes competed for the processor while the "
            "timings were taken, so the intervals are wider and ties more likely than on an "
            "idle machine."
        )
    if after is not None:
        load += (f" After the run it was {after:.2f} (the benchmark itself adds about 1, "
                 "and more while it runs on several threads).")
    spread = (
        f"The middle half of a series of repeats spanned {percent(summary['median_spread'])} "
        f"of its median (the median over all series; the worst, "
        f"{percent(summary['max_spread'])}, was {summary['max_spread_at']}). A 95 % interval "
        f"was {percent(summary['median_interval_width'])} of its ratio wide (median; the "
        f"widest, {percent(summary['max_interval_width'])}, was "
        f"{summary['max_interval_width_at']})."
    )
    return f"{load} {spread}"


def speed_summary_rows(answers, results):
    rows = [{"question": a["question"], "answer": a["answer"], "detail": answer_detail(a)}
            for a in answers]
    fractions = [r.fraction_of_copy(OURS_ONE) for r in results]
    copies = [r.gbps(COPY) for r in results]
    rows.append(
        {
            "question": "softmax_lib's bandwidth on 1 thread as a share of a plain copy's "
            "(np.copyto, 1 thread)",
            "answer": f"{100 * statistics.median(fractions):.0f} % (median)",
            "detail": f"{100 * min(fractions):.0f} % to {100 * max(fractions):.0f} %; the copy "
            f"itself ran at {statistics.median(copies):.1f} GB/s (median)",
        }
    )
    return rows


def answers_text(answers):
    """The answers in sentences, ties and slower cases named."""
    lines = []
    for a in answers:
        line = f"{a['question']} **{a['answer']}**: {answer_detail(a)}."
        if a["slower_cases"]:
            line += " Slower: " + "; ".join(a["slower_cases"]) + "."
        if a["ties"]:
            line += " Tie: " + "; ".join(a["ties"]) + "."
        lines.append(line)
    return lines


def worst_interval(results, machine=None):
    """softmax_lib's least favourable comparison of all: the largest ratio, with its interval."""
    comparisons = [(r, peer, i) for r in results for peer, i in r.interval.items()]
    r, peer, interval = max(comparisons, key=lambda item: item[2].ratio)
    title = comparison_title(COMPARISON_OF[peer], machine or {})
    return {"case": r.case, "peer": peer, "comparison": title, **interval.as_dict()}


def machine_rows(machine, settings, noise_summary):
    """The machine table of the book: property and value."""
    rows = [
        ("CPU", machine["cpu"]),
        ("Logical cores", machine["logical_cores"]),
        ("CPUs available to the benchmark", machine["cpus_available"]),
        ("System", f"{machine['system']} ({machine['architecture']})"),
        ("Python", machine["python"]),
        ("NumPy", machine["numpy"]),
        ("SciPy", machine["scipy"]),
        ("softmax_lib", _ours_text(machine)),
        ("PyTorch", _torch_text(machine)),
        ("Repeats per measurement", settings["repeats"]),
        ("Bootstrap", f"{settings['resamples']} resamples of the paired repeats, 95 % "
         "percentile interval, seeded"),
        (
            "Load average before / after",
            f"{_load(noise_summary['load_average_before'])} / "
            f"{_load(noise_summary['load_average_after'])}",
        ),
        ("Date of the run", machine["date"]),
    ]
    return [{"property": key, "value": value} for key, value in rows]


def _ours_text(machine):
    first, every = machine["softmax_lib_threads"]
    return (
        f"timed with {first} thread and with {every} "
        f"(its default is {machine['softmax_lib_threads_default']})"
    )


def _torch_text(machine):
    if not machine.get("torch"):
        return "not installed"
    threads = machine["torch_threads_all"]
    policy = machine.get("openmp_wait_policy")
    return (
        f"{machine['torch']}, CPU; timed with 1 thread and with {threads} "
        f"(its default is {machine['torch_threads_default']}); "
        + ("OMP_WAIT_POLICY unset" if policy is None else f"OMP_WAIT_POLICY={policy}")
    )


# --------------------------------------------------------------------------
# Ablation
# --------------------------------------------------------------------------


def ablation_rows(results):
    """A row per variant, function and shape; each dtype's ratio to the full mirror."""
    cells = {(r.function, r.shape, r.dtype): r for r in results}
    dtypes = list(dict.fromkeys(r.dtype for r in results))
    variants = [ablation_module.LIBRARY, *list(ablation_module.VARIANTS)[1:]]
    rows = []
    for variant in variants:
        for function, shape in dict.fromkeys((r.function, r.shape) for r in results):
            row = {"variant": variant, "function": function, "shape": shape_text(shape)}
            timed = False
            for dtype in dtypes:
                r = cells.get((function, shape, dtype))
                interval = r.interval.get(variant) if r else None
                row[dtype] = cell_text(interval)
                timed = timed or interval is not None
            if timed:  # a variant is timed only for the functions that use its feature
                rows.append(row)
    return rows


def ablation_findings(results):
    """One record per variant: range of its ratios and how many are slower, tie or faster."""
    findings = []
    for variant in [*list(ablation_module.VARIANTS)[1:], ablation_module.LIBRARY]:
        intervals = [(r, r.interval[variant]) for r in results if variant in r.interval]
        if not intervals:
            continue
        counts = verdict_counts(i for _, i in intervals)
        low = min(intervals, key=lambda item: item[1].ratio)
        high = max(intervals, key=lambda item: item[1].ratio)
        by_dtype = {}
        for dtype in dict.fromkeys(r.dtype for r, _ in intervals):
            ratios = [i.ratio for r, i in intervals if r.dtype == dtype]
            by_dtype[dtype] = {"min": min(ratios), "max": max(ratios)}
        findings.append(
            {
                "variant": variant,
                "counts": counts,
                "lowest": {"case": low[0].case, **low[1].as_dict()},
                "highest": {"case": high[0].case, **high[1].as_dict()},
                "by_dtype": by_dtype,
                "measurements": len(intervals),
            }
        )
    return findings


def _counts_text(counts, measurements):
    parts = [f"{counts[v]} {v}" for v in (SLOWER, TIE, FASTER) if counts[v]]
    return ", ".join(parts) + f" (of {measurements})"


def ablation_text(findings):
    """The ablation in sentences: what each feature buys, from the ratios alone."""
    lines = []
    for f in findings:
        ranges = "; ".join(
            f"{dtype} {v['min']:.2f} to {v['max']:.2f}" for dtype, v in f["by_dtype"].items()
        )
        if f["variant"] == ablation_module.LIBRARY:
            lines.append(
                f"- **The library itself**, on {threads_text(ablation_module.LIBRARY_THREADS)} "
                f"like its mirror, timed beside it: time ratio library / mirror "
                f"{ranges}; {_counts_text(f['counts'], f['measurements'])}."
            )
            continue
        if f["variant"] == ablation_module.NONE_ON:
            what = "**With none of the features** (plain NumPy expressions in the input's dtype)"
        else:
            feature = f["variant"].removeprefix("without ")
            what = f"**Without {ablation_module.FEATURE_TEXT[feature]}**"
        counts = f["counts"]
        subject = (
            "the features together" if f["variant"] == ablation_module.NONE_ON else "the feature"
        )
        if counts[SLOWER] and not counts[FASTER]:
            verdict = f"{subject} saved time wherever a difference was measured"
        elif counts[FASTER] and not counts[SLOWER]:
            verdict = f"{subject} cost time wherever a difference was measured"
        elif counts[FASTER] and counts[SLOWER]:
            verdict = f"{subject} saved time in some cases and cost time in others"
        else:
            verdict = "no difference was measured"
        lines.append(
            f"- {what}: time ratio variant / all features {ranges}; "
            f"{_counts_text(counts, f['measurements'])}: {verdict}. Largest: "
            f"{record_text(f['highest'])} at {f['highest']['case']}."
        )
    return lines


# --------------------------------------------------------------------------
# Accuracy
# --------------------------------------------------------------------------


def accuracy_rows(results, function):
    """The accuracy table of one function: a row per dtype and case, implementations side by side.

    Each cell is "maximum / median" error in ulps.
    """
    cells = {(r.dtype, r.case, r.implementation): r for r in results if r.function == function}
    keys = list(dict.fromkeys((r.dtype, r.case) for r in results if r.function == function))
    rows = []
    for dtype, case in keys:
        row = {"dtype": dtype, "case": case}
        for name in (OURS, SCIPY, TORCH):
            cell = cells.get((dtype, case, name))
            row[name] = f"{ulps(cell.max_ulp)} / {ulps(cell.median_ulp)}" if cell else "n/a"
        rows.append(row)
    return rows


ULP_TARGETS = {  # (function, dtype): largest error allowed anywhere, in ulps
    ("softmax", "float32"): 1.0,
    ("log_softmax", "float32"): 1.0,
    ("softmax", "float64"): 4.0,
    ("log_softmax", "float64"): 2.0,
}
WIDE_ROWS_FACTOR = 8.0  # float32 softmax on wide rows: at least this many times SciPy's accuracy


def accuracy_targets(results):
    """The accuracy targets, checked from the numbers.

    At least as accurate as SciPy everywhere; strictly better on float32's
    tiny second term; the largest errors of :data:`ULP_TARGETS`; and on the
    wide random rows, the float32 softmax's largest error at most 1/8 of
    SciPy's.
    """
    cells = {(r.function, r.dtype, r.case, r.implementation): r for r in results}
    worse, better_tiny = [], []
    for (function, dtype, case, name), ours in cells.items():
        if name != OURS:
            continue
        theirs = cells[(function, dtype, case, SCIPY)]
        if ours.max_ulp > theirs.max_ulp:
            worse.append(
                f"{function} {dtype} {case}: {ulps(ours.max_ulp)} vs {ulps(theirs.max_ulp)} ulps"
            )
        if dtype == "float32" and case == TINY_TERM_CASE and ours.max_ulp < theirs.max_ulp:
            better_tiny.append(function)
    bounds = []
    for (function, dtype), bound in ULP_TARGETS.items():
        mine = [r for r in results if (r.function, r.dtype, r.implementation)
                == (function, dtype, OURS)]
        if not mine:
            continue
        worst = max(mine, key=lambda r: r.max_ulp)
        bounds.append({"function": function, "dtype": dtype, "bound_ulp": bound,
                       "max_ulp": _json_number(worst.max_ulp), "case": worst.case,
                       "met": worst.max_ulp <= bound})
    wide = None
    ours_wide = cells.get(("softmax", "float32", WIDE_CASE, OURS))
    scipy_wide = cells.get(("softmax", "float32", WIDE_CASE, SCIPY))
    if ours_wide and scipy_wide:
        factor = scipy_wide.max_ulp / ours_wide.max_ulp if ours_wide.max_ulp else math.inf
        wide = {"ours_max_ulp": ours_wide.max_ulp, "scipy_max_ulp": scipy_wide.max_ulp,
                "factor": _json_number(factor), "met": factor >= WIDE_ROWS_FACTOR}
    return {
        "at_least_as_accurate_as_scipy": not worse,
        "less_accurate_than_scipy": worse,
        "strictly_better_on_float32_tiny_term": better_tiny,
        "largest_errors": bounds,
        "float32_wide_rows_vs_scipy": wide,
    }


def accuracy_targets_text(targets):
    lines = []
    if targets["at_least_as_accurate_as_scipy"]:
        lines.append("Target met: softmax_lib is at least as accurate as SciPy on every case.")
    else:
        lines.append(
            "Target NOT met: softmax_lib is less accurate than SciPy on "
            + "; ".join(targets["less_accurate_than_scipy"])
        )
    better = targets["strictly_better_on_float32_tiny_term"]
    lines.append(
        "Strictly more accurate than SciPy on the float32 tiny second term: "
        + (", ".join(better) if better else "none (target NOT met)")
    )
    for b in targets["largest_errors"]:
        lines.append(
            f"{b['function']} {b['dtype']}: largest error {ulps(_number(b['max_ulp']))} ulps "
            f"({b['case']}), target {b['bound_ulp']:g}: {'met' if b['met'] else 'NOT met'}"
        )
    wide = targets["float32_wide_rows_vs_scipy"]
    if wide:
        lines.append(
            f"float32 softmax on wide random rows: {ulps(wide['ours_max_ulp'])} ulps against "
            f"SciPy's {ulps(wide['scipy_max_ulp'])}, {_factor(wide['factor'])} times more "
            f"accurate, target {WIDE_ROWS_FACTOR:g}: {'met' if wide['met'] else 'NOT met'}"
        )
    return "\n".join(lines)


def _number(value):
    return math.inf if value == "inf" else value


def _factor(value):
    value = _number(value)
    return "infinitely" if math.isinf(value) else f"{value:.1f}"


def accuracy_summary_rows(results, targets):
    """Where softmax_lib stands on accuracy, in a few rows for the book."""
    rows = [
        {
            "question": "At least as accurate as SciPy on every case (maximum error)?",
            "answer": "yes" if targets["at_least_as_accurate_as_scipy"] else "no",
            "detail": "; ".join(targets["less_accurate_than_scipy"]) or "no exception",
        },
        {
            "question": "Strictly more accurate than SciPy on the float32 tiny second term?",
            "answer": "yes" if targets["strictly_better_on_float32_tiny_term"] else "no",
            "detail": "for "
            + (", ".join(targets["strictly_better_on_float32_tiny_term"]) or "none"),
        },
    ]
    for b in targets["largest_errors"]:
        rows.append(
            {
                "question": f"{b['dtype']} {b['function']} within {b['bound_ulp']:g} ulp"
                f"{'' if b['bound_ulp'] == 1 else 's'} on every case?",
                "answer": "yes" if b["met"] else "no",
                "detail": f"largest {ulps(_number(b['max_ulp']))} ulps ({b['case']})",
            }
        )
    wide = targets["float32_wide_rows_vs_scipy"]
    if wide:
        rows.append(
            {
                "question": f"float32 softmax at least {WIDE_ROWS_FACTOR:g} times as accurate as "
                "SciPy's on the wide random rows (largest error)?",
                "answer": "yes" if wide["met"] else "no",
                "detail": f"{ulps(wide['ours_max_ulp'])} against {ulps(wide['scipy_max_ulp'])} "
                f"ulps: {_factor(wide['factor'])} times",
            }
        )
    for name in dict.fromkeys(r.implementation for r in results):
        worst = max((r for r in results if r.implementation == name), key=lambda r: r.max_ulp)
        rows.append(
            {
                "question": f"Largest error of {name}",
                "answer": f"{ulps(worst.max_ulp)} ulps",
                "detail": f"{worst.function}, {worst.dtype}, {worst.case}",
            }
        )
    return rows


def shift_rows(fit):
    """The table beside the figure: per implementation and dtype, largest error and slope."""
    names = list(dict.fromkeys(name for per_dtype in fit.values() for name in per_dtype))
    rows = []
    for name in names:
        row = {"implementation": name}
        for dtype, per_dtype in fit.items():
            if name in per_dtype:
                entry = per_dtype[name]
                row[f"{dtype} largest (ulps)"] = ulps(entry["max_ulp"])
                row[f"{dtype} slope (ulps per unit of |z − m|)"] = f"{entry['slope']:.3f}"
        rows.append(row)
    return rows


def shift_text(fit, counts):
    """The figure's findings in sentences, from the fitted slopes and the largest errors."""
    lines = []
    for dtype, per_dtype in fit.items():
        parts = [
            f"{name}: largest {ulps(entry['max_ulp'])} ulps, slope {entry['slope']:.3f}"
            for name, entry in per_dtype.items()
        ]
        lines.append(f"- **{dtype}** ({counts[dtype]} entries): " + "; ".join(parts) + ".")
    return lines


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _write_text(path, lines):
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def _json_number(value):
    """JSON has no infinity: large errors are written as the string "inf"."""
    return "inf" if isinstance(value, float) and math.isinf(value) else value


def _dump(path, document):
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _speed_record(r):
    record = {
        "function": r.function,
        "dtype": r.dtype,
        "shape": list(r.shape),
        "median_s": r.median_s,
        "spread": r.spread,
        "interval": {peer: i.as_dict() for peer, i in r.interval.items()},
        "paired_with": r.paired_with,
        "gbps": {name: r.gbps(name) for name in r.median_s},
        "fraction_of_copy": r.fraction_of_copy(),
        "floor_bytes": r.floor_bytes,
        "copy_bytes": r.copy_bytes,
        "times_s": r.times_s,
    }
    return record


def write_speed(folder, machine, settings, results, noise_summary, answers):
    folder.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": machine,
        "settings": settings,
        "noise": noise_summary,
        "answers": answers,
        "worst_interval": worst_interval(results, machine),
        "results": [_speed_record(r) for r in results],
    }
    _dump(folder / "speed.json", document)
    _write_csv(folder / "speed_summary.csv", speed_summary_rows(answers, results))
    for comparison in comparisons_of(results):
        _write_csv(folder / f"{comparison.table}.csv", peer_rows(results, comparison, machine))
    _write_csv(folder / "peers.csv", peer_name_rows(machine))
    _write_csv(folder / "speed_times.csv", time_rows(results, machine))
    _write_csv(folder / "bandwidth.csv", bandwidth_rows(results))
    _write_csv(folder / "machine.csv", machine_rows(machine, settings, noise_summary))
    _write_csv(folder / "noise.csv", noise_rows(noise_summary))
    _write_text(folder / "speed_noise.md", [noise_text(noise_summary)])
    _write_text(folder / "speed_answers.md", [f"- {line}" for line in answers_text(answers)])


def write_ablation(folder, settings, results):
    folder.mkdir(parents=True, exist_ok=True)
    findings = ablation_findings(results)
    records = [
        {
            "function": r.function,
            "dtype": r.dtype,
            "shape": list(r.shape),
            "median_s": r.median_s,
            "spread": r.spread,
            "interval": {v: i.as_dict() for v, i in r.interval.items()},
        }
        for r in results
    ]
    _dump(folder / "ablation.json", {"settings": settings, "findings": findings,
                                     "results": records})
    _write_csv(folder / "ablation.csv", ablation_rows(results))
    _write_text(folder / "ablation_notes.md", ablation_text(findings))


def write_accuracy(folder, machine, results, targets, shift_data, binned, fit):
    folder.mkdir(parents=True, exist_ok=True)
    records = [
        {key: _json_number(value) for key, value in dataclasses.asdict(r).items()}
        for r in results
    ]
    versions = {key: machine[key] for key in ("numpy", "scipy", "mpmath", "torch")}
    counts = {dtype: len(entry["shift"]) for dtype, entry in shift_data.items()}
    document = {
        "versions": versions,
        "targets": targets,
        "results": records,
        "error_against_shift": {"entries": counts, "fit": fit, "binned": binned},
    }
    _dump(folder / "accuracy.json", document)
    for function in ROW_FUNCTIONS:
        _write_csv(folder / f"accuracy_{function}.csv", accuracy_rows(results, function))
    _write_csv(folder / "accuracy_summary.csv", accuracy_summary_rows(results, targets))
    _write_csv(folder / "accuracy_shift.csv", shift_rows(fit))
    _write_text(folder / "accuracy_shift_notes.md", shift_text(fit, counts))

