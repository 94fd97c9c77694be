r"""Softmax, log-softmax, log-sum-exp and the logistic sigmoid, computed stably and accurately.

No ``exp`` ever overflows, and ``logsumexp`` and ``log_softmax`` take the
maximum's own term out of the sum and add it back with ``log1p``
(Blanchard, Higham and Higham, 2021), which keeps a tiny second term that a
plain ``log`` of the sum would round away.

**Accuracy.** The usual shift ``d = z - m`` by the row maximum ``m`` is
itself rounded, and the exponential turns that absolute error (up to half
an ulp of ``d``) into a relative error of the result of up to ``|d| / 2``
ulps: the condition number of :math:`e^{d}` with respect to ``d`` is
``|d|``. On logits spread over tens of units this, not the exponential,
dominates the error of the textbook algorithm. Here no rounded difference is
ever exponentiated:

* rows whose maximum lies in a safe range (see ``_unshifted_rows``) are
  exponentiated **unshifted**: :math:`e^{z_j}` of the exact logits, with the
  maximum's own term :math:`e^{m}` in extended precision;
* other rows are shifted, and the exact rounding error ``e`` of
  ``d = fl(z - m)`` (``z - m = d + e`` exactly, by TwoSum) enters to first
  order: :math:`e^{d + e} = e^{d}(1 + e + \theta)` with
  :math:`|\theta| \le e^2`, and :math:`|e| \le 2^{-53} \cdot 745` wherever
  :math:`e^{d}` does not underflow, so :math:`|\theta| < 10^{-26}`;
* float16 and float32 inputs are computed in float64 inside the
  cache-sized blocks and rounded once, which makes them correctly rounded
  in practice;
* the float64 sums of exponentials behind the log-domain results are
  computed without rounding error but the last (``_accurate_sum``), since
  their 2-ulp bound depends on it; the softmax itself uses NumPy's pairwise
  sum, which keeps it within its 4-ulp target at half the cost.

Errors measured against mpmath by ``tests/test_accuracy.py`` on the
benchmark's adversarial suite, wide rows ``N(0, 10^2)`` and rows at
``+-1e4``: float32 softmax, log-softmax and log-sum-exp within 0.5 ulp;
float64 softmax within 2.47 ulps (3.82 over 600 further random rows),
log-softmax within 1.20 and log-sum-exp within 0.64 (in ulps of
``max(|LSE|, |max z|)``).

Conventions shared by every function here:

* the class axis is ``axis=-1`` unless the ``axis`` argument says otherwise;
* float16, float32 and float64 inputs keep their dtype (float16 and float32
  are computed in float64 and rounded once at the end); bool and integer
  inputs become float64;
* inputs are never modified;
* a NaN makes its own row NaN and no other, and every row is computed by
  the same operations whatever batch it comes in.

References
----------
Blanchard, P., Higham, D. J. and Higham, N. J. (2021). Accurately computing
the log-sum-exp and softmax functions. *IMA Journal of Numerical Analysis*,
41(4), 2311-2330.

Ogita, T., Rump, S. M. and Oishi, S. (2005). Accurate sum and dot product.
*SIAM Journal on Scientific Computing*, 26(6), 1955-1988 (TwoSum).

Rump, S. M., Ogita, T. and Oishi, S. (2008). Accurate floating-point
summation part I: faithful rounding. *SIAM Journal on Scientific
Computing*, 31(1), 189-224 (the extraction used by ``_accurate_sum``).

Dekker, T. J. (1971). A floating-point technique for extending the available
precision. *Numerische Mathematik* (the exact product used with a
temperature).
"""

import math
import threading
from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, class_axis, compute_dtype, positive_finite
from .threads import for_each_block

__all__ = ["softmax", "log_softmax", "logsumexp", "sigmoid"]


# Rows are processed in blocks of about this many bytes of float64 work. Every
# pass over a block (argmax, shift, error of the shift, exponential, sum,
# scale) then runs while the block and its scratch buffers are in the CPU's
# caches, so the logits travel from memory once and the result travels back
# once, however many passes the algorithm makes, and scratch buffers are the
# size of a block, not of the input. Smaller blocks fit a 2 MB L2 cache but
# pay NumPy's per-call and per-row overhead more often: 1 MB blocks are 3-7%
# slower on the benchmark's 4096 x 1000 and 1000 x 10000 float64 shapes, and
# 0.5 MB blocks 8-15% slower; 4 MB blocks are as fast, 8 MB ones 15% slower.
_BLOCK_BYTES = 2 << 20

# Every exponential is computed in float64, whatever the input's dtype, and
# rounded to the output dtype once at the end.
_WORK = np.dtype(np.float64)


def _logits(x, axis, temperature=1.0):
    """Validate the arguments; return ``(output dtype, z, axis, temperature)``."""
    arr = as_float_array(x, "x")
    ax = class_axis(axis, arr.ndim)
    temperature = positive_finite(temperature, "temperature")
    z = arr.astype(compute_dtype(arr.dtype), copy=False)
    return arr.dtype, z, ax, temperature


def _rows(z, ax):
    """``z`` as a C-contiguous matrix of rows ``(n, K)``, the class axis last.

    A view when the class axis is already the last axis of a C-contiguous
    array (the common case); a copy otherwise. Returns the matrix and the
    shape of ``z`` with its class axis moved last, for :func:`_from_rows`.
    Every row is then computed by the same operations, whatever the layout
    of the input and wherever the row falls in the batch.
    """
    moved = z if ax == z.ndim - 1 else np.moveaxis(z, ax, -1)
    return np.ascontiguousarray(moved).reshape(-1, moved.shape[-1]), moved.shape


def _from_rows(out, moved_shape, ax):
    """Put a result of shape ``(n, K)`` (or ``(n, 1)``, a reduction) back in ``z``'s layout."""
    out = out.reshape(moved_shape[:-1] + out.shape[-1:])
    return out if ax == len(moved_shape) - 1 else np.moveaxis(out, -1, ax)


