r"""SymPy-checked derivations, and softmax written symbolically.

A chapter states each derivation once, as a :class:`Derivation`: a start
expression and a chain of steps, each with a short reason.  ``step()`` asks
SymPy whether the new expression equals the previous one and accepts the
step only when SymPy *proves* it.  A step that is false, or that SymPy cannot
decide, raises :class:`StepError`, so a wrong derivation stops the notebook
and fails the tests.  The object renders itself (``_repr_latex_``) as an
aligned chain with the reasons and a check mark on every verified line, and
that rendering is what the page shows: the derivation is never typed twice.

What the engine refuses
-----------------------
A page shows a chain with check marks; each of the following would let a
false line carry one, so each raises :class:`StepError`:

* **a false or undecided step** (see below for how equality is decided);
* **a display that is an unchecked formula.**  :func:`named` shows a short
  display for a longer value.  A display that is an *atomic name* (one
  symbol, possibly with subscripts, primes, a superscript that is a mark
  or a name, or function-call brackets: ``S``, ``s_1``, ``e^{z_i}``,
  ``\sigma(x)``, ``H(p, q)``, ``\frac{\partial L}{\partial z_1}``; see
  :func:`is_atomic_tex`) may stand for any value, as a name in the text
  does.  Any other display is a formula and must be a SymPy expression
  that SymPy proves equal to the value: ``named(s1 - y1, value)`` is
  checked, and ``named("s_1 - y_1", value)`` or ``named(Shown(r"\log_2
  c"), value)`` is refused because a string or symbol cannot be checked;
* **an unstated premise.**  A step may use (``assuming=``) only hypotheses
  that the derivation declares once (``hypotheses=``), which the page
  states on its first lines ("Assume ...", each tagged (H1), (H2), ...),
  or a :class:`Fact` proved by another :class:`Derivation`, which the line
  cites by its label ("by (eq-label)").  A line cites a hypothesis by its
  tag ("by (H1)"), so the reasons stay a few words long.  ``x**2 -> x``
  with the premise ``x = 1`` is refused unless the derivation assumes
  ``x = 1`` for all to see.  A hypothesis may hold for every value of an
  index (:class:`ForEach`: "Var(q_i k_i) = 1 for every i", "Cov(X_i, X_j)
  = 0 for every i ≠ j", "Σ_k y_{nk} = 1 for every n"); a step may then
  use it inside a sum over that index, and a fact proved for a free index
  that no hypothesis fixes may be cited for every value of it
  (``Fact(derivation, for_every=i)``);
* **a first line that is not proved.**  ``lhs = start`` is always checked.
  A new name is introduced with :meth:`Derivation.define`, which renders
  ``name := value``; the name must be atomic.

Statements checked only for some sizes say so where they are shown: the
:class:`SizeCheck` from :func:`verify_for_sizes` prints "checked for K =
2, …, 6", and it and each of its Derivations render that line under the
chain.

How equality is decided (:func:`are_equal`)
-------------------------------------------
Both sides are unwrapped (:func:`named` values replace their names),
premises are substituted, and unevaluated objects (``Derivative``,
``Sum``, ``UnevaluatedExpr``) are evaluated with ``.doit()``.  Every finite
sum is put in a normal form: nested one limit at a time, shifted to start
at 1, an upper bound ``U + c`` (``c`` a small integer) peeled to ``U``
with the extra terms written out (exact under SymPy's summation
convention), split over its terms, with the factors that do not depend on
its index taken out (SymPy will not take ``1/\sum_k e^{z_k}`` out of
``\sum_k y_k / \sum_k e^{z_k}`` because the inner bound variable has the
same name), and its bound variable renamed canonically, so that
``\sum_k e^{z_k}`` and ``\sum_l e^{z_l}`` are the same expression.
Then, in order: structural equality; the difference is zero after
``expand``, ``together`` or ``cancel``; a search for a numeric
counterexample (which can only *refute*: small integers for sizes and
indices, rationals for the variables, 30-digit evaluation); ``simplify``
of the difference; ``simplify`` after ``expand``, ``powsimp``,
``together``, ``trigsimp``, rewriting in ``exp`` or expanding logarithms;
finally ``Expr.equals``.  Matrices are compared entry by entry.  The
answer is ``True`` (proved), ``False`` (refuted) or ``None`` (undecided);
only ``True`` lets a step through, and no numeric evaluation ever produces
``True``.  Inequality premises are facts for ``sympy.refine``; a ``Max``
or ``Min`` whose extreme argument they determine is replaced by it, and
``Expr.equals``, which tests points that may violate them, never refutes
a step that has premises.  When ``simplify`` fails inside SymPy (a raw
``StopIteration`` from its ``sum_combine``), it is tried again with each
sum as an opaque symbol, which proves only true identities because equal
sums in normal form are the same expression.  A hypothesis for every
index (:class:`ForEach`) is applied wherever its left side occurs, as
written and in normal form, with the index matched to any value,
including a summation variable.

Some true statements stay undecided, for instance reversing a sum,
``Sum(y[k], (k, 1, K)) == Sum(y[K + 1 - k], (k, 1, K))``.  Such a step is
rejected; check it with :func:`verify_for_sizes` instead, and the page
says for which sizes.

General K: Sum, IndexedBase and KroneckerDelta
----------------------------------------------
:func:`general_symbols` gives ``z`` (an ``IndexedBase``), ``K`` (a positive
integer) and indices ``i, j, k`` that are ``sympy.Idx`` objects with range
``1..K``.  Differentiating a sum over ``k`` with respect to ``z[j]`` makes
SymPy produce ``Sum(exp(z[k]) * KroneckerDelta(j, k), (k, 1, K))``, and
``.doit()`` turns that into ``Piecewise((exp(z[j]), j <= K), (0, True))``:
SymPy does not know that ``j`` lies in ``1..K``.  The checker therefore reads
the range of every bounded ``Idx`` in the expressions and calls
:func:`sympy.refine` with ``lower <= idx <= upper``, which selects the right
branch.  With plain integer ``Symbol`` indices the same fact must be a
declared hypothesis, e.g. ``hypotheses=[sympy.Le(j, K)]``, cited by the
step.  With this, ``diff(indexed_softmax(i), z[j])`` is proved equal to
:math:`s_i(\delta_{ij} - s_j)` for symbolic ``K``.

Statements that hold for every ``K`` but that SymPy can only decide for a
concrete size (the matrix form :math:`J = \operatorname{diag}(s) - s s^\top`)
are checked with :func:`verify_for_sizes`, and the page says for which sizes.
To specialise a general-K expression use ``expr.xreplace({K: 3})``, not
``subs``: ``subs`` changes ``K`` in the range of ``Idx('k', (1, K))`` in the
limits of a sum but not in its summand, and the sum then evaluates wrongly
(``Sum(y[k], (k, 1, K)).subs(K, 3).doit()`` gives ``3*y[k]`` in SymPy 1.14).

Rendering
---------
SymPy evaluates as it builds, so an expression is displayed in the form the
author built: use :func:`named` to show ``s_i`` or ``S`` for a longer value
(the checker sees the value), ``sympy.Derivative(...)`` (unevaluated by
default) for derivatives, which print as
:math:`\frac{\partial s_i}{\partial z_j}`, and ``sympy.UnevaluatedExpr`` or
``evaluate=False`` to keep a form SymPy would rewrite; a factor can also be
kept as written with ``named(expr, expr)`` (a formula display, checked like
any other), and :func:`log2` prints :math:`\log_2 x` where ``sympy.log(x, 2)``
would print a quotient.  A sign inside an ``UnevaluatedExpr`` factor is
bracketed, since SymPy would print ``UnevaluatedExpr(-1/N) * log(y)`` as a
difference.  A sum built with
``evaluate=False`` whose terms are not in SymPy's canonical order prints them
in the order given; other sums print in SymPy's order, led by a positive
term (``\delta_{ij} - s_j`` rather than ``-s_j + \delta_{ij}``).  Reasons are
set with ``\text{...}``; ``$...$`` parts become inline-size math, and LaTeX
special characters in the text are escaped in math mode (MathJax shows the
content of ``\text`` literally, so ``\&`` inside it would print a
backslash).  The output uses only LaTeX, amsmath and amssymb: ``aligned``,
``\text``, ``\textstyle``, ``\mathrel{:=}`` for a definition (not
mathtools' ``\coloneqq``), ``\dots`` and the check mark ``\checkmark``, so
MathJax in the browser, KaTeX or a build-time renderer typeset it alike.

Examples
--------
>>> import sympy as sp
>>> from softmax_lib.symbolic import (Derivation, logits, named, sigmoid,
...                                   softmax_vector)
>>> z1, z2 = logits(2)
>>> s1 = softmax_vector((z1, z2))[0]
>>> sigma = sp.Function("sigma")
>>> d = Derivation(s1, lhs=named("s_1", s1))
>>> _ = d.step(1 / (1 + sp.exp(z2 - z1)), "divide by $e^{z_1}$")
>>> _ = d.step(named(sigma(z1 - z2), sigmoid(z1 - z2)), r"definition of $\sigma$")
>>> print(d.latex())
\begin{aligned}
s_{1} &= \frac{e^{z_{1}}}{e^{z_{1}} + e^{z_{2}}} \\
&= \frac{1}{e^{z_{2} - z_{1}} + 1} && \text{divide by }{\textstyle e^{z_1}}\ \checkmark \\
&= \sigma{\left(z_{1} - z_{2} \right)} && \text{definition of }{\textstyle \sigma}\ \checkmark
\end{aligned}
"""

