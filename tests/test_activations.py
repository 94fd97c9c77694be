"""Unit tests for softmax_lib.activations: softmax, log_softmax, logsumexp, sigmoid.

Accuracy is measured against mpmath at 256 bits on the exact values of the
(already rounded) inputs, and reported in units in the last place (ulps) of
the output dtype. Every RuntimeWarning is an error in this module: a warning
from the library is a bug.
"""

import math
import warnings

import mpmath
import numpy as np
import pytest
import scipy.special

from softmax_lib import log_softmax, logsumexp, sigmoid, softmax

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

PREC = 256  # bits of the mpmath reference
FLOAT_DTYPES = (np.float16, np.float32, np.float64)
ROW_FUNCTIONS = (softmax, log_softmax, logsumexp)
EPS32 = np.finfo(np.float32).eps


# --------------------------------------------------------------------------
# mpmath reference and ulp measurement
# --------------------------------------------------------------------------


def _exact(row):
    """The exact values of a row of floats (float16 and float32 embed exactly in float64)."""
    return [mpmath.mpf(float(v)) for v in np.asarray(row).ravel()]


def _exact_shifts(row):
    """``(max, [x_i - max])`` with the differences computed without rounding.

    Subtracting the maximum first keeps the reference exact for logits like
    1e300, whose exponentials no fixed working precision could add.
    """
    values = _exact(row)
    top = max(values)
    return top, [mpmath.fsub(v, top, exact=True) for v in values]


def _log_sum_exp_of_shifts(shifts):
    """``log(sum(exp(d)))`` for shifts whose maximum is 0.

    The maximum's own term is exactly 1 and is taken out, so that terms far
    below the working precision (e^-700) still count: ``log1p(rest)``.
    """
    rest = list(shifts)
    rest.remove(0)
    return mpmath.log1p(mpmath.fsum(mpmath.exp(d) for d in rest))


def ref_logsumexp(row):
    with mpmath.workprec(PREC):
        top, shifts = _exact_shifts(row)
        return top + _log_sum_exp_of_shifts(shifts)


def ref_log_softmax(row, temperature=1):
    with mpmath.workprec(PREC):
        _, shifts = _exact_shifts(row)
        z = [d / mpmath.mpf(float(temperature)) for d in shifts]
        log_sum = _log_sum_exp_of_shifts(z)
        return [v - log_sum for v in z]


def ref_softmax(row, temperature=1):
    with mpmath.workprec(PREC):
        return [mpmath.exp(v) for v in ref_log_softmax(row, temperature)]


def ref_sigmoid(value):
    with mpmath.workprec(PREC):
        return 1 / (1 + mpmath.exp(-mpmath.mpf(float(value))))


def rounded(exact, dtype):
    """``exact`` rounded to ``dtype`` (via float64: a double rounding, at most 1/2 ulp more)."""
    with np.errstate(over="ignore"):
        return np.array(float(exact)).astype(dtype)


def correctly_rounded(exact, dtype):
    """``exact`` rounded once to the nearest number of ``dtype`` (normal range only)."""
    info = np.finfo(dtype)
    assert float(info.smallest_normal) <= abs(exact) <= float(info.max)
    with mpmath.workprec(info.nmant + 1):
        return np.array(float(+exact), dtype=dtype)


def ulp_error(got, exact, dtype, scale=0):
    """``|got - exact|`` in ulps of ``dtype`` at ``max(|exact|, |scale|)``.

    An infinite ``got`` counts as exact when ``exact`` itself rounds to it
    (an overflow of the true value).
    """
    dtype = np.dtype(dtype)
    got = np.asarray(got)
    assert got.dtype == dtype
    if not np.isfinite(got):
        return 0.0 if got == rounded(exact, dtype) else math.inf
    magnitude = max(abs(exact), abs(mpmath.mpf(float(scale))))
    with np.errstate(over="ignore"):
        spacing = np.spacing(np.array(float(magnitude)).astype(dtype))
    if not np.isfinite(spacing):  # the true value is beyond the dtype's range
        spacing = np.spacing(np.finfo(dtype).max)
    with mpmath.workprec(PREC):
        return float(abs(mpmath.mpf(float(got)) - exact) / mpmath.mpf(float(spacing)))


