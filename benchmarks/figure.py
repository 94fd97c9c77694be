"""The figures of the Performance page, in the book's style (``softmax_lib.plotting.BOOK_STYLE``).

* :func:`draw_speed`: softmax_lib's time over a peer's, one panel per
  comparison (each titled with both thread counts), per function, shape and
  dtype, each ratio with its 95 % interval, on a logarithmic axis (so
  "twice as fast" and "twice as slow" are the same distance from the line
  at 1); the panels are stacked in one column, to stay legible at a
  phone's width;
* :func:`draw_ablation`: the time of each variant of the mirror over the
  time with every feature on;
* :func:`draw_shift`: the softmax's error in ulps against ``|z - m|``, the
  largest in each bin (bins of fewer than :data:`MIN_BIN_COUNT` entries
  left out), with the line ``|d| / 2``.

Figures are made with ``matplotlib.figure.Figure``, without pyplot: no
backend, no window, nothing global touched beyond the style's context.
"""

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from softmax_lib.plotting import BOOK_STYLE

from . import ablation
from .implementations import SPEED_FUNCTIONS
from .report import comparison_title, comparisons_of, shape_text
from .stats import TIE

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728", "#8c564b")
RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.75, 1, 1.5, 2, 5, 10, 20, 50, 100)
SPARSE_TICKS = (0.01, 0.1, 0.5, 1, 2, 10, 100)  # when the axis spans too much for the others
MIN_BIN_COUNT = 10  # bins of |z - m| with fewer entries are left out of the figure
SPEED_LEGEND_HEIGHT = 0.6  # inches under the speed figure's panels, for its two legend rows
DTYPE_MARKERS = ("o", "s", "^", "D")  # one marker per dtype, in the order measured
FUNCTION_LABELS = {  # short enough for five side by side at a phone's width
    "softmax": "softmax",
    "log_softmax": "log_\nsoftmax",
    "logsumexp": "logsumexp",
    "cross_entropy": "cross_\nentropy",
    "cross_entropy + grad": "cross_\nentropy\n+ grad",
}


def _ratio_axis(ax, values):
    """Plain-number ticks (0.25, 0.5, 1, 2) on a logarithmic ratio axis spanning ``values``."""
    values = [v for v in values if v > 0 and np.isfinite(v)]
    low = min(min(values, default=1.0), 0.8) / 1.2
    high = max(max(values, default=1.0), 1.25) * 1.2
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ticks = [t for t in RATIO_TICKS if low <= t <= high]
    if len(ticks) > 8:
        ticks = [t for t in SPARSE_TICKS if low <= t <= high]
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.axhline(1.0, color="black", linewidth=0.8)


def _interval_points(ax, x, interval, colour, marker="o"):
    """A marker at the ratio with its interval as an error bar; hollow for a tie."""
    ax.errorbar(
        [x], [interval.ratio],
        yerr=[[interval.ratio - interval.low], [interval.high - interval.ratio]],
        fmt=marker, color=colour, markersize=4.5, capsize=2, linewidth=1,
        markerfacecolor="white" if interval.verdict == TIE else colour,
    )


def draw_speed(results, machine, path):
    """Ratios with intervals of ``results`` (:class:`benchmarks.speed.Speed`) to ``path``.

    One panel per comparison, titled with both sides' thread counts; in a
    panel, a group of points per function: a colour per shape, a marker per
    dtype. Each panel has its own ratio axis: one comparison far from 1
    must not flatten the others.
    """
    comparisons = comparisons_of(results)
    dtypes = list(dict.fromkeys(r.dtype for r in results))
    shapes = list(dict.fromkeys(r.shape for r in results))
    functions = [f for f in SPEED_FUNCTIONS if any(r.function == f for r in results)]
    cells = {(r.function, r.dtype, r.shape): r for r in results}
    points = [(shape, dtype) for shape in shapes for dtype in dtypes]
    step = 0.8 / len(points)  # a function's points share 0.8 of the gap between functions
    with mpl.rc_context(BOOK_STYLE):
        fig = Figure(figsize=(4.8, 2.4 * len(comparisons) + SPEED_LEGEND_HEIGHT))
        axes = fig.subplots(len(comparisons), 1, squeeze=False)[:, 0]
        centres = np.arange(len(functions))
        for ax, comparison in zip(axes, comparisons, strict=True):
            values = []
            for k, (shape, dtype) in enumerate(points):
                offset = (k - (len(points) - 1) / 2) * step
                for n, function in enumerate(functions):
                    r = cells.get((function, dtype, shape))
                    if r is None or comparison.peer not in r.interval:
                        continue
                    interval = r.interval[comparison.peer]
                    values += [interval.low, interval.high]
                    _interval_points(
                        ax, centres[n] + offset, interval,
                        COLOURS[shapes.index(shape) % len(COLOURS)],
                        DTYPE_MARKERS[dtypes.index(dtype) % len(DTYPE_MARKERS)],
                    )
            _ratio_axis(ax, values)
            ax.tick_params(labelsize=9)
            ax.set_xticks(centres)
            ax.set_xticklabels([FUNCTION_LABELS.get(f, f) for f in functions])
            ax.set_xlim(-0.5, len(functions) - 0.5)
            ax.set_title(comparison_title(comparison, machine), fontsize=10, loc="left")
            ax.set_ylabel("time ratio", fontsize=9)
        _speed_legend(fig, shapes, dtypes)
        fig.savefig(path)


