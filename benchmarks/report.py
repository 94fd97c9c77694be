"""Tables on stdout, results files (JSON and CSV), and the check of the targets.

Files written into the output folder:

* ``speed.json``: everything measured (medians, spreads, ratios, bandwidths),
  the machine, the settings, the noise and the targets;
* ``speed.csv``: every median, ratio and bandwidth in one table;
  ``speed_float32.csv``, ``speed_float64.csv`` and ``bandwidth.csv``: the
  narrower tables the book shows; ``speed_summary.csv``: where softmax_lib
  stands (worst ratio, bandwidth, noise);
* ``machine.csv``: the machine and software the speed was measured on;
* ``accuracy.json`` and ``accuracy_<function>.csv``: maximum and median
  errors in ulps per implementation, dtype and case, and
  ``accuracy_summary.csv``: where softmax_lib stands.

The targets are checked from the numbers, never assumed: softmax_lib no
slower than SciPy (every ratio at most 1.0), and at least as accurate as
SciPy on every case (maximum error), strictly more accurate on the float32
tiny-second-term case.
"""

import csv
import dataclasses
import json
import math
import statistics

from .implementations import COPY, OURS, ROW_FUNCTIONS, SCIPY, TORCH

TINY_TERM_CASE = "tiny second term"


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


def shape_text(shape):
    return " × ".join(str(n) for n in shape)


def ms(seconds):
    return "" if seconds is None else f"{seconds * 1e3:.3g}"


def two(value):
    return "" if value is None else f"{value:.2f}"


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


# --------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------


def speed_rows(results):
    """The speed table: one row per function, dtype and shape."""
    rows = []
    for r in results:
        rows.append(
            {
                "function": r.function,
                "dtype": r.dtype,
                "shape": shape_text(r.shape),
                f"{OURS} (ms)": ms(r.median_s[OURS]),
                f"{SCIPY} (ms)": ms(r.median_s[SCIPY]),
                f"{OURS} / {SCIPY}": two(r.ratio[SCIPY]),
                f"{TORCH} (ms)": ms(r.median_s.get(TORCH)),
                f"{OURS} / {TORCH}": two(r.ratio.get(TORCH)),
                "GB/s": f"{r.gbps(OURS):.2f}",
                "copy GB/s": f"{r.gbps(COPY):.2f}",
                "% of copy": f"{100 * r.fraction_of_copy():.0f}",
            }
        )
    return rows


def dtype_rows(results, dtype):
    """The book's speed table for one dtype: few columns, so that it fits a page."""
    rows = []
    for r in results:
        if r.dtype != dtype:
            continue
        rows.append(
            {
                "function": r.function,
                "shape": "×".join(str(n) for n in r.shape),
                "ms": ms(r.median_s[OURS]),
                f"vs {SCIPY}": two(r.ratio[SCIPY]),
                f"vs {TORCH}": two(r.ratio.get(TORCH)) or "n/a",
            }
        )
    return rows


def bandwidth_rows(results):
    """The book's bandwidth table: softmax_lib's GB/s and its share of a copy's, per dtype."""
    cells = {(r.function, r.shape, r.dtype): r for r in results}
    dtypes = list(dict.fromkeys(r.dtype for r in results))
    rows = []
    for function, shape in dict.fromkeys((r.function, r.shape) for r in results):
        row = {"function": function, "shape": "×".join(str(n) for n in shape)}
        for dtype in dtypes:
            r = cells.get((function, shape, dtype))
            row[f"{dtype} GB/s (% of copy)"] = (
                f"{r.gbps(OURS):.2f} ({100 * r.fraction_of_copy():.0f} %)" if r else "n/a"
            )
        rows.append(row)
    return rows


def noise(results, load_before, load_after, cores):
    """How noisy the timings were: spreads of the series and of the ratios, and the load."""
    spreads = [s for r in results for s in r.spread.values()]
    ratio_spreads = [s for r in results for s in r.ratio_spread.values()]
    return {
        "median_spread": statistics.median(spreads) if spreads else None,
        "max_spread": max(spreads) if spreads else None,
        "median_ratio_spread": statistics.median(ratio_spreads) if ratio_spreads else None,
        "max_ratio_spread": max(ratio_spreads) if ratio_spreads else None,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "logical_cores": cores,
    }


def noise_text(summary):
    """One paragraph saying how far the timings can be trusted."""
    if summary["median_spread"] is None:
        return "No timings."
    text = (
        f"Timing noise: the middle half of an implementation's repeats spans "
        f"{100 * summary['median_spread']:.1f} % of its median (median over all series; "
        f"worst {100 * summary['max_spread']:.0f} %); the per-repeat ratios spread by "
        f"{100 * summary['median_ratio_spread']:.1f} % (worst "
        f"{100 * summary['max_ratio_spread']:.0f} %)."
    )
    before, after = summary["load_average_before"], summary["load_average_after"]
    if before is not None:
        # The benchmark itself keeps one core busy, a load of about 1.
        busy = max(before, after) - 1 >= 0.5
        text += (
            f" Load average {before:.2f} before and {after:.2f} after, on "
            f"{summary['logical_cores']} logical cores, the benchmark itself counting for "
            "about 1" + (": other processes competed for the CPU, so treat ratios within "
                         "the spread as equal." if busy else ".")
        )
    return text


