"""The verification engine refuses what it cannot vouch for.

Each test here states one way a page could show something false while every
line carries a check mark, and asserts that the engine raises StepError
instead: a display name that is really an unchecked formula, a premise that
is neither stated nor proved, a label presented as a derivation's first line,
a statement checked for a few sizes presented without saying so.
"""

import re

import pytest
import sympy as sp

from softmax_lib._symbolic_check import compare as _compare
from softmax_lib.symbolic import (
    Derivation,
    Fact,
    ForEach,
    Shown,
    SizeCheck,
    StepError,
    general_symbols,
    is_atomic_tex,
    latex,
    log2,
    logits,
    named,
    softmax_vector,
    verify_for_sizes,
)

s1, s2, y1, y2 = sp.symbols("s1 s2 y1 y2", real=True)
x = sp.Symbol("x", real=True)


@pytest.fixture(scope="module")
def g():
    return general_symbols()


def _rows(derivation):
    body = derivation.latex().splitlines()
    assert body[0] == r"\begin{aligned}" and body[-1] == r"\end{aligned}"
    return body[1:-1]


# ----------------------------------------------------------------------------
# 1. Display names
# ----------------------------------------------------------------------------

ATOMIC = [
    "S", "s_{1}", r"\alpha", "e^{z_i}", r"\sigma(x)", r"\sigma{\left(x - 1 \right)}",
    "H(p, q)", r"D_{\mathrm{KL}}(p \,\|\, q)", r"\operatorname{softmax}(z / T)_1",
    r"\operatorname{LSE}(z + c\mathbf{1})", r"H(\tfrac{1}{K}, \dots, \tfrac{1}{K})",
    r"\frac{\partial L}{\partial z_{1}}", r"\frac{\mathrm{d} \sigma}{\mathrm{d} x}",
    r"\frac{\partial^{2} L}{\partial z_{i} \partial z_{j}}", r"\nabla_u L_{\mathrm{SE}}",
    r"\lVert J \rVert_{F}", r"\hat{o}_a", r"{\hat{y}}_{k}", r"\tilde{S}", r"\bar{v}",
    "m_{(ab)c}", "d_{n+1}", "W^{\\top}", "x^{(k)}", "s'", r"\rho_{\delta}'{\left(r \right)}",
    r"\mathbf{1}", r"\mathcal{L}", r"\ell_{k}", r"\varepsilon",
    # Unicode, as the issue writes them
    "∂L/∂z₁", "σ(x)", "z₁", "xᵀ", "dL/dx",
]

FORMULAS = [
    "s_1 - y_1", "L - H", r"\log K - D_{\mathrm{KL}}(p \,\|\, u)", r"v^{\top} J v",
    r"g \cdot s", r"(X^{\top} G)_{a,c}", r"\left(g^{\top} J\right)_j", r"\log_2 c",
    r"p_{k} \log_2 p_{k}", "x^2", "x^{2}", "e^{z - m}", "S^{-1}", "1", "0", "2x",
    "softmax", "a/b", r"\frac{a}{b}", r"\sum_k y_k", "x+1", "-S", r"\exp(x)",
    r"e^{z_i}e^{z_j}", r"\sqrt{x}", "f(x) + 1", r"\frac{\partial m}{\partial z_{j}} + 1",
    r"\frac{\partial m}{z_{j}}", "", " ",
    "s₁ − y₁", "x²", "∂L/∂z₁ + 1", "d/dx", "s₁·y₁", "x*y",
]


@pytest.mark.parametrize("tex", ATOMIC)
def test_atomic_names_are_recognised(tex):
    assert is_atomic_tex(tex) is True


@pytest.mark.parametrize("tex", FORMULAS)
def test_formulas_are_not_names(tex):
    assert is_atomic_tex(tex) is False


def test_issue_example_false_display_is_refused():
    # Renders "s1 - y1" for a value that equals it only when y1 + y2 = 1.
    value = sp.sympify("s1*(y1 + y2) - y1")
    with pytest.raises(StepError) as caught:
        named(sp.sympify("s1 - y1"), value)
    assert caught.value.verdict is False
    assert "display" in str(caught.value)
    # The same display is accepted where it is true: the check is a real one.
    true_value = value.subs(sp.Symbol("y2"), 1 - sp.Symbol("y1"))
    assert named(sp.sympify("s1 - y1"), true_value).is_name is False
    with pytest.raises(StepError):
        named(s1 - y1, s1 * (y1 + y2) - y1)  # real symbols, as a chapter builds them


@pytest.mark.parametrize("display", [
    "s_1 - y_1", sp.Symbol("s_1 - y_1"), Shown("s_{1} - y_{1}"), Shown(r"\log_2 c"),
    sp.Symbol(r"v^{\top} J v"),
])
def test_formula_typed_as_a_name_is_refused_even_when_true(display):
    # Even for a value it happens to equal: a symbol cannot be checked.
    with pytest.raises(StepError, match="formula") as caught:
        named(display, s1 - y1)
    assert caught.value.verdict is None
    assert caught.value.proposed is not None


