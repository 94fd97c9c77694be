"""Unit tests for softmax_lib.jacobians.

The Jacobian is checked three independent ways: against central finite
differences of softmax, against ``diag(s) - s s^T`` built with ``np.diag`` and
``np.outer``, and against its known structure (symmetric, rows sum to 0, PSD,
rank K - 1). The products ``J v`` and ``g^T J`` are checked against the full
matrix for batches and for every class axis.
"""

import math

import mpmath
import numpy as np
import pytest

from softmax_lib import (
    log_softmax,
    logsumexp,
    numerical_gradient,
    softmax,
    softmax_jacobian,
    softmax_jvp,
    softmax_vjp,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

FLOAT_DTYPES = (np.float16, np.float32, np.float64)


def rng(seed):
    return np.random.default_rng(seed)


def jacobian_by_outer_product(row):
    s = softmax(row)
    return np.diag(s) - np.outer(s, s)


def jacobian_by_finite_differences(row):
    row = np.asarray(row, dtype=float)
    # A step of about 1e-6 in absolute terms, also for logits near 1e3.
    eps = 1e-6 / max(1.0, float(np.max(np.abs(row))))
    return np.stack(
        [numerical_gradient(lambda z, i=i: softmax(z)[i], row, eps=eps) for i in range(row.size)]
    )


LOGIT_ROWS = {
    "K=2": [0.3, -1.2],
    "K=3": [1.0, 2.0, 3.0],
    "K=5 mixed": [-2.5, 0.0, 4.0, 1.25, -0.75],
    "K=6 random": list(np.random.default_rng(1).normal(scale=2.0, size=6)),
    "equal logits": [0.7] * 4,
    "offset 1e3": [1000.0, 1001.0, 999.5],
}


# --------------------------------------------------------------------------
# softmax_jacobian
# --------------------------------------------------------------------------


@pytest.mark.parametrize("row", list(LOGIT_ROWS.values()), ids=list(LOGIT_ROWS))
def test_jacobian_equals_finite_differences(row):
    np.testing.assert_allclose(
        softmax_jacobian(row), jacobian_by_finite_differences(row), rtol=0, atol=1e-8
    )


@pytest.mark.parametrize("row", list(LOGIT_ROWS.values()), ids=list(LOGIT_ROWS))
def test_jacobian_equals_diag_minus_outer(row):
    np.testing.assert_allclose(
        softmax_jacobian(row), jacobian_by_outer_product(row), rtol=1e-15, atol=1e-17
    )


def test_jacobian_entries_by_formula():
    """J_ij = s_i (delta_ij - s_j), written out entry by entry."""
    row = np.array([0.5, -1.0, 2.0])
    s = softmax(row)
    jac = softmax_jacobian(row)
    for i in range(3):
        for j in range(3):
            assert jac[i, j] == pytest.approx(s[i] * ((i == j) - s[j]), rel=1e-15, abs=1e-17)


def test_two_class_jacobian_is_sigmoid_derivative():
    """For K = 2, d s_0 / d z_0 = sigma'(z_0 - z_1) = sigma (1 - sigma)."""
    for t in (-3.0, 0.0, 0.4, 5.0, 30.0):
        tail = math.exp(-abs(t))
        derivative = tail / (1 + tail) ** 2  # sigma (1 - sigma) without cancellation
        jac = softmax_jacobian([t, 0.0])
        np.testing.assert_allclose(
            jac, derivative * np.array([[1, -1], [-1, 1]]), rtol=1e-13, atol=1e-16
        )


def mp_softmax(row):
    """softmax at 256 bits from the exact values of the logits."""
    with mpmath.workprec(256):
        values = [mpmath.mpf(float(v)) for v in row]
        top = max(values)
        e = [mpmath.exp(mpmath.fsub(v, top, exact=True)) for v in values]
        total = mpmath.fsum(e)
        return [t / total for t in e]


def mp_jacobian(row):
    s = mp_softmax(row)
    with mpmath.workprec(256):
        return [[s[i] * (int(i == j) - s[j]) for j in range(len(s))] for i in range(len(s))]


def relative_errors(got, exact):
    with mpmath.workprec(256):
        return [
            float(abs(mpmath.mpf(float(g)) - e) / abs(e)) if e != 0 else abs(float(g))
            for g, e in zip(np.ravel(got), exact, strict=True)
        ]


# Rows with a dominant class: 1 - s_a is below (or near) the rounding unit,
# so s_a - s_a**2 and s_a (1 - s . e_a) would cancel.
DOMINANT_ROWS = [
    pytest.param(np.array([40.0, 0.0]), id="gap 40"),
    pytest.param(np.array([0.0, -30.0, -32.5, -45.0]), id="gap 30, K=4"),
    pytest.param(np.array([1.0, 37.0, 0.5]), id="gap 36, middle"),
    pytest.param(np.array([0.0, -20.0, -21.0], dtype=np.float32), id="float32 gap 20"),
    pytest.param(np.array([0.0, -9.0], dtype=np.float16), id="float16 gap 9"),
]


@pytest.mark.parametrize("row", DOMINANT_ROWS)
def test_jacobian_entries_accurate_for_a_dominant_class(row):
    eps = float(np.finfo(row.dtype).eps)
    jac = softmax_jacobian(row)
    exact = [e for line in mp_jacobian(row) for e in line]
    assert max(relative_errors(jac, exact)) <= 4 * row.size * eps
    # J 1 = 0 relative to the size of each row, however small the row is.
    row_sums = np.abs(jac.astype(float) @ np.ones(row.size))
    assert np.all(row_sums <= 4 * row.size * eps * np.abs(jac.astype(float)).max(axis=-1))


@pytest.mark.parametrize("row", DOMINANT_ROWS)
def test_products_accurate_for_a_dominant_class(row):
    eps = float(np.finfo(row.dtype).eps)
    top = int(np.argmax(row))
    exact_column = [line[top] for line in mp_jacobian(row)]
    unit = np.eye(row.size, dtype=row.dtype)[top]
    assert max(relative_errors(softmax_jvp(row, unit), exact_column)) <= 4 * row.size * eps
    assert max(relative_errors(softmax_vjp(row, unit), exact_column)) <= 4 * row.size * eps
    # The cross-entropy gradient s - y at the true (dominant) class is
    # -(1 - s_a): tiny, and still accurate.
    s = softmax(row)
    gradient = softmax_vjp(row, -unit / s)
    with mpmath.workprec(256):
        exact_gap = -(1 - mp_softmax(row)[top])
    assert relative_errors(gradient[top], [exact_gap])[0] <= 4 * row.size * eps


def test_jacobian_batch_shape_and_rows():
    x = rng(2).normal(size=(4, 3, 5))
    jac = softmax_jacobian(x)
    assert jac.shape == (4, 3, 5, 5)
    for index in np.ndindex(4, 3):
        np.testing.assert_allclose(
            jac[index], jacobian_by_outer_product(x[index]), rtol=1e-15, atol=1e-17
        )


@pytest.mark.parametrize("axis", [0, 1, -2, -3])
def test_jacobian_with_another_class_axis(axis):
    x = rng(3).normal(size=(2, 5, 3))
    jac = softmax_jacobian(x, axis=axis)
    moved = np.moveaxis(x, axis, -1)
    k = x.shape[axis]
    assert jac.shape == (*moved.shape, k)
    np.testing.assert_allclose(jac, softmax_jacobian(moved), rtol=1e-15, atol=1e-17)
    # And it differentiates the softmax taken along that axis.
    index = (1, 2)
    column = moved[index]
    np.testing.assert_allclose(jac[index], jacobian_by_finite_differences(column), atol=1e-8)


def test_jacobian_is_symmetric():
    x = rng(4).normal(scale=3.0, size=(6, 7))
    jac = softmax_jacobian(x)
    np.testing.assert_array_equal(jac, np.swapaxes(jac, -1, -2))


def test_jacobian_rows_sum_to_zero():
    """J 1 = 0: moving every logit equally does not move softmax."""
    x = rng(5).normal(scale=3.0, size=(6, 7))
    jac = softmax_jacobian(x)
    np.testing.assert_allclose(jac @ np.ones(7), 0.0, atol=1e-16)
    np.testing.assert_allclose(np.ones(7) @ jac, 0.0, atol=1e-16)


def test_jacobian_is_positive_semidefinite():
    x = rng(6).normal(scale=4.0, size=(50, 8))
    eigenvalues = np.linalg.eigvalsh(softmax_jacobian(x))
    assert eigenvalues.min() >= -1e-15
    # The largest eigenvalue of diag(s) - s s^T is at most max(s) <= 1.
    assert np.all(eigenvalues.max(axis=-1) <= softmax(x).max(axis=-1) + 1e-15)


@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_jacobian_has_rank_k_minus_1(k):
    x = rng(k).normal(size=(5, k))
    ranks = np.linalg.matrix_rank(softmax_jacobian(x))
    np.testing.assert_array_equal(ranks, k - 1)


def test_jacobian_null_space_is_the_ones_vector():
    x = np.array([0.2, -0.4, 1.3, 0.0])
    eigenvalues, vectors = np.linalg.eigh(softmax_jacobian(x))
    null_vector = vectors[:, np.argmin(np.abs(eigenvalues))]
    np.testing.assert_allclose(np.abs(null_vector), np.full(4, 0.5), rtol=1e-12)


def test_jacobian_special_values():
    # One +inf logit: softmax is one-hot and flat nearby, so J = 0.
    np.testing.assert_array_equal(softmax_jacobian([np.inf, 0.0, -1.0]), np.zeros((3, 3)))
    # -inf logits are masked: their rows and columns are 0 and the rest is
    # the Jacobian of the unmasked logits.
    jac = softmax_jacobian([0.5, -np.inf, -1.0])
    np.testing.assert_array_equal(jac[1], 0.0)
    np.testing.assert_array_equal(jac[:, 1], 0.0)
    np.testing.assert_allclose(
        jac[np.ix_([0, 2], [0, 2])], softmax_jacobian([0.5, -1.0]), rtol=1e-15
    )


def test_jacobian_nan_stays_in_its_row():
    x = np.array([[0.0, 1.0, 2.0], [np.nan, 0.0, 0.0], [-np.inf, -np.inf, -np.inf]])
    jac = softmax_jacobian(x)
    np.testing.assert_array_equal(jac[0], softmax_jacobian(x[0]))
    assert np.all(np.isnan(jac[1])) and np.all(np.isnan(jac[2]))


def test_jacobian_of_empty_inputs():
    assert softmax_jacobian(np.empty((3, 0))).shape == (3, 0, 0)
    assert softmax_jacobian(np.empty((0, 4))).shape == (0, 4, 4)
    assert softmax_jacobian(np.empty((0, 4)), axis=0).shape == (4, 0, 0)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_jacobian_dtype_is_kept(dtype):
    x = np.array([[0.5, 1.0, -1.0]], dtype=dtype)
    jac = softmax_jacobian(x)
    assert jac.dtype == dtype
    tolerance = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-15}[dtype]
    np.testing.assert_allclose(
        jac.astype(float), softmax_jacobian(x.astype(float)), rtol=0, atol=tolerance
    )


