"""Where the speed (and its price) comes from: the library's algorithm with one feature off.

:func:`softmax` and :func:`log_softmax` here are small mirrors of
``softmax_lib.softmax`` and ``softmax_lib.log_softmax`` (see
``softmax_lib/activations.py``), written so that each of the library's
features can be switched off alone (:data:`USES` says which features the
library uses for each function and dtype; only those are switched off):

``blocking``
    The rows are processed in blocks of the library's own size
    (``activations._rows_per_block``), so every pass over a block runs while
    it is in the cache. Off: one block holding every row.
``in_place``
    Every pass writes into the output block or into scratch buffers the size
    of a block, kept from call to call as the library keeps its own. Off:
    every pass allocates a new array, as plain NumPy expressions do.
``log1p``
    The maximum's own term is kept out of the sum ``r`` of the others:
    ``log1p(r)`` in the log-softmax, a separately rounded share for the
    maximum in the float64 softmax; one ``argmax`` gives the maximum and its
    position. Off: ``max``, the plain sum with the term included, and
    ``log`` of it.
``exact_exp``
    Nothing is rounded before the exponential: on rows whose maximum lies in
    the library's safe range (every timed row; the mirrors refuse others)
    the exact logits themselves are exponentiated, in float64, and the
    maximum's own term ``e^m`` is taken in extended precision
    (``numpy.longdouble``); the float32 softmax divides ``e^z`` by its
    float64 sum. Results are rounded to the input's dtype once. Off: the
    logits are shifted by the maximum, ``d = z - m`` rounded, and
    exponentiated, all in the input's dtype (an algorithm whose error grows
    with ``|d|``).
``exact_sum`` (float64 log-softmax only)
    The sum of the exponentials is split into parts that add without
    rounding (the library's ExtractVector split), so it is rounded once;
    with ``log1p`` the split's grid comes from the maximum's own term, as in
    the library, else from the plain sum. Off: NumPy's pairwise sum.

With every feature on, the mirror computes what the library computes
(``tests/test_benchmarks.py`` checks it to a few ulps), and should take
about as long: the ablation times the library beside it, so the page shows
whether the mirror is faithful in speed too. The mirrors take finite 2-D
C-contiguous float32 or float64 logits only, class axis last, temperature 1,
rows the library exponentiates without a shift (the timed inputs);
anything else is a ``ValueError``. Variants are timed
together, interleaved, with the same bootstrap intervals as the peers
(:mod:`benchmarks.stats`); a ratio is ``variant / all features on``.

The mirrors are the single-threaded algorithm, so the library is timed
beside them on one thread too (:data:`LIBRARY_THREADS`); its thread count
is put back afterwards.
"""

import math
from dataclasses import dataclass, replace

import numpy as np

import softmax_lib
from softmax_lib import activations

from .cases import speed_input
from .stats import paired_ratio_interval
from .timing import interleaved

FEATURES = ("blocking", "in_place", "log1p", "exact_exp", "exact_sum")
FEATURE_TEXT = {  # each reads after "Without"
    "blocking": "blocks of rows that fit in the cache",
    "in_place": "passes written in place into kept block-sized buffers",
    "log1p": "the maximum's own term kept out of the sum (log1p)",
    "exact_exp": "exact exponentials (the exact logits exponentiated in float64)",
    "exact_sum": "the sum rounded once (float64 log-softmax)",
}
# The features the library uses for each function and dtype; a variant
# without a feature the library does not use there would time the same code
# twice. The float32 softmax divides e^z by its float64 sum directly, with
# no maximum set apart; only the float64 log-softmax sums exactly.
#
# A library without exact exponentials (one that shifts and exponentiates in
# the input's dtype) uses the first three features everywhere; the mirror
# follows whichever library is installed.
EXACT = hasattr(activations, "_unshifted_rows")
if EXACT:
    USES = {
        ("softmax", "float32"): ("blocking", "in_place", "exact_exp"),
        ("softmax", "float64"): ("blocking", "in_place", "log1p", "exact_exp"),
        ("log_softmax", "float32"): ("blocking", "in_place", "log1p", "exact_exp"),
        ("log_softmax", "float64"): FEATURES,
    }
