"""Tests for the SymPy verification engine, softmax_lib.symbolic."""

import re

import pytest
import sympy as sp
from sympy.matrices.expressions import DiagMatrix

from softmax_lib import symbolic
from softmax_lib._symbolic_check import Verdict
from softmax_lib.symbolic import (
    Derivation,
    SizeCheck,
    StepError,
    are_equal,
    general_symbols,
    indexed_softmax,
    latex,
    log_sum_exp,
    logits,
    named,
    sigmoid,
    softmax_jacobian_matrix,
    softmax_vector,
    verify_for_sizes,
)


@pytest.fixture(scope="module")
def g():
    return general_symbols()


def _rows(derivation):
    """The lines of the aligned environment, without the begin/end lines."""
    body = derivation.latex().splitlines()
    assert body[0] == r"\begin{aligned}" and body[-1] == r"\end{aligned}"
    return body[1:-1]


# ----------------------------------------------------------------------------
# True chains pass
# ----------------------------------------------------------------------------


def test_shift_invariance_k3_scalar_and_vector():
    z = logits(3)
    c = sp.Symbol("c", real=True)
    S = sum(sp.exp(v) for v in z)
    shifted = sum(sp.exp(v + c) for v in z)
    d = Derivation(sp.exp(z[0]) / S, lhs=named("s_1", softmax_vector(z)[0]))
    d.step(sp.exp(c) * sp.exp(z[0]) / (sp.exp(c) * S), "multiply by $e^c/e^c$")
    d.step(sp.exp(z[0] + c) / shifted, "move $e^c$ inside each exponential")
    assert len(d.steps) == 2
    assert d.result == sp.exp(z[0] + c) / shifted

    vector = Derivation(softmax_vector(z)).step(
        softmax_vector([v + c for v in z]), "shift every logit by $c$")
    assert vector.result.shape == (3, 1)


def test_two_class_softmax_is_sigmoid_of_difference():
    z1, z2 = logits(2)
    d = Derivation(softmax_vector((z1, z2))[0])
    d.step(1 / (1 + sp.exp(z2 - z1)), "divide by $e^{z_1}$")
    d.step(sigmoid(z1 - z2), r"definition of $\sigma$")
    assert d.result == sigmoid(z1 - z2)


@pytest.mark.parametrize("j", [0, 1])
def test_quotient_rule_derivative_k3(j):
    z = logits(3)
    S = named("S", sum(sp.exp(v) for v in z))
    s = [named(f"s_{n + 1}", sp.exp(v) / S) for n, v in enumerate(z)]
    d = Derivation(sp.Derivative(sp.exp(z[0]) / S, z[j]), lhs=sp.Derivative(s[0], z[j]))
    delta = 1 if j == 0 else 0
    d.step((delta * sp.exp(z[0]) * S - sp.exp(z[0]) * sp.exp(z[j])) / S**2, "quotient rule")
    d.step(s[0] * (delta - s[j]), "definition of $s$")
    assert are_equal(d.result, softmax_jacobian_matrix(z)[0, j])


def test_jacobian_matrix_form_for_sizes_2_to_6():
    def build(K):
        z = logits(K)
        s = named("s", softmax_vector(z))
        entries = sp.Matrix(K, K, lambda a, b: sp.Derivative(s.value[a], z[b]))
        return Derivation(entries, lhs=named("J", softmax_jacobian_matrix(z))).step(
            DiagMatrix(s) - s * s.T, r"entrywise $s_i\delta_{ij} - s_i s_j$")

    report = verify_for_sizes(build)
    assert isinstance(report, SizeCheck)
    assert report.sizes == (2, 3, 4, 5, 6)
    assert str(report) == "checked for K = 2, …, 6"
    assert [r.result.shape for r in report.results] == [(K, K) for K in range(2, 7)]
    assert r"\operatorname{diag}\left(s\right) - s s^{\top}" in report.results[0].latex()
    # Every instance says, on the page, for which sizes the statement was checked.
    for size, result in zip(report.sizes, report.results):
        last = _rows(result)[-1]
        assert last == (r"&\text{checked for }K = 2, \dots, 6\text{; shown for }K = "
                        f"{size}")
        assert "every" not in result.latex()