def max_ulp_error(got_row, exact_row, dtype):
    return max(ulp_error(g, e, dtype) for g, e in zip(np.ravel(got_row), exact_row, strict=True))


def shifts_are_exact(row, compute_dtype):
    """Whether every ``x_i - max(x)`` is exact in ``compute_dtype`` (or overflows).

    Where a shift is rounded, softmax is perturbed by ``|x_i - m|`` ulps no
    matter how it is computed, so the tight accuracy bounds below only apply
    to rows whose shifts are exact.
    """
    row = np.asarray(row, dtype=compute_dtype)
    m = row.max()
    with np.errstate(over="ignore"):
        shifted = row - m
    exact = _exact(row)
    top = mpmath.mpf(float(m))
    return all(
        np.isinf(d) or mpmath.mpf(float(d)) == v - top for d, v in zip(shifted, exact, strict=True)
    )


# Adversarial rows. Differences from the maximum are exact in float64 (checked
# below), so the results must be within a few ulps of the true values.
ADVERSARIAL = {
    "one dominant logit": [1000.0, 0.0, -1.0, 2.0],
    "dominant by 50": [50.0, 0.0, 0.0, 0.0, 0.0],
    "many equal logits": [3.0] * 1000,
    "equal pair near 1e300": [1e300, 1e300],
    "1e300 and its neighbour": [1e300, float(np.nextafter(1e300, 0.0)), 0.0],
    "opposite ends of the range": [-1.7e308, 1.7e308, 1e308],
    "offset +1e4": [1e4 + 0.5, 1e4, 1e4 - 3.25, 1e4 - 0.0625],
    "offset -1e4": [-1e4, -1e4 - 1.0, -1e4 + 2.0, -1e4 + 0.125],
    "tiny second term e^-40": [0.0, -40.0],
    "second term e^-700": [0.0, -700.0],
    "subnormal second term": [0.0, -740.0],
    "second term below eps": [1.0 - math.log(float(EPS32)), 0.0],
    "many tiny terms": [0.0] + [-40.0] * 999,
    "mixed signs": [-3.5, 2.25, 0.0, -0.125, 7.0, -11.75],
    "mixed signs, wide": [-300.5, 250.25, 0.0, 1.5, -2.0],
    "single logit": [-17.25],
}

# Bounds in ulps of the output dtype. float16 is computed in float32 and
# rounded once, so it must be within one of its own ulps.
ULP_BOUND = {np.float64: 4, np.float32: 4, np.float16: 1}


def adversarial_rows(dtype):
    """The adversarial rows representable in ``dtype`` whose shifts are exact."""
    rows = []
    for name, values in ADVERSARIAL.items():
        with np.errstate(over="ignore"):
            row = np.array(values).astype(dtype)
        if np.all(np.isfinite(row)) and shifts_are_exact(row, np.promote_types(dtype, np.float32)):
            rows.append(pytest.param(row, id=name))
    return rows


def test_adversarial_rows_have_exact_shifts_in_float64():
    assert len(adversarial_rows(np.float64)) == len(ADVERSARIAL)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_enough_adversarial_rows_per_dtype(dtype):
    assert len(adversarial_rows(dtype)) >= 10


def _adversarial_params():
    return [
        pytest.param(dtype, row, id=f"{np.dtype(dtype).name}-{param.id}")
        for dtype in FLOAT_DTYPES
        for param in adversarial_rows(dtype)
        for row in param.values
    ]


@pytest.mark.parametrize(("dtype", "row"), _adversarial_params())
def test_softmax_matches_mpmath(dtype, row):
    got = softmax(row)
    assert got.dtype == dtype
    assert max_ulp_error(got, ref_softmax(row), dtype) <= ULP_BOUND[dtype]


