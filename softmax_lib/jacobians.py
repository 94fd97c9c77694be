r"""The softmax Jacobian, its products with vectors, and a finite-difference check.

With :math:`s = \operatorname{softmax}(z)`,

.. math::

    J_{ij} = \frac{\partial s_i}{\partial z_j} = s_i(\delta_{ij} - s_j),
    \qquad J = \operatorname{diag}(s) - s s^{\top}.

``softmax_jacobian`` forms ``J`` (``K * K`` numbers per row). The products
``softmax_jvp`` (``J v``, the forward-mode derivative) and ``softmax_vjp``
(``g^T J``, what backpropagation needs) cost ``O(K)`` per row and never form
``J``; each sits next to the forward formula it differentiates.
"""

import numpy as np

from ._checks import as_float_array, positive_finite, same_shape
from .activations import _WORK, softmax

__all__ = ["softmax_jacobian", "softmax_jvp", "softmax_vjp", "numerical_gradient"]


def softmax_jacobian(x, axis=-1):
    r"""The Jacobian of :func:`~softmax_lib.softmax` at the logits ``x``.

    .. math::

        J = \operatorname{diag}(s) - s s^{\top}, \qquad s = \operatorname{softmax}(x)

    Parameters
    ----------
    x : array_like
        Logits, any shape with at least one dimension.
    axis : int, optional
        The class axis (default: the last).

    Returns
    -------
    numpy.ndarray
        Shape ``(..., K, K)``: the shape of ``x`` with the class axis moved
        last, plus one more axis of length ``K``. ``J[..., i, j]`` is
        :math:`\partial s_i / \partial z_j`.

    Raises
    ------
    TypeError, ValueError
        As for :func:`~softmax_lib.softmax`.

    Notes
    -----
    ``J`` is symmetric and positive semi-definite, ``J @ 1 = 0`` (the outputs
    always sum to 1), and its rank is ``K - 1`` when every ``s_i > 0``.
    Forming it costs ``K**2`` numbers per row; use :func:`softmax_vjp` or
    :func:`softmax_jvp` when only a product with ``J`` is needed.

    The diagonal is computed as :math:`\sum_{j \ne i} s_i s_j`, a sum of
    positive terms equal to :math:`s_i (1 - s_i)`: for a dominant class,
    ``s_i - s_i**2`` would round to 0 although the exact value is an ordinary
    small number.

    ``s`` is the accurate softmax of :func:`~softmax_lib.softmax`, computed
    in float64 whatever the dtype of ``x``, and ``J`` is rounded to that
    dtype once. Measured against mpmath (``tests/test_accuracy.py``): every
    entry within 0.50 ulp in float32 and 6.02 ulps in float64 (two
    probabilities, each within a few ulps, multiplied).

    Examples
    --------
    >>> from softmax_lib import softmax_jacobian
    >>> softmax_jacobian([0.0, 0.0])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    >>> softmax_jacobian([[1.0, 2.0, 3.0]] * 4).shape
    (4, 3, 3)
    """
    logits = as_float_array(x, "x")
    # In float64 whatever the dtype of x, rounded once at the end.
    s = np.moveaxis(softmax(logits.astype(_WORK, copy=False), axis), axis, -1)
    jac = -s[..., :, None] * s[..., None, :]
    diagonal = np.einsum("...ii->...i", jac)  # a writable view of the diagonal
    # s_i (1 - s_i) as the sum of s_i s_j over j != i (J 1 = 0): s_i - s_i**2
    # would cancel to 0 for a dominant class whose 1 - s_i is below eps.
    diagonal[...] = 0.0
    diagonal -= jac.sum(axis=-1)
    return jac.astype(logits.dtype, copy=False)


def softmax_jvp(x, v, axis=-1):
    r"""The Jacobian-vector product :math:`J v` of softmax at ``x``.

    .. math::

        (J v)_i = \sum_j s_i(\delta_{ij} - s_j) v_j = s_i\,(v_i - s \cdot v)

    Parameters
    ----------
    x : array_like
        Logits, any shape with at least one dimension.
    v : array_like
        Tangent vectors, the same shape as ``x``.
    axis : int, optional
        The class axis (default: the last).

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``: how ``softmax(x)`` moves when ``x`` moves along
        ``v``, to first order.

    Raises
    ------
    TypeError, ValueError
        As for :func:`~softmax_lib.softmax`; ``ValueError`` if ``v`` has
        another shape.

    Notes
    -----
    Cost per row: one dot product and one multiply, ``O(K)``, against
    ``O(K**2)`` for forming ``J`` and multiplying. Since ``J 1 = 0``, ``v``
    is first shifted so that its entry at the largest ``s_a`` is 0; the
    factor ``1 - s_a`` of that entry then never appears as a difference of
    nearly equal numbers.

    Computed in float64 from the accurate softmax and rounded once. An entry
    of ``J v`` can be a difference of larger terms, so its error is measured
    in ulps of :math:`s_i (|v_i| + \sum_j s_j |v_j|)`, how far it moves when
    ``v`` moves by an ulp: within 0.50 in float32 and 2.77 in float64
    against mpmath (``tests/test_accuracy.py``).

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import softmax_jvp
    >>> v = np.ones(3)                   # moving every logit equally changes nothing
    >>> np.allclose(softmax_jvp([1.0, 2.0, 3.0], v), 0.0)
    True
    """
    return _symmetric_jacobian_product(x, v, "v", axis)