def speed_targets(results):
    """softmax_lib no slower than SciPy: every ratio at most 1.0."""
    ratios = [(r.ratio[SCIPY], r) for r in results]
    worst_value, worst = max(ratios, key=lambda item: item[0])
    slower = [
        f"{r.function} {r.dtype} {shape_text(r.shape)}: {value:.2f}"
        for value, r in ratios
        if value > 1.0
    ]
    return {
        "no_slower_than_scipy": not slower,
        "worst_ratio_vs_scipy": worst_value,
        "worst_case": f"{worst.function} {worst.dtype} {shape_text(worst.shape)}",
        "slower_than_scipy": slower,
    }


def speed_targets_text(targets):
    if targets["no_slower_than_scipy"]:
        return (
            f"Target met: softmax_lib is no slower than SciPy anywhere (worst ratio "
            f"{targets['worst_ratio_vs_scipy']:.2f}, {targets['worst_case']})."
        )
    return "Target NOT met: softmax_lib is slower than SciPy at " + "; ".join(
        targets["slower_than_scipy"]
    )


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


def accuracy_targets(results):
    """At least as accurate as SciPy everywhere; strictly better on float32's tiny second term."""
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
    return {
        "at_least_as_accurate_as_scipy": not worse,
        "less_accurate_than_scipy": worse,
        "strictly_better_on_float32_tiny_term": better_tiny,
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
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _json_number(value):
    """JSON has no infinity: large errors are written as the string "inf"."""
    return "inf" if isinstance(value, float) and math.isinf(value) else value


def write_speed(folder, machine, settings, results, noise_summary, targets):
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for r in results:
        record = dataclasses.asdict(r)
        record["gbps"] = {name: r.gbps(name) for name in r.median_s}
        record["fraction_of_copy"] = r.fraction_of_copy()
        records.append(record)
    document = {
        "machine": machine,
        "settings": settings,
        "noise": noise_summary,
        "targets": targets,
        "results": records,
    }
    (folder / "speed.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    _write_csv(folder / "speed.csv", speed_rows(results))
    for dtype in dict.fromkeys(r.dtype for r in results):
        _write_csv(folder / f"speed_{dtype}.csv", dtype_rows(results, dtype))
    _write_csv(folder / "bandwidth.csv", bandwidth_rows(results))
    _write_csv(folder / "machine.csv", machine_rows(machine, settings, noise_summary))
    _write_csv(folder / "speed_summary.csv", speed_summary_rows(results, noise_summary, targets))


def speed_summary_rows(results, noise_summary, targets):
    """Where softmax_lib stands on speed, in a few rows for the book."""
    ratios = {}
    for r in results:
        for peer, value in r.ratio.items():
            ratios.setdefault(peer, []).append(value)
    rows = [
        {
            "question": "No slower than SciPy anywhere (every ratio at most 1.0)?",
            "answer": "yes" if targets["no_slower_than_scipy"] else "no",
            "detail": f"worst ratio {targets['worst_ratio_vs_scipy']:.2f} "
            f"({targets['worst_case']})",
        }
    ]
    for peer, values in ratios.items():
        rows.append(
            {
                "question": f"softmax_lib / {peer}: median and range of the ratios",
                "answer": f"{statistics.median(values):.2f}",
                "detail": f"{min(values):.2f} to {max(values):.2f} over {len(values)} "
                "measurements",
            }
        )
    fractions = [r.fraction_of_copy() for r in results]
    copies = [r.gbps(COPY) for r in results]
    rows.append(
        {
            "question": "softmax_lib's bandwidth as a share of a plain copy's",
            "answer": f"{100 * statistics.median(fractions):.0f} % (median)",
            "detail": f"{100 * min(fractions):.0f} % to {100 * max(fractions):.0f} %; the copy "
            f"itself ran at {statistics.median(copies):.1f} GB/s (median)",
        }
    )
    rows.append(
        {
            "question": "Timing noise (interquartile range of the repeats / median)",
            "answer": f"{100 * noise_summary['median_spread']:.1f} % (median)",
            "detail": f"worst {100 * noise_summary['max_spread']:.0f} %; load average "
            f"{noise_summary['load_average_before']} before, "
            f"{noise_summary['load_average_after']} after",
        }
    )
    return rows


def machine_rows(machine, settings, noise_summary):
    """The machine table of the book: property and value."""
    torch = machine["torch"]
    rows = [
        ("CPU", machine["cpu"]),
        ("Logical cores", machine["logical_cores"]),
        ("System", f"{machine['system']} ({machine['architecture']})"),
        ("Python", machine["python"]),
        ("NumPy", machine["numpy"]),
        ("SciPy", machine["scipy"]),
        ("PyTorch", _torch_text(torch, machine["torch_threads"])),
        ("Repeats per measurement", settings["repeats"]),
        (
            "Load average before / after",
            f"{noise_summary['load_average_before']} / {noise_summary['load_average_after']}",
        ),
        ("Measured on", machine["date"]),
    ]
    return [{"property": key, "value": value} for key, value in rows]


def _torch_text(version, threads):
    if not version:
        return "not installed"
    return f"{version} ({threads} thread{'' if threads == 1 else 's'})"


def write_accuracy(folder, machine, results, targets):
    folder.mkdir(parents=True, exist_ok=True)
    records = [
        {key: _json_number(value) for key, value in dataclasses.asdict(r).items()}
        for r in results
    ]
    versions = {key: machine[key] for key in ("numpy", "scipy", "mpmath", "torch")}
    document = {"versions": versions, "targets": targets, "results": records}
    (folder / "accuracy.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    for function in ROW_FUNCTIONS:
        _write_csv(folder / f"accuracy_{function}.csv", accuracy_rows(results, function))
    _write_csv(folder / "accuracy_summary.csv", accuracy_summary_rows(results, targets))


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