@pytest.mark.parametrize(("dtype", "row"), _adversarial_params())
def test_log_softmax_matches_mpmath(dtype, row):
    got = log_softmax(row)
    assert got.dtype == dtype
    assert max_ulp_error(got, ref_log_softmax(row), dtype) <= ULP_BOUND[dtype]


@pytest.mark.parametrize(("dtype", "row"), _adversarial_params())
def test_logsumexp_matches_mpmath(dtype, row):
    got = logsumexp(row)
    assert got.dtype == dtype and got.shape == ()
    # Relative to max(|LSE|, |max x|): LSE = m + log1p(.) cancels when m < 0,
    # and no algorithm can do better than the rounding of m itself.
    error = ulp_error(got, ref_logsumexp(row), dtype, scale=np.max(row))
    assert error <= ULP_BOUND[dtype]


def test_rows_with_rounded_shifts_stay_within_their_condition_bound():
    """Random mixed-sign rows, where x_i - max(x) is rounded.

    Rounding the shifts by at most ``delta`` (absolute) moves every
    ``exp(x_i - m)`` by ``delta`` relative and the normalising sum by as much
    again, whatever the algorithm. So softmax must be within 4 ulps plus
    ``2 delta`` relative, and log_softmax within 4 ulps plus ``2 delta``
    absolute.
    """
    rng = np.random.default_rng(20240611)
    unit_roundoff = mpmath.mpf(2.0**-53)
    for _ in range(20):
        row = rng.normal(scale=8.0, size=12)
        m = row.max()
        with mpmath.workprec(PREC):
            delta = max(
                abs(mpmath.mpf(float(v - m)) - (mpmath.mpf(float(v)) - mpmath.mpf(float(m))))
                for v in row
            )
        softmax_bound = 4 + float(2 * delta / unit_roundoff)
        assert max_ulp_error(softmax(row), ref_softmax(row), np.float64) <= softmax_bound
        for got, exact in zip(log_softmax(row), ref_log_softmax(row), strict=True):
            allowed = 4 * np.spacing(abs(float(exact))) + 2 * float(delta)
            assert abs(float(got) - float(exact)) <= allowed


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_sigmoid_matches_mpmath(dtype):
    info = np.finfo(dtype)
    limit = math.log(float(info.max))  # beyond this e^{|x|} overflows
    values = np.concatenate(
        [np.linspace(-1.2 * limit, 1.2 * limit, 301), [0.0, 1e-30, -1e-30, 0.5, -0.5]]
    ).astype(dtype)
    got = sigmoid(values)
    assert got.dtype == dtype
    exact = [ref_sigmoid(v) for v in values]
    assert max_ulp_error(got, exact, dtype) <= {np.float64: 2, np.float32: 3, np.float16: 1}[dtype]


def test_sigmoid_is_stable_for_huge_magnitudes():
    got = sigmoid(np.array([-1e308, -750.0, -40.0, 40.0, 750.0, 1e308]))
    np.testing.assert_array_equal(got[[0, 1, 4, 5]], [0.0, 0.0, 1.0, 1.0])
    assert ulp_error(got[2], ref_sigmoid(-40.0), np.float64) <= 1
    assert ulp_error(got[3], ref_sigmoid(40.0), np.float64) <= 1
    assert 0 < got[2] < 1e-17


# --------------------------------------------------------------------------
# The values quoted by the project's issue
# --------------------------------------------------------------------------


def test_logsumexp_keeps_tiny_second_term():
    got = logsumexp([0, -40])
    assert float(got) == 4.248354255291589e-18
    assert got == correctly_rounded(ref_logsumexp([0.0, -40.0]), np.float64)
    # The plain shifted formula loses it entirely.
    assert np.log(np.sum(np.exp(np.array([0.0, -40.0])))) == 0.0


def test_float32_log_softmax_below_eps_is_correctly_rounded_where_scipy_gives_zero():
    x = np.array([1 - np.log(EPS32), 0], dtype=np.float32)
    got = log_softmax(x)[0]
    assert got.dtype == np.float32
    exact = ref_log_softmax(x)[0]
    assert got == correctly_rounded(exact, np.float32)
    assert got == np.float32(-4.3854666e-08)
    # The issue quotes it to 7 significant digits (truncated): -4.385466e-08.
    assert abs(float(got) - -4.385466e-08) < 1e-14
    assert scipy.special.log_softmax(x)[0] == 0.0


