"""Checks for the exercises of notebook 12 (softmax regression).

They compare the learner's answer with :mod:`softmax_teach.regression` and name the usual
mistakes: forgetting that scikit-learn *sums* the loss (so ``l2 = 1 / C`` instead of
``1 / (C n)``), a gradient not averaged over the samples, the penalty term missing, or ``y - p``
instead of ``p - y``.
"""

from __future__ import annotations

import copy

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.exercises.core import Feedback, check_array, check_value
from softmax_teach.regression import SoftmaxRegression, l2_from_C

__all__ = ["check_l2_for_C", "check_weight_gradient", "check_unpenalised_fit"]


def check_l2_for_C(answer, C, n_samples, *, significant=2):
    """Check the ``l2`` of :class:`SoftmaxRegression` that matches ``LogisticRegression(C=C)``.

    Parameters
    ----------
    answer : float, numpy scalar or 0-d array
        The learner's ``l2``.
    C : float
        scikit-learn's inverse regularisation strength.
    n_samples : int
        Training samples.
    significant : int, optional
        The precision asked for, in significant figures: for C = 10 and 105 samples,
        ``l2 = 1/1050 = 0.000952...``, so 0.00095 passes at 2 figures.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_l2_for_C(0.01, C=1.0, n_samples=100))
    True
    >>> bool(check_l2_for_C(1.0, C=1.0, n_samples=100))
    False
    """
    expected = l2_from_C(C, n_samples)
    hints = (
        (
            lambda a: np.isclose(a, 1 / C),
            "that is 1/C: scikit-learn sums the loss over the samples while "
            "SoftmaxRegression averages it, so divide by the number of samples too.",
        ),
        (lambda a: np.isclose(a, C * n_samples), "that is C·n: C is an *inverse* strength, so invert it."),
        (
            lambda a: np.isclose(a, C / n_samples) or np.isclose(a, C),
            "C is an inverse strength: a larger C means a weaker penalty.",
        ),
        (
            lambda a: np.isclose(a, 1 / n_samples),
            f"that is 1/n: C is missing. l2 = 1 / (C n), with C = {C:g} and n = {n_samples}.",
        ),
        (
            lambda a: np.isclose(a, n_samples / C),
            "that is n/C: invert the whole product, l2 = 1 / (C n), not n / C.",
        ),
        (
            lambda a: np.isclose(a, 1 / (2 * C * n_samples)) or np.isclose(a, 2 / (C * n_samples)),
            "off by a factor 2: both objectives write the penalty as half the squared norm.",
        ),
    )
    # Rounded to fewer significant figures than asked: say it in significant figures, the unit the
    # exercise uses (the shared check would count decimals, 0.001 being "3 decimals").
    hints += tuple(
        (
            lambda a, rounded=float(f"{expected:.{figures - 1}e}"): np.isclose(a, rounded, rtol=1e-9, atol=0),
            f"that is the right l2 rounded to {figures} significant figure{'s' if figures > 1 else ''}; "
            f"the exercise asks for {significant}.",
        )
        for figures in range(1, significant)
    )
    magnitude = int(np.floor(np.log10(abs(expected))))
    cut_off = {f: np.trunc(expected / 10.0 ** (magnitude - f + 1)) * 10.0 ** (magnitude - f + 1) for f in range(1, 9)}
    hints += tuple(
        (
            lambda a, cut=cut_off[figures]: np.isclose(a, cut, rtol=1e-9, atol=0),
            f"that is the right l2 cut off after {figures} significant figure{'s' if figures > 1 else ''} "
            f"(the digits were dropped, not rounded); the exercise asks for {significant}, rounded.",
        )
        for figures in range(1, significant)
    )
    decimals = significant - 1 - int(np.floor(np.log10(abs(expected))))
    return check_value(answer, expected, what="your l2", rtol=1e-9, decimals=decimals, hints=hints)


