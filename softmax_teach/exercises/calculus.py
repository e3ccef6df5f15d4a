"""Checks for the exercises of notebook 02 (the calculus of softmax).

Each check compares the learner's array with the value from :mod:`softmax_teach.numerics` and,
when it is wrong, names the usual mistake: a flipped sign, a missing ``- y``, a missing
diagonal term, a gradient taken with respect to the probabilities instead of the logits.
"""

from __future__ import annotations

import numpy as np

from softmax_teach.exercises.core import check_array
from softmax_teach.numerics import cross_entropy, softmax, softmax_jacobian

__all__ = [
    "central_difference",
    "check_softmax_jacobian",
    "check_cross_entropy_gradient",
    "check_logsumexp_gradient",
]


def central_difference(function, x, *, step=1e-6):
    """The derivative of ``function`` at ``x`` by central differences, the classic gradient check.

    Column ``j`` is ``(f(x + h e_j) - f(x - h e_j)) / (2h)``: its error shrinks like ``h**2``
    until rounding (about ``eps / h``) takes over, so ``h = 1e-6`` gives roughly 1e-9 in float64.

    Parameters
    ----------
    function : callable
        Maps a float array of the shape of ``x`` to a number or an array.
    x : array_like
        The point (1-D or n-D; every entry is perturbed in turn).
    step : float, optional
        ``h > 0``.

    Returns
    -------
    ndarray
        Shape ``f(x).shape + x.shape``: the gradient for a scalar ``f``, the Jacobian
        ``J[i, j] = d f_i / d x_j`` for a vector ``f``.
    """
    if not callable(function):
        raise ValueError(f"function must be callable, got {function!r}")
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not 0 < step < np.inf:
        raise ValueError(f"step must be a positive finite number, got {step!r}")
    x = np.asarray(x, dtype=float)
    columns = []
    for index in np.ndindex(x.shape):
        shift = np.zeros_like(x)
        shift[index] = step
        upper = np.asarray(function(x + shift), dtype=float)
        lower = np.asarray(function(x - shift), dtype=float)
        columns.append((upper - lower) / (2 * step))
    stacked = np.stack(columns, axis=-1)
    return stacked.reshape(stacked.shape[:-1] + x.shape)


def _logits(x, name="x"):
    array = np.asarray(x, dtype=float)
    if array.ndim != 1 or array.size < 2 or not np.isfinite(array).all():
        raise ValueError(f"{name} must be a 1-D array of at least two finite logits, got {x!r}")
    return array


def _same(expected):
    """A predicate: is the answer (numerically) this other array?"""
    expected = np.asarray(expected, dtype=float)
    return lambda got: got.shape == expected.shape and np.allclose(got, expected, rtol=1e-6, atol=1e-9)


def check_softmax_jacobian(answer, x):
    """Check a Jacobian ``J[i, j] = d softmax(x)_i / d x_j`` at the logits ``x``.

    Parameters
    ----------
    answer : array_like, shape (n, n)
        The learner's Jacobian.
    x : array_like, shape (n,)
        The logits it was computed at.

    Returns
    -------
    Feedback
    """
    x = _logits(x)
    s = softmax(x)
    expected = softmax_jacobian(x)
    hints = [
        (_same(-expected), "every entry has the sign flipped: the diagonal s_i(1 - s_i) is positive "
         "(raising x_i raises s_i) and the off-diagonal -s_i s_j is negative."),
        (_same(np.diag(s * (1 - s))), "the diagonal s_i(1 - s_i) is right, but the off-diagonal entries "
         "are -s_i s_j, not 0: raising one logit lowers every other probability."),
        (_same(-np.outer(s, s)), "you forgot the delta_ij term: the diagonal is s_i - s_i^2, you have -s_i^2 "
         "(the derivative of the numerator e^{x_i} with respect to x_i)."),
        (_same(np.diag(s)), "you have only the delta_ij s_i part: subtract the outer product s_i s_j."),
        (_same(np.outer(s, 1 - s)), "s_i(1 - s_j) mixes the two cases: it is s_i(1 - s_i) on the diagonal "
         "and -s_i s_j off it, i.e. s_i(delta_ij - s_j)."),
        (lambda got: got.shape == expected.shape and not np.allclose(got.sum(axis=1), 0, atol=1e-8),
         "each row of the Jacobian must sum to 0: the probabilities always sum to 1, so they cannot all "
         "grow at once. Check the diagonal and the off-diagonal terms."),
    ]
    return check_array(answer, expected, what="your Jacobian", hints=hints)


