r"""SymPy-checked derivations, and softmax written symbolically.

A chapter states each derivation once, as a :class:`Derivation`: a start
expression and a chain of steps, each with a short reason.  ``step()`` asks
SymPy whether the new expression equals the previous one and accepts the
step only when SymPy *proves* it.  A step that is false, or that SymPy cannot
decide, raises :class:`StepError`, so a wrong derivation stops the notebook
and fails the tests.  The object renders itself (``_repr_latex_``) as an
aligned chain with the reasons and a check mark on every verified line, and
that rendering is what the page shows: the derivation is never typed twice.

How equality is decided (:func:`are_equal`)
-------------------------------------------
Both sides are unwrapped (:func:`named` values replace their names),
assumptions are substituted, and unevaluated objects (``Derivative``,
``Sum``, ``UnevaluatedExpr``) are evaluated with ``.doit()``.  Every finite
sum over a plain symbol is shifted to start at 1, split over its terms, and
has the factors that do not depend on its index taken out (SymPy will not
take ``1/\sum_k e^{z_k}`` out of ``\sum_k y_k / \sum_k e^{z_k}`` because the
inner bound variable has the same name).  Then, in order: structural
equality; the difference is zero after ``expand``, ``together`` or
``cancel``; a search for a numeric counterexample (which can only *refute*:
small integers for sizes and indices, rationals for the variables, 30-digit
evaluation); ``simplify`` of the difference; ``simplify`` after ``expand``,
``powsimp``, ``together``, ``trigsimp``, rewriting in ``exp`` or expanding
logarithms; finally ``Expr.equals``.  Matrices are compared entry by entry.
The answer is ``True`` (proved), ``False`` (refuted) or ``None``
(undecided); only ``True`` lets a step through, and no numeric evaluation
ever produces ``True``.

Some true statements stay undecided, for instance reversing a sum,
``Sum(y[k], (k, 1, K)) == Sum(y[K + 1 - k], (k, 1, K))``, or taking the last
term out of ``Sum(y[k], (k, 1, K + 1))``.  Such a step is rejected; check it
with :func:`verify_for_sizes` instead.

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
branch.  With plain integer ``Symbol`` indices the same fact can be given
per step, e.g. ``assuming=[sympy.Le(j, K)]``.  With this,
``diff(indexed_softmax(i), z[j])`` is proved equal to
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
``evaluate=False`` to keep a form SymPy would rewrite.  A sum built with
``evaluate=False`` whose terms are not in SymPy's canonical order prints them
in the order given; other sums print in SymPy's order, led by a positive
term (``\delta_{ij} - s_j`` rather than ``-s_j + \delta_{ij}``).  Reasons are
set with ``\text{...}``; ``$...$`` parts become inline-size math, and LaTeX
special characters in the text are escaped in math mode (MathJax shows the
content of ``\text`` literally, so ``\&`` inside it would print a
backslash).  The check mark is ``\checkmark``, from the AMS symbols that
MathJax 3 loads by default (its ``tex-chtml`` component, the one the site
bundles, includes the ``ams`` package).

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
    Assumptions,
    Named,
    NamedMatrix,
    Verdict,
    compare,
    named,
    parse_assumptions,
)

__all__ = [
    "Derivation",
    "SizeCheck",
    "Step",
    "StepError",
    "are_equal",
    "general_symbols",
    "indexed_softmax",
    "latex",
    "log_sum_exp",
    "logits",
    "named",
    "sigmoid",
    "softmax_jacobian_matrix",
    "softmax_vector",
    "verify_for_sizes",
]


class StepError(AssertionError):
    """A derivation step that SymPy did not prove.

    Subclasses :class:`AssertionError`: a failed step is a failed check of a
    claim, not bad input, and pytest reports it like any failed assertion.

    Attributes
    ----------
    previous : sympy.Basic
        The side the step started from.
    proposed : sympy.Basic
        The side the step proposed; the two were compared.
    reason : str
        The reason given for the step.
    verdict : bool or None
        ``False`` when the sides were shown to differ, ``None`` when SymPy
        could not decide.
    detail : str
        What the checker found (a counterexample, or the unsimplified rest).
    size : int or None
        The size ``K`` when raised by :func:`verify_for_sizes`.
    """

    def __init__(self, message, *, previous=None, proposed=None, reason=None, verdict=None,
                 detail="", size=None):
        super().__init__(message)
        self.previous = previous
        self.proposed = proposed
        self.reason = reason
        self.verdict = verdict
        self.detail = detail
        self.size = size


class Step(NamedTuple):
    """One verified line: the new expression, its reason and the assumptions used."""

    expr: sp.Basic
    reason: str
    assuming: tuple


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

    def _needs_brackets(self, expr):
        return not isinstance(expr, (Named, NamedMatrix)) and super()._needs_brackets(expr)

    def _needs_mul_brackets(self, expr, first=False, last=False):
        # A name is atomic on the page even when its value holds a sum.
        return (not isinstance(expr, (Named, NamedMatrix))
                and super()._needs_mul_brackets(expr, first=first, last=last))

    def _needs_add_brackets(self, expr):
        return not isinstance(expr, (Named, NamedMatrix)) and super()._needs_add_brackets(expr)

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


def _assumption_latex(shown) -> str:
    return r"\text{ and }".join(r"{\textstyle " + latex(relation) + "}" for relation in shown)


# ----------------------------------------------------------------------------
# Derivation
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
    >>> print(are_equal(peeled, sp.Sum(y[k], (k, 1, K + 1))))  # true, but undecided
    None
    """
    return compare(a, b, assuming).value