def _speed_legend(fig, shapes, dtypes):
    """Two legend rows under the panels: a colour per shape; a marker per dtype, and a tie."""
    shape_handles = [
        Line2D([], [], marker="o", linestyle="", color=COLOURS[k % len(COLOURS)],
               label=shape_text(shape))
        for k, shape in enumerate(shapes)
    ]
    dtype_handles = [
        Line2D([], [], marker=DTYPE_MARKERS[k % len(DTYPE_MARKERS)], linestyle="",
               color="grey", label=dtype)
        for k, dtype in enumerate(dtypes)
    ]
    dtype_handles.append(Line2D([], [], marker="o", linestyle="", color="grey",
                                markerfacecolor="white", label="tie (interval contains 1)"))
    height = fig.get_figheight()
    for row, handles in enumerate((shape_handles, dtype_handles)):
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9,
                   bbox_to_anchor=(0.5, (0.3 - 0.25 * row) / height), handletextpad=0.2,
                   columnspacing=1.0, borderaxespad=0)
    fig.tight_layout(rect=(0, SPEED_LEGEND_HEIGHT / height, 1, 1))


def _shape_legend(fig, shapes):
    """One legend under the panels: a colour per shape, and the hollow mark of a tie."""
    handles = [
        Line2D([], [], marker="o", linestyle="", color=COLOURS[k % len(COLOURS)],
               label=shape_text(shape))
        for k, shape in enumerate(shapes)
    ]
    handles.append(Line2D([], [], marker="o", linestyle="", color="grey",
                          markerfacecolor="white", label="tie (interval contains 1)"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))


def draw_ablation(results, path):
    """Ratios variant / all features, with intervals, per function and dtype, to ``path``."""
    variants = [*list(ablation.VARIANTS)[1:], ablation.LIBRARY]
    dtypes = list(dict.fromkeys(r.dtype for r in results))
    functions = list(dict.fromkeys(r.function for r in results))
    shapes = list(dict.fromkeys(r.shape for r in results))
    cells = {(r.function, r.dtype, r.shape): r for r in results}
    values = [v for r in results for i in r.interval.values() for v in (i.low, i.high)]
    labels = ablation.SHORT_NAMES
    with mpl.rc_context(BOOK_STYLE):
        fig = Figure(figsize=(4.6 * len(dtypes), 2.9 * len(functions)))
        axes = fig.subplots(len(functions), len(dtypes), squeeze=False, sharey=True)
        width = 0.7 / max(1, len(shapes) - 1) if len(shapes) > 1 else 0.0
        centres = np.arange(len(variants))
        for row, function in enumerate(functions):
            for col, dtype in enumerate(dtypes):
                ax = axes[row][col]
                for k, shape in enumerate(shapes):
                    offset = (k - (len(shapes) - 1) / 2) * width / 2
                    r = cells.get((function, dtype, shape))
                    for n, variant in enumerate(variants):
                        if r is not None and variant in r.interval:
                            _interval_points(ax, centres[n] + offset, r.interval[variant],
                                             COLOURS[k % len(COLOURS)])
                _ratio_axis(ax, values)
                timed = {v for r in results if (r.function, r.dtype) == (function, dtype)
                         for v in r.interval}
                for n, variant in enumerate(variants):
                    if variant not in timed:  # the library does not use this feature here
                        ax.text(centres[n], 1.0, "not\nused", ha="center", va="center",
                                fontsize=7, color="grey")
                ax.set_xticks(centres)
                ax.set_xticklabels([labels[v] for v in variants], fontsize=7, rotation=30,
                                   ha="right")
                ax.set_title(f"{function}, {dtype}", fontsize=9)
                if col == 0:
                    ax.set_ylabel("time / time with all", fontsize=8)
        _shape_legend(fig, shapes)
        fig.savefig(path)


def draw_shift(binned, path):
    """The largest softmax error per bin of ``|z - m|``, per implementation and dtype."""
    dtypes = list(binned)
    with mpl.rc_context(BOOK_STYLE):
        fig = Figure(figsize=(4.6 * len(dtypes), 3.6))
        axes = fig.subplots(1, len(dtypes), squeeze=False, sharey=True)[0]
        for ax, dtype in zip(axes, dtypes, strict=True):
            entry = binned[dtype]
            keep = [i for i, count in enumerate(entry["count"]) if count >= MIN_BIN_COUNT]
            centres = np.array([sum(entry["edges"][i]) / 2 for i in keep])
            for k, (name, maxima) in enumerate(entry["max"].items()):
                # The naive shift drawn wide and pale underneath: a peer that
                # computes exactly the same values stays visible on top of it.
                naive = k == 0
                ax.plot(centres, [maxima[i] for i in keep], marker=None if naive else "o",
                        markersize=3, linewidth=4 if naive else 1.2, alpha=0.45 if naive else 1,
                        color="grey" if naive else COLOURS[(k - 1) % len(COLOURS)],
                        label=name, zorder=1 if naive else 2)
            d = np.linspace(0, max(centres, default=1.0) + 1, 200)
            ax.plot(d, d / 2, color="black", linestyle="--", linewidth=1, label="|d| / 2")
            ax.set_xlabel("|z − m|")
            ax.set_title(f"softmax, {dtype}: largest error per bin", fontsize=9)
        axes[0].set_ylabel("error (ulps)")
        axes[-1].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path)
