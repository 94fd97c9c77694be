"""Errors in ulps against an mpmath reference, for every implementation side by side.

The reference takes the inputs as the exact binary numbers they are, works at
256 bits, subtracts the maximum exactly and keeps the maximum's own term out
of the sum (``log1p``), so even terms like ``e^-700`` count. It is rounded
only when it is compared.

An error is ``|computed - exact|`` in units of the spacing of the output
dtype at the exact value (its ulp). A correctly rounded result is within 0.5
ulp. For ``logsumexp`` the unit is taken at ``max(|LSE|, |max x|)``: the
result is ``m + log1p(...)``, and when ``m < 0`` that sum cancels, so no
algorithm can be closer than the rounding of ``m`` itself. An infinite
result counts as exact when the exact value, rounded, is that infinity (an
overflow of the true value), and as an infinite error otherwise; NaN is an
infinite error.
"""

import math
import statistics
from dataclasses import dataclass

import mpmath
import numpy as np

from .cases import DTYPES, accuracy_suite
from .implementations import ROW_FUNCTIONS, row_functions

PREC = 256  # bits of the reference


def reference(row):
    """``{"softmax": [...], "log_softmax": [...], "logsumexp": value}`` of ``row``, exactly."""
    with mpmath.workprec(PREC):
        values = [mpmath.mpf(float(v)) for v in row]
        top = max(values)
        shifts = [mpmath.fsub(v, top, exact=True) for v in values]
        rest = list(shifts)
        rest.remove(0)  # the maximum's own term, exactly e^0 = 1
        log_sum = mpmath.log1p(mpmath.fsum(mpmath.exp(d) for d in rest))
        log_probs = [d - log_sum for d in shifts]
        return {
            "softmax": [mpmath.exp(v) for v in log_probs],
            "log_softmax": log_probs,
            "logsumexp": top + log_sum,
        }


def ulp_error(got, exact, dtype, scale=0.0):
    """``|got - exact|`` in ulps of ``dtype`` at ``max(|exact|, |scale|)``."""
    dtype = np.dtype(dtype)
    got = dtype.type(got)
    if not np.isfinite(got):
        with np.errstate(over="ignore"):
            rounded = np.array(float(exact)).astype(dtype)
        return 0.0 if got == rounded else math.inf
    with mpmath.workprec(PREC):
        magnitude = max(abs(exact), abs(mpmath.mpf(float(scale))))
        with np.errstate(over="ignore"):
            spacing = np.spacing(np.array(float(magnitude)).astype(dtype))
        if not np.isfinite(spacing):  # the exact value is beyond the dtype's range
            spacing = np.spacing(np.finfo(dtype).max)
        return float(abs(mpmath.mpf(float(got)) - exact) / mpmath.mpf(float(spacing)))


def row_errors(function, got, exact, row):
    """The errors of one row's result ``got`` (ulps, one per output value)."""
    dtype = row.dtype
    if function == "logsumexp":
        return [ulp_error(np.asarray(got).reshape(()), exact, dtype, scale=float(np.max(row)))]
    return [ulp_error(g, e, dtype) for g, e in zip(np.ravel(got), exact, strict=True)]


@dataclass(frozen=True)
class Accuracy:
    """The errors of one implementation of one function on one case of the suite."""

    function: str
    dtype: str
    case: str
    implementation: str
    max_ulp: float
    median_ulp: float
    values: int


def measure(torch=None, dtypes=DTYPES, progress=None):
    """Every implementation's errors on the adversarial suite; a list of :class:`Accuracy`."""
    implementations = row_functions(torch)
    results = []
    for dtype in dtypes:
        for case in accuracy_suite(dtype):
            if progress is not None:
                progress(f"accuracy: {np.dtype(dtype).name} {case.name}")
            exact = [reference(row) for row in case.rows]
            for function in ROW_FUNCTIONS:
                for name, functions in implementations.items():
                    errors = []
                    for row, ref in zip(case.rows, exact, strict=True):
                        with np.errstate(all="ignore"):  # peers may overflow; that is measured
                            got = functions[function](row.copy())
                        errors += row_errors(function, got, ref[function], row)
                    results.append(
                        Accuracy(
                            function=function,
                            dtype=np.dtype(dtype).name,
                            case=case.name,
                            implementation=name,
                            max_ulp=max(errors),
                            median_ulp=statistics.median(errors),
                            values=len(errors),
                        )
                    )
    return results