class Derivation:
    r"""A chain of equalities, each step proved by SymPy.

    Parameters
    ----------
    start : sympy.Expr or sympy.Matrix
        The first expression of the chain.
    lhs : sympy.Expr or sympy.Matrix, optional
        Shown left of the first ``=``, e.g. an unevaluated
        ``sympy.Derivative``.  Unless ``check_lhs`` is False, ``start`` must
        equal ``lhs.doit()``.
    title : str, optional
        Names the derivation in the text form and in error messages.
    check_lhs : bool, default True
        Set to False when ``lhs`` is only a label, e.g. ``Symbol('J')``.

    Raises
    ------
    StepError
        When ``lhs`` is given and ``start`` is not proved equal to it.

    Notes
    -----
    Only expressions are stored; the LaTeX is made on demand, so the page
    shows exactly the chain that was checked.  ``Derivation.check_equal`` is
    :func:`are_equal`.

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_lib.symbolic import Derivation, logits, named
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
    """

    check_equal = staticmethod(are_equal)

    def __init__(self, start, *, lhs=None, title=None, check_lhs=True):
        self.start = _as_sympy(start, "start")
        self.lhs = None if lhs is None else _as_sympy(lhs, "lhs")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a str, got {type(title).__name__}")
        self.title = title
        self.steps: list[Step] = []
        if self.lhs is not None and check_lhs:
            verdict = compare(self.lhs, self.start)
            if verdict.value is not True:
                self._fail(self.lhs, self.start, "start equals lhs", verdict, Assumptions(),
                           where="the start")

    @property
    def result(self):
        """The last expression of the chain."""
        return self.steps[-1].expr if self.steps else self.start

    def step(self, expr, reason, *, assuming=None):
        """Append ``expr`` after proving it equals :attr:`result`; returns ``self``.

        Parameters
        ----------
        expr : sympy.Expr or sympy.Matrix
            The new expression, in the form to display.
        reason : str
            A short reason; ``$...$`` parts are set as math.
        assuming : dict, sympy.Eq, relation, or list of these, optional
            See :func:`are_equal`.  The rendered line says "using ...".

        Raises
        ------
        StepError
            When SymPy refutes the step or cannot decide it.
        """
        expr = _as_sympy(expr, "expr")
        if not isinstance(reason, str):
            raise TypeError(f"reason must be a str, got {type(reason).__name__}")
        if not reason.strip():
            raise ValueError("reason must not be empty")
        _reason_latex(reason)  # reject a malformed reason before checking
        assumptions = parse_assumptions(assuming)
        verdict = compare(self.result, expr, assumptions)
        if verdict.value is not True:
            self._fail(self.result, expr, reason, verdict, assumptions,
                       where=f"step {len(self.steps) + 1} ({reason})")
        self.steps.append(Step(expr, reason, assumptions.shown))
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
        r"""The chain as a LaTeX ``aligned`` environment, one step per line."""
        rows = []
        for n, step in enumerate(self.steps):
            note = _reason_latex(step.reason)
            if step.assuming:
                note += r"\text{, using }" + _assumption_latex(step.assuming)
            line = rf"&= {latex(step.expr)} && {note}\ \checkmark"
            if n == 0 and self.lhs is None:
                line = latex(self.start) + " " + line
            rows.append(line)
        if self.lhs is not None:
            rows.insert(0, rf"{latex(self.lhs)} &= {latex(self.start)}")
        elif not self.steps:
            rows.append(latex(self.start))
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def __repr__(self) -> str:
        head = f"Derivation {self.title!r}" if self.title else "Derivation"
        first = sp.sstr(self.start)
        if self.lhs is not None:
            first = f"{sp.sstr(self.lhs)} = {first}"
        lines = [f"{head}:", f"  {first}"]
        for step in self.steps:
            using = f"; using {', '.join(map(sp.sstr, step.assuming))}" if step.assuming else ""
            lines.append(f"    = {sp.sstr(step.expr)}    [{step.reason}{using}: verified]")
        return "\n".join(lines)


