"""Checks for the *On your own* exercises of notebooks 01 (introduction) and 03 (implementation).

Each check returns a :class:`~softmax_teach.exercises.core.Feedback`: truthy when the answer is
right, and a sentence that names the mistake when it is one of the usual ones (probabilities
passed as logits, a scaled answer, forgetting the max-subtraction, normalising the whole matrix,
the wrong axis, ``exp`` without the division).
"""

from __future__ import annotations

import numpy as np

from softmax_teach.exercises.core import Feedback, as_number, check_array
from softmax_teach.exercises.functions import Case, check_function
from softmax_teach.numerics import softmax

__all__ = [
    "SLIDE_LOGITS",
    "STUDENT_SCORES",
    "check_logits_for",
    "check_temperature_for_top_probability",
    "check_softmax",
    "check_column_probabilities",
]

#: The scores of slides 1 and 3.
SLIDE_LOGITS = np.array([2.0, 1.0, 0.1])

#: Notebook 03's exercise: scores of 3 answers (rows) for each of 4 students (columns).
STUDENT_SCORES = np.array(
    [
        [2.0, 0.5, 1.0, 3.0],
        [1.0, 2.5, 1.0, -1.0],
        [0.1, 0.5, 4.0, 0.0],
    ]
)

_NO_MAX_HINT = (
    "exp overflows for large scores: subtract each row's max before exp "
    "(`x - x.max(axis=-1, keepdims=True)`); softmax does not change when every score of a row "
    "moves by the same amount."
)


# --------------------------------------------------------------------------- notebook 01


#: How close softmax of the learner's logits must come to each target probability (3 decimals).
PROBABILITY_TOLERANCE = 5e-4


def check_logits_for(answer, target_probabilities):
    """Check logits whose softmax is ``target_probabilities`` (any shift of ``log(p)`` is right).

    Softmax of the answer must match every target probability to 3 decimals
    (:data:`PROBABILITY_TOLERANCE`), so logits rounded to 3 decimals pass.

    Parameters
    ----------
    answer : array_like
        The learner's logits.
    target_probabilities : array_like
        Positive probabilities summing to 1.

    Returns
    -------
    Feedback
        Names the usual mistakes: passing the probabilities themselves, or logits that are a
        scaled version of the right ones (softmax is not scale-invariant).

    Examples
    --------
    >>> import numpy as np
    >>> bool(check_logits_for(np.log([0.5, 0.25, 0.25]) + 7, [0.5, 0.25, 0.25]))
    True
    """
    target = np.asarray(target_probabilities, dtype=float)
    if target.ndim != 1 or (target <= 0).any() or not np.isclose(target.sum(), 1.0):
        raise ValueError(
            f"target_probabilities must be positive and sum to 1, got {target_probabilities!r}"
        )
    try:
        logits = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"your logits should be numbers, got {type(answer).__name__}.")
    if logits.shape != target.shape:
        return Feedback(False, f"your logits have shape {logits.shape}: give one score per class, shape {target.shape}.")
    if not np.isfinite(logits).all():
        return Feedback(False, "every class needs a finite score: exp(-inf) = 0 would give that class no probability at all.")
    got = softmax(logits)
    # Right to 3 decimals in every probability: rounded logits such as [1.0, 0.307, 0.307] pass.
    if np.allclose(got, target, rtol=0, atol=PROBABILITY_TOLERANCE):
        shift = float(np.mean(logits - np.log(target)))
        return Feedback(
            True,
            f"softmax of your logits is {np.round(got, 4)}. They are log(p) + {shift:.4g}: any common "
            f"shift gives the same probabilities.",
        )
    if np.allclose(logits, target, rtol=1e-6, atol=1e-9):
        return Feedback(
            False,
            f"those are the probabilities themselves, and softmax of them is {np.round(got, 4)}, much "
            f"flatter. Which scores x have exp(x) proportional to p? Try np.log(p).",
        )
    centred = logits - logits.mean()
    wanted = np.log(target) - np.log(target).mean()
    scale = float(centred @ wanted / (wanted @ wanted)) if wanted.any() else 1.0
    if np.allclose(centred, scale * wanted, rtol=1e-6, atol=1e-9):
        base = {2: " (log base 2? softmax uses exp, so it needs the natural log)", 10: " (log base 10? softmax uses exp, so it needs the natural log)"}
        which = next((b for b in base if np.isclose(scale, 1 / np.log(b))), None)
        return Feedback(
            False,
            f"your logits are log(p) scaled by {scale:.4g} (plus a shift){base.get(which, '')}, and "
            f"softmax is not scale-invariant: they give {np.round(got, 4)}. Only adding a constant is free.",
        )
    return Feedback(False, f"softmax of your logits is {np.round(got, 4)}, not {np.round(target, 4)}.")


