"""Tests for softmax_lib.online: the online softmax, normaliser states and their merge."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_lib.activations import logsumexp, softmax
from softmax_lib.online import (
    NormalizerState,
    merge,
    online_attention,
    online_softmax,
    running_states,
    softmax_from_state,
    state_of,
)

# Any warning (a RuntimeWarning from inf - inf, 0 / 0, overflow) fails the test.
pytestmark = pytest.mark.filterwarnings("error")

INF, NAN = np.inf, np.nan
FLOATS = [np.float64, np.float32, np.float16]
PROPERTY = settings(derandomize=True, max_examples=200, deadline=None)


def rtol_for(dtype, k):
    """Relative tolerance against ``softmax`` for rows of ``k`` entries.

    The online normaliser is a sequential sum of ``k`` terms plus a few
    rescalings, so its worst-case relative error is about ``k`` units of
    roundoff of the compute dtype (observed: below ``k / 4`` units); float16
    outputs may also round to a neighbouring float16 (one more ulp).
    """
    work = np.finfo(np.promote_types(dtype, np.float32)).eps
    out = np.finfo(dtype).eps
    return (k + 2) * work + (out if out > work else 0.0)


def reference_softmax(x, axis=-1):
    """``softmax``, the reference, with its own floating-point warnings silenced.

    ``softmax`` warns (0 / 0) on a batch where some rows hold ``+inf`` and
    others do not, and (overflow) when ``x - max`` overflows, although its
    results are right; those warnings belong to ``activations``, not to the
    code under test here.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        return softmax(x, axis)


def assert_matches_softmax(y, x, axis=-1):
    x = np.asarray(x)
    ref = reference_softmax(x, axis)
    assert y.dtype == ref.dtype and y.shape == ref.shape
    k = max(x.shape[axis], 1)
    np.testing.assert_allclose(
        y.astype(np.float64),
        ref.astype(np.float64),
        rtol=rtol_for(ref.dtype, k),
        atol=float(np.finfo(ref.dtype).smallest_normal),
        equal_nan=True,
    )


def assert_same_bits(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b), strict=True)


# ---------------------------------------------------------------- online_softmax


SHAPES_AXES = [
    ((1,), -1),
    ((6,), 0),
    ((3, 7), -1),
    ((3, 7), 0),
    ((2, 4, 9), 1),
    ((2, 4, 9), -1),
    ((5, 1), -1),
    ((2, 3, 33), -1),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("shape", "axis"), SHAPES_AXES)
def test_online_softmax_equals_softmax_for_every_block_size(dtype, shape, axis):
    rng = np.random.default_rng(sum(shape) + 7 * len(shape))
    x = (500.0 + 4.0 * rng.normal(size=shape)).astype(dtype)  # large offset: exp(x) overflows
    k = shape[axis]
    for block_size in sorted({None, 1, 2, 3, 5, max(k - 1, 1), k, k + 1, 1000}, key=str):
        assert_matches_softmax(online_softmax(x, axis, block_size=block_size), x, axis)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
def test_short_rows_agree_with_softmax_within_a_few_ulps(dtype, k):
    rng = np.random.default_rng(k)
    x = (3.0 * rng.normal(size=(200, k))).astype(dtype)
    for block_size in (None, 2, 3):
        np.testing.assert_array_max_ulp(online_softmax(x, block_size=block_size), softmax(x), 4)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_long_rows_stay_within_the_sequential_sum_bound(dtype):
    rng = np.random.default_rng(3)
    x = (5.0 * rng.normal(size=(20, 1000))).astype(dtype)
    descending = -np.sort(-x, axis=-1)  # the maximum comes first: no rescaling at all
    ascending = np.sort(x, axis=-1)  # a new maximum at every step: a rescaling per entry
    for rows in (x, descending, ascending):
        for block_size in (None, 7, 64):
            assert_matches_softmax(online_softmax(rows, block_size=block_size), rows)


