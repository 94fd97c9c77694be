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

:func:`error_against_shift` measures the softmax's error entry by entry
against ``|z - m|`` on wide random rows, for the figure that shows the
``|d| / 2`` law: the difference ``d = z - m`` is rounded, with an error of up
to half an ulp of ``d``, and the exponential turns an absolute error ``δ`` of
its argument into a relative error ``δ`` of its result, that is about
``|d| / 2`` ulps of the result (between ``|d| / 4`` and ``|d|``, depending on
where ``d`` and ``e^d`` sit between powers of two). The plain algorithm,
``exp(z - max(z)) / sum(...)`` in the input's dtype ("naive shift"), shows
it; the peers are measured beside it.
"""

import math
import statistics
from dataclasses import dataclass

import mpmath
import numpy as np

from .cases import DTYPES, accuracy_suite, shift_rows
from .implementations import ROW_FUNCTIONS, row_functions

NAIVE = "naive shift"
SHIFT_BIN_WIDTH = 2.0  # width of the bins of |z - m| in the figure
SHIFT_ROWS_QUICK = 2  # rows of the figure in the smoke test

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


# --------------------------------------------------------------------------
# The error of each softmax entry against |z - m|
# --------------------------------------------------------------------------


def naive_softmax(row):
    """``exp(z - max(z)) / sum(exp(z - max(z)))``, all in the dtype of ``row``."""
    shifted = np.exp(row - np.max(row))
    return shifted / np.sum(shifted)


def shift_implementations(torch=None):
    """``{implementation: softmax of one row}`` for the figure: the naive shift first."""
    table = {NAIVE: naive_softmax}
    table.update({name: functions["softmax"] for name, functions in row_functions(torch).items()})
    return table


def error_against_shift(torch=None, dtypes=DTYPES, progress=None, rows=None):
    """Every softmax entry's error in ulps, with its exact ``|z - m|``, per dtype.

    Returns ``{dtype name: {"shift": [...], "errors": {implementation: [...]}}}``
    with one value per entry of :func:`benchmarks.cases.shift_rows`, entries
    whose exact value is below the dtype's smallest normal number left out
    (there the ulp is fixed and the error is no longer relative). ``rows``
    limits the number of rows (all of them by default).
    """
    implementations = shift_implementations(torch)
    data = {}
    for dtype in dtypes:
        dtype = np.dtype(dtype)
        if progress is not None:
            progress(f"accuracy against |z - m|: {dtype.name}")
        smallest = mpmath.mpf(float(np.finfo(dtype).smallest_normal))
        shifts, errors = [], {name: [] for name in implementations}
        for row in shift_rows(dtype)[:rows]:
            exact = reference(row)["softmax"]
            top = float(np.max(row))
            keep = [i for i, value in enumerate(exact) if value >= smallest]
            shifts += [abs(float(row[i]) - top) for i in keep]  # exact: both are dtype numbers
            for name, function in implementations.items():
                got = np.ravel(function(row.copy()))
                errors[name] += [ulp_error(got[i], exact[i], dtype) for i in keep]
        data[dtype.name] = {"shift": shifts, "errors": errors}
    return data


def binned_shift_errors(data, width=SHIFT_BIN_WIDTH):
    """The largest and the median error in bins of ``|z - m|`` of ``width``, per dtype.

    Returns ``{dtype: {"edges": [...], "count": [...], "max": {impl: [...]},
    "median": {impl: [...]}}}``; empty bins are left out.
    """
    binned = {}
    for dtype, entry in data.items():
        shift = np.asarray(entry["shift"])
        index = np.floor(shift / width).astype(int)
        bins = sorted(set(index.tolist()))
        result = {
            "edges": [[b * width, (b + 1) * width] for b in bins],
            "count": [int(np.sum(index == b)) for b in bins],
            "max": {},
            "median": {},
        }
        for name, errors in entry["errors"].items():
            errors = np.asarray(errors)
            result["max"][name] = [float(np.max(errors[index == b])) for b in bins]
            result["median"][name] = [float(np.median(errors[index == b])) for b in bins]
        binned[dtype] = result
    return binned


def shift_law_fit(data):
    """How well ``|d| / 2`` describes each implementation's errors, per dtype.

    For each implementation, the largest error over the entries and the
    slope of a least-squares line through the origin of error against
    ``|z - m|`` (1/2 for the law; 0 when the rounding of ``d`` is removed).
    """
    fit = {}
    for dtype, entry in data.items():
        shift = np.asarray(entry["shift"])
        fit[dtype] = {}
        for name, errors in entry["errors"].items():
            errors = np.asarray(errors)
            fit[dtype][name] = {
                "max_ulp": float(np.max(errors)),
                "slope": float(np.dot(shift, errors) / np.dot(shift, shift)),
            }
    return fit