def _top_probability(logits, temperature):
    return float(softmax(logits, temperature=temperature).max())


def _temperature_for(logits, target):
    """Solve ``max(softmax(logits / T)) == target`` for T (it decreases monotonically in T)."""
    from scipy.optimize import brentq

    return brentq(lambda t: _top_probability(logits, t) - target, 1e-3, 1e3, xtol=1e-12)


def check_temperature_for_top_probability(answer, logits=SLIDE_LOGITS, target=0.9):
    """Check a temperature ``T`` at which the most likely class gets probability ``target``.

    Parameters
    ----------
    answer : float
        The learner's temperature.
    logits : array_like, optional
        The scores (default: the slide's ``[2.0, 1.0, 0.1]``).
    target : float, optional
        The wanted top probability, above the uniform ``1/n`` and below 1.

    Returns
    -------
    Feedback
        Right when the top probability at ``answer`` is within 0.001 of ``target``; otherwise
        says whether the distribution is too flat or too sharp.

    Examples
    --------
    >>> bool(check_temperature_for_top_probability(0.5))
    False
    """
    logits = np.asarray(logits, dtype=float)
    if not 1 / logits.size < target < 1:
        raise ValueError(f"target must lie between 1/{logits.size} and 1, got {target!r}")
    temperature = as_number(answer)  # numpy scalars and 0-d arrays are numbers too
    if temperature is None:
        return Feedback(False, f"the temperature should be a number, got {type(answer).__name__}.")
    if not np.isfinite(temperature) or temperature <= 0:
        return Feedback(False, f"the temperature must be positive and finite, got {temperature}.")
    top = _top_probability(logits, temperature)
    if abs(top - target) <= 1e-3:
        return Feedback(True, f"at T = {temperature:.4g} the top class gets {top:.4f}, as wanted.")
    direction = (
        "too flat: lower the temperature (T < 1 sharpens)"
        if top < target
        else "too sharp: raise the temperature a little"
    )
    return Feedback(False, f"at T = {temperature:.4g} the top class gets {top:.4f}, not {target}: {direction}.")


# --------------------------------------------------------------------------- notebook 03


def _divided(values, axis):
    return values / values.sum(axis=axis, keepdims=True)


def _shifted_exp(x):
    return np.exp(x - x.max(axis=-1, keepdims=True))


def _softmax_mistakes(x):
    """What the usual wrong softmax implementations return for ``x`` (rows on the last axis)."""
    with np.errstate(all="ignore"):
        mistakes = [
            (np.exp(x), "you returned exp(x) without dividing by the sum: the values do not sum to 1."),
            (
                _shifted_exp(x),
                "you returned exp(x - max) without dividing by the sum: the values do not sum to 1.",
            ),
        ]
        if x.ndim == 2:
            mistakes += [
                (
                    softmax(x, axis=None),
                    "you normalised the whole matrix: all the numbers together sum to 1, but each row "
                    "should. Use x.max(axis=-1, keepdims=True) and .sum(axis=-1, keepdims=True).",
                ),
                (
                    softmax(x, axis=0),
                    "each column sums to 1 instead of each row: you used axis=0. The classes are on "
                    "the last axis, so reduce with axis=-1 (and keepdims=True).",
                ),
                (
                    _divided(np.exp(x - x.max()), -1),
                    "you subtracted the max of the whole matrix: a row far below it underflows to "
                    "exp = 0 everywhere and 0/0 = nan. Subtract each row's own max: "
                    "x.max(axis=-1, keepdims=True).",
                ),
            ]
        if x.ndim == 2 and x.shape[0] == x.shape[1]:
            # Without keepdims a square batch broadcasts silently instead of raising.
            mistakes += [
                (
                    _divided(np.exp(x - x.max(axis=-1)), -1),
                    "you subtracted x.max(axis=-1) without keepdims=True: on a square batch the row "
                    "maxima were subtracted from the columns. Keep the axis: x.max(axis=-1, keepdims=True).",
                ),
                (
                    _shifted_exp(x) / _shifted_exp(x).sum(axis=-1),
                    "you divided by .sum(axis=-1) without keepdims=True: on a square batch column j was "
                    "divided by the sum of row j. Keep the axis: .sum(axis=-1, keepdims=True).",
                ),
            ]
    return tuple(mistakes)


