"""Equality checking behind :mod:`softmax_lib.symbolic`.

This module decides whether two SymPy expressions are equal, and keeps the
"display name" wrappers (:class:`Named`, :class:`NamedMatrix`) that let a
derivation show ``s_i`` while the checker works with the expression it stands
for.  A wrapper checks its display when it is built (:func:`check_display`):
an atomic name (:func:`is_atomic_tex`) may stand for any value, a formula must
be a SymPy expression proved equal to the value, and anything else raises
:class:`StepError`, which lives here so that the wrappers can raise it.  The
public entry points live in :mod:`softmax_lib.symbolic`; this module is
private.

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
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices import MatrixBase
from sympy.matrices.expressions import MatrixExpr
from sympy.printing.precedence import PRECEDENCE, precedence

__all__ = [
    "Assumptions",
    "ForEach",
    "Named",
    "NamedMatrix",
    "StepError",
    "Verdict",
    "check_display",
    "compare",
    "is_atomic_tex",
    "named",
    "parse_assumptions",
    "unwrap",
]


class StepError(AssertionError):
    """A claim that SymPy did not prove: a derivation step, a display, a premise.

    Subclasses :class:`AssertionError`: a failed step is a failed check of a
    claim, not bad input, and pytest reports it like any failed assertion.

    Attributes
    ----------
    previous : sympy.Basic
        The side the step started from (for a display: the value).
    proposed : sympy.Basic
        The side the step proposed (for a display: the display).
    reason : str
        The reason given for the step, or what was refused.
    verdict : bool or None
        ``False`` when the sides were shown to differ, ``None`` when SymPy
        could not decide or when the claim was refused unchecked (a formula
        typed as a name, a premise that is not a hypothesis or a fact).
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


StepError.__module__ = "softmax_lib.symbolic"  # its public home


# ----------------------------------------------------------------------------
# Display names: atomic names and formulas
# ----------------------------------------------------------------------------

