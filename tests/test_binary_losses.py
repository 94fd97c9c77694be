"""Tests of ``binary_cross_entropy_with_logits`` and its gradient.

Three layers: every case of a stored PyTorch reference (inputs, loss and
autograd gradient written by
``tests/data/make_binary_cross_entropy_reference.py``), unit tests of the
errors, of the behaviours chosen for edge cases and of the accuracy against
mpmath, and Hypothesis properties (finite differences, sigma(x) - y, the
two-class softmax, non-negativity).
"""

import json
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_lib import (
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    cross_entropy,
    numerical_gradient,
    sigmoid,
)

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "binary_cross_entropy_reference.json").read_text()
)
CASES = REFERENCE["cases"]
BOTH = pytest.mark.parametrize(
    "func", [binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad]
)
TOLERANCE = {"float32": dict(rtol=2e-6, atol=1e-7), "float64": dict(rtol=1e-13, atol=1e-15)}


def _floats(hex_strings):
    return np.array([float.fromhex(h) for h in hex_strings], dtype=np.float64)


def _optional(stored, dtype):
    if stored is None:
        return None
    return _floats(stored["values"]).reshape(stored["shape"]).astype(dtype)


def _case_inputs(case):
    dtype = np.dtype(case["dtype"])
    shape = tuple(case["shape"])
    logits = _floats(case["logits"]).reshape(shape).astype(dtype)
    targets = _floats(case["targets"]).reshape(shape).astype(dtype)
    options = dict(weight=_optional(case["weight"], dtype),
                   pos_weight=_optional(case["pos_weight"], dtype),
                   reduction=case["reduction"])
    return logits, targets, options


def _torch_error_bounds(logits, targets, options):
    """Absolute bounds on the rounding errors of PyTorch's loss and gradient.

    PyTorch computes the loss as (1 - y) x + (1 + (a - 1) y) (log1p(e^{-|x|}) +
    max(-x, 0)), whose terms of size |x| cancel when x < 0 and y = 0, and the
    gradient as w ((1 + (a - 1) y) sigma(x) - a y), whose terms of size a y
    cancel: its results are off by a few ulps of |x| and of a y, not of the
    result (the library's are accurate to a few ulps of the result, see
    test_accuracy_against_mpmath).
    """
    eps = np.finfo(logits.dtype).eps
    weight = 1.0 if options["weight"] is None else np.abs(options["weight"])
    pos_weight = 1.0 if options["pos_weight"] is None else np.abs(options["pos_weight"])
    size = weight * (1 + pos_weight * np.abs(targets) + np.abs(1 - targets))
    loss_bound = np.broadcast_to(8 * eps * size * (np.abs(logits) + 1), logits.shape)
    grad_bound = np.broadcast_to(8 * eps * size, logits.shape)
    count = max(logits.size, 1) if options["reduction"] == "mean" else 1
    if options["reduction"] != "none":
        loss_bound = loss_bound.sum() / count
    return loss_bound, grad_bound / count


def _assert_close(got, want, bound, dtype):
    """Within the bound of PyTorch's rounding error, or within the usual tolerance."""
    got = np.asarray(got, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # inf - inf where both are inf
        within = (np.abs(got - want) <= bound) | (got == want)
    if not np.all(within):
        np.testing.assert_allclose(got, want, **TOLERANCE[dtype])


# --------------------------------------------------------------------------
# PyTorch reference
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_matches_pytorch_reference(case):
    logits, targets, options = _case_inputs(case)
    want = case.get("expected", case["torch"])  # "expected": a documented deviation
    loss_shape = logits.shape if options["reduction"] == "none" else ()
    want_loss = _floats(want["loss"]).reshape(loss_shape)
    want_grad = _floats(want["grad"]).reshape(logits.shape)

    loss = binary_cross_entropy_with_logits(logits, targets, **options)
    grad = binary_cross_entropy_with_logits_grad(logits, targets, **options)

    assert loss.dtype == logits.dtype and grad.dtype == logits.dtype
    assert np.shape(grad) == logits.shape and np.shape(loss) == loss_shape
    loss_bound, grad_bound = _torch_error_bounds(logits, targets, options)
    _assert_close(loss, want_loss, loss_bound, case["dtype"])
    _assert_close(grad, want_grad, grad_bound, case["dtype"])


@pytest.mark.parametrize("case", [c for c in CASES if "deviation" in c], ids=lambda c: c["id"])
def test_documented_deviations_differ_from_pytorch(case):
    torch_loss = _floats(case["torch"]["loss"])
    expected = _floats(case["expected"]["loss"])
    assert (np.isnan(torch_loss) & ~np.isnan(expected)).any()


def test_reference_covers_every_option():
    assert {c["reduction"] for c in CASES} == {"mean", "sum", "none"}
    assert {c["dtype"] for c in CASES} == {"float32", "float64"}
    assert {len(c["shape"]) for c in CASES} >= {0, 1, 2, 3}
    assert any(c["weight"] and c["weight"]["shape"][-1:] == [1] for c in CASES)
    assert any(c["pos_weight"] and len(c["pos_weight"]["shape"]) == 1 for c in CASES)
    assert any(c["weight"] and c["pos_weight"] for c in CASES)
    assert len(CASES) >= 200


# --------------------------------------------------------------------------
# Bad input: each error names the argument
# --------------------------------------------------------------------------

X = np.array([[2.0, -1.0, 0.5], [-0.5, 1.5, -3.0]])
Y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])


