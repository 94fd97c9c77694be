"""The figure of the speed ratios: softmax_lib's time over each peer's, per function and shape.

One panel per peer (rows) and dtype (columns); in each, a group of bars per
function, one bar per shape. The ratio axis is logarithmic, so "twice as
fast" and "twice as slow" are the same distance from the line at 1.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from .implementations import SPEED_FUNCTIONS
from .report import shape_text

SHAPE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")


def draw(results, path):
    """Draw the ratio bars of ``results`` (:class:`benchmarks.speed.Speed` records) to ``path``."""
    peers = list(dict.fromkeys(peer for r in results for peer in r.ratio))
    dtypes = list(dict.fromkeys(r.dtype for r in results))
    shapes = list(dict.fromkeys(r.shape for r in results))
    functions = [f for f in SPEED_FUNCTIONS if any(r.function == f for r in results)]
    ratios = {(r.function, r.dtype, r.shape): r.ratio for r in results}

    # A Figure without pyplot: no backend, no window, nothing global touched.
    fig = Figure(figsize=(5.2 * len(dtypes), 3.4 * len(peers)))
    axes = fig.subplots(len(peers), len(dtypes), squeeze=False, sharey=True)
    width = 0.8 / len(shapes)
    centres = np.arange(len(functions))
    for row, peer in enumerate(peers):
        for col, dtype in enumerate(dtypes):
            ax = axes[row][col]
            for k, shape in enumerate(shapes):
                values = [
                    ratios.get((f, dtype, shape), {}).get(peer, np.nan) for f in functions
                ]
                ax.bar(
                    centres + (k - (len(shapes) - 1) / 2) * width, values, width,
                    color=SHAPE_COLOURS[k % len(SHAPE_COLOURS)], label=shape_text(shape),
                )
            ax.axhline(1.0, color="black", linewidth=0.8)
            ax.set_yscale("log")
            ax.set_xticks(centres)
            ax.set_xticklabels([f.replace(" + ", "\n+ ") for f in functions], fontsize=8)
            ax.set_title(f"{dtype}: softmax_lib / {peer}", fontsize=10)
            ax.grid(axis="y", alpha=0.3)
            if col == 0:
                ax.set_ylabel("time ratio (below 1: softmax_lib faster)", fontsize=8)
    _ratio_ticks(axes, results)
    axes[0][-1].legend(title="shape", fontsize=8, title_fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _ratio_ticks(axes, results):
    """Plain-number ticks (0.25, 0.5, 1, 2) on the shared logarithmic ratio axis."""
    values = [v for r in results for v in r.ratio.values() if v > 0 and np.isfinite(v)]
    low = min(min(values, default=1.0), 0.8) / 1.25
    high = max(max(values, default=1.0), 1.25) * 1.25
    candidates = (0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10)
    ticks = [t for t in candidates if low <= t <= high]
    ax = axes[0][0]
    ax.set_ylim(low, high)
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(NullFormatter())