def softmax_vjp(x, g, axis=-1):
    r"""The vector-Jacobian product :math:`g^{\top} J` of softmax at ``x``.

    .. math::

        (g^{\top} J)_j = \sum_i g_i\, s_i(\delta_{ij} - s_j) = s_j\,(g_j - g \cdot s)

    This is the backward pass of softmax: given ``g = dL/ds`` it returns
    ``dL/dz``.

    Parameters
    ----------
    x : array_like
        Logits, any shape with at least one dimension.
    g : array_like
        Upstream gradients with respect to the softmax outputs, the same
        shape as ``x``.
    axis : int, optional
        The class axis (default: the last).

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.

    Raises
    ------
    TypeError, ValueError
        As for :func:`~softmax_lib.softmax`; ``ValueError`` if ``g`` has
        another shape.

    Notes
    -----
    ``J`` is symmetric, so ``g^T J = J g`` and the formula is the one of
    :func:`softmax_jvp`; the two are kept apart because they answer different
    questions (forward versus reverse mode). Cost ``O(K)`` per row.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import softmax, softmax_vjp
    >>> z = np.array([1.0, 2.0, 3.0])
    >>> y = np.array([0.0, 0.0, 1.0])
    >>> g = -y / softmax(z)              # dL/ds for L = -sum(y * log(s))
    >>> np.allclose(softmax_vjp(z, g), softmax(z) - y)
    True
    """
    return _symmetric_jacobian_product(x, g, "g", axis)


def _symmetric_jacobian_product(x, w, name, axis):
    """``J w = s * (w - s . w)`` for the symmetric softmax Jacobian ``J`` at ``x``.

    The result has the promoted dtype of ``x`` and ``w``; it is computed in
    float64 and rounded once.
    """
    logits = as_float_array(x, "x")
    vectors = as_float_array(w, name)
    out_dtype = np.result_type(logits, vectors)
    # In float64 whatever the dtypes, rounded once at the end.
    s = softmax(logits.astype(_WORK, copy=False), axis)
    same_shape(s, vectors, "x", name)
    vectors = _minus_entry_at_largest(vectors.astype(_WORK, copy=False), s, axis)
    product = s * (vectors - np.sum(s * vectors, axis=axis, keepdims=True))
    return product.astype(out_dtype, copy=False)


def _minus_entry_at_largest(w, s, axis):
    """``w`` minus, in each row, its entry where ``s`` is largest.

    ``J 1 = 0``, so ``J w`` and ``w^T J`` do not change. With that entry 0,
    the dominant class's factor ``w_a - s . w`` becomes ``-sum_{j != a}
    s_j w_j`` instead of a difference of nearly equal numbers, so its tiny
    ``1 - s_a`` survives.
    """
    if s.shape[axis] == 0:
        return w
    top = np.argmax(s, axis=axis, keepdims=True)
    return w - np.take_along_axis(w, top, axis=axis)


def numerical_gradient(f, x, *, eps=1e-6):
    r"""The gradient of a scalar function by central differences.

    .. math::

        \frac{\partial f}{\partial x_i} \approx
        \frac{f(x + h_i e_i) - f(x - h_i e_i)}{2 h_i},
        \qquad h_i = \varepsilon \max(1, |x_i|)

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a real scalar for an array ``x`` of the given shape.
    x : array_like
        The point, any shape. It is evaluated in float64 and not modified.
    eps : float, optional
        The relative step ``epsilon > 0``.

    Returns
    -------
    numpy.ndarray
        float64, same shape as ``x``.

    Raises
    ------
    TypeError
        If ``f`` is not callable or ``x`` is not real numeric data.
    ValueError
        If ``eps`` is not positive and finite, or ``f`` does not return a
        real scalar.

    Notes
    -----
    The truncation error is :math:`O(h^2)` and the rounding error about
    :math:`u |f| / h` (``u`` the unit roundoff), so the default step of
    ``1e-6`` gives roughly 8 to 10 correct digits for smooth ``f`` of moderate
    size. It costs ``2 n`` evaluations of ``f`` for ``n = x.size``: a tool for
    checks, not for training.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import logsumexp, numerical_gradient, softmax
    >>> z = np.array([1.0, 2.0, 3.0])
    >>> np.allclose(numerical_gradient(logsumexp, z), softmax(z))
    True
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    eps = positive_finite(eps, "eps")
    point = as_float_array(x, "x").astype(np.float64)  # a copy we may perturb
    grad = np.empty_like(point)
    flat_point, flat_grad = point.reshape(-1), grad.reshape(-1)
    for i, xi in enumerate(flat_point.copy()):
        h = eps * max(1.0, abs(xi))
        flat_point[i] = xi + h
        upper = _scalar_value(f(point))
        flat_point[i] = xi - h
        lower = _scalar_value(f(point))
        flat_point[i] = xi
        flat_grad[i] = (upper - lower) / (2.0 * h)
    return grad


def _scalar_value(value):
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise ValueError(f"f must return a real scalar, got {value!r}")
    return float(arr.reshape(()))