_GREEK = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda
mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell imath jmath hbar
""".split())
_FONTS = frozenset("""
mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathscr boldsymbol bm
operatorname text textrm textit textbf
""".split())
_ACCENTS = frozenset("""
hat widehat tilde widetilde bar overline vec dot ddot check breve acute grave mathring
""".split())
_SUPERSCRIPT_MARKS = frozenset({r"\top", r"\intercal", r"\prime", r"\star", r"\ast",
                                r"\dagger", "*", "'"})
_SPACING = frozenset({r"\,", r"\;", r"\:", r"\!", r"\ ", r"\quad", r"\qquad"})
_SIZING = frozenset({r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr",
                     r"\biggl", r"\biggr", r"\big", r"\Big"})
_OPENERS = {"(": ")", "[": "]", r"\lbrack": r"\rbrack"}
_NORMS = {r"\lVert": r"\rVert", r"\|": r"\|", "|": "|", r"\lvert": r"\rvert"}
_LEIBNIZ = frozenset({r"\partial", "d", r"\mathrm{d}", "∂"})
# Unicode sub- and superscript letters and digits, as in "z₁" or "xᵀ": decorations.
_UNICODE_SCRIPTS = frozenset("₀₁₂₃₄₅₆₇₈₉ₐₑₒₓₔₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ⁰¹²³⁴⁵⁶⁷⁸⁹ᵀ′″")
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\S")


def _tokens(tex: str) -> list[str]:
    """LaTeX tokens without spacing and delimiter-sizing commands."""
    return [t for t in _TOKEN.findall(tex) if t not in _SPACING and t not in _SIZING]


class _NameParser:
    """Recursive descent over LaTeX tokens: is the whole text one atomic name?

    name      := head post*
    head      := letter | Greek | font{letters} | accent{name} | {name}
               | \\frac{D name}{D name ...} | \\nabla[_script] name | norm name norm
    post      := _script | ^mark | ^{name} | ' | (...) | [...] | {(...)}
    script    := one token or a balanced {...} (an index or a label)
    """

    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def peek(self, ahead=0):
        at = self.pos + ahead
        return self.tokens[at] if at < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def group(self):
        """The tokens of a balanced ``{...}`` at the cursor, or None."""
        if self.peek() != "{":
            return None
        depth, start = 0, self.pos
        while self.peek() is not None:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                return self.tokens[start + 1:self.pos - 1]
        return None

    def balanced(self, opener, closer):
        """Skip a balanced ``opener ... closer`` at the cursor; True when found."""
        if self.peek() != opener:
            return False
        depth = 0
        while self.peek() is not None:
            token = self.take()
            if token == opener and (opener != closer or depth == 0):
                depth += 1
            elif token == closer:
                depth -= 1
            if depth == 0:
                return True
        return False

    def head(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if len(token) == 1 and token.isalpha():
            self.take()
            return True
        if token == "{":
            inner = self.group()
            return inner is not None and is_atomic_tex(inner)
        if not token.startswith("\\"):
            return False
        command = token[1:]
        if command in _GREEK:
            self.take()
            return True
        if command in _FONTS:
            self.take()
            inner = self.group()
            if inner is None:  # \mathbf x
                following = self.take()
                return following is not None and following.isalnum()
            return bool(inner) and all(t.isalnum() for t in inner)
        if command in _ACCENTS:
            self.take()
            inner = self.group()
            if inner is None:
                following = self.take()
                return following is not None and is_atomic_tex([following])
            return is_atomic_tex(inner)
        if command == "frac":
            self.take()
            top, bottom = self.group(), self.group()
            return top is not None and bottom is not None and _is_leibniz(top, bottom)
        if command == "nabla":
            self.take()
            if self.peek() == "_" and not self.script():
                return False
            return self.head() and self.posts()
        if token in _NORMS:
            self.take()
            closer = _NORMS[token]
            start = self.pos
            while self.peek() not in (None, closer):
                self.take()
            if self.take() != closer:
                return False
            return is_atomic_tex(self.tokens[start:self.pos - 1])
        return False

    def script(self) -> bool:
        """``_x`` or ``_{...}``: any balanced content (an index or a label)."""
        self.take()
        if self.peek() == "{":
            return self.group() is not None
        token = self.take()
        return token is not None and token not in ("}", "_", "^")

    def superscript(self) -> bool:
        """``^`` followed by a mark (transpose, prime, star) or a name, never a number."""
        self.take()
        if self.peek() == "{":
            inner = self.group()
            if inner is None or not inner:
                return False
            if len(inner) == 1 and inner[0] in _SUPERSCRIPT_MARKS:
                return True
            if inner[0] == "(" and inner[-1] == ")":
                return True  # an order or an iteration label, x^{(k)}
            return is_atomic_tex(inner)
        token = self.take()
        return token is not None and (token in _SUPERSCRIPT_MARKS or is_atomic_tex([token]))

    def posts(self) -> bool:
        """Scripts, primes and call brackets after a head; stops at anything else."""
        while True:
            token = self.peek()
            if token == "_":
                if not self.script():
                    return False
            elif token == "^":
                if not self.superscript():
                    return False
            elif token == "'" or (token in _UNICODE_SCRIPTS and token not in "⁰¹²³⁴⁵⁶⁷⁸⁹"):
                self.take()  # a prime, or a Unicode subscript (z₁); a superscript digit is a power
            elif token in _OPENERS:
                if not self.balanced(token, _OPENERS[token]):
                    return False
            elif token == "{" and self.peek(1) in _OPENERS:
                # SymPy prints f(x) as f{\left(x \right)}
                start = self.pos
                inner = self.group()
                if inner is None:
                    return False
                call = _NameParser(inner)
                if not (call.balanced(inner[0], _OPENERS[inner[0]]) and call.peek() is None):
                    self.pos = start
                    return True
            else:
                return True

    def name(self) -> bool:
        return self.head() and self.posts() and self.peek() is None


def _is_leibniz(top, bottom) -> bool:
    r"""``\frac{\partial L}{\partial z_1}`` (also ``d``, ``\mathrm{d}``, higher orders)."""
    def split(tokens):
        # "\mathrm{d}" arrives as \mathrm { d }
        joined, n = [], 0
        while n < len(tokens):
            if tokens[n] == r"\mathrm" and tokens[n + 1:n + 4] == ["{", "d", "}"]:
                joined.append(r"\mathrm{d}")
                n += 4
            else:
                joined.append(tokens[n])
                n += 1
        return joined

    top, bottom = split(list(top)), split(list(bottom))
    if not top or top[0] not in _LEIBNIZ:
        return False
    d = top[0]
    rest = top[1:]
    if rest[:1] == ["^"]:  # the order: \partial^2 or \partial^{2}
        if rest[1:2] == ["{"] and "}" in rest:
            rest = rest[rest.index("}") + 1:]
        elif len(rest) > 1 and rest[1].isdigit():
            rest = rest[2:]
        else:
            return False
    if not is_atomic_tex(rest):
        return False
    # the denominator: one or more "d name" factors
    pieces, current = [], None
    for token in bottom:
        if token == d:
            current = []
            pieces.append(current)
        elif current is None:
            return False
        else:
            current.append(token)
    return bool(pieces) and all(is_atomic_tex(_strip_power(p)) for p in pieces)


def _strip_power(tokens):
    """``z_i^2`` or ``z_i^{2}`` -> ``z_i`` (a repeated variable in a higher derivative)."""
    if len(tokens) >= 2 and tokens[-2] == "^" and tokens[-1].isdigit():
        return tokens[:-2]
    if len(tokens) >= 4 and tokens[-4:-2] == ["^", "{"] and tokens[-2].isdigit() \
            and tokens[-1] == "}":
        return tokens[:-4]
    return tokens


def is_atomic_tex(tex) -> bool:
    r"""Whether LaTeX ``tex`` (a string or tokens) is one atomic name.

    An atomic name is one symbol, possibly decorated: a letter, a Greek
    letter, a font command (``\operatorname{LSE}``, ``\mathbf{1}``) or an
    accent (``\hat{y}``); then any subscripts (indices and labels are free
    text), primes, superscripts that are a mark (``\top``, ``'``, ``*``)
    or themselves a name (``e^{z_i}``), and function-call brackets
    (``\sigma(x)``, ``H(p, q)``, ``\operatorname{softmax}(z)_1``; what is
    inside the brackets is the argument, not an operation on the value).
    Leibniz derivatives of names (``\frac{\partial L}{\partial z_1}``, or
    inline ``∂L/∂z₁``), ``\nabla_u L`` and norms of a name
    (``\lVert J \rVert_F``) are names too.  Unicode letters (``σ``) and
    Unicode subscripts (``z₁``) are read like their LaTeX forms; a Unicode
    superscript digit (``x²``) is a power.

    Anything else is a formula: an operator (``+``, ``-``, ``/``,
    ``\cdot``, ``\log``, ``\sum``, ``\frac`` other than a derivative), a
    power by a number or by a formula (``x^2``, ``e^{z - m}``), two names
    side by side (a product, ``v^\top J v``), a number, or a bracket with no
    name before it (``(X^\top G)_{ac}``).
    """
    if isinstance(tex, str):
        return _is_atomic_str(tex)
    tokens = list(tex)
    return bool(tokens) and _NameParser(tokens).name()


@lru_cache(maxsize=4096)
def _is_atomic_str(tex: str) -> bool:
    tokens = _tokens(tex)
    if not tokens:
        return False
    if tokens.count("/") == 1 and tokens[0] in _LEIBNIZ:
        # Leibniz notation written inline, "∂L/∂z₁" or "dL/dx"
        slash = tokens.index("/")
        return _is_leibniz(tokens[:slash], tokens[slash + 1:])
    return _NameParser(tokens).name()


_OPERATORS = frozenset({"+", "-", "*", "/", "=", "<", ">", r"\cdot", r"\times", r"\div",
                        r"\pm", r"\mp", r"\circ", r"\odot", r"\otimes",
                        "−", "·", "×", "÷", "±", "∘", "⊙", "⊗"})


def _has_operator_outside_brackets(tex: str) -> bool:
    """Whether ``tex`` has an arithmetic operator outside every brace and bracket."""
    depth = 0
    for token in _tokens(tex):
        if token in ("{", "(", "["):
            depth += 1
        elif token in ("}", ")", "]"):
            depth -= 1
        elif depth == 0 and token in _OPERATORS:
            return True
    return False


# SymPy objects that print as one name (when their LaTeX is atomic).
_NAME_TYPES = (sp.Symbol, sp.Indexed, sp.IndexedBase, AppliedUndef, sp.MatrixSymbol)


def check_display(display, value) -> bool:
    """Accept ``display`` as standing for ``value``; True for a name, False for a formula.

    A display whose LaTeX is an atomic name (:func:`is_atomic_tex`) may
    stand for any value.  Any other display is a formula: it must be a SymPy
    expression that :func:`compare` proves equal to ``value``.

    Raises
    ------
    StepError
        For a name-like object (Symbol, Indexed, applied function) whose
        LaTeX is a formula, since it cannot be checked; for a formula that
        is not proved equal to the value.
    """
    if isinstance(display, _NAME_TYPES):
        tex = sp.latex(display)
        raw = display.name if isinstance(display, sp.Symbol) else ""
        # SymPy prints Symbol("s_1 - y_1") as s_{1 - y 1}: judge the name as typed too.
        if is_atomic_tex(tex) and not _has_operator_outside_brackets(raw):
            return True
        raise StepError(
            f"the display {tex!r} is a formula, not a name, and a formula typed as a "
            "symbol cannot be checked: build it as a SymPy expression (for example from "
            "named parts), so that it is proved equal to its value\n"
            f"  value: {sp.sstr(value)}",
            previous=value, proposed=display, reason="display", verdict=None,
            detail="formula typed as a name")
    compared = display
    if _is_matrix(display) and not _is_matrix(value) and display.shape == (1, 1):
        compared = sp.ImmutableMatrix(display.as_explicit())[0, 0]  # v^T J v is a number
    verdict = compare(compared, value)
    if verdict.value is not True:
        status = "is false" if verdict.value is False else "could not be verified by SymPy"
        raise StepError(
            f"the display {sp.sstr(display)} of a named value {status}: {verdict.detail}\n"
            f"  display: {sp.sstr(display)}\n  value: {sp.sstr(value)}",
            previous=value, proposed=display, reason="display", verdict=verdict.value,
            detail=verdict.detail)
    return False


# ----------------------------------------------------------------------------
# Display names
# ----------------------------------------------------------------------------


class Named(sp.Expr):
    """A scalar expression displayed under a short name, or under a checked formula.

    ``Named(display, value)`` prints as ``display`` but has the free symbols
    and the derivatives of ``value``, so ``sympy.Derivative(Named('s_i', ...),
    z_j)`` is a genuine derivative that prints as
    :math:`\\frac{\\partial s_i}{\\partial z_j}`.  The equality checker
    replaces every ``Named`` by its value before comparing (:func:`unwrap`).
    The display is checked on construction (:func:`check_display`): an
    atomic name may stand for any value, a formula must equal it.
    """

    is_commutative = True

    def __new__(cls, name, value):
        name = sp.Symbol(name) if isinstance(name, str) else sp.sympify(name, strict=True)
        value = sp.sympify(value, strict=True)
        if not isinstance(value, sp.Expr) or isinstance(value, MatrixExpr):
            raise TypeError(f"value must be a scalar SymPy expression, got {type(value).__name__}")
        if isinstance(name, MatrixBase):
            name = sp.ImmutableMatrix(name)
        if not isinstance(name, (sp.Expr, MatrixBase)) or (
                getattr(name, "is_Matrix", False) and name.shape != (1, 1)):
            raise TypeError("display must be a str, a scalar SymPy expression or a 1 x 1 "
                            f"matrix expression such as v.T * J * v, got {sp.sstr(name)}")
        obj = sp.Expr.__new__(cls, name, value)
        obj._is_name = check_display(name, value)
        return obj

    @property
    def name(self):
        """The expression shown in place of the value."""
        return self.args[0]

    @property
    def value(self):
        """The expression the name stands for."""
        return self.args[1]

    @property
    def is_name(self):
        """True when the display is an atomic name, False when it is a checked formula."""
        return self._is_name

    @property
    def precedence(self):
        # A name binds like a symbol; a formula display like the formula it is.
        return PRECEDENCE["Atom"] if self._is_name else precedence(self.name)

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
    """A matrix displayed under a short name (``s``, ``J``) or a checked formula.

    Works inside matrix expressions such as ``DiagMatrix(s) - s * s.T``, which
    then print symbolically while the checker compares explicit matrices.
    """

    def __new__(cls, name, value):
        name = sp.Symbol(name) if isinstance(name, str) else sp.sympify(name, strict=True)
        if isinstance(value, MatrixExpr):
            value = value.as_explicit()
        if not isinstance(value, MatrixBase):
            raise TypeError(f"value must be a SymPy Matrix, got {type(value).__name__}")
        value = sp.ImmutableMatrix(value)
        if isinstance(name, MatrixBase):
            name = sp.ImmutableMatrix(name)
        obj = MatrixExpr.__new__(cls, name, value)
        obj._is_name = check_display(name, value)
        return obj

    @property
    def name(self):
        """The symbol shown in place of the matrix."""
        return self.args[0]

    @property
    def value(self):
        """The explicit matrix the name stands for."""
        return self.args[1]

    @property
    def is_name(self):
        """True when the display is an atomic name, False when it is a checked formula."""
        return self._is_name

    @property
    def shape(self):
        return self.value.shape

    @property
    def precedence(self):
        # A name binds like a symbol; a formula display like the formula it is.
        return PRECEDENCE["Atom"] if self._is_name else precedence(self.name)

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
    r"""Wrap ``value`` so that it displays as ``name``; the display is checked.

    Parameters
    ----------
    name : str or sympy.Basic
        What the page shows.  An atomic name (:func:`is_atomic_tex`: ``"S"``,
        ``"s_1"``, ``r"\sigma(x)"``, ``sympy.Symbol("e^{z_i}")``,
        ``IndexedBase("s")[i]``, ``Function("sigma")(x)``) may stand for
        any value.  Anything else is a formula and must be a SymPy
        expression that SymPy proves equal to ``value``.
    value : sympy.Expr or sympy.Matrix
        What the checker sees.

    Returns
    -------
    Named or NamedMatrix

    Raises
    ------
    StepError
        When ``name`` is a formula given as a string or symbol (it cannot be
        checked), or a formula not proved equal to ``value``.
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


class ForEach:
    r"""A hypothesis that holds for every value of one or more indices.

    ``ForEach(i, Eq(Var(q[i] * k[i]), 1))`` states "Var(q_i k_i) = 1 for
    every i"; ``ForEach((i, j), Eq(Cov(X[i], X[j]), 0), where=Ne(i, j))``
    states "Cov(X_i, X_j) = 0 for every i ≠ j";
    ``ForEach(n, Eq(Sum(y[n, k], (k, 1, K)), 1))`` states that every row
    sums to one.  Declared in a derivation's ``hypotheses=`` and used by a
    step (``assuming=``), it is applied wherever its left side occurs with
    *any* value of the indices, including a summation variable inside a
    ``Sum`` (the bound names of sums inside the left side do not matter).
    With ``where=``, a match is replaced only where the condition holds: an
    ``Ne(i, j)`` condition becomes ``lhs(i, j) = δ_ij lhs(i, i) + (1 - δ_ij)
    rhs(i, j)``, exact for every ``i, j``; another condition that SymPy
    cannot decide for the matched values becomes a ``Piecewise``.

    Parameters
    ----------
    indices : sympy.Symbol or sympy.Idx, or a tuple of them
        The quantified indices; each must occur in the left side.
    relation : sympy.Eq
        The equation that holds for every value of the indices.
    where : relation, optional
        A condition on the indices, e.g. ``sympy.Ne(i, j)``.
    """

    def __init__(self, indices, relation, where=None):
        indices = tuple(indices) if isinstance(indices, (list, tuple)) else (indices,)
        if not indices or not all(isinstance(ix, (sp.Symbol, sp.Idx)) for ix in indices):
            raise TypeError("indices must be a SymPy Symbol or Idx, or a tuple of them, got "
                            f"{indices!r}")
        if len(set(indices)) != len(indices):
            raise ValueError(f"indices must be distinct, got {indices!r}")
        if not isinstance(relation, sp.Equality):
            raise TypeError("relation must be a SymPy Eq (a hypothesis for every index is "
                            f"applied as a substitution), got {type(relation).__name__}")
        for ix in indices:
            if not relation.lhs.has(ix):
                raise ValueError(f"index {ix} does not occur in the left side "
                                 f"{sp.sstr(relation.lhs)}")
        if where is not None and not isinstance(where, sp.core.relational.Relational):
            raise TypeError(f"where must be a SymPy relation, got {type(where).__name__}")
        self.indices = indices
        self.relation = relation
        self.where = where

    def _key(self):
        return (self.indices, self.relation, self.where)

    def __eq__(self, other):
        if not isinstance(other, ForEach):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        where = "" if self.where is None else f", where={sp.sstr(self.where)}"
        indices = ", ".join(map(sp.sstr, self.indices))
        return f"ForEach({indices}: {sp.sstr(self.relation)}{where})"


ForEach.__module__ = "softmax_lib.symbolic"  # its public home


class Assumptions(NamedTuple):
    """Parsed ``assuming=`` argument.

    ``substitutions`` are ``(old, new)`` pairs applied to both sides;
    ``facts`` are relations handed to :func:`sympy.refine`; ``quantified``
    are :class:`ForEach` hypotheses, applied for every value of their
    indices; ``shown`` are the premises as the reader sees them
    (``old = new``, ``j \\le K``, a ``ForEach``).
    """

    substitutions: tuple = ()
    facts: tuple = ()
    shown: tuple = ()
    quantified: tuple = ()

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

    substitutions, facts, shown, quantified = [], [], [], []
    for item in items:
        if isinstance(item, ForEach):
            quantified.append(item)
        elif isinstance(item, sp.Equality):
            substitutions.append((item.lhs, item.rhs))
        elif type(item) in _PREDICATE_OF:
            facts.append(_PREDICATE_OF[type(item)](item.lhs, item.rhs))
            if isinstance(item, sp.Unequality):
                # refine does not resolve KroneckerDelta from Q.ne; say it directly.
                substitutions.append((sp.KroneckerDelta(item.lhs, item.rhs), sp.S.Zero))
        else:
            raise TypeError(
                "assuming must be a dict {old: new}, a SymPy Eq, an inequality "
                "(<, <=, >, >=, Ne), a ForEach or a list of these; got "
                f"{type(item).__name__}: {item!r}"
            )
        shown.append(item)
    return Assumptions(tuple(substitutions), tuple(facts), tuple(shown), tuple(quantified))


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


_BOUND = "_sum_index_"  # canonical names of summation variables, by nesting depth


def _rename_bound(expr, depth=0, prefix=_BOUND):
    """Rename every summation variable after its nesting depth, outermost first.

    ``\\sum_k e^{z_k}`` and ``\\sum_l e^{z_l}`` both become a sum over
    ``_sum_index_0``; a sum inside it runs over ``_sum_index_1``, and so on,
    so an inner name never captures an outer one.  A sum over several
    limits is written as nested sums first.
    """
    if isinstance(expr, sp.Sum) and expr.has_finite_limits is True:
        body, limits = expr.function, list(expr.limits)
        for inner in limits[:-1]:  # the first limit is the innermost sum
            body = sp.Sum(body, inner)
        variable, lower, upper = limits[-1]
        renamed = sp.Symbol(f"{prefix}{depth}", integer=True)
        body = _rename_bound(body.xreplace({variable: renamed}), depth + 1, prefix)
        return sp.Sum(body, (renamed, lower, upper))
    if not expr.args or isinstance(expr, (sp.Idx, sp.Indexed, sp.IndexedBase)):
        return expr
    args = [_rename_bound(arg, depth, prefix) for arg in expr.args]
    return expr if args == list(expr.args) else expr.func(*args)


def _normal_sum(total):
    """A finite sum in normal form: from 1, peeled, split, factors taken out.

    * A sum over several limits is treated one limit at a time, innermost
      first (SymPy writes nested sums as one sum with several limits).
    * A sum over a plain symbol is shifted to start at 1.
    * An upper bound ``U + c`` (``c`` a small nonzero integer, ``U`` symbolic)
      becomes ``U``, with the terms for ``U + 1, ..., U + c`` added (or those
      for ``U + c + 1, ..., U`` subtracted when ``c < 0``).  SymPy's sums
      follow Karr's convention, :math:`\\sum_{1}^{U} + \\sum_{U+1}^{U+c} =
      \\sum_{1}^{U+c}` for every integer ``U``, so this is exact.
    * ``Sum(c*f + g)`` -> ``c*Sum(f) + Sum(g)`` for factors ``c`` free of the
      index.  SymPy does not take a factor out of a sum when that factor holds
      another sum over a bound variable of the same name
      (``y_k / \\sum_k e^{z_k}``); this does, which is exact for finite sums.

    The bound variables are renamed afterwards (:func:`_rename_bound`).
    """
    if total.has_finite_limits is not True:
        return total  # splitting an infinite series could split a convergent one
    expr = total.function
    for limit in total.limits:
        expr = _normal_single(expr, *limit)
    return expr


def _normal_single(summand, variable, lower, upper):
    """The normal form of ``Sum(summand, (variable, lower, upper))``; see :func:`_normal_sum`."""
    if lower != 1 and not isinstance(variable, sp.Idx):
        # Shift the index to start at 1, so that re-indexed sums compare equal.
        summand = summand.xreplace({variable: variable + lower - 1})
        lower, upper = sp.Integer(1), upper - lower + 1
    peeled = sp.Integer(0)
    constant, rest = sp.sympify(upper).as_coeff_Add()
    if lower == 1 and rest.free_symbols and constant.is_Integer and 0 < abs(constant) <= 4:
        if constant > 0:
            peeled = sp.Add(*[summand.xreplace({variable: rest + t})
                              for t in range(1, int(constant) + 1)])
        else:
            peeled = -sp.Add(*[summand.xreplace({variable: rest - t})
                               for t in range(0, -int(constant))])
        upper = rest
    if summand.has(sp.Piecewise) and lower.is_integer and upper.is_integer:
        # Inside the sum the index lies in lower..upper; a KroneckerDelta summed
        # over an inner index leaves Piecewise((f, (v >= lower) & (v <= upper)), ...).
        summand = _refine(summand, [sp.Q.ge(variable, lower), sp.Q.le(variable, upper)])
    pieces = []
    for term in sp.Add.make_args(sp.expand(summand)):
        outside, inside = [], []
        for factor in sp.Mul.make_args(term):
            (inside if variable in factor.free_symbols else outside).append(factor)
        pieces.append(sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), (variable, lower, upper)))
    return sp.Add(*pieces) + peeled


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