from __future__ import annotations

import re
from functools import cmp_to_key
from types import SimpleNamespace
from typing import NamedTuple

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices import MatrixBase
from sympy.matrices.expressions import MatrixExpr
from sympy.printing.conventions import requires_partial
from sympy.printing.latex import LatexPrinter

from softmax_lib._symbolic_check import (
    _NAME_TYPES,
    _has_operator_outside_brackets,
    Assumptions,
    ForEach,
    Named,
    NamedMatrix,
    StepError,
    Verdict,
    compare,
    is_atomic_tex,
    named,
    parse_assumptions,
    unwrap,
)

__all__ = [
    "Derivation",
    "Fact",
    "ForEach",
    "Shown",
    "SizeCheck",
    "Step",
    "StepError",
    "are_equal",
    "general_symbols",
    "indexed_softmax",
    "is_atomic_tex",
    "latex",
    "log2",
    "log_sum_exp",
    "logits",
    "named",
    "sigmoid",
    "softmax_jacobian_matrix",
    "softmax_vector",
    "verify_for_sizes",
]


class Step(NamedTuple):
    """One verified line: the new expression, its reason and the premises used.

    ``assuming`` holds the hypotheses the step used, ``cites`` the labels
    of the facts it cited.
    """

    expr: sp.Basic
    reason: str
    assuming: tuple
    cites: tuple = ()


# ----------------------------------------------------------------------------
# LaTeX
# ----------------------------------------------------------------------------

_SIMPLE_DERIVAND = (sp.Symbol, sp.Indexed, Named, NamedMatrix, AppliedUndef)


class _Printer(LatexPrinter):
    """SymPy's LaTeX printer with derivatives as fractions and readable sums."""

    def _print_Derivative(self, expr):
        if not isinstance(expr.expr, _SIMPLE_DERIVAND):
            return super()._print_Derivative(expr)
        d = r"\partial" if requires_partial(expr.expr) else r"\mathrm{d}"
        order = sum(count for _, count in expr.variable_count)
        below = " ".join(
            f"{d} {self._print(v)}" if n == 1
            else f"{d} {self.parenthesize_super(self._print(v))}^{{{self._print(n)}}}"
            for v, n in expr.variable_count
        )
        above = d if order == 1 else f"{d}^{{{self._print(order)}}}"
        return rf"\frac{{{above} {self._print(expr.expr)}}}{{{below}}}"

    # A name is atomic on the page even when its value holds a sum; a formula
    # display is bracketed as the formula it shows.
    def _needs_brackets(self, expr):
        if isinstance(expr, (Named, NamedMatrix)):
            return not expr.is_name and super()._needs_brackets(expr.name)
        return super()._needs_brackets(expr)

    def _needs_mul_brackets(self, expr, first=False, last=False):
        if isinstance(expr, sp.UnevaluatedExpr):
            # SymPy prints UnevaluatedExpr(-1/N) * log(x) as "\log x - \frac{1}{N}",
            # which reads as a difference: bracket a factor that carries a sign.
            inner = expr.args[0]
            return (inner.could_extract_minus_sign()
                    or super()._needs_mul_brackets(inner, first=first, last=last))
        if isinstance(expr, (Named, NamedMatrix)):
            return not expr.is_name and super()._needs_mul_brackets(
                expr.name, first=first, last=last)
        # SymPy brackets a factor that "has" a Sum; decide on what is printed,
        # not on the values hidden behind names (log p_k, not log of a sum).
        return super()._needs_mul_brackets(_as_displayed(expr), first=first, last=last)

    def _needs_add_brackets(self, expr):
        if isinstance(expr, (Named, NamedMatrix)):
            return not expr.is_name and super()._needs_add_brackets(expr.name)
        return super()._needs_add_brackets(expr)

    def _print_Sum(self, expr):
        if len(expr.limits) == 1:
            return super()._print_Sum(expr)
        # SymPy writes nested sums as one sum with several limits (innermost
        # first); print them as the nested sums a reader writes, outermost first.
        tex = "".join(r"\sum_{%s=%s}^{%s} " % tuple(self._print(v) for v in limit)
                      for limit in reversed(expr.limits))
        if isinstance(expr.function, sp.Add):
            return tex + r"\left(%s\right)" % self._print(expr.function)
        return tex + self._print(expr.function)

    def _print_Idx(self, expr):
        return self._print(expr.label)

    def _print_Indexed(self, expr):
        base = self._print(expr.base)
        if not isinstance(expr.base.label, sp.Symbol) or "_" in base or "^" in base:
            base = "{" + base + "}"
        indices = ",".join(self._print(i) for i in expr.indices)
        return f"{base}_{{{indices}}}"

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, (NamedMatrix, sp.MatrixSymbol)):
            return self._print(expr.arg) + r"^{\top}"
        return r"\left(" + self._print(expr.arg) + r"\right)^{\top}"

    def _print_DiagMatrix(self, expr):
        return r"\operatorname{diag}\left(" + self._print(expr.args[0]) + r"\right)"

    def _as_ordered_terms(self, expr, order=None):
        if not isinstance(expr, sp.Add) or order is not None or self.order is not None:
            return super()._as_ordered_terms(expr, order=order)
        given = list(expr.args)
        if not isinstance(expr, MatrixExpr) and given != sorted(
                given, key=cmp_to_key(sp.Basic.compare)):
            return given  # built with evaluate=False: keep the author's order
        terms = super()._as_ordered_terms(expr)
        # Lead with a positive term: "1 + e^{-x}", "\delta_{ij} - s_j".
        if terms[0].could_extract_minus_sign():
            for pos, term in enumerate(terms):
                if not term.could_extract_minus_sign():
                    terms.insert(0, terms.pop(pos))
                    break
        return terms


