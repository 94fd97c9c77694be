r"""Regression losses (L1, MSE, Huber) and their gradients with respect to the prediction.

The semantics are those of PyTorch's ``torch.nn.functional.l1_loss``,
``mse_loss`` and ``huber_loss``: each loss is applied elementwise to the
residual :math:`r = \hat y - y` (prediction minus target) of two arrays of
any one shape, and then reduced,

.. math::

    L_{\text{mean}} = \frac{1}{N} \sum_{i=1}^{N} \rho(r_i),
    \qquad
    L_{\text{sum}} = \sum_{i=1}^{N} \rho(r_i),
    \qquad
    \frac{\partial L}{\partial \hat y_i} = \frac{\rho'(r_i)}{D},

with :math:`N` the number of elements and :math:`D = N` for the mean and 1
otherwise. Only :math:`\rho` changes from loss to loss:

* L1: :math:`\rho(r) = |r|`, :math:`\rho'(r) = \operatorname{sign}(r)`
  (0 at :math:`r = 0` by convention);
* MSE: :math:`\rho(r) = r^2`, :math:`\rho'(r) = 2r`;
* Huber: :math:`\rho(r) = \tfrac12 r^2` for :math:`|r| < \delta` and
  :math:`\delta(|r| - \tfrac12\delta)` otherwise,
  :math:`\rho'(r) = \operatorname{clip}(r, -\delta, \delta)`.

The private helper ``_residual_terms`` validates the arguments and computes
:math:`r`, :math:`D` and the dtypes once for a loss and its gradient, so the
two cannot disagree about the options.
"""

from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, compute_dtype, one_of, positive_finite, same_shape

__all__ = [
    "l1_loss",
    "l1_loss_grad",
    "mse_loss",
    "mse_loss_grad",
    "huber_loss",
    "huber_loss_grad",
]

_REDUCTIONS = ("mean", "sum", "none")


class _Terms(NamedTuple):
    """What a loss and its gradient share.

    ``residual`` is ``pred - target`` in the compute dtype (float32 at least),
    ``divisor`` is what the elementwise terms are divided by (the number of
    elements for ``"mean"``, else 1), ``loss_dtype`` is the promoted dtype of
    the two inputs and ``grad_dtype`` the dtype of ``pred``.
    """

    residual: np.ndarray
    divisor: int
    reduction: str
    loss_dtype: np.dtype
    grad_dtype: np.dtype


def _residual_terms(pred, target, reduction):
    """Validate ``pred``, ``target`` and ``reduction``; compute the shared terms."""
    prediction = as_float_array(pred, "pred")
    truth = as_float_array(target, "target")
    same_shape(prediction, truth, "pred", "target")
    reduction = one_of(reduction, _REDUCTIONS, "reduction")
    loss_dtype = np.promote_types(prediction.dtype, truth.dtype)
    dtype = compute_dtype(loss_dtype)
    # inf - inf is NaN and a finite difference may overflow to inf: IEEE results, kept.
    with np.errstate(over="ignore", invalid="ignore"):
        residual = prediction.astype(dtype, copy=False) - truth.astype(dtype, copy=False)
    divisor = residual.size if reduction == "mean" else 1
    return _Terms(residual, divisor, reduction, loss_dtype, prediction.dtype)


def _reduce(elementwise, terms):
    """Reduce the elementwise losses as ``terms.reduction`` asks; round to the loss dtype."""
    if terms.reduction == "none":
        # np.asarray: NumPy arithmetic on a 0-d array returns a scalar, not an array.
        return np.asarray(elementwise, dtype=terms.loss_dtype)
    # A mean over no elements is 0/0 = NaN, as in PyTorch; a large sum may overflow to inf.
    with np.errstate(invalid="ignore", over="ignore"):
        reduced = elementwise.sum()
        if terms.reduction == "mean":
            reduced = reduced / reduced.dtype.type(terms.divisor)
        return terms.loss_dtype.type(reduced)


