"""Tests for softmax_lib.information: entropy, cross-entropy, KL divergence, Huffman codes."""

import itertools
import math

import mpmath
import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_lib._checks import sum_tolerance
from softmax_lib.information import (
    average_code_length,
    cross_entropy,
    entropy,
    huffman_code,
    kl_divergence,
    kraft_sum,
)

PROPERTY = settings(derandomize=True, max_examples=300, deadline=None)


# ---------------------------------------------------------------------------
# helpers and strategies
# ---------------------------------------------------------------------------


def random_distributions(rng, shape, zeros=0.0):
    """Dirichlet samples along the last axis; a fraction ``zeros`` of entries set to 0."""
    x = rng.gamma(0.7, size=shape)
    if zeros:
        x[rng.random(shape) < zeros] = 0.0
        empty = x.sum(axis=-1) == 0
        x[empty, 0] = 1.0
    return x / x.sum(axis=-1, keepdims=True)


def is_prefix_free(code):
    return not any(
        a.startswith(b) for a, b in itertools.permutations(code, 2)
    ) and len(set(code)) == len(code)


def bits(p):
    """Entropy in bits from mpmath at 50 digits (an independent reference)."""
    with mpmath.workdps(50):
        terms = (mpmath.mpf(x) * mpmath.log(mpmath.mpf(x), 2) for x in p if x > 0)
        return float(-mpmath.fsum(terms))


def optimal_average_length(p):
    """Least average codeword length over every full binary tree with leaves ``p``.

    Exhaustive: a full binary tree with K leaves is built by K - 1 merges, and
    every merge order of every pair is tried; a merge of total weight w adds w
    to the average length (each leaf below it gets one bit deeper).
    """
    memo = {}

    def best(weights):
        if len(weights) == 1:
            return 0.0
        key = tuple(sorted(weights))
        if key not in memo:
            costs = []
            for i, j in itertools.combinations(range(len(weights)), 2):
                merged = weights[i] + weights[j]
                rest = weights[:i] + weights[i + 1 : j] + weights[j + 1 :]
                costs.append(merged + best(rest + (merged,)))
            memo[key] = min(costs)
        return memo[key]

    return best(tuple(float(x) for x in p))


def random_dyadic(rng, k):
    """A random distribution whose entries are powers of 1/2 (leaves of a random full tree)."""
    leaves = [1.0]
    while len(leaves) < k:
        half = leaves.pop(int(rng.integers(len(leaves)))) / 2
        leaves += [half, half]
    return np.array(rng.permutation(leaves))


weight = st.one_of(st.just(0.0), st.floats(1e-6, 1.0))


@st.composite
def distributions(draw, k=None):
    k = draw(st.integers(1, 12)) if k is None else k
    w = np.array(draw(st.lists(weight, min_size=k, max_size=k)))
    if w.sum() == 0:
        w[draw(st.integers(0, k - 1))] = 1.0
    return w / w.sum()


@st.composite
def pairs(draw):
    k = draw(st.integers(1, 12))
    return draw(distributions(k)), draw(distributions(k))