# --------------------------------------------------------------------------
# Comparison with SciPy
# --------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_agrees_with_scipy_on_ordinary_inputs(axis):
    x = np.random.default_rng(7).normal(scale=3.0, size=(6, 9, 5))
    np.testing.assert_allclose(softmax(x, axis), scipy.special.softmax(x, axis=axis), rtol=1e-13)
    np.testing.assert_allclose(
        log_softmax(x, axis), scipy.special.log_softmax(x, axis=axis), rtol=1e-13
    )
    np.testing.assert_allclose(
        logsumexp(x, axis), scipy.special.logsumexp(x, axis=axis), rtol=1e-13, atol=1e-15
    )


def test_sigmoid_agrees_with_scipy_expit():
    x = np.linspace(-60, 60, 1201)
    np.testing.assert_allclose(sigmoid(x), scipy.special.expit(x), rtol=1e-15, atol=0)
    x32 = x.astype(np.float32)
    np.testing.assert_allclose(sigmoid(x32), scipy.special.expit(x32), rtol=1e-6, atol=0)


@pytest.mark.parametrize("second", [-40.0, -100.0, -700.0])
def test_log_softmax_more_accurate_than_scipy_for_tiny_terms(second):
    x = np.array([0.0, second])
    exact = ref_log_softmax(x)
    ours = max_ulp_error(log_softmax(x), exact, np.float64)
    theirs = max_ulp_error(scipy.special.log_softmax(x), exact, np.float64)
    assert ours <= 0.5 < theirs


def test_logsumexp_tiny_term_as_accurate_as_scipy():
    """SciPy's logsumexp also takes the largest term out with log1p; both are exact here."""
    x = np.array([0.0, -40.0, -41.5])
    exact = correctly_rounded(ref_logsumexp(x), np.float64)
    assert logsumexp(x) == exact == scipy.special.logsumexp(x)


# --------------------------------------------------------------------------
# Special values
# --------------------------------------------------------------------------


def test_minus_inf_logits_are_masked():
    x = np.array([0.0, -np.inf, 1.0, -np.inf])
    expected = np.array(ref_softmax([0.0, 1.0]), dtype=float)
    np.testing.assert_array_equal(softmax(x)[[1, 3]], [0.0, 0.0])
    np.testing.assert_allclose(softmax(x)[[0, 2]], expected, rtol=1e-15)
    lsm = log_softmax(x)
    np.testing.assert_array_equal(lsm[[1, 3]], [-np.inf, -np.inf])
    np.testing.assert_allclose(lsm[[0, 2]], log_softmax([0.0, 1.0]), rtol=1e-15)
    assert logsumexp(x) == logsumexp([0.0, 1.0])


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ([np.inf, 0.0, -np.inf, 5.0], [1.0, 0.0, 0.0, 0.0]),
        ([np.inf, 1.0, np.inf], [0.5, 0.0, 0.5]),
        ([np.inf, np.inf, np.inf, np.inf], [0.25, 0.25, 0.25, 0.25]),
        ([np.inf, -np.inf], [1.0, 0.0]),
    ],
)
def test_plus_inf_entries_share_the_mass(row, expected):
    np.testing.assert_array_equal(softmax(row), expected)
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(log_softmax(row), np.log(expected))
    assert logsumexp(row) == np.inf


def test_all_minus_inf_row():
    x = np.array([[-np.inf, -np.inf, -np.inf], [0.0, 1.0, 2.0]])
    assert np.all(np.isnan(softmax(x)[0]))
    assert np.all(np.isnan(log_softmax(x)[0]))
    assert logsumexp(x)[0] == -np.inf
    np.testing.assert_array_equal(softmax(x)[1], softmax(x[1]))
    np.testing.assert_array_equal(log_softmax(x)[1], log_softmax(x[1]))
    assert logsumexp(x)[1] == logsumexp(x[1])


