r"""The cross-entropy loss on logits, and its gradient with respect to the logits.

The semantics are those of PyTorch's ``torch.nn.functional.cross_entropy``,
with one change of layout: the classes are on the **last** axis here, where
PyTorch puts them on axis 1.

Every variant of the loss (class-index or probability targets, class
weights, label smoothing, ignored rows) is one formula. With
:math:`\ell = \operatorname{log\_softmax}(z)` for a row of logits :math:`z`,

.. math::

    L = -\sum_{c=1}^{C} w_c\, q_c\, \ell_c,
    \qquad
    \frac{\partial L}{\partial z_k} = p_k \sum_{c=1}^{C} w_c q_c \;-\; w_k q_k,

where :math:`p = \operatorname{softmax}(z)`, :math:`w` are the class weights
and :math:`q` is the effective (smoothed) target of the row. The private
helper ``_cross_entropy_terms`` computes :math:`\ell`, the products
:math:`w_c q_c`, which rows take part, and the divisor of the mean, once for
both :func:`cross_entropy` and :func:`cross_entropy_grad`, so the loss and its
gradient cannot disagree about the options; ``_problem`` validates the
arguments for both.

The commonest case, class indices without weights or smoothing, has a
faster and more accurate path: each block of logits is exponentiated
unshifted (the logits are exact, so no rounded difference is exponentiated)
and the target's term :math:`e^{z_y}` is set aside, so that

.. math::

    -\ell_y = \operatorname{log1p}\Bigl(\frac{\sum_{j \ne y} e^{z_j}}{e^{z_y}}\Bigr),
    \qquad
    p_y - 1 = -\frac{\sum_{j \ne y} e^{z_j}}{\sum_j e^{z_j}},

with no cancellation even when :math:`p_y` rounds to 1. Rows outside the
range where this is safe take the compensated log-softmax of
:mod:`softmax_lib.activations`. Everything is computed in float64 (the
target's term and the normaliser in extended precision) and rounded once.
Measured against mpmath (``tests/test_accuracy.py``): row losses within
0.50 ulp in float32 and 1.20 ulps in float64; gradient entries within 0.50
and 3.89 ulps.
"""

import math
from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, boolean, compute_dtype, integer, one_of, real_number
from .activations import (
    _WORK,
    _accurate_sum,
    _by_kind_of_row,
    _exp_into,
    _exponentials,
    _for_each_block_with_scratch,
    _log_normaliser,
    _share_of_posinf,
    _shift_of,
    _softmax_rows,
    log_softmax,
    softmax,
)

__all__ = ["cross_entropy", "cross_entropy_grad"]

_REDUCTIONS = ("mean", "sum", "none")


class _Terms(NamedTuple):
    """What the loss and its gradient share, in the compute dtype.

    ``weighted_target[..., c]`` is :math:`w_c q_c` (all zero in ignored rows),
    ``active`` marks the rows that take part, and ``divisor`` is what the sum
    of the row losses is divided by (1 unless ``reduction="mean"``).
    """

    log_probs: np.ndarray
    weighted_target: np.ndarray
    active: np.ndarray
    divisor: np.floating
    reduction: str
    out_dtype: np.dtype


class _Problem(NamedTuple):
    """The validated arguments of the loss."""

    scores: np.ndarray  # the logits, in the compute dtype
    out_dtype: np.dtype
    kind: str  # "index" or "probability"
    labels: np.ndarray  # int64 class indices, or the probability targets
    class_weight: np.ndarray | None  # None: no weights
    ignore_index: int
    reduction: str
    smoothing: float

    @property
    def plain_indices(self):
        """Class indices without weights or smoothing: the loss is ``-log_softmax(z)[y]``."""
        return self.kind == "index" and self.class_weight is None and self.smoothing == 0.0