@pytest.mark.parametrize("display", [
    "S", sp.Symbol("S"), Shown(r"\tilde{S}"), sp.IndexedBase("s")[sp.Symbol("i")],
    sp.Function("sigma")(x), sp.Symbol(r"\frac{\partial L}{\partial z_{1}}"),
])
def test_a_name_may_stand_for_any_value(display):
    total = sp.exp(x) + sp.exp(2 * x) + 1
    shown = named(display, total)
    assert shown.is_name is True
    assert shown.value == total


def test_formula_display_is_proved_equal_to_its_value():
    shown = named(s1 - y1, s1 * (y1 + y2) - y1 * (1 + y2) + y2 * (y1 - s1) + s1 * (1 - y1))
    assert shown.is_name is False
    assert latex(shown) == "s_{1} - y_{1}"
    # Built from names, a formula display reads as the formula.
    L, H = named("L", x**2), named("H", x)
    gap = named(L - H, x**2 - x)
    assert latex(gap) == "L - H"
    assert latex(2 * gap) == r"2 \left(L - H\right)"
    assert latex(gap**2) == r"\left(L - H\right)^{2}"
    assert latex(2 * L) == "2 L"
    with pytest.raises(StepError, match="is false"):
        named(L - H, x**2 + x)


def test_undecidable_formula_display_is_refused():
    K = sp.Symbol("K", integer=True, positive=True)
    k = sp.Symbol("k", integer=True)
    y = sp.IndexedBase("y")
    forward = sp.Sum(y[k], (k, 1, K))
    backward = sp.Sum(y[K + 1 - k], (k, 1, K))  # equal, but SymPy cannot decide it
    with pytest.raises(StepError, match="could not be verified") as caught:
        named(backward, forward)
    assert caught.value.verdict is None


def test_number_display_is_a_formula():
    named(sp.Integer(1), sum(softmax_vector(logits(3))))
    with pytest.raises(StepError):
        named(sp.Integer(1), sum(softmax_vector(logits(3))[:2]))


def test_matrix_displays():
    z = logits(2)
    s = softmax_vector(z)
    named("s", s)
    outer = named(s * s.T, sp.Matrix(2, 2, lambda a, b: s[a] * s[b]))
    assert outer.is_name is False
    with pytest.raises(StepError):
        named(s * s.T, sp.diag(*s))
    with pytest.raises(StepError, match="formula"):
        named(r"s s^{\top}", s * s.T)


def test_display_is_rechecked_when_rebuilt():
    a = sp.Symbol("a", real=True)
    shown = named(a + x, x + a)
    assert shown.xreplace({a: 3}).value == x + 3
    with pytest.raises(TypeError, match="display"):
        named(sp.eye(2), x)
    with pytest.raises(StepError, match="is false"):
        named(sp.Matrix([1]), x)  # a 1 x 1 display is compared as the number it is


def test_displays_inside_a_derivation_are_checked():
    z1, z2 = logits(2)
    s_1 = softmax_vector((z1, z2))[0]
    d = Derivation(s_1, lhs=named("s_1", s_1))
    with pytest.raises(StepError):
        d.step(named(sp.exp(z1) / (sp.exp(z1) + 1), s_1), "drop $e^{z_2}$")
    d.step(named(sp.Function("sigma")(z1 - z2), 1 / (1 + sp.exp(z2 - z1))),
           r"definition of $\sigma$")
    assert r"\sigma{\left(z_{1} - z_{2} \right)}" in _rows(d)[-1]


# ----------------------------------------------------------------------------
# 2. Premises
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("premise", [{x: 1}, sp.Eq(x, 1), [sp.Eq(x, 1)], sp.Ge(x, 1)])
def test_undeclared_premise_is_refused(premise):
    d = Derivation(x**2)
    with pytest.raises(StepError, match="neither a hypothesis") as caught:
        d.step(x, "square of one", assuming=premise)
    assert caught.value.verdict is None
    assert d.steps == []


def test_declared_hypothesis_is_stated_and_used():
    d = Derivation(x**2, hypotheses=[sp.Eq(x, 1)])
    with pytest.raises(StepError):
        d.step(x, "square of one")  # declared, but this step does not use it
    d.step(x, "square of one", assuming=sp.Eq(x, 1))
    rows = _rows(d)
    assert rows[0] == r"&\text{Assume }{\textstyle x = 1}\text{.} && \text{(H1)} \\"
    assert rows[1] == r"x^{2} &= x && \text{square of one}\text{, by (H1)}\ \checkmark"
    # a different premise than the declared one is still refused
    with pytest.raises(StepError, match="neither a hypothesis"):
        Derivation(x**2, hypotheses=[sp.Eq(x, 1)]).step(0, "zero", assuming=sp.Eq(x, 0))