# What SymPy's own algorithms raise when they fail on an expression (rather than on
# bad input): such a failure leaves a comparison undecided, it never decides it.
_SYMPY_FAILURES = (StopIteration, RecursionError, TypeError, ValueError, NotImplementedError,
                   AttributeError, IndexError, KeyError, ZeroDivisionError, RuntimeError)


def _normal_form(expr, evaluate=True):
    """Unwrap names, evaluate unevaluated objects, put sums in normal form.

    ``.doit()`` can bring out new sums (the logarithm of a product) or merge
    nested ones, so the sums are normalised until nothing changes (a few
    rounds at most); then their bound variables are renamed canonically.
    """
    expr = unwrap(sp.sympify(expr, strict=True))
    if evaluate:
        expr = expr.doit()
    for _ in range(4):
        if not expr.has(sp.Sum):
            return expr
        normal = expr.replace(lambda e: isinstance(e, sp.Sum), _normal_sum)
        try:
            normal = normal.doit()
        except _SYMPY_FAILURES:
            # SymPy's summation can fail inside its own solvers (a raw
            # StopIteration in its telescoping-sum search); keep the sums as they are.
            pass
        if normal == expr:
            break
        expr = normal
    return _rename_bound(expr)


def _normalize(expr, assumptions: Assumptions):
    """Unwrap names, apply substitutions, evaluate unevaluated objects."""
    expr = unwrap(sp.sympify(expr, strict=True))
    pairs = assumptions.substitutions
    # Patterns such as Sum(y[k], (k, 1, K)) are matched before .doit() can
    # rewrite them; plain symbols wait until derivatives have been taken.
    expr = _substitute(expr, [p for p in pairs if not isinstance(p[0], (sp.Symbol, sp.Idx))])
    if assumptions.quantified:  # also as written, before .doit() rewrites the left sides
        for hypothesis in assumptions.quantified:
            expr = _apply_one(expr, hypothesis, unwrap(hypothesis.relation.lhs))
    expr = _normal_form(expr)
    if pairs:
        # Then the patterns in the same normal form as the expression (a sum
        # that only appears once the summand is split, with its bound variable
        # renamed), and the plain symbols.  Each pair is an equality, and the
        # normal form equals what it came from, so the substitution is exact.
        normal = [(_normal_form(old), _normal_form(new)) for old, new in pairs]
        expr = _substitute(_substitute(expr, pairs), normal).doit()
    if assumptions.quantified:
        expr = _apply_quantified(expr, assumptions.quantified)
    if isinstance(expr, MatrixExpr):
        expr = expr.as_explicit().doit()
    if isinstance(expr, MatrixBase):
        expr = sp.ImmutableMatrix(expr)
    return expr


