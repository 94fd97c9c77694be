"""Explorables of the chapter "Log-sum-exp and log-softmax".

The figure compares the chapter's three ways to compute log-sum-exp, the
textbook formula, the formula shifted by the maximum, and the ``log1p``
refinement that ``softmax_lib.logsumexp`` implements, on two logits
``z = (o, o - t)`` in a chosen floating-point format.  The exact value
``o + log(1 + e^{-t})`` comes from ``mpmath`` with 50 digits, at the
(exactly representable) inputs.
"""

import mpmath
import numpy as np

from softmax_lib import logsumexp
from softmax_lib.explorable import Explorable, Select, Slider

from ._views import text_view

__all__ = ["lse_accuracy"]

GAPS = np.arange(0.0, 41.0)
DTYPES = ("float16", "float32", "float64")
OFFSETS = ("0", "100", "1000")
METHODS = ("naive", "shifted", "log1p (softmax_lib)")
#: Errors are drawn on a symmetric-log axis up to this many ulps.
MOST_ULPS = 1e16


def lse_naive(z):
    """The textbook formula, log(sum(exp(z))), in the dtype of z."""
    with np.errstate(over="ignore"):
        return np.log(np.sum(np.exp(z)))


def lse_shifted(z):
    """Shifted by the maximum m: m + log(sum(exp(z - m)))."""
    m = z.max()
    return m + np.log(np.sum(np.exp(z - m)))


def compute(method, z):
    """LSE(z) by one of :data:`METHODS`."""
    if method == "naive":
        return lse_naive(z)
    if method == "shifted":
        return lse_shifted(z)
    return logsumexp(z)


def logits(gap, dtype, offset):
    """The two logits (o, o - t) in the chosen format (exactly representable here)."""
    return np.array([float(offset), float(offset) - gap], dtype=dtype)


def exact(z):
    """LSE of the stored inputs z in 50-digit arithmetic."""
    with mpmath.workdps(50):
        return mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in z))


def ulps(value, reference, dtype):
    """|value - reference| in units of the format's spacing at the reference; None for inf."""
    if not np.isfinite(value):
        return None
    spacing = np.spacing(np.abs(np.array(float(reference), dtype=dtype)))
    with mpmath.workdps(50):
        return float(abs(mpmath.mpf(float(value)) - reference) / mpmath.mpf(float(spacing)))


def _shown(value):
    return "inf (overflow)" if np.isinf(value) else f"{float(value):.7g}"


def _row(method, z, dtype, reference):
    value = compute(method, z)
    order = METHODS.index(method) + 1
    error = ulps(value, reference, dtype)
    ulp_text = "" if error is None else f" ({error:.3g} ulps off)"
    return {"k": order, "m": method, "v": float(value) if np.isfinite(value) else None, "e": error,
            "text": f"{method}: {_shown(value)}{ulp_text}"}


def lse_accuracy():
    """Naive, shifted and log1p log-sum-exp of (o, o - t) against the exact value, in ulps."""

    def states(gap, dtype, offset):
        z = logits(gap, dtype, offset)
        reference = exact(z)
        rows = [_row(method, z, dtype, reference) for method in METHODS]
        summary = [{"x": float(reference), "text": f"exact: {float(reference):.7g}"}]
        return {"methods": rows, "exact": summary}

    curves = []
    for dtype in DTYPES:
        for offset in OFFSETS:
            for gap in GAPS:
                z = logits(gap, dtype, offset)
                reference = exact(z)
                for method in METHODS:
                    curves.append({"dtype": dtype, "offset": offset, "t": gap, "m": method,
                                   "e": ulps(compute(method, z), reference, dtype)})

    y_errors = {"field": "e", "type": "quantitative", "title": "error in ulps",
                "scale": {"type": "symlog", "domain": [0, MOST_ULPS]},
                "axis": {"values": [0, 1, 100, 1e4, 1e8, 1e12, 1e16], "format": ".0e",
                         "labelExpr": "datum.value === 0 ? '0' : datum.label"}}
    colour = {"field": "m", "type": "nominal", "title": None, "sort": list(METHODS),
              "scale": {"domain": list(METHODS)}, "legend": {"columns": 3}}
    # The naive and shifted curves coincide where nothing overflows: draw the
    # shifted one dashed on top of a solid naive one, so both stay visible.
    dashes = {"field": "m", "type": "nominal", "sort": list(METHODS), "legend": None,
              "scale": {"domain": list(METHODS), "range": [[1, 0], [5, 3], [1, 0]]}}
    current = "datum.dtype === dtype && datum.offset === offset"
    plot = {
        "width": 300, "height": 190,
        "layer": [
            # Every (format, offset) has its curves; the current one is shown by
            # a condition on the drop-downs (a choice among stored numbers).
            {"data": {"name": "curves"},
             "mark": {"type": "line", "invalid": None, "strokeWidth": 2},
             "encoding": {"x": {"field": "t", "type": "quantitative", "title": "gap t"},
                          "y": y_errors, "color": colour, "strokeDash": dashes,
                          "detail": [{"field": "dtype"}, {"field": "offset"}],
                          "opacity": {"condition": {"test": current, "value": 0.9},
                                      "value": 0}}},
            {"data": {"name": "exact"}, "mark": {"type": "rule", "color": "#7f7f7f",
                                                  "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "gap", "type": "quantitative"}}},
            {"data": {"name": "methods"},
             "mark": {"type": "point", "filled": True, "size": 70, "invalid": None,
                      "tooltip": True},
             "encoding": {"x": {"field": "gap", "type": "quantitative"},
                          "y": y_errors, "color": colour}},
        ],
    }
    default = {"gap": 20.0, "dtype": "float32", "offset": "0"}
    z = logits(**default)
    reference = exact(z)
    described = [_row(method, z, "float32", reference)["text"] for method in METHODS]
    return Explorable(
        "lse-accuracy",
        controls=[Slider("gap", "Gap t", GAPS, default["gap"]),
                  Select("dtype", "Format", DTYPES, default["dtype"]),
                  Select("offset", "Offset o", OFFSETS, default["offset"])],
        states=states,
        chart={"vconcat": [plot, text_view("exact"), text_view("methods", order="k")],
               "spacing": 2},
        static={"curves": curves},
        description=(
            "Error in ulps of three ways to compute log-sum-exp of z = (o, o − t) against "
            "the exact value, as the gap t runs from 0 to 40, for float32 and offset 0; the "
            f"marked gap t = 20 has the exact value {float(reference):.7g}, and "
            + "; ".join(described) + "."),
        caption=("Log-sum-exp of z = (o, o − t) three ways. With o = 0 the naive and the "
                 "shifted formula compute the same sum, so their curves coincide, and both "
                 "lose the small term e^(−t) once 1 + e^(−t) rounds to 1; "
                 "with a large offset the naive one overflows. On this grid softmax_lib "
                 "(the log1p refinement) is within half an ulp in float16 and float32, "
                 "the nearest number of the format, and within 1 ulp in float64. Errors "
                 "are drawn on a symmetric-log axis; an overflow has no point."),
    )