def test_bad_hypotheses_and_premises_are_type_errors():
    with pytest.raises(TypeError, match="assuming"):
        Derivation(x, hypotheses=["x = 1"])
    with pytest.raises(TypeError, match="assuming"):
        Derivation(x, hypotheses=[sp.Eq(x, x)])  # evaluates to True: not a hypothesis
    proved = Derivation(x + x, label="double").step(2 * x, "collect")
    with pytest.raises(TypeError, match="hypotheses"):
        Derivation(x, hypotheses=proved)
    with pytest.raises(TypeError, match="assuming"):
        Derivation(x, hypotheses=[sp.Eq(x, 1)]).step(1, "one", assuming="x = 1")


def test_a_fact_from_another_derivation_is_cited_by_label(g):
    i, j, k, K, z, s = g.i, g.j, g.k, g.K, g.z, g.s
    S = g.S
    sums_to_one = (Derivation(sp.Sum(s(k), (k, 1, K)), label="eq-sum-one")
                   .step(S / S, "common denominator")
                   .step(sp.Integer(1), "cancel"))
    fact = sums_to_one.fact
    assert isinstance(fact, Fact) and fact.label == "eq-sum-one"
    assert fact.rhs == 1 and fact.hypotheses == ()
    d = Derivation(s(i) * sp.Sum(s(k), (k, 1, K)))
    d.step(s(i), "the components sum to one", assuming=sums_to_one)
    assert _rows(d)[-1].endswith(
        r"\text{the components sum to one}\text{, by (}\text{eq-sum-one}\text{)}\ \checkmark")
    assert "by (eq-sum-one)" in repr(d)
    assert d.steps[-1].cites == ("eq-sum-one",)
    # Fact(...) with its own label works too
    again = Derivation(2 * sp.Sum(s(k), (k, 1, K)))
    again.step(sp.Integer(2), "twice one", assuming=Fact(sums_to_one, label="$(1)$"))
    assert r"\text{, by (}{\textstyle (1)}\text{)}" in _rows(again)[-1]
    del i, j, z


def test_fact_needs_a_label_and_a_claim():
    unlabelled = Derivation(x + x).step(2 * x, "collect")
    with pytest.raises(ValueError, match="label"):
        Derivation(4 * x).step(2 * (x + x), "split", assuming=unlabelled)
    with pytest.raises(ValueError, match="proves nothing"):
        Fact(Derivation(x, label="nothing"))
    with pytest.raises(TypeError, match="Derivation"):
        Fact(sp.Eq(x, 1), label="typed")
    with pytest.raises(ValueError, match="label"):
        Derivation(x, label="  ")


def test_fact_proved_under_hypotheses_needs_them():
    one = sp.Eq(x, 1)
    conditional = (Derivation(x**2, hypotheses=[one], label="square")
                   .step(x, "square of one", assuming=one))
    with pytest.raises(StepError, match="proved assuming"):
        Derivation(x**2 + 1).step(x + 1, "by the square", assuming=conditional)
    d = Derivation(x**2 + 1, hypotheses=[one])
    d.step(x + 1, "by the square", assuming=conditional)
    assert d.result == x + 1


def test_a_false_fact_cannot_be_built():
    # A Fact can only come from a Derivation, and a false Derivation cannot be built.
    with pytest.raises(StepError):
        Derivation(x**2, label="wrong").step(x, "square")


# ----------------------------------------------------------------------------
# 3. Definitions
# ----------------------------------------------------------------------------


def test_definition_renders_with_colon_equals(g):
    k, K, y, s = g.k, g.K, g.y, g.s
    loss = -sp.Sum(y[k] * sp.log(s(k)), (k, 1, K))
    d = Derivation.define("L", loss, title="cross-entropy")
    assert d.is_definition and d.lhs.name == sp.Symbol("L") and d.lhs.value == loss
    d.step(-sp.Sum(y[k] * sp.log(s(k).value), (k, 1, K)), "definition of $s_k$")
    rows = _rows(d)
    assert rows[0].startswith(r"L &\mathrel{:=} -")
    assert rows[1].startswith("&= ")
    assert "L := " in repr(d)
    with pytest.raises(StepError):
        d.step(sp.Integer(0), "wrong")
    # the defined name can be used later, and differentiates as its value
    assert sp.diff(d.lhs, g.z[g.j]) == sp.diff(loss, g.z[g.j])


@pytest.mark.parametrize("name", ["L - H", sp.Symbol("s_1 - y_1"), x + 1, sp.Integer(2)])
def test_definition_of_a_formula_is_refused(name):
    with pytest.raises(StepError, match="not an atomic name"):
        Derivation.define(name, x**2)


def test_definition_name_must_not_occur_in_its_value():
    p = sp.IndexedBase("p")
    j = sp.Symbol("j", integer=True)
    with pytest.raises(ValueError, match="own value"):
        Derivation.define(x, x + 1)
    with pytest.raises(ValueError, match="own value"):
        Derivation.define(p[j], 2 * p[j])
    Derivation.define(sp.Function("f")(x), x**2).step(x * x, "as a product")


# ----------------------------------------------------------------------------
# 4. Sizes
# ----------------------------------------------------------------------------