def _rows_per_block(rows):
    """How many rows of ``rows`` make a block of about ``_BLOCK_BYTES`` of float64 work."""
    return max(1, _BLOCK_BYTES // max(1, rows.shape[1] * _WORK.itemsize))


def _blocks(rows):
    """Slices of consecutive rows of about ``_BLOCK_BYTES`` (in float64) each."""
    n_rows, step = rows.shape[0], _rows_per_block(rows)
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


def _for_each_block_with_scratch(rows, count, work):
    """``work(block, buffers)`` for every block of ``rows``, shared among the threads.

    ``block`` is a slice of rows (:func:`_blocks`) and ``buffers`` a list of
    ``count`` float64 scratch blocks of its size, each thread using its own
    (:class:`_Scratch`). Every block runs under :func:`_quiet`
    (:func:`softmax_lib.threads.for_each_block`).
    """
    scratches = {}  # thread identifier -> _Scratch

    def compute(block):
        scratch = scratches.get(threading.get_ident())
        if scratch is None:
            scratch = scratches[threading.get_ident()] = _Scratch(rows, count)
        work(block, scratch(block.stop - block.start))

    for_each_block(list(_blocks(rows)), compute, context=_quiet)


_THREAD = threading.local()  # each thread's scratch memory (see _Scratch)


class _Scratch:
    """Float64 scratch buffers the size of one block of ``rows``, reused for every block.

    The memory is kept from call to call, one set per thread (the caller and
    each helper of :mod:`softmax_lib.threads`): a fresh buffer
    of a megabyte or two comes from the operating system page by page,
    and touching those pages costs as much as a pass over the block. No
    function here calls another while it holds its buffers. Buffers for
    rows too long to fit a block of ``2 * _BLOCK_BYTES`` (4 MB) are not kept.
    """

    def __init__(self, rows, count):
        shape = (min(_rows_per_block(rows), rows.shape[0]), rows.shape[1])
        if shape[0] * shape[1] * _WORK.itemsize > 2 * _BLOCK_BYTES:  # rows too long to keep
            self._buffers = [np.empty(shape, _WORK) for _ in range(count)]
            return
        views = getattr(_THREAD, "views", {})
        key = (shape, count)
        if key not in views:
            size = shape[0] * shape[1]
            pool = getattr(_THREAD, "pool", [])
            pool += [np.empty(0, _WORK)] * (count - len(pool))
            for i in range(count):
                if pool[i].size < size:
                    pool[i] = np.empty(size, _WORK)
                    views = {}  # views of the old buffers are stale
            _THREAD.pool = pool
            if len(views) > 64:  # many shapes seen: start afresh
                views = {}
            views[key] = [pool[i][:size].reshape(shape) for i in range(count)]
            _THREAD.views = views
        self._buffers = views[key]

    def __call__(self, n_rows):
        """The buffers cut to a block of ``n_rows`` rows."""
        return [buffer[:n_rows] for buffer in self._buffers]


def _two_sum_error(z, m, d, error, scratch):
    r"""The exact rounding error of ``d = fl(z - m)``: ``z - m = d + error`` exactly.

    TwoSum (as given by Ogita, Rump and Oishi, 2005) in five in-place
    passes, valid whatever the order of
    magnitude of ``z`` and ``m``. ``error`` is at most half an ulp of ``d``.
    Where ``d`` is infinite the error is NaN (callers clean it up).
    """
    np.subtract(d, z, out=error)  # the part of d that came from -m
    np.subtract(d, error, out=scratch)  # the part of d that came from z
    np.subtract(z, scratch, out=scratch)  # what of z was lost
    error += m  # minus what of -m was lost
    np.subtract(scratch, error, out=error)


def _split(value):
    """Veltkamp's split of a float64 scalar into ``hi + lo`` with 26-bit halves (exact)."""
    mantissa, exponent = math.frexp(value)  # scaled first, so that 2^27 * value cannot overflow
    scaled = _SPLITTER * mantissa
    hi = scaled - (scaled - mantissa)
    return math.ldexp(hi, exponent), math.ldexp(mantissa - hi, exponent)


# Veltkamp's splitting constant for float64: 2^27 + 1.
_SPLITTER = 134217729.0


def _divide_compensated(q, error, temperature):
    r"""Divide the compensated shift ``d + error`` (``d`` in ``q``) by ``T``.

    On return ``q = fl(d / T)`` and ``error`` holds ``(d + error) / T - q`` to
    first order. The remainder ``d - q T`` of the division is a float; it is
    computed exactly with Dekker's TwoProduct (``q T = p + p_lo`` exactly,
    by Veltkamp splitting, since NumPy has no fused multiply-add), and
    ``d - p`` is exact by Sterbenz's lemma. Only temperatures other than 1
    pay for this.
    """
    t_hi, t_lo = _split(temperature)
    d = q.copy()
    q /= temperature
    split = q * _SPLITTER
    q_hi = split - (split - q)
    q_lo = q - q_hi
    p = q * temperature
    p_lo = ((q_hi * t_hi - p) + q_hi * t_lo + q_lo * t_hi) + q_lo * t_lo
    error += (d - p) - p_lo
    error /= temperature


def _exp_into(z, out):
    """``out = e^z`` into the float64 block ``out``, for a block ``z`` of any float dtype.

    A float32 block is converted first and exponentiated in place: NumPy's
    casting inside ``np.exp(..., dtype=float64)`` costs more than the
    copy (about 13% of the exponential's time, measured on blocks of
    50 000 to 130 000 entries).
    """
    if z.dtype == out.dtype:
        np.exp(z, out=out)
    else:
        np.copyto(out, z)
        np.exp(out, out=out)


def _peak(z):
    """Flat positions ``top`` and values ``m`` (shape ``(n, 1)``) of the row maxima of a block."""
    n_rows, n_classes = z.shape
    top = np.argmax(z, axis=1)
    top += np.arange(0, n_rows * n_classes, n_classes)
    return top, np.take(z, top).reshape(n_rows, 1)


def _shift(z, m, d, error, scratch, temperature=1.0):
    """Write the shifted logits ``(z - m) / T`` into the float64 block ``d``.

    Returns the compensation ``error``, such that ``d + error`` is the exact
    shifted logit to first order, or None when ``d`` is already exact enough.

    float16 and float32 logits are subtracted in float64: the difference of
    two float32 numbers is then exact (or off by at most ``2^-53`` relative),
    far below the rounding unit of the output, and no compensation is
    needed. float64 logits get the exact error of the subtraction from
    :func:`_two_sum_error`, and with ``T != 1`` the exact remainder of the
    division (:func:`_divide_compensated`). Entries more than the largest
    float below the maximum become ``-inf``, their correctly rounded
    exponential being 0.
    """
    if z.dtype != _WORK:
        # Cast first, then subtract in float64: a ufunc that casts while it
        # broadcasts m runs several times slower.
        np.copyto(d, z)
        d -= m.astype(_WORK)
        if temperature != 1.0:
            d /= temperature
        return None
    np.subtract(z, m, out=d)
    _two_sum_error(z, m, d, error, scratch)
    if temperature != 1.0:
        _divide_compensated(d, error, temperature)
    return error


def _shift_of(values, m):
    """``(d, error)`` in float64 with ``values - m = d + error`` exactly (entrywise, any shape).

    For a few picked entries (one per row); ``error`` is 0 where ``d`` is
    infinite.
    """
    values = np.asarray(values, _WORK)
    m = np.asarray(m, _WORK)
    d = values - m
    error = np.empty_like(d)
    _two_sum_error(values, m, d, error, np.empty_like(d))
    error[~np.isfinite(d)] = 0.0
    return d, error


def _exponentiate(d, error, exps, top, scratch, m):
    r"""``exps = exp(d + error)`` (``exps`` may be ``d``), the maximum's term set to 0.

    Returns the row sums of ``exps``, shape ``(n, 1)``.

    The compensation enters to first order: :math:`e^{d + \epsilon} = e^{d}
    (1 + \epsilon + \theta)` with :math:`|\theta| \le \epsilon^2` for
    :math:`|\epsilon| \le 10^{-13}` (the largest error of a shift whose
    exponential does not underflow is :math:`2^{-53} \cdot 745`), so
    :math:`\theta < 10^{-26}` is invisible in float64. The correction is
    added as ``e^d + e^d * error``, not as ``e^d * (1 + error)``, whose
    ``1 + error`` would itself be rounded to a multiple of ``2^-53``.
    The maximum's own term, exactly ``e^0 = 1``, is left out so that
    the sum keeps terms far below the rounding unit of ``1 + rest``.
    """
    np.exp(d, out=exps)
    if error is not None:
        np.multiply(exps, error, out=scratch)
        exps += scratch
    np.put(exps, top, 0.0)
    rest = exps.sum(axis=1, keepdims=True)
    _clean_masked_rows(rest, m, exps, error)
    return rest


# From this many classes on, a broadcast column costs NumPy no more than a
# whole block: _accurate_sum's spare block then only adds a pass. Measured
# on float64 blocks: the spare saves 12-14% of the sum's time for rows of
# 1000-4000 classes and costs 34% for rows of 8000 to 100 000.
_LONG_ROW = 8000


def _accurate_sum(terms, rough, scratch, spare=None):
    r"""Row sums of the non-negative ``terms``, with no rounding error beyond the last.

    ``rough`` (shape ``(n, 1)``) is their ordinary sum, or any bound on
    their largest term. Each term is split
    exactly into a high part on a grid coarse enough that the high parts add
    without any rounding, and a low part below :math:`u \sigma` (Rump, Ogita
    and Oishi, 2008, ExtractVector), with :math:`\sigma = 2^{M} 2^{E}`,
    :math:`2^{M} \ge K + 2` and :math:`2^{E} > \text{rough}`. With the
    ordinary sum as ``rough`` the low parts
    are at most :math:`4 K^2 u` of the sum, so their own rounding is
    negligible, and the result is the exact sum of ``terms`` up to one
    rounding plus about :math:`4 K^2 u^2 \log_2 K` relative (with a bound,
    that times bound / sum). Three passes and a
    sum more than an ordinary sum (four with the ``spare`` block, used for
    rows shorter than ``_LONG_ROW``, which makes the two passes with
    :math:`\sigma` contiguous and faster), which errs by up to :math:`\log_2 K`
    ulps; only the float64 log-domain results, whose tightest bound depends
    on it, pay for this.
    """
    # (Called under _quiet(): rows with an infinite or NaN maximum give NaN.)
    headroom = math.ceil(math.log2(terms.shape[1] + 2))
    _, exponent = np.frexp(rough)
    exponent += headroom
    sigma = np.ldexp(1.0, exponent)
    if spare is not None and terms.shape[1] < _LONG_ROW:
        # NumPy adds a broadcast column to short rows slower than a whole block
        np.copyto(spare, sigma)
        sigma = spare
    np.add(terms, sigma, out=scratch)
    scratch -= sigma  # the high parts: exact, and so is their sum
    high = scratch.sum(axis=1, keepdims=True)
    np.subtract(terms, scratch, out=scratch)  # the low parts: exact
    high += scratch.sum(axis=1, keepdims=True)
    return high


# Unshifted rows whose other exponentials sum to at least this share of the
# maximum's own term take their exact sum's grid from that term (see
# _sum_below_maximum); about 2% of the benchmark's 1000-class rows do not.
_GRID_FROM_MAXIMUM = 1 / 16


def _sum_below_maximum(terms, m, scratch):
    r"""Row sums of unshifted float64 exponentials, with no rounding error beyond the last.

    ``terms`` holds :math:`e^{z_j}` with 0 at the row maximum ``m`` (shape
    ``(n, 1)``), so every term is at most :math:`e^{m}`: :func:`_accurate_sum`
    can take its grid from :math:`e^{m}` instead of from an ordinary sum,
    and that pass is saved. Its low parts are then at most
    :math:`4 K^2 u e^{m}`, within :math:`64 K^2 u` of the sum for rows whose
    sum is at least :math:`e^{m} / 16`; rows with a smaller sum (a dominant
    maximum) are summed again on the grid of their own ordinary sum.
    ``scratch`` is a list of two float64 blocks.
    """
    bound = np.exp(m)
    total = _accurate_sum(terms, bound, scratch[1], scratch[0])
    small = np.flatnonzero(total < bound * _GRID_FROM_MAXIMUM)
    if small.size:
        part = terms[small]
        total[small] = _accurate_sum(part, part.sum(axis=1, keepdims=True),
                                     scratch[1][: small.size], scratch[0][: small.size])
    return total


def _clean_masked_rows(rest, m, exps, error):
    """Zero the NaN compensations of entries whose shift is ``-inf``.

    TwoSum of an infinite shift (a ``-inf`` logit, a mask, or a shift that
    overflows) gives a NaN error, and ``0 * NaN`` a NaN term. Such rows are
    found through their sum, so rows without ``-inf`` cost nothing; rows with
    a non-finite maximum are patched by the callers.
    """
    spoilt = np.isnan(rest).ravel() & np.isfinite(m).ravel()
    if not spoilt.any():
        return
    terms = exps[spoilt]
    terms[np.isnan(terms)] = 0.0  # e^{-inf} = 0
    exps[spoilt] = terms
    rest[spoilt] = terms.sum(axis=1, keepdims=True)
    if error is not None:
        errors = error[spoilt]
        errors[np.isnan(errors)] = 0.0
        error[spoilt] = errors


class _Exps(NamedTuple):
    r"""The exponentials of a block, as :func:`_exponentials` leaves them.

    ``exps[j]`` holds :math:`e^{z_j - c}` for a per-row reference ``c`` and
    0 at the maximum; ``unit`` (shape ``(n, 1)``, or the number 1) is what
    the maximum's own term :math:`e^{m - c}` is, so that
    :math:`\text{rest} = \sum_{j \ne \text{top}} e^{z_j - m}` is the row sum
    of ``exps`` divided by ``unit``. ``d`` and ``error`` are the compensated
    shifts ``(z - m) / T = d + error`` of a shifted block, else None.
    """

    m: np.ndarray
    top: np.ndarray
    unit: object
    rest: np.ndarray
    d: object
    error: object


def _unshifted_rows(z, m, temperature):
    r"""Which rows may be exponentiated without a shift: a boolean array of shape ``(n,)``.

    :math:`e^{z_j}` of the logits themselves is safe when the row maximum
    ``m`` satisfies :math:`K e^{m} < 2^{940}` (nothing overflows, not even the
    sum or its extraction in :func:`_accurate_sum`) and, in float64,
    :math:`m \ge 0`: an entry whose :math:`e^{z_j}` underflows into the
    subnormal range then has a probability below :math:`e^{-708}`, whose
    own spacing is that of the subnormals, so nothing that shows is lost.
    float16 and float32 results tolerate :math:`m \ge -600` for the same
    reason. Rows with a NaN or an infinite maximum, and every row when
    ``T != 1``, are shifted.
    """
    if temperature != 1.0:
        return np.zeros(z.shape[0], dtype=bool)
    upper = 650.0 - math.log(z.shape[1] + 1.0)
    lower = 0.0 if z.dtype == _WORK else -600.0
    m = m.ravel()
    return (m >= lower) & (m <= upper)


def _exponentials(z, d, exps, scratch, peak, unshifted, *, temperature=1.0, accurate=False):
    r"""Exponentiate a block of rows without amplifying any rounding of ``z - m``.

    ``d`` and ``exps`` are float64 blocks (the same buffer when the shifts
    are not needed afterwards); ``scratch`` is a list of two float64 blocks;
    ``peak = (top, m)`` from :func:`_peak`. Returns an :class:`_Exps`.

    * ``unshifted`` (rows chosen by :func:`_unshifted_rows`):
      ``exps = e^{z}`` of the logits themselves, which are exact, so nothing
      is rounded before the exponential. ``unit = e^{m}`` in extended
      precision (``numpy.longdouble``), and so is ``rest``.
    * shifted (any other row): ``d = fl((z - m) / T)`` with the exact error
      of the subtraction recovered by TwoSum and used to first order
      (:func:`_shift`, :func:`_exponentiate`); ``unit = 1``.

    With ``accurate``, float64 rows sum their exponentials with
    :func:`_accurate_sum` (unshifted rows through :func:`_sum_below_maximum`).
    """
    top, m = peak
    accurate = accurate and z.dtype == _WORK
    if unshifted:
        if d is exps or z.dtype == _WORK:
            _exp_into(z, exps)
        else:  # keep the logits in float64 in d for the caller
            np.copyto(d, z)
            np.exp(d, out=exps)
        np.put(exps, top, 0.0)
        if accurate:
            total = _sum_below_maximum(exps, m, scratch)
        else:
            total = exps.sum(axis=1, keepdims=True)
        # e^m in extended precision for float64 results; a float32 or float16
        # result needs no more than float64 (its rounding unit is 2^29 times
        # coarser), and longdouble arithmetic costs several times more.
        unit = np.exp(m.astype(np.longdouble if z.dtype == _WORK else _WORK))
        return _Exps(m, top, unit, total / unit, None, None)
    error, work = scratch
    error = _shift(z, m, d, error, work, temperature)
    rest = _exponentiate(d, error, exps, top, work, m)
    if accurate:
        rest = _accurate_sum(exps, rest, work)
    return _Exps(m, top, 1.0, rest, d, error)


def _by_kind_of_row(kernel, z, out, scratch, *row_arrays, temperature=1.0, **options):
    """Run ``kernel`` on a block, the unshifted rows and the shifted rows apart.

    ``kernel(z, out, scratch, *row_arrays, peak=..., unshifted=..., ...)``
    fills ``out`` (one entry or one row per row of ``z``) and returns a
    tuple of per-row arrays of shape ``(n, 1)``. A block whose rows are all
    of one kind (the usual case) is passed whole; a mixed block is cut into
    its two kinds, so that every row is computed by the same operations
    whatever block it falls in.
    """
    peak = _peak(z)
    unshifted = _unshifted_rows(z, peak[1], temperature)
    if unshifted.all() or not unshifted.any():
        return kernel(z, out, scratch, *row_arrays, peak=peak, unshifted=bool(unshifted.any()),
                      temperature=temperature, **options)
    merged = None
    for kind in (True, False):
        rows = np.flatnonzero(unshifted == kind)
        part = np.ascontiguousarray(z[rows])
        part_out = out[rows]
        found = kernel(part, part_out, [s[: rows.size] for s in scratch],
                       *(a[rows] for a in row_arrays), peak=_peak(part), unshifted=kind,
                       temperature=temperature, **options)
        out[rows] = part_out
        if merged is None:
            merged = [np.empty((z.shape[0], 1), np.result_type(f, np.float64)) for f in found]
        for whole, piece in zip(merged, found, strict=True):
            whole[rows] = piece
    return tuple(merged)


def _softmax_rows(z, out, scratch, *, peak, unshifted, temperature=1.0, divisor=None):
    """Softmax of a block of rows into ``out`` (see :func:`softmax`), divided by ``divisor``.

    Returns the row maxima ``m`` and the sums ``rest`` of the other
    exponentials relative to the maximum's (shapes ``(n, 1)``).

    ``divisor`` (a positive float, or None for 1) is folded into the
    normalisation, which costs nothing: the mean of a loss's gradient needs
    ``softmax / D``. ``out`` may have any floating dtype; the result is
    rounded to it once.
    """
    exps = out if out.dtype == _WORK else scratch[2]
    m, top, unit, rest, _, _ = _exponentials(z, exps, exps, scratch[:2], peak, unshifted,
                                             temperature=temperature)
    if unshifted:
        # In extended precision: e^{m} (1 + rest) = e^{m} + sum. A dominant
        # maximum's share e^{m} / (e^{m} + sum) keeps a rest below the float64
        # rounding unit; otherwise the maximum is scaled like every other
        # entry, so that tied logits get equal probabilities.
        total = unit * (rest + 1)
        if divisor is not None:
            total *= divisor
        scale = (1 / total).astype(_WORK)
        exps *= scale
        share = np.where(rest <= 0.25, unit / total, np.exp(m.astype(_WORK)) * scale)
        if exps is not out:
            np.copyto(out, exps)  # the one rounding to the output dtype
        np.put(out, top, share)
        return m, rest
    total = rest + 1
    # The maximum's own share 1 / (1 + rest), written as 1 - rest / (1 + rest)
    # when rest is small: then it does not inherit the rounding of 1 + rest,
    # and a rest below the rounding unit still counts. Tied maxima have
    # rest >= 1 and keep 1 / total.
    share = np.where(rest <= 0.25, 1 - rest / total, 1 / total)
    scale = total * unit
    if divisor is not None:
        scale *= divisor
        share /= divisor
    # One division per row (in extended precision when unshifted), then a
    # multiplication per entry: cheaper than a division per entry, for at
    # most half an ulp more rounding error.
    exps *= (1 / scale).astype(_WORK)
    if exps is not out:
        np.copyto(out, exps)  # the one rounding to the output dtype
    np.put(out, top, share)
    if not np.isfinite(m).all():
        flat_m = m.ravel()
        # A NaN maximum (a row with a NaN) or a -inf one (a row of only -inf):
        # the maximum's own term was set aside, so spoil the row explicitly.
        out[~(flat_m > -np.inf)] = np.nan
        posinf_rows = flat_m == np.inf
        if posinf_rows.any():
            shares = _share_of_posinf(z[posinf_rows])
            out[posinf_rows] = shares if divisor is None else shares / divisor
    return m, rest


# Row sums of e^z in float64 between these bounds make a float16/float32
# softmax safe without a shift (see _plain_softmax_rows).
_PLAIN_SUM_RANGE = (math.exp(-550.0), math.exp(650.0))


def _plain_softmax_rows(z, out, scratch):
    r"""Softmax of a block of float16/float32 rows: :math:`e^{z} / \sum e^{z}` in float64.

    With float64 arithmetic for a float32 result no shift is needed where
    the row sum :math:`S` lies in ``_PLAIN_SUM_RANGE``: then
    :math:`m \le 650` (nothing overflows) and :math:`m \ge -600` for any
    ``K`` below :math:`e^{50}`, so an :math:`e^{z_j}` that underflows in
    float64 belongs to a probability below :math:`e^{-158}`, which rounds to
    0 in float32 anyway. The logits are exact, the exponentials and the sum
    carry a few float64 rounding errors (about :math:`10^{-15}` relative),
    and the one rounding to float32 gives the correctly rounded result
    except within :math:`10^{-8}` ulp of a tie. Rows outside the range
    (and rows with NaN or infinities) are computed by :func:`_softmax_rows`.
    """
    exps = scratch[2]
    _exp_into(z, exps)
    total = exps.sum(axis=1, keepdims=True)
    exps *= 1 / total
    np.copyto(out, exps)  # the one rounding to the output dtype
    low, high = _PLAIN_SUM_RANGE
    outside = np.flatnonzero(~((total >= low) & (total <= high)))
    if outside.size:
        part = np.ascontiguousarray(z[outside])
        part_out = out[outside]
        _by_kind_of_row(_softmax_rows, part, part_out, [s[: outside.size] for s in scratch])
        out[outside] = part_out


def _log_softmax_rows(z, out, scratch, *, peak, unshifted, temperature=1.0):
    """Log-softmax of a block of rows into ``out``; ``scratch``: three float64 blocks.

    Shifted rows: ``out = d + (error - log1p(rest))``, the compensation and
    the logarithm added first so that the result is rounded about once.
    Unshifted rows: ``out = (z - c_hi) - c_lo`` with ``c_hi + c_lo = m +
    log1p(rest)`` (:func:`_log_normaliser`); ``z - c_hi`` is exact near the
    maximum (Sterbenz's lemma), so there the result is rounded once.
    """
    d = out if out.dtype == _WORK else scratch[2]
    if unshifted and out.dtype == _WORK:  # no shift to keep: the result's block is free
        exps = out
    else:
        exps = scratch[2] if out.dtype == _WORK else scratch[1]
    found = _exponentials(z, d, exps, scratch[:2], peak, unshifted, temperature=temperature,
                          accurate=True)
    m, rest, error = found.m, found.rest, found.error
    if unshifted:
        if out.dtype == _WORK:
            c_hi, c_lo = _log_normaliser(m, rest)
            np.subtract(z, c_hi, out=out)
            out -= c_lo
        else:
            log_sum = np.log1p(rest)
            c_hi = (m + log_sum).astype(_WORK)
            # d holds z in float64. For a float32 result c_lo (below 2^-53 of
            # c_hi) matters only where |out| is tiny, which only the maximum's
            # entry can be (every other entry is at least log 2, or at least
            # m - z_j > 7 away when the maximum dominates); it gets -log1p(rest).
            d -= c_hi
            np.copyto(out, d)  # the one rounding to the output dtype
            np.put(out, found.top, -log_sum)
        return ()
    log_sum = np.log1p(rest)
    if error is None:
        d -= log_sum
        np.copyto(out, d)  # the one rounding to the output dtype
    else:
        np.subtract(error, log_sum, out=error)
        np.add(d, error, out=out)
    if not np.isfinite(m).all():
        posinf_rows = m.ravel() == np.inf
        if posinf_rows.any():  # log(0) = -inf for the finite entries
            out[posinf_rows] = np.log(_share_of_posinf(z[posinf_rows]))
    return ()


def _log_normaliser(m, rest):
    """``(c_hi, c_lo)`` in float64 with ``c_hi + c_lo = m + log1p(rest)`` to extended precision.

    ``rest`` is in extended precision (unshifted rows); ``m + log_hi`` is
    split exactly by TwoSum and the low part of the logarithm added.
    """
    log_sum = np.log1p(rest)
    log_hi = log_sum.astype(_WORK)
    c_hi, c_lo = _two_sum(m.astype(_WORK), log_hi)
    c_lo += (log_sum - log_hi).astype(_WORK)
    return c_hi, c_lo


def _two_sum(a, b):
    """TwoSum of two arrays: ``(s, err)`` with ``a + b = s + err`` exactly."""
    s = a + b
    b_virtual = s - a
    return s, (a - (s - b_virtual)) + (b - b_virtual)


def _logsumexp_rows(z, out, scratch, *, peak, unshifted, temperature=1.0):
    """Log-sum-exp of a block of rows (in float64) into ``out`` (shape ``(n, 1)``)."""
    exps = scratch[2]
    m, _, _, rest, _, _ = _exponentials(z, exps, exps, scratch[:2], peak, unshifted,
                                        accurate=True)
    np.copyto(out, m + np.log1p(rest))  # rounded once, from extended precision if unshifted
    if not np.isfinite(m).all():
        np.copyto(out, m, where=np.isinf(m))  # a sum containing e^{+inf}, or of only e^{-inf}
    return ()


def _share_of_posinf(z):
    """Softmax of rows that contain ``+inf``: equal shares for the ``+inf`` entries."""
    hits = np.isposinf(z)
    return hits / hits.sum(axis=-1, keepdims=True)


def _quiet():
    """Silence the floating-point warnings of the special values handled on purpose.

    ``inf - inf`` and ``NaN`` comparisons in rows with an infinite maximum,
    overflow of a shift to ``-inf``, ``log(0)`` for an entry of probability 0.
    """
    return np.errstate(invalid="ignore", over="ignore", divide="ignore")


def _to_dtype(out, dtype):
    """Round the result to the output dtype; beyond its range is +-inf, quietly."""
    with np.errstate(over="ignore"):
        return out.astype(dtype, copy=False)


def softmax(x, axis=-1, *, temperature=1.0):
    r"""Softmax of ``x`` along ``axis``.

    .. math::

        \operatorname{softmax}(z)_i = \frac{e^{z_i / T}}{\sum_{j=1}^{K} e^{z_j / T}}

    Parameters
    ----------
    x : array_like
        Logits, any shape with at least one dimension.
    axis : int, optional
        The class axis (default: the last).
    temperature : float, optional
        ``T > 0``. Large ``T`` flattens the output towards uniform, small ``T``
        sharpens it towards the one-hot vector of the argmax.

    Returns
    -------
    numpy.ndarray
        Probabilities of the same shape as ``x``; each slice along ``axis``
        sums to 1. Floating dtypes are kept; other inputs give float64.

    Raises
    ------
    TypeError
        If ``x`` is not real numeric data, ``axis`` is not an integer or
        ``temperature`` is not a real number.
    ValueError
        If ``x`` is a scalar, ``axis`` is out of range, or ``temperature`` is
        not positive and finite.

    Notes
    -----
    Algorithm. float16 and float32 logits with ``T = 1``: :math:`e^{z}` in
    float64, divided by its float64 sum and rounded once; no shift is needed
    at this precision while the sum lies between :math:`e^{-550}` and
    :math:`e^{650}` (other rows take the float64 algorithm). float64 logits
    (and ``T != 1``): rows whose maximum ``m`` lies in
    :math:`[0, 650 - \log(K + 1)]` are exponentiated unshifted, which rounds
    nothing before the exponential, and normalised by
    :math:`e^{m}(1 + r)` in extended precision, ``r`` being the sum of the
    other terms relative to the maximum's; other rows subtract ``m``
    (softmax is invariant under a shift), divide by ``T`` and exponentiate
    :math:`e^{d + e}` to first order, ``e`` being the exact rounding error of
    the shift (TwoSum; with ``T != 1`` also the exact remainder of the
    division, by Dekker's product). Every exponent is then at most 0, so
    nothing overflows. Shifting before dividing by ``T`` keeps a tiny
    temperature from overflowing the logits. The division by the sum is a
    multiplication by its reciprocal, computed once per row. A dominant maximum's probability ``1 / (1 + r)`` keeps an
    ``r`` far below the rounding unit.

    Error bound: a probability carries the rounding of its exponential, of
    the reciprocal of the sum and of the product (about 1.5 ulps), plus the
    relative error of NumPy's pairwise sum of the exponentials; measured
    against mpmath (``tests/test_accuracy.py``): at most 0.50 ulp in float32
    and 2.47 ulps in float64 (3.82 over 600 further rows of random logits), where the textbook formula (and SciPy's) reaches about
    ``|z_i - m| / 2`` ulps, 33 ulps on rows of logits ``N(0, 10^2)``.

    The rows are processed in blocks that fit in the processor's cache, each
    pass written in place into the result, so a large input travels from
    memory once and no temporary array the size of the input is made (the
    input is copied only when the class axis is not the last axis of a
    C-contiguous array). The blocks of a large input are shared among
    threads (see :func:`~softmax_lib.set_num_threads`); the result does
    not depend on their number.

    Special values, chosen to be the limits where a limit exists:

    * ``-inf`` logits get probability 0 (this is how masks are written);
    * a row containing ``+inf`` gives the ``+inf`` entries equal shares of the
      mass and every other entry 0 (the limit as those logits grow together);
    * a row of only ``-inf`` has no softmax: its outputs are NaN;
    * a NaN in a row makes that whole row NaN;
    * a class axis of length 0 gives an empty array.

    References
    ----------
    Bridle, J. S. (1990). Probabilistic interpretation of feedforward
    classification network outputs. *Neurocomputing*, 227-236.

    Blanchard, P., Higham, D. J. and Higham, N. J. (2021). Accurately
    computing the log-sum-exp and softmax functions. *IMA Journal of
    Numerical Analysis*, 41(4), 2311-2330.

    Ogita, T., Rump, S. M. and Oishi, S. (2005). Accurate sum and dot
    product. *SIAM Journal on Scientific Computing*, 26(6), 1955-1988.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import softmax
    >>> softmax([1.0, 2.0, 3.0]).round(6)
    array([0.090031, 0.244728, 0.665241])
    >>> softmax([1000.0, 1000.0])        # the naive formula gives nan here
    array([0.5, 0.5])
    >>> softmax([1.0, 2.0, 3.0], temperature=100.0).round(4)
    array([0.33  , 0.3333, 0.3367])
    >>> softmax([0.0, -np.inf, 1.0]).round(6)
    array([0.268941, 0.      , 0.731059])
    """
    out_dtype, z, ax, temperature = _logits(x, axis, temperature)
    if z.shape[ax] == 0:
        return np.empty(z.shape, dtype=out_dtype)
    rows, moved_shape = _rows(z, ax)
    out = np.empty(rows.shape, out_dtype)
    if rows.dtype != _WORK and temperature == 1.0:
        _for_each_block_with_scratch(rows, 3, lambda block, buffers: _plain_softmax_rows(
            rows[block], out[block], buffers))
    else:
        _for_each_block_with_scratch(rows, 3, lambda block, buffers: _by_kind_of_row(
            _softmax_rows, rows[block], out[block], buffers, temperature=temperature))
    return _from_rows(out, moved_shape, ax)


def log_softmax(x, axis=-1, *, temperature=1.0):
    r"""Logarithm of the softmax of ``x`` along ``axis``.

    .. math::

        \log \operatorname{softmax}(z)_i = z_i - \operatorname{LSE}(z)
        = (z_i - m) - \log\Bigl(1 + \sum_{j \ne a} e^{z_j - m}\Bigr)

    where ``m = z_a`` is the row maximum (``z`` is ``x / temperature``).

    Parameters
    ----------
    x : array_like
        Logits, any shape with at least one dimension.
    axis : int, optional
        The class axis (default: the last).
    temperature : float, optional
        ``T > 0``; the logits are divided by ``T`` first.

    Returns
    -------
    numpy.ndarray
        Log-probabilities, same shape as ``x``, all ``<= 0``.

    Raises
    ------
    TypeError, ValueError
        As for :func:`softmax`.

    Notes
    -----
    Never compute ``log(softmax(x))``: a probability that underflows to 0
    becomes ``-inf`` although its logarithm is an ordinary number.

    The shifted algorithm with ``log1p`` (Blanchard, Higham and Higham,
    2021, Algorithm 5.3 for log-softmax) keeps the tiny terms that
    ``log(sum(exp(z - m)))`` loses: in float32,
    ``log_softmax([1 - log(eps), 0])[0]`` is ``-4.3854666e-08`` here, while the
    plain shifted formula rounds ``log(1 + 4.4e-08)`` to 0 and returns ``0.0``.
    Rows are processed in cache-sized blocks, shared among threads, as in
    :func:`softmax`.

    Accuracy: the sum ``r`` of the other exponentials is taken from exact
    logits (unshifted rows, see :func:`softmax`) or from the compensated
    shift, and in float64 summed with no rounding error but the last, so
    that :math:`\operatorname{log1p}(r)` is good to about half an ulp.
    Unshifted rows then return ``(z - c_hi) - c_lo`` with
    ``c_hi + c_lo = m + log1p(r)`` (the subtraction is exact near the
    maximum); shifted rows return ``d + (e - log1p(r))`` with
    ``z - m = d + e`` exactly. float16 and float32 are computed in float64 and
    rounded once. Measured against mpmath (``tests/test_accuracy.py``): at
    most 0.50 ulp in float32 and 1.20 ulps in float64.

    Special values match :func:`softmax`: ``-inf`` logits give ``-inf``; a
    row with ``+inf`` gives ``-log(n)`` at its ``n`` infinite entries and
    ``-inf`` elsewhere; a row of only ``-inf``, or with a NaN, is NaN. An
    exact value below the most negative finite number of the dtype is
    returned as ``-inf``, its correctly rounded value.

    References
    ----------
    Blanchard, P., Higham, D. J. and Higham, N. J. (2021). Accurately
    computing the log-sum-exp and softmax functions. *IMA Journal of
    Numerical Analysis*, 41(4), 2311-2330.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import log_softmax
    >>> log_softmax([1.0, 2.0, 3.0]).round(6)
    array([-2.407606, -1.407606, -0.407606])
    >>> log_softmax([0.0, -1000.0])      # log(softmax(.)) gives -inf here
    array([    0., -1000.])
    >>> eps = np.finfo(np.float32).eps
    >>> x = np.array([1 - np.log(eps), 0], dtype=np.float32)
    >>> log_softmax(x)[0]                # -log1p(eps / e), correctly rounded
    np.float32(-4.3854666e-08)
    """
    out_dtype, z, ax, temperature = _logits(x, axis, temperature)
    if z.shape[ax] == 0:
        return np.empty(z.shape, dtype=out_dtype)
    rows, moved_shape = _rows(z, ax)
    out = np.empty(rows.shape, out_dtype)
    _for_each_block_with_scratch(rows, 3, lambda block, buffers: _by_kind_of_row(
        _log_softmax_rows, rows[block], out[block], buffers, temperature=temperature))
    return _from_rows(out, moved_shape, ax)


def logsumexp(x, axis=-1, *, keepdims=False):
    r"""Log-sum-exp of ``x`` along ``axis``: :math:`\log \sum_i e^{x_i}`.

    .. math::

        \operatorname{LSE}(z) = m + \log\Bigl(1 + \sum_{j \ne a} e^{z_j - m}\Bigr),
        \qquad m = z_a = \max_j z_j

    Parameters
    ----------
    x : array_like
        Any shape with at least one dimension.
    axis : int, optional
        The axis to reduce (default: the last).
    keepdims : bool, optional
        Keep the reduced axis with length 1.

    Returns
    -------
    numpy.ndarray
        ``x.shape`` without ``axis`` (or with length 1 there if ``keepdims``).

    Raises
    ------
    TypeError, ValueError
        As for :func:`softmax`.

    Notes
    -----
    ``max(z) <= LSE(z) <= max(z) + log K``, so LSE is a smooth maximum; its
    gradient is ``softmax(z)``.

    Algorithm: Blanchard, Higham and Higham (2021), Algorithm 5.1. Shifting
    by the maximum prevents overflow; taking the maximum's own term (exactly
    1) out of the sum and using ``log1p`` keeps the rest of the sum even when
    it is below the rounding unit: ``logsumexp([0, -40])`` is
    ``4.248354255291589e-18`` here, where ``log(sum(exp(z - m)))`` gives 0.
    Rows are processed in cache-sized blocks with block-sized scratch
    buffers, so no temporary array the size of the input is made; the
    blocks of a large input are shared among
    threads (see :func:`~softmax_lib.set_num_threads`); the result does
    not depend on their number.

    Accuracy: ``m + log1p(r)`` with the sum ``r`` of the other exponentials
    from exact logits or a compensated shift (see :func:`softmax`), summed
    without rounding error but the last in float64; for unshifted rows
    ``r``, the logarithm and ``m + log1p(r)`` are in extended precision and
    rounded once. Measured against mpmath (``tests/test_accuracy.py``), in
    ulps of ``max(|LSE|, |max x|)``: at most 0.49 in float32 and 0.64 in
    float64.

    Special values: a ``+inf`` entry gives ``+inf``; a row of only ``-inf``
    gives ``-inf`` (the log of an empty sum of exponentials, 0); a NaN gives
    NaN; a reduced axis of length 0 gives ``-inf``.

    References
    ----------
    Blanchard, P., Higham, D. J. and Higham, N. J. (2021). Accurately
    computing the log-sum-exp and softmax functions. *IMA Journal of
    Numerical Analysis*, 41(4), 2311-2330.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import logsumexp
    >>> print(logsumexp([0.0, -40.0]))
    4.248354255291589e-18
    >>> logsumexp([[1000.0, 1000.0], [-np.inf, -np.inf]]).round(6)
    array([1000.693147,        -inf])
    """
    out_dtype, z, ax, _ = _logits(x, axis)
    if not isinstance(keepdims, (bool, np.bool_)):
        raise TypeError(f"keepdims must be True or False, got {keepdims!r}")
    if z.shape[ax] == 0:
        shape = list(z.shape)
        shape[ax] = 1
        out = np.full(shape, -np.inf, dtype=out_dtype)
    else:
        rows, moved_shape = _rows(z, ax)
        lse = np.empty((rows.shape[0], 1), _WORK)
        _for_each_block_with_scratch(rows, 3, lambda block, buffers: _by_kind_of_row(
            _logsumexp_rows, rows[block], lse[block], buffers))
        out = _from_rows(lse, moved_shape, ax)
    if not keepdims:
        out = np.squeeze(out, axis=ax)
    return _to_dtype(out, out_dtype)


def sigmoid(x):
    r"""The logistic sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})`, elementwise.

    Parameters
    ----------
    x : array_like
        Any shape, including a scalar.

    Returns
    -------
    numpy.ndarray or numpy scalar
        Values in ``[0, 1]``, same shape as ``x`` (a NumPy scalar for a scalar).

    Raises
    ------
    TypeError
        If ``x`` is not real numeric data.

    Notes
    -----
    ``sigmoid(x) = softmax([x, 0])[0]``: it is the two-class softmax of the
    logit difference.

    Algorithm: for ``x >= 0`` use ``1 / (1 + e^{-x})`` and for ``x < 0`` use
    ``e^{x} / (1 + e^{x})``, so the exponent is never positive and nothing
    overflows. ``sigmoid(+inf) = 1``, ``sigmoid(-inf) = 0``, NaN stays NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import sigmoid
    >>> sigmoid([-1000.0, 0.0, 1000.0])
    array([0. , 0.5, 1. ])
    >>> print(sigmoid(-50.0))
    1.9287498479639178e-22
    """
    arr = as_float_array(x, "x")
    z = arr.astype(compute_dtype(arr.dtype), copy=False)
    e = np.exp(-np.abs(z))  # e^{-|x|} <= 1: never overflows
    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)
    out = out.astype(arr.dtype, copy=False)
    return out[()] if out.ndim == 0 else out