def _as_displayed(expr):
    """``expr`` with every scalar name replaced by its display (for layout decisions)."""
    names = expr.atoms(Named) if isinstance(expr, sp.Basic) else set()
    if not names:
        return expr
    try:
        return expr.xreplace({w: w.name for w in names})
    except (TypeError, ValueError):  # a display that cannot stand in this position
        return expr


def latex(expr) -> str:
    """LaTeX for ``expr`` as a :class:`Derivation` prints it.

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import general_symbols, latex
    >>> g = general_symbols()
    >>> print(latex(sp.Derivative(g.s(g.i), g.z[g.j])))
    \\frac{\\partial s_{i}}{\\partial z_{j}}
    """
    return _Printer().doprint(expr)


class Shown(sp.Symbol):
    r"""A symbol printed as the LaTeX in its name, e.g. ``Shown(r"\log_2 c")``.

    For names SymPy would print otherwise.  As a display (:func:`named`)
    it is checked like any name: it may stand for a value only when its
    LaTeX is an atomic name (:func:`is_atomic_tex`); ``Shown(r"\log_2 c")``
    is a formula and is refused there.

    Examples
    --------
    >>> from softmax_lib.symbolic import Shown, latex
    >>> latex(Shown(r"\hat{o}_{a}"))
    '\\hat{o}_{a}'
    """

    def _latex(self, printer):
        return self.name


class log2(sp.Function):  # noqa: N801 (a SymPy function, named like sympy.log)
    r"""The base-2 logarithm, printed :math:`\log_2 x` and checked as ``log(x)/log(2)``.

    SymPy prints ``sympy.log(x, 2)`` as :math:`\frac{\log x}{\log 2}`.
    ``log2(x)`` stays as written when built and prints as :math:`\log_2 x`;
    ``.doit()``, which the checker applies before comparing, turns it into
    ``log(x)/log(2)``, so a step or a display that uses it is checked like
    any other expression.

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import are_equal, latex, log2
    >>> p = sp.Symbol("p", positive=True)
    >>> latex(log2((1 - p) / p))
    '\\log_{2} \\frac{1 - p}{p}'
    >>> are_equal(log2(8 * p), 3 + log2(p))
    True
    """

    nargs = 1

    @classmethod
    def eval(cls, arg):
        """Leave ``log2(arg)`` as written: no automatic evaluation or simplification."""
        return None  # keep the form the author built

    def doit(self, deep=True, **hints):
        """``log(arg)/log(2)``, the form in which SymPy checks a step."""
        arg = self.args[0].doit(deep=deep, **hints) if deep else self.args[0]
        return sp.log(arg) / sp.log(2)

    def fdiff(self, argindex=1):
        """The derivative ``1/(x log 2)``."""
        return 1 / (self.args[0] * sp.log(2))

    def _eval_rewrite_as_log(self, arg, **kwargs):
        return sp.log(arg) / sp.log(2)

    def _eval_evalf(self, prec):
        return (sp.log(self.args[0]) / sp.log(2))._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        arg = self.args[0]
        tex = printer._print(arg)
        # Brackets always, as SymPy sets log: in a product the factors may be
        # printed after it.  A fraction shows its own extent.
        if not (isinstance(arg, sp.Mul) and sp.fraction(arg)[1] != 1):
            tex = r"\left(" + tex + r"\right)"
        if exp is not None:
            return rf"\left(\log_{{2}} {tex}\right)^{{{exp}}}"
        return rf"\log_{{2}} {tex}"


_TEXT_SPECIALS = {
    "\\": r"\backslash ", "{": r"\{", "}": r"\}", "#": r"\#", "%": r"\%",
    "&": r"\&", "_": r"\_", "^": r"\hat{}", "~": r"\sim ", "$": r"\$",
}


def _reason_latex(reason: str) -> str:
    r"""Render a reason as ``\text{...}`` with ``$...$`` parts as math.

    Special characters in the text are set in math mode (``\&``, ``\%``,
    ...) because MathJax shows the content of ``\text`` literally.  ``\$``
    is a literal dollar sign.
    """
    pieces = re.split(r"(?<!\\)\$", reason)
    if len(pieces) % 2 == 0:
        raise ValueError(f"reason has an unmatched '$': {reason!r}")
    out = []
    for n, piece in enumerate(pieces):
        if n % 2:  # math
            if not piece.strip():
                raise ValueError(f"reason has an empty $...$: {reason!r}")
            out.append(r"{\textstyle " + piece + "}")  # inline size, as $...$ would be
            continue
        piece = piece.replace("\\$", "$")
        text = ""
        for char in piece:
            if char in _TEXT_SPECIALS:
                if text:
                    out.append(rf"\text{{{text}}}")
                    text = ""
                out.append(_TEXT_SPECIALS[char])
            else:
                text += char
        if text:
            out.append(rf"\text{{{text}}}")
    return "".join(out)


def _quantifier_latex(premise) -> str:
    """The indices of ``for every i`` or ``for every i \\neq j``; empty when unquantified."""
    if not isinstance(premise, ForEach):
        return ""
    where, indices = premise.where, premise.indices
    if (isinstance(where, sp.Unequality) and len(indices) == 2
            and {where.lhs, where.rhs} == set(indices)):
        return r"{\textstyle " + latex(where) + "}"
    shown = r"{\textstyle " + ", ".join(map(latex, indices)) + "}"
    if where is not None:
        shown += r"\text{ with }{\textstyle " + latex(where) + "}"
    return shown


def _hypothesis_rows(hypotheses, tag) -> list:
    """The "Assume" lines, one hypothesis a line with its tag in the reason column.

    Hypotheses quantified over the same indices follow one line that states
    the quantifier ("For every i, assume:"), so that each line stays short
    enough for a phone.
    """
    rows, n = [], 0
    while n < len(hypotheses):
        quantifier = _quantifier_latex(hypotheses[n])
        if not quantifier:
            rows.append(r"&\text{Assume }{\textstyle " + latex(hypotheses[n])
                        + r"}\text{.} && \text{" + tag(hypotheses[n]) + "}")
            n += 1
            continue
        rows.append(r"&\text{For every }" + quantifier + r"\text{, assume:}")
        while n < len(hypotheses) and _quantifier_latex(hypotheses[n]) == quantifier:
            rows.append(r"&\quad {\textstyle " + latex(hypotheses[n].relation)
                        + r"} && \text{" + tag(hypotheses[n]) + "}")
            n += 1
    return rows