def test_block_size_one_is_the_entry_by_entry_pass_bit_for_bit():
    x = np.random.default_rng(4).normal(size=(6, 25)) * 10
    assert_same_bits(online_softmax(x, block_size=1), online_softmax(x))


def test_one_block_is_the_direct_state_bit_for_bit():
    # merging the single block into the identity must not change a bit
    x = np.random.default_rng(5).normal(size=(6, 25)) * 10
    direct = softmax_from_state(x, state_of(x))
    assert_same_bits(online_softmax(x, block_size=25), direct)
    assert_same_bits(online_softmax(x, block_size=26), direct)


def test_rows_sum_to_one():
    x = np.random.default_rng(6).normal(size=(50, 40)) * 30
    for block_size in (None, 3, 40):
        sums = online_softmax(x, block_size=block_size).sum(-1)
        np.testing.assert_allclose(sums, 1.0, rtol=1e-13)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (np.array([1.0, 2.0], dtype=np.float64), np.float64),
        (np.array([1.0, 2.0], dtype=np.float32), np.float32),
        (np.array([1.0, 2.0], dtype=np.float16), np.float16),
        (np.array([1, 2], dtype=np.int32), np.float64),
        (np.array([1, 2], dtype=np.uint8), np.float64),
        (np.array([True, False]), np.float64),
        ([1, 2, 3], np.float64),
    ],
)
def test_dtypes_follow_the_softmax_conventions(values, expected):
    for block_size in (None, 2):
        y = online_softmax(values, block_size=block_size)
        assert y.dtype == expected
        assert_matches_softmax(y, values)


def test_float16_is_computed_in_float32():
    # float16 would overflow at exp(12) and stall a sum beyond 2048 terms
    x = np.zeros(5000, dtype=np.float16)
    x[0] = 12.0
    y = online_softmax(x)
    assert y.dtype == np.float16
    assert state_of(x).d.dtype == np.float32
    assert_matches_softmax(y, x)
    assert abs(float(y[0]) - np.exp(12.0) / (np.exp(12.0) + 4999)) < 1e-3


SPECIAL_ROWS = np.array(
    [
        [0.0, -INF, 0.0, -INF, -INF],  # masked entries get exactly 0
        [INF, 1.0, INF, -INF, 7.0],  # +inf entries share the mass equally
        [INF, INF, INF, INF, INF],
        [-INF, -INF, -INF, -INF, -INF],  # no softmax: NaN
        [1.0, 2.0, NAN, 3.0, 4.0],  # NaN stays in its row
        [INF, NAN, 0.0, -INF, 0.0],
        [-INF, 5.0, -INF, -INF, -INF],
        [1.0, 2.0, 3.0, 4.0, 5.0],
    ]
)
SPECIAL_EXPECTED = np.array(
    [
        [0.5, 0.0, 0.5, 0.0, 0.0],
        [0.5, 0.0, 0.5, 0.0, 0.0],
        [0.2, 0.2, 0.2, 0.2, 0.2],
        [NAN] * 5,
        [NAN] * 5,
        [NAN] * 5,
        [0.0, 1.0, 0.0, 0.0, 0.0],
        list(softmax([1.0, 2.0, 3.0, 4.0, 5.0])),
    ]
)


@pytest.mark.parametrize("block_size", [None, 1, 2, 3, 4, 5, 6])
def test_special_values_match_softmax(block_size):
    y = online_softmax(SPECIAL_ROWS, block_size=block_size)
    np.testing.assert_allclose(y, SPECIAL_EXPECTED, rtol=1e-15, atol=0)
    assert_matches_softmax(y, SPECIAL_ROWS)
    # the same along axis 0, and in float32
    assert_same_bits(online_softmax(SPECIAL_ROWS.T, axis=0, block_size=block_size), y.T)
    y32 = online_softmax(SPECIAL_ROWS.astype(np.float32), block_size=block_size)
    np.testing.assert_allclose(y32, SPECIAL_EXPECTED, rtol=1e-6, atol=0)