@BOTH
@pytest.mark.parametrize("logits, targets, error, pattern", [
    (["a", "b"], [0.0, 1.0], TypeError, "logits must be a real numeric array"),
    ([1j, 2.0], [0.0, 1.0], TypeError, "logits must be a real numeric array"),
    ([[1.0], [1.0, 2.0]], [0.0, 1.0], TypeError, "logits must be a real numeric array"),
    ([1.0, 2.0], ["x", "y"], TypeError, "targets must be a real numeric array"),
    ([1.0, 2.0], [1.0, 0.0, 1.0], ValueError, "targets must have the same shape as logits"),
    (X, Y[0], ValueError, "targets must have the same shape as logits"),
])
def test_bad_logits_or_targets(func, logits, targets, error, pattern):
    with pytest.raises(error, match=pattern):
        func(logits, targets)


@BOTH
@pytest.mark.parametrize("name", ["weight", "pos_weight"])
@pytest.mark.parametrize("value, error, pattern", [
    (np.ones(2), ValueError, r"must broadcast to the shape of logits \(2, 3\)"),
    (np.ones((4, 2, 3)), ValueError, "must broadcast to the shape of logits"),
    ([1.0, np.inf, 1.0], ValueError, "must be finite"),
    ([1.0, np.nan, 1.0], ValueError, "must be finite"),
    (["a", "b", "c"], TypeError, "must be a real numeric array"),
])
def test_bad_weights(func, name, value, error, pattern):
    with pytest.raises(error, match=f"{name} {pattern}"):
        func(X, Y, **{name: value})


@BOTH
@pytest.mark.parametrize("reduction, error", [("avg", ValueError), (None, TypeError),
                                              ("MEAN", ValueError)])
def test_bad_reduction(func, reduction, error):
    with pytest.raises(error, match="reduction must be"):
        func(X, Y, reduction=reduction)


# --------------------------------------------------------------------------
# Formulas, options and special cases
# --------------------------------------------------------------------------


def test_elementwise_formula_and_reductions():
    p = 1 / (1 + np.exp(-X))
    direct = -(Y * np.log(p) + (1 - Y) * np.log(1 - p))
    np.testing.assert_allclose(binary_cross_entropy_with_logits(X, Y, reduction="none"),
                               direct, rtol=1e-14)
    np.testing.assert_allclose(binary_cross_entropy_with_logits(X, Y, reduction="sum"),
                               direct.sum(), rtol=1e-14)
    np.testing.assert_allclose(binary_cross_entropy_with_logits(X, Y), direct.mean(),
                               rtol=1e-14)


def test_weights_scale_terms_and_the_mean_divides_by_the_count():
    weight = np.array([[2.0], [0.5]])
    pos_weight = np.array([1.0, 3.0, 0.25])
    p = 1 / (1 + np.exp(-X))
    direct = -weight * (pos_weight * Y * np.log(p) + (1 - Y) * np.log(1 - p))
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits(X, Y, weight=weight, pos_weight=pos_weight),
        direct.sum() / X.size, rtol=1e-14)
    grad = binary_cross_entropy_with_logits_grad(X, Y, weight=weight, pos_weight=pos_weight)
    expected = weight * ((1 - Y + pos_weight * Y) * p - pos_weight * Y) / X.size
    np.testing.assert_allclose(grad, expected, rtol=1e-13)


def test_scalar_input_gives_numpy_scalars():
    loss = binary_cross_entropy_with_logits(0.0, 1.0, reduction="none")
    grad = binary_cross_entropy_with_logits_grad(0.0, 1.0)
    assert isinstance(loss, np.float64) and isinstance(grad, np.float64)
    assert float(loss) == pytest.approx(np.log(2.0), rel=1e-15)
    assert float(grad) == -0.5


def test_infinite_logits_take_the_limit():
    logits = np.array([np.inf, -np.inf, np.inf, -np.inf, np.inf])
    targets = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    loss = binary_cross_entropy_with_logits(logits, targets, reduction="none")
    np.testing.assert_array_equal(loss, [0.0, 0.0, np.inf, np.inf, np.inf])
    grad = binary_cross_entropy_with_logits_grad(logits, targets, reduction="sum")
    np.testing.assert_array_equal(grad, [0.0, 0.0, 1.0, -1.0, 0.5])


def test_nan_logit_spoils_only_its_element_even_with_zero_weight():
    logits = np.array([np.nan, 1.0, np.nan])
    targets = np.array([1.0, 0.0, 1.0])
    loss = binary_cross_entropy_with_logits(logits, targets, weight=[1.0, 1.0, 0.0],
                                            reduction="none")
    assert np.isnan(loss[0]) and np.isnan(loss[2]) and np.isfinite(loss[1])
    grad = binary_cross_entropy_with_logits_grad(logits, targets, reduction="none")
    assert np.isnan(grad[0]) and np.isfinite(grad[1])


