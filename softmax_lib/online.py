r"""Online softmax: one pass for the normaliser, and an associative merge of blocks.

The stable softmax reads each row three times: once for the maximum
:math:`m`, once for the normaliser :math:`d = \sum_j e^{x_j - m}`, once for the
outputs :math:`e^{x_i - m} / d`. Milakov and Gimelshein (2018) fold the first
two passes into one by keeping a *running* maximum and a running normaliser
and rescaling the normaliser whenever the maximum grows:

.. math::

    m_j = \max(m_{j-1}, x_j), \qquad
    d_j = d_{j-1}\, e^{m_{j-1} - m_j} + e^{x_j - m_j},
    \qquad (m_0, d_0) = (-\infty, 0).

The pair :math:`(m, d)` is a :class:`NormalizerState`. Two states of
neighbouring blocks combine with :func:`merge`,

.. math::

    m = \max(m_a, m_b), \qquad d = d_a e^{m_a - m} + d_b e^{m_b - m},

an associative and commutative operation with identity :math:`(-\infty, 0)`.
So a row can be cut into blocks, the blocks' states computed independently
(in parallel, on different devices, or as the data streams in) and merged in
any order: this is what lets attention run block by block without ever
holding a whole row of scores (:func:`online_attention`).

Conventions are those of :func:`~softmax_lib.softmax`: the class axis is
``axis=-1`` unless told otherwise; float16, float32 and float64 outputs keep
their dtype (float16 is computed in float32); bool and integer inputs become
float64; inputs are never modified; a NaN stays in its own row. States are
held in the compute dtype (float32 for float16 input).
"""

from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, class_axis, compute_dtype, positive_int
from .activations import _WORK, _two_sum_error

__all__ = [
    "NormalizerState",
    "state_of",
    "merge",
    "running_states",
    "softmax_from_state",
    "online_softmax",
    "online_attention",
]


class NormalizerState(NamedTuple):
    r"""The running maximum ``m`` and normaliser ``d`` of a block of logits.

    For a block :math:`x_1, \dots, x_n`,

    .. math::

        m = \max_i x_i, \qquad d = \sum_{i=1}^{n} e^{x_i - m},

    so that :math:`\log \sum_i e^{x_i} = m + \log d` and
    :math:`\operatorname{softmax}(x)_i = e^{x_i - m} / d`. ``m`` and ``d``
    are floats or arrays of one shape (one state per row).

    Attributes
    ----------
    m : float or numpy.ndarray
        The block maximum.
    d : float or numpy.ndarray
        The normaliser relative to ``m``.

    Notes
    -----
    Every block, including the degenerate ones, has exactly one state:

    ======================  ==================  =============================
    block                   ``m``               ``d``
    ======================  ==================  =============================
    finite maximum          ``max(x)``          ``sum(exp(x - m))``, in [1, n]
    contains ``+inf``       ``+inf``            number of ``+inf`` entries
    empty, or all ``-inf``  ``-inf``            0 (the identity of merge)
    contains NaN            NaN                 NaN
    ======================  ==================  =============================

    Counting the ``+inf`` entries is the finite-maximum rule with
    :math:`e^{(+\infty) - (+\infty)}` read as 1: each ``+inf`` contributes
    as much as the maximum does, so :func:`softmax_from_state` gives them
    equal shares and every finite entry 0, the rule of
    :func:`~softmax_lib.softmax`. A ``-inf`` entry contributes
    :math:`e^{-\infty} = 0` and never a NaN from
    :math:`-\infty - (-\infty)`.

    The state is a tuple, so ``==`` compares it as a tuple; compare the
    fields (``np.array_equal(a.m, b.m)``) instead.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.online import NormalizerState, state_of
    >>> s = state_of([0.0, np.log(3.0)])
    >>> print(round(float(s.m), 6), round(float(s.d), 6))
    1.098612 1.333333
    >>> NormalizerState.identity()
    NormalizerState(m=np.float64(-inf), d=np.float64(0.0))
    """

    m: object
    d: object

    @classmethod
    def identity(cls, shape=(), dtype=np.float64):
        """The state of an empty block, ``(-inf, 0)``: ``merge(identity, s) == s``.

        Parameters
        ----------
        shape : tuple of int, optional
            One state per entry of ``shape`` (default: a single state).
        dtype : dtype, optional
            Floating dtype of ``m`` and ``d`` (default float64).

        Returns
        -------
        NormalizerState
        """
        m = np.full(shape, -np.inf, dtype=dtype)
        return cls(_unwrap(m), _unwrap(np.zeros_like(m)))

    def logsumexp(self):
        r"""The log-sum-exp of the block, :math:`m + \log d`.

        ``-inf`` for the identity (an empty sum), ``+inf`` if the block
        holds ``+inf``. This is the plain formula: where a tiny ``d - 1``
        matters, :func:`~softmax_lib.logsumexp` (which uses ``log1p``) is
        more accurate.
        """
        with np.errstate(divide="ignore"):  # log(0) = -inf for the identity
            return _unwrap(np.asarray(self.m + np.log(self.d)))


