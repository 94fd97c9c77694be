"""Tests of ``cross_entropy`` and ``cross_entropy_grad``.

Three layers: every case of a stored PyTorch reference (inputs, loss and
autograd gradient written by ``tests/data/make_cross_entropy_reference.py``),
unit tests of the errors and of the behaviours chosen for edge cases, and
Hypothesis properties (the gradient against finite differences for every
option, p - y, non-negativity, rows summing to 0, NaN staying in its row).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_lib import (
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    numerical_gradient,
    softmax,
)

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "cross_entropy_reference.json").read_text()
)
CASES = REFERENCE["cases"]
REDUCTIONS = ("mean", "sum", "none")
BOTH = pytest.mark.parametrize("func", [cross_entropy, cross_entropy_grad])

# float32 needs an absolute floor: p - q cancels in the gradient's largest entry.
TOLERANCE = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-14)}


def _floats(hex_strings):
    return np.array([float.fromhex(h) for h in hex_strings], dtype=np.float64)


def _case_inputs(case):
    dtype = np.dtype(case["dtype"])
    shape = tuple(case["logits_shape"])
    logits = _floats(case["logits"]).reshape(shape).astype(dtype)
    if case["target_kind"] == "index":
        target = np.array(case["target"], dtype=np.int64).reshape(shape[:-1])
    else:
        target = _floats(case["target"]).reshape(shape).astype(dtype)
    weight = None if case["weight"] is None else _floats(case["weight"]).astype(dtype)
    options = dict(
        weight=weight,
        ignore_index=case["ignore_index"],
        reduction=case["reduction"],
        label_smoothing=case["label_smoothing"],
    )
    return logits, target, options


# --------------------------------------------------------------------------
# PyTorch reference
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_matches_pytorch_reference(case):
    logits, target, options = _case_inputs(case)
    want = case.get("expected", case["torch"])  # "expected": a documented deviation
    rows_shape = logits.shape[:-1] if options["reduction"] == "none" else ()
    want_loss = _floats(want["loss"]).reshape(rows_shape)
    want_grad = _floats(want["grad"]).reshape(logits.shape)
    tolerance = TOLERANCE[case["dtype"]]

    loss = cross_entropy(logits, target, **options)
    grad = cross_entropy_grad(logits, target, **options)

    assert loss.dtype == logits.dtype and grad.dtype == logits.dtype
    if options["reduction"] == "none":
        assert isinstance(loss, np.ndarray) and loss.shape == logits.shape[:-1]
    else:
        assert isinstance(loss, np.floating)
    assert grad.shape == logits.shape
    np.testing.assert_allclose(np.asarray(loss, dtype=np.float64), want_loss, **tolerance)
    np.testing.assert_allclose(grad.astype(np.float64), want_grad, **tolerance)


@pytest.mark.parametrize(
    "case", [c for c in CASES if "deviation" in c], ids=lambda c: c["id"]
)
def test_documented_deviations_differ_from_pytorch(case):
    # Guards the meaning of "expected": each deviation is a NaN in PyTorch's
    # result where the limit the library documents is a number.
    torch_values = np.concatenate([_floats(case["torch"]["loss"]), _floats(case["torch"]["grad"])])
    want = np.concatenate([_floats(case["expected"]["loss"]), _floats(case["expected"]["grad"])])
    differs = np.isnan(torch_values) & ~np.isnan(want)
    assert differs.any()


def test_reference_covers_every_option():
    seen = {
        key: {json.dumps(case[key]) for case in CASES}
        for key in ("target_kind", "dtype", "reduction", "label_smoothing", "ignore_index")
    }
    assert seen["target_kind"] == {'"index"', '"probability"'}
    assert seen["dtype"] == {'"float32"', '"float64"'}
    assert seen["reduction"] == {'"mean"', '"sum"', '"none"'}
    assert {"0.0", "0.1", "1.0"} <= seen["label_smoothing"]
    assert {"-100", "1", "-1"} <= seen["ignore_index"]
    ndims = {len(case["logits_shape"]) for case in CASES}
    assert {1, 2, 3} <= ndims
    assert any(case["weight"] is not None for case in CASES)
    assert any(case["target_kind"] == "index" and -100 in case["target"] for case in CASES)
    assert len(CASES) >= 300


# --------------------------------------------------------------------------
# Bad input: each error names the argument
# --------------------------------------------------------------------------

LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
LABELS = np.array([0, 1])


@BOTH
@pytest.mark.parametrize(
    "logits, target, error, pattern",
    [
        (["a", "b"], 0, TypeError, "logits must be a real numeric array"),
        ([1 + 2j, 3j], 0, TypeError, "logits must be a real numeric array"),
        ([[1.0, 2.0], [3.0]], [0, 0], TypeError, "logits must be a real numeric array"),
        (3.0, 0, ValueError, "logits must have at least one dimension"),
        (np.zeros((2, 0)), [-100, -100], ValueError, "logits must have at least one class"),
    ],
)
def test_bad_logits(func, logits, target, error, pattern):
    with pytest.raises(error, match=pattern):
        func(logits, target)


@BOTH
@pytest.mark.parametrize(
    "target, error, pattern",
    [
        (["a", "b"], TypeError, "target must be integer class indices"),
        ([[0], [1, 2]], TypeError, "target must be a numeric array"),
        (np.array([True, False]), TypeError, "target .* bool"),
        (np.array([0, 1, 2]), ValueError, r"target of class indices .* shape"),
        (np.array([[0, 1, 0], [1, 0, 0]]), ValueError, r"target of class indices .* shape"),
        (np.array([0.0, 1.0]), ValueError, r"target of class probabilities .* shape"),
        (np.ones((2, 4)), ValueError, r"target of class probabilities .* shape"),
        (np.array([0, 3]), IndexError, r"target holds the class index 3"),
        (np.array([-1, 0]), IndexError, r"target holds the class index -1"),
        (np.array([0, 2**40], dtype=np.uint64), IndexError, "target holds the class index"),
        (np.array([0, 2**63 + 1], dtype=np.uint64), IndexError, "target holds the class index"),
    ],
)
def test_bad_target(func, target, error, pattern):
    with pytest.raises(error, match=pattern):
        func(LOGITS, target)


@BOTH
def test_index_outside_range_with_custom_ignore_index(func):
    func(LOGITS, np.array([-1, 0]), ignore_index=-1)  # -1 is ignored, fine
    with pytest.raises(IndexError, match="target holds the class index -2"):
        func(LOGITS, np.array([-1, -2]), ignore_index=-1)


@BOTH
@pytest.mark.parametrize(
    "weight, error, pattern",
    [
        (np.ones(4), ValueError, r"weight must have shape \(3,\)"),
        (np.ones((1, 3)), ValueError, r"weight must have shape \(3,\)"),
        (2.0, ValueError, r"weight must have shape \(3,\)"),
        (np.array([1.0, np.nan, 1.0]), ValueError, "weight must be finite"),
        (np.array([1.0, np.inf, 1.0]), ValueError, "weight must be finite"),
        (["a", "b", "c"], TypeError, "weight"),
    ],
)
def test_bad_weight(func, weight, error, pattern):
    with pytest.raises(error, match=pattern):
        func(LOGITS, LABELS, weight=weight)


@BOTH
@pytest.mark.parametrize(
    "smoothing, error",
    [(-0.1, ValueError), (1.5, ValueError), (np.nan, ValueError), (np.inf, ValueError),
     ("0.1", TypeError), (True, TypeError), (None, TypeError)],
)
def test_bad_label_smoothing(func, smoothing, error):
    with pytest.raises(error, match="label_smoothing"):
        func(LOGITS, LABELS, label_smoothing=smoothing)


@BOTH
@pytest.mark.parametrize(
    "reduction, error", [("avg", ValueError), ("Mean", ValueError), (None, TypeError)]
)
def test_bad_reduction(func, reduction, error):
    with pytest.raises(error, match="reduction"):
        func(LOGITS, LABELS, reduction=reduction)


@BOTH
@pytest.mark.parametrize("ignore_index", [1.5, True, "1", None])
def test_bad_ignore_index(func, ignore_index):
    with pytest.raises(TypeError, match="ignore_index"):
        func(LOGITS, LABELS, ignore_index=ignore_index)


@BOTH
@pytest.mark.parametrize("ignore_index", [0, 1, 5])
def test_probability_targets_refuse_a_non_negative_ignore_index(func, ignore_index):
    soft = softmax(LOGITS[::-1])
    with pytest.raises(ValueError, match="ignore_index"):
        func(LOGITS, soft, ignore_index=ignore_index)


# --------------------------------------------------------------------------
# Behaviours chosen for edge cases
# --------------------------------------------------------------------------


def test_float_targets_are_probabilities_even_when_integer_valued():
    one_hot = np.eye(3)[LABELS]  # 0.0 and 1.0 only: still probabilities, as in PyTorch
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            cross_entropy(LOGITS, one_hot, reduction=reduction),
            cross_entropy(LOGITS, LABELS, reduction=reduction),
            rtol=1e-15,
        )
    np.testing.assert_allclose(
        cross_entropy_grad(LOGITS, one_hot), cross_entropy_grad(LOGITS, LABELS), rtol=1e-15
    )
    # a float array of the indices' shape is refused, not read as indices
    with pytest.raises(ValueError, match="probabilities"):
        cross_entropy(LOGITS, LABELS.astype(float))


def test_weighted_mean_of_probability_targets_divides_by_the_number_of_rows():
    weight = np.array([1.0, 3.0, 1.0])
    one_hot = np.eye(3)[LABELS]
    rows = cross_entropy(LOGITS, one_hot, weight=weight, reduction="none")
    assert cross_entropy(LOGITS, one_hot, weight=weight) == pytest.approx(rows.sum() / 2)
    # ... while index targets divide by the weights of their classes, 1 + 3
    assert cross_entropy(LOGITS, LABELS, weight=weight) == pytest.approx(rows.sum() / 4)


def test_index_loss_formula_with_weights_and_smoothing():
    weight, eps, n_classes = np.array([0.5, 2.0, 1.5]), 0.2, 3
    log_p = log_softmax(LOGITS)
    rows = [
        (1 - eps) * weight[y] * -log_p[n, y] + eps / n_classes * np.sum(weight * -log_p[n])
        for n, y in enumerate(LABELS)
    ]
    got = cross_entropy(LOGITS, LABELS, weight=weight, label_smoothing=eps, reduction="none")
    np.testing.assert_allclose(got, rows, rtol=1e-14)
    mean = cross_entropy(LOGITS, LABELS, weight=weight, label_smoothing=eps)
    assert mean == pytest.approx(sum(rows) / weight[LABELS].sum(), rel=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unbatched_logits_with_a_0d_target(reduction):
    row, weight = LOGITS[1], np.array([0.5, 2.0, 1.5])
    loss = cross_entropy(row, 1, weight=weight, reduction=reduction)
    batched = cross_entropy(row[None], [1], weight=weight, reduction=reduction)
    grad = cross_entropy_grad(row, np.int64(1), weight=weight, reduction=reduction)
    if reduction == "none":
        assert isinstance(loss, np.ndarray) and loss.shape == ()
        batched = batched[0]
    else:
        assert isinstance(loss, np.float64)
    assert loss == pytest.approx(batched, rel=1e-15)
    assert grad.shape == (3,)
    np.testing.assert_allclose(
        grad, cross_entropy_grad(row[None], [1], weight=weight, reduction=reduction)[0]
    )
    # the mean of one weighted row divides by its own weight
    if reduction == "mean":
        assert loss == pytest.approx(-log_softmax(row)[1], rel=1e-15)


@pytest.mark.parametrize("kind", ["index", "probability"])
def test_empty_batch(kind):
    logits = np.zeros((0, 3), dtype=np.float32)
    target = np.zeros(0, dtype=int) if kind == "index" else np.zeros((0, 3), dtype=np.float32)
    mean = cross_entropy(logits, target)
    assert isinstance(mean, np.float32) and np.isnan(mean)  # 0 / 0, as in PyTorch
    total = cross_entropy(logits, target, reduction="sum")
    assert isinstance(total, np.float32) and total == 0.0
    rows = cross_entropy(logits, target, reduction="none")
    assert rows.shape == (0,) and rows.dtype == np.float32
    grad = cross_entropy_grad(logits, target)
    assert grad.shape == (0, 3) and grad.dtype == np.float32


def test_every_target_ignored():
    target = np.array([-100, -100])
    assert np.isnan(cross_entropy(LOGITS, target))  # a mean over nothing
    assert np.isnan(cross_entropy(LOGITS, target, weight=[1.0, 2.0, 3.0], label_smoothing=0.1))
    assert cross_entropy(LOGITS, target, reduction="sum") == 0.0
    np.testing.assert_array_equal(cross_entropy(LOGITS, target, reduction="none"), [0.0, 0.0])
    for reduction in REDUCTIONS:
        np.testing.assert_array_equal(
            cross_entropy_grad(LOGITS, target, reduction=reduction), np.zeros_like(LOGITS)
        )


def test_ignored_row_takes_no_part_even_when_nan():
    logits = LOGITS.copy()
    logits[1, 0] = np.nan
    rows = cross_entropy(logits, [0, -100], reduction="none", label_smoothing=0.1)
    assert rows[1] == 0.0 and np.isfinite(rows[0])
    grad = cross_entropy_grad(logits, [0, -100], label_smoothing=0.1)
    np.testing.assert_array_equal(grad[1], 0.0)
    assert np.all(np.isfinite(grad[0]))


def test_nan_logit_spoils_only_its_row():
    logits = LOGITS.copy()
    logits[0, 2] = np.nan
    rows = cross_entropy(logits, LABELS, reduction="none")
    assert np.isnan(rows[0]) and rows[1] == cross_entropy(LOGITS, LABELS, reduction="none")[1]
    assert np.isnan(cross_entropy(logits, LABELS))
    grad = cross_entropy_grad(logits, LABELS)
    assert np.all(np.isnan(grad[0]))
    np.testing.assert_array_equal(grad[1], cross_entropy_grad(LOGITS, LABELS)[1])


@pytest.mark.parametrize("kind", ["index", "probability"])
def test_neginf_logit_is_a_deleted_class_when_the_target_avoids_it(kind):
    # 0 * log 0 = 0: a masked class adds nothing (PyTorch gives NaN for probabilities)
    masked = np.array([[2.0, -np.inf, 1.0, 0.1], [0.5, -np.inf, 2.5, 0.3]])
    kept = masked[:, [0, 2, 3]]
    if kind == "index":
        target, kept_target = np.array([0, 2]), np.array([0, 1])
    else:
        kept_target = softmax(np.array([[0.3, 1.0, -1.0], [0.0, 0.2, 0.4]]))
        target = np.insert(kept_target, 1, 0.0, axis=1)
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            cross_entropy(masked, target, reduction=reduction),
            cross_entropy(kept, kept_target, reduction=reduction),
            rtol=1e-15,
        )
    grad = cross_entropy_grad(masked, target)
    np.testing.assert_array_equal(grad[:, 1], 0.0)
    np.testing.assert_allclose(grad[:, [0, 2, 3]], cross_entropy_grad(kept, kept_target))


def test_neginf_logit_with_target_weight_gives_infinite_loss():
    masked = np.array([2.0, -np.inf, 1.0])
    assert cross_entropy(masked, 1) == np.inf
    assert cross_entropy(masked, 0, label_smoothing=0.1) == np.inf  # smoothing reaches it
    grad = cross_entropy_grad(masked, 1)  # finite: p - y
    np.testing.assert_allclose(grad, softmax(masked) - [0.0, 1.0, 0.0])
    assert np.isnan(cross_entropy([-np.inf, -np.inf], 0))  # no distribution at all


def test_posinf_logits_take_the_limit():
    assert cross_entropy([np.inf, 0.0, 1.0], 0) == 0.0
    assert cross_entropy([np.inf, 0.0, 1.0], 1) == np.inf
    assert cross_entropy([np.inf, np.inf, 1.0], 0) == pytest.approx(np.log(2.0), rel=1e-15)
    np.testing.assert_allclose(cross_entropy_grad([np.inf, np.inf, 1.0], 0), [-0.5, 0.5, 0.0])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("kind", ["index", "probability"])
def test_floating_dtypes_are_kept(dtype, kind):
    logits = LOGITS.astype(dtype)
    target = LABELS if kind == "index" else softmax(LOGITS[::-1]).astype(dtype)
    weight = np.array([0.5, 2.0, 1.5])  # float64 weights do not promote the result
    exact = cross_entropy(logits.astype(np.float64), target.astype(np.float64 if kind ==
                          "probability" else np.int64), weight=weight, reduction="none")
    for reduction in REDUCTIONS:
        loss = cross_entropy(logits, target, weight=weight, reduction=reduction)
        assert loss.dtype == dtype
        assert isinstance(loss, np.ndarray if reduction == "none" else np.floating)
        grad = cross_entropy_grad(logits, target, weight=weight, reduction=reduction)
        assert grad.dtype == dtype and grad.shape == logits.shape
    rtol = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-15}[dtype]
    np.testing.assert_allclose(
        cross_entropy(logits, target, weight=weight, reduction="none"), exact, rtol=rtol
    )


@pytest.mark.parametrize("logits", [[[2, 1, 0], [0, 2, 3]], np.array([[True, False, False]])])
def test_integer_and_bool_logits_give_float64(logits):
    n_rows = np.shape(logits)[0]
    labels = np.zeros(n_rows, dtype=int)
    loss = cross_entropy(logits, labels)
    assert isinstance(loss, np.float64)
    assert loss == cross_entropy(np.asarray(logits, dtype=np.float64), labels)
    assert cross_entropy_grad(logits, labels).dtype == np.float64


def test_unsigned_and_list_targets():
    expected = cross_entropy(LOGITS, LABELS)
    assert cross_entropy(LOGITS, LABELS.astype(np.uint8)) == expected
    assert cross_entropy(LOGITS.tolist(), [0, 1]) == expected
    assert cross_entropy(LOGITS, LABELS, weight=[1, 1, 1]) == expected


def test_full_label_smoothing_forgets_the_target():
    for label in range(3):
        assert cross_entropy(LOGITS[0], label, label_smoothing=1.0) == pytest.approx(
            -np.mean(log_softmax(LOGITS[0])), rel=1e-15
        )


def test_inputs_are_not_modified():
    logits = np.array([[2.0, -np.inf, 0.1], [np.nan, 2.5, 0.3], [0.0, 1.0, 2.0]])
    target = np.array([0, -100, 2])
    soft = np.array([[0.5, 0.0, 0.5], [0.2, 0.2, 0.6], [0.0, 0.0, 1.0]])
    weight = np.array([0.5, 2.0, 1.5])
    copies = [a.copy() for a in (logits, target, soft, weight)]
    for func in (cross_entropy, cross_entropy_grad):
        for reduction in REDUCTIONS:
            func(logits, target, weight=weight, reduction=reduction, label_smoothing=0.1)
            func(logits, soft, weight=weight, reduction=reduction, label_smoothing=0.1)
    for original, copy in zip((logits, target, soft, weight), copies):
        np.testing.assert_array_equal(original, copy)


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

ROW_SHAPES = [(), (1,), (3,), (2, 2)]


@st.composite
def problems(draw, kind=None, weights=True, smoothing=True, ignoring=True,
             non_negative_weights=False):
    """(logits, target, options) of float64, moderate logits, any option."""
    rows = draw(st.sampled_from(ROW_SHAPES))
    n_classes = draw(st.integers(1, 5))
    logits = draw(hnp.arrays(np.float64, rows + (n_classes,),
                             elements=st.floats(-8.0, 8.0, allow_subnormal=False)))
    kind = kind or draw(st.sampled_from(["index", "probability"]))
    if kind == "index":
        ignore_index = draw(st.sampled_from([-100, -1, 0, 2])) if ignoring else -100
        target = draw(hnp.arrays(np.int64, rows, elements=st.integers(0, n_classes - 1)))
        if ignoring:
            ignored = draw(hnp.arrays(np.bool_, rows))
            target = np.where(ignored, ignore_index, target)
    else:
        ignore_index = draw(st.sampled_from([-100, -1]))
        target = draw(hnp.arrays(np.float64, rows + (n_classes,),
                                 elements=st.floats(0.0, 1.0, allow_subnormal=False)))
    weight = None
    if weights and draw(st.booleans()):
        low = 0.0 if non_negative_weights else 0.1
        weight = draw(hnp.arrays(np.float64, (n_classes,), elements=st.floats(low, 3.0)))
    eps = draw(st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0)) if smoothing else 0.0
    options = dict(weight=weight, ignore_index=ignore_index,
                   reduction=draw(st.sampled_from(REDUCTIONS)), label_smoothing=eps)
    return logits, target, options


def _scalar_loss(target, options):
    def loss(z):
        return np.sum(cross_entropy(z, target, **options))  # the sum for "none"
    return loss


@settings(deadline=None, max_examples=150)
@given(problems())
def test_gradient_matches_finite_differences(problem):
    logits, target, options = problem
    assume(np.isfinite(cross_entropy(logits, target, **options)).all())  # not a mean of nothing
    numeric = numerical_gradient(_scalar_loss(target, options), logits)
    analytic = cross_entropy_grad(logits, target, **options)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7)


@settings(deadline=None)
@given(problems(kind="index", weights=False, smoothing=False, ignoring=False))
def test_gradient_is_softmax_minus_one_hot_over_n(problem):
    logits, target, options = problem
    n_classes = logits.shape[-1]
    one_hot = np.eye(n_classes)[target]
    n_rows = target.size
    expected = softmax(logits) - one_hot
    if options["reduction"] == "mean":
        expected = expected / n_rows
    np.testing.assert_allclose(cross_entropy_grad(logits, target, **options), expected,
                               rtol=1e-12, atol=1e-15)


@settings(deadline=None)
@given(problems(non_negative_weights=True))
def test_loss_is_non_negative_for_non_negative_targets_and_weights(problem):
    logits, target, options = problem
    rows = cross_entropy(logits, target, **{**options, "reduction": "none"})
    assert np.all(rows >= 0.0)


@settings(deadline=None)
@given(problems(weights=False))
def test_gradient_rows_sum_to_zero_for_targets_summing_to_one(problem):
    logits, target, options = problem
    if target.dtype.kind == "f":
        assume(np.all(target.sum(axis=-1) > 0.1))
        target = target / target.sum(axis=-1, keepdims=True)
    grad = cross_entropy_grad(logits, target, **options)
    np.testing.assert_allclose(grad.sum(axis=-1), 0.0, atol=1e-14)


@settings(deadline=None)
@given(problems(kind="index", ignoring=False))
def test_index_and_one_hot_targets_agree_row_by_row(problem):
    logits, target, options = problem
    one_hot = np.eye(logits.shape[-1])[target]
    row_options = {**options, "reduction": "none"}
    np.testing.assert_allclose(cross_entropy(logits, one_hot, **row_options),
                               cross_entropy(logits, target, **row_options), rtol=1e-13)
    np.testing.assert_allclose(cross_entropy_grad(logits, one_hot, **row_options),
                               cross_entropy_grad(logits, target, **row_options),
                               rtol=1e-13, atol=1e-15)


@settings(deadline=None)
@given(problems(), st.floats(-50.0, 50.0))
def test_shifting_a_row_changes_nothing(problem, shift):
    logits, target, options = problem
    shifted = logits + shift
    np.testing.assert_allclose(cross_entropy(shifted, target, **options),
                               cross_entropy(logits, target, **options), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cross_entropy_grad(shifted, target, **options),
                               cross_entropy_grad(logits, target, **options), atol=1e-12)


@settings(deadline=None)
@given(problems(), st.data())
def test_nan_in_one_row_stays_in_that_row(problem, data):
    logits, target, options = problem
    assume(logits.ndim >= 2 and logits.shape[0] >= 2)
    row = data.draw(st.integers(0, logits.shape[0] - 1))
    column = data.draw(st.integers(0, logits.shape[-1] - 1))
    spoiled = logits.copy()
    spoiled[(row,) + (0,) * (logits.ndim - 2) + (column,)] = np.nan
    options = {**options, "reduction": "none"}
    clean_loss = cross_entropy(logits, target, **options)
    clean_grad = cross_entropy_grad(logits, target, **options)
    loss = cross_entropy(spoiled, target, **options)
    grad = cross_entropy_grad(spoiled, target, **options)
    nan_rows = np.isnan(spoiled).any(axis=-1)
    np.testing.assert_array_equal(loss[~nan_rows], clean_loss[~nan_rows])
    np.testing.assert_array_equal(grad[~nan_rows], clean_grad[~nan_rows])
    if target.dtype.kind == "f":
        active = np.ones(nan_rows.shape, dtype=bool)
    else:
        active = target != options["ignore_index"]
    assert np.all(np.isnan(loss[nan_rows & active]))
    assert np.all(np.isnan(grad[nan_rows & active]))
    np.testing.assert_array_equal(loss[nan_rows & ~active], 0.0)


# --------------------------------------------------------------------------
# The loss and the gradient from one call (return_loss=True)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_return_loss_gives_the_two_separate_results_bit_for_bit(case):
    logits, target, options = _case_inputs(case)
    loss, grad = cross_entropy_grad(logits, target, return_loss=True, **options)
    want_loss = cross_entropy(logits, target, **options)
    want_grad = cross_entropy_grad(logits, target, **options)
    assert type(loss) is type(want_loss) and loss.dtype == want_loss.dtype
    np.testing.assert_array_equal(loss, want_loss)
    assert grad.dtype == want_grad.dtype
    np.testing.assert_array_equal(grad, want_grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_return_loss_on_rows_of_every_kind(dtype, reduction):
    # Ordinary rows, rows that need a shift (far below 0, far above), masked
    # classes, +inf and NaN logits, and ignored rows, in several blocks.
    rng = np.random.default_rng(12)
    logits = rng.normal(scale=4.0, size=(300, 4000))
    logits[1] -= 3000.0
    logits[2] += 800.0
    logits[3, ::3] = -np.inf
    logits[4, 7] = np.inf
    logits[5, 9] = np.nan
    logits = logits.astype(dtype)
    target = rng.integers(0, 4000, size=300)
    target[6] = -100
    target[3] = 1
    loss, grad = cross_entropy_grad(logits, target, reduction=reduction, return_loss=True)
    np.testing.assert_array_equal(loss, cross_entropy(logits, target, reduction=reduction))
    np.testing.assert_array_equal(grad, cross_entropy_grad(logits, target, reduction=reduction))


@pytest.mark.parametrize("flag", [1, "yes", None])
def test_return_loss_must_be_a_bool(flag):
    with pytest.raises(TypeError, match="return_loss"):
        cross_entropy_grad(np.zeros((2, 3)), [0, 1], return_loss=flag)