def _softmax_cases():
    slide = SLIDE_LOGITS.copy()
    batch = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    square = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0], [2.0, 2.0, -3.0]])
    large = np.array([1000.0, 2000.0, 3000.0])
    large_batch = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -999.0]])
    far_apart = np.array([[0.0, 1.0, 2.0], [-800.0, -801.0, -799.0]])
    keepdims = "Reduce with keepdims=True so the (rows, 1) max and sum line up with the rows."
    return (
        Case("the slide's scores [2.0, 1.0, 0.1]", slide, _softmax_mistakes(slide)),
        Case("a 3x3 batch", square, _softmax_mistakes(square), keepdims),
        Case("a batch of 2 rows [[1, 2, 3], [1, 1, 1]]", batch, _softmax_mistakes(batch), keepdims),
        Case("the large scores [1000, 2000, 3000]", large, _softmax_mistakes(large)),
        Case("a batch of large scores [[1000, 1001, 999], [-1000, -1002, -999]]", large_batch, _softmax_mistakes(large_batch), keepdims),
        Case("rows far apart [[0, 1, 2], [-800, -801, -799]]", far_apart, _softmax_mistakes(far_apart), keepdims),
    )


def check_softmax(function):
    """Check a learner's ``function(x)``: softmax over the last axis of a 1-D or 2-D array.

    Runs it on the slide's scores, small batches (a square 3x3 first, where a missing
    ``keepdims`` broadcasts silently instead of raising, then 2x3), the slide's large scores and
    rows far apart, comparing with
    :func:`softmax_teach.numerics.softmax`.

    Parameters
    ----------
    function : callable
        ``function(x) -> probabilities`` of the same shape as ``x``.

    Returns
    -------
    Feedback
        Names the first mistake found: ``exp`` without the division, the whole matrix
        normalised, ``axis=0``, a missing ``keepdims``, no max-subtraction (``nan`` or ``inf``,
        quoting numpy's warning), an input changed in place.

    Examples
    --------
    >>> from softmax_teach import softmax
    >>> bool(check_softmax(softmax))
    True
    """
    return check_function(function, _softmax_cases(), softmax, name="your softmax", nonfinite_hint=_NO_MAX_HINT)


def check_column_probabilities(answer, scores=STUDENT_SCORES):
    """Check probabilities for data stored one sample per *column* (classes on axis 0).

    Parameters
    ----------
    answer : array_like
        The learner's probabilities, the shape of ``scores``.
    scores : array_like, optional
        Scores with the classes on axis 0 (default: :data:`STUDENT_SCORES`, 3 answers x 4
        students).

    Returns
    -------
    Feedback
        Names the axis mistakes: rows normalised instead of columns, the whole matrix
        normalised, ``exp`` without dividing.

    Examples
    --------
    >>> from softmax_teach import softmax
    >>> bool(check_column_probabilities(softmax(STUDENT_SCORES, axis=0)))
    True
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2:
        raise ValueError(f"scores must be a 2-D array (classes x samples), got shape {scores.shape}")
    hints = (
        (
            lambda got: np.allclose(got, softmax(scores, axis=-1)),
            "each row sums to 1, but here each student is a column: normalise over axis=0.",
        ),
        (
            lambda got: np.allclose(got, softmax(scores, axis=None)),
            "the whole table sums to 1: that is one distribution over all 12 cells. Each student "
            "(column) needs its own: normalise over axis=0.",
        ),
        (
            lambda got: np.allclose(got, np.exp(scores)) or np.allclose(got, np.exp(scores - scores.max(axis=0))),
            "these are exponentials, not yet probabilities: divide each column by its sum.",
        ),
    )
    return check_array(answer, softmax(scores, axis=0), what="your probability table", hints=hints)