def _unwrap(a):
    """A 0-d array as a NumPy scalar; any other array unchanged."""
    return a[()] if a.ndim == 0 else a


# The running normaliser is accumulated in extended precision (80-bit on
# x86-64), then rounded once: a sum that adds one term at a time would
# otherwise lose every term below the rounding unit of its running value
# (999 terms e^-40 next to the maximum's 1 in float64, say).
_STATE = np.dtype(np.longdouble)


def _rescale(x, m):
    r""":math:`e^{x - m}` in float64 for ``x <= m``, with the two infinite cases defined.

    The difference ``x - m`` is rounded, and the exponential multiplies its
    absolute error by nothing less than its own size: a difference of -30
    off by half an ulp makes :math:`e^{x - m}` off by 15 ulps. So the
    rounding error ``err`` of ``d = fl(x - m)`` is recovered exactly by
    TwoSum (:func:`~softmax_lib.activations._two_sum_error`) and the result
    is :math:`e^{d} + e^{d}\,\mathrm{err}`, the first-order expansion of
    :math:`e^{d + \mathrm{err}}`, whose neglected term is below
    :math:`10^{-26}` relative. This covers the rescaling factors
    :math:`e^{m_{\text{old}} - m_{\text{new}}}` of the merge as well as the
    entries' own exponentials. float16 and float32 inputs are subtracted in
    float64, where the difference is exact.

    :math:`e^{(+\infty) - (+\infty)} = 1` (a ``+inf`` entry counts as much as
    the maximum) and :math:`e^{(-\infty) - (-\infty)} = 0` (``-inf`` carries
    no mass), where the floating-point difference would be NaN.
    """
    x = np.asarray(x, dtype=_WORK)
    m = np.asarray(m, dtype=_WORK)
    # inf - inf is patched below; a finite x - m that overflows to -inf gives
    # e^{-inf} = 0, the correct limit.
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.subtract(x, m)
        error = np.empty_like(d)
        _two_sum_error(x, m, d, error, np.empty_like(d))
        e = np.exp(d)
        e += e * np.where(np.isfinite(d), error, 0.0)
    e = np.where(np.isposinf(x) & np.isposinf(m), 1.0, e)
    return np.where(np.isneginf(m), 0.0, e)


def _merge(m_a, d_a, m_b, d_b):
    m = np.maximum(m_a, m_b)
    return m, d_a * _rescale(m_a, m) + d_b * _rescale(m_b, m)


def _step(m, d, x):
    """One online update: the state after appending the entries ``x`` to ``(m, d)``."""
    m_new = np.maximum(m, x)
    return m_new, d * _rescale(m, m_new) + _rescale(x, m_new)


def _block_state(z):
    """State of each row of ``z`` (class axis last, length > 0), computed directly."""
    m = np.max(z, axis=-1, keepdims=True)
    # Summed in extended precision: terms below the float64 rounding unit of
    # the maximum's own term (exactly 1) still count.
    d = _rescale(z, m).sum(axis=-1, dtype=_STATE)
    return m[..., 0], d