@pytest.mark.parametrize(
    "nan_row",
    [
        [np.nan, 1.0, 2.0],
        [1.0, 2.0, np.nan],
        [np.nan, np.inf, 0.0],
        [np.inf, np.nan, 0.0],
        [-np.inf, np.nan, -np.inf],
        [np.nan, np.nan, np.nan],
    ],
)
@pytest.mark.parametrize("func", ROW_FUNCTIONS)
def test_nan_stays_in_its_row(func, nan_row):
    x = np.array([[0.5, -1.0, 3.0], nan_row, [-np.inf, 2.0, 2.0]])
    got = func(x)
    assert np.all(np.isnan(got[1]))
    for i in (0, 2):
        np.testing.assert_array_equal(got[i], func(x[i]))
    # Along axis 0 the NaN sits in a column: that column is NaN, the others are untouched.
    got0 = func(x, axis=0)
    for j in range(x.shape[1]):
        if np.isnan(x[:, j]).any():
            assert np.all(np.isnan(got0[..., j]))
        else:
            np.testing.assert_array_equal(got0[..., j], func(x[:, j]))


def test_sigmoid_special_values():
    got = sigmoid(np.array([-np.inf, np.inf, np.nan, -0.0, 0.0]))
    np.testing.assert_array_equal(got, [0.0, 1.0, np.nan, 0.5, 0.5])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_empty_class_axis(func, dtype):
    x = np.empty((3, 0), dtype=dtype)
    got = func(x)
    assert got.shape == (3, 0) and got.dtype == dtype
    got0 = func(np.empty((0, 4), dtype=dtype), axis=0)
    assert got0.shape == (0, 4) and got0.dtype == dtype


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_logsumexp_of_empty_class_axis_is_minus_inf(dtype):
    got = logsumexp(np.empty((3, 0), dtype=dtype))
    assert got.shape == (3,) and got.dtype == dtype
    np.testing.assert_array_equal(got, [-np.inf] * 3)
    assert logsumexp(np.empty((3, 0), dtype=dtype), keepdims=True).shape == (3, 1)
    assert logsumexp(np.empty(0)) == -np.inf
    assert logsumexp(np.empty((2, 0, 5)), axis=1).shape == (2, 5)


@pytest.mark.parametrize("func", [softmax, log_softmax, sigmoid])
def test_empty_batch_with_classes(func):
    got = func(np.empty((0, 4), dtype=np.float32))
    assert got.shape == (0, 4) and got.dtype == np.float32


def test_logsumexp_of_empty_batch():
    assert logsumexp(np.empty((0, 4))).shape == (0,)
    assert logsumexp(np.empty((0, 4)), keepdims=True).shape == (0, 1)


@pytest.mark.parametrize("func", ROW_FUNCTIONS)
@pytest.mark.parametrize("scalar", [1.5, 3, np.float32(2.0), np.array(0.25), True])
def test_scalar_input_needs_a_class_axis(func, scalar):
    with pytest.raises(ValueError, match=r"\bx\b.*dimension"):
        func(scalar)


@pytest.mark.parametrize("scalar", [1.5, -3, np.float32(2.0), np.array(0.25), np.float16(-1.0)])
def test_sigmoid_of_a_scalar(scalar):
    got = sigmoid(scalar)
    assert np.ndim(got) == 0 and isinstance(got, np.floating)
    expected_dtype = np.dtype(
        np.asarray(scalar).dtype if isinstance(scalar, np.floating) else float
    )
    assert got.dtype == expected_dtype
    bound = {np.float64: 2, np.float32: 3, np.float16: 1}[expected_dtype.type]
    assert ulp_error(got, ref_sigmoid(scalar), expected_dtype) <= bound


# --------------------------------------------------------------------------
# Axis handling
# --------------------------------------------------------------------------


