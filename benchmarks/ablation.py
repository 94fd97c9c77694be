"""Where the speed (and its price) comes from: the library's algorithm with one feature off.

:func:`softmax` and :func:`log_softmax` here are small mirrors of
``softmax_lib.softmax`` and ``softmax_lib.log_softmax`` (see
``softmax_lib/activations.py``), written so that each of four features can
be switched off alone:

``blocking``
    The rows are processed in blocks of about ``_BLOCK_BYTES`` (the
    library's constant), so every pass over a block runs while it is in the
    cache. Off: one block holding every row.
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
    The rounding of ``d = z - m`` is kept out of the exponentials. float32
    (and float16): the shift, the exponential and the sum are computed in
    float64 inside each block and rounded once. float64: TwoSum gives the
    error ``e`` of ``d`` exactly, and ``exp(d + e) = exp(d) (1 + e + ...)``.
    Off: everything in the input's dtype.

With every feature on, the mirror computes what the library computes
(``tests/test_benchmarks.py`` checks it to a few ulps), and should take
about as long: the ablation times the library beside it, so the page shows
whether the mirror is faithful in speed too. The mirrors take finite 2-D
C-contiguous float32 or float64 logits only, class axis last, temperature 1
(the timed inputs); anything else is a ``ValueError``. Variants are timed
together, interleaved, with the same bootstrap intervals as the peers
(:mod:`benchmarks.stats`); a ratio is ``variant / all features on``.
"""

from dataclasses import dataclass, replace

import numpy as np

import softmax_lib
from softmax_lib.activations import _BLOCK_BYTES

from .cases import speed_input
from .stats import paired_ratio_interval
from .timing import interleaved

FEATURES = ("blocking", "in_place", "log1p", "compensated")
FEATURE_TEXT = {
    "blocking": "blocks of rows that fit in the cache",
    "in_place": "passes written in place, block-sized scratch",
    "log1p": "maximum's own term kept out of the sum (log1p)",
    "compensated": "compensated shift (float32: float64 in blocks; float64: TwoSum)",
}
FUNCTIONS = ("softmax", "log_softmax")


@dataclass(frozen=True)
class Features:
    """Which of the library's features a mirror uses (all, by default)."""

    blocking: bool = True
    in_place: bool = True
    log1p: bool = True
    compensated: bool = True


ALL_ON = Features()
LIBRARY = "softmax_lib (the library)"
BASELINE = "all four features (the mirror)"
NONE_ON = "none of the four"
VARIANTS = {
    BASELINE: ALL_ON,
    **{f"without {name}": replace(ALL_ON, **{name: False}) for name in FEATURES},
    NONE_ON: Features(False, False, False, False),
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
    if not features.blocking:
        return max(1, x.shape[0])
    return max(1, _BLOCK_BYTES // max(1, x.shape[1] * x.itemsize))


def _compute_dtype(x, features):
    return np.dtype(np.float64) if features.compensated else x.dtype


class _Scratch:
    """Block-sized buffers, made once and reused (in place), or new arrays every time."""

    def __init__(self, rows, classes, dtype, in_place):
        self.shape, self.dtype, self.in_place = (rows, classes), dtype, in_place
        self.buffers = {}

    def get(self, name, rows):
        if not self.in_place:
            return None
        if name not in self.buffers:
            self.buffers[name] = np.empty(self.shape, self.dtype)
        return self.buffers[name][:rows]


def _shifted_exps(z, features, scratch, with_shift):
    """``(d, exps, m, top)`` for a block ``z``: the shifts, their exponentials, maxima.

    ``d = z - m`` in the compute dtype; ``exps = exp(d)``, compensated for
    the rounding of ``d`` when asked. With ``log1p`` the maximum's own term is
    set to 0 in ``exps`` and ``top`` holds its flat positions; otherwise
    ``top`` is None. ``d`` is returned only when ``with_shift`` (the
    log-softmax needs it); otherwise ``exps`` may share its buffer.
    """
    rows, classes = z.shape
    if features.log1p:
        top = np.argmax(z, axis=1)
        top += np.arange(0, rows * classes, classes)
        m = np.take(z, top).reshape(rows, 1)
    else:
        top = None
        m = np.max(z, axis=1, keepdims=True)
    if not np.isfinite(m).all():  # the library patches these rows; the mirror does not
        raise ValueError("the mirrors take finite logits only")
    float64_block = features.compensated and z.dtype == np.float32
    two_sum = features.compensated and z.dtype == np.float64
    if float64_block:
        z = z.astype(np.float64) if not features.in_place else _into(scratch.get("z", rows), z)
        m = m.astype(np.float64)
    d = np.subtract(z, m, out=scratch.get("d", rows))
    if two_sum:
        e = _two_sum_error(z, m, d, scratch, rows)
    out = scratch.get("exps", rows) if with_shift else d
    if not features.in_place:
        out = None
    exps = np.exp(d, out=out)
    if two_sum:
        # exp(d + e) = exp(d) exp(e) = exp(d) (1 + e + e^2/2 + ...), |e| <= ulp(d) / 2
        correction = np.multiply(exps, e, out=e if features.in_place else None)
        exps = np.add(exps, correction, out=exps if features.in_place else None)
    if top is not None:
        np.put(exps, top, 0.0)
    return (d if with_shift else None), exps, m, top


def _into(buffer, values):
    np.copyto(buffer, values)
    return buffer


def _two_sum_error(z, m, d, scratch, rows):
    """The exact error ``e = (z - m) - d`` of ``d = fl(z - m)`` (Knuth's TwoSum)."""
    in_place = scratch.in_place
    b_virtual = np.subtract(d, z, out=scratch.get("t", rows))  # the part of d that came from -m
    a_virtual = np.subtract(d, b_virtual, out=scratch.get("e", rows))  # ... and from z
    a_error = np.subtract(z, a_virtual, out=a_virtual if in_place else None)
    b_error = np.add(b_virtual, m, out=b_virtual if in_place else None)  # -((-m) - b_virtual)
    return np.subtract(a_error, b_error, out=a_error if in_place else None)


def _softmax_block(z, out, features, scratch):
    _, exps, _, top = _shifted_exps(z, features, scratch, with_shift=False)
    if top is None:
        total = exps.sum(axis=1, keepdims=True)
        return np.multiply(exps, 1 / total, out=out)
    rest = exps.sum(axis=1, keepdims=True)
    total = rest + 1
    share = np.where(rest <= 0.25, 1 - rest / total, 1 / total)
    result = np.multiply(exps, 1 / total, out=out)
    np.put(result, top, share)
    return result


def _log_softmax_block(z, out, features, scratch):
    d, exps, _, top = _shifted_exps(z, features, scratch, with_shift=True)
    if top is None:
        log_total = np.log(exps.sum(axis=1, keepdims=True))
    else:
        log_total = np.log1p(exps.sum(axis=1, keepdims=True))
    return np.subtract(d, log_total, out=out)


def _run(block_function, x, features):
    x = _check(x)
    step = _rows_per_block(x, features)
    if not features.blocking and not features.in_place:
        # Whole-array NumPy expressions: the result is the last new array.
        with np.errstate(under="ignore"):
            return block_function(x, None, features, _Scratch(0, 0, x.dtype, False)).astype(
                x.dtype, copy=False
            )
    out = np.empty_like(x)
    scratch = _Scratch(min(step, x.shape[0]), x.shape[1], _compute_dtype(x, features),
                       features.in_place)
    with np.errstate(under="ignore"):
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
    for name, features in VARIANTS.items():
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