def _scaled_grad(local_grad, terms):
    """Divide the elementwise derivative by the mean's divisor; round to ``pred``'s dtype."""
    grad = local_grad if terms.divisor == 1 else local_grad / local_grad.dtype.type(terms.divisor)
    return np.asarray(grad, dtype=terms.grad_dtype)


def _huber_delta(delta, dtype):
    """``delta`` checked to be positive and finite, as a scalar of the compute dtype."""
    delta = positive_finite(delta, "delta")
    # A delta beyond the float32 range becomes inf there: every residual is then quadratic.
    with np.errstate(over="ignore"):
        return dtype.type(delta)


# --------------------------------------------------------------------------
# L1
# --------------------------------------------------------------------------


def l1_loss(pred, target, *, reduction="mean"):
    r"""The L1 loss (absolute error) of ``pred`` against ``target``.

    The semantics are those of PyTorch's ``torch.nn.functional.l1_loss``,
    except that arrays of different shapes are refused rather than broadcast.
    With the residual :math:`r = \hat y - y` over all :math:`N` elements,

    .. math::

        L_{\text{mean}} = \frac{1}{N} \sum_{i=1}^{N} |r_i|,
        \qquad
        L_{\text{sum}} = \sum_{i=1}^{N} |r_i|,
        \qquad
        L_{\text{none}} = |r| \text{ elementwise}.

    Parameters
    ----------
    pred : array_like
        The prediction :math:`\hat y`, any shape (a scalar too).
    target : array_like
        The target :math:`y`, the same shape as ``pred``.
    reduction : {"mean", "sum", "none"}, optional
        ``"mean"`` (the default): the mean over every element; ``"sum"``: the
        sum; ``"none"``: the elementwise losses.

    Returns
    -------
    numpy.floating or numpy.ndarray
        A NumPy scalar for ``"mean"`` and ``"sum"``; for ``"none"`` an array
        of the shape of ``pred`` (0-d for a scalar). The dtype is the
        promotion of the two inputs' dtypes, after bool and integer inputs
        have become float64: float16, float32 and float64 are kept when both
        inputs share them.

    Raises
    ------
    TypeError
        If ``pred`` or ``target`` is not real numeric data, or ``reduction``
        is not a string.
    ValueError
        If ``pred`` and ``target`` have different shapes (PyTorch broadcasts
        them with a warning; here the message names both shapes), or
        ``reduction`` is unknown.

    See Also
    --------
    l1_loss_grad : the gradient of this loss with respect to ``pred``.
    huber_loss : quadratic near 0, and :math:`\delta` times L1 minus a constant beyond.

    Notes
    -----
    float16 inputs are computed in float32 and rounded once at the end.
    The loss is symmetric in ``pred`` and ``target``, non-negative, and 0
    exactly where they agree. Special cases, chosen and tested: the mean of
    an empty array is NaN (0/0, as in PyTorch) and its sum 0; a NaN in either
    input makes its own element's loss NaN, so the mean and sum are NaN; an
    infinite residual has an infinite loss, and ``inf - inf`` is NaN.

    References
    ----------
    PyTorch documentation, ``torch.nn.L1Loss`` and
    ``torch.nn.functional.l1_loss`` (the semantics reproduced here),
    https://pytorch.org/docs/stable/generated/torch.nn.L1Loss.html

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.regression_losses import l1_loss
    >>> pred = np.array([2.5, 0.0, 2.0, 8.0])
    >>> target = np.array([3.0, -0.5, 2.0, 7.0])
    >>> print(l1_loss(pred, target))
    0.5
    >>> print(l1_loss(pred, target, reduction="sum"))
    2.0
    >>> l1_loss(pred, target, reduction="none")
    array([0.5, 0.5, 0. , 1. ])

    An empty mean is 0/0:

    >>> print(l1_loss(np.zeros(0), np.zeros(0)), l1_loss([], [], reduction="sum"))
    nan 0.0
    """
    terms = _residual_terms(pred, target, reduction)
    return _reduce(np.abs(terms.residual), terms)