def _sums_to_one(K):
    return sum(softmax_vector(logits(K))), sp.Integer(1)


def test_size_check_renders_the_sizes_it_checked():
    report = verify_for_sizes(_sums_to_one)
    text = report._repr_latex_()
    assert text.startswith("$$") and text.endswith("$$")
    assert r"\text{checked for }K = 2, \dots, 6\text{; shown for }K = 2" in text
    assert not re.search(r"every|all\s+K", text)
    assert str(report) == "checked for K = 2, …, 6"
    shown = verify_for_sizes(_sums_to_one, range(2, 5), shown=3)
    assert shown.shown == 3 and shown.shown_result[0] == _sums_to_one(3)[0]
    assert r"\text{checked for }K = 2, 3, 4\text{; shown for }K = 3" in shown.latex()
    assert str(verify_for_sizes(_sums_to_one, [2, 3, 5, 6, 7, 8])) == (
        "checked for K = 2, 3, 5, 6, 7, 8")
    with pytest.raises(ValueError, match="shown"):
        verify_for_sizes(_sums_to_one, range(2, 4), shown=5)
    with pytest.raises(ValueError, match="shown"):
        SizeCheck((2, 3), (None, None), shown=4)


def test_derivations_checked_for_sizes_carry_the_note():
    def build(K):
        z = logits(K)
        return Derivation(sum(softmax_vector(z))).step(sp.Integer(1), "common denominator")

    report = verify_for_sizes(build, range(3, 8), shown=4, name="n")
    assert report.latex() == report.results[1].latex()
    assert _rows(report.results[1])[-1] == (
        r"&\text{checked for }n = 3, \dots, 7\text{; shown for }n = 4")
    assert "checked for n = 3, …, 7; shown for n = 4" in repr(report.results[1])
    # a derivation built outside verify_for_sizes makes no claim about sizes
    assert "checked" not in build(3).latex()


def test_general_k_sum_with_shifted_bound_is_decided(g):
    # The general case is proved, not sampled: peeling the last term off a sum
    # whose upper bound is K + 1 is exact for every K.
    k, K, y = g.k, g.K, g.y
    n = sp.Symbol("n", integer=True)
    whole = sp.Sum(y[n], (n, 1, K + 1))
    d = Derivation(whole).step(sp.Sum(y[n], (n, 1, K)) + y[K + 1], "take out the last term")
    assert d.result.has(sp.Sum)
    with pytest.raises(StepError, match="is false"):
        Derivation(whole).step(sp.Sum(y[n], (n, 1, K)) + y[K], "off by one")
    del k


# ----------------------------------------------------------------------------
# 5. Standard LaTeX only
# ----------------------------------------------------------------------------

# Commands of LaTeX, amsmath and amssymb that the renderings may use.
STANDARD = {
    "begin", "end", "text", "textstyle", "checkmark", "mathrel", "dots", "frac",
    "partial", "sum", "left", "right", "log", "operatorname", "delta", "neq", "top",
    "mathrm", "sigma", "le", "leq", "ge", "geq",
}


def test_renderings_use_only_standard_latex(g):
    i, j, k, K, z, y, s = g.i, g.j, g.k, g.K, g.z, g.y, g.s
    total = sp.Sum(y[k], (k, 1, K))
    d = Derivation.define("L", -sp.Sum(y[k] * sp.log(s(k)), (k, 1, K)),
                          hypotheses=[sp.Eq(total, 1), sp.Ne(i, j)], label="eq-ce")
    d.step(-sp.Sum(y[k] * sp.log(s(k).value), (k, 1, K)), "definition of $s_k$")
    e = Derivation(sp.Derivative(d.lhs, z[j]), hypotheses=[sp.Eq(total, 1)])
    e.step(sp.diff(d.lhs.value, z[j]), "differentiate", assuming=sp.Eq(total, 1))
    report = verify_for_sizes(_sums_to_one)
    text = "\n".join([d.latex(), e.latex(), report.latex()])
    commands = set(re.findall(r"\\([A-Za-z]+)", text))
    assert commands <= STANDARD, commands - STANDARD
    for rendering in (d.latex(), e.latex(), report.latex()):
        assert rendering.count(r"\begin{aligned}") == rendering.count(r"\end{aligned}") == 1
        assert rendering.count("{") == rendering.count("}")
    del i


# ----------------------------------------------------------------------------
# Forms that displays needed: log base 2, 1 x 1 products, signed factors
# ----------------------------------------------------------------------------


def test_log2_prints_as_written_and_is_checked():
    p = sp.Symbol("p", positive=True)
    assert latex(log2(p)) == r"\log_{2} \left(p\right)"
    assert latex(log2((1 - p) / p)) == r"\log_{2} \frac{1 - p}{p}"
    assert latex(log2(p) ** 2) == r"\left(\log_{2} \left(p\right)\right)^{2}"
    d = Derivation(sp.log(8 * p, 2)).step(3 + log2(p), "$\\log_2 8 = 3$")
    assert r"&= \log_{2} \left(p\right) + 3 &&" in d.latex()
    with pytest.raises(StepError, match="is false"):
        Derivation(sp.log(8 * p, 2)).step(2 + log2(p), "wrong")
    assert sp.diff(log2(p), p) == 1 / (p * sp.log(2))
    assert abs(float(log2(sp.Integer(8)).evalf()) - 3.0) < 1e-12


