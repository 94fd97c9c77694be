"""Where the speed (and its price) comes from: the library's algorithm with one feature off.

:func:`softmax` and :func:`log_softmax` here are small mirrors of
``softmax_lib.softmax`` and ``softmax_lib.log_softmax`` (see
``softmax_lib/activations.py``), written so that each of the library's
features can be switched off alone:

``blocking``
    The rows are processed in blocks of the library's own size
    (``activations._rows_per_block``), so every pass over a block runs while
    it is in the cache. Off: one block holding every row.
``in_place``
    Every pass writes into the output block or into scratch buffers the size
    of a block, allocated once. Off: every pass allocates a new array, as
    plain NumPy expressions do.
``log1p``
    The maximum's own term (exactly 1) is kept out of the sum ``r`` of the
    others: ``log1p(r)`` in the log-softmax, ``1 - r / (1 + r)`` for the
    maximum's own probability in the softmax; one ``argmax`` gives both the
    maximum and its position. Off: ``max``, the plain sum with the term
    included, ``log`` of it, and no special share.
``compensated``
    The rounding of ``d = z - m`` is kept out of the exponentials. float32:
    the shift, the exponential and the sum are computed in float64 inside
    each block and rounded once. float64: TwoSum gives the error ``e`` of
    ``d`` exactly, and ``exp(d + e) = exp(d) + exp(d) e`` to first order.
    Off: everything in the input's dtype.
``exact_sum`` (log-softmax only)
    The sum of the exponentials is split into parts that add without
    rounding (an ExtractVector split), so it is rounded once. Off: NumPy's
    pairwise sum.

With every feature on, the mirror computes what the library computes
(``tests/test_benchmarks.py`` checks it to a few ulps), and should take
about as long: the ablation times the library beside it, so the page shows
whether the mirror is faithful in speed too. The mirrors take finite 2-D
C-contiguous float32 or float64 logits only, class axis last, temperature 1
(the timed inputs); anything else is a ``ValueError``. Variants are timed
together, interleaved, with the same bootstrap intervals as the peers
(:mod:`benchmarks.stats`); a ratio is ``variant / all features on``.
"""

import math
from dataclasses import dataclass, replace

import numpy as np

import softmax_lib
from softmax_lib import activations

from .cases import speed_input
from .stats import paired_ratio_interval
from .timing import interleaved

FEATURES = ("blocking", "in_place", "log1p", "compensated", "exact_sum")
FEATURE_TEXT = {
    "blocking": "blocks of rows that fit in the cache",
    "in_place": "passes written in place, block-sized scratch",
    "log1p": "maximum's own term kept out of the sum (log1p)",
    "compensated": "compensated shift (float32: float64 in blocks; float64: TwoSum)",
    "exact_sum": "the sum of the exponentials rounded once (log-softmax)",
}
# The features each function uses; a variant without a feature the function
# does not use would time the same code twice.
USES = {"softmax": FEATURES[:4], "log_softmax": FEATURES}
FUNCTIONS = ("softmax", "log_softmax")


@dataclass(frozen=True)
class Features:
    """Which of the library's features a mirror uses (all, by default)."""

    blocking: bool = True
    in_place: bool = True
    log1p: bool = True
    compensated: bool = True
    exact_sum: bool = True  # the log-softmax only; the softmax ignores it


ALL_ON = Features()
LIBRARY = "softmax_lib (the library)"
BASELINE = "every feature (the mirror)"
NONE_ON = "none of the features"
VARIANTS = {
    BASELINE: ALL_ON,
    **{f"without {name}": replace(ALL_ON, **{name: False}) for name in FEATURES},
    NONE_ON: Features(False, False, False, False, False),
}

SHORT_NAMES = {  # for the figure's axis
    "without blocking": "no blocking",
    "without in_place": "not in place",
    "without log1p": "no log1p",
    "without compensated": "no compensation",
    "without exact_sum": "no exact sum",
    NONE_ON: "none of them",
    LIBRARY: "the library",
}


def variants(function):
    """The variants timed for ``function``: those that switch off a feature it uses."""
    used = USES[function]
    return {
        name: features for name, features in VARIANTS.items()
        if not name.startswith("without ") or name.removeprefix("without ") in used
    }


# --------------------------------------------------------------------------
# The mirrors
# --------------------------------------------------------------------------


def _check(x):
    x = np.asarray(x)
    if x.ndim != 2 or x.dtype not in (np.float32, np.float64) or not x.flags.c_contiguous:
        raise ValueError(
            f"x must be a C-contiguous 2-D float32 or float64 array, got {x.dtype} {x.shape}"
        )
    return x


def _rows_per_block(x, features):
    """The library's own block size (``activations._rows_per_block``), or every row."""
    return activations._rows_per_block(x) if features.blocking else max(1, x.shape[0])


def _work_dtype(x, features):
    return np.dtype(np.float64) if features.compensated else x.dtype


class _Scratch:
    """Block-sized buffers, made once and reused (in place), or None: a new array each time."""

    def __init__(self, rows, classes, dtype, in_place):
        self.shape, self.dtype, self.in_place = (rows, classes), dtype, in_place
        self.buffers = {}

    def get(self, name, rows):
        if not self.in_place:
            return None
        if name not in self.buffers:
            self.buffers[name] = np.empty(self.shape, self.dtype)
        return self.buffers[name][:rows]


