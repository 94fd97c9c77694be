"""Equality checking behind :mod:`softmax_lib.symbolic`.

This module decides whether two SymPy expressions are equal, and keeps the
"display name" wrappers (:class:`Named`, :class:`NamedMatrix`) that let a
derivation show ``s_i`` while the checker works with the expression it stands
for.  The public entry points live in :mod:`softmax_lib.symbolic`; this
module is private.

A verdict is three-valued:

``True``
    SymPy proved the difference is zero.
``False``
    The two sides were shown to differ: a concrete point (integer sizes and
    indices, rational values for the variables) where they evaluate to
    different numbers, or SymPy's own ``equals`` returning ``False``.
``None``
    Neither: SymPy could not decide.  Callers treat this as a failure.

Nothing here ever turns ``None`` into ``True``: a numeric evaluation can
only *refute* an equality, never confirm it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import NamedTuple

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices import MatrixBase
from sympy.matrices.expressions import MatrixExpr

__all__ = [
    "Assumptions",
    "Named",
    "NamedMatrix",
    "Verdict",
    "compare",
    "named",
    "parse_assumptions",
    "unwrap",
]


# ----------------------------------------------------------------------------
# Display names
# ----------------------------------------------------------------------------


class Named(sp.Expr):
    """A scalar expression displayed under a short name.

    ``Named(name, value)`` prints as ``name`` but has the free symbols and the
    derivatives of ``value``, so ``sympy.Derivative(Named('s_i', ...), z_j)``
    is a genuine derivative that prints as
    :math:`\\frac{\\partial s_i}{\\partial z_j}`.  The equality checker
    replaces every ``Named`` by its value before comparing (:func:`unwrap`).
    """

    is_commutative = True

    def __new__(cls, name, value):
        name = sp.Symbol(name) if isinstance(name, str) else sp.sympify(name, strict=True)
        value = sp.sympify(value, strict=True)
        if not isinstance(value, sp.Expr) or isinstance(value, MatrixExpr):
            raise TypeError(f"value must be a scalar SymPy expression, got {type(value).__name__}")
        return sp.Expr.__new__(cls, name, value)

    @property
    def name(self):
        """The expression shown in place of the value."""
        return self.args[0]

    @property
    def value(self):
        """The expression the name stands for."""
        return self.args[1]

    @property
    def free_symbols(self):
        return self.value.free_symbols

    def doit(self, **hints):
        # Keep the name: derivations display it.  The checker unwraps explicitly.
        return self

    def _eval_derivative(self, symbol):
        return self.value.diff(symbol)

    def sort_key(self, order=None):
        # Order factors as a plain symbol of that name would be, so that the
        # printed product reads s_i (1 - s_i) rather than (1 - s_i) s_i.
        return sp.Symbol(sp.sstr(self.name)).sort_key(order)

    def _eval_is_extended_real(self):
        return self.value.is_extended_real

    def _eval_is_positive(self):
        return self.value.is_positive

    def _eval_is_zero(self):
        return self.value.is_zero

    def _latex(self, printer):
        return printer._print(self.name)

    def _sympystr(self, printer):
        return printer._print(self.name)


class NamedMatrix(MatrixExpr):
    """A matrix displayed under a short name (``s``, ``J``).

    Works inside matrix expressions such as ``DiagMatrix(s) - s * s.T``, which
    then print symbolically while the checker compares explicit matrices.
    """

    def __new__(cls, name, value):
        name = sp.Symbol(name) if isinstance(name, str) else sp.sympify(name, strict=True)
        if isinstance(value, MatrixExpr):
            value = value.as_explicit()
        if not isinstance(value, MatrixBase):
            raise TypeError(f"value must be a SymPy Matrix, got {type(value).__name__}")
        return MatrixExpr.__new__(cls, name, sp.ImmutableMatrix(value))

    @property
    def name(self):
        """The symbol shown in place of the matrix."""
        return self.args[0]

    @property
    def value(self):
        """The explicit matrix the name stands for."""
        return self.args[1]

    @property
    def shape(self):
        return self.value.shape

    @property
    def free_symbols(self):
        return self.value.free_symbols

    def _entry(self, i, j, **kwargs):
        return self.value[i, j]

    def doit(self, **hints):
        return self

    def _latex(self, printer):
        return printer._print(self.name)

    def _sympystr(self, printer):
        return printer._print(self.name)


def named(name, value):
    """Wrap ``value`` so that it displays as ``name``.

    Returns a ``NamedMatrix`` for matrices and a ``Named`` expression otherwise.
    """
    if isinstance(value, (MatrixBase, MatrixExpr)):
        return NamedMatrix(name, value)
    return Named(name, value)


def unwrap(expr):
    """Replace every :class:`Named` / :class:`NamedMatrix` by its value."""
    for _ in range(100):
        wrappers = expr.atoms(Named, NamedMatrix)
        if not wrappers:
            return expr
        expr = expr.xreplace({w: w.value for w in wrappers})
    raise RecursionError("named values nest more than 100 levels deep")


# ----------------------------------------------------------------------------
# Assumptions
# ----------------------------------------------------------------------------

_PREDICATE_OF = {
    sp.StrictLessThan: sp.Q.lt,
    sp.LessThan: sp.Q.le,
    sp.StrictGreaterThan: sp.Q.gt,
    sp.GreaterThan: sp.Q.ge,
    sp.Unequality: sp.Q.ne,
}


class Assumptions(NamedTuple):
    """Parsed ``assuming=`` argument.

    ``substitutions`` are ``(old, new)`` pairs applied to both sides;
    ``facts`` are relations handed to :func:`sympy.refine`; ``shown`` are the
    relations as the reader sees them (``old = new``, ``j \\le K``).
    """

    substitutions: tuple = ()
    facts: tuple = ()
    shown: tuple = ()

    def __bool__(self):
        return bool(self.shown)


def parse_assumptions(assuming) -> Assumptions:
    """Turn a dict, an equation, a relation or a list of them into :class:`Assumptions`."""
    if assuming is None:
        return Assumptions()
    if isinstance(assuming, Mapping):
        items = [sp.Eq(sp.sympify(k, strict=True), sp.sympify(v, strict=True), evaluate=False)
                 for k, v in assuming.items()]
    elif isinstance(assuming, (list, tuple)):
        items = []
        for item in assuming:
            if isinstance(item, Mapping):
                items.extend(parse_assumptions(item).shown)
            else:
                items.append(item)
    else:
        items = [assuming]

    substitutions, facts, shown = [], [], []
    for item in items:
        if isinstance(item, sp.Equality):
            substitutions.append((item.lhs, item.rhs))
        elif type(item) in _PREDICATE_OF:
            facts.append(_PREDICATE_OF[type(item)](item.lhs, item.rhs))
            if isinstance(item, sp.Unequality):
                # refine does not resolve KroneckerDelta from Q.ne; say it directly.
                substitutions.append((sp.KroneckerDelta(item.lhs, item.rhs), sp.S.Zero))
        else:
            raise TypeError(
                "assuming must be a dict {old: new}, a SymPy Eq, an inequality "
                "(<, <=, >, >=, Ne) or a list of these; got "
                f"{type(item).__name__}: {item!r}"
            )
        shown.append(item)
    return Assumptions(tuple(substitutions), tuple(facts), tuple(shown))


def _index_facts(*exprs):
    """Facts ``lower <= idx <= upper`` for every free, bounded :class:`sympy.Idx`."""
    facts = []
    indices = set()
    for expr in exprs:
        indices |= {s for s in expr.free_symbols if isinstance(s, sp.Idx)}
    for idx in sorted(indices, key=sp.default_sort_key):
        if idx.lower is not None:
            facts.append(sp.Q.ge(idx, idx.lower))
        if idx.upper is not None:
            facts.append(sp.Q.le(idx, idx.upper))
    return facts


# ----------------------------------------------------------------------------
# Comparison
# ----------------------------------------------------------------------------


class Verdict(NamedTuple):
    """Outcome of a comparison: ``value`` is True, False or None; ``detail`` says why."""

    value: bool | None
    detail: str = ""


def _is_matrix(expr):
    return isinstance(expr, (MatrixBase, MatrixExpr))


def _normal_sum(total):
    """``Sum(c*f + g)`` -> ``c*Sum(f) + Sum(g)`` for factors ``c`` free of the index.

    A sum over a plain symbol is first shifted to start at 1.

    SymPy does not take a factor out of a sum when that factor holds another
    sum over a bound variable of the same name (``y_k / \\sum_k e^{z_k}``); this
    does, which is exact for the finite sums used here.
    """
    if len(total.limits) != 1 or total.has_finite_limits is not True:
        return total  # splitting an infinite series could split a convergent one
    variable, lower, upper = total.limits[0]
    summand = total.function
    if lower != 1 and not isinstance(variable, sp.Idx):
        # Shift the index to start at 1, so that re-indexed sums compare equal.
        summand = summand.xreplace({variable: variable + lower - 1})
        total = sp.Sum(summand, (variable, 1, upper - lower + 1))
    pieces = []
    for term in sp.Add.make_args(sp.expand(summand)):
        outside, inside = [], []
        for factor in sp.Mul.make_args(term):
            (inside if variable in factor.free_symbols else outside).append(factor)
        pieces.append(sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *total.limits))
    return sp.Add(*pieces)


def _substitute(expr, pairs):
    """Apply ``(old, new)`` pairs: exact replacement for symbols, ``subs`` otherwise.

    A symbol is replaced with ``xreplace`` because ``subs`` would change ``K``
    in the range of ``Idx('k', (1, K))`` inside sum limits but not in the
    summand, after which the sum evaluates wrongly.  Compound patterns such as
    ``Sum(y[k], (k, 1, K))`` or ``y_1 + y_2`` need ``subs``.
    """
    for old, new in pairs:
        if isinstance(old, (sp.Symbol, sp.Idx)):
            expr = expr.xreplace({old: new})
        else:
            expr = expr.subs(old, new)
    return expr


def _normalize(expr, assumptions: Assumptions):
    """Unwrap names, apply substitutions, evaluate unevaluated objects."""
    expr = unwrap(sp.sympify(expr, strict=True))
    pairs = assumptions.substitutions
    # Patterns such as Sum(y[k], (k, 1, K)) are matched before .doit() can
    # rewrite them; plain symbols wait until derivatives have been taken.
    expr = _substitute(expr, [p for p in pairs if not isinstance(p[0], (sp.Symbol, sp.Idx))])
    expr = expr.doit()
    if expr.has(sp.Sum):
        expr = expr.replace(lambda e: isinstance(e, sp.Sum), _normal_sum).doit()
    if pairs:
        expr = _substitute(expr, pairs).doit()
    if isinstance(expr, MatrixExpr):
        expr = expr.as_explicit().doit()
    if isinstance(expr, MatrixBase):
        expr = sp.ImmutableMatrix(expr)
    return expr


def _refine(expr, facts):
    if not facts or expr.is_number:
        return expr
    try:
        return sp.refine(sp.piecewise_fold(expr), sp.And(*facts))
    except Exception:  # refine only helps; an expression it cannot handle stays as is
        return expr


def _is_zero(expr, facts):
    expr = _refine(expr, facts)
    return expr == 0 or expr.is_zero is True


_CHEAP_FORMS = (
    sp.expand,
    sp.together,
    sp.cancel,
)

_EXTRA_FORMS = (
    sp.expand,
    lambda e: sp.expand(e, power_exp=True, power_base=True, log=True),
    sp.powsimp,
    sp.together,
    sp.trigsimp,
    lambda e: e.rewrite(sp.exp),
    sp.expand_log,
    sp.logcombine,
)


def _scalar_verdict(a, b, facts, numeric_refutation: bool) -> Verdict:
    if a == b:
        return Verdict(True, "structurally equal")
    difference = a - b
    if _is_zero(difference, facts):
        return Verdict(True, "difference is zero")
    for form in _CHEAP_FORMS:
        if _is_zero(form(difference), facts):
            return Verdict(True, f"{getattr(form, '__name__', 'transform')} gives 0")
    if numeric_refutation:
        witness = _counterexample(a, b, facts)
        if witness is not None:
            return Verdict(False, f"the two sides differ at {witness}")
    simplified = sp.simplify(_refine(difference, facts))
    if _is_zero(simplified, facts):
        return Verdict(True, "simplify gives 0")
    for form in _EXTRA_FORMS:
        try:
            rewritten = sp.simplify(form(difference))
        except Exception:  # a rewrite that fails is one fewer way to prove, not a proof
            continue
        if _is_zero(rewritten, facts):
            return Verdict(True, "simplify after rewriting gives 0")
    try:
        decided = _refine(difference, facts).equals(0)
    except (StopIteration, RecursionError, TypeError, ValueError, NotImplementedError):
        # SymPy's equals() can fail inside its own simplification (a raw StopIteration
        # in sum_combine for sums that differ only in their dummy index): undecided.
        decided = None
    if decided is True:
        return Verdict(True, "Expr.equals")
    # equals() tests at random real points; with sums, indexed terms or integer
    # sizes those points can be meaningless, so its False counts only here.
    if decided is False and not difference.has(sp.Sum, sp.Product, sp.Indexed, sp.Idx,
                                               sp.KroneckerDelta, sp.Piecewise):
        return Verdict(False, "SymPy's equals() found the difference nonzero: "
                              f"{sp.sstr(simplified)}")
    return Verdict(None, f"the difference simplifies to {sp.sstr(simplified)}, not to 0")


def compare(a, b, assuming=None) -> Verdict:
    """Compare two expressions or matrices; see the module docstring for the verdicts."""
    assumptions = assuming if isinstance(assuming, Assumptions) else parse_assumptions(assuming)
    a = sp.sympify(a, strict=True)
    b = sp.sympify(b, strict=True)
    if a == b:
        return Verdict(True, "structurally equal")
    a = _normalize(a, assumptions)
    b = _normalize(b, assumptions)
    facts = list(assumptions.facts) + _index_facts(a, b)
    # A point that violates a substitution cannot be told apart from a true
    # counterexample, so numeric refutation is used only without substitutions.
    numeric = not assumptions.substitutions

    if _is_matrix(a) or _is_matrix(b):
        if not (_is_matrix(a) and _is_matrix(b)):
            return Verdict(False, "one side is a matrix and the other is not")
        if a.shape != b.shape:
            return Verdict(False, f"shapes differ: {a.shape} and {b.shape}")
        undecided = None
        for r in range(a.rows):
            for c in range(a.cols):
                verdict = _scalar_verdict(a[r, c], b[r, c], facts, numeric)
                if verdict.value is False:
                    return Verdict(False, f"entry ({r}, {c}): {verdict.detail}")
                if verdict.value is None and undecided is None:
                    undecided = Verdict(None, f"entry ({r}, {c}): {verdict.detail}")
        return undecided or Verdict(True, "all entries equal")
    return _scalar_verdict(a, b, facts, numeric)


# ----------------------------------------------------------------------------
# Numeric refutation
# ----------------------------------------------------------------------------

_CHECKED_ASSUMPTIONS = (
    "integer", "positive", "negative", "nonnegative", "nonpositive", "zero",
    "nonzero", "even", "odd", "prime", "composite",
)


def _fits(symbol, value) -> bool:
    """Whether ``value`` satisfies the assumptions declared on ``symbol``."""
    for name in _CHECKED_ASSUMPTIONS:
        if getattr(symbol, "is_" + name) is True and getattr(value, "is_" + name) is not True:
            return False
    return True


def _draw(symbol, rng) -> sp.Rational | None:
    for _ in range(40):
        if symbol.is_integer:
            value = sp.Integer(rng.randint(-3, 4))
        else:
            value = sp.Rational(rng.randint(-20, 20), 10)
        if _fits(symbol, value):
            return value
    return None


def _evaluate(expr):
    value = sp.N(expr, 30)
    if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return value


def _counterexample(a, b, facts, trials: int = 8, seed: int = 0):
    """A point where ``a`` and ``b`` evaluate to different numbers, as text, or None.

    Integer symbols (sizes such as ``K``, indices such as ``i``) get small
    integers inside their ``Idx`` bounds; sums then expand; every remaining
    symbol or indexed entry gets a rational value allowed by its assumptions.
    The point must satisfy ``facts``.  The sides are evaluated with 30
    significant digits and must differ by more than ``1e-12`` relative.
    """
    both = sp.Tuple(a, b)
    if both.has(AppliedUndef, sp.Derivative, sp.Integral, sp.Subs, sp.Limit):
        return None
    rng = random.Random(seed)
    labels = {base.label for base in both.atoms(sp.IndexedBase)}
    integer_symbols = sorted(
        (s for s in both.free_symbols if s.is_integer and s not in labels
         and not isinstance(s, sp.Indexed)),
        key=sp.default_sort_key,
    )
    sizes = [s for s in integer_symbols if not isinstance(s, sp.Idx)]
    indices = [s for s in integer_symbols if isinstance(s, sp.Idx)]

    for _ in range(trials):
        point = {}
        for s in sizes:
            # sizes are drawn from 2..4 so that distinct indices exist.
            value = sp.Integer(rng.randint(2, 4)) if s.is_positive else _draw(s, rng)
            if value is None or not _fits(s, value):
                return None
            point[s] = value
        feasible = True
        for idx in indices:
            lower = sp.sympify(idx.lower if idx.lower is not None else -3).xreplace(point)
            upper = sp.sympify(idx.upper if idx.upper is not None else 4).xreplace(point)
            if not (lower.is_Integer and upper.is_Integer) or lower > upper:
                feasible = False
                break
            point[idx] = sp.Integer(rng.randint(int(lower), int(upper)))
        if not feasible:
            return None
        # xreplace, not subs: subs changes K inside Idx('k', (1, K)) in the
        # limits but not in the summand, and the sum then evaluates wrongly.
        try:
            sides = [side.xreplace(point).doit() for side in (a, b)]
        except (ValueError, TypeError):
            # an index that is free in one place and a summation variable in another
            # cannot be given one value; without a value there is no refutation.
            return None
        pair = sp.Tuple(*sides)
        if pair.has(sp.Sum, sp.Product):
            return None
        values = {}
        inner_labels = {base.label for base in pair.atoms(sp.IndexedBase)}
        for s in sorted(pair.free_symbols - inner_labels, key=sp.default_sort_key):
            if isinstance(s, sp.Indexed) and not all(i.is_Integer for i in s.indices):
                return None
            value = _draw(s, rng)
            if value is None:
                return None
            values[s] = value
        point.update(values)
        if not all(sp.ask(fact.xreplace(point)) is True for fact in facts):
            continue
        left, right = (_evaluate(side.xreplace(values)) for side in sides)
        if left is None or right is None:
            continue
        scale = max(1, abs(left), abs(right))
        if abs(sp.N(left - right, 30)) > sp.Float("1e-12") * scale:
            shown = ", ".join(f"{sp.sstr(k)} = {sp.sstr(v)}"
                              for k, v in sorted(point.items(),
                                                 key=lambda kv: sp.default_sort_key(kv[0])))
            return f"{shown} (left {sp.sstr(sp.N(left, 8))}, right {sp.sstr(sp.N(right, 8))})"
    return None