# ---------------------------------------------------------------------------
# known values
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 5, 7, 10, 64, 1000])
def test_entropy_of_uniform_is_log_k(k):
    p = np.full(k, 1.0 / k)
    assert entropy(p) == pytest.approx(math.log(k), rel=1e-14, abs=1e-15)
    assert entropy(p, base=2) == pytest.approx(math.log2(k), rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("k", [1, 2, 4, 8, 256])
def test_entropy_of_uniform_power_of_two_is_exact_in_bits(k):
    assert entropy(np.full(k, 1.0 / k), base=2) == math.log2(k)


def test_binary_entropy():
    assert entropy([0.5, 0.5], base=2) == 1.0
    assert entropy([0.5, 0.5]) == pytest.approx(math.log(2), rel=1e-15)
    for x in [1e-9, 0.01, 0.11, 0.3]:
        h = entropy([x, 1 - x], base=2)
        assert h == pytest.approx(bits([x, 1 - x]), rel=1e-14)
        assert h == pytest.approx(entropy([1 - x, x], base=2), rel=1e-15)
    assert entropy([1.0, 0.0], base=2) == 0.0


def test_book_example_half_quarter_quarter():
    p = [0.5, 0.25, 0.25]
    assert entropy(p, base=2) == 1.5
    code = huffman_code(p)
    assert code == ["0", "10", "11"]
    assert [len(word) for word in code] == [1, 2, 2]
    assert average_code_length(p, code) == 1.5
    assert kraft_sum(code) == 1.0


def test_kl_divergence_is_not_symmetric():
    p, q = [0.5, 0.5], [0.25, 0.75]
    # closed forms: 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75) = 0.5 ln(4/3);
    # 0.25 ln(0.25/0.5) + 0.75 ln(0.75/0.5) = 0.75 ln 3 - ln 2
    assert kl_divergence(p, q) == pytest.approx(0.5 * math.log(4 / 3), rel=1e-15)
    assert kl_divergence(q, p) == pytest.approx(0.75 * math.log(3) - math.log(2), rel=1e-14)
    assert abs(kl_divergence(p, q) - kl_divergence(q, p)) > 0.01


def test_cross_entropy_known_value_and_decomposition():
    p, q = [0.5, 0.25, 0.25], [0.25, 0.25, 0.5]
    # -(0.5 log2 0.25 + 0.25 log2 0.25 + 0.25 log2 0.5) = 1 + 0.5 + 0.25
    assert cross_entropy(p, q, base=2) == 1.75
    assert kl_divergence(p, q, base=2) == pytest.approx(0.25, rel=1e-15)
    assert cross_entropy(p, p, base=2) == entropy(p, base=2)


# ---------------------------------------------------------------------------
# agreement with SciPy on random inputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("zeros", [0.0, 0.3])
def test_entropy_matches_scipy(zeros):
    rng = np.random.default_rng(1)
    p = random_distributions(rng, (6, 5, 9), zeros)
    np.testing.assert_allclose(entropy(p), scipy.special.entr(p).sum(-1), rtol=1e-13, atol=0)
    for base in [2, 3, 10, 0.5]:
        np.testing.assert_allclose(
            entropy(p, base=base), scipy.stats.entropy(p, base=base, axis=-1), rtol=1e-13
        )


@pytest.mark.parametrize("zeros", [0.0, 0.3])
def test_kl_divergence_matches_scipy(zeros):
    rng = np.random.default_rng(2)
    p = random_distributions(rng, (6, 5, 9), zeros)
    q = random_distributions(rng, (6, 5, 9), zeros)
    expected = scipy.special.rel_entr(p, q).sum(-1)
    got = kl_divergence(p, q)
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(got), finite)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        kl_divergence(p, q, base=2)[finite],
        scipy.stats.entropy(p, q, base=2, axis=-1)[finite],
        rtol=1e-12,
        atol=1e-15,
    )
    if zeros:
        assert not finite.all()  # the infinite case was exercised


@pytest.mark.parametrize("zeros", [0.0, 0.3])
def test_cross_entropy_matches_scipy(zeros):
    rng = np.random.default_rng(3)
    p = random_distributions(rng, (6, 5, 9), zeros)
    q = random_distributions(rng, (6, 5, 9), zeros)
    expected = -scipy.special.xlogy(p, q).sum(-1)
    got = cross_entropy(p, q)
    finite = np.isfinite(expected)
    assert np.array_equal(np.isposinf(got), ~finite)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-13)
    np.testing.assert_allclose(
        cross_entropy(p, q, base=2)[finite], expected[finite] / math.log(2), rtol=1e-13
    )


# ---------------------------------------------------------------------------
# properties (Hypothesis)
# ---------------------------------------------------------------------------