def test_one_by_one_matrix_display(g):
    z = logits(3)
    s = softmax_vector(z)
    v = sp.Matrix(sp.symbols("v1:4", real=True))
    J = sp.diag(*s) - s * s.T
    v_name, J_name = named("v", v), named("J", J)
    quadratic = named(v_name.T * J_name * v_name, (v.T * J * v)[0, 0])
    assert latex(quadratic) == r"v^{\top} J v"
    with pytest.raises(StepError, match="is false"):
        named(v_name.T * J_name * v_name, (v.T * v)[0, 0])


def test_signed_unevaluated_factor_is_bracketed():
    N = sp.Symbol("N", positive=True)
    y = sp.Symbol("y", positive=True)
    # Without brackets SymPy prints "\log y - \frac{1}{N}", which reads as a difference.
    assert latex(sp.UnevaluatedExpr(-1 / N) * sp.log(y)) == (
        r"\log{\left(y \right)} \left(- \frac{1}{N}\right)")
    assert latex(named(-1 / N, -1 / N) * sp.log(y)) == r"- \frac{1}{N} \log{\left(y \right)}"


# ----------------------------------------------------------------------------
# The checker: premises in normal form, SymPy failures, nested sums
# ----------------------------------------------------------------------------


def test_hypothesis_applies_to_a_sum_that_appears_only_after_splitting(g):
    j, k, K, y, s = g.j, g.k, g.K, g.y, g.s
    normalised = sp.Eq(sp.Sum(y[k], (k, 1, K)), 1)
    d = Derivation(sp.Sum(y[k] * (s(j) - sp.KroneckerDelta(j, k)), (k, 1, K)),
                   hypotheses=[normalised])
    d.step(s(j) - y[j], "split, and the targets sum to 1", assuming=normalised)
    with pytest.raises(StepError):
        Derivation(d.start).step(s(j) - y[j], "no premise")


def test_sums_over_renamed_indices_are_equal(g):
    K, z = g.K, g.z
    k, l = sp.Idx("k", (1, K)), sp.Idx("l", (1, K))
    Derivation(sp.Sum(sp.exp(z[k]), (k, 1, K)) / sp.Sum(sp.exp(z[l]), (l, 1, K))).step(
        sp.Integer(1), "the same sum")
    n = sp.Symbol("n", integer=True)
    N = sp.Symbol("N", integer=True, positive=True)
    x = sp.IndexedBase("x")
    double = sp.Sum(x[n, k], (k, 1, K), (n, 1, N))
    swapped_names = sp.Sum(x[l, n].xreplace({}), (l, 1, K))  # a different sum
    Derivation(double).step(sp.Sum(sp.Sum(x[n, l], (l, 1, K)), (n, 1, N)), "rename $k$")
    with pytest.raises(StepError):
        Derivation(double).step(sp.Sum(swapped_names, (n, 1, N)), "swap the indices")


def test_log_of_a_product_of_products(g):
    K = g.K
    N = sp.Symbol("N", integer=True, positive=True)
    n, k = sp.Idx("n", (1, N)), sp.Idx("k", (1, K))
    y = sp.IndexedBase("y", real=True)
    p = sp.IndexedBase("p", positive=True)
    row = sp.Product(p[n, k] ** y[n, k], (k, 1, K))
    d = Derivation(sp.log(sp.Product(row, (n, 1, N))))
    d.step(sp.Sum(sp.log(row), (n, 1, N)), "log of a product")
    d.step(sp.Sum(y[n, k] * sp.log(p[n, k]), (k, 1, K), (n, 1, N)), "log of a power")


def test_a_failure_inside_sympy_leaves_the_step_undecided(monkeypatch):
    from softmax_lib import _symbolic_check

    def broken(expr, assumptions):
        raise StopIteration  # what SymPy's summation raises on some inputs

    monkeypatch.setattr(_symbolic_check, "_normalize", broken)
    with pytest.raises(StepError, match="could not be verified") as caught:
        Derivation(x**2 - 1).step((x - 1) * (x + 1), "factor")
    assert caught.value.verdict is None
    assert "SymPy failed" in caught.value.detail


def test_brackets_follow_the_display_not_the_hidden_value(g):
    # A name whose value holds a sum is printed as a name: no brackets around
    # log p_k or around a derivative of s_i in a product.
    k, K, y = g.k, g.K, g.y
    p_k = named(sp.IndexedBase("p")[k], g.s(k).value)
    assert latex(y[k] * sp.log(p_k)) == r"\log{\left(p_{k} \right)} y_{k}"
    product = sp.Derivative(g.s(g.i), g.z[g.j]) * y[g.i]
    assert latex(product) == r"\frac{\partial s_{i}}{\partial z_{j}} y_{i}"
    # a real sum in a product is still bracketed where SymPy brackets it
    assert latex(sp.Sum(y[k], (k, 1, K)) * sp.log(p_k)) == (
        r"\log{\left(p_{k} \right)} \sum_{k=1}^{K} y_{k}")