def l1_loss_grad(pred, target, *, reduction="mean"):
    r"""The gradient of :func:`l1_loss` with respect to ``pred``.

    For ``reduction="none"`` it is the gradient of the sum of the elementwise
    losses. With :math:`r = \hat y - y` and :math:`N` elements,

    .. math::

        \frac{\partial L}{\partial \hat y_i} = \frac{\operatorname{sign}(r_i)}{D},
        \qquad
        \operatorname{sign}(0) = 0,

    where :math:`D = N` for ``"mean"`` and :math:`D = 1` for ``"sum"`` and
    ``"none"``.

    Parameters
    ----------
    pred, target, reduction
        As for :func:`l1_loss`.

    Returns
    -------
    numpy.ndarray
        The shape and dtype of ``pred`` (float64 for bool and integer
        ``pred``).

    Raises
    ------
    TypeError, ValueError
        As for :func:`l1_loss`.

    Notes
    -----
    :math:`|r|` has no derivative at :math:`r = 0`: its one-sided slopes are
    :math:`-1` and :math:`+1`. The gradient there is 0 by convention, as in
    PyTorch (``sign(0) = 0``), which is the smallest element of the
    subdifferential :math:`[-1, 1]` and makes a point where ``pred`` equals
    ``target`` stationary. The gradient is bounded, :math:`|g_i| \le 1/D`,
    however large the residual, unlike the MSE's.

    A NaN residual gives a NaN gradient here; PyTorch returns 0 there
    (its ``sign(nan)`` is 0), which would hide the NaN from an optimiser.
    An infinite residual has gradient :math:`\pm 1/D`.

    References
    ----------
    PyTorch documentation, ``torch.nn.functional.l1_loss``,
    https://pytorch.org/docs/stable/generated/torch.nn.functional.l1_loss.html

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.regression_losses import l1_loss_grad
    >>> pred = np.array([2.5, 0.0, 2.0, 8.0])
    >>> target = np.array([3.0, -0.5, 2.0, 7.0])
    >>> l1_loss_grad(pred, target)  # sign(r) / 4; r = 0 gives 0
    array([-0.25,  0.25,  0.  ,  0.25])
    >>> l1_loss_grad(pred, target, reduction="sum")
    array([-1.,  1.,  0.,  1.])
    """
    terms = _residual_terms(pred, target, reduction)
    return _scaled_grad(np.sign(terms.residual), terms)


# --------------------------------------------------------------------------
# MSE
# --------------------------------------------------------------------------