def _premise_text(premise) -> str:
    if isinstance(premise, ForEach):
        return repr(premise)
    return sp.sstr(premise)


# ----------------------------------------------------------------------------
# Equality
# ----------------------------------------------------------------------------


def _as_sympy(value, argument):
    if isinstance(value, MatrixBase):
        return sp.ImmutableMatrix(value)
    try:
        return sp.sympify(value, strict=True)
    except sp.SympifyError:
        raise TypeError(
            f"{argument} must be a SymPy expression or Matrix, got {type(value).__name__}"
        ) from None


def are_equal(a, b, *, assuming=None):
    """Whether two SymPy expressions (or matrices) are equal: True, False or None.

    Parameters
    ----------
    a, b : sympy.Expr or sympy.Matrix
        The two sides.  :func:`named` values, ``Derivative``, ``Sum`` and
        ``UnevaluatedExpr`` are evaluated first.
    assuming : dict, sympy.Eq, relation, or list of these, optional
        ``{old: new}`` pairs or ``Eq(old, new)`` are substituted into both
        sides; inequalities such as ``sympy.Le(j, K)`` are used as facts
        (``sympy.refine``); ``sympy.Ne(i, j)`` also sets
        ``KroneckerDelta(i, j)`` to 0.

    Returns
    -------
    bool or None
        ``True`` when SymPy proves ``a == b``; ``False`` when the sides are
        shown to differ (a numeric counterexample or ``Expr.equals``);
        ``None`` when SymPy cannot decide.

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import are_equal
    >>> x = sp.Symbol("x", real=True)
    >>> are_equal(sp.log(sp.exp(x)), x)
    True
    >>> are_equal(sp.exp(x), 1 + x)
    False
    >>> y = sp.IndexedBase("y"); k = sp.Symbol("k", integer=True)
    >>> K = sp.Symbol("K", integer=True, positive=True)
    >>> total = sp.Sum(y[k], (k, 1, K))
    >>> are_equal(total, 1)  # false for some y: a counterexample is found
    False
    >>> are_equal(2 * total, 2, assuming={total: 1})
    True
    >>> peeled = sp.Sum(y[k], (k, 1, K)) + y[K + 1]
    >>> are_equal(peeled, sp.Sum(y[k], (k, 1, K + 1)))  # proved for every K
    True
    >>> reversed_ = sp.Sum(y[K + 1 - k], (k, 1, K))
    >>> print(are_equal(total, reversed_))  # true, but undecided
    None
    """
    return compare(a, b, assuming).value


# ----------------------------------------------------------------------------
# Premises: hypotheses and facts
# ----------------------------------------------------------------------------


class Fact:
    r"""An equation proved by a :class:`Derivation`, cited by its label.

    ``Fact(derivation)`` states that the first expression of ``derivation``
    (its ``lhs``, or its start) equals its last one.  Another derivation's
    step may then use it with ``assuming=fact`` (or ``assuming=derivation``);
    the line shows "by (label)".  A fact proved under hypotheses may be cited
    only by a derivation that declares the same hypotheses.

    Parameters
    ----------
    derivation : Derivation
        A derivation with at least one proved equality (an ``lhs`` or a step).
    label : str, optional
        The equation label the page cites, e.g. ``"eq-shift"``; defaults to
        the derivation's ``label``.  ``$...$`` parts are set as math.
    for_every : sympy.Symbol or sympy.Idx, or a tuple of them, optional
        Indices free in the equation for whose every value it holds, so that
        a step may apply it inside a sum over them.  Allowed only when no
        hypothesis of the derivation fixes the index (every hypothesis that
        mentions it is a :class:`ForEach` over it); otherwise ValueError.

    Attributes
    ----------
    lhs : sympy.Basic
        The first side of the proved equation.
    rhs : sympy.Basic
        The last side of the proved equation.
    label : str
    hypotheses : tuple
        The hypotheses under which it was proved.

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import Derivation, Fact
    >>> x = sp.Symbol("x")
    >>> square = Derivation((x + 1)**2, label="square").step(x**2 + 2*x + 1, "expand")
    >>> Fact(square).equation
    Eq((x + 1)**2, x**2 + 2*x + 1)
    """

    def __init__(self, derivation, label=None, *, for_every=None):
        if not isinstance(derivation, Derivation):
            raise TypeError(f"derivation must be a Derivation, got {type(derivation).__name__}")
        label = derivation.label if label is None else label
        if not isinstance(label, str) or not label.strip():
            raise ValueError("a fact is cited by its equation label: give the Derivation a "
                             "label= or pass label= to Fact")
        _reason_latex(label)
        if derivation.lhs is None and not derivation.steps:
            raise ValueError("the derivation proves nothing yet: it has no lhs and no step")
        self.lhs = derivation.lhs if derivation.lhs is not None else derivation.start
        self.rhs = derivation.result
        self.label = label
        self.hypotheses = derivation.hypotheses
        self.for_every = _quantified_indices(for_every, self, derivation.hypotheses)

    @property
    def equation(self):
        """``Eq(lhs, rhs)``, unevaluated."""
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    @property
    def premise(self):
        """The equation that a step citing the fact substitutes.

        A :class:`ForEach` over the indices of ``for_every`` when there are any.
        """
        equation = sp.Eq(unwrap(self.lhs), unwrap(self.rhs), evaluate=False)
        return ForEach(self.for_every, equation) if self.for_every else equation

    def __repr__(self):
        return f"Fact({self.label!r}: {sp.sstr(self.lhs)} = {sp.sstr(self.rhs)})"


def _quantified_indices(for_every, fact, hypotheses) -> tuple:
    """Check that ``fact`` holds for every value of the indices ``for_every``.

    The proof holds for every value of an index when no hypothesis fixes it:
    every hypothesis that mentions the index must itself hold for every
    value of it (a :class:`ForEach` over that index).
    """
    if for_every is None:
        return ()
    indices = tuple(for_every) if isinstance(for_every, (list, tuple)) else (for_every,)
    for ix in indices:
        if not isinstance(ix, (sp.Symbol, sp.Idx)):
            raise TypeError(f"for_every must hold SymPy Symbols or Idx, got {ix!r}")
        if not unwrap(fact.lhs).has(ix):
            raise ValueError(f"index {ix} does not occur in the fact's left side")
        for hypothesis in hypotheses:
            if isinstance(hypothesis, ForEach):
                fixes = ix not in hypothesis.indices and (
                    hypothesis.relation.has(ix)
                    or (hypothesis.where is not None and hypothesis.where.has(ix)))
            else:
                fixes = hypothesis.has(ix)
            if fixes:
                raise ValueError(
                    f"({fact.label}) does not hold for every {ix}: it was proved assuming "
                    f"{_premise_text(hypothesis)}, which holds only for some {ix}")
    return indices


def _hypotheses(hypotheses) -> Assumptions:
    if hypotheses is None:
        return Assumptions()
    if isinstance(hypotheses, (Fact, Derivation)):
        raise TypeError("hypotheses must be SymPy relations (Eq, <, <=, >, >=, Ne); "
                        "cite a proved fact in a step with assuming= instead")
    return parse_assumptions(hypotheses)