def _problem(logits, target, weight, ignore_index, reduction, label_smoothing):
    """Validate the arguments of the loss (every check, whatever is computed next)."""
    scores = as_float_array(logits, "logits")
    if scores.ndim == 0:
        raise ValueError(
            "logits must have at least one dimension (the class axis, last), got a scalar"
        )
    n_classes = scores.shape[-1]
    if n_classes == 0:
        raise ValueError(f"logits must have at least one class, got shape {scores.shape}")
    dtype = compute_dtype(scores.dtype)

    ignore_index = integer(ignore_index, "ignore_index")
    reduction = one_of(reduction, _REDUCTIONS, "reduction")
    smoothing = real_number(label_smoothing, "label_smoothing")
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")
    class_weight = None if weight is None else _class_weight(weight, n_classes, dtype)
    kind, labels = _target(target, scores.shape)
    if kind == "index":
        active = labels != ignore_index
        outside = active & ((labels < 0) | (labels >= n_classes))
        if outside.any():
            raise IndexError(
                f"target holds the class index {labels[outside][0]}, outside [0, {n_classes}) "
                f"and not ignore_index={ignore_index}"
            )
    elif ignore_index >= 0:
        # PyTorch refuses this too: a class to ignore makes no sense for soft targets.
        raise ValueError(
            f"ignore_index={ignore_index} is not supported with probability targets "
            "(a floating target); it must be negative, and it has no effect"
        )
    return _Problem(scores.astype(dtype, copy=False), scores.dtype, kind, labels, class_weight,
                    ignore_index, reduction, smoothing)


def _cross_entropy_terms(problem):
    """The terms shared by the loss and its gradient, for any options."""
    scores, kind, labels = problem.scores, problem.kind, problem.labels
    smoothing = problem.smoothing
    dtype, n_classes, rows_shape = scores.dtype, scores.shape[-1], scores.shape[:-1]
    class_weight = problem.class_weight
    if class_weight is None:
        class_weight = np.ones(n_classes, dtype=dtype)

    if kind == "index":
        active = labels != problem.ignore_index
        safe_labels = np.where(active, labels, 0)
        one_hot = (safe_labels[..., None] == np.arange(n_classes)).astype(dtype)
        # PyTorch's split (1 - eps) * nll + (eps / C) * sum_c w_c (-l_c), as one q.
        smoothed = one_hot * dtype.type(1.0 - smoothing) + dtype.type(smoothing / n_classes)
        weighted_target = smoothed * class_weight * active[..., None]
        divisor = np.sum(class_weight[safe_labels] * active, dtype=dtype)
    else:
        active = np.ones(rows_shape, dtype=bool)
        smoothed = labels.astype(dtype)
        if smoothing > 0.0:
            smoothed = smoothed * dtype.type(1.0 - smoothing) + dtype.type(smoothing / n_classes)
        weighted_target = smoothed * class_weight
        divisor = dtype.type(active.size)

    if problem.reduction != "mean":
        divisor = dtype.type(1.0)
    # The row-wise stable log-softmax (max shift and log1p): never log(softmax(z)).
    # In float64 whatever the logits' dtype, rounded once at the end of the loss.
    log_probs = log_softmax(scores.astype(_WORK, copy=False))
    return _Terms(log_probs, weighted_target, active, divisor, problem.reduction,
                  problem.out_dtype)


def _plain_rows(problem):
    """The logits as a C-contiguous matrix of rows, the labels and the rows taking part."""
    n_classes = problem.scores.shape[-1]
    rows = np.ascontiguousarray(problem.scores).reshape(-1, n_classes)
    labels = problem.labels.reshape(-1)
    active = labels != problem.ignore_index
    return rows, np.where(active, labels, 0), active


def _plain_index_pass(problem, *, loss, grad):
    r"""Row losses and/or the gradient for plain class indices, in one pass over the logits.

    Returns ``(row_losses, gradient, count)``: the row losses
    :math:`-\ell_y` in float64 of shape ``logits.shape[:-1]`` (0 in ignored
    rows) or None, the gradient (:func:`_plain_index_grad_block`) in the
    output dtype or None, and the number of rows taking part. Each block of
    logits is exponentiated once, whether one or both are wanted: the loss
    and the gradient are two readings of the same exponentials.
    """
    rows, labels, active = _plain_rows(problem)
    count = np.count_nonzero(active)
    divisor = float(count) if problem.reduction == "mean" and count > 0 else 1.0
    losses = np.empty((rows.shape[0], 1), dtype=_WORK) if loss else None
    gradient = np.empty(rows.shape, dtype=problem.out_dtype) if grad else None

    def compute(block, buffers):
        z, y = rows[block], labels[block]
        g = None if gradient is None else gradient[block]
        exps = g if g is not None and g.dtype == _WORK else buffers[2]
        terms = _target_terms(z, y, exps)
        if losses is not None:  # first: the gradient overwrites the exponentials
            _plain_index_loss_block(z, losses[block], buffers, terms, exps)
        if g is not None:
            _plain_index_grad_block(z, y, active[block], g, buffers, terms, exps, divisor)
        if losses is not None:  # the rows that do not fit, once exps is free
            _by_other_rows(_loss_rows, z, losses[block], buffers, ~terms.fits, y)

    _for_each_block_with_scratch(rows, 3, compute)
    if losses is not None:
        losses = losses.ravel()
        losses[~active] = 0.0
        losses = losses.reshape(problem.scores.shape[:-1])
    if gradient is not None:
        if count < active.size:
            gradient[~active] = 0.0
        gradient = gradient.reshape(problem.scores.shape)
    return losses, gradient, count