@pytest.mark.parametrize("dtype", [bool, np.int32, np.uint8])
def test_jacobian_promotes_integers_to_float64(dtype):
    x = np.array([1, 0, 1], dtype=dtype)
    jac = softmax_jacobian(x)
    assert jac.dtype == np.float64
    np.testing.assert_array_equal(jac, softmax_jacobian(x.astype(float)))


def test_jacobian_errors():
    with pytest.raises(ValueError, match=r"\bx\b"):
        softmax_jacobian(2.0)
    with pytest.raises(ValueError, match="axis"):
        softmax_jacobian(np.zeros((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis"):
        softmax_jacobian(np.zeros((2, 3)), axis=0.0)
    with pytest.raises(TypeError, match=r"\bx\b"):
        softmax_jacobian(["a", "b"])
    with pytest.raises(TypeError, match=r"\bx\b"):
        softmax_jacobian(np.array([1j, 2.0]))


# --------------------------------------------------------------------------
# softmax_jvp and softmax_vjp
# --------------------------------------------------------------------------


def full_jvp(x, v, axis):
    """J v through the full Jacobian, with the class axis moved back."""
    jac = softmax_jacobian(x, axis=axis)
    product = np.einsum("...ij,...j->...i", jac, np.moveaxis(v, axis, -1))
    return np.moveaxis(product, -1, axis)


def full_vjp(x, g, axis):
    """g^T J through the full Jacobian, with the class axis moved back."""
    jac = softmax_jacobian(x, axis=axis)
    product = np.einsum("...i,...ij->...j", np.moveaxis(g, axis, -1), jac)
    return np.moveaxis(product, -1, axis)


@pytest.mark.parametrize("row", list(LOGIT_ROWS.values()), ids=list(LOGIT_ROWS))
def test_jvp_and_vjp_equal_matrix_products_for_a_vector(row):
    row = np.asarray(row)
    v = rng(10).normal(size=row.size)
    jac = softmax_jacobian(row)
    np.testing.assert_allclose(softmax_jvp(row, v), jac @ v, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(softmax_vjp(row, v), v @ jac, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2, -2])
def test_jvp_and_vjp_agree_with_the_jacobian_for_batches(axis):
    generator = rng(11)
    x = generator.normal(scale=2.0, size=(4, 3, 6))
    v = generator.normal(size=x.shape)
    g = generator.normal(size=x.shape)
    jvp = softmax_jvp(x, v, axis=axis)
    vjp = softmax_vjp(x, g, axis=axis)
    assert jvp.shape == vjp.shape == x.shape
    np.testing.assert_allclose(jvp, full_jvp(x, v, axis), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(vjp, full_vjp(x, g, axis), rtol=1e-12, atol=1e-15)
    # Positional axis works the same way.
    np.testing.assert_array_equal(softmax_jvp(x, v, axis), jvp)
    np.testing.assert_array_equal(softmax_vjp(x, g, axis), vjp)


def test_jvp_is_the_directional_derivative():
    x = np.array([0.3, -1.0, 2.2, 0.0])
    v = np.array([1.0, -0.5, 0.25, 2.0])
    h = 1e-6
    central = (softmax(x + h * v) - softmax(x - h * v)) / (2 * h)
    np.testing.assert_allclose(softmax_jvp(x, v), central, atol=1e-9)


def test_vjp_is_the_gradient_of_a_scalar_of_softmax():
    """g^T J = d (g . softmax(z)) / dz, compared with finite differences."""
    x = np.array([[0.3, -1.0, 2.2, 0.0], [1.0, 1.0, -3.0, 0.5]])
    g = np.array([[1.0, -0.5, 0.25, 2.0], [0.0, 3.0, -1.0, 1.0]])
    expected = numerical_gradient(lambda z: np.sum(g * softmax(z)), x)
    np.testing.assert_allclose(softmax_vjp(x, g), expected, atol=1e-9)


def test_vjp_gives_the_cross_entropy_gradient():
    x = rng(12).normal(size=(5, 4))
    y = np.eye(4)[[0, 3, 1, 1, 2]]
    g = -y / softmax(x)  # dL/ds for L = -sum(y log s)
    np.testing.assert_allclose(softmax_vjp(x, g), softmax(x) - y, rtol=1e-12, atol=1e-15)


def test_jvp_along_ones_is_zero():
    x = rng(13).normal(size=(3, 5))
    np.testing.assert_allclose(softmax_jvp(x, np.ones_like(x)), 0.0, atol=1e-16)
    np.testing.assert_allclose(softmax_vjp(x, np.full_like(x, 3.0)), 0.0, atol=1e-15)


def test_jvp_and_vjp_nan_stays_in_its_row():
    x = np.array([[0.0, 1.0, 2.0], [np.nan, 0.0, 0.0], [1.0, 1.0, 1.0]])
    v = np.array([[1.0, 0.0, 0.0], [1.0, 2.0, 3.0], [0.0, np.nan, 0.0]])
    for product in (softmax_jvp, softmax_vjp):
        got = product(x, v)
        np.testing.assert_array_equal(got[0], product(x[0], v[0]))
        assert np.all(np.isnan(got[1])) and np.all(np.isnan(got[2]))


def test_jvp_and_vjp_of_empty_inputs():
    for shape in [(3, 0), (0, 4)]:
        assert softmax_jvp(np.empty(shape), np.empty(shape)).shape == shape
        assert softmax_vjp(np.empty(shape), np.empty(shape)).shape == shape


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_jvp_and_vjp_keep_the_dtype(dtype):
    x = rng(14).normal(size=(3, 50)).astype(dtype)
    v = rng(15).normal(size=(3, 50)).astype(dtype)
    eps = float(np.finfo(dtype).eps)
    x64, v64 = x.astype(float), v.astype(float)
    s = softmax(x64)
    # What rounding s, v and the dot product s.v can cost: a few eps of
    # s_i (|v_i| + max |v|).
    scale = s * (np.abs(v64) + np.max(np.abs(v64), axis=-1, keepdims=True))
    for product in (softmax_jvp, softmax_vjp):
        got = product(x, v)
        assert got.dtype == dtype
        error = np.abs(got.astype(float) - product(x64, v64))
        assert np.all(error <= 8 * eps * scale + float(np.finfo(dtype).smallest_subnormal))


def test_jvp_and_vjp_promote_integer_tangents():
    x = np.array([1, 2, 3])
    v = np.array([1, 0, 0])
    assert softmax_jvp(x, v).dtype == np.float64
    assert softmax_vjp(x, [True, False, False]).dtype == np.float64


@pytest.mark.parametrize(
    ("x_shape", "other_shape"), [((3,), (4,)), ((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), (3, 2))]
)
def test_jvp_and_vjp_need_the_same_shape(x_shape, other_shape):
    x, other = np.zeros(x_shape), np.zeros(other_shape)
    with pytest.raises(ValueError, match=r"\bv\b"):
        softmax_jvp(x, other)
    with pytest.raises(ValueError, match=r"\bg\b"):
        softmax_vjp(x, other)


def test_jvp_and_vjp_bad_kinds():
    x = np.zeros(2)
    with pytest.raises(TypeError, match=r"\bv\b"):
        softmax_jvp(x, ["a", "b"])
    with pytest.raises(TypeError, match=r"\bg\b"):
        softmax_vjp(x, np.array([1j, 0]))
    with pytest.raises(TypeError, match=r"\bx\b"):
        softmax_jvp(np.array([None, 1.0]), x)
    with pytest.raises(ValueError, match=r"\bx\b"):
        softmax_vjp(1.0, 1.0)
    with pytest.raises(ValueError, match="axis"):
        softmax_jvp(x, x, axis=1)
    with pytest.raises(TypeError, match="axis"):
        softmax_vjp(x, x, axis="0")


@pytest.mark.parametrize("product", [softmax_jvp, softmax_vjp])
def test_products_do_not_modify_their_inputs(product):
    x = rng(16).normal(size=(3, 4))
    v = rng(17).normal(size=(3, 4))
    x_before, v_before = x.copy(), v.copy()
    out = product(x, v)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(v, v_before)
    assert not np.shares_memory(out, x) and not np.shares_memory(out, v)
    x.setflags(write=False)
    v.setflags(write=False)
    np.testing.assert_array_equal(product(x, v, axis=0), product(x_before, v_before, axis=0))


def test_jacobian_does_not_modify_its_input():
    x = rng(18).normal(size=(3, 4)).astype(np.float32)
    before = x.copy()
    softmax_jacobian(x)
    np.testing.assert_array_equal(x, before)
    x.setflags(write=False)
    np.testing.assert_array_equal(softmax_jacobian(x, axis=0), softmax_jacobian(before, axis=0))


# --------------------------------------------------------------------------
# numerical_gradient
# --------------------------------------------------------------------------


def test_numerical_gradient_is_exact_on_quadratics():
    generator = rng(20)
    a = generator.normal(size=(6, 6))
    a = a + a.T
    b = generator.normal(size=6)
    x = generator.normal(scale=3.0, size=6)

    def quadratic(z):
        return 0.5 * z @ a @ z + b @ z + 4.0

    np.testing.assert_allclose(numerical_gradient(quadratic, x), a @ x + b, rtol=1e-8, atol=1e-8)


def test_numerical_gradient_step_is_relative():
    """Central differences of z**3 are off by exactly h**2, with h = eps max(1, |z|)."""
    for z, eps in [(2.0, 1e-3), (0.5, 1e-3), (-40.0, 1e-4)]:
        h = eps * max(1.0, abs(z))
        got = numerical_gradient(lambda t: float(t[0] ** 3), np.array([z]), eps=eps)
        assert got[0] == pytest.approx(3 * z**2 + h**2, rel=1e-9)


def test_numerical_gradient_of_n_d_input():
    x = rng(21).normal(size=(2, 3, 4))
    weights = rng(22).normal(size=(2, 3, 4))
    got = numerical_gradient(lambda z: np.sum(weights * z**2), x)
    assert got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, 2 * weights * x, rtol=1e-7, atol=1e-8)


def test_numerical_gradient_of_a_scalar_point():
    got = numerical_gradient(lambda z: float(z) ** 2, 3.0)
    assert got.shape == ()
    assert float(got) == pytest.approx(6.0, rel=1e-9)


def test_numerical_gradient_of_logsumexp_is_softmax():
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])
    got = numerical_gradient(lambda z: np.sum(logsumexp(z)), x)
    np.testing.assert_allclose(got, softmax(x), atol=1e-9)
    got = numerical_gradient(lambda z: log_softmax(z)[1], x[0])
    np.testing.assert_allclose(got, np.eye(3)[1] - softmax(x[0]), atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int64, bool])