def _size_text(name, sizes) -> str:
    """``K = 2, …, 6`` for a run of four or more consecutive sizes, else the list."""
    sizes = list(sizes)
    if len(sizes) >= 4 and sizes == list(range(sizes[0], sizes[0] + len(sizes))):
        return f"{name} = {sizes[0]}, …, {sizes[-1]}"
    return f"{name} = " + ", ".join(map(str, sizes))


def _size_latex(name, sizes) -> str:
    return latex(sp.Symbol(name)) + " " + _size_text(name, sizes)[len(name) + 1:].replace(
        "…", r"\dots")


# ----------------------------------------------------------------------------
# Derivation
# ----------------------------------------------------------------------------


class Derivation:
    r"""A chain of equalities, each step proved by SymPy.

    Parameters
    ----------
    start : sympy.Expr or sympy.Matrix
        The first expression of the chain.
    lhs : sympy.Expr or sympy.Matrix, optional
        Shown left of the first ``=``, e.g. an unevaluated
        ``sympy.Derivative``.  ``start`` must be proved equal to it.  To
        introduce a new name for an expression, use :meth:`define`.
    title : str, optional
        Names the derivation in the text form and in error messages.
    hypotheses : relation or list of relations, optional
        What the whole derivation assumes, e.g.
        ``[sympy.Eq(sympy.Sum(y[k], (k, 1, K)), 1)]`` or ``sympy.Ne(i, j)``.
        Shown on a first line, "Assume ...".  Only these, and facts proved by
        other derivations, may be used by a step (``assuming=``).
    label : str, optional
        The equation label under which other derivations cite this one
        (:class:`Fact`); ``$...$`` parts are set as math.

    Raises
    ------
    StepError
        When ``lhs`` is given and ``start`` is not proved equal to it.

    Notes
    -----
    Only expressions are stored; the LaTeX is made on demand, so the page
    shows exactly the chain that was checked.  ``Derivation.check_equal`` is
    :func:`are_equal`.

    A step may use a premise only in two ways (``assuming=`` of
    :meth:`step`): a hypothesis declared for the whole derivation, which the
    page states at the top, or a :class:`Fact` proved by another
    derivation, which the line cites by its label.  Any other premise is
    refused with :class:`StepError`, so no line can rest on an assumption
    that the page does not state or that was not proved.

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import Derivation, ForEach, logits, named
    >>> z1, z2, z3 = logits(3)
    >>> S = named("S", sp.exp(z1) + sp.exp(z2) + sp.exp(z3))
    >>> s1 = named("s_1", sp.exp(z1) / S)
    >>> d = Derivation(sp.exp(z1) / S, lhs=s1)
    >>> _ = d.step(sp.exp(z1 + 5) / (sp.exp(5) * S), "multiply by $e^5/e^5$")
    >>> d.steps[0].reason
    'multiply by $e^5/e^5$'
    >>> print(d.latex())
    \begin{aligned}
    s_{1} &= \frac{e^{z_{1}}}{S} \\
    &= \frac{e^{z_{1} + 5}}{S e^{5}} && \text{multiply by }{\textstyle e^5/e^5}\ \checkmark
    \end{aligned}
    >>> d.step(sp.exp(z2) / S, "a wrong step")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    softmax_lib.symbolic.StepError: step 2 (a wrong step) is false: ...

    A hypothesis is declared once and shown at the top:

    >>> x = sp.Symbol("x")
    >>> d = Derivation(x**2, hypotheses=[sp.Eq(x, 1)])
    >>> _ = d.step(x, "square of one", assuming=sp.Eq(x, 1))
    >>> print(d.latex())
    \begin{aligned}
    &\text{Assume }{\textstyle x = 1}\text{.} && \text{(H1)} \\
    x^{2} &= x && \text{square of one}\text{, by (H1)}\ \checkmark
    \end{aligned}

    A hypothesis may hold for every value of an index (:class:`ForEach`);
    a step then uses it inside a sum over that index:

    >>> N, K = sp.symbols("N K", integer=True, positive=True)
    >>> n, k = sp.Idx("n", (1, N)), sp.Idx("k", (1, K))
    >>> y = sp.IndexedBase("y")
    >>> rows = ForEach(n, sp.Eq(sp.Sum(y[n, k], (k, 1, K)), 1))
    >>> d = Derivation(sp.Sum(y[n, k], (k, 1, K), (n, 1, N)), hypotheses=rows)
    >>> print(d.step(N, "each row sums to one", assuming=rows).latex())
    \begin{aligned}
    &\text{For every }{\textstyle n}\text{, assume:} \\
    &\quad {\textstyle \sum_{k=1}^{K} y_{n,k} = 1} && \text{(H1)} \\
    \sum_{n=1}^{N} \sum_{k=1}^{K} y_{n,k} &= N && \text{each row sums to one}\text{, by (H1)}\ \checkmark
    \end{aligned}

    An undeclared premise is refused:

    >>> Derivation(x**2).step(x, "square of one", assuming={x: 1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    softmax_lib.symbolic.StepError: step 1 (square of one) uses the premise x = 1, ...
    """

    check_equal = staticmethod(are_equal)

    def __init__(self, start, *, lhs=None, title=None, hypotheses=None, label=None):
        self.start = _as_sympy(start, "start")
        self.lhs = None if lhs is None else _as_sympy(lhs, "lhs")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a str, got {type(title).__name__}")
        if label is not None:
            if not isinstance(label, str):
                raise TypeError(f"label must be a str, got {type(label).__name__}")
            if not label.strip():
                raise ValueError("label must not be empty")
            _reason_latex(label)
        self.title = title
        self.label = label
        self._premises = _hypotheses(hypotheses)
        self.steps: list[Step] = []
        self.is_definition = False
        self.checked_sizes = None  # (name, sizes, this size) when built by verify_for_sizes
        if self.lhs is not None:
            verdict = compare(self.lhs, self.start)
            if verdict.value is not True:
                self._fail(self.lhs, self.start, "start equals lhs", verdict, Assumptions(),
                           where="the start")

    @classmethod
    def define(cls, name, value, *, title=None, hypotheses=None, label=None):
        r"""Introduce ``name`` for ``value``; the chain starts ``name := value``.

        Parameters
        ----------
        name : str or sympy.Symbol, Indexed or applied Function
            The new name; it must be an atomic name (see :func:`named`) and
            must not occur in ``value``.
        value : sympy.Expr or sympy.Matrix
            What the name stands for.
        title, hypotheses, label
            As for :class:`Derivation`.

        Returns
        -------
        Derivation
            Its ``lhs`` is ``named(name, value)``, usable in later
            expressions; its first line reads ``name := value``.

        Raises
        ------
        StepError
            When ``name`` is a formula (a definition gives a name, it does
            not claim an equality).

        Examples
        --------
        >>> import sympy as sp
        >>> from softmax_lib.symbolic import Derivation
        >>> a, b = sp.symbols("a b")
        >>> d = Derivation.define("m", (a + b) / 2).step(a / 2 + b / 2, "split")
        >>> print(d.latex().splitlines()[1])
        m &\mathrel{:=} \frac{a}{2} + \frac{b}{2} \\
        """
        shown = sp.Symbol(name) if isinstance(name, str) else name
        value = _as_sympy(value, "value")
        if not isinstance(shown, _NAME_TYPES) or not _is_name(shown):
            raise StepError(
                f"a definition gives a name, but {sp.sstr(shown)} is not an atomic name "
                "(one symbol, possibly with indices or call brackets)",
                previous=value, proposed=shown, reason="definition", verdict=None,
                detail="definition of a formula")
        if value.has(shown):
            raise ValueError(f"name {sp.sstr(shown)} must not occur in its own value")
        derivation = cls(value, title=title, hypotheses=hypotheses, label=label)
        derivation.lhs = named(shown, value)
        derivation.is_definition = True
        return derivation

    @property
    def hypotheses(self) -> tuple:
        """The relations declared with ``hypotheses=``."""
        return self._premises.shown

    @property
    def result(self):
        """The last expression of the chain."""
        return self.steps[-1].expr if self.steps else self.start

    @property
    def fact(self) -> Fact:
        """The proved equation ``lhs = result`` (or ``start = result``), to cite."""
        return Fact(self)

    def _premises_of(self, assuming, where):
        """Check ``assuming=`` against the hypotheses; the Assumptions and the cited labels."""
        if assuming is None:
            return Assumptions(), ()
        items = list(assuming) if isinstance(assuming, (list, tuple)) else [assuming]
        substitutions, facts, shown, cited, quantified = [], [], [], [], []
        for item in items:
            if isinstance(item, Derivation):
                item = Fact(item)
            if isinstance(item, Fact):
                missing = [h for h in item.hypotheses if h not in self.hypotheses]
                if missing:
                    raise StepError(
                        f"{where} cites ({item.label}), which was proved assuming "
                        + ", ".join(map(_premise_text, missing))
                        + "; this derivation does not assume it",
                        reason=where, verdict=None, detail="fact under other hypotheses")
                if item.for_every:
                    quantified.append(item.premise)
                else:
                    substitutions.append((unwrap(item.lhs), unwrap(item.rhs)))
                cited.append(item.label)
                continue
            parsed = parse_assumptions(item)
            for relation in parsed.shown:
                if relation not in self.hypotheses:
                    declared = ", ".join(map(_premise_text, self.hypotheses)) or "none"
                    raise StepError(
                        f"{where} uses the premise {_relation_text(relation)}, which is "
                        "neither a hypothesis of this derivation (declared: "
                        f"{declared}) nor a Fact proved by another derivation",
                        reason=where, verdict=None, detail="undeclared premise")
            substitutions.extend(parsed.substitutions)
            facts.extend(parsed.facts)
            shown.extend(parsed.shown)
            quantified.extend(parsed.quantified)
        return (Assumptions(tuple(substitutions), tuple(facts), tuple(shown), tuple(quantified)),
                tuple(cited))

    def step(self, expr, reason, *, assuming=None):
        """Append ``expr`` after proving it equals :attr:`result`; returns ``self``.

        Parameters
        ----------
        expr : sympy.Expr or sympy.Matrix
            The new expression, in the form to display.
        reason : str
            A short reason; ``$...$`` parts are set as math.
        assuming : relation, dict, Fact, Derivation, or a list of these, optional
            The premises this step uses: hypotheses declared with
            ``hypotheses=`` (an ``Eq`` is substituted, ``{old: new}`` is
            the same as ``Eq(old, new)``; inequalities are facts for
            :func:`sympy.refine`, and ``Ne(i, j)`` sets
            ``KroneckerDelta(i, j)`` to 0), or facts proved by other
            derivations (their equation is substituted); a
            :class:`ForEach` hypothesis or a ``Fact(..., for_every=i)`` is
            applied for every value of its indices, inside sums too.  The
            line cites a hypothesis by its tag, "by (H1)", and a fact by
            its label, "by (label)".

        Raises
        ------
        StepError
            When SymPy refutes the step or cannot decide it, or when a
            premise is neither a declared hypothesis nor a :class:`Fact`.
        """
        expr = _as_sympy(expr, "expr")
        if not isinstance(reason, str):
            raise TypeError(f"reason must be a str, got {type(reason).__name__}")
        if not reason.strip():
            raise ValueError("reason must not be empty")
        _reason_latex(reason)  # reject a malformed reason before checking
        where = f"step {len(self.steps) + 1} ({reason})"
        assumptions, cited = self._premises_of(assuming, where)
        verdict = compare(self.result, expr, assumptions)
        if verdict.value is not True:
            self._fail(self.result, expr, reason, verdict, assumptions, where=where)
        self.steps.append(Step(expr, reason, assumptions.shown, cited))
        return self

    def _fail(self, previous, proposed, reason, verdict: Verdict, assumptions, where):
        status = "is false" if verdict.value is False else "could not be verified by SymPy"
        name = f" of derivation {self.title!r}" if self.title else ""
        lines = [f"{where}{name} {status}: {verdict.detail}",
                 f"  previous: {sp.sstr(previous)}",
                 f"  proposed: {sp.sstr(proposed)}"]
        if assumptions:
            lines.append("  assuming: " + ", ".join(sp.sstr(a) for a in assumptions.shown))
        raise StepError("\n".join(lines), previous=previous, proposed=proposed, reason=reason,
                        verdict=verdict.value, detail=verdict.detail)

    def latex(self) -> str:
        r"""The chain as a LaTeX ``aligned`` environment, one step per line.

        Only amsmath constructs are used (``aligned``, ``\text``,
        ``\mathrel``, ``\checkmark`` from amssymb), so MathJax, KaTeX or a
        build-time renderer typeset it alike.
        """
        rows = []
        for n, step in enumerate(self.steps):
            note = _reason_latex(step.reason)
            if step.assuming:
                note += r"\text{, by " + self._tags(step.assuming) + "}"
            for label in step.cites:
                note += r"\text{, by (}" + _reason_latex(label) + r"\text{)}"
            line = rf"&= {latex(step.expr)} && {note}\ \checkmark"
            if n == 0 and self.lhs is None:
                line = latex(self.start) + " " + line
            rows.append(line)
        if self.lhs is not None:
            relation = r"\mathrel{:=}" if self.is_definition else "="
            rows.insert(0, rf"{latex(self.lhs.name if self.is_definition else self.lhs)} "
                           rf"&{relation} {latex(self.start)}")
        elif not self.steps:
            rows.append(latex(self.start))
        rows[:0] = _hypothesis_rows(self.hypotheses, self._tag)
        if self.checked_sizes is not None:
            name, sizes, size = self.checked_sizes
            rows.append(r"&\text{checked for }" + _size_latex(name, sizes)
                        + r"\text{; shown for }" + latex(sp.Symbol(name)) + f" = {size}")
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _tag(self, hypothesis) -> str:
        """The short reference by which the lines cite a hypothesis: (H1), (H2), ..."""
        return f"(H{self.hypotheses.index(hypothesis) + 1})"

    def _tags(self, premises) -> str:
        """``(H1), (H3)``; a run of three or more as ``(H1)–(H4)``."""
        numbers = sorted({self.hypotheses.index(p) + 1 for p in premises})
        runs, start = [], 0
        for n in range(1, len(numbers) + 1):
            if n == len(numbers) or numbers[n] != numbers[n - 1] + 1:
                runs.append(numbers[start:n])
                start = n
        parts = []
        for run in runs:
            if len(run) >= 3:
                parts.append(f"(H{run[0]})–(H{run[-1]})")
            else:
                parts.extend(f"(H{m})" for m in run)
        return ", ".join(parts)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def __repr__(self) -> str:
        head = f"Derivation {self.title!r}" if self.title else "Derivation"
        if self.label:
            head += f" ({self.label})"
        lines = [f"{head}:"]
        if self.hypotheses:
            lines.append("  assume " + ", ".join(map(_premise_text, self.hypotheses)))
        first = sp.sstr(self.start)
        if self.lhs is not None:
            shown = self.lhs.name if self.is_definition else self.lhs
            first = f"{sp.sstr(shown)} {':=' if self.is_definition else '='} {first}"
        lines.append(f"  {first}")
        for step in self.steps:
            using = (f"; using {', '.join(map(_premise_text, step.assuming))}"
                     if step.assuming else "")
            using += "".join(f"; by ({label})" for label in step.cites)
            lines.append(f"    = {sp.sstr(step.expr)}    [{step.reason}{using}: verified]")
        if self.checked_sizes is not None:
            name, sizes, size = self.checked_sizes
            lines.append(f"  checked for {_size_text(name, sizes)}; shown for {name} = {size}")
        return "\n".join(lines)