else:
    USES = {
        (function, dtype): ("blocking", "in_place", "log1p")
        for function in ("softmax", "log_softmax") for dtype in ("float32", "float64")
    }
FUNCTIONS = ("softmax", "log_softmax")


@dataclass(frozen=True)
class Features:
    """Which of the library's features a mirror uses (all, by default)."""

    blocking: bool = True
    in_place: bool = True
    log1p: bool = True
    exact_exp: bool = True
    exact_sum: bool = True  # the float64 log-softmax only; elsewhere ignored


ALL_ON = Features(exact_exp=EXACT, exact_sum=EXACT)
LIBRARY = "softmax_lib (the library)"
LIBRARY_THREADS = 1  # the mirrors compute in the calling thread; so does the library here
BASELINE = "every feature (the mirror)"
NONE_ON = "none of the features"
VARIANTS = {
    BASELINE: ALL_ON,
    **{
        f"without {name}": replace(ALL_ON, **{name: False})
        for name in FEATURES if getattr(ALL_ON, name)
    },
    NONE_ON: Features(False, False, False, False, False),
}

SHORT_NAMES = {  # for the figure's axis
    "without blocking": "no blocking",
    "without in_place": "not in place",
    "without log1p": "no log1p",
    "without exact_exp": "no exact exp",
    "without exact_sum": "no exact sum",
    NONE_ON: "none of them",
    LIBRARY: "the library",
}


def variants(function, dtype):
    """The variants timed for ``function`` and ``dtype``: those that switch off a used feature."""
    used = USES[(function, np.dtype(dtype).name)]
    return {
        name: features for name, features in VARIANTS.items()
        if not name.startswith("without ") or name.removeprefix("without ") in used
    }


# --------------------------------------------------------------------------
# The mirrors
# --------------------------------------------------------------------------

_WORK = np.dtype(np.float64)
_EXTENDED = np.longdouble
_PERSISTENT = {}  # in-place scratch kept from call to call, as the library keeps its own


def _check(x):
    x = np.asarray(x)
    if x.ndim != 2 or x.dtype not in (np.float32, np.float64) or not x.flags.c_contiguous:
        raise ValueError(
            f"x must be a C-contiguous 2-D float32 or float64 array, got {x.dtype} {x.shape}"
        )
    if not np.isfinite(x).all():  # the library patches such rows; the mirrors do not
        raise ValueError("the mirrors take finite logits only")
    return x


def _rows_per_block(x, features):
    """The library's own block size (``activations._rows_per_block``), or every row."""
    return activations._rows_per_block(x) if features.blocking else max(1, x.shape[0])


class _Scratch:
    """Named block-sized buffers of one dtype, kept (in place), or None: a new array each time."""

    def __init__(self, rows, classes, in_place):
        self.rows, self.classes, self.in_place = rows, classes, in_place

    def get(self, name, rows, dtype=_WORK):
        if not self.in_place:
            return None
        key = (name, np.dtype(dtype).name)
        size = self.rows * self.classes
        if key not in _PERSISTENT or _PERSISTENT[key].size < size:
            _PERSISTENT[key] = np.empty(size, dtype)
        return _PERSISTENT[key][: rows * self.classes].reshape(rows, self.classes)


def _maxima(z, features):
    """``(top, m)``: flat positions (or None) and values (shape ``(n, 1)``) of the row maxima."""
    rows, classes = z.shape
    if not features.log1p:
        return None, np.max(z, axis=1, keepdims=True)
    top = np.argmax(z, axis=1)
    top += np.arange(0, rows * classes, classes)
    return top, np.take(z, top).reshape(rows, 1)


def _require_unshifted(z, m):
    """The library's rule for exponentiating a row without a shift; the mirrors need it."""
    upper = 650.0 - math.log(z.shape[1] + 1.0)
    lower = 0.0 if z.dtype == _WORK else -600.0
    if not ((m >= lower) & (m <= upper)).all():
        raise ValueError("the mirrors take rows whose maximum the library does not shift")