def _plain_index_loss_block(z, out, buffers, terms, exps):
    r"""Row losses :math:`-\ell_y` of a block in float64 (``out``, shape ``(n, 1)``).

    Only the target's log-probability is needed, so the log-softmax array is
    never formed. Rows that fit (:func:`_target_terms`) take
    :math:`-\ell_y = \operatorname{log1p}(\text{other} / e^{z_y})`, where
    ``other``, the sum of the other classes' exponentials in ``exps``, is
    summed exactly (:func:`~softmax_lib.activations._accurate_sum`) for
    float64 logits: no shift, no cancellation, one ``log1p``. The others
    take the operations :func:`~softmax_lib.log_softmax` performs at ``y``
    (:func:`_log_probability_at`), which the caller runs once the
    exponentials are no longer needed. Uses the first two ``buffers``.
    """
    other = terms.other
    if z.dtype == _WORK:
        error, work, _ = buffers
        other = _accurate_sum(exps, other[:, None], work, error).ravel()
    out[:, 0] = np.log1p(other / terms.target)  # rounded once to float64


class _TargetTerms(NamedTuple):
    """The exponentials of a block of rows split at the target class (see :func:`_target_terms`)."""

    at_target: np.ndarray  # flat positions of the targets in the block
    target: np.ndarray  # e^{z_y} in extended precision, shape (n,)
    other: np.ndarray  # the sum of e^{z_j} over j != y, shape (n,)
    total: np.ndarray  # target + other
    fits: np.ndarray  # rows for which these numbers are valid (bool, shape (n,))


# A row's total sum of e^z must lie in this range for the unshifted
# formulas of _target_terms (the lower bound is 1 in float64, see there).
_TARGET_SUM_RANGE = (math.exp(-550.0), math.exp(650.0))


def _target_terms(z, y, exps):
    r"""Exponentiate a block of logits unshifted and set the target's term aside.

    ``exps`` (float64) receives :math:`e^{z}` with 0 at each row's target
    ``y``. The logits are exact, so no rounded difference is exponentiated.
    ``other`` is NumPy's pairwise sum of ``exps``.

    A row ``fits`` when its total lies in ``_TARGET_SUM_RANGE`` (at least 1
    for float64 logits, so that an exponential lost to underflow is below
    the spacing of the subnormal results) and the target's share is at
    least :math:`e^{-600}`, so that ``other / target`` is finite. Rows
    with NaN or infinite logits, or a target at ``-inf``, do not fit.
    """
    n_rows, n_classes = z.shape
    at_target = y + np.arange(0, n_rows * n_classes, n_classes)
    _exp_into(z, exps)
    # The target's own term in extended precision: it enters every result.
    # float32 and float16 results need only float64 (their rounding unit is
    # 2^29 times coarser), which is several times cheaper than longdouble.
    target = np.exp(np.take(z, at_target).astype(np.longdouble if z.dtype == _WORK else _WORK))
    np.put(exps, at_target, 0.0)
    other = exps.sum(axis=1)
    total = target + other
    low, high = _TARGET_SUM_RANGE
    if z.dtype == _WORK:
        low = 1.0
    fits = (total >= low) & (total <= high) & (target >= total * math.exp(-600.0))
    return _TargetTerms(at_target, target, other, total, fits)


def _by_other_rows(kernel, z, out, scratch, rows, *row_arrays, **options):
    """Recompute the rows ``rows`` (a boolean mask) of a block with ``kernel`` (shifted or not)."""
    rows = np.flatnonzero(rows)
    if not rows.size:
        return
    part_out = out[rows]
    _by_kind_of_row(kernel, np.ascontiguousarray(z[rows]), part_out,
                    [s[: rows.size] for s in scratch], *(a[rows] for a in row_arrays), **options)
    out[rows] = part_out