@PROPERTY
@given(pairs())
def test_gibbs_inequality(pq):
    p, q = pq
    h, hpq = entropy(p), cross_entropy(p, q)
    assert hpq >= h - 1e-14 * max(1.0, h)


@PROPERTY
@given(pairs())
def test_kl_is_never_negative_and_is_the_gap_of_gibbs(pq):
    p, q = pq
    d = kl_divergence(p, q)
    assert d >= 0  # exactly: every term of the sum is >= 0
    hpq = cross_entropy(p, q)
    assert np.isinf(d) == np.isinf(hpq)
    if np.isfinite(d):
        assert d == pytest.approx(hpq - entropy(p), abs=1e-13 * max(1.0, hpq))


@PROPERTY
@given(distributions())
def test_entropy_bounds_and_kl_to_itself(p):
    h = entropy(p)
    assert 0 <= h <= math.log(p.size) * (1 + 1e-14) + 1e-15
    assert kl_divergence(p, p) == 0.0
    assert cross_entropy(p, p) == pytest.approx(h, rel=1e-14, abs=1e-15)


def test_kl_divergence_is_accurate_when_q_is_close_to_p():
    # KL is tiny here, and H(p, q) - H(p) or a plain sum of p log(p/q) lose
    # most digits; compare with the same sum at 60 digits on the same inputs.
    rng = np.random.default_rng(4)
    worst = 0.0
    for _ in range(200):
        k = int(rng.integers(2, 12))
        p = random_distributions(rng, k)
        q = np.abs(p * (1 + 10.0 ** rng.uniform(-12, -1) * rng.standard_normal(k)))
        q /= q.sum()
        with mpmath.workdps(60):
            a, b = [mpmath.mpf(x) for x in p], [mpmath.mpf(x) for x in q]
            exact = mpmath.fsum(x * mpmath.log(x / y) - x + y for x, y in zip(a, b))
            worst = max(worst, float(abs(mpmath.mpf(kl_divergence(p, q)) / exact - 1)))
    assert worst < 1e-14


def test_kl_divergence_of_extremely_different_distributions():
    # p/q overflows for a subnormal q; the term must stay finite.
    p, q = np.array([0.5, 0.5]), np.array([1e-310, 1.0])
    with mpmath.workdps(50):
        a, b = mpmath.mpf(0.5), mpmath.mpf(1e-310)
        exact = a * mpmath.log(a / b) + a * mpmath.log(a) - a + b + a
    assert kl_divergence(p, q) == pytest.approx(float(exact), rel=1e-13)


# ---------------------------------------------------------------------------
# infinities and 0 log 0
# ---------------------------------------------------------------------------


def test_infinite_where_q_is_zero_and_p_is_not():
    p = np.array([[0.5, 0.5], [1.0, 0.0], [0.5, 0.5]])
    q = np.array([[1.0, 0.0], [1.0, 0.0], [0.5, 0.5]])
    for f in (cross_entropy, kl_divergence):
        out = f(p, q)
        assert np.isposinf(out[0])
        assert np.isfinite(out[1:]).all()  # the infinity stays in its own row
        assert np.isposinf(f(p, q, base=2)[0])
        assert np.isneginf(f(p, q, base=0.5)[0])
    assert cross_entropy(p, q)[2] == pytest.approx(math.log(2), rel=1e-15)
    assert kl_divergence(p, q)[1] == 0.0


