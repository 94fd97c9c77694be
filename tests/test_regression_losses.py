"""Tests of the regression losses (L1, MSE, Huber) and their gradients.

Three layers: every case of a stored PyTorch reference (inputs, loss and
autograd gradient written by ``tests/data/make_regression_loss_reference.py``),
unit tests of the errors and of the behaviours chosen for edge cases (the
gradient of |r| at 0, Huber's joins at +-delta, its limits, dtypes, empty and
non-finite input), and Hypothesis properties (the gradient against finite
differences away from the kinks, non-negativity, zero at pred == target,
symmetry of the loss and antisymmetry of the gradient).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_lib import numerical_gradient
from softmax_lib.regression_losses import (
    huber_loss,
    huber_loss_grad,
    l1_loss,
    l1_loss_grad,
    mse_loss,
    mse_loss_grad,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "regression_loss_reference.json").read_text()
)
CASES = REFERENCE["cases"]
REDUCTIONS = ("mean", "sum", "none")
DELTAS = (0.5, 1.0, 2.5)

# name -> (loss, gradient, whether it takes delta)
FUNCTIONS = {
    "l1": (l1_loss, l1_loss_grad, False),
    "mse": (mse_loss, mse_loss_grad, False),
    "huber": (huber_loss, huber_loss_grad, True),
}
ALL_FUNCTIONS = [f for loss, grad, _ in FUNCTIONS.values() for f in (loss, grad)]
EVERY_FUNCTION = pytest.mark.parametrize("func", ALL_FUNCTIONS, ids=lambda f: f.__name__)

# A few ulps: the same operations as PyTorch, up to the order of a sum and of
# the division by N.
TOLERANCE = {"float32": dict(rtol=4e-7, atol=0.0), "float64": dict(rtol=1e-15, atol=0.0)}


def _floats(hex_strings):
    return np.array([float.fromhex(h) for h in hex_strings], dtype=np.float64)


def _options(case):
    options = {"reduction": case["reduction"]}
    if case["delta"] is not None:
        options["delta"] = case["delta"]
    return options


def _case_inputs(case):
    dtype = np.dtype(case["dtype"])
    shape = tuple(case["shape"])
    pred = _floats(case["pred"]).reshape(shape).astype(dtype)
    target = _floats(case["target"]).reshape(shape).astype(dtype)
    return pred, target


# --------------------------------------------------------------------------
# PyTorch reference
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_matches_pytorch_reference(case):
    loss_func, grad_func, _ = FUNCTIONS[case["loss"]]
    pred, target = _case_inputs(case)
    options = _options(case)
    out_shape = pred.shape if options["reduction"] == "none" else ()
    want_loss = _floats(case["torch"]["loss"]).reshape(out_shape)
    want_grad = _floats(case["torch"]["grad"]).reshape(pred.shape)
    tolerance = TOLERANCE[case["dtype"]]

    loss = loss_func(pred, target, **options)
    grad = grad_func(pred, target, **options)

    assert loss.dtype == pred.dtype and grad.dtype == pred.dtype
    if options["reduction"] == "none":
        assert isinstance(loss, np.ndarray) and loss.shape == pred.shape
    else:
        assert isinstance(loss, np.floating)
    assert isinstance(grad, np.ndarray) and grad.shape == pred.shape
    np.testing.assert_allclose(np.asarray(loss, dtype=np.float64), want_loss, **tolerance)

    got_grad = grad.astype(np.float64).reshape(-1)
    want_grad = want_grad.reshape(-1)
    if "deviation" in case:
        # The L1 gradient where the residual is NaN: NaN here, 0 in PyTorch.
        entries = case["deviation"]["entries"]
        assert np.all(want_grad[entries] == 0.0) and np.all(np.isnan(got_grad[entries]))
        keep = np.ones(got_grad.size, dtype=bool)
        keep[entries] = False
        got_grad, want_grad = got_grad[keep], want_grad[keep]
    np.testing.assert_allclose(got_grad, want_grad, **tolerance)


def test_reference_covers_every_option():
    assert {case["loss"] for case in CASES} == {"l1", "mse", "huber"}
    assert {case["dtype"] for case in CASES} == {"float32", "float64"}
    assert {case["reduction"] for case in CASES} == set(REDUCTIONS)
    assert {case["delta"] for case in CASES if case["loss"] == "huber"} == set(DELTAS)
    assert {(), (5,), (3, 4), (2, 3, 4)} <= {tuple(case["shape"]) for case in CASES}
    assert any(0 in case["shape"] for case in CASES)  # empty input
    assert any("deviation" in case for case in CASES)
    assert len(CASES) >= 200


def test_reference_holds_residuals_exactly_zero_and_plus_minus_delta():
    for loss, delta in [("l1", None), ("mse", None)] + [("huber", d) for d in DELTAS]:
        for dtype in ("float32", "float64"):
            cases = [c for c in CASES if c["loss"] == loss and c["delta"] == delta
                     and c["dtype"] == dtype and not c["id"].startswith("edge")]
            residuals = np.concatenate([np.subtract(*_case_inputs(c)).reshape(-1)
                                        for c in cases])
            assert np.any(residuals == 0.0), (loss, delta, dtype)
            if delta is not None:
                assert np.any(residuals == delta) and np.any(residuals == -delta)
            # random residuals on both sides of the threshold as well
            if delta is not None:
                assert np.any(np.abs(residuals) < 0.9 * delta)
                assert np.any(np.abs(residuals) > 1.1 * delta)


# --------------------------------------------------------------------------
# Bad input: each error names the argument
# --------------------------------------------------------------------------

PRED = np.array([2.5, 0.0, 2.0, 8.0])
TARGET = np.array([3.0, -0.5, 2.0, 7.0])


@EVERY_FUNCTION
@pytest.mark.parametrize(
    "pred, target, error, pattern",
    [
        (["a", "b"], [1.0, 2.0], TypeError, "pred must be a real numeric array"),
        ([1.0, 2.0], ["a", "b"], TypeError, "target must be a real numeric array"),
        ([1 + 2j, 3j], [1.0, 2.0], TypeError, "pred must be a real numeric array"),
        ([1.0, 2.0], np.array([1, 2], dtype=complex), TypeError, "target must be a real"),
        ([[1.0, 2.0], [3.0]], [1.0, 2.0], TypeError, "pred must be a real numeric array"),
        ([1.0, 2.0], [[1.0], [2.0, 3.0]], TypeError, "target must be a real numeric array"),
        (None, [1.0], TypeError, "pred must be a real numeric array"),
        ([1.0, 2.0], np.array([None, 1.0]), TypeError, "target must be a real numeric array"),
    ],
)
def test_non_numeric_input(func, pred, target, error, pattern):
    with pytest.raises(error, match=pattern):
        func(pred, target)


def re_shape(shape):
    """A shape as a regular expression matching its repr."""
    return str(shape).replace("(", r"\(").replace(")", r"\)")


@EVERY_FUNCTION
@pytest.mark.parametrize(
    "pred_shape, target_shape",
    [((2,), (3,)), ((3,), ()), ((), (1,)), ((2, 3), (3, 2)), ((4, 1), (4,)), ((0,), (1,))],
)
def test_shapes_must_match(func, pred_shape, target_shape):
    # PyTorch broadcasts these with a warning; here it is an error naming both shapes.
    pattern = (rf"target must have the same shape as pred: pred has shape "
               rf"{re_shape(pred_shape)}, target has shape {re_shape(target_shape)}")
    with pytest.raises(ValueError, match=pattern):
        func(np.zeros(pred_shape), np.zeros(target_shape))


@EVERY_FUNCTION
@pytest.mark.parametrize(
    "reduction, error",
    [("avg", ValueError), ("Mean", ValueError), ("", ValueError),
     (None, TypeError), (1, TypeError)],
)
def test_bad_reduction(func, reduction, error):
    with pytest.raises(error, match="reduction"):
        func(PRED, TARGET, reduction=reduction)


@pytest.mark.parametrize("func", [huber_loss, huber_loss_grad])
@pytest.mark.parametrize(
    "delta, error",
    [(0.0, ValueError), (-1.0, ValueError), (-0.0, ValueError), (np.nan, ValueError),
     (np.inf, ValueError), (-np.inf, ValueError), ("1.0", TypeError), (None, TypeError),
     (True, TypeError), (np.array([1.0]), TypeError), (1 + 0j, TypeError)],
)
def test_bad_delta(func, delta, error):
    with pytest.raises(error, match="delta"):
        func(PRED, TARGET, delta=delta)


@pytest.mark.parametrize("func", [huber_loss, huber_loss_grad])
@pytest.mark.parametrize("delta", [1, np.float32(0.25), np.int64(3), 1e-300])
def test_delta_accepts_any_positive_real(func, delta):
    float_delta = float(delta)
    np.testing.assert_array_equal(func(PRED, TARGET, delta=delta),
                                  func(PRED, TARGET, delta=float_delta))


@EVERY_FUNCTION
def test_options_are_keyword_only(func):
    with pytest.raises(TypeError):
        func(PRED, TARGET, "sum")


# --------------------------------------------------------------------------
# Behaviours chosen, and the facts the docstrings state
# --------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_l1_gradient_at_zero_residual_is_zero(reduction):
    pred = np.array([1.5, -2.0, 0.0, 0.0, 3.0])
    target = np.array([1.5, -2.0, 0.0, -0.0, 1.0])  # four residuals of 0 (one is 0 - -0)
    grad = l1_loss_grad(pred, target, reduction=reduction)
    np.testing.assert_array_equal(grad[:4], 0.0)
    assert grad[4] == (1.0 / 5 if reduction == "mean" else 1.0)
    # ... while the one-sided slopes of |r| at 0 are -1 and +1
    h = 1e-3
    right = (l1_loss(h, 0.0) - l1_loss(0.0, 0.0)) / h
    left = (l1_loss(0.0, 0.0) - l1_loss(-h, 0.0)) / h
    assert (left, right) == (-1.0, 1.0)


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5, 1e-3, 1e3])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_huber_value_and_gradient_are_continuous_at_delta(delta, sign):
    def value(r):
        return huber_loss(np.float64(r), 0.0, delta=delta)

    def slope(r):
        return huber_loss_grad(np.float64(r), 0.0, delta=delta)

    at = sign * delta
    inner = sign * np.nextafter(delta, 0.0)  # quadratic piece, one ulp inside
    outer = sign * np.nextafter(delta, np.inf)  # linear piece, one ulp outside
    half_square = 0.5 * delta**2
    for r in (inner, at, outer):
        assert value(r) == pytest.approx(half_square, rel=1e-15)
        assert slope(r) == pytest.approx(sign * delta, rel=1e-15)
    assert slope(outer) == sign * delta  # the linear piece's slope, exactly
    # One-sided difference quotients: delta - t/2 from the quadratic piece and
    # delta from the linear one, so both tend to delta as t -> 0.
    t = 1e-6 * delta
    toward_zero = (value(at) - value(at - sign * t)) / (sign * t)
    away = (value(at + sign * t) - value(at)) / (sign * t)
    assert abs(sign * toward_zero - (delta - t / 2)) <= 1e-3 * t
    assert abs(sign * away - delta) <= 1e-3 * t
    # The two pieces, evaluated away from their own region, agree at +-delta too.
    assert 0.5 * at**2 == delta * (abs(at) - 0.5 * delta)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_is_half_the_mse_once_delta_exceeds_every_residual(reduction):
    rng = np.random.default_rng(7)
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    largest = np.max(np.abs(pred - target))
    for delta in (largest, 2 * largest, 1e6, 1e300):
        np.testing.assert_array_equal(huber_loss(pred, target, delta=delta, reduction=reduction),
                                      mse_loss(pred, target, reduction=reduction) / 2)
        np.testing.assert_array_equal(
            huber_loss_grad(pred, target, delta=delta, reduction=reduction),
            mse_loss_grad(pred, target, reduction=reduction) / 2)
    # ... and not below the largest residual
    smaller = 0.5 * largest
    assert huber_loss(pred, target, delta=smaller, reduction="sum") < (
        mse_loss(pred, target, reduction="sum") / 2)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_over_delta_tends_to_l1_as_delta_shrinks(reduction):
    rng = np.random.default_rng(8)
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    smallest = np.min(np.abs(pred - target))
    l1 = l1_loss(pred, target, reduction=reduction)
    previous_gap = np.inf
    for delta in (10.0, 1.0, 0.1, 1e-3, 1e-6):
        scaled = huber_loss(pred, target, delta=delta, reduction=reduction) / delta
        gap = np.max(np.abs(scaled - l1))
        # |rho_delta(r)/delta - |r|| <= delta/2 for each element (N times that for the
        # sum), up to the rounding of numbers of the size of l1
        bound = delta / 2 * (pred.size if reduction == "sum" else 1)
        assert gap <= bound + 1e-14 * (1 + np.max(l1))
        assert gap <= previous_gap
        previous_gap = gap
        if delta <= smallest:
            # every residual on the linear piece: exactly L1 - delta/2 per element
            np.testing.assert_allclose(scaled, l1 - bound, rtol=1e-14)
            np.testing.assert_allclose(
                huber_loss_grad(pred, target, delta=delta, reduction=reduction) / delta,
                l1_loss_grad(pred, target, reduction=reduction), rtol=1e-15)


def test_mse_gradient_grows_while_l1_and_huber_gradients_are_bounded():
    residuals = np.array([1.0, 10.0, 1e3, 1e6])
    target = np.zeros(4)
    np.testing.assert_array_equal(mse_loss_grad(residuals, target, reduction="sum"),
                                  2 * residuals)
    np.testing.assert_array_equal(l1_loss_grad(residuals, target, reduction="sum"), 1.0)
    np.testing.assert_array_equal(
        huber_loss_grad(residuals, target, delta=2.5, reduction="sum"), [1.0, 2.5, 2.5, 2.5])


@pytest.mark.parametrize("func_name", ["l1", "mse", "huber"])
@pytest.mark.parametrize("shape", [(0,), (2, 0, 3)])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_empty_input(func_name, shape, dtype):
    loss_func, grad_func, _ = FUNCTIONS[func_name]
    empty = np.zeros(shape, dtype=dtype)
    mean = loss_func(empty, empty)
    assert isinstance(mean, dtype) and np.isnan(mean)  # 0/0, as in PyTorch
    total = loss_func(empty, empty, reduction="sum")
    assert isinstance(total, dtype) and total == 0.0
    rows = loss_func(empty, empty, reduction="none")
    assert rows.shape == shape and rows.dtype == dtype
    for reduction in REDUCTIONS:
        grad = grad_func(empty, empty, reduction=reduction)
        assert grad.shape == shape and grad.dtype == dtype


def test_nan_stays_nan_and_spoils_only_its_element():
    pred = np.array([np.nan, 1.0, 3.0])
    target = np.array([0.0, 0.0, np.nan])
    for name, (loss_func, grad_func, _) in FUNCTIONS.items():
        rows = loss_func(pred, target, reduction="none")
        assert np.isnan(rows[0]) and np.isnan(rows[2]) and np.isfinite(rows[1]), name
        assert np.isnan(loss_func(pred, target)) and np.isnan(loss_func(pred, target,
                                                                         reduction="sum"))
        grad = grad_func(pred, target)
        # NaN for L1 too, where PyTorch's sign(nan) = 0 would hide it
        assert np.isnan(grad[0]) and np.isnan(grad[2]) and np.isfinite(grad[1]), name


def test_infinite_residuals():
    pred = np.array([np.inf, -np.inf, np.inf, 1e200])
    target = np.array([0.0, 5.0, np.inf, -1e200])
    with np.errstate(all="raise"):  # no floating-point warning escapes either
        assert list(l1_loss(pred, target, reduction="none")[:2]) == [np.inf, np.inf]
        assert np.isnan(l1_loss(pred, target, reduction="none")[2])  # inf - inf
        assert mse_loss(pred, target, reduction="none")[3] == np.inf  # (2e200)^2 overflows
        np.testing.assert_array_equal(huber_loss(pred, target, delta=2.0, reduction="none"),
                                      [np.inf, np.inf, np.nan, 2.0 * (2e200 - 1.0)])
        np.testing.assert_array_equal(l1_loss_grad(pred, target, reduction="sum"),
                                      [1.0, -1.0, np.nan, 1.0])
        np.testing.assert_array_equal(huber_loss_grad(pred, target, delta=2.0, reduction="sum"),
                                      [2.0, -2.0, np.nan, 2.0])
        np.testing.assert_array_equal(mse_loss_grad(pred, target, reduction="sum"),
                                      [np.inf, -np.inf, np.nan, 4e200])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_floating_dtypes_are_kept(dtype):
    pred, target = PRED.astype(dtype), TARGET.astype(dtype)
    for loss_func, grad_func, _ in FUNCTIONS.values():
        for reduction in REDUCTIONS:
            loss = loss_func(pred, target, reduction=reduction)
            assert loss.dtype == dtype
            assert isinstance(loss, np.ndarray if reduction == "none" else np.floating)
            grad = grad_func(pred, target, reduction=reduction)
            assert grad.dtype == dtype and grad.shape == pred.shape


def test_float16_is_computed_in_float32():
    # 300**2 overflows float16 (max 65504), but the mean, 22500, does not.
    pred = np.array([300.0, 0.0, 0.0, 0.0], dtype=np.float16)
    target = np.zeros(4, dtype=np.float16)
    mean = mse_loss(pred, target)
    assert mean.dtype == np.float16 and mean == 22500.0
    assert mse_loss(pred, target, reduction="none")[0] == np.inf  # rounded once, at the end
    # 2049 terms of 1: a float16 accumulator would stall at 2048
    ones = np.ones(2049, dtype=np.float16)
    assert l1_loss(ones, np.zeros_like(ones), reduction="sum") == np.float16(2049.0)


@pytest.mark.parametrize("pred", [[[2, 1, 0], [0, 2, 3]], np.array([True, False, True])])
def test_integer_and_bool_inputs_give_float64(pred):
    target = np.zeros(np.shape(pred), dtype=int)
    as_float = np.asarray(pred, dtype=np.float64)
    for loss_func, grad_func, _ in FUNCTIONS.values():
        loss = loss_func(pred, target)
        assert isinstance(loss, np.float64)
        assert loss == loss_func(as_float, target.astype(np.float64))
        assert grad_func(pred, target).dtype == np.float64


def test_mixed_dtypes_promote_the_loss_and_keep_pred_dtype_for_the_gradient():
    pred32 = PRED.astype(np.float32)
    for loss_func, grad_func, _ in FUNCTIONS.values():
        assert loss_func(pred32, TARGET).dtype == np.float64
        assert loss_func(TARGET, pred32).dtype == np.float64
        assert loss_func(pred32, TARGET.astype(np.float16)).dtype == np.float32
        assert grad_func(pred32, TARGET).dtype == np.float32
        assert grad_func(TARGET, pred32).dtype == np.float64


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_scalar_inputs(reduction):
    for loss_func, grad_func, _ in FUNCTIONS.values():
        loss = loss_func(3.0, 1.0, reduction=reduction)
        if reduction == "none":
            assert isinstance(loss, np.ndarray) and loss.shape == ()
        else:
            assert isinstance(loss, np.float64)
        grad = grad_func(3.0, 1.0, reduction=reduction)
        assert isinstance(grad, np.ndarray) and grad.shape == ()
    assert mse_loss(3.0, 1.0) == 4.0 and mse_loss_grad(3.0, 1.0) == 4.0
    assert huber_loss(3.0, 1.0) == 1.5 and huber_loss_grad(3.0, 1.0) == 1.0


def test_known_values():
    # hand-computed: r = [-0.5, 0.5, 0, 1]
    assert l1_loss(PRED, TARGET) == 0.5
    assert mse_loss(PRED, TARGET, reduction="sum") == 1.5
    np.testing.assert_array_equal(huber_loss(PRED, TARGET, delta=0.5, reduction="none"),
                                  [0.125, 0.125, 0.0, 0.375])
    np.testing.assert_array_equal(huber_loss_grad(PRED, TARGET, delta=0.5),
                                  [-0.125, 0.125, 0.0, 0.125])


def test_inputs_are_not_modified_and_outputs_are_new_arrays():
    pred = np.array([[2.0, np.nan, -np.inf], [0.0, 1.0, 5.0]])
    target = np.array([[1.0, 0.0, 0.0], [0.0, 3.0, 4.0]])
    copies = pred.copy(), target.copy()
    for loss_func, grad_func, takes_delta in FUNCTIONS.values():
        options = {"delta": 0.5} if takes_delta else {}
        for reduction in REDUCTIONS:
            for func in (loss_func, grad_func):
                out = func(pred, target, reduction=reduction, **options)
                assert not np.shares_memory(out, pred) and not np.shares_memory(out, target)
    np.testing.assert_array_equal(pred, copies[0])
    np.testing.assert_array_equal(target, copies[1])


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, derandomize=True, deadline=None, database=None)
KINK_MARGIN = 1e-3

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
values = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False)
deltas = st.sampled_from(DELTAS) | st.floats(0.05, 20.0)


@st.composite
def problems(draw, away_from_kinks=False):
    """(name, pred, target, options): float64 arrays of one shape, any loss and option."""
    name = draw(st.sampled_from(sorted(FUNCTIONS)))
    options = {"reduction": draw(st.sampled_from(REDUCTIONS))}
    if FUNCTIONS[name][2]:
        options["delta"] = draw(deltas)
    shape = draw(shapes)
    target = draw(hnp.arrays(np.float64, shape, elements=values))
    if away_from_kinks:
        delta = options.get("delta", np.inf)
        residual_values = values.filter(
            lambda r: abs(r) > KINK_MARGIN and abs(abs(r) - delta) > KINK_MARGIN)
        residual = draw(hnp.arrays(np.float64, shape, elements=residual_values))
        pred = target + residual
    else:
        pred = draw(hnp.arrays(np.float64, shape, elements=values))
    return name, pred, target, options


@PROPERTY
@given(problems(away_from_kinks=True))
def test_gradient_matches_finite_differences(problem):
    name, pred, target, options = problem
    loss_func, grad_func, _ = FUNCTIONS[name]
    residual = np.abs(pred - target)
    assert np.all(residual > KINK_MARGIN / 2)  # the rounding of pred moved no residual
    assert np.all(np.abs(residual - options.get("delta", np.inf)) > KINK_MARGIN / 2)

    def total_loss(p):
        return np.sum(loss_func(p, target, **options))  # the sum for "none"

    numeric = numerical_gradient(total_loss, pred)  # steps <= 1e-5, inside one piece
    analytic = grad_func(pred, target, **options)
    # Each piece is linear or quadratic, so central differences are exact up to
    # rounding, about 2**-52 |f| / h with h >= 1e-6.
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7,
                               atol=1e-8 * (1.0 + abs(total_loss(pred))))


@PROPERTY
@given(problems())
def test_loss_is_non_negative(problem):
    name, pred, target, options = problem
    loss_func = FUNCTIONS[name][0]
    assert np.all(loss_func(pred, target, **options) >= 0.0)
    assert np.all(loss_func(pred, target, **{**options, "reduction": "none"}) >= 0.0)


@PROPERTY
@given(problems())
def test_loss_and_gradient_are_zero_where_pred_equals_target(problem):
    name, _, target, options = problem
    loss_func, grad_func, _ = FUNCTIONS[name]
    np.testing.assert_array_equal(loss_func(target, target.copy(), **options), 0.0)
    np.testing.assert_array_equal(grad_func(target, target.copy(), **options), 0.0)


@PROPERTY
@given(problems())
def test_loss_is_symmetric_and_gradient_antisymmetric(problem):
    name, pred, target, options = problem
    loss_func, grad_func, _ = FUNCTIONS[name]
    np.testing.assert_array_equal(loss_func(pred, target, **options),
                                  loss_func(target, pred, **options))
    np.testing.assert_array_equal(grad_func(pred, target, **options),
                                  -grad_func(target, pred, **options))


@PROPERTY
@given(problems(), st.floats(1.0, 1e6))
def test_huber_with_delta_above_every_residual_is_half_the_mse(problem, factor):
    _, pred, target, options = problem
    reduction = options["reduction"]
    delta = factor * max(float(np.max(np.abs(pred - target))), 1e-3)
    np.testing.assert_array_equal(huber_loss(pred, target, delta=delta, reduction=reduction),
                                  mse_loss(pred, target, reduction=reduction) / 2)
    np.testing.assert_array_equal(huber_loss_grad(pred, target, delta=delta,
                                                  reduction=reduction),
                                  mse_loss_grad(pred, target, reduction=reduction) / 2)


@PROPERTY
@given(problems(), st.floats(1e-8, 10.0))
def test_huber_over_delta_is_within_half_delta_of_l1(problem, delta):
    _, pred, target, options = problem
    rows = huber_loss(pred, target, delta=delta, reduction="none") / delta
    l1_rows = l1_loss(pred, target, reduction="none")
    # |rho_delta(r)/delta - |r|| <= delta/2, with slack for rounding
    assert np.all(np.abs(rows - l1_rows) <= delta / 2 + 1e-15 * (1 + l1_rows + l1_rows**2 /
                                                                 delta))
    assert np.all(rows <= l1_rows * (1 + 1e-15))  # and from below: rho_delta <= delta |r|
