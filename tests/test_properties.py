"""Hypothesis property tests: invariants of softmax and its relatives on random input.

Every test runs a fixed, derandomized set of examples, so CI sees the same
inputs on every run. Logits are bounded finite floats; the tolerances follow
from the rounding of inputs of that size (|x| <= 1e3, so about 1e3 * 2**-53
per shift).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from softmax_lib import (
    log_softmax,
    logsumexp,
    sigmoid,
    softmax,
    softmax_jacobian,
    softmax_jvp,
    softmax_vjp,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

PROPERTY = settings(max_examples=200, derandomize=True, deadline=None, database=None)

BOUND = 1e3
logit = st.floats(-BOUND, BOUND, allow_nan=False, allow_infinity=False)
shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=7)


def bounded(dtype):
    """Finite logits in [-1e3, 1e3], representable in ``dtype``."""
    bits = np.finfo(dtype).bits
    return st.floats(-BOUND, BOUND, allow_nan=False, allow_infinity=False, width=bits)


@st.composite
def logits_and_axis(draw, dtype=np.float64):
    x = draw(arrays(dtype, shapes, elements=bounded(dtype)))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    return x, axis


@st.composite
def logits_axis_and_vector(draw):
    x, axis = draw(logits_and_axis())
    v = draw(arrays(np.float64, x.shape, elements=st.floats(-10, 10)))
    return x, axis, v


def moved(a, axis):
    return np.moveaxis(a, axis, -1)


@PROPERTY
@given(logits_and_axis())
def test_softmax_is_a_distribution(case):
    x, axis = case
    s = softmax(x, axis=axis)
    assert s.shape == x.shape and s.dtype == x.dtype
    assert np.all((s >= 0) & (s <= 1))
    k = x.shape[axis]
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=0, atol=4 * k * 2.0**-53)


@PROPERTY
@given(logits_and_axis(np.float32))
def test_float32_softmax_is_a_distribution(case):
    x, axis = case
    s = softmax(x, axis=axis)
    assert s.dtype == np.float32
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(
        s.astype(float).sum(axis=axis), 1.0, rtol=0, atol=4 * x.shape[axis] * 2.0**-24
    )


@PROPERTY
@given(logits_and_axis(), logit)
def test_softmax_is_shift_invariant(case, c):
    x, axis = case
    # x + c is rounded: each logit moves by up to (|x| + |c|) 2**-53, and so
    # does every log-probability.
    atol = 4 * (np.max(np.abs(x)) + abs(c)) * 2.0**-53 + 1e-16
    np.testing.assert_allclose(softmax(x + c, axis=axis), softmax(x, axis=axis), rtol=0, atol=atol)


@PROPERTY
@given(logits_and_axis(), logit)
def test_logsumexp_is_shift_equivariant(case, c):
    x, axis = case
    atol = 4 * (np.max(np.abs(x)) + abs(c) + math.log(x.shape[axis])) * 2.0**-53
    np.testing.assert_allclose(
        logsumexp(x + c, axis=axis), logsumexp(x, axis=axis) + c, rtol=0, atol=atol
    )


@PROPERTY
@given(logits_and_axis())
def test_logsumexp_lies_between_max_and_max_plus_log_k(case):
    x, axis = case
    lse = logsumexp(x, axis=axis)
    m = np.max(x, axis=axis)
    k = x.shape[axis]
    assert np.all(lse >= m)
    assert np.all(lse <= m + math.log(k) + 4 * np.spacing(np.abs(m) + math.log(k)))
    if k == 1:
        np.testing.assert_array_equal(lse, m)


@PROPERTY
@given(logits_and_axis())
def test_exp_of_log_softmax_is_softmax(case):
    x, axis = case
    np.testing.assert_allclose(
        np.exp(log_softmax(x, axis=axis)), softmax(x, axis=axis), rtol=1e-12, atol=1e-300
    )


@PROPERTY
@given(logits_and_axis())
def test_log_softmax_is_x_minus_logsumexp(case):
    x, axis = case
    lsm = log_softmax(x, axis=axis)
    assert np.all(lsm <= 0)
    expected = x - logsumexp(x, axis=axis, keepdims=True)
    atol = 4 * (np.max(np.abs(x)) + math.log(x.shape[axis])) * 2.0**-53
    np.testing.assert_allclose(lsm, expected, rtol=0, atol=atol)


@PROPERTY
@given(logits_and_axis())
def test_softmax_preserves_the_order_of_the_logits(case):
    x, axis = case
    xs, ss = moved(x, axis), moved(softmax(x, axis=axis), axis)
    order = np.argsort(xs, axis=-1, kind="stable")
    assert np.all(np.diff(np.take_along_axis(ss, order, axis=-1), axis=-1) >= 0)


@PROPERTY
@given(logits_and_axis(), st.floats(0.05, 50.0))
def test_temperature_equals_dividing_the_logits(case, temperature):
    x, axis = case
    # x / T is rounded (a shift of up to 8 max|x| / T * 2^-53 in the logits),
    # and each softmax is within 4 ulps of its own exact value: the two may
    # take different roads (softmax_lib compensates the division by T), so
    # they may differ by 8 ulps of a probability in [1/2, 1) (less below).
    atol = 8 * np.max(np.abs(x)) / temperature * 2.0**-53 + 8 * 2.0**-53
    np.testing.assert_allclose(
        softmax(x, axis=axis, temperature=temperature),
        softmax(x / temperature, axis=axis),
        rtol=0,
        atol=atol,
    )


@PROPERTY
@given(logits_and_axis())
def test_jacobian_is_symmetric_with_zero_row_sums(case):
    x, axis = case
    jac = softmax_jacobian(x, axis=axis)
    k = x.shape[axis]
    assert jac.shape == (*moved(x, axis).shape, k)
    np.testing.assert_array_equal(jac, np.swapaxes(jac, -1, -2))
    np.testing.assert_allclose(jac @ np.ones(k), 0.0, rtol=0, atol=4 * k * 2.0**-53)
    assert np.linalg.eigvalsh(jac).min() >= -1e-15


@PROPERTY
@given(logits_axis_and_vector())
def test_vjp_is_g_transpose_j(case):
    x, axis, g = case
    jac = softmax_jacobian(x, axis=axis)
    expected = np.moveaxis(np.einsum("...i,...ij->...j", moved(g, axis), jac), -1, axis)
    np.testing.assert_allclose(softmax_vjp(x, g, axis=axis), expected, rtol=1e-9, atol=1e-12)


@PROPERTY
@given(logits_axis_and_vector())
def test_jvp_is_j_v(case):
    x, axis, v = case
    jac = softmax_jacobian(x, axis=axis)
    expected = np.moveaxis(np.einsum("...ij,...j->...i", jac, moved(v, axis)), -1, axis)
    np.testing.assert_allclose(softmax_jvp(x, v, axis=axis), expected, rtol=1e-9, atol=1e-12)


@PROPERTY
@given(logits_axis_and_vector())
def test_jvp_is_blind_to_shifting_the_tangent(case):
    x, axis, v = case
    np.testing.assert_allclose(
        softmax_jvp(x, v + 3.0, axis=axis), softmax_jvp(x, v, axis=axis), rtol=0, atol=1e-13
    )


@PROPERTY
@given(st.floats(-700, 700))
def test_sigmoid_is_two_class_softmax(t):
    np.testing.assert_allclose(sigmoid(t), softmax([t, 0.0])[0], rtol=4 * 2.0**-53, atol=0)


@PROPERTY
@given(arrays(np.float64, shapes, elements=st.floats(-800, 800)))
def test_sigmoid_is_point_symmetric(x):
    s, s_neg = sigmoid(x), sigmoid(-x)
    assert s.shape == x.shape and np.all((s >= 0) & (s <= 1))
    # Each sigmoid is within 2 ulps; 1 - s is exact (Sterbenz) for s >= 1/2.
    np.testing.assert_allclose(s_neg, 1 - s, rtol=0, atol=4 * 2.0**-53)
    np.testing.assert_array_equal(np.diff(sigmoid(np.sort(x.ravel()))) >= 0, True)


@PROPERTY
@given(
    arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(1, 6)), elements=logit),
    st.data(),
)
def test_nan_stays_in_its_row(x, data):
    row = data.draw(st.integers(0, x.shape[0] - 1))
    column = data.draw(st.integers(0, x.shape[1] - 1))
    poisoned = x.copy()
    poisoned[row, column] = np.nan
    others = np.arange(x.shape[0]) != row
    for func in (softmax, log_softmax, logsumexp):
        got = func(poisoned)
        assert np.all(np.isnan(got[row]))
        np.testing.assert_array_equal(got[others], func(x[others]))