def test_empty_input():
    empty = np.zeros((0, 3))
    assert np.isnan(binary_cross_entropy_with_logits(empty, empty))
    assert binary_cross_entropy_with_logits(empty, empty, reduction="sum") == 0.0
    assert binary_cross_entropy_with_logits(empty, empty, reduction="none").shape == (0, 3)
    assert binary_cross_entropy_with_logits_grad(empty, empty).shape == (0, 3)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_floating_dtypes_are_kept(dtype):
    logits, targets = X.astype(dtype), Y.astype(dtype)
    for func in (binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad):
        for reduction in ("mean", "none"):
            assert func(logits, targets, reduction=reduction).dtype == dtype
    reference = binary_cross_entropy_with_logits(X, Y)
    assert abs(float(binary_cross_entropy_with_logits(logits, targets)) - reference) <= \
        4 * np.finfo(dtype).eps * reference


def test_integer_bool_inputs_are_promoted_and_inputs_not_modified():
    logits = np.array([[3, -2], [0, 1]])
    targets = np.array([[True, False], [False, True]])
    before = logits.copy(), targets.copy()
    loss = binary_cross_entropy_with_logits(logits, targets)
    assert loss.dtype == np.float64
    np.testing.assert_allclose(loss, binary_cross_entropy_with_logits(
        logits.astype(float), targets.astype(float)), rtol=0)
    binary_cross_entropy_with_logits_grad(logits, targets)
    np.testing.assert_array_equal(logits, before[0])
    np.testing.assert_array_equal(targets, before[1])


@pytest.mark.parametrize("x", [-700.0, -100.0, -37.5, -20.0, -1e-8, 1e-8, 0.3, 20.0, 40.0,
                               100.0, 710.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_accuracy_against_mpmath(x, y):
    # The exact loss -[y log s + (1 - y) log(1 - s)] and gradient (1 - y) s - y (1 - s),
    # with s = sigma(x), 1 - s = sigma(-x) and -log sigma(x) = log(1 + e^{-x}), at 60 digits.
    mpmath.mp.dps = 60
    xm, ym = mpmath.mpf(x), mpmath.mpf(y)
    exact_loss = ym * mpmath.log1p(mpmath.exp(-xm)) + (1 - ym) * mpmath.log1p(mpmath.exp(xm))
    exact_grad = (1 - ym) / (1 + mpmath.exp(-xm)) - ym / (1 + mpmath.exp(xm))
    loss = binary_cross_entropy_with_logits(x, y)
    grad = binary_cross_entropy_with_logits_grad(x, y)
    for got, exact in ((loss, exact_loss), (grad, exact_grad)):
        exact = float(exact)
        if exact == 0.0:
            assert got == 0.0
        else:
            ulps = abs(float(got) - exact) / np.spacing(abs(exact))
            assert ulps <= 4, (float(got), exact, ulps)


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

finite_logits = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
                           elements=st.floats(-8, 8))


@settings(max_examples=40, deadline=None)
@given(finite_logits, st.data())
def test_gradient_matches_finite_differences(logits, data):
    targets = data.draw(hnp.arrays(np.float64, logits.shape, elements=st.floats(0, 1)))
    pos_weight = data.draw(hnp.arrays(np.float64, logits.shape[-1:],
                                      elements=st.floats(0.1, 4)))
    for reduction in ("mean", "sum"):
        def loss(v, reduction=reduction):
            return binary_cross_entropy_with_logits(v, targets, pos_weight=pos_weight,
                                                    reduction=reduction)
        grad = binary_cross_entropy_with_logits_grad(logits, targets, pos_weight=pos_weight,
                                                     reduction=reduction)
        np.testing.assert_allclose(grad, numerical_gradient(loss, logits), atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(finite_logits, st.data())
def test_gradient_is_sigmoid_minus_target_and_loss_is_nonnegative(logits, data):
    targets = data.draw(hnp.arrays(np.float64, logits.shape, elements=st.floats(0, 1)))
    grad = binary_cross_entropy_with_logits_grad(logits, targets, reduction="sum")
    np.testing.assert_allclose(grad, sigmoid(logits) - targets, atol=1e-15)
    assert np.all(binary_cross_entropy_with_logits(logits, targets, reduction="none") >= 0)


@settings(max_examples=40, deadline=None)
@given(finite_logits, st.data())
def test_each_element_is_a_two_class_softmax_cross_entropy(logits, data):
    # sigma(x) = softmax([x, 0])[0]: a binary loss is the cross-entropy of (y, 1 - y).
    targets = data.draw(hnp.arrays(np.float64, logits.shape, elements=st.floats(0, 1)))
    pairs = np.stack([logits, np.zeros_like(logits)], axis=-1)
    soft = np.stack([targets, 1 - targets], axis=-1)
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits(logits, targets, reduction="none"),
        cross_entropy(pairs, soft, reduction="none"), rtol=1e-12, atol=1e-15)
