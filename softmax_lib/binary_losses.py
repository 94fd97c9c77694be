r"""Binary cross-entropy on logits, one independent sigmoid per output, and its gradient.

The semantics are those of PyTorch's
``torch.nn.functional.binary_cross_entropy_with_logits``. Each element
:math:`x` of the logits is the log-odds of its own yes/no event, with
probability :math:`\sigma(x)`; nothing ties the elements of a row together,
so several classes of one example may be "on" at once (multi-label
classification), unlike softmax, whose classes exclude each other. With a
target :math:`y \in [0, 1]`, an element weight :math:`w` and a positive-class
weight :math:`a` (``pos_weight``),

.. math::

    \ell(x, y) = w\,\bigl[a\, y\, \operatorname{softplus}(-x)
                 + (1 - y)\, \operatorname{softplus}(x)\bigr],
    \qquad
    \frac{\partial \ell}{\partial x}
        = w\,\bigl[(1 - y)\, \sigma(x) - a\, y\, \sigma(-x)\bigr],

since :math:`-\log \sigma(x) = \operatorname{softplus}(-x)` and
:math:`-\log(1 - \sigma(x)) = \operatorname{softplus}(x)`, with
:math:`\operatorname{softplus}(x) = \log(1 + e^{x})`. For :math:`a = 1` the
derivative is :math:`w\,(\sigma(x) - y)`.

The private helper ``_problem`` validates the arguments of the loss and its
gradient once, so the two cannot disagree about the options.
"""

from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, compute_dtype, one_of, same_shape
from .activations import sigmoid

__all__ = ["binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad"]

_REDUCTIONS = ("mean", "sum", "none")


class _Problem(NamedTuple):
    """The validated arguments, in the compute dtype (float32 at least)."""

    logits: np.ndarray
    targets: np.ndarray
    weight: np.ndarray  # broadcast to the shape of logits (ones if None)
    pos_weight: np.ndarray  # broadcast to the shape of logits (ones if None)
    reduction: str
    out_dtype: np.dtype


