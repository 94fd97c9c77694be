"""Explorables of the chapter "Computing softmax safely"."""

import numpy as np

from softmax_lib import logsumexp, softmax
from softmax_lib.explorable import Explorable, Select, Slider

# Text marks are filled with currentColor, the colour of the page's text, so they
# stay readable in the dark theme (a colour fixed at build time would not).

__all__ = ["safe_softmax"]

#: The logits are c + PATTERN: the chapter's example (z₁, z₁ − 1, z₁ − 2).
PATTERN = np.array([0.0, -1.0, -2.0])
DTYPES = ("float16", "float32", "float64")
OFFSETS = np.arange(-800, 801, 10)
_NAMES = ("z₁", "z₂", "z₃")


def naive_softmax(z):
    """The textbook formula e^z / sum(e^z), in the arithmetic of z's dtype."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(z)
        return e, e / np.sum(e), np.log(np.sum(e))


def exp_status(value, dtype):
    """Where a computed e^z lies in its format: overflow, normal, subnormal or 0."""
    if np.isinf(value):
        return "overflow"
    if value == 0:
        return "underflow to 0"
    if value < np.finfo(dtype).tiny:
        return "subnormal"
    return "normal"


def _shown(value):
    """A probability or a log-sum-exp as the figure prints it; NaN and inf by name."""
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"


def safe_softmax():
    """The textbook softmax against softmax_lib's shifted one, by dtype and offset."""

    def states(dtype, c):
        z = (c + PATTERN).astype(dtype)
        e, p_naive, lse_naive = naive_softmax(z)
        p_safe = softmax(z)
        rows = []
        for k in range(z.size):
            status = exp_status(e[k], dtype)
            rows.append({
                "k": _NAMES[k], "z": z[k], "e": e[k],
                "t": f"e^{_NAMES[k]} = e^{float(z[k]):g} = {float(e[k]):.3g}: {status}",
                "pn": p_naive[k], "ps": p_safe[k],
                # Where the label of a bar sits: on top of it, or on the axis
                # where there is no bar (a NaN probability).
                "yn": p_naive[k] if np.isfinite(p_naive[k]) else 0.0,
                "ln": _shown(p_naive[k]), "ls": _shown(p_safe[k]),
            })
        lse_safe = float(logsumexp(z))
        lse_naive = float(lse_naive)
        summary = {"naive": lse_naive, "safe": lse_safe,
                   "t": f"log-sum-exp: naive {_shown(lse_naive)}, "
                        f"sl.logsumexp {_shown(lse_safe)}"}
        return {"terms": rows, "lse": [summary]}

    def bars(value, label, y_label, title):
        y = {"field": value, "type": "quantitative",
             "title": "probability" if value == "pn" else None,
             "scale": {"domain": [0, 1]}}
        return {
            "data": {"name": "terms"}, "width": 125, "height": 150,
            "title": title,
            "layer": [
                {"mark": {"type": "bar", "color": "#1f77b4" if value == "ps" else "#d62728"},
                 "encoding": {"x": {"field": "k", "type": "nominal", "title": None,
                                    "axis": {"labelAngle": 0}},
                              "y": y}},
                {"mark": {"type": "text", "fill": "currentColor", "dy": -7, "fontSize": 10},
                 "encoding": {"x": {"field": "k", "type": "nominal"},
                              "y": {"field": y_label, "type": "quantitative"},
                              "text": {"field": label}}},
            ],
        }

    chart = {
        "vconcat": [
            {"data": {"name": "terms"}, "width": 320, "height": 48,
             "mark": {"type": "text", "fill": "currentColor", "align": "left", "fontSize": 11},
             "encoding": {"text": {"field": "t"}, "x": {"value": 0},
                          "y": {"field": "k", "type": "ordinal", "axis": None}}},
            {"hconcat": [bars("pn", "ln", "yn", "textbook e^z / Σ e^z"),
                         bars("ps", "ls", "ps", "sl.softmax (shifted)")]},
            {"data": {"name": "lse"}, "width": 320, "height": 16,
             "mark": {"type": "text", "fill": "currentColor", "align": "left", "fontSize": 11},
             "encoding": {"text": {"field": "t"}, "x": {"value": 0}, "y": {"value": 8}}},
        ],
    }
    return Explorable(
        "softmax-safely",
        controls=[Slider("c", "Offset c (logits c, c − 1, c − 2)", OFFSETS, 90),
                  Select("dtype", "Floating-point format", DTYPES, "float32")],
        states=states,
        chart=chart,
        description=("The logits 90, 89 and 88 in float32. e^90 and e^89 overflow to inf "
                     "and e^88 is about 1.65e38, so the textbook formula gives NaN, NaN and "
                     "0, and its log-sum-exp is inf; softmax_lib's shifted softmax gives "
                     "0.665, 0.245 and 0.090, and its log-sum-exp is 90.408."),
        caption=("Choose a format and move the offset: the textbook formula fails with NaN "
                 "or 0 where e^z overflows or every term underflows; the shifted softmax of "
                 "softmax_lib gives the same probabilities at every offset."),
    )