def test_numerical_gradient_works_in_float64(dtype):
    x = np.array([1, 0, 1], dtype=dtype)
    seen = []

    def f(z):
        seen.append(z.dtype)
        return float(np.sum(z**2))

    got = numerical_gradient(f, x)
    assert got.dtype == np.float64 and set(seen) == {np.dtype(np.float64)}
    np.testing.assert_allclose(got, 2 * x.astype(float), atol=1e-8)


def test_numerical_gradient_does_not_modify_x():
    x = rng(23).normal(size=(3, 2))
    before = x.copy()
    numerical_gradient(lambda z: np.sum(np.sin(z)), x)
    np.testing.assert_array_equal(x, before)
    x.setflags(write=False)
    np.testing.assert_allclose(
        numerical_gradient(lambda z: np.sum(np.sin(z)), x), np.cos(x), atol=1e-9
    )


def test_numerical_gradient_f_sees_one_perturbed_entry_at_a_time():
    x = np.array([1.0, -2.0, 5.0])
    calls = []
    numerical_gradient(lambda z: calls.append(z.copy()) or 0.0, x)
    assert len(calls) == 2 * x.size
    for call in calls:
        assert np.count_nonzero(call != x) == 1


@pytest.mark.parametrize("value", [np.float32(2.5), np.array(1.0), np.array([3.0]), 7, True])
def test_numerical_gradient_accepts_real_scalar_results(value):
    np.testing.assert_array_equal(numerical_gradient(lambda z: value, np.ones(2)), [0.0, 0.0])