def test_general_k_kronecker_form(g):
    i, j, z, S, s = g.i, g.j, g.z, g.S, g.s
    d = Derivation(sp.Derivative(sp.exp(z[i]) / S, z[j]), lhs=sp.Derivative(s(i), z[j]))
    d.step((sp.KroneckerDelta(i, j) * sp.exp(z[i]) * S - sp.exp(z[i]) * sp.exp(z[j])) / S**2,
           r"quotient rule, $\partial S / \partial z_j = e^{z_j}$")
    d.step(sp.KroneckerDelta(i, j) * sp.exp(z[i]) / S - (sp.exp(z[i]) / S) * (sp.exp(z[j]) / S),
           "split the fraction")
    d.step(s(i) * sp.KroneckerDelta(i, j) - s(i) * s(j), "definition of $s$")
    d.step(s(i) * (sp.KroneckerDelta(i, j) - s(j)), "factor out $s_i$")
    assert len(d.steps) == 4
    assert r"\frac{\partial s_{i}}{\partial z_{j}}" in d.latex()


def test_sympy_differentiates_indexed_softmax(g):
    derivative = sp.diff(indexed_softmax(g.i), g.z[g.j])
    # SymPy leaves a sum of KroneckerDelta; .doit() turns it into a Piecewise on j <= K.
    assert derivative.has(sp.KroneckerDelta)
    assert derivative.doit().has(sp.Piecewise)
    claim = indexed_softmax(g.i) * (sp.KroneckerDelta(g.i, g.j) - indexed_softmax(g.j))
    assert are_equal(derivative, claim) is True
    wrong = indexed_softmax(g.i) * (sp.KroneckerDelta(g.i, g.j) + indexed_softmax(g.j))
    assert are_equal(derivative, wrong) is False


def test_plain_symbol_indices_need_the_range_as_an_assumption():
    K = sp.Symbol("K", integer=True, positive=True)
    i, j, k = sp.symbols("i j k", integer=True, positive=True)
    z = sp.IndexedBase("z", real=True)
    derivative = sp.diff(indexed_softmax(i, z=z, k=k, K=K), z[j])
    claim = indexed_softmax(i, z=z, k=k, K=K) * (
        sp.KroneckerDelta(i, j) - indexed_softmax(j, z=z, k=k, K=K))
    assert are_equal(derivative, claim) is not True  # j may exceed K
    assert are_equal(derivative, claim, assuming=[sp.Le(j, K)]) is True


def test_sigmoid_derivative_with_named_function():
    x = sp.Symbol("x", real=True)
    sigma = named(sp.Function("sigma")(x), sigmoid(x))
    d = Derivation(sp.Derivative(sigmoid(x), x), lhs=sp.Derivative(sigma, x))
    d.step(sp.exp(-x) / (1 + sp.exp(-x)) ** 2, "chain rule")
    d.step(sigma * (1 - sigma), r"rewrite with $\sigma$")
    text = d.latex()
    assert r"\frac{\mathrm{d} \sigma{\left(x \right)}}{\mathrm{d} x}" in text
    assert r"\sigma{\left(x \right)} \left(1 - \sigma{\left(x \right)}\right)" in text


def test_gradient_of_log_sum_exp_is_softmax():
    z = logits(4)
    gradient = sp.Matrix([sp.Derivative(log_sum_exp(z), v) for v in z])
    d = Derivation(gradient).step(softmax_vector(z), "chain rule")
    assert d.result == softmax_vector(z)


# ----------------------------------------------------------------------------
# False steps raise
# ----------------------------------------------------------------------------


def test_sigmoid_is_not_softmax_against_one():
    x = sp.Symbol("x", real=True)
    d = Derivation(sigmoid(x))
    with pytest.raises(StepError) as caught:
        d.step(softmax_vector([x, 1])[0], "two-class softmax")
    error = caught.value
    assert error.verdict is False
    assert error.previous == sigmoid(x)
    assert error.proposed == softmax_vector([x, 1])[0]
    assert error.reason == "two-class softmax"
    assert "is false" in str(error) and "two-class softmax" in str(error)
    assert "previous: 1/(1 + exp(-x))" in str(error)
    assert d.steps == []  # a failed step leaves the chain unchanged