@pytest.mark.parametrize("block_size", [None, 1, 2, 5])
def test_a_difference_that_overflows_gives_zero_not_a_warning(block_size):
    # x - m = -3.4e308 overflows to -inf; e^{-inf} = 0 is the right limit
    x = np.array([-1.7e308, 1.7e308, 0.0, -INF, 1.7e308])
    y = online_softmax(x, block_size=block_size)
    np.testing.assert_array_equal(y, [0.0, 0.5, 0.0, 0.0, 0.5])
    assert_same_bits(state_of(x).d, np.float64(2.0))


def test_nan_rows_do_not_leak_into_other_rows():
    x = np.random.default_rng(8).normal(size=(4, 9))
    x[2, 5] = NAN
    for block_size in (None, 1, 4):
        y = online_softmax(x, block_size=block_size)
        assert np.isnan(y[2]).all()
        assert not np.isnan(np.delete(y, 2, axis=0)).any()
        assert_matches_softmax(np.delete(y, 2, axis=0), np.delete(x, 2, axis=0))


@pytest.mark.parametrize(("shape", "axis"), [((0,), -1), ((3, 0), -1), ((0, 4), 0), ((0, 4), -1)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_empty_input_gives_empty_output(shape, axis, dtype):
    x = np.empty(shape, dtype=dtype)
    for block_size in (None, 2):
        y = online_softmax(x, axis, block_size=block_size)
        assert y.shape == shape and y.dtype == dtype


# ------------------------------------------------------------------ states


@pytest.mark.parametrize(
    ("block", "m", "d"),
    [
        ([2.0], 2.0, 1.0),
        ([-INF], -INF, 0.0),
        ([INF], INF, 1.0),
        ([NAN], NAN, NAN),
        ([0.0, 0.0, 0.0], 0.0, 3.0),
        ([1.0, -INF, 1.0], 1.0, 2.0),
        ([-INF, -INF, -INF], -INF, 0.0),
        ([INF, 3.0, INF, -INF], INF, 2.0),
        ([INF, -INF, NAN], NAN, NAN),
        ([], -INF, 0.0),
    ],
)
def test_state_of_special_blocks(block, m, d):
    s = state_of(np.array(block, dtype=np.float64))
    assert_same_bits(s.m, np.float64(m))
    assert_same_bits(s.d, np.float64(d))


def test_state_of_finite_block_is_max_and_shifted_sum():
    x = np.random.default_rng(9).normal(size=(3, 11)) * 50
    s = state_of(x)
    assert_same_bits(s.m, x.max(-1))
    np.testing.assert_allclose(s.d, np.exp(x - x.max(-1, keepdims=True)).sum(-1), rtol=1e-15)
    assert np.all((s.d >= 1) & (s.d <= 11))
    t = state_of(x.T, axis=0)
    assert_same_bits(t.m, s.m)
    np.testing.assert_allclose(t.d, s.d, rtol=1e-14)


def test_identity_is_minus_inf_and_zero():
    e = NormalizerState.identity()
    assert_same_bits(e.m, np.float64(-INF))
    assert_same_bits(e.d, np.float64(0.0))
    e = NormalizerState.identity((2, 3), np.float32)
    assert e.m.shape == e.d.shape == (2, 3) and e.d.dtype == np.float32
    # one row gives NumPy scalars, not 0-d arrays
    assert isinstance(state_of([1.0, 2.0]).d, np.float64)
    assert isinstance(merge(NormalizerState.identity(), (1.0, 1.0)).m, np.float64)
    assert np.all(np.isneginf(e.m)) and np.all(e.d == 0)


def test_merge_with_inf_states():
    s = merge(NormalizerState(INF, 2.0), NormalizerState(INF, 3.0))
    assert (s.m, s.d) == (INF, 5.0)  # the +inf counts add
    s = merge(NormalizerState(INF, 2.0), NormalizerState(5.0, 1.3))
    assert (s.m, s.d) == (INF, 2.0)  # a finite block has no mass next to +inf
    s = merge(NormalizerState(5.0, 1.3), NormalizerState(-INF, 0.0))
    assert (s.m, s.d) == (5.0, 1.3)
    s = merge(NormalizerState(-INF, 0.0), NormalizerState(-INF, 0.0))
    assert (s.m, s.d) == (-INF, 0.0)  # two all -inf blocks: still the identity, no NaN
    s = merge(NormalizerState(NAN, NAN), NormalizerState(1.0, 1.0))
    assert np.isnan(s.m) and np.isnan(s.d)


def test_merge_of_halves_is_state_of_whole():
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    s = merge(state_of(x[:2]), state_of(x[2:]))
    assert s.m == 5.0
    assert s.d == pytest.approx(np.exp(x - 5.0).sum(), rel=1e-15)


def test_merge_broadcasts_and_promotes():
    rows = state_of(np.random.default_rng(10).normal(size=(4, 6)))
    s = merge(NormalizerState.identity(), rows)
    assert_same_bits(s.m, rows.m)
    assert_same_bits(s.d, rows.d)
    half = merge(state_of(np.ones((4, 3), np.float16)), state_of(np.ones((4, 3), np.float16)))
    assert half.d.dtype == np.float32
    np.testing.assert_array_equal(half.d, 6.0)


def test_state_logsumexp_matches_logsumexp():
    x = np.random.default_rng(11).normal(size=(5, 13)) * 20
    np.testing.assert_allclose(state_of(x).logsumexp(), logsumexp(x), rtol=1e-14)
    specials = np.array([[INF, 0.0], [-INF, -INF], [NAN, 0.0]])
    assert_same_bits(state_of(specials).logsumexp(), logsumexp(specials))
    assert NormalizerState.identity().logsumexp() == -INF


# -------------------------------------------------- merge properties (Hypothesis)


@st.composite
def rows(draw, dtype=np.float64, max_rows=3, max_len=40):
    """A batch of rows: moderate finite logits plus, sometimes, a few +-inf and NaN."""
    n = draw(st.integers(1, max_rows))
    k = draw(st.integers(1, max_len))
    width = 8 * np.dtype(dtype).itemsize
    scale = draw(st.sampled_from([1.0, 30.0, 1e3]))
    x = draw(
        hnp.arrays(
            dtype, (n, k), elements=st.floats(-scale, scale, width=width, allow_subnormal=False)
        )
    )
    x = x.copy()
    mask_count = draw(st.integers(0, k // 2 if draw(st.booleans()) else 0))
    for _ in range(mask_count):
        x[draw(st.integers(0, n - 1)), draw(st.integers(0, k - 1))] = -INF
    for value in draw(st.lists(st.sampled_from([INF, -INF, NAN]), max_size=2)):
        x[draw(st.integers(0, n - 1)), draw(st.integers(0, k - 1))] = value
    return x


def split_points(draw, k):
    return sorted(draw(st.sets(st.integers(1, k - 1), max_size=k - 1))) if k > 1 else []


def merge_tree(states, draw):
    """Merge ``states`` (in row order) along a random binary tree, swapping children at random."""
    if len(states) == 1:
        return states[0]
    cut = draw(st.integers(1, len(states) - 1))
    left, right = merge_tree(states[:cut], draw), merge_tree(states[cut:], draw)
    if draw(st.booleans()):
        left, right = right, left
    return merge(left, right)


def assert_state_close(s, t, k):
    assert_same_bits(np.asarray(s.m), np.asarray(t.m))  # a maximum has no rounding
    np.testing.assert_allclose(s.d, t.d, rtol=rtol_for(np.asarray(t.d).dtype, k), atol=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@PROPERTY
@given(data=st.data())
def test_any_split_and_any_merge_tree_give_the_row_state_and_softmax(dtype, data):
    x = data.draw(rows(dtype))
    k = x.shape[-1]
    cuts = split_points(data.draw, k)
    blocks = np.split(x, cuts, axis=-1)
    states = [state_of(b) for b in blocks]
    for _ in range(data.draw(st.integers(0, 2))):  # the identity may sit anywhere
        where = data.draw(st.integers(0, len(states)))
        states.insert(where, NormalizerState.identity(x.shape[:1], dtype))
    merged = merge_tree(states, data.draw)
    assert_state_close(merged, state_of(x), k)
    assert_matches_softmax(softmax_from_state(x, merged), x)


@PROPERTY
@given(data=st.data())
def test_online_softmax_equals_softmax_on_random_rows_and_blocks(data):
    x = data.draw(rows())
    block_size = data.draw(st.none() | st.integers(1, x.shape[-1] + 2))
    assert_matches_softmax(online_softmax(x, block_size=block_size), x)


@PROPERTY
@given(data=st.data())
def test_merge_identity_is_exact_and_merge_commutes_exactly(data):
    x = data.draw(rows())
    s = state_of(x)
    identity = NormalizerState.identity(x.shape[:1])
    for merged in (merge(identity, s), merge(s, identity)):
        assert_same_bits(merged.m, s.m)
        assert_same_bits(merged.d, s.d)
    cut = data.draw(st.integers(0, x.shape[-1]))
    a, b = state_of(x[:, :cut]), state_of(x[:, cut:])
    ab, ba = merge(a, b), merge(b, a)
    assert_same_bits(ab.m, ba.m)
    assert_same_bits(ab.d, ba.d)


@PROPERTY
@given(data=st.data())
def test_merge_is_associative(data):
    x = data.draw(rows())
    k = x.shape[-1]
    i, j = sorted(data.draw(st.lists(st.integers(0, k), min_size=2, max_size=2)))
    a, b, c = (state_of(x[:, s]) for s in (slice(0, i), slice(i, j), slice(j, k)))
    assert_state_close(merge(merge(a, b), c), merge(a, merge(b, c)), k)


def test_length_one_blocks_reproduce_the_online_pass():
    x = np.array([[0.5, -INF, 3.0, INF, 2.0, INF], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    state = NormalizerState.identity((2,))
    for j in range(x.shape[-1]):
        state = merge(state, state_of(x[:, j : j + 1]))
    last = running_states(x)
    assert_same_bits(state.m, last.m[:, -1])
    assert_same_bits(state.d, last.d[:, -1])
    np.testing.assert_array_equal(state.d[0], 2.0)


# ------------------------------------------------------------- running_states


def test_running_states_records_the_prefix_states():
    x = np.random.default_rng(12).normal(size=(3, 30)) * 10
    s = running_states(x)
    assert s.m.shape == s.d.shape == x.shape
    assert_same_bits(s.m, np.maximum.accumulate(x, axis=-1))
    for j in range(x.shape[-1]):
        np.testing.assert_allclose(s.d[:, j], state_of(x[:, : j + 1]).d, rtol=40 * 2.3e-16)
    assert np.all((s.d >= 1) & (s.d <= np.arange(1, 31)))


def test_running_states_special_values_and_axis():
    x = np.array([-INF, 1.0, INF, INF, 2.0, NAN, 0.0])
    s = running_states(x)
    assert_same_bits(s.m, np.array([-INF, 1.0, INF, INF, INF, NAN, NAN]))
    assert_same_bits(s.d, np.array([0.0, 1.0, 1.0, 2.0, 2.0, NAN, NAN]))
    y = np.random.default_rng(13).normal(size=(4, 5))
    t, u = running_states(y, axis=0), running_states(y.T)
    assert_same_bits(t.m, u.m.T)
    assert_same_bits(t.d, u.d.T)
    assert running_states(np.float16([1, 2])).d.dtype == np.float32
    empty = running_states(np.empty((2, 0)))
    assert empty.m.shape == empty.d.shape == (2, 0)


# ------------------------------------------------------------ softmax_from_state


def test_softmax_from_state_along_another_axis():
    x = np.random.default_rng(14).normal(size=(6, 3))
    y = softmax_from_state(x, state_of(x, axis=0), axis=0)
    assert_matches_softmax(y, x, axis=0)
    assert softmax_from_state(np.float16([0, 1]), state_of(np.float16([0, 1]))).dtype == np.float16


# ------------------------------------------------------------ online_attention


def direct_attention(q, k, v):
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    return softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])) @ v


@pytest.mark.parametrize(
    ("q_shape", "k_shape", "v_shape"),
    [
        ((4, 8), (10, 8), (10, 3)),
        ((1, 1), (1, 1), (1, 1)),
        ((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6)),
        ((2, 1, 5, 4), (3, 7, 4), (1, 7, 2)),  # leading axes broadcast
    ],
)
def test_online_attention_equals_direct_attention(q_shape, k_shape, v_shape):
    rng = np.random.default_rng(len(q_shape) + q_shape[-1])
    q, k, v = rng.normal(size=q_shape), rng.normal(size=k_shape), rng.normal(size=v_shape)
    direct = direct_attention(q, k, v)
    n_k = k_shape[-2]
    for block_size in sorted({None, 1, 2, 3, n_k, n_k + 3}, key=str):
        out = online_attention(q, k, v, block_size=block_size)
        assert out.shape == direct.shape and out.dtype == np.float64
        np.testing.assert_allclose(out, direct, rtol=1e-12, atol=1e-13)


def test_online_attention_with_large_scores_and_low_precision():
    rng = np.random.default_rng(15)
    q, k = 40 * rng.normal(size=(6, 16)), 40 * rng.normal(size=(50, 16))
    v = rng.normal(size=(50, 5))
    direct = direct_attention(q, k, v)  # scores in the hundreds: exp would overflow
    out = online_attention(q, k, v, block_size=8)
    np.testing.assert_allclose(out, direct, rtol=1e-10, atol=1e-12)
    q32, k32, v32 = (a.astype(np.float32) for a in (q / 40, k / 40, v))
    out32 = online_attention(q32, k32, v32, block_size=7)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, direct_attention(q32, k32, v32), rtol=2e-5, atol=2e-6)
    q16, k16, v16 = (a.astype(np.float16) for a in (q / 40, k / 40, v))
    out16 = online_attention(q16, k16, v16, block_size=7)
    assert out16.dtype == np.float16
    np.testing.assert_allclose(out16, direct_attention(q16, k16, v16), rtol=2e-3, atol=2e-3)
    ints = online_attention([[1, 0]], [[1, 0], [0, 1]], [[2], [4]])
    assert ints.dtype == np.float64
    np.testing.assert_allclose(ints, direct_attention([[1, 0]], [[1, 0], [0, 1]], [[2], [4]]))


def test_online_attention_without_queries_is_empty():
    out = online_attention(np.empty((0, 3)), np.ones((4, 3)), np.ones((4, 2)), block_size=2)
    assert out.shape == (0, 2)


# ------------------------------------------------------ warnings and inputs


def test_no_runtime_warning_escapes_on_special_inputs():
    x = np.concatenate([SPECIAL_ROWS, [[-1.7e308, 1.7e308, 0.0, -INF, 1.7e308]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for block_size in (None, 1, 2, 5):
            online_softmax(x, block_size=block_size)
            online_softmax(SPECIAL_ROWS.astype(np.float32), block_size=block_size)
        for r in x:
            state_of(r).logsumexp()
            running_states(r)
        softmax_from_state(x, state_of(x))
        merge(state_of(x), state_of(x[::-1]))
        online_attention(np.full((2, 2), 1e200), np.full((3, 2), 1e200), np.ones((3, 2)))
        online_attention(np.full((2, 2), 1e200), np.full((3, 2), -1e200), np.ones((3, 2)))


def test_inputs_are_not_modified():
    rng = np.random.default_rng(16)
    x = rng.normal(size=(3, 8))
    x[0, 2] = -INF
    q, k, v = rng.normal(size=(2, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    frozen = [x, q, k, v]
    copies = [a.copy() for a in frozen]
    for a in frozen:
        a.flags.writeable = False  # an in-place write would raise
    outputs = [
        online_softmax(x),
        online_softmax(x, block_size=3),
        online_softmax(x, axis=0, block_size=2),
        *state_of(x),
        *running_states(x),
        softmax_from_state(x, state_of(x)),
        online_attention(q, k, v, block_size=2),
    ]
    s = state_of(x)
    s_copy = (s.m.copy(), s.d.copy())
    merge(s, s)
    for a, c in zip(frozen + list(s), copies + list(s_copy), strict=True):
        assert_same_bits(a, c)
    for out in outputs:
        assert not any(np.shares_memory(out, a) for a in frozen)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: online_softmax("abc"), TypeError, "x must be a real numeric array"),
        (lambda: online_softmax([1 + 2j, 0]), TypeError, "x must be"),
        (lambda: online_softmax([[1.0], [2.0, 3.0]]), TypeError, "x must be"),
        (lambda: online_softmax(3.0), ValueError, "at least one dimension"),
        (lambda: online_softmax([1.0, 2.0], axis=1.0), TypeError, "axis must be an integer"),
        (lambda: online_softmax([1.0, 2.0], axis=1), ValueError, "axis=1 is out of range"),
        (lambda: online_softmax([1.0], block_size=0), ValueError, "block_size must be a positive"),
        (lambda: online_softmax([1.0], block_size=-2), ValueError, "block_size"),
        (lambda: online_softmax([1.0], block_size=2.0), TypeError, "block_size"),
        (lambda: online_softmax([1.0], block_size=True), TypeError, "block_size"),
        (lambda: online_softmax([1.0], block_size="4"), TypeError, "block_size"),
        (lambda: state_of(["a"]), TypeError, "x must be"),
        (lambda: state_of([1.0], axis=-2), ValueError, "axis=-2"),
        (lambda: running_states(np.float64(1.0)), ValueError, "at least one dimension"),
        (lambda: merge(3.0, (0.0, 1.0)), TypeError, "a must be a NormalizerState"),
        (lambda: merge((0.0, 1.0), (0.0, 1.0, 2.0)), TypeError, "b must be a NormalizerState"),
        (lambda: merge((0.0, 1.0), ("x", 1.0)), TypeError, "b.m must be"),
        (lambda: merge((0.0, np.ones(2)), (np.zeros(3), 1.0)), ValueError, "broadcast"),
        (lambda: softmax_from_state([1.0, 2.0], 1.0), TypeError, "state must be"),
        (lambda: softmax_from_state(np.ones((2, 3)), (0.0, 1.0)), ValueError, "state must have"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


ONES_1x2 = np.ones((1, 2))


@pytest.mark.parametrize(
    ("q", "k", "v", "block_size", "error", "pattern"),
    [
        ("q", np.ones((2, 2)), np.ones((2, 2)), None, TypeError, "q must be a real"),
        (np.ones(2), np.ones((2, 2)), np.ones((2, 2)), None, ValueError, "q must have"),
        (ONES_1x2, np.ones((2, 3)), np.ones((2, 2)), None, ValueError, "q and k"),
        (ONES_1x2, np.ones((2, 2)), np.ones((3, 2)), None, ValueError, "k and v"),
        (ONES_1x2, np.ones((0, 2)), np.ones((0, 2)), None, ValueError, "k must hold"),
        (np.ones((1, 0)), np.ones((2, 0)), np.ones((2, 1)), None, ValueError, "feature"),
        (ONES_1x2, [[1.0, INF]], ONES_1x2, None, ValueError, "k must be finite"),
        (ONES_1x2, ONES_1x2, [[NAN, 0.0]], None, ValueError, "v must be finite"),
        (np.ones((2, 1, 2)), np.ones((3, 1, 2)), ONES_1x2, None, ValueError, "broadcast"),
        (ONES_1x2, ONES_1x2, ONES_1x2, 0, ValueError, "block_size"),
        (ONES_1x2, ONES_1x2, ONES_1x2, 1.5, TypeError, "block_size"),
    ],
)
def test_bad_attention_input_raises_naming_the_argument(q, k, v, block_size, error, pattern):
    with pytest.raises(error, match=pattern):
        online_attention(q, k, v, block_size=block_size)