def mse_loss(pred, target, *, reduction="mean"):
    r"""The mean squared error (squared L2 loss) of ``pred`` against ``target``.

    The semantics are those of PyTorch's ``torch.nn.functional.mse_loss``,
    except that arrays of different shapes are refused rather than broadcast.
    With the residual :math:`r = \hat y - y` over all :math:`N` elements,

    .. math::

        L_{\text{mean}} = \frac{1}{N} \sum_{i=1}^{N} r_i^2,
        \qquad
        L_{\text{sum}} = \sum_{i=1}^{N} r_i^2,
        \qquad
        L_{\text{none}} = r^2 \text{ elementwise}.

    Parameters
    ----------
    pred : array_like
        The prediction :math:`\hat y`, any shape (a scalar too).
    target : array_like
        The target :math:`y`, the same shape as ``pred``.
    reduction : {"mean", "sum", "none"}, optional
        ``"mean"`` (the default): the mean over every element; ``"sum"``: the
        sum; ``"none"``: the elementwise losses.

    Returns
    -------
    numpy.floating or numpy.ndarray
        A NumPy scalar for ``"mean"`` and ``"sum"``; for ``"none"`` an array
        of the shape of ``pred``. The dtype is the promotion of the two
        inputs' dtypes (bool and integer inputs count as float64).

    Raises
    ------
    TypeError
        If ``pred`` or ``target`` is not real numeric data, or ``reduction``
        is not a string.
    ValueError
        If ``pred`` and ``target`` have different shapes (PyTorch broadcasts
        them with a warning; here the message names both shapes), or
        ``reduction`` is unknown.

    See Also
    --------
    mse_loss_grad : the gradient of this loss with respect to ``pred``.
    huber_loss : equal to half the MSE when :math:`\delta` exceeds every :math:`|r_i|`.

    Notes
    -----
    float16 inputs are computed in float32 and rounded once at the end. A
    residual beyond about :math:`10^{154}` in float64 (:math:`1.8 \cdot
    10^{19}` in float32) squares to ``inf``. Special cases as for
    :func:`l1_loss`: an empty mean is NaN, an empty sum 0, NaN stays NaN.

    References
    ----------
    PyTorch documentation, ``torch.nn.MSELoss`` and
    ``torch.nn.functional.mse_loss``,
    https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.regression_losses import mse_loss
    >>> pred = np.array([2.5, 0.0, 2.0, 8.0])
    >>> target = np.array([3.0, -0.5, 2.0, 7.0])
    >>> print(mse_loss(pred, target))
    0.375
    >>> mse_loss(pred, target, reduction="none")
    array([0.25, 0.25, 0.  , 1.  ])

    float32 in, float32 out:

    >>> mse_loss(pred.astype(np.float32), target.astype(np.float32)).dtype
    dtype('float32')
    """
    terms = _residual_terms(pred, target, reduction)
    with np.errstate(over="ignore"):  # a huge residual squares to inf
        return _reduce(np.square(terms.residual), terms)


def mse_loss_grad(pred, target, *, reduction="mean"):
    r"""The gradient of :func:`mse_loss` with respect to ``pred``.

    For ``reduction="none"`` it is the gradient of the sum of the elementwise
    losses. With :math:`r = \hat y - y`,

    .. math::

        \frac{\partial L}{\partial \hat y_i} = \frac{2 r_i}{D},

    where :math:`D = N` (the number of elements) for ``"mean"`` and
    :math:`D = 1` for ``"sum"`` and ``"none"``.

    Parameters
    ----------
    pred, target, reduction
        As for :func:`mse_loss`.

    Returns
    -------
    numpy.ndarray
        The shape and dtype of ``pred`` (float64 for bool and integer
        ``pred``).

    Raises
    ------
    TypeError, ValueError
        As for :func:`mse_loss`.

    Notes
    -----
    The gradient grows in proportion to the residual, so a single outlier
    can dominate a step of gradient descent; the gradients of
    :func:`l1_loss` and :func:`huber_loss` are bounded (by :math:`1/D` and
    :math:`\delta/D`). An infinite residual has an infinite gradient of its
    sign, and NaN stays NaN, as in PyTorch.

    References
    ----------
    PyTorch documentation, ``torch.nn.functional.mse_loss``,
    https://pytorch.org/docs/stable/generated/torch.nn.functional.mse_loss.html

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.regression_losses import mse_loss_grad
    >>> pred = np.array([2.5, 0.0, 2.0, 8.0])
    >>> target = np.array([3.0, -0.5, 2.0, 7.0])
    >>> mse_loss_grad(pred, target)  # 2 r / 4
    array([-0.25,  0.25,  0.  ,  0.5 ])
    """
    terms = _residual_terms(pred, target, reduction)
    return _scaled_grad(2 * terms.residual, terms)


# --------------------------------------------------------------------------
# Huber
# --------------------------------------------------------------------------