def _two_sum_error(z, m, d, scratch, rows):
    """The exact error ``e = (z - m) - d`` of ``d = fl(z - m)`` (Knuth's TwoSum)."""
    in_place = scratch.in_place
    from_b = np.subtract(d, z, out=scratch.get("error", rows))  # the part of d from -m
    from_a = np.subtract(d, from_b, out=scratch.get("work", rows))  # ... and from z
    lost_a = np.subtract(z, from_a, out=from_a if in_place else None)
    lost_b = np.add(from_b, m, out=from_b if in_place else None)  # minus what of -m was lost
    return np.subtract(lost_a, lost_b, out=lost_b if in_place else None)


def _exact_sum(terms, rough, scratch, rows):
    """Row sums of non-negative ``terms`` rounded once: the library's ExtractVector split."""
    headroom = math.ceil(math.log2(terms.shape[1] + 2))
    _, exponent = np.frexp(rough)
    sigma = np.ldexp(terms.dtype.type(1), exponent + headroom)
    high = np.add(terms, sigma, out=scratch.get("work", rows))
    high = np.subtract(high, sigma, out=high if scratch.in_place else None)
    high_sum = high.sum(axis=1, keepdims=True)
    low = np.subtract(terms, high, out=high if scratch.in_place else None)
    return high_sum + low.sum(axis=1, keepdims=True)


def _shifted_exps(z, features, scratch, d_buffer, exps_buffer, exact_sum=False):
    """``(d, error, exps, top, rest)`` for a block ``z`` of finite logits.

    ``d = z - m`` in the work dtype (float64 with ``compensated``),
    ``error`` its TwoSum error (float64 logits with ``compensated``, else
    None), ``exps = exp(d + error)`` to first order. With ``log1p`` the
    maximum's own term is set to 0 in ``exps``, ``top`` holds its flat
    positions and ``rest`` is the sum of the others; otherwise ``top`` is
    None and ``rest`` the whole sum, rounded once with ``exact_sum``.
    ``d_buffer`` and ``exps_buffer`` may be the same (then ``d`` is gone), or
    None for new arrays.
    """
    rows, classes = z.shape
    if features.log1p:
        top = np.argmax(z, axis=1)
        top += np.arange(0, rows * classes, classes)
        m = np.take(z, top).reshape(rows, 1)
    else:
        top = None
        m = np.max(z, axis=1, keepdims=True)
    if not np.isfinite(m).all():  # the library patches such rows; the mirror does not
        raise ValueError("the mirrors take finite logits only")
    d = np.subtract(z, m, out=d_buffer, dtype=_work_dtype(z, features))
    error = None
    if features.compensated and z.dtype == np.float64:
        error = _two_sum_error(z, m, d, scratch, rows)
    exps = np.exp(d, out=exps_buffer)
    if error is not None:
        # exp(d + e) = exp(d) + exp(d) e + O(e^2), |e| <= ulp(d) / 2
        exps += np.multiply(exps, error, out=scratch.get("work", rows))
    if top is not None:
        np.put(exps, top, 0.0)
    rest = exps.sum(axis=1, keepdims=True)
    if exact_sum:
        rest = _exact_sum(exps, rest, scratch, rows)
    return d, error, exps, top, rest


def _softmax_block(z, out, features, scratch):
    rows = z.shape[0]
    same = out is not None and out.dtype == _work_dtype(z, features)
    buffer = out if same else scratch.get("exps", rows)
    _, _, exps, top, rest = _shifted_exps(z, features, scratch, buffer, buffer)
    if top is None:
        return np.multiply(exps, 1 / rest, out=out)
    total = rest + 1
    share = np.where(rest <= 0.25, 1 - rest / total, 1 / total)
    result = np.multiply(exps, 1 / total, out=out)
    np.put(result, top, share)
    return result


def _log_softmax_block(z, out, features, scratch):
    rows = z.shape[0]
    same = out is not None and out.dtype == _work_dtype(z, features)
    d_buffer = out if same else scratch.get("d", rows)
    d, error, _, _, rest = _shifted_exps(z, features, scratch, d_buffer,
                                         scratch.get("exps", rows), features.exact_sum)
    log_sum = np.log1p(rest) if features.log1p else np.log(rest)
    if error is not None:
        # d + (error - log_sum): the compensation and the logarithm first.
        correction = np.subtract(error, log_sum, out=error if scratch.in_place else None)
        return np.add(d, correction, out=out)
    d = np.subtract(d, log_sum, out=d if scratch.in_place else None)
    if out is None:
        return d
    if d is not out:
        np.copyto(out, d)  # the one rounding to the output dtype
    return out


def _run(block_function, x, features):
    x = _check(x)
    step = _rows_per_block(x, features)
    work = _work_dtype(x, features)
    with np.errstate(under="ignore"):
        if not features.blocking and not features.in_place:
            # Whole-array NumPy expressions: the result is the last new array.
            result = block_function(x, None, features, _Scratch(0, 0, work, False))
            return result.astype(x.dtype, copy=False)
        out = np.empty_like(x)
        scratch = _Scratch(min(step, x.shape[0]), x.shape[1], work, features.in_place)
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
    for name, features in variants(function).items():
        runs[name] = (lambda f: lambda: mirror(x, f))(features)
    return runs


def measure(shapes, dtypes, repeats, progress=None):
    """Time every variant of each function on every (dtype, shape); a list of :class:`Ablation`."""
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