_MATCH = "_match_index_"  # bound names while matching a quantified hypothesis
_FRESH = "_rhs_index_"  # bound names of a hypothesis' right side, so that nothing is captured


def _instance_values(node, pattern, wilds, lhs):
    """The index values for which ``lhs`` is ``node`` (up to bound names), or None."""
    canonical = _rename_bound(node, prefix=_MATCH)
    if canonical.func != pattern.func:
        return None
    found = canonical.match(pattern)
    if not found or any(w not in found for w in wilds.values()):
        return None
    values = {ix: found[w] for ix, w in wilds.items()}
    for value in values.values():
        if value.is_integer is False or any(
                getattr(s, "name", "").startswith(_MATCH) for s in value.free_symbols):
            return None
    # match() can be loose (a Wild may absorb a factor): confirm exactly.
    if _rename_bound(lhs.xreplace(values), prefix=_MATCH) != canonical:
        return None
    return values


def _instance(hypothesis, node, values):
    """What ``node`` (the left side at ``values``) equals under ``hypothesis``."""
    rhs = _rename_bound(hypothesis.relation.rhs, prefix=_FRESH).xreplace(values)
    where = hypothesis.where
    if where is None:
        return rhs
    if isinstance(where, sp.Unequality) and {where.lhs, where.rhs} <= set(values):
        a, b = values[where.lhs], values[where.rhs]
        delta = sp.KroneckerDelta(a, b)
        diagonal = hypothesis.relation.lhs.xreplace({**values, where.rhs: a})
        return delta * diagonal + (1 - delta) * rhs
    condition = where.xreplace(values)
    if condition is sp.true:
        return rhs
    if condition is sp.false:
        return node
    return sp.Piecewise((rhs, condition), (node, True))