def check_cross_entropy_gradient(answer, logits, target):
    """Check the gradient of the mean cross-entropy with respect to the logits.

    Parameters
    ----------
    answer : array_like
        The learner's gradient, the shape of ``logits``.
    logits : array_like, shape (n,) or (m, n)
        One sample or a batch of ``m`` samples (the loss is the mean over the batch, as in
        ``torch.nn.functional.cross_entropy``).
    target : int or array_like of int
        The true class of each sample.

    Returns
    -------
    Feedback
    """
    logits_array = np.asarray(logits, dtype=float)
    if logits_array.ndim not in (1, 2) or logits_array.shape[-1] < 2 or not np.isfinite(logits_array).all():
        raise ValueError(f"logits must be finite, of shape (n,) or (m, n) with n >= 2, got shape {logits_array.shape}")
    batch = np.atleast_2d(logits_array)
    labels = np.atleast_1d(np.asarray(target))
    # cross_entropy validates the labels (integer, in range, one per sample) with a clear message.
    cross_entropy(batch, labels)
    p = softmax(batch)
    y = np.eye(batch.shape[-1])[labels]
    m = batch.shape[0]
    expected = ((p - y) / m).reshape(logits_array.shape)

    def reshape(array):
        return np.asarray(array).reshape(logits_array.shape)

    hints = [
        (_same(-expected), "your gradient has the sign flipped: it is p - y (the probability minus the "
         "label), not y - p. Gradient descent then lowers the wrong logits."),
        (_same(reshape(p / m)), "you forgot to subtract y: the gradient is p - y, so the true class gets "
         "p - 1 (negative: gradient descent raises its logit)."),
        (_same(reshape(-y / np.where(p > 0, p, 1) / m)), "that is the gradient with respect to the "
         "probabilities (-y / p). Chain it through the softmax Jacobian to reach the logits: it "
         "simplifies to p - y."),
    ]
    if m > 1:
        hints.insert(0, (_same(reshape(p - y)), f"right direction, but the loss is the mean over {m} "
                         f"samples: divide p - y by the batch size {m}."))
    return check_array(answer, expected, what="your gradient", hints=hints)


def check_logsumexp_gradient(answer, x):
    """Check the gradient of ``log(sum(exp(x)))`` with respect to ``x`` (it is ``softmax(x)``).

    Parameters
    ----------
    answer : array_like, shape (n,)
    x : array_like, shape (n,)

    Returns
    -------
    Feedback
    """
    x = _logits(x)
    expected = softmax(x)
    hints = [
        (_same(np.exp(x)), "you differentiated the exponentials but forgot the outer log: "
         "d/dx_i log(Z) = e^{x_i} / Z, so divide by the sum Z."),
        (_same(np.log(expected)), "that is log-softmax; the gradient is softmax itself, e^{x_i} / Z."),
        (_same(np.full(x.shape, 1 / np.exp(x).sum())), "1/Z is only the outer derivative: multiply by "
         "the inner derivative e^{x_i}."),
        (lambda got: got.shape == expected.shape and not np.isclose(got.sum(), 1.0),
         "your values do not sum to 1, but the gradient of log-sum-exp is a probability vector "
         "(softmax), which does."),
    ]
    return check_array(answer, expected, what="your gradient of log-sum-exp", hints=hints)