def _huber_elementwise(abs_residual, delta):
    r""":math:`m(|r| - m/2)` with :math:`m = \min(|r|, \delta)`: both branches in one formula.

    Below :math:`\delta` it is :math:`|r| \cdot |r|/2`, the same rounding as
    PyTorch's ``0.5 * r * r`` (halving is exact); above, :math:`\delta(|r| -
    \delta/2)`. No branch is evaluated where it does not apply, so an infinite
    or NaN residual raises no floating-point warning from the other branch.
    """
    nearest = np.minimum(abs_residual, delta)
    return nearest * (abs_residual - nearest / 2)


def huber_loss(pred, target, *, delta=1.0, reduction="mean"):
    r"""The Huber loss of ``pred`` against ``target``.

    The semantics are those of PyTorch's ``torch.nn.functional.huber_loss``,
    except that arrays of different shapes are refused rather than broadcast.
    With the residual :math:`r = \hat y - y` and a threshold
    :math:`\delta > 0`, elementwise

    .. math::

        \rho_\delta(r) =
        \begin{cases}
            \tfrac12 r^2 & \text{if } |r| < \delta, \\
            \delta\,\bigl(|r| - \tfrac12 \delta\bigr) & \text{otherwise,}
        \end{cases}

    reduced by the mean over all :math:`N` elements, the sum, or not at all.

    Parameters
    ----------
    pred : array_like
        The prediction :math:`\hat y`, any shape (a scalar too).
    target : array_like
        The target :math:`y`, the same shape as ``pred``.
    delta : float, optional
        The threshold :math:`\delta`, positive and finite (default 1.0),
        where the loss turns from quadratic to linear.
    reduction : {"mean", "sum", "none"}, optional
        ``"mean"`` (the default): the mean over every element; ``"sum"``: the
        sum; ``"none"``: the elementwise losses.

    Returns
    -------
    numpy.floating or numpy.ndarray
        A NumPy scalar for ``"mean"`` and ``"sum"``; for ``"none"`` an array
        of the shape of ``pred``. The dtype is the promotion of the two
        inputs' dtypes (bool and integer inputs count as float64).

    Raises
    ------
    TypeError
        If ``pred`` or ``target`` is not real numeric data, ``delta`` is not
        a real number or ``reduction`` is not a string.
    ValueError
        If ``pred`` and ``target`` have different shapes (the message names
        both), ``delta`` is not positive and finite (PyTorch also refuses
        :math:`\delta \le 0`), or ``reduction`` is unknown.

    See Also
    --------
    huber_loss_grad : the gradient of this loss with respect to ``pred``.
    mse_loss, l1_loss : the two losses Huber's interpolates.

    Notes
    -----
    The two pieces meet at :math:`|r| = \delta` with the same value,
    :math:`\tfrac12\delta^2`, and the same slope, :math:`\pm\delta`, so the
    loss is continuously differentiable (its second derivative jumps from 1
    to 0 there). Two exact relations follow from the definition:

    * if :math:`\delta > \max_i |r_i|`, every element is on the quadratic
      piece and the loss is exactly half the :func:`mse_loss`;
    * :math:`\bigl|\rho_\delta(r)/\delta - |r|\bigr| \le \delta/2` for every
      :math:`r`, so as :math:`\delta \to 0` the loss divided by
      :math:`\delta` tends to :func:`l1_loss` (uniformly).

    PyTorch's ``smooth_l1_loss`` with ``beta`` equal to :math:`\delta` is
    :math:`\rho_\delta / \delta`.

    Algorithm: :math:`m = \min(|r|, \delta)` and
    :math:`\rho_\delta(r) = m\,(|r| - m/2)`, one formula for both pieces.
    float16 inputs are computed in float32, and :math:`\delta` is rounded to
    the compute dtype (a :math:`\delta` beyond the float32 range is then
    infinite and the loss is half the MSE). Special cases as for
    :func:`l1_loss`: an empty mean is NaN, an empty sum 0, NaN stays NaN, an
    infinite residual has an infinite loss.

    References
    ----------
    Huber, P. J. (1964). Robust estimation of a location parameter.
    *The Annals of Mathematical Statistics*, 35(1), 73-101.

    PyTorch documentation, ``torch.nn.HuberLoss`` and
    ``torch.nn.functional.huber_loss`` (the semantics reproduced here),
    https://pytorch.org/docs/stable/generated/torch.nn.HuberLoss.html

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.regression_losses import huber_loss
    >>> pred = np.array([0.5, -1.0, 3.0, 0.0])
    >>> target = np.zeros(4)
    >>> huber_loss(pred, target, reduction="none")  # 0.5 r^2 below 1, |r| - 0.5 above
    array([0.125, 0.5  , 2.5  , 0.   ])
    >>> print(huber_loss(pred, target))
    0.78125
    >>> huber_loss(pred, target, delta=2.5, reduction="none")
    array([0.125, 0.5  , 4.375, 0.   ])

    For a large :math:`\delta` it is half the MSE:

    >>> from softmax_lib.regression_losses import mse_loss
    >>> print(huber_loss(pred, target, delta=10.0), mse_loss(pred, target) / 2)
    1.28125 1.28125
    """
    terms = _residual_terms(pred, target, reduction)
    threshold = _huber_delta(delta, terms.residual.dtype)
    return _reduce(_huber_elementwise(np.abs(terms.residual), threshold), terms)


