"""Checks for the exercises of notebook 02 (the calculus of softmax).

Each check compares the learner's array with the value from :mod:`softmax_teach.numerics` and,
when it is wrong, names the usual mistake: a flipped sign, a missing ``- y``, a missing
diagonal term, a gradient taken with respect to the probabilities instead of the logits.
"""

from __future__ import annotations

import numpy as np

from softmax_teach.exercises.core import Feedback, check_array, matches
from softmax_teach.numerics import cross_entropy, one_hot, softmax, softmax_jacobian

#: The precision notebook 02's exercises state: every entry right to 4 decimals (what
#: ``np.set_printoptions(precision=4)`` prints), so a printed and copied answer passes.
DECIMALS = 4

__all__ = [
    "DECIMALS",
    "check_softmax_jacobian",
    "check_cross_entropy_gradient",
    "check_logsumexp_gradient",
    "check_log_softmax_derivative",
]


def _logits(x, name="x"):
    array = np.asarray(x, dtype=float)
    if array.ndim != 1 or array.size < 2 or not np.isfinite(array).all():
        raise ValueError(f"{name} must be a 1-D array of at least two finite logits, got {x!r}")
    return array


#: How close an answer must be to a known wrong one for its hint: rounded to 2 decimals still counts
#: (the usual slips move entries by far more), so a slip typed from a rounded printout is named too.
_SLIP_ATOL = 0.005


def _same(expected):
    """A predicate: is the answer this other array (up to rounding to 2 decimals)?"""
    return matches(expected, atol=_SLIP_ATOL)


def _not_rounded(got, expected):
    """True unless ``got`` is ``expected`` rounded (to 1 decimal or more): rounding is no slip of method."""
    return not (got.shape == expected.shape and np.allclose(got, expected, rtol=0, atol=0.05))


def check_softmax_jacobian(answer, x, *, decimals=DECIMALS):
    """Check a Jacobian ``J[i, j] = d softmax(x)_i / d x_j`` at the logits ``x``.

    Parameters
    ----------
    answer : array_like, shape (n, n)
        The learner's Jacobian.
    x : array_like, shape (n,)
        The logits it was computed at.
    decimals : int, optional
        The precision the exercise states: every entry right to this many decimals passes.

    Returns
    -------
    Feedback
    """
    x = _logits(x)
    s = softmax(x)
    expected = softmax_jacobian(x)
    hints = [
        (
            _same(-expected),
            "every entry has the sign flipped: the diagonal s_i(1 - s_i) is positive "
            "(raising x_i raises s_i) and the off-diagonal -s_i s_j is negative.",
        ),
        (
            _same(np.diag(s * (1 - s))),
            "the diagonal s_i(1 - s_i) is right, but the off-diagonal entries "
            "are -s_i s_j, not 0: raising one logit lowers every other probability.",
        ),
        (
            _same(-np.outer(s, s)),
            "you forgot the delta_ij term: the diagonal is s_i - s_i^2, you have -s_i^2 "
            "(the derivative of the numerator e^{x_i} with respect to x_i).",
        ),
        (_same(np.diag(s)), "you have only the delta_ij s_i part: subtract the outer product s_i s_j."),
        (
            _same(np.outer(s, 1 - s)),
            "s_i(1 - s_j) mixes the two cases: it is s_i(1 - s_i) on the diagonal "
            "and -s_i s_j off it, i.e. s_i(delta_ij - s_j).",
        ),
        # A rounded answer's rows miss 0 by the rounding: that is no mistake of method.
        (
            lambda got: (
                got.shape == expected.shape
                and _not_rounded(got, expected)
                and not np.allclose(got.sum(axis=1), 0, atol=1e-8)
            ),
            "each row of the Jacobian must sum to 0: the probabilities always sum to 1, so they cannot all "
            "grow at once. Check the diagonal and the off-diagonal terms.",
        ),
    ]
    return check_array(answer, expected, what="your Jacobian", decimals=decimals, hints=hints)