def _logits_last(x, axis):
    """Validate; return ``(output dtype, compute-dtype logits with the class axis last, axis)``."""
    arr = as_float_array(x, "x")
    ax = class_axis(axis, arr.ndim)
    z = np.moveaxis(arr.astype(compute_dtype(arr.dtype), copy=False), ax, -1)
    return arr.dtype, z, ax


def _as_state(state, name):
    """``state`` as a pair of floating arrays ``(m, d)``."""
    try:
        m, d = state
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a NormalizerState (a pair m, d), got {type(state).__name__}"
        ) from None
    return as_float_array(m, f"{name}.m"), as_float_array(d, f"{name}.d")


def state_of(x, axis=-1):
    r"""The :class:`NormalizerState` of ``x`` along ``axis``, computed directly.

    .. math::

        m = \max_i x_i, \qquad d = \sum_i e^{x_i - m}

    Parameters
    ----------
    x : array_like
        A block of logits, any shape with at least one dimension.
    axis : int, optional
        The class axis (default: the last).

    Returns
    -------
    NormalizerState
        ``m`` and ``d`` with the shape of ``x`` without ``axis`` (NumPy
        scalars for a 1-D block), in the compute dtype (float32 for float16,
        float64 for integers).

    Raises
    ------
    TypeError
        If ``x`` is not real numeric data or ``axis`` is not an integer.
    ValueError
        If ``x`` is a scalar or ``axis`` is out of range.

    Notes
    -----
    This is the two-pass computation (maximum, then sum); it agrees with
    folding the entries in one at a time (:func:`running_states`) up to
    rounding. The special values are those tabled under
    :class:`NormalizerState`; an empty block gives the identity
    ``(-inf, 0)``.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.online import state_of
    >>> state_of([1.0, 1.0, -np.inf])
    NormalizerState(m=np.float64(1.0), d=np.float64(2.0))
    >>> state_of([np.inf, 3.0, np.inf])      # d counts the +inf entries
    NormalizerState(m=np.float64(inf), d=np.float64(2.0))
    >>> state_of([-np.inf, -np.inf])         # the identity of merge
    NormalizerState(m=np.float64(-inf), d=np.float64(0.0))
    """
    _, z, _ = _logits_last(x, axis)
    if z.shape[-1] == 0:
        return NormalizerState.identity(z.shape[:-1], z.dtype)
    m, d = _block_state(z)
    return NormalizerState(_unwrap(m), _unwrap(d.astype(z.dtype)))


def merge(a, b):
    r"""Combine the states of two blocks into the state of their union.

    .. math::

        m = \max(m_a, m_b), \qquad d = d_a\, e^{m_a - m} + d_b\, e^{m_b - m}

    Parameters
    ----------
    a, b : NormalizerState
        States of two disjoint blocks of the same rows (any pair ``(m, d)``
        is accepted); their shapes must broadcast.

    Returns
    -------
    NormalizerState
        The state of the concatenated block, in the common floating dtype of
        the inputs (at least float32).

    Raises
    ------
    TypeError
        If ``a`` or ``b`` is not a pair of real numeric arrays.
    ValueError
        If the shapes of the four arrays do not broadcast together.

    Notes
    -----
    Each normaliser is rescaled from its own maximum to the common one; the
    factor :math:`e^{m_a - m}` is at most 1, so nothing overflows. The
    infinite cases follow the table under :class:`NormalizerState`: a factor
    is 1 when both maxima are ``+inf`` (so the ``+inf`` counts add) and a
    block whose maximum is ``-inf`` has ``d = 0`` and adds nothing.

    ``merge`` is commutative exactly (``max`` and ``+`` are), associative up
    to rounding, and the identity ``(-inf, 0)`` is exact:
    ``merge(NormalizerState.identity(), s)`` returns ``s`` bit for bit. These
    three properties are what allow a row to be split anywhere and the blocks
    merged in any tree order (a parallel reduction).

    References
    ----------
    Milakov, M. and Gimelshein, N. (2018). Online normalizer calculation for
    softmax. arXiv:1805.02867.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.online import merge, state_of
    >>> x = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    >>> s = merge(state_of(x[:2]), state_of(x[2:]))
    >>> print(s.m, round(float(s.d), 9), round(float(state_of(x).d), 9))
    5.0 1.539846002 1.539846002
    """
    m_a, d_a = _as_state(a, "a")
    m_b, d_b = _as_state(b, "b")
    try:
        np.broadcast_shapes(m_a.shape, d_a.shape, m_b.shape, d_b.shape)
    except ValueError:
        raise ValueError(
            f"the states must have broadcastable shapes, got a.m {m_a.shape}, a.d {d_a.shape}, "
            f"b.m {m_b.shape}, b.d {d_b.shape}"
        ) from None
    dtype = compute_dtype(np.result_type(m_a, d_a, m_b, d_b))
    m, d = _merge(*(t.astype(dtype, copy=False) for t in (m_a, d_a, m_b, d_b)))
    return NormalizerState(_unwrap(np.asarray(m)), _unwrap(np.asarray(d, dtype=dtype)))