def test_chain_rule_of_the_softmax_classifier_for_general_sizes():
    # dL/db_c = sum_{n,k} G_nk dz_nk/db_c for the mean cross-entropy of a linear
    # softmax model, with G_nk = dL/dz_nk by its value.  SymPy leaves a Piecewise
    # on c <= K inside the sum over n; the index range removes it, and the sums
    # must then be split again.
    N, D, K = sp.symbols("N D K", integer=True, positive=True)
    n = sp.Idx("n", (1, N))
    d = sp.Idx("d", (1, D))
    k, c, l, m = (sp.Idx(v, (1, K)) for v in "kclm")
    X, W, b, y, G_ = (sp.IndexedBase(v, real=True) for v in "XWbyG")

    def logit(row, cls):
        return sp.Sum(X[row, d] * W[d, cls], (d, 1, D)) + b[cls]

    def G(row, cls):
        p = sp.exp(logit(row, cls)) / sp.Sum(sp.exp(logit(row, m)), (m, 1, K))
        return named(G_[row, cls], (p * sp.Sum(y[row, m], (m, 1, K)) - y[row, cls]) / N)

    lse = sp.log(sp.Sum(sp.exp(logit(n, l)), (l, 1, K)))
    loss = named("L", -sp.Sum(y[n, k] * (logit(n, k) - lse), (k, 1, K), (n, 1, N)) / N)
    z = sp.IndexedBase("z")
    chain = sp.Sum(G(n, k) * sp.Derivative(named(z[n, k], logit(n, k)), b[c]),
                   (k, 1, K), (n, 1, N))
    d_b = Derivation(chain, lhs=sp.Derivative(loss, b[c]))
    d_b.step(sp.Sum(G(n, c), (n, 1, N)), "only $k = c$")
    wrong_G = sp.Sum(G(n, k) * sp.Derivative(named(z[n, k], 2 * logit(n, k)), b[c]),
                     (k, 1, K), (n, 1, N))
    with pytest.raises(StepError):
        Derivation(wrong_G, lhs=sp.Derivative(loss, b[c]))


# ----------------------------------------------------------------------------
# Hypotheses quantified over an index (ForEach), used inside sums
# ----------------------------------------------------------------------------


def _rows_with_break(derivation):
    return derivation.latex().splitlines()[1:-1]


def _per_row_symbols():
    N, K = sp.symbols("N K", integer=True, positive=True)
    n, k = sp.Idx("n", (1, N)), sp.Idx("k", (1, K))
    y = sp.IndexedBase("y", real=True)
    rows_sum_to_one = ForEach(n, sp.Eq(sp.Sum(y[n, k], (k, 1, K)), 1))
    return N, K, n, k, y, rows_sum_to_one


def test_per_row_hypothesis_is_used_inside_a_sum_over_rows():
    N, K, n, k, y, rows = _per_row_symbols()
    total = sp.Sum(sp.Sum(y[n, k], (k, 1, K)), (n, 1, N))
    d = Derivation(total, hypotheses=[rows])
    d.step(sp.Sum(1, (n, 1, N)), "each row sums to one", assuming=rows)
    d.step(N, "count the rows")
    lines = d.latex().splitlines()
    assert lines[1] == r"&\text{For every }{\textstyle n}\text{, assume:} \\"
    assert lines[2] == (r"&\quad {\textstyle \sum_{k=1}^{K} y_{n,k} = 1} && \text{(H1)} \\")
    assert r"\text{, by (H1)}" in lines[3]


def test_per_row_hypothesis_applies_to_a_row_sum_with_another_bound_name():
    N, K, n, k, y, rows = _per_row_symbols()
    m, l = sp.Idx("m", (1, N)), sp.Idx("l", (1, K))
    weighted = sp.Sum(2 * sp.Sum(y[m, l], (l, 1, K)), (m, 1, N))
    d = Derivation(weighted, hypotheses=[rows])
    d.step(2 * N, "each row sums to one", assuming=rows)
    assert d.result == 2 * N


def test_false_use_of_a_per_row_hypothesis_is_refused():
    N, K, n, k, y, rows = _per_row_symbols()
    total = sp.Sum(sp.Sum(y[n, k], (k, 1, K)), (n, 1, N))
    with pytest.raises(StepError):
        Derivation(total, hypotheses=[rows]).step(2 * N, "each row sums to one",
                                                  assuming=rows)
    # a sum over the other index is not a row sum: the hypothesis does not apply
    columns = sp.Sum(sp.Sum(y[n, k], (n, 1, N)), (k, 1, K))
    with pytest.raises(StepError):
        Derivation(columns, hypotheses=[rows]).step(K, "each column sums to one",
                                                    assuming=rows)