def _is_name(shown) -> bool:
    raw = shown.name if isinstance(shown, sp.Symbol) else ""
    return is_atomic_tex(sp.latex(shown)) and not _has_operator_outside_brackets(raw)


def _relation_text(relation) -> str:
    if isinstance(relation, ForEach):
        return repr(relation)
    if isinstance(relation, sp.Equality):
        return f"{sp.sstr(relation.lhs)} = {sp.sstr(relation.rhs)}"
    return sp.sstr(relation)


# ----------------------------------------------------------------------------
# Checks over a range of sizes
# ----------------------------------------------------------------------------


class SizeCheck:
    r"""A statement checked for each of a range of sizes, and only for those.

    Prints as ``checked for K = 2, …, 6`` and renders (``_repr_latex_``)
    the instance for one size followed by the line "checked for
    :math:`K = 2, \dots, 6`", so a page that shows it cannot claim more than
    was checked.

    Attributes
    ----------
    sizes : tuple of int
    results : tuple
        What the builder returned for each size (Derivations or pairs).
    name : str
        The size's symbol in the text, ``"K"`` by default.
    shown : int
        The size whose instance :meth:`latex` renders.
    """

    def __init__(self, sizes, results, name="K", shown=None):
        self.sizes = tuple(sizes)
        self.results = tuple(results)
        self.name = name
        self.shown = self.sizes[0] if shown is None else shown
        if self.shown not in self.sizes:
            raise ValueError(f"shown must be one of the sizes {self.sizes}, got {shown!r}")

    @property
    def shown_result(self):
        """The builder's result for the size ``shown``."""
        return self.results[self.sizes.index(self.shown)]

    def latex(self) -> str:
        """The instance for the size ``shown``, with the line saying which sizes were checked."""
        result = self.shown_result
        if isinstance(result, Derivation):
            return result.latex()
        left, right = result
        return ("\\begin{aligned}\n"
                f"{latex(left)} &= {latex(right)} \\\\\n"
                r"&\text{checked for }" + _size_latex(self.name, self.sizes)
                + r"\text{; shown for }" + latex(sp.Symbol(self.name)) + f" = {self.shown}"
                + "\n\\end{aligned}")

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def __str__(self):
        return "checked for " + _size_text(self.name, self.sizes)

    __repr__ = __str__