def running_states(x, axis=-1):
    r"""The state after each entry of ``x`` along ``axis``: the online pass, recorded.

    .. math::

        m_j = \max(m_{j-1}, x_j), \qquad
        d_j = d_{j-1}\, e^{m_{j-1} - m_j} + e^{x_j - m_j},
        \qquad (m_0, d_0) = (-\infty, 0)

    Parameters
    ----------
    x : array_like
        Logits, any shape with at least one dimension.
    axis : int, optional
        The class axis (default: the last).

    Returns
    -------
    NormalizerState
        ``m`` and ``d`` both of the shape of ``x``: ``m[..., j]`` and
        ``d[..., j]`` (along ``axis``) are the state of ``x[..., :j + 1]``.
        The last entries are the state of the whole row. Compute dtype
        (float32 for float16 input).

    Raises
    ------
    TypeError, ValueError
        As for :func:`state_of`.

    Notes
    -----
    ``m_j`` is non-decreasing. When ``x_j`` is a new maximum, the whole sum
    so far is rescaled by :math:`e^{m_{j-1} - m_j} < 1`, and the new entry
    adds exactly 1; otherwise ``d`` simply grows by :math:`e^{x_j - m_j} \le 1`.
    So ``d`` stays between 1 and ``j`` (for finite entries) and never
    overflows, however large the logits.

    References
    ----------
    Milakov, M. and Gimelshein, N. (2018). Online normalizer calculation for
    softmax. arXiv:1805.02867, Algorithm 3.

    Examples
    --------
    >>> from softmax_lib.online import running_states
    >>> s = running_states([0.0, 2.0, 1.0])
    >>> s.m
    array([0., 2., 2.])
    >>> s.d.round(6)                      # 1, then 1*e^-2 + 1, then + e^-1
    array([1.      , 1.135335, 1.503215])
    """
    _, z, ax = _logits_last(x, axis)
    ms = np.empty_like(z)
    ds = np.empty_like(z)
    m = np.full(z.shape[:-1], -np.inf, dtype=z.dtype)
    d = np.zeros(m.shape, dtype=_STATE)
    for j in range(z.shape[-1]):
        m, d = _step(m, d, z[..., j])
        ms[..., j] = m
        ds[..., j] = d
    return NormalizerState(np.moveaxis(ms, -1, ax), np.moveaxis(ds, -1, ax))