def _exact_sum(terms, rough, scratch, rows, spare=None):
    """Row sums of non-negative ``terms`` rounded once: the library's ExtractVector split."""
    headroom = math.ceil(math.log2(terms.shape[1] + 2))
    _, exponent = np.frexp(rough)
    sigma = np.ldexp(terms.dtype.type(1), exponent + headroom)
    if spare is not None and terms.shape[1] < activations._LONG_ROW:
        # a whole block of sigma for short rows, as the library does
        np.copyto(spare, sigma)
        sigma = spare
    high = np.add(terms, sigma, out=scratch.get("work", rows, terms.dtype))
    high = np.subtract(high, sigma, out=high if scratch.in_place else None)
    high_sum = high.sum(axis=1, keepdims=True)
    low = np.subtract(terms, high, out=high if scratch.in_place else None)
    return high_sum + low.sum(axis=1, keepdims=True)


# --- with exact exponentials: e^z of the exact logits, in float64 ------------


def _exact_exps(z, top, features, scratch, buffer, exact_sum, logits=None, m=None):
    """``(exps, total)``: ``e^z`` in float64, the maximum's term 0 with ``log1p``.

    With ``logits`` (a float64 block, or a 0-d marker for a new array) the
    float32 logits are first copied there in float64, and exponentiated from
    there; the caller keeps them. With ``exact_sum`` and the row maxima
    ``m``, the exact sum takes its grid from ``e^m``, as the library does.
    """
    rows = z.shape[0]
    if logits is None:
        exps = np.exp(z, out=buffer, dtype=_WORK)
    else:
        exps = np.exp(logits, out=buffer)
    if top is not None:
        np.put(exps, top, 0.0)
    if exact_sum and m is not None:
        return exps, _exact_sum_below_maximum(exps, m, scratch, rows)
    total = exps.sum(axis=1, keepdims=True)
    if exact_sum:
        spare = scratch.get("spare", rows) if scratch.in_place else None
        total = _exact_sum(exps, total, scratch, rows, spare)
    return exps, total


def _exact_sum_below_maximum(exps, m, scratch, rows):
    """The library's exact sum on the grid of ``e^m``; rows with a small sum on their own."""
    spare = scratch.get("spare", rows) if scratch.in_place else None
    bound = np.exp(m)
    total = _exact_sum(exps, bound, scratch, rows, spare)
    small = np.flatnonzero(total < bound * activations._GRID_FROM_MAXIMUM)
    if small.size:
        part = exps[small]
        total[small] = _exact_sum(part, part.sum(axis=1, keepdims=True), _Scratch(0, 0, False),
                                  small.size)
    return total


def _exact_softmax_block(z, out, features, scratch):
    rows = z.shape[0]
    if z.dtype != _WORK:
        # float32: the library's plain path, e^z / sum(e^z) in float64, rounded
        # once; no maximum is needed, and the maximum's term is not set apart.
        exps, total = _exact_exps(z, None, features, scratch, scratch.get("exps", rows), False)
        low, high = activations._PLAIN_SUM_RANGE
        if not ((total >= low) & (total <= high)).all():
            raise ValueError("the mirrors take rows whose sum the library does not shift")
        exps = np.multiply(exps, 1 / total, out=exps if scratch.in_place else None)
        return _rounded(exps, out)
    top, m = _maxima(z, features)
    _require_unshifted(z, m)
    buffer = out if out is not None else None
    exps, total = _exact_exps(z, top, features, scratch, buffer, exact_sum=False)
    if top is None:  # e^z / sum(e^z), the maximum's term included
        exps = np.multiply(exps, 1 / total, out=exps if scratch.in_place else None)
        return _rounded(exps, out)
    unit = np.exp(m.astype(_EXTENDED))
    rest = total / unit
    total = unit * (rest + 1)
    scale = (1 / total).astype(_WORK)
    exps = np.multiply(exps, scale, out=exps if scratch.in_place else None)
    share = np.where(rest <= 0.25, unit / total, np.exp(m.astype(_WORK)) * scale)
    result = _rounded(exps, out)
    np.put(result, top, share)
    return result