def test_zero_probabilities_contribute_nothing():
    assert entropy([1.0, 0.0, 0.0]) == 0.0
    assert not np.signbit(entropy([1.0, 0.0, 0.0]))  # 0.0, not -0.0
    assert not np.signbit(entropy([1.0], base=0.5))
    assert entropy([0.2, 0.0, 0.8, 0.0]) == entropy([0.2, 0.8])
    # p = 0 contributes 0 whatever q is, including q = 0
    assert cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert cross_entropy([0.0, 0.5, 0.5], [0.5, 0.25, 0.25]) == pytest.approx(math.log(4))
    assert kl_divergence([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(math.log(2), rel=1e-15)


# ---------------------------------------------------------------------------
# base, dtype, shape
# ---------------------------------------------------------------------------


def test_base_changes_the_unit():
    rng = np.random.default_rng(5)
    p, q = random_distributions(rng, (4, 6)), random_distributions(rng, (4, 6))
    for f, args in [(entropy, (p,)), (cross_entropy, (p, q)), (kl_divergence, (p, q))]:
        nats = f(*args)
        np.testing.assert_allclose(f(*args, base=2), nats / math.log(2), rtol=1e-14)
        np.testing.assert_allclose(f(*args, base=10), nats / math.log(10), rtol=1e-14)
        np.testing.assert_allclose(f(*args, base=math.e), nats, rtol=1e-15)
        np.testing.assert_allclose(f(*args, base=np.int64(3)), nats / math.log(3), rtol=1e-14)
        np.testing.assert_allclose(f(*args, base=0.5), -f(*args, base=2), rtol=1e-14)


@pytest.mark.parametrize("base", [1, 1.0, 0, -2.0, math.inf, math.nan])
def test_invalid_base_raises_value_error(base):
    for call in (
        lambda: entropy([0.5, 0.5], base=base),
        lambda: cross_entropy([0.5, 0.5], [0.5, 0.5], base=base),
        lambda: kl_divergence([0.5, 0.5], [0.5, 0.5], base=base),
    ):
        with pytest.raises(ValueError, match="base"):
            call()


@pytest.mark.parametrize("base", ["2", True, 2 + 0j, [2]])
def test_non_numeric_base_raises_type_error(base):
    for call in (
        lambda: entropy([0.5, 0.5], base=base),
        lambda: cross_entropy([0.5, 0.5], [0.5, 0.5], base=base),
        lambda: kl_divergence([0.5, 0.5], [0.5, 0.5], base=base),
    ):
        with pytest.raises(TypeError, match="base"):
            call()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_floating_dtype_is_kept(dtype):
    rng = np.random.default_rng(6)
    p = random_distributions(rng, (3, 5)).astype(dtype)
    q = random_distributions(rng, (3, 5)).astype(dtype)
    # references in float64 on the same (rounded) values, without validation:
    # the rounded rows no longer sum to 1 within the float64 tolerance
    p64, q64 = p.astype(np.float64), q.astype(np.float64)
    rtol = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-14}[dtype]
    for out, ref in [
        (entropy(p), scipy.special.entr(p64).sum(-1)),
        (cross_entropy(p, q), -scipy.special.xlogy(p64, q64).sum(-1)),
        # the generalised divergence: sum of p log(p/q) - p + q
        (kl_divergence(p, q), scipy.special.kl_div(p64, q64).sum(-1)),
    ]:
        assert out.dtype == dtype
        assert out.shape == (3,)
        np.testing.assert_allclose(out.astype(np.float64), ref, rtol=rtol)


def test_float16_results_are_rounded_once():
    # Computed in float32 and rounded at the end, each float16 result is the
    # float64 reference rounded to float16.
    rng = np.random.default_rng(14)
    p = random_distributions(rng, (200, 50), 0.2).astype(np.float16)
    q = random_distributions(rng, (200, 50), 0.2).astype(np.float16)
    p64, q64 = p.astype(np.float64), q.astype(np.float64)
    np.testing.assert_array_equal(entropy(p), scipy.special.entr(p64).sum(-1).astype(np.float16))
    ok = np.all((q64 > 0) | (p64 == 0), axis=-1)
    np.testing.assert_array_equal(
        cross_entropy(p, q)[ok], -scipy.special.xlogy(p64, q64).sum(-1)[ok].astype(np.float16)
    )


def test_integer_and_bool_inputs_become_float64():
    assert entropy([1, 0]).dtype == np.float64
    assert entropy(np.array([True, False])).dtype == np.float64
    assert kl_divergence([0, 1], [0, 1]).dtype == np.float64
    assert cross_entropy(np.array([0.5, 0.5], np.float32), [1, 0]).dtype == np.float64


def test_mixed_dtypes_promote():
    p32 = np.array([0.5, 0.5], np.float32)
    p64 = np.array([0.25, 0.75])
    assert kl_divergence(p32, p64).dtype == np.float64
    assert cross_entropy(p32, p32.astype(np.float16)).dtype == np.float32


def test_shapes_and_scalar_results():
    rng = np.random.default_rng(7)
    p, q = random_distributions(rng, (2, 3, 4)), random_distributions(rng, (2, 3, 4))
    assert entropy(p).shape == (2, 3)
    assert cross_entropy(p, q).shape == (2, 3)
    assert kl_divergence(p, q).shape == (2, 3)
    np.testing.assert_array_equal(entropy(p)[1, 2], entropy(p[1, 2]))
    p1, q1 = p[0, 0], q[0, 0]
    for out in (entropy(p1), cross_entropy(p1, q1), kl_divergence(p1, q1)):
        assert isinstance(out, np.floating) and not isinstance(out, np.ndarray)
    assert entropy(np.empty((0, 3))).shape == (0,)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(8)
    p, q = random_distributions(rng, (3, 4), 0.3), random_distributions(rng, (3, 4), 0.3)
    p_copy, q_copy = p.copy(), q.copy()
    p.flags.writeable = False
    q.flags.writeable = False
    entropy(p), cross_entropy(p, q), kl_divergence(p, q), huffman_code(p[0])
    average_code_length(p[0], huffman_code(p[0]))
    np.testing.assert_array_equal(p, p_copy)
    np.testing.assert_array_equal(q, q_copy)


def test_sum_tolerance_is_sqrt_eps_of_the_dtype():
    for dtype in (np.float32, np.float64):
        tol = sum_tolerance(dtype)
        assert tol == pytest.approx(math.sqrt(np.finfo(dtype).eps))
        entropy(np.array([0.5, 0.5 + tol / 2], dtype))  # accepted
        with pytest.raises(ValueError, match="p must sum to 1"):
            entropy(np.array([0.5, 0.5 + 2 * tol], dtype))
    entropy(np.full(3, 1 / 3, np.float16))  # rounded thirds are a float16 distribution


# ---------------------------------------------------------------------------
# Huffman codes
# ---------------------------------------------------------------------------


def test_huffman_single_symbol():
    assert huffman_code([1.0]) == ["0"]
    assert huffman_code(np.array([1], dtype=np.int64)) == ["0"]
    assert average_code_length([1.0], ["0"]) == 1.0


def test_huffman_two_symbols_and_documented_ties():
    assert huffman_code([0.5, 0.5]) == ["0", "1"]  # the earlier symbol gets '0'
    assert huffman_code([0.75, 0.25]) == ["1", "0"]  # the less probable gets '0'
    assert huffman_code([0.25] * 4) == ["00", "01", "10", "11"]
    # leaves are taken before an equally probable merged node: 0.25 + 0.25
    # ties with symbol 0 (0.5), which is taken first and gets '0'
    assert huffman_code([0.5, 0.25, 0.25]) == ["0", "10", "11"]


def test_huffman_is_deterministic():
    rng = np.random.default_rng(9)
    for _ in range(20):
        w = rng.integers(1, 4, size=int(rng.integers(2, 15)))  # many ties
        p = w / w.sum()
        assert huffman_code(p) == huffman_code(p.copy()) == huffman_code(list(p))


def test_huffman_gives_zero_probability_symbols_codewords():
    p = [0.5, 0.0, 0.5, 0.0]
    code = huffman_code(p)
    assert all(code) and is_prefix_free(code)
    assert kraft_sum(code) == 1.0
    assert average_code_length(p, code) == pytest.approx(optimal_average_length(p))
    # rarely used symbols never get shorter codewords than used ones
    assert min(len(code[1]), len(code[3])) >= max(len(code[0]), len(code[2]))


@pytest.mark.parametrize("seed", range(5))
def test_huffman_prefix_free_kraft_and_entropy_bounds(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        k = int(rng.integers(1, 40))
        p = random_distributions(rng, k, zeros=0.1 if seed % 2 else 0.0)
        code = huffman_code(p)
        assert len(code) == k
        assert all(set(word) <= {"0", "1"} and word for word in code)
        assert is_prefix_free(code)
        assert kraft_sum(code) == (1.0 if k >= 2 else 0.5)
        h, length = entropy(p, base=2), average_code_length(p, code)
        assert h - 1e-12 <= length
        assert length < h + 1 if k >= 2 else length == 1.0  # one symbol still costs a bit


def test_huffman_reaches_entropy_on_dyadic_distributions():
    rng = np.random.default_rng(10)
    for _ in range(100):
        p = random_dyadic(rng, int(rng.integers(2, 30)))
        code = huffman_code(p)
        assert average_code_length(p, code) == entropy(p, base=2)  # exactly
        assert [len(word) for word in code] == [-math.log2(x) for x in p]


def test_huffman_code_of_a_geometric_distribution_is_a_comb():
    k = 60
    p = np.array([2.0**-i for i in range(1, k)] + [2.0 ** -(k - 1)])
    code = huffman_code(p)
    assert [len(word) for word in code] == list(range(1, k)) + [k - 1]
    assert average_code_length(p, code) == entropy(p, base=2)


def test_huffman_is_optimal_against_exhaustive_search():
    rng = np.random.default_rng(11)
    for _ in range(150):
        k = int(rng.integers(2, 7))
        if rng.random() < 0.5:
            w = rng.integers(1, 5, size=k).astype(float)  # with ties
        else:
            w = rng.gamma(0.5, size=k) + 1e-3
        p = w / w.sum()
        length = average_code_length(p, huffman_code(p))
        assert length == pytest.approx(optimal_average_length(p), rel=1e-12)


def test_huffman_ties_give_shortest_longest_codeword():
    # With exact ties (multiples of a power of 1/2), taking older nodes first
    # gives, among all optimal codes, the least maximum length and the least
    # variance. Every optimal code is found by trying all codeword lengths that
    # satisfy Kraft's inequality (each such set is realised by a prefix code).
    rng = np.random.default_rng(12)
    all_lengths = {
        k: np.array([
            lens
            for lens in itertools.product(range(1, k), repeat=k)
            if sum(2.0 ** -n for n in lens) <= 1
        ])
        for k in range(2, 7)
    }
    for _ in range(400):
        k = int(rng.integers(3, 7))
        total = 2 ** int(rng.integers(k.bit_length(), 7))
        cuts = np.sort(rng.choice(np.arange(1, total), size=k - 1, replace=False))
        w = np.diff(np.concatenate([[0], cuts, [total]]))
        costs = all_lengths[k] @ w
        optimal = all_lengths[k][costs == costs.min()]
        ours = np.array([len(word) for word in huffman_code(w / total)])
        assert ours @ w == costs.min()
        assert ours.max() == optimal.max(axis=1).min()
        assert (ours**2) @ w == ((optimal**2) @ w).min()


def test_huffman_large_alphabet():
    rng = np.random.default_rng(13)
    p = random_distributions(rng, 5000, zeros=0.2)
    code = huffman_code(p)
    lengths = np.array([len(word) for word in code])
    assert len(set(code)) == 5000
    assert kraft_sum(code) == 1.0
    h = entropy(p, base=2)
    assert h - 1e-9 <= p @ lengths < h + 1


def test_kraft_sum_and_average_code_length_values():
    assert kraft_sum(["0", "10", "110"]) == 0.875
    assert kraft_sum(["0", "1", "00"]) == 1.25  # not a prefix code: the sum exceeds 1
    assert kraft_sum([]) == 0.0
    assert kraft_sum(("00", "01", "1")) == 1.0
    assert average_code_length([0.5, 0.25, 0.25], ("00", "01", "10")) == 2.0
    assert average_code_length(np.array([0.5, 0.5], np.float32), ["0", "1"]).dtype == np.float32


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

BAD_DISTRIBUTIONS = [
    (1.0, ValueError, "must have at least one dimension"),
    (np.float64(1.0), ValueError, "must have at least one dimension"),
    ([], ValueError, "has an empty last axis"),
    ([0.5, -0.1, 0.6], ValueError, "must be non-negative"),
    ([0.5, np.nan, 0.5], ValueError, "must not contain NaN"),
    ([0.5, np.inf], ValueError, "must be finite"),
    ([0.5, -np.inf, 1.5], ValueError, "must be finite"),
    ([0.5, 0.4], ValueError, "must sum to 1"),
    ([2, 3, 5], ValueError, "must sum to 1"),  # counts are not renormalised
    (["a", "b"], TypeError, "must be a real numeric array"),
    ([0.5 + 0j, 0.5], TypeError, "must be a real numeric array"),
    ([[0.5, 0.5], [1.0]], TypeError, "must be a real numeric array"),
    ([None, 1.0], TypeError, "must be a real numeric array"),
]


@pytest.mark.parametrize("bad, error, message", BAD_DISTRIBUTIONS)
def test_bad_p_is_named(bad, error, message):
    good = [0.5, 0.5]
    for call in (
        lambda: entropy(bad),
        lambda: cross_entropy(bad, good),
        lambda: kl_divergence(bad, good),
        lambda: huffman_code(bad),
        lambda: average_code_length(bad, ["0", "1"]),
    ):
        with pytest.raises(error, match=rf"^p {message}"):
            call()


@pytest.mark.parametrize("bad, error, message", BAD_DISTRIBUTIONS)
def test_bad_q_is_named(bad, error, message):
    for f in (cross_entropy, kl_divergence):
        with pytest.raises(error, match=rf"^q {message}"):
            f([0.5, 0.5], bad)


def test_bad_row_is_located_in_the_message():
    p = np.full((3, 4), 0.25)
    p[2, 1] = 0.3
    with pytest.raises(ValueError, match=r"p\[2, :\] sums to 1\.05"):
        entropy(p)
    p[1, 3] = -0.25
    with pytest.raises(ValueError, match=r"p\[1, 3\] = -0\.25"):
        entropy(p)


def test_mismatched_shapes():
    with pytest.raises(ValueError, match=r"q must have the same shape as p"):
        kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match=r"q must have the same shape as p"):
        cross_entropy(np.full((2, 2), 0.5), [0.5, 0.5])  # no broadcasting


def test_huffman_needs_one_distribution():
    with pytest.raises(ValueError, match=r"p must be one-dimensional"):
        huffman_code(np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match=r"p must be one-dimensional"):
        average_code_length(np.full((2, 2), 0.5), ["0", "1"])


def test_bad_code_is_named():
    with pytest.raises(TypeError, match=r"code must be a sequence"):
        kraft_sum("0101")
    with pytest.raises(TypeError, match=r"code must be a sequence"):
        kraft_sum(5)
    with pytest.raises(TypeError, match=r"code\[1\] must be a string"):
        kraft_sum(["0", 1])
    with pytest.raises(ValueError, match=r"code\[2\] must contain only"):
        kraft_sum(["0", "10", "12"])
    with pytest.raises(ValueError, match=r"code must have one codeword per entry of p"):
        average_code_length([0.5, 0.5], ["0"])
    with pytest.raises(ValueError, match=r"code\[0\] must contain only"):
        average_code_length([0.5, 0.5], ["a", "1"])