def _apply_one(expr, hypothesis, lhs):
    wilds = {ix: sp.Wild(f"_w{n}") for n, ix in enumerate(hypothesis.indices)}
    pattern = _rename_bound(lhs, prefix=_MATCH).xreplace(wilds)
    found = {}

    inner_limits = len(pattern.limits) if isinstance(pattern, sp.Sum) else 0

    def matches(node):
        if not isinstance(node, sp.Basic) or node.func != pattern.func:
            return False
        target, outer = node, ()
        if inner_limits and len(node.limits) > inner_limits:
            # SymPy writes nested sums as one sum with several limits, innermost
            # first: the left side may be the sum over the inner limits.
            target = sp.Sum(node.function, *node.limits[:inner_limits])
            outer = node.limits[inner_limits:]
        values = _instance_values(target, pattern, wilds, lhs)
        if values is None:
            return False
        found[node] = (target, values, outer)
        return True

    def value(node):
        target, values, outer = found[node]
        replaced = _instance(hypothesis, target, values)
        return sp.Sum(replaced, *outer) if outer else replaced

    return expr.replace(matches, value)


def _apply_quantified(expr, hypotheses):
    """Apply :class:`ForEach` hypotheses wherever their left side occurs, then normalise.

    The left side is looked for as written and in normal form, so that it is
    found both before and after ``.doit()`` has rewritten it.
    """
    forms = []
    for hypothesis in hypotheses:
        lhs = unwrap(hypothesis.relation.lhs)
        forms.append((hypothesis, lhs))
        try:
            normal = _normal_form(lhs)
        except _SYMPY_FAILURES:
            continue
        if normal != lhs:
            forms.append((hypothesis, normal))
    for _ in range(4):
        changed = expr
        for hypothesis, lhs in forms:
            changed = _apply_one(changed, hypothesis, lhs)
        if changed == expr:
            break
        expr = _normal_form(changed)
    return expr