def check_cross_entropy_gradient(answer, logits, target, *, decimals=DECIMALS):
    """Check the gradient of the mean cross-entropy with respect to the logits.

    Parameters
    ----------
    answer : array_like
        The learner's gradient, the shape of ``logits``.
    logits : array_like, shape (n,) or (m, n)
        One sample or a batch of ``m`` samples (the loss is the mean over the batch, as in
        ``torch.nn.functional.cross_entropy``).
    target : int, array_like of int, or one-hot rows
        The true class of each sample, or one-hot rows of the shape of ``logits`` (read as the
        class of their 1).
    decimals : int, optional
        The precision the exercise states: every entry right to this many decimals passes.

    Returns
    -------
    Feedback
    """
    logits_array = np.asarray(logits, dtype=float)
    if logits_array.ndim not in (1, 2) or logits_array.shape[-1] < 2 or not np.isfinite(logits_array).all():
        raise ValueError(f"logits must be finite, of shape (n,) or (m, n) with n >= 2, got shape {logits_array.shape}")
    batch = np.atleast_2d(logits_array)
    labels = np.atleast_1d(np.asarray(target))
    if labels.shape == batch.shape or (
        labels.ndim == 1 and labels.shape == logits_array.shape and logits_array.ndim == 1
    ):
        # One-hot rows (a learner's natural `np.eye(3)[labels]`): the class of each row's 1.
        rows = np.atleast_2d(labels).astype(float)
        if not (np.isin(rows, (0.0, 1.0)).all() and (rows.sum(axis=-1) == 1).all()):
            raise ValueError(f"target must be class indices or one-hot rows of the logits' shape, got {target!r}")
        labels = rows.argmax(axis=-1)
    # cross_entropy validates the labels (integer, in range, one per sample) with a clear message.
    cross_entropy(batch, labels)
    p = softmax(batch)
    y = one_hot(labels, batch.shape[-1])
    m = batch.shape[0]
    expected = ((p - y) / m).reshape(logits_array.shape)

    def reshape(array):
        return np.asarray(array).reshape(logits_array.shape)

    hints = [
        (
            _same(-expected),
            "your gradient has the sign flipped: it is p - y (the probability minus the "
            "label), not y - p. Gradient descent then lowers the wrong logits.",
        ),
        (
            _same(reshape(p / m)),
            "you forgot to subtract y: the gradient is p - y, so the true class gets "
            "p - 1 (negative: gradient descent raises its logit).",
        ),
        (
            _same(reshape(-y / np.where(p > 0, p, 1) / m)),
            "that is the gradient with respect to the "
            "probabilities (-y / p). Chain it through the softmax Jacobian to reach the logits: it "
            "simplifies to p - y.",
        ),
    ]
    if m > 1:
        mean = f"the loss is the mean over {m} samples: divide p - y by the batch size {m}"
        hints.insert(0, (_same(reshape(p - y)), f"right direction, but {mean}."))
        # Two slips at once: name both.
        hints += [
            (
                _same(reshape(y - p)),
                f"two mistakes at once: the sign is flipped (the gradient is p - y, not y - p), and {mean}.",
            ),
            (_same(reshape(p)), f"two mistakes at once: you forgot to subtract y (the gradient is p - y), and {mean}."),
            (
                _same(reshape((p - y) / (m * batch.shape[-1]))),
                f"you divided by all {m * batch.shape[-1]} entries (a mean over samples and classes): the loss is "
                f"a mean over the {m} samples only, each sample's loss already sums over its classes, so divide "
                f"by the batch size {m}.",
            ),
        ]
    n_classes = batch.shape[-1]
    if n_classes != m:
        hints.append(
            (
                _same(reshape((p - y) / n_classes)),
                f"you divided by the number of classes, {n_classes}: the mean is over the samples, so "
                + (f"divide p - y by the batch size {m}." if m > 1 else "for one sample the gradient is p - y itself."),
            )
        )
    return check_array(answer, expected, what="your gradient", decimals=decimals, hints=hints)


def check_logsumexp_gradient(answer, x, *, decimals=DECIMALS):
    """Check the gradient of ``log(sum(exp(x)))`` with respect to ``x`` (it is ``softmax(x)``).

    Parameters
    ----------
    answer : array_like, shape (n,)
    x : array_like, shape (n,)
    decimals : int, optional
        The precision the exercise states: every entry right to this many decimals passes.

    Returns
    -------
    Feedback
    """
    x = _logits(x)
    expected = softmax(x)
    hints = [
        (
            _same(np.exp(x)),
            "you differentiated the exponentials but forgot the outer log: "
            "d/dx_i log(Z) = e^{x_i} / Z, so divide by the sum Z.",
        ),
        (_same(np.log(expected)), "that is log-softmax; the gradient is softmax itself, e^{x_i} / Z."),
        (
            _same(np.full(x.shape, 1 / np.exp(x).sum())),
            "1/Z is only the outer derivative: multiply by the inner derivative e^{x_i}.",
        ),
        (
            lambda got: got.shape == expected.shape and _not_rounded(got, expected) and not np.isclose(got.sum(), 1.0),
            "your values do not sum to 1, but the gradient of log-sum-exp is a probability vector "
            "(softmax), which does.",
        ),
    ]
    return check_array(answer, expected, what="your gradient of log-sum-exp", decimals=decimals, hints=hints)


