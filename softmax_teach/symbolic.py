"""Symbolic derivations (sympy) that *prove* what the notebooks claim about softmax.

Each function builds the expressions, lets sympy check the identity and returns a
:class:`Derivation`: the expressions, a LaTeX statement for display and a ``verified`` flag
that sympy computed (``lhs - rhs`` simplified to exactly 0 for identities, ``limit`` for limits).
Nothing here is a constant: change the claim and ``verified`` becomes ``False``.

This is the only module of the package that imports sympy; ``import softmax_teach`` does not
load it. Every result is also checked numerically in ``tests/test_symbolic.py``: lambdified and
compared with :mod:`softmax_teach.numerics`, torch autograd and central finite differences.

Examples
--------
>>> from softmax_teach import symbolic
>>> jacobian = symbolic.softmax_jacobian(3)
>>> jacobian.verified
True
>>> jacobian.lambdify("jacobian")(0.0, 0.0, 0.0).round(4)
array([[ 0.2222, -0.1111, -0.1111],
       [-0.1111,  0.2222, -0.1111],
       [-0.1111, -0.1111,  0.2222]])
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from softmax_teach import _validation as check

__all__ = [
    "Derivation",
    "softmax_symbols",
    "symbolic_softmax",
    "softmax_jacobian",
    "shift_invariance",
    "two_class_sigmoid",
    "cross_entropy_gradient",
    "temperature_limits",
    "logsumexp_gradient",
    "all_derivations",
    "prove_identity",
]

CROSS_ENTROPY_TARGETS = ("one-hot", "smoothed", "soft")


@dataclass(frozen=True, eq=False)
class Derivation:
    """One identity (or limit), its sympy expressions and whether sympy verified it.

    Attributes
    ----------
    title : str
        A short name ("Jacobian of softmax").
    latex : str
        The claim in LaTeX, without ``$`` delimiters.
    expressions : dict of str to sympy objects
        The named expressions the derivation built (e.g. ``"jacobian"`` computed by ``diff``
        and ``"formula"``, the textbook form it is compared with).
    symbols : tuple of sympy.Symbol
        The free symbols, in the order :meth:`lambdify` expects its arguments.
    verified : bool
        What sympy computed: every residual simplified to 0, or every limit equals the claim.
    residuals : tuple of sympy objects
        ``lhs - rhs`` simplified (``cancel``, then ``simplify``) for each compared entry (all
        ``0`` when ``verified``).
    method : str
        How sympy checked the claim, in words, as it reads when the check succeeds ("lhs - rhs
        simplifies to 0"). :attr:`outcome` says what really happened.
    """

    title: str
    latex: str
    expressions: dict = field(repr=False)
    symbols: tuple = field(repr=False)
    verified: bool
    residuals: tuple = field(repr=False)
    method: str = field(repr=False)

    @property
    def outcome(self) -> str:
        """What sympy's check found, in words: the method when it succeeded, else what failed.

        A residual that ``simplify`` did not reduce to 0 does not prove the claim false: sympy's
        simplification is a heuristic, and zero-equivalence is undecidable in general. Only a
        counter-example (a point where the two sides differ) proves that.
        """
        if self.verified:
            return self.method
        failed = sum(1 for r in self.residuals if r != 0)
        entries = f"{failed} of {len(self.residuals)} entr{'y' if len(self.residuals) == 1 else 'ies'}"
        if self.method == _LIMIT:
            return f"sympy's limit differs from the claim in {entries}"
        return (
            f"lhs - rhs did not simplify to 0 in {entries}, which alone does not prove the claim "
            f"false; a point where the sides differ would"
        )

    def __repr__(self) -> str:
        verdict = "verified by sympy" if self.verified else "NOT verified by sympy"
        return f"<Derivation {self.title!r}: {verdict} ({self.outcome})>"

    def _latex_with_verdict(self) -> str:
        verdict = r"\checkmark\ \text{verified by sympy}" if self.verified else r"\times\ \text{not verified}"
        return rf"{self.latex} \qquad {verdict}"

    def _repr_latex_(self) -> str:
        return rf"$\displaystyle {self._latex_with_verdict()}$"

    def display(self):
        """Return an ``IPython.display.Math`` of the claim and its verdict (for notebooks)."""
        from IPython.display import Math

        return Math(self._latex_with_verdict())

    def lambdify(self, name):
        """A numpy function of :attr:`symbols` that evaluates ``expressions[name]``.

        Parameters
        ----------
        name : str
            A key of :attr:`expressions`.

        Returns
        -------
        callable
            ``f(*values)`` taking one number per symbol and returning a float ndarray: a 0-d
            array, a vector of shape ``(n,)`` or a matrix, matching the expression. The
            expressions are the textbook formulas, so the function is only meant for moderate
            inputs (it exponentiates without subtracting the max).
        """
        if name not in self.expressions:
            raise ValueError(f"name must be one of {sorted(self.expressions)}, got {name!r}")
        expression = self.expressions[name]
        compiled = sp.lambdify(self.symbols, expression, modules="numpy")
        # A column or row matrix is a vector to the learner: return shape (n,), not (n, 1).
        is_vector = isinstance(expression, sp.MatrixBase) and 1 in expression.shape

        def evaluate(*values):
            if len(values) != len(self.symbols):
                raise ValueError(
                    f"values must give one number per symbol {tuple(str(s) for s in self.symbols)}, got {len(values)}"
                )
            result = np.asarray(compiled(*values), dtype=float)
            return result.reshape(-1) if is_vector else result

        return evaluate


# --------------------------------------------------------------------------- building blocks


def _check_n(n, minimum=2):
    return check.integer(n, "n", minimum=minimum)


def softmax_symbols(n=3, name="x"):
    """The real symbols ``x1, ..., xn``.

    Parameters
    ----------
    n : int, optional
        Number of classes (>= 1).
    name : str, optional
        Prefix of the symbol names.

    Returns
    -------
    tuple of sympy.Symbol
    """
    n = _check_n(n, minimum=1)
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a valid identifier, got {name!r}")
    return tuple(sp.symbols(f"{name}1:{n + 1}", real=True))


def symbolic_softmax(xs):
    """The slide's symbolic softmax: ``exp(x_i) / sum_j exp(x_j)`` for each symbol.

    Parameters
    ----------
    xs : sequence of sympy expressions
        The logits.

    Returns
    -------
    list of sympy.Expr
    """
    xs = list(xs)
    if not xs:
        raise ValueError("xs must hold at least one expression, got an empty sequence")
    exponentials = [sp.exp(x) for x in xs]
    total = sp.Add(*exponentials)
    return [e / total for e in exponentials]


def _sigmoid(z):
    return 1 / (1 + sp.exp(-z))


def _as_sympy(value, name):
    """A sympy Matrix for a matrix or a sequence, a sympy expression for anything else."""
    if isinstance(value, sp.MatrixBase):
        return value
    if isinstance(value, (list, tuple)):
        return sp.Matrix(value)
    try:
        return sp.sympify(value, strict=True)
    except sp.SympifyError as error:
        raise ValueError(f"{name} must be a sympy expression, a Matrix or a sequence, got {value!r}") from error


def _simplified_difference(left, right):
    """``left - right`` simplified: ``cancel`` first, ``simplify`` if that does not reach 0.

    Softmax expressions are rational functions of the ``exp(x_i)``, and ``cancel`` (common
    denominator, then cancel common factors) decides those exactly and several times faster than
    ``simplify``; ``simplify`` handles the rest (shifted exponents, limits, logs).
    """
    difference = left - right
    cancelled = sp.cancel(difference)
    return cancelled if cancelled == 0 else sp.simplify(difference)


def _residuals(lhs, rhs):
    """``left - right`` simplified, for each pair of entries (matrices and lists are flattened)."""
    left = list(lhs) if isinstance(lhs, (sp.MatrixBase, list, tuple)) else [lhs]
    right = list(rhs) if isinstance(rhs, (sp.MatrixBase, list, tuple)) else [rhs]
    if len(left) != len(right):
        raise ValueError(f"lhs and rhs must have as many entries, got {len(left)} and {len(right)}")
    return tuple(_simplified_difference(a, b) for a, b in zip(left, right))


def _all_zero(residuals):
    return all(r == 0 for r in residuals)


_SIMPLIFY = "lhs - rhs simplifies to 0"
_LIMIT = "sympy limit equals the claim"


def prove_identity(lhs, rhs, *, title="identity", symbols=None, latex=None):
    """Let sympy decide whether ``lhs == rhs`` (entry by entry) and return the verdict.

    The same check every derivation below uses; handy to test a claim of your own (a wrong one
    comes back with ``verified=False`` and its non-zero residuals).

    Parameters
    ----------
    lhs, rhs : sympy expression, Matrix or sequence of expressions
        The two sides, of the same length.
    title : str, optional
    symbols : sequence of sympy.Symbol, optional
        Argument order for :meth:`Derivation.lambdify` (default: the free symbols, sorted by
        name).
    latex : str, optional
        The claim to display (default: ``latex(lhs) = latex(rhs)``).

    Returns
    -------
    Derivation
        ``expressions``: ``"lhs"`` and ``"rhs"``.
    """
    lhs, rhs = _as_sympy(lhs, "lhs"), _as_sympy(rhs, "rhs")
    residuals = _residuals(lhs, rhs)
    if symbols is None:
        symbols = sorted(lhs.free_symbols | rhs.free_symbols, key=str)
    return Derivation(
        title=title,
        latex=latex if latex is not None else f"{sp.latex(lhs)} = {sp.latex(rhs)}",
        expressions={"lhs": lhs, "rhs": rhs},
        symbols=tuple(symbols),
        verified=_all_zero(residuals),
        residuals=residuals,
        method=_SIMPLIFY,
    )


# --------------------------------------------------------------------------- derivations


def softmax_jacobian(n=3):
    r"""Prove ``d s_i / d x_j = s_i (delta_ij - s_j)`` for ``n`` symbolic logits.

    The Jacobian is computed by sympy's ``diff`` and compared entry by entry with the formula.

    Parameters
    ----------
    n : int, optional
        Number of classes (>= 2, default 3).

    Returns
    -------
    Derivation
        ``expressions``: ``"softmax"`` (column), ``"jacobian"`` (by ``diff``), ``"formula"``.
    """
    n = _check_n(n)
    xs = softmax_symbols(n)
    s = symbolic_softmax(xs)
    jacobian = sp.Matrix(s).jacobian(xs)
    formula = sp.Matrix(n, n, lambda i, j: s[i] * (sp.KroneckerDelta(i, j) - s[j]))
    residuals = _residuals(jacobian, formula)
    # For display: the same matrix written with s_1..s_n instead of the full fractions.
    s_names = sp.symbols(f"s1:{n + 1}")
    shown = sp.Matrix(n, n, lambda i, j: s_names[i] * (sp.KroneckerDelta(i, j) - s_names[j]))
    latex = (
        r"\frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j),\quad "
        r"s_i = \frac{e^{x_i}}{\sum_{k=1}^{" + str(n) + r"} e^{x_k}}:\quad J = " + sp.latex(shown)
    )
    return Derivation(
        title=f"Jacobian of softmax (n={n})",
        latex=latex,
        expressions={"softmax": sp.Matrix(s), "jacobian": jacobian, "formula": formula},
        symbols=xs,
        verified=_all_zero(residuals),
        residuals=residuals,
        method=_SIMPLIFY,
    )


def shift_invariance(n=3):
    r"""Prove ``softmax(x + c) = softmax(x)`` for a symbolic shift ``c`` added to every logit.

    Returns
    -------
    Derivation
        ``symbols`` are ``x1..xn, c``; ``expressions``: ``"softmax"`` and ``"shifted"``.
    """
    n = _check_n(n)
    xs = softmax_symbols(n)
    c = sp.Symbol("c", real=True)
    s = symbolic_softmax(xs)
    shifted = symbolic_softmax([x + c for x in xs])
    residuals = _residuals(shifted, s)
    return Derivation(
        title=f"shift invariance (n={n})",
        latex=r"\operatorname{softmax}(x + c)_i = \frac{e^{x_i + c}}{\sum_k e^{x_k + c}}"
        r" = \frac{e^{c}\,e^{x_i}}{e^{c}\sum_k e^{x_k}} = \operatorname{softmax}(x)_i",
        expressions={"softmax": sp.Matrix(s), "shifted": sp.Matrix(shifted)},
        symbols=xs + (c,),
        verified=_all_zero(residuals),
        residuals=residuals,
        method=_SIMPLIFY,
    )


def two_class_sigmoid():
    r"""Prove that two-class softmax is the logistic sigmoid of the difference of the logits.

    Three identities, all checked: ``softmax(x1, x2)_1 = sigmoid(x1 - x2)``,
    ``softmax(x, 0)_1 = sigmoid(x)`` and ``softmax(x, -x)_1 = sigmoid(2x)``.

    Returns
    -------
    Derivation
        ``symbols`` are ``x1, x2``; ``expressions``: ``"softmax_first"``,
        ``"sigmoid_of_difference"``, ``"softmax_x_0"``, ``"softmax_x_minus_x"`` (the last two
        functions of ``x1`` only, still called with both symbols).
    """
    x1, x2 = softmax_symbols(2)
    first = symbolic_softmax([x1, x2])[0]
    against_zero = symbolic_softmax([x1, sp.Integer(0)])[0]
    against_minus = symbolic_softmax([x1, -x1])[0]
    residuals = _residuals([first, against_zero, against_minus], [_sigmoid(x1 - x2), _sigmoid(x1), _sigmoid(2 * x1)])
    return Derivation(
        title="two classes: softmax is the sigmoid",
        latex=r"\frac{e^{x_1}}{e^{x_1} + e^{x_2}} = \frac{1}{1 + e^{-(x_1 - x_2)}} = \sigma(x_1 - x_2),"
        r"\quad \operatorname{softmax}(x, 0)_1 = \sigma(x),"
        r"\quad \operatorname{softmax}(x, -x)_1 = \sigma(2x)",
        expressions={
            "softmax_first": first,
            "sigmoid_of_difference": _sigmoid(x1 - x2),
            "softmax_x_0": against_zero,
            "softmax_x_minus_x": against_minus,
        },
        symbols=(x1, x2),
        verified=_all_zero(residuals),
        residuals=residuals,
        method=_SIMPLIFY,
    )


def cross_entropy_gradient(n=3, target="one-hot", true_class=0):
    r"""Prove ``d/dx_j [ -sum_i y_i log softmax(x)_i ] = s_j - y_j``.

    Parameters
    ----------
    n : int, optional
        Number of classes (>= 2).
    target : {"one-hot", "smoothed", "soft"}, optional
        ``"one-hot"``: ``y = e_k``; ``"smoothed"``: ``y = (1 - eps) e_k + eps / n`` with a
        symbol ``eps`` (label smoothing); ``"soft"``: any probabilities ``y_1..y_{n-1}`` with
        ``y_n = 1 - sum`` (the identity needs the target to sum to 1, and this shows it is all
        it needs).
    true_class : int, optional
        ``k``, the index (from 0) of the labelled class for the first two kinds.

    Returns
    -------
    Derivation
        ``symbols`` are ``x1..xn`` followed by ``epsilon`` (smoothed) or ``y1..y_{n-1}`` (soft);
        ``expressions``: ``"loss"``, ``"gradient"`` (by ``diff``), ``"formula"`` (``s - y``),
        ``"softmax"``, ``"target"``.
    """
    n = _check_n(n)
    if target not in CROSS_ENTROPY_TARGETS:
        raise ValueError(f"target must be one of {CROSS_ENTROPY_TARGETS}, got {target!r}")
    true_class = check.integer_in(true_class, "true_class", 0, n - 1)
    xs = softmax_symbols(n)
    s = symbolic_softmax(xs)
    one_hot = [sp.Integer(1 if i == true_class else 0) for i in range(n)]
    if target == "one-hot":
        y, extra = one_hot, ()
        described = rf"y = e_{{{true_class + 1}}}"
    elif target == "smoothed":
        eps = sp.Symbol("epsilon", nonnegative=True)
        y, extra = [(1 - eps) * h + eps / n for h in one_hot], (eps,)
        described = rf"y = (1 - \varepsilon)\, e_{{{true_class + 1}}} + \varepsilon / {n}"
    else:
        free = sp.symbols(f"y1:{n}", real=True)
        y, extra = list(free) + [1 - sp.Add(*free)], tuple(free)
        described = rf"y_{n} = 1 - \sum_{{i<{n}}} y_i"
    loss = -sp.Add(*[yi * sp.log(si) for yi, si in zip(y, s)])
    gradient = sp.Matrix([sp.diff(loss, x) for x in xs])
    formula = sp.Matrix([si - yi for si, yi in zip(s, y)])
    residuals = _residuals(gradient, formula)
    return Derivation(
        title=f"cross-entropy gradient ({target} target, n={n})",
        latex=r"\frac{\partial}{\partial x_j}\Bigl(-\sum_i y_i \log s_i\Bigr) = s_j - y_j,\quad " + described,
        expressions={
            "loss": loss,
            "gradient": gradient,
            "formula": formula,
            "softmax": sp.Matrix(s),
            "target": sp.Matrix(y),
        },
        symbols=xs + extra,
        verified=_all_zero(residuals),
        residuals=residuals,
        method=_SIMPLIFY,
    )


def _exact(value, name):
    """A float logit as the exact rational of its shortest decimal form (0.1 -> 1/10)."""
    if not check.is_real(value) or not np.isfinite(float(value)):
        raise ValueError(f"{name} must hold finite real numbers, got {value!r}")
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    return sp.Rational(repr(float(value)))


def temperature_limits(logits=(2.0, 1.0, 0.1)):
    r"""Prove the temperature limits on a concrete case with sympy's ``limit``.

    ``softmax(x / T)`` tends to the uniform distribution as ``T -> oo`` and, as ``T -> 0+``, to
    the arg-max (tied maxima share the mass evenly).

    Parameters
    ----------
    logits : sequence of float, optional
        At least two finite logits (default: the slide's ``[2.0, 1.0, 0.1]``); floats are read
        as the exact decimal they print as.

    Returns
    -------
    Derivation
        ``symbols`` is ``(T,)``; ``expressions``: ``"softmax"`` (a function of ``T``),
        ``"limit_hot"`` and ``"limit_cold"`` (what ``limit`` returned), ``"uniform"`` and
        ``"argmax"`` (the claims).
    """
    values = list(np.asarray(logits, dtype=object).ravel())
    if len(values) < 2:
        raise ValueError(f"logits must hold at least two values, got {logits!r}")
    exact = [_exact(v, "logits") for v in values]
    n = len(exact)
    temperature = sp.Symbol("T", positive=True)
    s = symbolic_softmax([v / temperature for v in exact])
    hot = [sp.limit(e, temperature, sp.oo) for e in s]
    cold = [sp.limit(e, temperature, 0, "+") for e in s]
    top = max(exact)
    ties = sum(1 for v in exact if v == top)
    uniform = [sp.Rational(1, n)] * n
    argmax = [sp.Rational(1, ties) if v == top else sp.Integer(0) for v in exact]
    residuals = _residuals(hot + cold, uniform + argmax)
    shown = ", ".join(sp.latex(v) for v in exact)
    return Derivation(
        title=f"temperature limits for logits ({', '.join(str(v) for v in exact)})",
        latex=(
            rf"x = ({shown}):\quad \lim_{{T\to\infty}} \operatorname{{softmax}}(x/T) = "
            + sp.latex(sp.Matrix([hot]))
            + r",\quad \lim_{T\to 0^+} \operatorname{softmax}(x/T) = "
            + sp.latex(sp.Matrix([cold]))
        ),
        expressions={
            "softmax": sp.Matrix(s),
            "limit_hot": sp.Matrix(hot),
            "limit_cold": sp.Matrix(cold),
            "uniform": sp.Matrix(uniform),
            "argmax": sp.Matrix(argmax),
        },
        symbols=(temperature,),
        verified=_all_zero(residuals),
        residuals=residuals,
        method=_LIMIT,
    )


def logsumexp_gradient(n=3):
    r"""Prove ``d/dx_i log(sum_j exp(x_j)) = softmax(x)_i``.

    Returns
    -------
    Derivation
        ``expressions``: ``"logsumexp"``, ``"gradient"`` (by ``diff``), ``"softmax"``.
    """
    n = _check_n(n)
    xs = softmax_symbols(n)
    logsumexp = sp.log(sp.Add(*[sp.exp(x) for x in xs]))
    gradient = sp.Matrix([sp.diff(logsumexp, x) for x in xs])
    s = sp.Matrix(symbolic_softmax(xs))
    residuals = _residuals(gradient, s)
    return Derivation(
        title=f"gradient of log-sum-exp (n={n})",
        latex=r"\frac{\partial}{\partial x_i} \log \sum_{j=1}^{" + str(n) + r"} e^{x_j}"
        r" = \frac{e^{x_i}}{\sum_j e^{x_j}} = \operatorname{softmax}(x)_i",
        expressions={"logsumexp": logsumexp, "gradient": gradient, "softmax": s},
        symbols=xs,
        verified=_all_zero(residuals),
        residuals=residuals,
        method=_SIMPLIFY,
    )


def all_derivations(n=3):
    """Every derivation of this module with its default arguments (and ``n`` classes).

    Returns
    -------
    list of Derivation
    """
    return [
        softmax_jacobian(n),
        shift_invariance(n),
        two_class_sigmoid(),
        cross_entropy_gradient(n, "one-hot"),
        cross_entropy_gradient(n, "smoothed"),
        cross_entropy_gradient(n, "soft"),
        temperature_limits(),
        temperature_limits((1.0, 1.0, 0.0)),
        logsumexp_gradient(n),
    ]