def _moved(func, x, axis, **kwargs):
    """``func`` applied along the last axis of ``x`` with ``axis`` moved there, moved back."""
    out = func(np.moveaxis(x, axis, -1), **kwargs)
    if func is logsumexp and not kwargs.get("keepdims", False):
        return out
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
@pytest.mark.parametrize("func", ROW_FUNCTIONS)
def test_axis_equals_moving_the_axis_last(func, axis):
    x = np.random.default_rng(3).normal(scale=5.0, size=(4, 5, 6))
    np.testing.assert_array_max_ulp(func(x, axis=axis), _moved(func, x, axis), maxulp=2)
    np.testing.assert_array_max_ulp(func(x, axis), _moved(func, x, axis), maxulp=2)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_logsumexp_keepdims(axis):
    x = np.random.default_rng(4).normal(size=(3, 4))
    kept = logsumexp(x, axis=axis, keepdims=True)
    expected_shape = list(x.shape)
    expected_shape[axis] = 1
    assert kept.shape == tuple(expected_shape)
    np.testing.assert_array_equal(np.squeeze(kept, axis=axis), logsumexp(x, axis=axis))
    np.testing.assert_allclose(x - kept, log_softmax(x, axis=axis), rtol=1e-15, atol=1e-15)
    assert logsumexp(x, keepdims=np.True_).shape == (3, 1)


def test_axis_zero_on_a_matrix_is_the_transpose():
    x = np.random.default_rng(5).normal(size=(7, 3))
    np.testing.assert_allclose(softmax(x, axis=0), softmax(x.T).T, rtol=1e-15)
    np.testing.assert_allclose(softmax(x, axis=0).sum(axis=0), np.ones(3), rtol=1e-15)


def test_numpy_integer_axis():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(softmax(x, axis=np.int64(0)), softmax(x, axis=0))
    np.testing.assert_array_equal(logsumexp(x, axis=np.int8(-2)), logsumexp(x, axis=0))


@pytest.mark.parametrize("func", ROW_FUNCTIONS)
@pytest.mark.parametrize("axis", [2, -3, 10])
def test_axis_out_of_range(func, axis):
    with pytest.raises(ValueError, match="axis"):
        func(np.zeros((2, 3)), axis=axis)


@pytest.mark.parametrize("func", ROW_FUNCTIONS)
@pytest.mark.parametrize("axis", [1.0, "0", None, True, (0,), [0]])
def test_axis_must_be_an_integer(func, axis):
    with pytest.raises(TypeError, match="axis"):
        func(np.zeros((2, 3)), axis=axis)


# --------------------------------------------------------------------------
# Temperature
# --------------------------------------------------------------------------


@pytest.mark.parametrize("temperature", [0.5, 2, 3.7, 1e-3, 1e3, np.float32(0.25)])
def test_temperature_divides_the_logits(temperature):
    x = np.random.default_rng(11).normal(scale=2.0, size=(5, 6))
    scaled = x / float(temperature)
    np.testing.assert_allclose(
        softmax(x, temperature=temperature), softmax(scaled), rtol=1e-12, atol=1e-300
    )
    np.testing.assert_allclose(
        log_softmax(x, temperature=temperature), log_softmax(scaled), rtol=1e-12
    )


@pytest.mark.parametrize("temperature", [0.125, 8.0, 2.0**-20])
def test_temperature_matches_mpmath(temperature):
    """Powers of two, so that (x - m) / T is exact and a few ulps is the bound."""
    row = np.array([3.0, -1.0, 0.5, 2.0, 2.9999995])
    assert (
        max_ulp_error(
            softmax(row, temperature=temperature), ref_softmax(row, temperature), np.float64
        )
        <= 4
    )
    assert (
        max_ulp_error(
            log_softmax(row, temperature=temperature),
            ref_log_softmax(row, temperature),
            np.float64,
        )
        <= 4
    )


def test_small_temperature_approaches_argmax_one_hot():
    x = np.array([[1.0, 3.0, 2.0], [-5.0, -7.0, -6.0]])
    one_hot = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(softmax(x, temperature=1e-2), one_hot, atol=1e-40)
    errors = [np.abs(softmax(x, temperature=t) - one_hot).max() for t in (1.0, 0.3, 0.1)]
    assert errors[0] > errors[1] > errors[2] > 0