def _loss_rows(z, out, scratch, y, *, peak, unshifted, temperature=1.0):
    """``out = -log_softmax(z)[y]`` for a block of rows (a kernel of ``_by_kind_of_row``)."""
    error, work, exps = scratch
    found = _exponentials(z, exps, exps, [error, work], peak, unshifted, accurate=True)
    out[:, 0] = 0.0 - _log_probability_at(z, y, found.m, found.rest, unshifted)
    return ()


def _log_probability_at(z, y, m, rest, unshifted):
    r""":math:`\ell_y` of each row of the block ``z`` at its class ``y``, in float64.

    ``m`` and ``rest`` are the row maxima and the sums of the other
    exponentials relative to the maximum's (shape ``(n, 1)``), as
    :func:`~softmax_lib.activations._exponentials` returns them. The formula
    is the one :func:`~softmax_lib.log_softmax` uses for the kind of row:
    ``(z_y - c_hi) - c_lo`` for unshifted rows, ``d_y + (error_y -
    log1p(rest))`` with the compensated shift for shifted ones. Rows with an
    infinite maximum take the limit of log_softmax; NaN rows stay NaN.
    """
    picked = np.take(z, y + np.arange(0, z.size, z.shape[1])).astype(_WORK)
    if unshifted:
        c_hi, c_lo = _log_normaliser(m, rest)
        return (picked - c_hi.ravel()) - c_lo.ravel()
    m = m.ravel()
    log_sum = np.log1p(rest.ravel())
    if z.dtype == _WORK:
        d, error = _shift_of(picked, m)
        log_p = d + (error - log_sum)
    else:
        log_p = (picked - m.astype(_WORK)) - log_sum
    if not np.isfinite(m).all():
        log_p[np.isnan(m)] = np.nan
        posinf_rows = np.flatnonzero(m == np.inf)
        if posinf_rows.size:  # log_softmax's limit: log of the target's share
            share = _share_of_posinf(z[posinf_rows])
            log_p[posinf_rows] = np.log(share[np.arange(posinf_rows.size), y[posinf_rows]])
    return log_p


def _plain_index_grad_block(z, y, active, g, buffers, terms, exps, divisor):
    r"""The gradient ``softmax(z) / D - onehot(y) / D`` of a block into ``g``.

    ``D`` (``divisor``) is the number of rows taking part for the mean,
    else 1; ignored rows are zeroed by the caller. Rows that fit
    (:func:`_target_terms`, whose exponentials are in ``exps``) take
    :math:`p_k = e^{z_k} / \text{total}` and, at the true class,
    :math:`p_y - 1 = -\text{other} / \text{total}`, the sum of the other
    classes' exponentials over the total: it keeps its relative accuracy when
    :math:`p_y` is so close to 1 that ``p_y - 1`` would cancel, or round to
    0. The remaining rows (shifted ones) use
    :math:`\operatorname{expm1}(\ell_y)` for the same purpose. Dividing by
    ``D`` is folded into the normalisation.
    """
    scale = 1 / (terms.total * divisor)  # in extended precision
    exps *= scale.astype(_WORK)[:, None]
    if exps is not g:
        np.copyto(g, exps)  # the one rounding to the output dtype
    np.put(g, terms.at_target, -terms.other * scale)
    _by_other_rows(_grad_rows, z, g, buffers, ~terms.fits, y, active, divisor=divisor)


def _grad_rows(z, g, scratch, y, active, *, peak, unshifted, temperature=1.0, divisor=1.0):
    """``g = (softmax(z) - onehot(y)) / divisor`` for a block of rows (rows not active: any)."""
    m, rest = _softmax_rows(z, g, scratch, peak=peak, unshifted=unshifted,
                            divisor=None if divisor == 1.0 else divisor)
    taking_part = np.flatnonzero(active)
    at_class = taking_part * z.shape[1] + y[taking_part]
    log_p = _log_probability_at(z[taking_part], y[taking_part], m[taking_part],
                                rest[taking_part], unshifted)
    gradient = np.expm1(log_p) / divisor
    # A row with +inf logits keeps p_y - 1 from its limit shares.
    limit = np.isinf(m[taking_part].ravel())
    gradient[limit] = g.reshape(-1)[at_class[limit]] - 1 / divisor
    g.reshape(-1)[at_class] = gradient
    return ()