def huber_loss_grad(pred, target, *, delta=1.0, reduction="mean"):
    r"""The gradient of :func:`huber_loss` with respect to ``pred``.

    For ``reduction="none"`` it is the gradient of the sum of the elementwise
    losses. With :math:`r = \hat y - y`,

    .. math::

        \frac{\partial L}{\partial \hat y_i}
        = \frac{\operatorname{clip}(r_i, -\delta, \delta)}{D}
        = \frac{1}{D}
        \begin{cases}
            r_i & \text{if } |r_i| < \delta, \\
            \delta \operatorname{sign}(r_i) & \text{otherwise,}
        \end{cases}

    where :math:`D = N` (the number of elements) for ``"mean"`` and
    :math:`D = 1` for ``"sum"`` and ``"none"``.

    Parameters
    ----------
    pred, target, delta, reduction
        As for :func:`huber_loss`.

    Returns
    -------
    numpy.ndarray
        The shape and dtype of ``pred`` (float64 for bool and integer
        ``pred``).

    Raises
    ------
    TypeError, ValueError
        As for :func:`huber_loss`.

    Notes
    -----
    The derivative exists everywhere, including at :math:`|r| = \delta`,
    where both pieces have slope :math:`\pm\delta`: the gradient is
    continuous, and bounded by :math:`\delta/D`. Near 0 it is the MSE's
    halved (:math:`r/D`); far away it is :math:`\delta` times the L1's. An
    infinite residual has gradient :math:`\pm\delta/D`; NaN stays NaN, as in
    PyTorch.

    References
    ----------
    Huber, P. J. (1964). Robust estimation of a location parameter.
    *The Annals of Mathematical Statistics*, 35(1), 73-101.

    PyTorch documentation, ``torch.nn.functional.huber_loss``,
    https://pytorch.org/docs/stable/generated/torch.nn.functional.huber_loss.html

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.regression_losses import huber_loss_grad
    >>> pred = np.array([0.5, -1.0, 3.0, 0.0])
    >>> huber_loss_grad(pred, np.zeros(4), reduction="sum")  # clip(r, -1, 1)
    array([ 0.5, -1. ,  1. ,  0. ])
    >>> huber_loss_grad(pred, np.zeros(4))
    array([ 0.125, -0.25 ,  0.25 ,  0.   ])
    """
    terms = _residual_terms(pred, target, reduction)
    threshold = _huber_delta(delta, terms.residual.dtype)
    return _scaled_grad(np.clip(terms.residual, -threshold, threshold), terms)