@pytest.mark.parametrize("temperature", [1e-300, 5e-324])
def test_tiny_temperature_with_large_logits(temperature):
    """x / T overflows; the answer is still the one-hot vector of the argmax."""
    np.testing.assert_array_equal(softmax([1e10, 2e10], temperature=temperature), [0.0, 1.0])
    np.testing.assert_array_equal(softmax([-1e10, -2e10], temperature=temperature), [1.0, 0.0])
    np.testing.assert_array_equal(
        softmax(np.float32([3.0, -2.0, 1.0]), temperature=temperature), [1.0, 0.0, 0.0]
    )
    got = log_softmax([-1e10, -2e10], temperature=temperature)
    np.testing.assert_array_equal(got, [0.0, -np.inf])


def test_large_temperature_approaches_uniform():
    x = np.array([1.0, 30.0, -4.0, 2.0])
    np.testing.assert_allclose(softmax(x, temperature=1e6), np.full(4, 0.25), rtol=1e-4)
    np.testing.assert_allclose(softmax(x, temperature=1e300), np.full(4, 0.25), rtol=1e-15)
    gaps = [np.ptp(softmax(x, temperature=t)) for t in (1.0, 10.0, 100.0)]
    assert gaps[0] > gaps[1] > gaps[2] > 0


def test_temperature_is_keyword_only():
    with pytest.raises(TypeError):
        softmax([1.0, 2.0], -1, 2.0)
    with pytest.raises(TypeError):
        log_softmax([1.0, 2.0], -1, 2.0)


@pytest.mark.parametrize("func", [softmax, log_softmax])
@pytest.mark.parametrize(
    "temperature",
    [0, 0.0, -1.0, -np.inf, np.inf, np.nan, pytest.param(10**400, id="10**400")],
)
def test_temperature_must_be_positive_and_finite(func, temperature):
    with pytest.raises(ValueError, match="temperature"):
        func([1.0, 2.0], temperature=temperature)


@pytest.mark.parametrize("func", [softmax, log_softmax])
@pytest.mark.parametrize("temperature", ["1", 1j, None, True, [1.0]])
def test_temperature_must_be_a_real_number(func, temperature):
    with pytest.raises(TypeError, match="temperature"):
        func([1.0, 2.0], temperature=temperature)


# --------------------------------------------------------------------------
# Dtypes, inputs untouched, bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("func", [*ROW_FUNCTIONS, sigmoid])
def test_floating_dtype_is_kept(func, dtype):
    x = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    assert func(x).dtype == dtype
    assert func(x[0]).dtype == dtype


@pytest.mark.parametrize("dtype", [bool, np.int8, np.int32, np.int64, np.uint8, np.uint64])
@pytest.mark.parametrize("func", [*ROW_FUNCTIONS, sigmoid])
def test_integer_and_bool_are_promoted_to_float64(func, dtype):
    x = np.array([[0, 1, 1], [1, 0, 0]], dtype=dtype)
    got = func(x)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, func(x.astype(np.float64)))


@pytest.mark.parametrize("func", [*ROW_FUNCTIONS, sigmoid])
def test_python_lists_give_float64(func):
    assert func([[1, 2, 3]]).dtype == np.float64
    assert func([[1.0, 2.5, 3.0]]).dtype == np.float64


def test_float16_accumulates_in_float32():
    """4096 terms: a float16 sum would stall at 2048 and give 1/2048."""
    x = np.zeros(4096, dtype=np.float16)
    np.testing.assert_array_equal(softmax(x), np.full(4096, 2.0**-12, dtype=np.float16))
    assert logsumexp(x) == correctly_rounded(ref_logsumexp(x), np.float16)
    minus_log_k = correctly_rounded(-mpmath.log(4096), np.float16)
    np.testing.assert_array_equal(log_softmax(x), np.full(4096, minus_log_k))