def test_sign_error_in_jacobian_entry_and_matrix():
    z = logits(3)
    s = softmax_vector(z)
    J = softmax_jacobian_matrix(z)
    with pytest.raises(StepError, match="is false"):
        Derivation(J[0, 1]).step(s[0] * s[1], "off-diagonal entry")
    with pytest.raises(StepError, match=r"entry \(0, 0\)"):
        Derivation(J).step(sp.diag(*s) + s * s.T, "matrix form")


def test_sign_error_general_k(g):
    d = Derivation(sp.diff(g.s(g.i), g.z[g.j]))
    with pytest.raises(StepError) as caught:
        d.step(g.s(g.i) * (sp.KroneckerDelta(g.i, g.j) + g.s(g.j)), "wrong sign")
    assert caught.value.verdict is False
    assert "K = " in caught.value.detail  # the counterexample names a size


def test_off_by_one_in_sum_limits():
    K = sp.Symbol("K", integer=True, positive=True)
    k = sp.Symbol("k", integer=True)
    y = sp.IndexedBase("y")
    d = Derivation(sp.Sum(y[k], (k, 1, K)))
    with pytest.raises(StepError, match="is false"):
        d.step(sp.Sum(y[k], (k, 0, K - 1)), "reindex")
    d.step(sp.Sum(y[k + 1], (k, 0, K - 1)), "reindex")  # the correct shift passes


def test_off_by_one_in_concrete_softmax_index():
    z = logits(3)
    S = sum(sp.exp(v) for v in z)
    with pytest.raises(StepError):
        Derivation(softmax_vector(z)[0]).step(sp.exp(z[1]) / S, "definition")


def test_verify_for_sizes_names_the_failing_size():
    def build(K):
        z = logits(K)
        # Wrong from K = 4 on: the sum misses the last class.
        return sum(softmax_vector(z)[: min(K, 3)]), 1

    with pytest.raises(StepError) as caught:
        verify_for_sizes(build, range(2, 6))
    assert caught.value.size == 4
    assert "for K = 4" in str(caught.value)


def test_verify_for_sizes_reports_derivation_failures_with_size():
    def build(K):
        z = logits(K)
        return Derivation(sum(softmax_vector(z))).step(sp.Integer(K - 1), "sum")

    with pytest.raises(StepError) as caught:
        verify_for_sizes(build, [3])
    assert caught.value.size == 3
    assert str(caught.value).startswith("for K = 3:")


# ----------------------------------------------------------------------------
# Undecided steps are rejected
# ----------------------------------------------------------------------------


def test_true_but_undecidable_step_is_rejected():
    K = sp.Symbol("K", integer=True, positive=True)
    k = sp.Symbol("k", integer=True)
    y = sp.IndexedBase("y")
    forward = sp.Sum(y[k], (k, 1, K))
    backward = sp.Sum(y[K + 1 - k], (k, 1, K))  # the same sum, reversed
    assert are_equal(forward, backward) is None
    with pytest.raises(StepError) as caught:
        Derivation(forward).step(backward, "reverse the order")
    assert caught.value.verdict is None
    assert "could not be verified" in str(caught.value)
    # Where SymPy cannot decide for symbolic K, each concrete size can be checked.
    report = verify_for_sizes(
        lambda n: (forward.xreplace({K: n}), backward.xreplace({K: n})), range(1, 5))
    assert report.sizes == (1, 2, 3, 4)


def test_undecided_verdict_never_passes(monkeypatch):
    x = sp.Symbol("x")
    monkeypatch.setattr(symbolic, "compare", lambda a, b, assuming=None: Verdict(None, "?"))
    with pytest.raises(StepError, match="could not be verified"):
        Derivation(x + x).step(2 * x, "collect")
    with pytest.raises(StepError, match="could not be verified"):
        verify_for_sizes(lambda K: (x, x), [2])


# ----------------------------------------------------------------------------
# Assumptions
# ----------------------------------------------------------------------------