def check_weight_gradient(answer, X, y, weights, bias, l2=0.0):
    """Check ``dJ/dW`` of the mean cross-entropy plus ``(l2 / 2) ||W||^2`` at ``(weights, bias)``.

    Parameters
    ----------
    answer : array_like, shape (n_features, n_classes)
        The learner's gradient.
    X : array_like, shape (n, n_features)
    y : array_like of int, shape (n,)
    weights : array_like, shape (n_features, n_classes)
    bias : array_like, shape (n_classes,)
    l2 : float

    Returns
    -------
    Feedback
    """
    X = np.asarray(X, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if not check.is_real(l2):
        raise ValueError(f"l2 must be a number, got {l2!r}")
    model = SoftmaxRegression(X.shape[1], weights.shape[1], l2=l2)
    model.weights, model.bias = weights, np.asarray(bias, dtype=float)
    expected, _ = model.gradient(X, y)
    n = X.shape[0]
    penalty = l2 * weights
    data_part = expected - penalty

    def matches(candidate):
        return lambda a: a.shape == candidate.shape and np.allclose(a, candidate, rtol=1e-6, atol=1e-9)

    hints = [
        (
            matches(-expected),
            "the sign is flipped: the gradient is X.T @ (p - y) / n (p - y, not y - p), and descent subtracts it.",
        ),
        (
            matches(-data_part + penalty),
            "the data term has the wrong sign: it is X.T @ (p - y) / n, p minus y (you used y - p).",
        ),
        (
            matches(X.T @ (X @ weights + np.asarray(bias, dtype=float) - _one_hot(y, weights.shape[1])) / n + penalty),
            "you used the logits X @ W + b where the probabilities belong: p = softmax(X @ W + b), row by row.",
        ),
        (
            matches(data_part * n + penalty),
            "not averaged: the loss is the *mean* over samples, so divide X.T @ (p - y) by n.",
        ),
        (
            matches(expected.T),
            "transposed: entry [i, j] is the derivative with respect to W[i, j] (feature i, "
            "class j), so it is X.T @ (P - Y), not (P - Y).T @ X"
            + ("." if weights.shape[0] == weights.shape[1] else f": dJ/dW has the shape of W, {weights.shape}."),
        ),
    ]
    if l2:
        hints.insert(0, (matches(data_part), f"the penalty's gradient l2 * W is missing (l2 = {l2:g})."))
        hints.append(
            (
                matches(data_part + penalty / 2),
                f"the penalty's gradient is l2 * W, not l2/2 * W: the derivative of (l2/2) ||W||^2 brings "
                f"down the square's 2 (l2 = {l2:g}).",
            )
        )
        # The usual first attempt makes both mistakes at once: name both.
        hints.insert(
            0,
            (
                matches(data_part * n),
                f"two things are missing: the mean (divide X.T @ (P - Y) by "
                f"n = {n}) and the penalty's gradient l2 * W (l2 = {l2:g}).",
            ),
        )
        hints.append(
            (matches(data_part + 2 * penalty), "the penalty is (l2 / 2)·||W||², whose gradient is l2·W, not 2·l2·W.")
        )
        hints.append((matches(data_part + penalty / n), f"the penalty's gradient is l2 * W, not divided by n = {n}."))
        hints.append(
            (matches(data_part - penalty), "the penalty's gradient is + l2 * W: the penalty adds to the loss.")
        )

    def rounded_to(decimals):
        rounded = np.round(expected, decimals)
        return lambda a: a.shape == rounded.shape and np.allclose(a, rounded, rtol=1e-12, atol=1e-15)

    hints += [
        (
            rounded_to(decimals),
            f"that is the right gradient rounded to {decimals} decimal{'s' if decimals != 1 else ''}: "
            "return it unrounded.",
        )
        for decimals in range(8, 0, -1)
    ]
    return check_array(answer, expected, what="your dJ/dW", hints=hints)


def _one_hot(y, n_classes):
    y = np.asarray(y)
    return np.eye(n_classes)[y.astype(int)] if y.ndim == 1 else y.astype(float)


def check_unpenalised_fit(model, X, y):
    """Check a :class:`SoftmaxRegression` fitted without a penalty on the separable data ``(X, y)``.

    Passes when the model was fitted with ``l2 = 0`` on ``X`` and classifies every training
    sample right; the message then shows why the loss never reaches 0: doubling the weights and
    the bias of a model that separates the data lowers the loss again, so no finite weights
    minimise it and gradient descent makes them grow for ever.

    Parameters
    ----------
    model : SoftmaxRegression
        The learner's fitted model.
    X : array_like, shape (n, n_features)
        The training features it was fitted on.
    y : array_like of int, shape (n,)

    Returns
    -------
    Feedback
    """
    if not isinstance(model, SoftmaxRegression):
        return Feedback(False, f"pass the fitted SoftmaxRegression itself, got {type(model).__name__}.")
    X = np.asarray(X, dtype=float)
    if not getattr(model, "loss_history_", None):
        return Feedback(False, "the model has not been fitted yet: call .fit(X, y) first.")
    if model.weights.shape[0] != X.shape[1]:
        return Feedback(
            False,
            f"the model has {model.weights.shape[0]} input features but X has {X.shape[1]}: it "
            "was fitted on other data. Fit it on these features.",
        )
    problems = []
    if model.l2 != 0:
        problems.append(f"the model has a penalty (l2 = {model.l2:g}): the question is what happens without one, l2=0")
    accuracy = model.score(X, y)
    if accuracy < 1:
        problems.append(
            f"it classifies {accuracy:.1%} of the training samples right, not all: the data are separable, "
            "so fit longer (n_iterations) or check that X is the training set it was fitted on"
        )
    if problems:
        return Feedback(False, "; and ".join(problems) + ".")
    loss = model.loss(X, y)
    doubled = copy.deepcopy(model)
    doubled.weights, doubled.bias = 2 * model.weights, 2 * model.bias
    return Feedback(
        True,
        f"every training sample is right and the loss fell from {model.loss_history_[0]:.3g} to "
        f"{loss:.3g}, but not to 0: doubling W and b lowers it again, to {doubled.loss(X, y):.3g}. "
        "Without a penalty no finite weights minimise the loss, so they grow for ever (|W| = "
        f"{np.linalg.norm(model.weights):.3g} now); l2 > 0 stops that.",
    )