def _special_inputs(dtype):
    rng = np.random.default_rng(2)
    x = rng.normal(scale=4.0, size=(4, 5)).astype(dtype)
    x[1, 2] = np.nan
    x[2, 0] = np.inf
    x[3, :] = -np.inf
    x[0, 4] = -np.inf
    return x


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("func", [*ROW_FUNCTIONS, sigmoid])
def test_input_is_not_modified(func, dtype):
    x = _special_inputs(dtype)
    before = x.copy()
    out = func(x)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)
    out[...] = 7  # writing into the result leaves the input alone
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("func", [*ROW_FUNCTIONS, sigmoid])
def test_read_only_input(func):
    x = np.random.default_rng(8).normal(size=(3, 4))
    x.setflags(write=False)
    expected = func(x.copy())
    np.testing.assert_array_equal(func(x), expected)
    np.testing.assert_array_equal(func(x[:, ::-1]), func(x.copy()[:, ::-1]))


def test_read_only_input_with_temperature_and_axis():
    x = np.random.default_rng(9).normal(size=(3, 4)).astype(np.float32)
    x.setflags(write=False)
    np.testing.assert_array_equal(
        softmax(x, axis=0, temperature=2.0), softmax(x.copy(), axis=0, temperature=2.0)
    )
    np.testing.assert_array_equal(
        log_softmax(x, axis=0, temperature=2.0), log_softmax(x.copy(), axis=0, temperature=2.0)
    )


BAD_KINDS = [
    pytest.param("abc", id="string"),
    pytest.param(["1.0", "2.0"], id="list of strings"),
    pytest.param(np.array([1.0, None], dtype=object), id="object array"),
    pytest.param(np.array([1.0, 2.0], dtype=object), id="object array of floats"),
    pytest.param([1 + 2j, 3.0], id="complex"),
    pytest.param(np.array([1.0, 2.0], dtype=np.complex64), id="complex64"),
    pytest.param([[1.0, 2.0], [3.0]], id="ragged"),
    pytest.param(None, id="None"),
    pytest.param(np.array(["2024-01-01"], dtype="datetime64[D]"), id="datetime"),
]


@pytest.mark.parametrize("x", BAD_KINDS)
@pytest.mark.parametrize("func", [*ROW_FUNCTIONS, sigmoid])
def test_wrong_kind_of_input(func, x):
    with pytest.raises(TypeError, match=r"\bx\b"):
        func(x)


@pytest.mark.parametrize("keepdims", [1, 0, "yes", None])
def test_keepdims_must_be_bool(keepdims):
    with pytest.raises(TypeError, match="keepdims"):
        logsumexp([1.0, 2.0], keepdims=keepdims)


def test_no_warning_for_extreme_inputs():
    """Nothing the library does on finite, infinite or NaN input may warn."""
    rows = np.array(
        [
            [-1.7e308, 1.7e308, 0.0],
            [np.inf, np.inf, 0.0],
            [-np.inf, -np.inf, -np.inf],
            [np.nan, 0.0, 1.0],
            [np.inf, -np.inf, np.nan],
            [1e-320, -1e-320, 0.0],
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for func in ROW_FUNCTIONS:
            func(rows)
            func(rows, axis=0)
        for dtype in (np.float16, np.float32):
            with np.errstate(over="ignore"):
                low = rows.astype(dtype)
            for func in ROW_FUNCTIONS:
                func(low)
        sigmoid(rows)


def test_log_softmax_beyond_the_float_range_is_minus_inf():
    """The exact value -3.4e308 (or -131008 in float16) rounds to -inf."""
    np.testing.assert_array_equal(log_softmax([-1.7e308, 1.7e308]), [-np.inf, 0.0])
    got16 = log_softmax(np.array([65504, -65504], dtype=np.float16))
    np.testing.assert_array_equal(got16, np.array([0.0, -np.inf], dtype=np.float16))
    got16 = log_softmax(np.array([0, -1000], dtype=np.float16), temperature=0.01)
    np.testing.assert_array_equal(got16, np.array([0.0, -np.inf], dtype=np.float16))