def test_assumption_sum_of_targets_is_one(g):
    j, k, K, y, s = g.j, g.k, g.K, g.y, g.s
    total = sp.Sum(y[k], (k, 1, K))
    normalised = sp.Eq(total, 1)
    d = Derivation(sp.Sum(y[k] * (s(j) - sp.KroneckerDelta(j, k)), (k, 1, K)),
                   hypotheses=[normalised])
    d.step(s(j) * total - y[j], "split the sum")
    with pytest.raises(StepError):
        Derivation(d.result).step(s(j) - y[j], "the targets sum to one")
    # The premise, given ad hoc to a derivation that does not declare it, is refused.
    with pytest.raises(StepError, match="neither a hypothesis"):
        Derivation(d.result).step(s(j) - y[j], "the targets sum to one",
                                  assuming={total: 1})
    d.step(s(j) - y[j], "the targets sum to one", assuming=normalised)
    assert d.steps[-1].assuming == (sp.Eq(total, 1, evaluate=False),)
    rows = _rows(d)
    assert rows[0] == (r"&\text{Assume }{\textstyle \sum_{k=1}^{K} y_{k} = 1}\text{.} "
                       r"&& \text{(H1)} \\")
    assert r"\text{, by (H1)}" in rows[-1]
    assert "using Eq(Sum(y[k], (k, 1, K)), 1)" in repr(d)
    assert "assume Eq(Sum(y[k], (k, 1, K)), 1)" in repr(d)


def test_assumption_forms(g):
    i, j, s = g.i, g.j, g.s
    d = Derivation(s(i) * (sp.KroneckerDelta(i, j) - s(j)), hypotheses=sp.Ne(i, j))
    d.step(-s(i) * s(j), "off the diagonal", assuming=sp.Ne(i, j))
    assert r"i \neq j" in _rows(d)[0] and r"\text{, by (H1)}" in _rows(d)[-1]
    # A dict {old: new} cites the declared hypothesis Eq(old, new).
    diagonal = Derivation(s(i) * (sp.KroneckerDelta(i, j) - s(j)), hypotheses=sp.Eq(j, i))
    diagonal.step(s(i) * (1 - s(i)), r"$\delta_{ii} = 1$", assuming={j: i})
    y1, y2 = sp.symbols("y_1 y_2", real=True)
    # are_equal is the bare checker: a conditional check, shown on no page.
    assert are_equal(y1 + y2, 1, assuming=[sp.Eq(y1 + y2, 1)]) is True
    assert are_equal(sp.Abs(y1), y1, assuming=[sp.Ge(y1, 0)]) is True
    assert are_equal(sp.Abs(y1), y1) is False
    with pytest.raises(TypeError, match="assuming"):
        are_equal(y1, y1 + 0 * y2, assuming="y_1 > 0")
    # A symbol is substituted after derivatives are taken, not before.
    assert are_equal(sp.Derivative(y1**3, y1), 12, assuming={y1: 2}) is True
    assert are_equal(sp.Derivative(y1**3, y1), 13, assuming={y1: 2}) is False


# ----------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------


def test_latex_has_aligned_reasons_and_one_checkmark_per_step():
    z = logits(3)
    c = sp.Symbol("c", real=True)
    reasons = ["multiply by $e^c/e^c$", "exponent rule", "shift by c & rename"]
    d = Derivation(softmax_vector(z)[1], lhs=named("s_2", softmax_vector(z)[1]))
    S = sum(sp.exp(v) for v in z)
    d.step(sp.exp(c) * sp.exp(z[1]) / (sp.exp(c) * S), reasons[0])
    d.step(sp.exp(z[1] + c) / sum(sp.exp(v + c) for v in z), reasons[1])
    d.step(sp.exp(z[1] + c) / sum(sp.exp(v + c) for v in z), reasons[2])
    text = d.latex()
    rows = _rows(d)
    assert len(rows) == 1 + len(d.steps)
    assert rows[0].startswith("s_{2} &= ")
    assert all(row.endswith(r" \\") for row in rows[:-1])
    assert text.count(r"\checkmark") == 3
    assert all(row.startswith("&= ") and r"\checkmark" in row for row in rows[1:])
    assert r"\text{multiply by }{\textstyle e^c/e^c}" in rows[1]
    assert r"\text{exponent rule}" in rows[2]
    assert r"\text{shift by c }\&\text{ rename}" in rows[3]