def test_undeclared_per_row_hypothesis_is_refused():
    N, K, n, k, y, rows = _per_row_symbols()
    total = sp.Sum(sp.Sum(y[n, k], (k, 1, K)), (n, 1, N))
    with pytest.raises(StepError, match="neither a hypothesis"):
        Derivation(total).step(N, "each row sums to one", assuming=rows)
    # declaring it for one index does not declare it for a fixed row
    with pytest.raises(StepError, match="neither a hypothesis"):
        Derivation(total, hypotheses=[rows]).step(
            N, "each row sums to one", assuming=sp.Eq(sp.Sum(y[n, k], (k, 1, K)), 1))


def test_per_index_hypothesis_at_a_fixed_index():
    i = sp.Symbol("i", integer=True, positive=True)
    v = sp.Function("V")
    x = sp.IndexedBase("x")
    unit = ForEach(i, sp.Eq(v(x[i]), 1))
    d = Derivation(v(x[3]) + v(x[1]), hypotheses=[unit])
    d.step(sp.Integer(2), "unit variances", assuming=unit)
    with pytest.raises(StepError):
        Derivation(v(x[3]) + v(x[1]), hypotheses=[unit]).step(
            sp.Integer(3), "unit variances", assuming=unit)


def _covariances():
    d = sp.Symbol("d", integer=True, positive=True)
    i, j = sp.Idx("i", (1, d)), sp.Idx("j", (1, d))
    X = sp.IndexedBase("X")
    cov = sp.Function("Cov")
    uncorrelated = ForEach((i, j), sp.Eq(cov(X[i], X[j]), 0), where=sp.Ne(i, j))
    return d, i, j, X, cov, uncorrelated


def test_conditional_per_index_hypothesis_removes_the_off_diagonal():
    d, i, j, X, cov, uncorrelated = _covariances()
    double = sp.Sum(sp.Sum(cov(X[i], X[j]), (j, 1, d)), (i, 1, d))
    chain = Derivation(double, hypotheses=[uncorrelated])
    chain.step(sp.Sum(cov(X[i], X[i]), (i, 1, d)), "uncorrelated", assuming=uncorrelated)
    assert r"&\text{For every }{\textstyle i \neq j}\text{, assume:}" in chain.latex()


def test_false_use_of_a_conditional_hypothesis_is_refused():
    d, i, j, X, cov, uncorrelated = _covariances()
    double = sp.Sum(sp.Sum(cov(X[i], X[j]), (j, 1, d)), (i, 1, d))
    # the diagonal terms are not covered by "for i != j"
    with pytest.raises(StepError):
        Derivation(double, hypotheses=[uncorrelated]).step(
            sp.Integer(0), "uncorrelated", assuming=uncorrelated)
    with pytest.raises(StepError):
        Derivation(cov(X[1], X[1]), hypotheses=[uncorrelated]).step(
            sp.Integer(0), "uncorrelated", assuming=uncorrelated)
    # at two distinct fixed indices it applies
    Derivation(cov(X[1], X[2]), hypotheses=[uncorrelated]).step(
        sp.Integer(0), "uncorrelated", assuming=uncorrelated)


def test_fact_for_every_index_is_cited_inside_a_sum():
    d = sp.Symbol("d", integer=True, positive=True)
    i = sp.Idx("i", (1, d))
    x = sp.IndexedBase("x", real=True)
    square = Derivation((x[i] + 1)**2 - x[i]**2 - 2 * x[i], label="sq")
    square.step(sp.Integer(1), "expand")
    one = Fact(square, for_every=i)
    total = sp.Sum((x[i] + 1)**2 - x[i]**2 - 2 * x[i], (i, 1, d))
    chain = Derivation(total).step(sp.Sum(1, (i, 1, d)), "each term", assuming=one)
    chain.step(d, "count")
    assert r"\text{, by (}\text{sq}\text{)}" in chain.latex()


def test_fact_for_every_index_needs_a_proof_that_holds_for_every_index():
    i = sp.Symbol("i", integer=True, positive=True)
    x = sp.IndexedBase("x", real=True)
    fixed = Derivation(x[i], hypotheses=[sp.Eq(x[i], 1)], label="fixed")
    fixed.step(sp.Integer(1), "given", assuming=sp.Eq(x[i], 1))
    with pytest.raises(ValueError, match="for every"):
        Fact(fixed, for_every=i)
    quantified = ForEach(i, sp.Eq(x[i], 1))
    general = Derivation(x[i], hypotheses=[quantified], label="general")
    general.step(sp.Integer(1), "given", assuming=quantified)
    fact = Fact(general, for_every=i)
    assert fact.hypotheses == (quantified,)


def test_for_each_validates_its_arguments():
    i = sp.Symbol("i", integer=True)
    x = sp.IndexedBase("x")
    with pytest.raises(TypeError, match="indices"):
        ForEach("i", sp.Eq(x[i], 1))
    with pytest.raises(TypeError, match="relation"):
        ForEach(i, x[i] - 1)
    with pytest.raises(ValueError, match="does not occur"):
        ForEach(i, sp.Eq(x[1], 1))


