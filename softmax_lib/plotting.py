"""Figure helpers the chapters call, so every figure in the book looks alike.

Each helper draws on a Matplotlib ``Axes`` it is given (or a new one) and
returns that ``Axes``, leaving titles and layout to the chapter. The numbers
come from ``softmax_lib``; these functions only draw them.
"""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .activations import softmax

__all__ = ["BOOK_STYLE", "use_book_style", "bar_distributions", "heatmap", "temperature_sweep"]

#: Matplotlib settings shared by every figure of the book.
BOOK_STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "image.cmap": "RdBu_r",
}


def use_book_style():
    """Apply :data:`BOOK_STYLE` to Matplotlib's global settings."""
    mpl.rcParams.update(BOOK_STYLE)


def _axes(ax):
    return plt.subplots()[1] if ax is None else ax


def bar_distributions(distributions, *, labels=None, ax=None):
    """Grouped bars: one group per class, one bar per named distribution.

    Parameters
    ----------
    distributions : dict of str to array_like
        Name to a 1-D vector of length K (probabilities, or any values).
    labels : sequence of str, optional
        Class names; default ``z_1 ... z_K`` as math.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    rows = {name: np.asarray(values, dtype=float) for name, values in distributions.items()}
    sizes = {row.shape for row in rows.values()}
    if len(sizes) != 1 or len(next(iter(sizes))) != 1:
        raise ValueError("distributions must all be 1-D vectors of the same length")
    k = next(iter(sizes))[0]
    labels = [f"$z_{{{i + 1}}}$" for i in range(k)] if labels is None else list(labels)
    width = 0.8 / len(rows)
    positions = np.arange(k)
    for n, (name, values) in enumerate(rows.items()):
        ax.bar(positions + (n - (len(rows) - 1) / 2) * width, values, width, label=name)
    ax.set_xticks(positions, labels)
    ax.legend()
    return ax


def heatmap(matrix, *, labels=None, ax=None, annotate=True, fmt="{:.3f}"):
    """A matrix as a colour map centred on 0, with optional value labels.

    Parameters
    ----------
    matrix : array_like
        A 2-D array.
    labels : sequence of str, optional
        Row and column names.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    annotate : bool, optional
        Write each value in its cell.
    fmt : str, optional
        Format of the values written in the cells.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    values = np.asarray(matrix, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {values.shape}")
    limit = float(np.max(np.abs(values))) or 1.0
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    ax.grid(False)
    if labels is not None:
        ax.set_xticks(range(values.shape[1]), labels)
        ax.set_yticks(range(values.shape[0]), labels)
    if annotate:
        for (i, j), value in np.ndenumerate(values):
            dark = abs(value) > 0.6 * limit
            ax.text(j, i, fmt.format(value), ha="center", va="center",
                    color="white" if dark else "black", fontsize=8)
    return ax


def temperature_sweep(logits, temperatures, *, ax=None, labels=None):
    """Each softmax probability as a function of the temperature.

    Parameters
    ----------
    logits : array_like
        A 1-D vector of K logits.
    temperatures : array_like
        Positive temperatures, plotted on a logarithmic axis.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    labels : sequence of str, optional
        Names of the K classes for the legend.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    z = np.asarray(logits, dtype=float)
    temps = np.asarray(temperatures, dtype=float)
    probs = np.stack([softmax(z, temperature=t) for t in temps])
    labels = [f"$z_{{{i + 1}}} = {v:g}$" for i, v in enumerate(z)] if labels is None else labels
    for i, label in enumerate(labels):
        ax.plot(temps, probs[:, i], label=label)
    ax.axhline(1 / z.size, color="grey", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("temperature $T$")
    ax.set_ylabel(r"$\mathrm{softmax}(z / T)_i$")
    ax.legend()
    return ax