# ----------------------------------------------------------------------------
# Checks over a range of sizes
# ----------------------------------------------------------------------------


class SizeCheck:
    """The sizes for which :func:`verify_for_sizes` checked a statement.

    Attributes
    ----------
    sizes : tuple of int
    results : tuple
        What the builder returned for each size (Derivations or pairs).
    name : str
        The size's symbol in the text, ``"K"`` by default.
    """

    def __init__(self, sizes, results, name="K"):
        self.sizes = tuple(sizes)
        self.results = tuple(results)
        self.name = name

    def __str__(self):
        return f"verified for {self.name} = " + ", ".join(map(str, self.sizes))

    __repr__ = __str__


def verify_for_sizes(builder, sizes=range(2, 7), *, name="K"):
    """Check a statement for each concrete size.

    For statements that hold for every ``K`` but that SymPy can decide only
    once ``K`` is a number.

    Parameters
    ----------
    builder : callable
        ``builder(K)`` returns a pair ``(lhs, rhs)`` to prove equal, or a
        :class:`Derivation` (whose steps are checked as it is built).
    sizes : iterable of int, default ``range(2, 7)``
        The sizes to check; positive integers, at least one.
    name : str, default ``"K"``
        The size's symbol in the report.

    Returns
    -------
    SizeCheck
        Prints as ``verified for K = 2, 3, 4, 5, 6``.

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
    verified for K = 2, 3, 4
    """
    if not callable(builder):
        raise TypeError(f"builder must be callable, got {type(builder).__name__}")
    sizes = tuple(sizes)
    if not sizes:
        raise ValueError("sizes must contain at least one size")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"sizes must hold ints, got {type(size).__name__}")
        if size < 1:
            raise ValueError(f"sizes must be positive, got {size}")
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
        elif not isinstance(built, Derivation):
            raise TypeError("builder must return a (lhs, rhs) pair or a Derivation, got "
                            f"{type(built).__name__} for {name} = {size}")
        results.append(built)
    return SizeCheck(sizes, results, name)


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