def test_repr_latex_is_display_math():
    x = sp.Symbol("x")
    out = Derivation(x + x).step(2 * x, "collect")._repr_latex_()
    assert out.startswith("$$") and out.endswith("$$")
    assert out[2:-2] == Derivation(x + x).step(2 * x, "collect").latex()


def test_without_lhs_first_step_shares_the_start_line():
    x = sp.Symbol("x")
    d = Derivation(x + x)
    assert _rows(d) == ["2 x"]
    d.step(2 * x, "collect").step(x * 2, "again")
    rows = _rows(d)
    assert rows[0].startswith("2 x &= 2 x && ")
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("50% of $x_1$", r"\text{50}\%\text{ of }{\textstyle x_1}"),
        ("a_b #1", r"\text{a}\_\text{b }\#\text{1}"),
        (r"costs \$5", r"\text{costs }\$\text{5}"),
        ("{braces}", r"\{\text{braces}\}"),
    ],
)
def test_reason_specials_are_escaped(reason, expected):
    x = sp.Symbol("x")
    row = _rows(Derivation(x + x).step(2 * x, reason))[0]
    assert expected + r"\ \checkmark" in row


def test_reason_validation():
    x = sp.Symbol("x")
    d = Derivation(x + x)
    with pytest.raises(ValueError, match="unmatched"):
        d.step(2 * x, "divide by $S")
    with pytest.raises(ValueError, match="empty"):
        d.step(2 * x, "  ")
    with pytest.raises(TypeError, match="reason"):
        d.step(2 * x, 3)
    assert d.steps == []


def test_unevaluated_forms_render_as_written():
    x, y = sp.symbols("x y", positive=True)
    written = sp.Add(sp.exp(x), -sp.exp(y), evaluate=False)
    assert latex(written) == "e^{x} - e^{y}"
    assert latex(sp.Add(y, x, evaluate=False)) == "y + x"
    assert latex(y + x) == "x + y"
    d = Derivation(x**2).step(sp.Mul(x, x, evaluate=False), "as a product")
    assert _rows(d)[0].startswith("x^{2} &= x x && ")
    d.step(sp.exp(x) * sp.UnevaluatedExpr(sp.exp(-x)) * x**2, "times one")
    assert _rows(d)[1].startswith("&= x^{2} e^{x} e^{- x} && ")


def test_named_values_print_their_names(g):
    assert latex(g.s(g.i) ** 2) == "s_{i}^{2}"
    assert latex(g.s(g.i) * (1 - g.s(g.i))) == r"s_{i} \left(1 - s_{i}\right)"
    assert latex(g.S) == "S"
    assert latex(indexed_softmax(g.i)) == r"\frac{e^{z_{i}}}{\sum_{k=1}^{K} e^{z_{k}}}"


# ----------------------------------------------------------------------------
# The start and the lhs
# ----------------------------------------------------------------------------


def test_start_must_equal_lhs():
    z = logits(2)
    s1 = softmax_vector(z)[0]
    Derivation(sp.Derivative(s1, z[0]), lhs=sp.Derivative(s1, z[0]))
    with pytest.raises(StepError, match="start"):
        Derivation(s1 * s1, lhs=sp.Derivative(s1, z[0]))
    # The unchecked label flag is gone; a name is introduced with Derivation.define.
    with pytest.raises(TypeError, match="check_lhs"):
        Derivation(softmax_jacobian_matrix(z), lhs=sp.Symbol("J"), check_lhs=False)
    with pytest.raises(StepError):
        Derivation(softmax_jacobian_matrix(z), lhs=sp.Symbol("J"))
    labelled = Derivation.define("J", softmax_jacobian_matrix(z))
    assert labelled.lhs.name == sp.Symbol("J") and labelled.result == labelled.start
    assert _rows(labelled)[0].startswith(r"J &\mathrel{:=} ")


def test_records_and_accessors():
    x = sp.Symbol("x")
    d = Derivation(x + x, title="doubling")
    assert d.start == 2 * x and d.lhs is None and d.result == 2 * x
    returned = d.step(2 * x, "collect")
    assert returned is d
    (record,) = d.steps
    expr, reason, assumption, cites = record
    assert (expr, reason, assumption, cites) == (2 * x, "collect", (), ())
    assert repr(d).startswith("Derivation 'doubling':")
    with pytest.raises(StepError, match="'doubling'"):
        d.step(3 * x, "wrong")