def _refine(expr, facts):
    if not facts or expr.is_number:
        return expr
    try:
        expr = sp.refine(sp.piecewise_fold(expr), sp.And(*facts))
    except Exception:  # refine only helps; an expression it cannot handle stays as is
        return expr
    return _resolve_extrema(expr, facts)


def _is_at_least(big, small, facts) -> bool:
    """Whether ``small <= big`` follows from ``facts``."""
    if big == small:
        return True
    for fact in facts:  # as stated, b <= a or a >= b (ask does not always see it)
        if (isinstance(fact, sp.AppliedPredicate) and len(fact.arguments) == 2
                and ((fact.function in (sp.Q.le, sp.Q.lt) and fact.arguments == (small, big))
                     or (fact.function in (sp.Q.ge, sp.Q.gt)
                         and fact.arguments == (big, small)))):
            return True
    try:
        return sp.ask(sp.Q.ge(big, small), sp.And(*facts)) is True
    except Exception:  # ask only helps
        return False


def _resolve_extrema(expr, facts):
    """Replace ``Max``/``Min`` by the argument that the facts show to be the extreme.

    ``sympy.refine`` leaves ``Max(a, b)`` alone under ``b <= a``; SymPy's
    ``equals`` then tests points that violate the premise and calls a true
    step false.
    """
    if not expr.has(sp.Max, sp.Min):
        return expr

    def extreme(node):
        for candidate in node.args:
            if all(_is_at_least(candidate, other, facts) if node.func is sp.Max
                   else _is_at_least(other, candidate, facts)
                   for other in node.args if other is not candidate):
                return candidate
        return node

    try:
        return expr.replace(lambda e: isinstance(e, (sp.Max, sp.Min)), extreme)
    except Exception:  # only helps
        return expr