def softmax_from_state(x, state, axis=-1):
    r"""Softmax of ``x`` along ``axis`` given the state of its rows: :math:`e^{x_i - m} / d`.

    Parameters
    ----------
    x : array_like
        Logits, any shape with at least one dimension.
    state : NormalizerState
        The state of each row of ``x`` (for example merged from blocks), with
        ``m`` and ``d`` of the shape of ``x`` without ``axis``.
    axis : int, optional
        The class axis (default: the last).

    Returns
    -------
    numpy.ndarray
        The shape and (kept, or float64 for integer input) dtype of ``x``.

    Raises
    ------
    TypeError
        If ``x`` or ``state`` is not real numeric data, or ``axis`` is not an
        integer.
    ValueError
        If ``x`` is a scalar, ``axis`` is out of range, or ``state`` does not
        have the shape of ``x`` without ``axis``.

    Notes
    -----
    Once the state of a row is known, every output depends only on its own
    logit, so this second pass can run on each block separately. With the
    state of the row it returns what :func:`~softmax_lib.softmax` returns,
    special values included: ``+inf`` entries share the mass equally, and a
    row whose state is ``(-inf, 0)`` (all ``-inf``) or NaN gives NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.online import merge, softmax_from_state, state_of
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> s = merge(state_of(x[:1]), state_of(x[1:]))
    >>> softmax_from_state(x, s).round(6)
    array([0.032059, 0.087144, 0.236883, 0.643914])
    """
    out_dtype, z, ax = _logits_last(x, axis)
    m, d = _as_state(state, "state")
    row_shape = z.shape[:-1]
    if m.shape != row_shape or d.shape != row_shape:
        raise ValueError(
            f"state must have the shape of x without axis {ax}, {row_shape}; "
            f"got m {m.shape} and d {d.shape}"
        )
    out = _probabilities(z, m.astype(z.dtype, copy=False), d.astype(z.dtype, copy=False))
    return np.moveaxis(out, -1, ax).astype(out_dtype, copy=False)


def _probabilities(z, m, d):
    """``e^{z - m} / d`` along the last axis of ``z``."""
    with np.errstate(invalid="ignore"):  # 0 / 0 in rows of only -inf: NaN, as softmax
        return _rescale(z, m[..., None]) / d[..., None]


def online_softmax(x, axis=-1, *, block_size=None):
    r"""Softmax of ``x`` along ``axis`` by the online normaliser, whole or in blocks.

    .. math::

        \operatorname{softmax}(x)_i = \frac{e^{x_i - m}}{d}, \qquad
        m = \max_j x_j, \quad d = \sum_j e^{x_j - m}

    Parameters
    ----------
    x : array_like
        Logits, any shape with at least one dimension.
    axis : int, optional
        The class axis (default: the last).
    block_size : int, optional
        ``None`` (default): one online pass, entry by entry. An integer
        ``B >= 1``: cut each row into blocks of ``B`` entries (the last may be
        shorter), compute each block's state directly and merge them left to
        right. ``B = 1`` gives the same bits as ``None``; ``B >= K`` is the
        ordinary two-pass computation.

    Returns
    -------
    numpy.ndarray
        Probabilities of the shape of ``x``; each row sums to 1. Floating
        dtypes are kept (float16 is computed in float32); other inputs give
        float64.

    Raises
    ------
    TypeError
        If ``x`` is not real numeric data, or ``axis`` or ``block_size`` is
        not an integer.
    ValueError
        If ``x`` is a scalar, ``axis`` is out of range, or ``block_size`` is
        less than 1.

    Notes
    -----
    Algorithm (Milakov and Gimelshein, 2018, Algorithm 3): start from
    :math:`(m, d) = (-\infty, 0)` and for each entry :math:`x_j`

    .. math::

        m_{\text{new}} = \max(m, x_j), \qquad
        d \leftarrow d\, e^{m - m_{\text{new}}} + e^{x_j - m_{\text{new}}},
        \qquad m \leftarrow m_{\text{new}};

    then :math:`y_i = e^{x_i - m} / d`. That is two reads of the row instead
    of the three of the stable softmax (maximum, sum, outputs), with the same
    protection against overflow: every exponent is at most 0. With blocks,
    the update is :func:`merge` applied to block states. The loop runs over
    positions (or blocks) along the class axis; all rows advance together.

    Accuracy: every factor :math:`e^{x - m}`, the rescalings
    :math:`e^{m - m_\text{new}}` of the normaliser included, exponentiates a
    rounded difference, so the exact rounding error of the difference is
    recovered by TwoSum and applied to first order, as in
    :func:`~softmax_lib.softmax`. The running normaliser ``d`` is kept in
    extended precision (``numpy.longdouble``) and rounded once, so that a
    sequential sum does not absorb terms below the rounding unit of its
    running value one by one, and float16 and float32 logits are computed
    in float64. Measured against mpmath (``tests/test_accuracy.py``): within
    0.50 ulp in float32 and 1.98 ulps in float64, for any block size.

    Caveats: the result equals :func:`~softmax_lib.softmax` up to rounding,
    not bit for bit: the extra multiplications by
    :math:`e^{m - m_\text{new}}` (one per new maximum) add a few rounding
    errors to ``d``.
    In pure NumPy the Python loop makes this slower than ``softmax``; the
    algorithm pays off in fused kernels, where memory traffic dominates.

    Special values are those of :func:`~softmax_lib.softmax`: ``-inf`` gets
    0; in a row with ``+inf`` the ``+inf`` entries share the mass equally
    (the state counts them; see :class:`NormalizerState`); a row of only
    ``-inf`` is NaN; a NaN makes its own row NaN; an empty class axis gives
    an empty array.

    References
    ----------
    Milakov, M. and Gimelshein, N. (2018). Online normalizer calculation for
    softmax. arXiv:1805.02867.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.online import online_softmax
    >>> online_softmax([1.0, 2.0, 3.0]).round(6)
    array([0.090031, 0.244728, 0.665241])
    >>> online_softmax([1000.0, 1000.0, -np.inf, 999.0], block_size=3).round(6)
    array([0.422319, 0.422319, 0.      , 0.155362])
    >>> online_softmax([[0.0, np.inf, np.inf], [-np.inf, -np.inf, -np.inf]])
    array([[0. , 0.5, 0.5],
           [nan, nan, nan]])
    """
    size = None if block_size is None else positive_int(block_size, "block_size")
    out_dtype, z, ax = _logits_last(x, axis)
    z = z.astype(_WORK, copy=False)  # m in float64, d in extended precision
    m = np.full(z.shape[:-1], -np.inf, dtype=z.dtype)
    d = np.zeros(m.shape, dtype=_STATE)
    if size is None:
        for j in range(z.shape[-1]):
            m, d = _step(m, d, z[..., j])
    else:
        for start in range(0, z.shape[-1], size):
            m, d = _merge(m, d, *_block_state(z[..., start : start + size]))
    # d rounded once to float64, as state_of rounds it: one block then gives
    # softmax_from_state(x, state_of(x)) bit for bit.
    out = _probabilities(z, np.asarray(m), np.asarray(d, dtype=z.dtype))
    return np.moveaxis(out, -1, ax).astype(out_dtype, copy=False)