def _exact_log_softmax_block(z, out, features, scratch):
    rows = z.shape[0]
    top, m = _maxima(z, features)
    _require_unshifted(z, m)
    buffer = scratch.get("exps", rows)
    if z.dtype == _WORK:
        # In place, the exponentials go into the result's block, as in the library.
        buffer = out if scratch.in_place else buffer
        # The grid from e^m needs the maximum's own term set apart (log1p).
        _, total = _exact_exps(z, top, features, scratch, buffer, features.exact_sum,
                               m=None if top is None else m)
        if top is None:
            c_hi, c_lo = np.log(total), 0.0
        else:
            log_sum = np.log1p(total / np.exp(m.astype(_EXTENDED)))
            log_hi = log_sum.astype(_WORK)
            c_hi, c_lo = _two_sum(m.astype(_WORK), log_hi)
            c_lo += (log_sum - log_hi).astype(_WORK)
        result = np.subtract(z, c_hi, out=out)
        return np.subtract(result, c_lo, out=result if scratch.in_place else None)
    # float32: the logits in float64 in d, e^d, then d - c rounded once; the
    # maximum's own entry is -log1p(rest) itself.
    d = scratch.get("d", rows)
    if d is None:
        d = z.astype(_WORK)
    else:
        np.copyto(d, z)
    _, total = _exact_exps(z, top, features, scratch, buffer, False, logits=d)
    if top is None:
        c_hi = np.log(total)
    else:
        log_sum = np.log1p(total / np.exp(m.astype(_EXTENDED)))
        c_hi = (m + log_sum).astype(_WORK)
    d = np.subtract(d, c_hi, out=d if scratch.in_place else None)
    result = _rounded(d, out)
    if top is not None:
        np.put(result, top, -log_sum)
    return result


def _two_sum(a, b):
    s = a + b
    b_virtual = s - a
    return s, (a - (s - b_virtual)) + (b - b_virtual)


def _rounded(values, out):
    """``values`` rounded once to ``out``'s dtype, in ``out`` (or a new array)."""
    if out is None:
        return values
    if values is not out:
        np.copyto(out, values)
    return out


# --- without: shift by the maximum and exponentiate in the input's dtype -----


def _shifted_exps(z, features, scratch, d_buffer, exps_buffer, exact_sum=False):
    """``(d, exps, top, rest)`` for a block ``z``, everything in ``z``'s dtype.

    ``d = z - m``, ``exps = exp(d)``. With ``log1p`` the maximum's own term
    is set to 0 in ``exps``, ``top`` holds its flat positions and ``rest`` is
    the sum of the others; otherwise ``top`` is None and ``rest`` the whole
    sum. ``d_buffer`` and ``exps_buffer`` may be the same (then ``d`` is
    gone), or None for new arrays.
    """
    rows = z.shape[0]
    top, m = _maxima(z, features)
    d = np.subtract(z, m, out=d_buffer)
    exps = np.exp(d, out=exps_buffer)
    if top is not None:
        np.put(exps, top, 0.0)
    rest = exps.sum(axis=1, keepdims=True)
    if exact_sum:
        rest = _exact_sum(exps, rest, scratch, rows)
    return d, exps, top, rest


def _shifted_softmax_block(z, out, features, scratch):
    buffer = out if out is not None else None
    _, exps, top, rest = _shifted_exps(z, features, scratch, buffer, buffer)
    if top is None:
        return np.multiply(exps, 1 / rest, out=out)
    total = rest + 1
    share = np.where(rest <= 0.25, 1 - rest / total, 1 / total)
    result = np.multiply(exps, 1 / total, out=out)
    np.put(result, top, share)
    return result


def _shifted_log_softmax_block(z, out, features, scratch):
    rows = z.shape[0]
    d, _, top, rest = _shifted_exps(
        z, features, scratch, out, scratch.get("exps", rows, z.dtype),
        exact_sum=features.exact_sum and z.dtype == _WORK,
    )
    log_sum = np.log1p(rest) if top is not None else np.log(rest)
    return np.subtract(d, log_sum, out=out)