def _sum_atoms(expr):
    """``expr`` with each outermost ``Sum`` replaced by a symbol, and the way back.

    Sums in normal form are equal exactly when they are the same expression,
    so treating each as an opaque symbol proves only true identities.
    """
    atoms = {}

    def visit(node):
        if isinstance(node, sp.Sum):
            atoms.setdefault(node, sp.Dummy("sum", real=node.is_real,
                                            positive=node.is_positive))
            return
        for arg in node.args:
            visit(arg)

    visit(expr)
    return expr.xreplace(atoms), {v: k for k, v in atoms.items()}


def _simplify(expr):
    """``sympy.simplify``; when SymPy fails inside it (a raw StopIteration in its
    ``sum_combine``), simplify with the sums as atoms instead.  Returns the result
    and whether the fallback was used."""
    try:
        return sp.simplify(expr), False
    except _SYMPY_FAILURES:
        if not expr.has(sp.Sum):
            raise
    atomised, back = _sum_atoms(expr)
    return sp.simplify(atomised).xreplace(back), True


def _is_zero(expr, facts):
    refined = _refine(expr, facts)
    if refined == 0 or refined.is_zero is True:
        return True
    if refined is not expr and refined.has(sp.Sum):
        # refine can remove the Piecewise around a sum and leave sums that differ
        # only in their bound names (named by nesting depth before the Piecewise
        # went): name them again, each sum after its own nesting.
        try:
            renamed = sp.expand(_rename_bound(refined))
        except _SYMPY_FAILURES:
            return False
        return renamed == 0 or renamed.is_zero is True
    return False


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
        try:
            if _is_zero(form(difference), facts):
                return Verdict(True, f"{getattr(form, '__name__', 'transform')} gives 0")
        except _SYMPY_FAILURES:  # one fewer way to prove, never a proof
            continue
    if numeric_refutation:
        try:
            witness = _counterexample(a, b, facts)
        except _SYMPY_FAILURES:  # no point found: no refutation
            witness = None
        if witness is not None:
            return Verdict(False, f"the two sides differ at {witness}")
    try:
        simplified, atomised = _simplify(_refine(difference, facts))
    except _SYMPY_FAILURES:
        # SymPy's simplify failed even with the sums as atoms: one fewer way
        # to prove, never a proof.
        simplified, atomised = difference, False
    if _is_zero(simplified, facts):
        return Verdict(True, "simplify gives 0" + (" (sums as atoms)" if atomised else ""))
    if simplified.has(sp.Sum):
        # simplify can bring out new sums (the log of a product) under their
        # original bound names: normalise them like the rest and try again
        try:
            if _is_zero(_simplify(_normal_form(simplified))[0], facts):
                return Verdict(True, "simplify gives 0")
        except _SYMPY_FAILURES:
            pass
    for form in _EXTRA_FORMS:
        try:
            rewritten = form(difference)
            if rewritten.has(sp.Sum):
                # a rewrite can bring out new sums (expand_log of a product):
                # put them in the same normal form as the rest
                rewritten = _normal_form(rewritten)
            rewritten = _simplify(rewritten)[0]
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
    # sizes those points can be meaningless, and it ignores the premises (a point
    # with b > a refutes Max(a, b) = a), so its False counts only here.
    if decided is False and not facts and not difference.has(
            sp.Sum, sp.Product, sp.Indexed, sp.Idx, sp.KroneckerDelta, sp.Piecewise):
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
    try:
        a = _normalize(a, assumptions)
        b = _normalize(b, assumptions)
    except _SYMPY_FAILURES as error:
        return Verdict(None, f"SymPy failed while evaluating the sides ({type(error).__name__})")
    facts = list(assumptions.facts) + _index_facts(a, b)
    if facts and not (_is_matrix(a) or _is_matrix(b)):
        # A Piecewise on an index range (c <= K, from a KroneckerDelta summed
        # over k) blocks the sums from splitting; once refine has removed it,
        # normalise the sums again.
        try:
            refined = [_refine(side, facts) for side in (a, b)]
            if refined != [a, b]:
                a, b = (_normal_form(side, evaluate=False) for side in refined)
        except _SYMPY_FAILURES:
            pass
    # A point that violates a substitution cannot be told apart from a true
    # counterexample, so numeric refutation is used only without substitutions.
    numeric = not (assumptions.substitutions or assumptions.quantified)

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
    # an undefined function of numbers (E[2/5]) is "a number" to SymPy, but no value
    real, imaginary = value.as_real_imag()
    if not (real.is_Number and imaginary.is_Number):
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