def _class_weight(weight, n_classes, dtype):
    """The class weights as a finite array of shape ``(n_classes,)`` (ones if None)."""
    if weight is None:
        return np.ones(n_classes, dtype=dtype)
    class_weight = as_float_array(weight, "weight")
    if class_weight.shape != (n_classes,):
        raise ValueError(
            f"weight must have shape ({n_classes},), one weight per class, "
            f"got shape {class_weight.shape}"
        )
    if not np.all(np.isfinite(class_weight)):
        raise ValueError("weight must be finite")
    return class_weight.astype(dtype)


def _target(target, logits_shape):
    """Classify ``target`` as ``("index", int64 array)`` or ``("probability", float array)``."""
    try:
        labels = np.asarray(target)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise TypeError(f"target must be a numeric array; {exc}") from None
    rows_shape = logits_shape[:-1]
    if labels.dtype.kind in "iu":
        if labels.shape != rows_shape:
            raise ValueError(
                f"target of class indices (an integer array) must have shape "
                f"logits.shape[:-1] = {rows_shape}, got {labels.shape}; for class "
                "probabilities pass a floating array of the shape of logits"
            )
        if labels.dtype.kind == "u" and labels.size and labels.max() > np.iinfo(np.int64).max:
            raise IndexError(f"target holds the class index {labels.max()}, far out of range")
        return "index", labels.astype(np.int64)
    if labels.dtype.kind == "f":
        if labels.shape != logits_shape:
            raise ValueError(
                f"target of class probabilities (a floating array) must have the shape of "
                f"logits, {logits_shape}, got {labels.shape}; for class indices pass an "
                "integer array"
            )
        return "probability", labels
    if labels.dtype.kind == "b":
        raise TypeError(
            "target must be integer class indices or floating class probabilities, got a "
            "bool array (ambiguous: cast it to int for indices or to float for probabilities)"
        )
    raise TypeError(
        "target must be integer class indices or floating class probabilities, "
        f"got an array of dtype {labels.dtype}"
    )