def test_named_matrix_as_start_and_custom_size_name():
    z = logits(2)
    s = softmax_vector(z)
    d = Derivation(named("J", softmax_jacobian_matrix(z))).step(sp.diag(*s) - s * s.T, "form")
    assert _rows(d)[0].startswith("J &= ")
    report = verify_for_sizes(lambda n: (sum(softmax_vector(logits(n))), 1), [3, 5], name="n")
    assert str(report) == repr(report) == "checked for n = 3, 5"


def test_check_equal_and_matrices():
    x = sp.Symbol("x")
    assert Derivation.check_equal(sp.Matrix([x + x]), sp.Matrix([2 * x])) is True
    assert are_equal(sp.Matrix([x, x]), sp.Matrix([[x, x]])) is False
    assert are_equal(sp.Matrix([x]), x) is False


def test_bad_inputs():
    with pytest.raises(TypeError, match="start"):
        Derivation([1, 2])
    with pytest.raises(TypeError, match="start"):
        Derivation("x + 1")
    with pytest.raises(TypeError, match="K"):
        logits(2.0)
    with pytest.raises(ValueError, match="K"):
        logits(0)
    with pytest.raises(TypeError, match="z"):
        softmax_vector(3)
    with pytest.raises(ValueError, match="z"):
        softmax_vector([])
    with pytest.raises(TypeError, match="z"):
        softmax_jacobian_matrix([sp.Symbol("a") + 1, sp.Symbol("b")])
    with pytest.raises(ValueError, match="sizes"):
        verify_for_sizes(lambda K: (1, 1), [])
    with pytest.raises(ValueError, match="sizes"):
        verify_for_sizes(lambda K: (1, 1), [0])
    with pytest.raises(TypeError, match="builder"):
        verify_for_sizes(lambda K: 1, [2])
    with pytest.raises(TypeError, match="builder"):
        verify_for_sizes(42)


# ----------------------------------------------------------------------------
# Symbolic softmax helpers
# ----------------------------------------------------------------------------


def test_logits_are_real_and_one_based():
    z = logits(3, name="a")
    assert [v.name for v in z] == ["a_1", "a_2", "a_3"]
    assert all(v.is_real for v in z)
    assert latex(z[0]) == "a_{1}"


@pytest.mark.parametrize("K", [1, 2, 5])
def test_softmax_vector_sums_to_one_and_lse(K):
    z = logits(K)
    s = softmax_vector(z)
    assert s.shape == (K, 1)
    assert sp.simplify(sum(s) - 1) == 0
    assert log_sum_exp(z) == sp.log(sum(sp.exp(v) for v in z))
    assert softmax_jacobian_matrix(z) == sp.Matrix(
        K, K, lambda a, b: sp.diff(s[a], z[b]))


def test_indexed_softmax_avoids_capturing_its_own_index(g):
    expr = indexed_softmax(g.k)
    (total,) = expr.atoms(sp.Sum)
    assert total.limits[0][0] != g.k
    assert expr.has(g.z[g.k])
    assert re.search(r"\\sum_\{l=1\}\^\{K\}", latex(expr))


def test_general_symbols_namespace(g):
    assert g.K.is_integer and g.K.is_positive
    assert all(isinstance(v, sp.Idx) and (v.lower, v.upper) == (1, g.K)
               for v in (g.i, g.j, g.k))
    assert are_equal(g.s(g.i), indexed_softmax(g.i)) is True
    assert are_equal(g.S, sp.Sum(sp.exp(g.z[g.k]), (g.k, 1, g.K))) is True


def test_sums_with_clashing_dummy_indices_are_undecided_not_a_crash():
    # s(k) sums over another dummy than s(i); SymPy's equals() and the counterexample
    # search used to raise (StopIteration, ValueError) on such pairs.
    g = general_symbols()
    assert are_equal(g.s(g.k) * g.s(g.i), g.s(g.i) * g.s(g.k)) is True
    assert are_equal(g.s(g.k) + g.s(g.i), g.s(g.i) * g.s(g.k)) is False
    with pytest.raises(StepError):
        Derivation(g.s(g.k) + g.s(g.i)).step(g.s(g.i) * g.s(g.k), "not a valid step")