@pytest.mark.parametrize("result", [np.zeros(2), [1.0, 2.0], "1.0", 1j, None, np.array([])])
def test_numerical_gradient_needs_a_real_scalar_result(result):
    with pytest.raises(ValueError, match=r"\bf\b"):
        numerical_gradient(lambda z: result, np.ones(2))


@pytest.mark.parametrize(
    "eps", [0, 0.0, -1e-6, np.inf, np.nan, pytest.param(10**400, id="10**400")]
)
def test_numerical_gradient_eps_must_be_positive_and_finite(eps):
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(np.sum, np.ones(2), eps=eps)


@pytest.mark.parametrize("eps", ["1e-6", None, 1j, [1e-6]])
def test_numerical_gradient_eps_must_be_a_real_number(eps):
    with pytest.raises(TypeError, match="eps"):
        numerical_gradient(np.sum, np.ones(2), eps=eps)


def test_numerical_gradient_other_errors():
    with pytest.raises(TypeError, match=r"\bf\b"):
        numerical_gradient(np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match=r"\bx\b"):
        numerical_gradient(np.sum, ["a"])
    with pytest.raises(TypeError, match=r"\bx\b"):
        numerical_gradient(np.sum, np.array([1j]))
    with pytest.raises(TypeError):
        numerical_gradient(np.sum, np.ones(2), 1e-6)  # eps is keyword-only