def cross_entropy(
    logits, target, *, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0
):
    r"""The cross-entropy loss of ``logits`` against ``target``.

    The semantics are those of PyTorch's ``torch.nn.functional.cross_entropy``
    with the class axis moved from position 1 to the last position.

    For one row of logits :math:`z \in \mathbb{R}^C`, with log-probabilities
    :math:`\ell = \operatorname{log\_softmax}(z)`, class weights :math:`w`
    (all 1 when ``weight`` is None) and label smoothing :math:`\varepsilon`,

    .. math::

        L = -\sum_{c=1}^{C} w_c\, q_c\, \ell_c

    where the effective target :math:`q` is

    * for a class index :math:`y`:
      :math:`q_c = (1 - \varepsilon)\,[c = y] + \varepsilon / C`, that is

      .. math::

          L = (1 - \varepsilon)\, w_y\, (-\ell_y)
              + \frac{\varepsilon}{C} \sum_{c=1}^{C} w_c\, (-\ell_c);

    * for class probabilities :math:`t`:
      :math:`q_c = (1 - \varepsilon)\, t_c + \varepsilon / C`.

    A row whose class index equals ``ignore_index`` has loss 0. The mean
    divides the sum of the row losses :math:`L_n` by

    .. math::

        D = \sum_{n:\, y_n \ne \text{ignore\_index}} w_{y_n}
        \quad\text{(class indices)},
        \qquad
        D = N \quad\text{(probabilities)},

    so with class indices and no weights it is the number of rows not
    ignored, and with probabilities it is the number of rows :math:`N`
    whatever the weights.

    Parameters
    ----------
    logits : array_like
        Unnormalised scores, shape ``(..., C)`` with the classes on the last
        axis and ``C >= 1``. A 1-D array is one unbatched row.
    target : array_like
        Either integer class indices of shape ``logits.shape[:-1]`` (a 0-d
        integer for 1-D ``logits``), or floating class probabilities of the
        shape of ``logits``. The dtype decides: integer means indices, float
        means probabilities (even when every value is 0.0 or 1.0). Neither
        kind is checked to be a distribution, as in PyTorch.
    weight : array_like, optional
        Finite class weights of shape ``(C,)``; None means all 1.
    ignore_index : int, optional
        Class-index targets equal to it are ignored (default -100). With
        probability targets it has no effect and, as in PyTorch, must be
        negative.
    reduction : {"mean", "sum", "none"}, optional
        ``"mean"``: the weighted mean :math:`\sum_n L_n / D`; ``"sum"``:
        :math:`\sum_n L_n`; ``"none"``: the row losses :math:`L_n`.
    label_smoothing : float, optional
        :math:`\varepsilon \in [0, 1]`; 0 (the default) means no smoothing,
        1 a uniform target.

    Returns
    -------
    numpy.floating or numpy.ndarray
        A NumPy scalar for ``"mean"`` and ``"sum"``; for ``"none"`` an array
        of shape ``logits.shape[:-1]`` (0-d for 1-D ``logits``). float16,
        float32 and float64 logits keep their dtype; bool and integer logits
        give float64.

    Raises
    ------
    TypeError
        If ``logits``, ``target`` or ``weight`` is not real numeric data, if
        ``target`` is a bool array, if ``ignore_index`` is not an integer,
        ``label_smoothing`` not a real number or ``reduction`` not a string.
    ValueError
        If ``logits`` is a scalar or has no classes, ``target`` has the wrong
        shape for its kind, ``weight`` is not of shape ``(C,)`` or not finite,
        ``label_smoothing`` is outside ``[0, 1]``, ``reduction`` is unknown,
        or ``ignore_index >= 0`` comes with probability targets.
    IndexError
        If a class index is outside ``[0, C)`` and is not ``ignore_index``.

    See Also
    --------
    cross_entropy_grad : the gradient of this loss with respect to ``logits``.

    Notes
    -----
    Algorithm: :math:`\ell` comes from :func:`~softmax_lib.log_softmax`
    (shift by the row maximum, ``log1p`` of the remaining sum), never from
    ``log(softmax(z))``, which turns a probability that underflows to 0 into
    an infinite loss although :math:`-\ell_c` is an ordinary number.
    With class indices and neither weights nor smoothing, only
    :math:`-\ell_y = \operatorname{log1p}(\sum_{j \ne y} e^{z_j} / e^{z_y})`
    is computed for each row, block by block without the whole log-softmax
    array, from the unshifted exponentials of the exact logits (rows where
    that could overflow or underflow use
    :math:`\ell_y = (z_y - m) - \log(1 + \sum_{j \ne a} e^{z_j - m})`, with
    ``m = z_a`` the row maximum and the shift compensated). Every variant is
    computed in float64 and rounded once at the end, the mean included.
    The blocks of a large input are shared among threads (see
    :func:`~softmax_lib.set_num_threads`); the result does not depend on
    their number. Measured against mpmath: row losses within 0.50 ulp in
    float32 and 1.20 ulps in float64.

    Special cases, chosen and tested:

    * Ignored rows have loss 0 and take no part, even if their logits are NaN.
    * A mean over no rows (an empty batch, or every target ignored) is 0/0,
      NaN, as in PyTorch; the sum is 0 and ``"none"`` gives an empty array
      or zeros. A weighted mean whose weights sum to 0 is NaN too.
    * A NaN logit makes the loss of its row NaN and no other row's.
    * A ``-inf`` logit is a class with probability 0: its loss is ``+inf``
      if the row's effective target puts weight on it, and it adds nothing
      otherwise (the convention :math:`0 \cdot \log 0 = 0`, the limit).
      PyTorch agrees for class indices without smoothing but returns NaN for
      probability targets, and under smoothing for a class of weight 0.
    * ``+inf`` logits follow :func:`~softmax_lib.log_softmax`: the ``n``
      infinite entries share the probability, so their :math:`\ell` is
      :math:`-\log n` and every other :math:`\ell` is ``-inf``. PyTorch
      returns NaN for such rows.

    The loss is :math:`\ge 0` whenever the weights and targets are
    non-negative, because every :math:`\ell_c \le 0`. With probability
    targets it is the cross-entropy :math:`H(q, p)` of the distributions when
    ``weight`` is None, and it is minimised by :math:`p = q`, not 0 unless
    :math:`q` is one-hot.

    References
    ----------
    PyTorch documentation, ``torch.nn.functional.cross_entropy`` and
    ``torch.nn.CrossEntropyLoss`` (the semantics reproduced here),
    https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html

    Szegedy, C., Vanhoucke, V., Ioffe, S., Shlens, J. and Wojna, Z. (2016).
    Rethinking the Inception architecture for computer vision. *CVPR*,
    2818-2826 (label smoothing).

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import cross_entropy
    >>> logits = np.array([[2.0, 1.0, 0.1],
    ...                    [0.5, 2.5, 0.3]])
    >>> print(cross_entropy(logits, [0, 1]).round(6))
    0.31854
    >>> cross_entropy(logits, [0, 1], reduction="none").round(6)
    array([0.41703, 0.22005])

    Ignored rows, class weights and label smoothing:

    >>> print(cross_entropy(logits, [0, -100]).round(6))
    0.41703
    >>> w = np.array([1.0, 3.0, 1.0])
    >>> print(cross_entropy(logits, [0, 1], weight=w).round(6))  # (0.41703 + 3 * 0.22005) / 4
    0.269295
    >>> print(cross_entropy(logits, [0, 1], label_smoothing=0.1).round(6))
    0.436873

    Probability targets (a float array of the shape of ``logits``):

    >>> soft = np.array([[0.8, 0.2, 0.0],
    ...                  [0.0, 1.0, 0.0]])
    >>> print(cross_entropy(logits, soft).round(6))
    0.41854

    Far-apart logits, where ``log(softmax(.))`` would give ``inf``:

    >>> print(cross_entropy([0.0, -1000.0], 1))
    1000.0
    """
    problem = _problem(logits, target, weight, ignore_index, reduction, label_smoothing)
    if problem.plain_indices:
        row_loss, _, count = _plain_index_pass(problem, loss=True, grad=False)
        return _reduce_plain(row_loss, count, problem)
    return _loss_from_terms(_cross_entropy_terms(problem))