def _softmax_block(z, out, features, scratch):
    if features.exact_exp:
        return _exact_softmax_block(z, out, features, scratch)
    return _shifted_softmax_block(z, out, features, scratch)


def _log_softmax_block(z, out, features, scratch):
    if features.exact_exp:
        return _exact_log_softmax_block(z, out, features, scratch)
    return _shifted_log_softmax_block(z, out, features, scratch)


def _run(block_function, x, features):
    x = _check(x)
    step = _rows_per_block(x, features)
    with np.errstate(under="ignore"):
        if not features.blocking and not features.in_place:
            # Whole-array NumPy expressions: the result is the last new array.
            result = block_function(x, None, features, _Scratch(0, 0, False))
            return result.astype(x.dtype, copy=False)
        out = np.empty_like(x)
        scratch = _Scratch(min(step, x.shape[0]), x.shape[1], features.in_place)
        for start in range(0, x.shape[0], step):
            rows = slice(start, min(start + step, x.shape[0]))
            if features.in_place:
                block_function(x[rows], out[rows], features, scratch)
            else:
                out[rows] = block_function(x[rows], None, features, scratch)
    return out


def softmax(x, features=ALL_ON):
    """The library's softmax of a 2-D block of finite logits, with some features off."""
    return _run(_softmax_block, x, features)


def log_softmax(x, features=ALL_ON):
    """The library's log-softmax of a 2-D block of finite logits, with some features off."""
    return _run(_log_softmax_block, x, features)


MIRRORS = {"softmax": softmax, "log_softmax": log_softmax}
LIBRARY_FUNCTIONS = {"softmax": softmax_lib.softmax, "log_softmax": softmax_lib.log_softmax}


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ablation:
    """The timings of every variant of one function on one input."""

    function: str
    dtype: str
    shape: tuple
    median_s: dict  # variant (the library included) -> median seconds
    spread: dict  # variant -> interquartile range / median
    interval: dict  # variant -> Interval of variant / BASELINE (the library: library / mirror)

    @property
    def case(self):
        return f"{self.function} {self.dtype} {'×'.join(str(n) for n in self.shape)}"


def timed_variants(function, x):
    """``{variant: callable}``: the library and every variant of the mirror of ``function``."""
    library, mirror = LIBRARY_FUNCTIONS[function], MIRRORS[function]
    runs = {LIBRARY: lambda: library(x)}
    for name, features in variants(function, x.dtype).items():
        runs[name] = (lambda f: lambda: mirror(x, f))(features)
    return runs


def measure(shapes, dtypes, repeats, progress=None):
    """Time every variant of each function on every (dtype, shape); a list of :class:`Ablation`.

    softmax_lib runs on :data:`LIBRARY_THREADS` thread while it is timed;
    its count is put back on return, even when a timing fails.
    """
    previous = softmax_lib.set_num_threads(LIBRARY_THREADS)
    try:
        return _measure_every_input(shapes, dtypes, repeats, progress)
    finally:
        softmax_lib.set_num_threads(previous)


def _measure_every_input(shapes, dtypes, repeats, progress):
    results = []
    total = len(shapes) * len(dtypes) * len(FUNCTIONS)
    done = 0
    for dtype in dtypes:
        for shape in shapes:
            x = speed_input(dtype, shape).logits
            for function in FUNCTIONS:
                done += 1
                name = f"{function} {np.dtype(dtype).name} {tuple(shape)}"
                if progress is not None:
                    progress(f"ablation [{done}/{total}]: {name}")
                series = interleaved(timed_variants(function, x), repeats)
                base = series[BASELINE].times
                results.append(
                    Ablation(
                        function=function,
                        dtype=np.dtype(dtype).name,
                        shape=tuple(shape),
                        median_s={v: s.median for v, s in series.items()},
                        spread={v: s.spread for v, s in series.items()},
                        interval={
                            v: paired_ratio_interval(s.times, base, name=f"ablation {name} {v}")
                            for v, s in series.items()
                            if v != BASELINE
                        },
                    )
                )
    return results