def check_log_softmax_derivative(answer, symbols, i=0, j=1):
    """Check a sympy expression for ``d log softmax(x)_i / d x_j``, which is ``delta_ij - s_j``.

    The answer is compared with the formula at several random points (a numerical check, so any
    algebraic form passes, simplified or not), then the usual slips are named: the derivative of
    ``s_i`` instead of ``log s_i``, the sign flipped, the delta term kept off the diagonal, the
    two indices swapped.

    Parameters
    ----------
    answer : sympy expression
        The learner's derivative, in the symbols ``symbols``.
    symbols : sequence of sympy.Symbol
        The logits ``x_1 ... x_n`` (notebook 02's ``x_vector``).
    i, j : int
        0-based indices: the derivative of ``log s_i`` with respect to ``x_j``.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> import sympy as sp
    >>> from softmax_teach import symbolic
    >>> x = symbolic.softmax_symbols(3)
    >>> s = symbolic.symbolic_softmax(x)
    >>> bool(check_log_softmax_derivative(sp.diff(sp.log(s[0]), x[1]), x))
    True
    """
    import sympy as sp

    from softmax_teach import symbolic

    x = tuple(symbols)
    n = len(x)
    if n < 2 or not all(isinstance(v, sp.Symbol) for v in x) or not (0 <= i < n and 0 <= j < n):
        raise ValueError(f"symbols must be at least two sympy symbols and 0 <= i, j < {n}, got {symbols!r}, {i}, {j}")
    try:
        expression = sp.sympify(answer)
    except (sp.SympifyError, TypeError):
        return Feedback(False, f"your derivative should be a sympy expression, got {type(answer).__name__}.")
    if getattr(expression, "is_Matrix", False):
        # A sympy Matrix (even a 1x1 one) is a MatrixExpr, so it passes the Expr test below.
        shape = "x".join(str(size) for size in expression.shape)
        return Feedback(
            False,
            f"your derivative is a {shape} sympy Matrix, not one expression: d log s_{i + 1} / d x_{j + 1} is a "
            "single entry"
            + (", so pass the entry itself (M[0])." if expression.shape == (1, 1) else " of the Jacobian."),
        )
    if not isinstance(expression, sp.Expr):
        return Feedback(False, f"your derivative should be one sympy expression, got {type(answer).__name__}.")
    stray = sorted(str(v) for v in expression.free_symbols - set(x))
    if stray:
        return Feedback(
            False, f"your derivative uses {', '.join(stray)}, which are not the logits {x}: build it from x_vector."
        )
    s = symbolic.symbolic_softmax(x)
    delta = 1 if i == j else 0
    points = np.random.default_rng(2).normal(size=(5, n))

    def values(candidate):
        function = sp.lambdify(x, candidate, modules="numpy")
        return np.array([complex(function(*point)) for point in points])

    got = values(expression)
    if np.allclose(got.imag, 0) and np.allclose(got.real, values(delta - s[j]), rtol=1e-9, atol=1e-12):
        return Feedback(
            True,
            f"d log s_{i + 1} / d x_{j + 1} = {'1 - ' if delta else '-'}s_{j + 1}, as the "
            "formula delta_ij - s_j says (compared at five random points).",
        )
    slips = [
        (
            -s[i] * s[j] + delta * s[i],
            f"that is the derivative of s_{i + 1} itself. The log adds a factor "
            f"1/s_{i + 1}: d log s / dx = (ds / dx) / s.",
        ),
        (s[j] - delta, "the sign is flipped: raising another logit lowers log s_i, so the derivative is negative."),
        (1 - s[j], f"1 - s_j is the diagonal case (i = j); here i = {i + 1} and j = {j + 1} differ, so delta_ij = 0."),
        (
            -s[i] if i != j else 1 - s[i],
            f"the indices are swapped: differentiate with respect to x_{j + 1}, and the result involves s_{j + 1}.",
        ),
        (sp.log(s[i]), "that is log s_i itself: differentiate it (sp.diff)."),
    ]
    for candidate, message in slips:
        if np.allclose(got, values(candidate), rtol=1e-9, atol=1e-12):
            return Feedback(False, message)
    return Feedback(
        False,
        f"your expression is not d log s_{i + 1} / d x_{j + 1}: at the point x = "
        f"{np.round(points[0], 3).tolist()} it is {got[0].real:.6g}. Differentiate "
        f"sp.log(softmax_result[{i}]) with respect to x_vector[{j}].",
    )