def _reduce_plain(row_loss, count, problem):
    """The loss from float64 row losses of plain class indices, rounded once to the output dtype."""
    if problem.reduction == "none":
        return row_loss.astype(problem.out_dtype)
    divisor = row_loss.dtype.type(count if problem.reduction == "mean" else 1)
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty mean is 0/0 = NaN
        return problem.out_dtype.type(row_loss.sum() / divisor)


def _loss_from_terms(terms):
    """The loss from the shared :class:`_Terms` of any variant."""
    with np.errstate(invalid="ignore"):  # 0 * (-inf): patched just below
        products = terms.weighted_target * terms.log_probs
    # A class with probability 0 that the target does not weigh adds 0 (0 log 0 = 0).
    products[(terms.weighted_target == 0) & np.isneginf(terms.log_probs)] = 0.0
    # 0.0 - sum rather than -sum, so a loss of zero prints as 0 and not -0.
    row_loss = 0.0 - products.sum(axis=-1)
    row_loss = np.where(terms.active, row_loss, 0.0).astype(row_loss.dtype, copy=False)
    if terms.reduction == "none":
        return row_loss.astype(terms.out_dtype)
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty mean is 0/0 = NaN
        reduced = row_loss.sum() / terms.divisor
    return terms.out_dtype.type(reduced)