def _attention_inputs(q, k, v):
    """Validate ``q, k, v``; return them in the compute dtype and the output dtype."""
    arrays = {name: as_float_array(a, name) for name, a in (("q", q), ("k", k), ("v", v))}
    for name, a in arrays.items():
        if a.ndim < 2:
            raise ValueError(
                f"{name} must have at least 2 dimensions (..., rows, features), "
                f"got shape {a.shape}"
            )
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be finite")
    q, k, v = arrays.values()
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must have the same feature size (last axis), got q {q.shape} and k {k.shape}"
        )
    if q.shape[-1] == 0:
        raise ValueError("q and k must have at least one feature, got a last axis of length 0")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v must hold the same number of keys (axis -2), got k {k.shape} and v {v.shape}"
        )
    if k.shape[-2] == 0:
        raise ValueError("k must hold at least one key: softmax over no keys is undefined")
    try:
        np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(
            f"the leading (batch) axes of q, k and v must broadcast, got q {q.shape}, "
            f"k {k.shape}, v {v.shape}"
        ) from None
    out_dtype = np.result_type(q, k, v)
    work = compute_dtype(out_dtype)
    return out_dtype, (a.astype(work, copy=False) for a in (q, k, v))


def online_attention(q, k, v, *, block_size=None):
    r"""Scaled dot-product attention computed block by block over the keys.

    .. math::

        \operatorname{Attention}(Q, K, V)
        = \operatorname{softmax}\Bigl(\frac{Q K^{\top}}{\sqrt{d_k}}\Bigr) V,

    with the softmax over the keys, evaluated without ever forming a whole
    row of scores: each block of keys updates a running maximum, normaliser
    and *unnormalised output*.

    Parameters
    ----------
    q : array_like
        Queries, shape ``(..., n_q, d_k)``.
    k : array_like
        Keys, shape ``(..., n_k, d_k)`` with ``n_k >= 1``.
    v : array_like
        Values, shape ``(..., n_k, d_v)``.
    block_size : int, optional
        Keys per block (default ``None``: one key at a time). Any ``B >= 1``;
        ``B >= n_k`` is the direct computation in one block.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., n_q, d_v)``, the leading axes broadcast. Floating
        dtypes are kept (float16 is computed in float32); other inputs give
        float64.

    Raises
    ------
    TypeError
        If an input is not real numeric data or ``block_size`` is not an
        integer.
    ValueError
        If an input has fewer than 2 dimensions or a non-finite entry, the
        shapes do not fit together, there are no keys or no features, or
        ``block_size`` is less than 1.

    Notes
    -----
    Algorithm (the rescaling behind FlashAttention; Dao et al., 2022,
    Algorithm 1). Start from :math:`m = -\infty`, :math:`d = 0`,
    :math:`o = 0` for every query. For each block :math:`(K_b, V_b)` of keys,

    .. math::

        S &= Q K_b^{\top} / \sqrt{d_k}, \qquad
        m_{\text{new}} = \max\bigl(m, \max_j S_{:, j}\bigr), \qquad
        P = e^{S - m_{\text{new}}}, \\
        d &\leftarrow d\, e^{m - m_{\text{new}}} + \textstyle\sum_j P_{:, j}, \qquad
        o \leftarrow o\, e^{m - m_{\text{new}}} + P V_b, \qquad
        m \leftarrow m_{\text{new}},

    and finally return :math:`o / d`. The output accumulator is rescaled by
    the same factor as the normaliser, so :math:`o / d` is the softmax-weighted
    average of the values seen so far at every step. Memory per query is
    ``O(d_v + block_size)`` instead of ``O(n_k)``.

    Caveats: equal to the direct formula up to rounding. A score that
    overflows becomes ``+inf`` or ``-inf`` and follows
    :func:`~softmax_lib.softmax`'s rules (``+inf`` scores share the weight
    equally, ``-inf`` scores get none); a dot product whose terms overflow
    both ways is NaN and makes its query's output NaN. There is no masking
    argument.

    References
    ----------
    Dao, T., Fu, D. Y., Ermon, S., Rudra, A. and Ré, C. (2022).
    FlashAttention: fast and memory-efficient exact attention with
    IO-awareness. *Advances in Neural Information Processing Systems 35*.
    arXiv:2205.14135.

    Milakov, M. and Gimelshein, N. (2018). Online normalizer calculation for
    softmax. arXiv:1805.02867.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import softmax
    >>> from softmax_lib.online import online_attention
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.normal(size=(2, 3)), rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    >>> direct = softmax(q @ k.T / np.sqrt(3)) @ v
    >>> np.allclose(online_attention(q, k, v, block_size=2), direct)
    True
    """
    size = 1 if block_size is None else positive_int(block_size, "block_size")
    out_dtype, (q, k, v) = _attention_inputs(q, k, v)
    scale = np.sqrt(q.dtype.type(q.shape[-1]))
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    m = np.full(lead + q.shape[-2:-1], -np.inf, dtype=q.dtype)
    d = np.zeros_like(m)
    o = np.zeros(lead + (q.shape[-2], v.shape[-1]), dtype=q.dtype)
    for start in range(0, k.shape[-2], size):
        keys = k[..., start : start + size, :]
        values = v[..., start : start + size, :]
        # a score that overflows is an infinite score, handled like softmax handles one
        with np.errstate(over="ignore", invalid="ignore"):
            scores = q @ np.swapaxes(keys, -1, -2) / scale
        m_new = np.maximum(m, np.max(scores, axis=-1))
        weights = _rescale(scores, m_new[..., None])
        shrink = _rescale(m, m_new)
        d = d * shrink + weights.sum(axis=-1)
        o = o * shrink[..., None] + weights @ values
        m = m_new
    with np.errstate(invalid="ignore"):  # 0 / 0 when every score is -inf: NaN, as softmax
        return (o / d[..., None]).astype(out_dtype, copy=False)