def _broadcast_weight(value, name, shape, dtype):
    """``value`` as a finite array broadcast to ``shape`` (ones when None)."""
    if value is None:
        return np.ones(shape, dtype=dtype)
    array = as_float_array(value, name)
    try:
        broadcast = np.broadcast_shapes(array.shape, shape)
    except ValueError:
        broadcast = None
    if broadcast != shape:
        raise ValueError(
            f"{name} must broadcast to the shape of logits {shape}, got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return np.broadcast_to(array.astype(dtype, copy=False), shape)


def _problem(logits, targets, weight, pos_weight, reduction):
    """Validate every argument of the loss and its gradient."""
    scores = as_float_array(logits, "logits")
    labels = as_float_array(targets, "targets")
    same_shape(scores, labels, "logits", "targets")
    reduction = one_of(reduction, _REDUCTIONS, "reduction")
    dtype = compute_dtype(scores.dtype)
    return _Problem(
        scores.astype(dtype, copy=False),
        labels.astype(dtype, copy=False),
        _broadcast_weight(weight, "weight", scores.shape, dtype),
        _broadcast_weight(pos_weight, "pos_weight", scores.shape, dtype),
        reduction,
        scores.dtype,
    )


def _softplus(x):
    r""":math:`\log(1 + e^{x}) = \max(x, 0) + \operatorname{log1p}(e^{-|x|})`, never overflowing."""
    with np.errstate(invalid="ignore"):  # NaN stays NaN
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _times(coefficient, value):
    """``coefficient * value`` with ``0 * inf = 0``: a term the target does not weigh adds 0.

    A NaN value stays NaN, even with a zero coefficient, as in IEEE arithmetic.
    """
    with np.errstate(invalid="ignore"):
        product = coefficient * value
    return np.where((coefficient == 0) & np.isinf(value), 0, product).astype(value.dtype,
                                                                             copy=False)


def _reduce(values, reduction, out_dtype):
    if reduction == "none":
        out = np.asarray(values, dtype=out_dtype)
        return out[()] if out.ndim == 0 else out  # a scalar logit gives a NumPy scalar
    with np.errstate(invalid="ignore", divide="ignore"):  # a mean over no element is 0/0 = NaN
        total = values.sum()
        if reduction == "mean":
            total = total / total.dtype.type(values.size)
    return out_dtype.type(total)


def binary_cross_entropy_with_logits(logits, targets, *, weight=None, pos_weight=None,
                                     reduction="mean"):
    r"""Binary cross-entropy of ``logits`` (log-odds) against ``targets``, elementwise.

    The semantics are those of PyTorch's
    ``torch.nn.functional.binary_cross_entropy_with_logits``. For every
    element, with :math:`\sigma` the logistic sigmoid,

    .. math::

        \ell = -w\,\bigl[a\, y \log \sigma(x) + (1 - y) \log\bigl(1 - \sigma(x)\bigr)\bigr]
             = w\,\bigl[a\, y\, \operatorname{softplus}(-x)
               + (1 - y)\, \operatorname{softplus}(x)\bigr],

    where :math:`x` is the logit, :math:`y` the target, :math:`w` the
    ``weight`` and :math:`a` the ``pos_weight`` of the element. The mean
    divides the sum of all the elements' losses by their number
    :math:`N` (not by the sum of the weights).

    Parameters
    ----------
    logits : array_like
        The log-odds :math:`x`, any shape (a scalar too). Each element is an
        independent binary prediction.
    targets : array_like
        The targets :math:`y`, of the shape of ``logits``: 0 or 1, or any
        probability in between (soft targets). As in PyTorch they are not
        checked to lie in :math:`[0, 1]`. Bool and integer targets are
        converted to floats.
    weight : array_like, optional
        Finite weights :math:`w` of the elements' losses, broadcast to the
        shape of ``logits`` (e.g. one weight per example, shape ``(N, 1)``);
        None means all 1.
    pos_weight : array_like, optional
        Finite weights :math:`a` of the positive term, broadcast to the shape
        of ``logits`` (usually one per class, shape ``(C,)``, for instance the
        ratio of negative to positive examples of each class); None means
        all 1.
    reduction : {"mean", "sum", "none"}, optional
        ``"mean"``: :math:`\frac{1}{N}\sum \ell`; ``"sum"``: :math:`\sum \ell`;
        ``"none"``: the elementwise losses.

    Returns
    -------
    numpy.floating or numpy.ndarray
        A NumPy scalar for ``"mean"`` and ``"sum"``; for ``"none"`` an array
        of the shape of ``logits`` (a NumPy scalar for a scalar logit). The dtype of the logits (float64 for
        bool and integer logits).

    Raises
    ------
    TypeError
        If ``logits``, ``targets``, ``weight`` or ``pos_weight`` is not real
        numeric data, or ``reduction`` is not a string.
    ValueError
        If ``targets`` does not have the shape of ``logits``, ``weight`` or
        ``pos_weight`` does not broadcast to it or is not finite, or
        ``reduction`` is unknown.

    See Also
    --------
    binary_cross_entropy_with_logits_grad : the gradient with respect to ``logits``.
    softmax_lib.cross_entropy : the loss for mutually exclusive classes.

    Notes
    -----
    Algorithm: never :math:`\log \sigma(x)` from a computed
    :math:`\sigma(x)`, which is 0 or 1 in floating point once :math:`|x|`
    is large and would turn an ordinary loss into ``inf``. Instead
    :math:`\operatorname{softplus}(x) = \max(x, 0) + \operatorname{log1p}(e^{-|x|})`,
    whose exponential is at most 1, so nothing overflows and the small
    term keeps its relative accuracy. float16 logits are computed in float32
    and rounded once at the end.

    Special cases, chosen and tested: an infinite logit takes the limit. A
    term whose coefficient is 0 adds 0 (for :math:`x = +\infty`,
    :math:`y = 1` the loss is 0, as for :math:`x = -\infty`, :math:`y = 0`);
    an infinite logit on the wrong side of a target that weighs it gives
    ``+inf``. PyTorch 2.13 returns NaN for the first two and for
    :math:`x = -\infty`, :math:`y = 1`. A NaN logit makes its own element
    NaN. A mean over no elements is NaN, as in PyTorch; the sum is 0.

    References
    ----------
    PyTorch documentation, ``torch.nn.BCEWithLogitsLoss`` (the semantics
    reproduced here, including ``pos_weight``),
    https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import binary_cross_entropy_with_logits
    >>> logits = np.array([[2.0, -1.0, 0.5],
    ...                    [-0.5, 1.5, -3.0]])
    >>> targets = np.array([[1.0, 0.0, 1.0],
    ...                     [0.0, 1.0, 1.0]])
    >>> print(binary_cross_entropy_with_logits(logits, targets).round(6))
    0.773057
    >>> binary_cross_entropy_with_logits(logits, targets, reduction="none").round(6)
    array([[0.126928, 0.313262, 0.474077],
           [0.474077, 0.201413, 3.048587]])

    One positive weight per class (here the third class counts its positives
    twice):

    >>> print(binary_cross_entropy_with_logits(logits, targets,
    ...                                        pos_weight=[1.0, 1.0, 2.0]).round(6))
    1.360168

    Far from 0 the loss stays finite and accurate:

    >>> print(binary_cross_entropy_with_logits(-1000.0, 1.0))
    1000.0
    """
    problem = _problem(logits, targets, weight, pos_weight, reduction)
    x, y = problem.logits, problem.targets
    with np.errstate(invalid="ignore"):  # inf * 0 in the coefficients of NaN targets
        positive = _times(problem.pos_weight * y, _softplus(-x))
        negative = _times(1 - y, _softplus(x))
        elementwise = _times(problem.weight, positive + negative)
    return _reduce(elementwise, problem.reduction, problem.out_dtype)


def binary_cross_entropy_with_logits_grad(logits, targets, *, weight=None, pos_weight=None,
                                          reduction="mean"):
    r"""The gradient of :func:`binary_cross_entropy_with_logits` with respect to ``logits``.

    For ``reduction="none"`` it is the gradient of the sum of the elements'
    losses. For each element,

    .. math::

        \frac{\partial \ell}{\partial x}
        = w\,\bigl[(1 - y)\,\sigma(x) - a\, y\,\sigma(-x)\bigr]
        = w\,\bigl[(1 - y + a y)\,\sigma(x) - a y\bigr],

    which is :math:`w\,(\sigma(x) - y)` when ``pos_weight`` is None;
    ``"mean"`` divides every element by their number :math:`N`.

    Parameters
    ----------
    logits, targets, weight, pos_weight, reduction
        As for :func:`binary_cross_entropy_with_logits`.

    Returns
    -------
    numpy.ndarray
        The shape and dtype of ``logits`` (float64 for bool and integer
        logits); a NumPy scalar for a scalar logit.

    Raises
    ------
    TypeError, ValueError
        As for :func:`binary_cross_entropy_with_logits`.

    Notes
    -----
    The formula is analytic. It is computed with :math:`\sigma(x)` and
    :math:`\sigma(-x) = 1 - \sigma(x)` each from
    :func:`~softmax_lib.sigmoid`, so that neither is obtained by a
    subtraction that cancels: for :math:`x = 40` and :math:`y = 1` the
    gradient is :math:`-e^{-40}` to full relative accuracy, where
    :math:`\sigma(x) - 1` would give 0. The derivative is bounded,
    :math:`|\partial \ell / \partial x| \le |w| \max(|1 - y|, |a y|)` for
    targets in :math:`[0, 1]`. At infinite logits it takes the limit
    (:math:`\sigma(+\infty) = 1`, :math:`\sigma(-\infty) = 0`), as PyTorch
    does; a NaN logit gives a NaN entry.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import binary_cross_entropy_with_logits_grad, sigmoid
    >>> logits = np.array([[2.0, -1.0, 0.5],
    ...                    [-0.5, 1.5, -3.0]])
    >>> targets = np.array([[1.0, 0.0, 1.0],
    ...                     [0.0, 1.0, 1.0]])
    >>> binary_cross_entropy_with_logits_grad(logits, targets, reduction="sum").round(6)
    array([[-0.119203,  0.268941, -0.377541],
           [ 0.377541, -0.182426, -0.952574]])
    >>> np.allclose(binary_cross_entropy_with_logits_grad(logits, targets),
    ...             (sigmoid(logits) - targets) / logits.size)
    True
    """
    problem = _problem(logits, targets, weight, pos_weight, reduction)
    x, y = problem.logits, problem.targets
    with np.errstate(invalid="ignore"):
        local = (1 - y) * sigmoid(x) - problem.pos_weight * y * sigmoid(-x)
        grad = problem.weight * local
    if problem.reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = grad / grad.dtype.type(max(grad.size, 1))
    out = np.asarray(grad, dtype=problem.out_dtype)
    return out[()] if out.ndim == 0 else out