def verify_for_sizes(builder, sizes=range(2, 7), *, name="K", shown=None):
    """Check a statement for each concrete size, and say so wherever it is shown.

    For statements that hold for every ``K`` but that SymPy can decide only
    once ``K`` is a number.  Where SymPy can decide the general case (sums
    with a symbolic bound, ``IndexedBase``, ``KroneckerDelta``; see
    :func:`general_symbols`), prove it with a :class:`Derivation` instead.

    Parameters
    ----------
    builder : callable
        ``builder(K)`` returns a pair ``(lhs, rhs)`` to prove equal, or a
        :class:`Derivation` (whose steps are checked as it is built).
    sizes : iterable of int, default ``range(2, 7)``
        The sizes to check; positive integers, at least one.
    name : str, default ``"K"``
        The size's symbol in the report.
    shown : int, optional
        The size whose instance the report renders; the first by default.

    Returns
    -------
    SizeCheck
        Prints as ``checked for K = 2, …, 6``.  Every Derivation among its
        results renders with the line "checked for K = 2, …, 6; shown for
        K = n".

    Raises
    ------
    StepError
        Naming the first size for which the statement was not proved.

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import verify_for_sizes, logits, softmax_vector
    >>> def sums_to_one(K):
    ...     return sum(softmax_vector(logits(K))), 1
    >>> print(verify_for_sizes(sums_to_one, range(2, 5)))
    checked for K = 2, 3, 4
    >>> report = verify_for_sizes(sums_to_one, range(2, 7), shown=2)
    >>> print(report)
    checked for K = 2, …, 6
    >>> print(report.latex())
    \\begin{aligned}
    \\frac{e^{z_{1}}}{e^{z_{1}} + e^{z_{2}}} + \\frac{e^{z_{2}}}{e^{z_{1}} + e^{z_{2}}} &= 1 \\\\
    &\\text{checked for }K = 2, \\dots, 6\\text{; shown for }K = 2
    \\end{aligned}
    """
    if not callable(builder):
        raise TypeError(f"builder must be callable, got {type(builder).__name__}")
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty str")
    sizes = tuple(sizes)
    if not sizes:
        raise ValueError("sizes must contain at least one size")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"sizes must hold ints, got {type(size).__name__}")
        if size < 1:
            raise ValueError(f"sizes must be positive, got {size}")
    if shown is not None and shown not in sizes:
        raise ValueError(f"shown must be one of the sizes {sizes}, got {shown!r}")
    results = []
    for size in sizes:
        try:
            built = builder(size)
        except StepError as error:
            raise StepError(f"for {name} = {size}: {error}", previous=error.previous,
                            proposed=error.proposed, reason=error.reason,
                            verdict=error.verdict, detail=error.detail, size=size) from error
        if isinstance(built, tuple) and len(built) == 2:
            verdict = compare(*built)
            if verdict.value is not True:
                status = "is false" if verdict.value is False else "could not be verified"
                raise StepError(
                    f"for {name} = {size} the statement {status}: {verdict.detail}\n"
                    f"  lhs: {sp.sstr(built[0])}\n  rhs: {sp.sstr(built[1])}",
                    previous=built[0], proposed=built[1], reason=f"{name} = {size}",
                    verdict=verdict.value, detail=verdict.detail, size=size)
        elif isinstance(built, Derivation):
            built.checked_sizes = (name, sizes, size)
        else:
            raise TypeError("builder must return a (lhs, rhs) pair or a Derivation, got "
                            f"{type(built).__name__} for {name} = {size}")
        results.append(built)
    return SizeCheck(sizes, results, name, shown)