def cross_entropy_grad(
    logits, target, *, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0,
    return_loss=False,
):
    r"""The gradient of :func:`cross_entropy` with respect to ``logits``.

    For ``reduction="none"`` it is the gradient of the sum of the row
    losses. For one row, with :math:`p = \operatorname{softmax}(z)` and the
    effective target :math:`q` and weights :math:`w` of :func:`cross_entropy`,

    .. math::

        \frac{\partial L}{\partial z_k}
        = -\sum_c w_c q_c\,(\delta_{ck} - p_k)
        = p_k \sum_{c=1}^{C} w_c q_c \;-\; w_k q_k ,

    which is

    * for a class index :math:`y` without weights or smoothing:
      :math:`p_k - [k = y]`;
    * for a class index with weights and smoothing:
      :math:`p_k \bigl((1-\varepsilon) w_y + \tfrac{\varepsilon}{C}\sum_c w_c\bigr)
      - w_k \bigl((1-\varepsilon)[k = y] + \tfrac{\varepsilon}{C}\bigr)`;
    * for probabilities :math:`t` (smoothed to :math:`q`):
      :math:`p_k \sum_c w_c q_c - w_k q_k`, and :math:`p - q` when
      ``weight`` is None and :math:`t` sums to 1.

    ``"mean"`` divides every row by the mean's denominator :math:`D` (see
    :func:`cross_entropy`); ignored rows get 0.

    Parameters
    ----------
    logits, target, weight, ignore_index, reduction, label_smoothing
        As for :func:`cross_entropy`.
    return_loss : bool, optional
        Also return the loss, as :func:`cross_entropy` returns it, computed
        from the same exponentials: the pair a training step needs, for
        the price of the gradient alone.

    Returns
    -------
    numpy.ndarray or tuple
        The gradient, of the shape and dtype of the logits (float64 for bool
        and integer logits); with ``return_loss``, the pair ``(loss,
        gradient)``.

    Raises
    ------
    TypeError, ValueError, IndexError
        As for :func:`cross_entropy`; TypeError also if ``return_loss`` is
        not True or False.

    Notes
    -----
    The formula is analytic, not automatic differentiation; it shares its
    inputs (the products :math:`w_c q_c`, the rows that take part and
    :math:`D`) with :func:`cross_entropy` through one private helper, and
    :math:`p = \operatorname{softmax}(z)` (not :math:`e^{\ell}`, whose
    exponential would multiply the rounding error of :math:`\ell` by its
    size). With class indices and neither weights nor smoothing it is
    :math:`(p - \mathbf{1}_y) / D`, computed block by block into the one
    array returned, with the true class's entry
    :math:`p_y - 1 = -\sum_{j \ne y} e^{z_j} / \sum_j e^{z_j}` (or
    :math:`\operatorname{expm1}(\ell_y)` in rows that need a shift), which
    keeps its relative accuracy where ``p_y - 1`` would cancel, and is not
    0 where :math:`p_y` rounds to 1. There each block's exponentials
    :math:`e^{z_j}` serve the gradient and, with ``return_loss``, the loss
    :math:`-\ell_y = \operatorname{log1p}(\sum_{j \ne y} e^{z_j} / e^{z_y})`
    as well, so the pair costs one exponential per logit, as the gradient
    alone does; both results are the same numbers as from two separate
    calls. The blocks of a large input are shared among threads (see
    :func:`~softmax_lib.set_num_threads`), with the same result for any
    number of them. Everything is computed in float64 and rounded once; measured against mpmath, the entries are within 0.50 ulp
    in float32 and 3.89 ulps in float64. A row of the gradient sums to 0
    (up to rounding) when ``weight`` is None and the row's target sums to 1,
    because ``p`` does.

    Special cases: ignored rows get 0 even if their logits are NaN (PyTorch's
    autograd gives NaN there); when every target is ignored the gradient of
    the NaN mean is 0 everywhere, as in PyTorch; a NaN logit makes its own
    row NaN and no other. A ``-inf`` logit has :math:`p_k = 0`, so its entry
    is :math:`-w_k q_k`. Rows with ``+inf`` logits use the probabilities of
    :func:`~softmax_lib.softmax` (equal shares for the infinite entries).

    References
    ----------
    PyTorch documentation, ``torch.nn.functional.cross_entropy``,
    https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import cross_entropy_grad, softmax
    >>> logits = np.array([[2.0, 1.0, 0.1],
    ...                    [0.5, 2.5, 0.3]])
    >>> cross_entropy_grad(logits, [0, 1]).round(6)
    array([[-0.170499,  0.121216,  0.049283],
           [ 0.054302, -0.09876 ,  0.044459]])
    >>> one_hot = np.eye(3)[[0, 1]]
    >>> np.allclose(cross_entropy_grad(logits, [0, 1]), (softmax(logits) - one_hot) / 2)
    True

    The loss and the gradient together, from one pass over the logits:

    >>> loss, grad = cross_entropy_grad(logits, [0, 1], return_loss=True)
    >>> print(loss.round(6))
    0.31854

    An ignored row gets no gradient:

    >>> cross_entropy_grad(logits, [0, -100], reduction="sum").round(6)
    array([[-0.340999,  0.242433,  0.098566],
           [ 0.      ,  0.      ,  0.      ]])
    """
    problem = _problem(logits, target, weight, ignore_index, reduction, label_smoothing)
    return_loss = boolean(return_loss, "return_loss")
    if problem.plain_indices:
        row_loss, grad, count = _plain_index_pass(problem, loss=return_loss, grad=True)
        grad = grad.astype(problem.out_dtype, copy=False)
        return (_reduce_plain(row_loss, count, problem), grad) if return_loss else grad
    terms = _cross_entropy_terms(problem)
    # The compensated softmax, not exp(log_probs): the exponential would
    # multiply the rounding error of a log-probability by its magnitude.
    probs = softmax(problem.scores.astype(_WORK, copy=False))
    target_mass = terms.weighted_target.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):  # inf targets; a zero-weight mean
        grad = (probs * target_mass - terms.weighted_target) / terms.divisor
    grad = np.where(terms.active[..., None], grad, 0.0).astype(terms.out_dtype)
    return (_loss_from_terms(terms), grad) if return_loss else grad