def test_cited_hypotheses_are_short_references():
    a, b = sp.symbols("a b", real=True)
    hyps = [sp.Eq(a, 1), sp.Eq(b, 2)]
    d = Derivation(a + b, hypotheses=hyps).step(sp.Integer(3), "values", assuming=hyps)
    rows = _rows_with_break(d)
    assert rows[0].endswith(r"&& \text{(H1)} \\")
    assert rows[1].endswith(r"&& \text{(H2)} \\")
    assert rows[-1].endswith(r"\text{values}\text{, by (H1), (H2)}\ \checkmark")


def test_a_run_of_cited_hypotheses_is_one_range():
    a, b, c, e = sp.symbols("a b c e", real=True)
    hyps = [sp.Eq(a, 1), sp.Eq(b, 2), sp.Eq(c, 3), sp.Eq(e, 4)]
    d = Derivation(a + b + c + e, hypotheses=hyps)
    d.step(sp.Integer(10), "values", assuming=hyps)
    assert r"\text{, by (H1)–(H4)}" in d.latex()
    d2 = Derivation(a + c + e, hypotheses=hyps).step(sp.Integer(8), "values",
                                                     assuming=[hyps[3], hyps[0], hyps[2]])
    assert r"\text{, by (H1), (H3), (H4)}" in d2.latex()


# ----------------------------------------------------------------------------
# Checker bugs
# ----------------------------------------------------------------------------


def test_max_under_an_inequality_premise_is_not_refuted():
    a, b, c = sp.symbols("a b c", real=True)
    order = [sp.Le(b, a), sp.Le(c, a)]
    m = sp.Max(a, b)
    d = Derivation(sp.exp(b - m) + sp.exp(a - m), hypotheses=order)
    d.step(1 + sp.exp(b - a), "$a$ is the largest", assuming=order[0])
    Derivation(sp.Max(a, b, c), hypotheses=order).step(a, "$a$ is the largest",
                                                     assuming=order)
    Derivation(sp.Min(a, b), hypotheses=order).step(b, "$b \\le a$", assuming=order[0])
    # the false claims are still refused
    with pytest.raises(StepError):
        Derivation(m, hypotheses=order).step(b, "wrong", assuming=order[0])
    with pytest.raises(StepError):  # without the premise, Max(a, b) = a is not proved
        Derivation(m).step(a, "no premise")


def test_equals_does_not_refute_what_holds_under_the_premises():
    a, b = sp.symbols("a b", real=True)
    verdict = _compare(sp.Max(a, b) - a, 0, [sp.Le(b, a)])
    assert verdict.value is not False


def test_simplify_failing_inside_sympy_falls_back_to_sums_as_atoms(monkeypatch):
    K = sp.Symbol("K", integer=True, positive=True)
    k = sp.Idx("k", (1, K))
    z = sp.IndexedBase("z", real=True)
    total = sp.Sum(sp.exp(z[k]), (k, 1, K))
    original = sp.simplify

    def sum_combine_fails(expr, *args, **kwargs):
        if sp.sympify(expr).has(sp.Sum):
            raise StopIteration  # what SymPy's sum_combine raises on some sums
        return original(expr, *args, **kwargs)

    monkeypatch.setattr(sp, "simplify", sum_combine_fails)
    verdict = _compare(sp.gamma(total + 1) / sp.gamma(total), total)
    assert verdict.value is True and "sums as atoms" in verdict.detail
    Derivation(sp.gamma(total + 1) / sp.gamma(total)).step(total, "recurrence of gamma")
    with pytest.raises(StepError):
        Derivation(sp.gamma(total + 1) / sp.gamma(total)).step(total + 1, "wrong")


def test_sums_left_with_other_bound_names_by_refine_are_equal():
    from softmax_lib._symbolic_check import _is_zero

    K = sp.Symbol("K", integer=True, positive=True)
    j = sp.Symbol("j", integer=True)
    a0, a1 = sp.symbols("_sum_index_0 _sum_index_1", integer=True)
    z = sp.IndexedBase("z", real=True)
    # what a sum of KroneckerDelta(j, k) * sum_l e^{z_l} over k leaves: the inner
    # sum, named for depth 1, inside a Piecewise on the range of j
    inner = sp.Sum(sp.exp(z[a1]), (a1, 1, K))
    outer = sp.Sum(sp.exp(z[a0]), (a0, 1, K))
    facts = [sp.Q.ge(j, 1), sp.Q.le(j, K)]
    leftover = sp.Piecewise((inner, (j >= 1) & (j <= K)), (0, True)) - outer
    assert _is_zero(leftover, facts)
    assert not _is_zero(leftover - 1, facts)
    assert not _is_zero(sp.Piecewise((2 * inner, (j >= 1) & (j <= K)), (0, True)) - outer,
                        facts)