# ----------------------------------------------------------------------------
# Softmax, symbolically
# ----------------------------------------------------------------------------


def logits(K, name="z"):
    """``K`` real symbols ``z_1, ..., z_K`` (printed :math:`z_{1}`).

    Examples
    --------
    >>> from softmax_lib.symbolic import logits
    >>> logits(3)
    (z_1, z_2, z_3)
    """
    if isinstance(K, bool) or not isinstance(K, int):
        raise TypeError(f"K must be an int, got {type(K).__name__}")
    if K < 1:
        raise ValueError(f"K must be at least 1, got {K}")
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty str")
    return tuple(sp.Symbol(f"{name}_{n}", real=True) for n in range(1, K + 1))


def _vector(z, argument="z"):
    if isinstance(z, MatrixBase):
        entries = list(z)
    elif isinstance(z, (list, tuple)):
        entries = [sp.sympify(v, strict=True) for v in z]
    else:
        raise TypeError(f"{argument} must be a tuple, list or Matrix of SymPy expressions, "
                        f"got {type(z).__name__}")
    if not entries:
        raise ValueError(f"{argument} must not be empty")
    return entries


def softmax_vector(z):
    r"""Column :math:`s_i = e^{z_i} / \sum_j e^{z_j}` as a SymPy Matrix.

    Examples
    --------
    >>> from softmax_lib.symbolic import logits, softmax_vector
    >>> softmax_vector(logits(2))
    Matrix([
    [exp(z_1)/(exp(z_1) + exp(z_2))],
    [exp(z_2)/(exp(z_1) + exp(z_2))]])
    """
    entries = _vector(z)
    total = sp.Add(*[sp.exp(v) for v in entries])
    return sp.Matrix([sp.exp(v) / total for v in entries])


def log_sum_exp(z):
    r""":math:`\log \sum_i e^{z_i}`.

    Examples
    --------
    >>> from softmax_lib.symbolic import logits, log_sum_exp
    >>> log_sum_exp(logits(2))
    log(exp(z_1) + exp(z_2))
    """
    return sp.log(sp.Add(*[sp.exp(v) for v in _vector(z)]))


def softmax_jacobian_matrix(z):
    r"""The Jacobian :math:`J_{ij} = \partial s_i / \partial z_j`, by ``sympy.diff``.

    ``z`` must hold symbols (the variables to differentiate by).

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import logits, softmax_jacobian_matrix, softmax_vector
    >>> z = logits(2)
    >>> s = softmax_vector(z)
    >>> J = softmax_jacobian_matrix(z)
    >>> sp.simplify(J - (sp.diag(*s) - s * s.T))
    Matrix([
    [0, 0],
    [0, 0]])
    """
    entries = _vector(z)
    for v in entries:
        if not isinstance(v, (sp.Symbol, sp.Indexed)):
            raise TypeError(f"z must hold symbols to differentiate by, got {v}")
    s = softmax_vector(entries)
    return sp.Matrix(len(entries), len(entries), lambda a, b: sp.diff(s[a], entries[b]))


def sigmoid(x):
    r""":math:`\sigma(x) = 1 / (1 + e^{-x})`.

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import sigmoid
    >>> sigmoid(sp.Symbol("x"))
    1/(1 + exp(-x))
    """
    return 1 / (1 + sp.exp(-sp.sympify(x, strict=True)))


def _size_symbol():
    return sp.Symbol("K", integer=True, positive=True)


def _sum_index(avoid, K, preferred):
    """An ``Idx`` over ``1..K`` named ``preferred`` or, if taken, another letter."""
    taken = {s.name for s in sp.sympify(avoid).free_symbols if hasattr(s, "name")}
    for letter in (preferred, "k", "l", "m", "n", "r"):
        if letter not in taken:
            return sp.Idx(letter, (1, K))
    raise ValueError(f"no free summation index left for {avoid}")


def indexed_softmax(i, *, z=None, k=None, K=None):
    r""":math:`s_i = e^{z_i} / \sum_{k=1}^{K} e^{z_k}` for a symbolic size ``K``.

    Parameters
    ----------
    i : sympy.Idx, Symbol or int
        The component.
    z : sympy.IndexedBase, default ``IndexedBase('z', real=True)``
    k : sympy.Idx or Symbol, default ``Idx('k', (1, K))``
        The summation index; when ``i`` already uses the name, another
        letter is chosen.
    K : sympy.Symbol, default a positive integer ``K``

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import are_equal, general_symbols, indexed_softmax
    >>> g = general_symbols()
    >>> indexed_softmax(g.i)
    exp(z[i])/Sum(exp(z[k]), (k, 1, K))
    >>> derivative = sp.diff(indexed_softmax(g.i), g.z[g.j])
    >>> s_i, s_j = indexed_softmax(g.i), indexed_softmax(g.j)
    >>> are_equal(derivative, s_i * (sp.KroneckerDelta(g.i, g.j) - s_j))
    True
    """
    K = _size_symbol() if K is None else K
    z = sp.IndexedBase("z", real=True) if z is None else z
    if not isinstance(z, sp.IndexedBase):
        raise TypeError(f"z must be a sympy.IndexedBase, got {type(z).__name__}")
    i = sp.sympify(i, strict=True)
    if k is None or k in i.free_symbols:
        k = _sum_index(i, K, "k" if k is None else str(k))
    return sp.exp(z[i]) / sp.Sum(sp.exp(z[k]), (k, 1, K))


def general_symbols():
    r"""Symbols for statements about a general number of classes ``K``.

    Returns
    -------
    types.SimpleNamespace
        ``K`` (positive integer Symbol); ``i, j, k`` (``sympy.Idx`` over
        ``1..K``); ``z`` (real ``IndexedBase``, the logits); ``y``
        (``IndexedBase``, a target distribution); ``S``, the sum
        :math:`\sum_k e^{z_k}` shown as ``S``; and ``s(n)``, the softmax
        component ``indexed_softmax(n)`` shown as :math:`s_n`.

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import Derivation, general_symbols
    >>> g = general_symbols()
    >>> i, j, z = g.i, g.j, g.z
    >>> d = Derivation(sp.diff(sp.exp(z[i]) / g.S, z[j]),
    ...                lhs=sp.Derivative(g.s(i), z[j]))
    >>> _ = d.step(g.s(i) * (sp.KroneckerDelta(i, j) - g.s(j)), "collect $s_i$")
    >>> print(d.latex().splitlines()[2])
    &= s_{i} \left(\delta_{i j} - s_{j}\right) && \text{collect }{\textstyle s_i}\ \checkmark
    """
    K = _size_symbol()
    i, j, k = (sp.Idx(n, (1, K)) for n in "ijk")
    z = sp.IndexedBase("z", real=True)
    y = sp.IndexedBase("y", real=True)
    s_base = sp.IndexedBase("s")
    S = named("S", sp.Sum(sp.exp(z[k]), (k, 1, K)))

    def s(n):
        return named(s_base[n], indexed_softmax(n, z=z, k=k, K=K))

    return SimpleNamespace(K=K, i=i, j=j, k=k, z=z, y=y, S=S, s=s)

