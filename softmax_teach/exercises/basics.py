"""Checks for the *On your own* exercises of notebooks 01 (introduction) and 03 (implementation).

Each check returns a :class:`~softmax_teach.exercises.core.Feedback`: truthy when the answer is
right, and a sentence that names the mistake when it is one of the usual ones (probabilities
passed as logits, a scaled answer, forgetting the max-subtraction, normalising the whole matrix,
the wrong axis, ``exp`` without the division).
"""

from __future__ import annotations

import numpy as np

from softmax_teach.exercises.core import Case, Feedback, call_learner_function, check_array, check_function, same_values
from softmax_teach.numerics import softmax

__all__ = [
    "SLIDE_LOGITS",
    "STUDENT_SCORES",
    "check_logits_for",
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
        Names the usual mistakes: passing the probabilities themselves, log2 or log10 instead of
        the natural log, -log(p), logits rounded too coarsely, and (for a target whose
        probabilities all differ) logits that are an exact multiple of log(p).

    Examples
    --------
    >>> import numpy as np
    >>> bool(check_logits_for(np.log([0.6, 0.3, 0.1]) + 7, [0.6, 0.3, 0.1]))
    True
    """
    target = np.asarray(target_probabilities, dtype=float)
    if target.ndim != 1 or (target <= 0).any() or not np.isclose(target.sum(), 1.0):
        raise ValueError(f"target_probabilities must be positive and sum to 1, got {target_probabilities!r}")
    try:
        logits = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"your logits should be numbers, got {type(answer).__name__}.")
    if logits.shape != target.shape:
        return Feedback(
            False, f"your logits have shape {logits.shape}: give one score per class, shape {target.shape}."
        )
    if not np.isfinite(logits).all():
        return Feedback(
            False, "every class needs a finite score: exp(-inf) = 0 would give that class no probability at all."
        )
    got = softmax(logits)
    # Right to 3 decimals in every probability: rounded logits such as [1.0, 0.307, 0.307] pass.
    if np.allclose(got, target, rtol=0, atol=PROBABILITY_TOLERANCE):
        shift = float(np.mean(logits - np.log(target)))
        return Feedback(
            True,
            f"softmax of your logits is {np.round(got, 4)}. They are log(p) {'-' if shift < 0 else '+'} "
            f"{abs(shift):.4g}: any common shift gives the same probabilities.",
        )
    if np.allclose(logits, target, rtol=1e-6, atol=1e-9):
        return Feedback(
            False,
            f"those are the probabilities themselves, and softmax of them is {np.round(got, 4)}, much "
            f"flatter. Which scores x have exp(x) proportional to p? Try np.log(p).",
        )
    diagnosis = _scaled_log_diagnosis(logits, target)
    if diagnosis is not None:
        return Feedback(False, f"{diagnosis} Softmax of your logits is {np.round(got, 4)}.")
    return Feedback(False, f"softmax of your logits is {np.round(got, 4)}, not {np.round(target, 4)}.")


#: Scales of log(p) that have a known cause, with the sentence that names it.
_KNOWN_SCALES = (
    (1 / np.log(2), "your logits are log2(p) (plus a shift): softmax uses exp, so it needs the natural log, np.log."),
    (1 / np.log(10), "your logits are log10(p) (plus a shift): softmax uses exp, so it needs the natural log, np.log."),
    (
        -1.0,
        "your logits are -log(p) (plus a shift): the sign is flipped, so the least likely class gets the "
        "highest score. Use +log(p).",
    ),
)


def _scaled_log_diagnosis(logits, target):
    """Name the slip when the logits are log(p) times a recognised factor, or log(p) typed too coarsely.

    A scale hint is only given when it names a real cause: a target with tied probabilities makes
    every answer with the same ties "a scaled log(p)", so a factor is named only if it is one of
    :data:`_KNOWN_SCALES` (log2, log10, a flipped sign), or if the logits are *exactly* a multiple
    of log(p) for a target whose log-probabilities are all different (then the scaling is a fact
    about the answer, not a coincidence of the target). A factor within 5% of 1 is the right idea
    typed with too few decimals.
    """
    centred = logits - logits.mean()
    wanted = np.log(target) - np.log(target).mean()
    if not wanted.any():
        return None
    scale = float(centred @ wanted / (wanted @ wanted))
    residual = float(np.max(np.abs(centred - scale * wanted)))
    roughly = residual <= 0.02 * max(1.0, abs(scale))  # typed to about 2 decimals
    if roughly and abs(scale - 1) <= 0.05:
        return (
            f"right idea: your logits are log(p) plus a shift, but typed too coarsely (they are up to "
            f"{max(residual, abs(scale - 1) * float(np.max(np.abs(wanted)))):.2g} away from log(p) + c). "
            f"Keep more decimals, or let numpy compute np.log(p)."
        )
    for factor, message in _KNOWN_SCALES:
        if roughly and abs(scale - factor) <= 0.02 * abs(factor):
            return message
    distinct = len(np.unique(np.round(wanted, 9))) == len(wanted) >= 3
    if distinct and residual <= 1e-6 * max(1.0, abs(scale)):
        return (
            f"your logits are log(p) scaled by {scale:.4g} (plus a shift), and softmax is not scale-invariant: "
            f"only adding a constant to every logit is free."
        )
    return None


# --------------------------------------------------------------------------- notebook 03


def _divided(values, axis):
    return values / values.sum(axis=axis, keepdims=True)


def _shifted_exp(x):
    return np.exp(x - x.max(axis=-1, keepdims=True))


# A wrong softmax is usually the right one with one or two parts changed: how the max is
# subtracted (``_SHIFTS``) and what the exponentials are divided by (``_NORMS``). Every combination
# is computed for each test input; the one that agrees with the learner's function on the most
# inputs names the mistake, and a combination with two faults names both.
_SHIFTS = {
    "row": lambda x: x - x.max(axis=-1, keepdims=True),
    "row without keepdims": lambda x: x - x.max(axis=-1),
    "whole": lambda x: x - x.max(),
    "column": lambda x: x - x.max(axis=0, keepdims=True),
    "none": lambda x: x,
}
_NORMS = {
    "row": lambda e: e / e.sum(axis=-1, keepdims=True),
    "row without keepdims": lambda e: e / e.sum(axis=-1),
    "whole": lambda e: e / e.sum(),
    "column": lambda e: e / e.sum(axis=0, keepdims=True),
    "none": lambda e: e,
}
_KEEPDIMS_MAX = (
    "you subtracted x.max(axis=-1) without keepdims=True: on a square batch the row maxima were "
    "subtracted from the columns. Keep the axis: x.max(axis=-1, keepdims=True)."
)
_KEEPDIMS_SUM = (
    "you divided by .sum(axis=-1) without keepdims=True: on a square batch column j was divided by "
    "the sum of row j. Keep the axis: .sum(axis=-1, keepdims=True)."
)
_KEEPDIMS_BOTH = (
    "you left out keepdims=True in both the max and the sum. x.max(axis=-1) and .sum(axis=-1) have "
    "shape (rows,), which numpy lines up with the columns, not the rows: on a square batch nothing "
    "raises and every number is wrong (on a 2x3 batch it raises). Keep the axis in both: "
    "x.max(axis=-1, keepdims=True) and .sum(axis=-1, keepdims=True)."
)
_WHOLE_MATRIX = (
    "you normalised the whole matrix: all the numbers together sum to 1, but each row should. Use "
    "x.max(axis=-1, keepdims=True) and .sum(axis=-1, keepdims=True)."
)
_WHOLE_MAX = (
    "you subtracted the max of the whole matrix: a row far below it underflows to exp = 0 "
    "everywhere and 0/0 = nan. Subtract each row's own max: x.max(axis=-1, keepdims=True)."
)
_WHOLE_SUM = (
    "you divided by the sum of the whole matrix: all the numbers together sum to 1, but each row "
    "should. Divide by .sum(axis=-1, keepdims=True)."
)
_AXIS_0 = (
    "each column sums to 1 instead of each row: you used axis=0. The classes are on the last axis, "
    "so reduce with axis=-1 (and keepdims=True)."
)
_COLUMN_MAX = (
    "you subtracted each column's max (axis=0): that shifts the scores of a row by different "
    "amounts, which changes the softmax. Subtract each row's max: x.max(axis=-1, keepdims=True)."
)
_COLUMN_SUM = (
    "you divided by each column's sum (axis=0): each row should sum to 1. Divide by .sum(axis=-1, keepdims=True)."
)
_NO_MAX_TOO = (
    "you did not subtract the max: exp overflows for large scores such as [1000, 2000, 3000] "
    "(inf / inf = nan). Subtract each row's max: x.max(axis=-1, keepdims=True)."
)


def _faults(shift, norm):
    """The sentences that name what the combination (shift, norm) gets wrong, one per mistake."""
    if norm == "none":
        undivided = "exp(x)" if shift == "none" else "exp(x - max)"
        first = [f"you returned {undivided} without dividing by the sum: the values do not sum to 1."]
        return first + (
            [_KEEPDIMS_MAX] if shift == "row without keepdims" else [_COLUMN_MAX] if shift == "column" else []
        )
    if shift == "row without keepdims" and norm == "row without keepdims":
        return [_KEEPDIMS_BOTH]
    if norm == "whole" and shift in ("whole", "none"):
        return [_WHOLE_MATRIX] + ([_NO_MAX_TOO] if shift == "none" else [])
    if norm == "column" and shift in ("column", "whole", "none"):
        return [_AXIS_0] + ([_NO_MAX_TOO] if shift == "none" else [])
    by_shift = {
        "row": [],
        "row without keepdims": [_KEEPDIMS_MAX],
        "whole": [_WHOLE_MAX],
        "column": [_COLUMN_MAX],
        "none": [_NO_MAX_TOO],
    }[shift]
    by_norm = {"row": [], "row without keepdims": [_KEEPDIMS_SUM], "whole": [_WHOLE_SUM], "column": [_COLUMN_SUM]}[norm]
    return by_norm + by_shift


def _describe(faults):
    if len(faults) == 1:
        return faults[0]
    first, second = (f[0].upper() + f[1:] for f in faults)
    return f"two mistakes at once. First, {first[0].lower() + first[1:]} Second, {second[0].lower() + second[1:]}"


def _variant(x, shift, norm):
    """What the combination (shift, norm) returns for ``x``, or None when it raises."""
    with np.errstate(all="ignore"):
        try:
            return np.asarray(_NORMS[norm](np.exp(_SHIFTS[shift](x))), dtype=float)
        except (ValueError, IndexError):  # e.g. broadcasting (2, 3) against (2,)
            return None


def _same_result(learner, variant):
    if learner is None or variant is None:
        return learner is None and variant is None
    return same_values(learner, variant)


def _ranked_variants(function, cases):
    """Every wrong (shift, norm) combination, the one most like ``function`` across ``cases`` first.

    Ties go to fewer faults. The pure "no max-subtraction" variant gets no message (None): the
    generic check names it better, quoting the input and numpy's overflow warning.
    """
    learner = []
    for case in cases:
        call = call_learner_function(function, np.array(case.x, copy=True))
        try:
            learner.append(None if call.error is not None else np.asarray(call.result, dtype=float))
        except (TypeError, ValueError):
            learner.append(None)
    ranked = []
    for order, (shift, norm) in enumerate((s, n) for s in _SHIFTS for n in _NORMS):
        if (shift, norm) == ("row", "row"):
            continue
        faults = [None] if (shift, norm) == ("none", "row") else _faults(shift, norm)
        agreement = sum(_same_result(got, _variant(case.x, shift, norm)) for got, case in zip(learner, cases))
        ranked.append((-agreement, len(faults), order, shift, norm, faults))
    return [
        (shift, norm, None if faults == [None] else _describe(faults)) for *_, shift, norm, faults in sorted(ranked)
    ]


def _softmax_cases():
    slide = SLIDE_LOGITS.copy()
    batch = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    square = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0], [2.0, 2.0, -3.0]])
    large = np.array([1000.0, 2000.0, 3000.0])
    large_batch = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -999.0]])
    far_apart = np.array([[0.0, 1.0, 2.0], [-800.0, -801.0, -799.0]])
    keepdims = "Reduce with keepdims=True so the (rows, 1) max and sum line up with the rows."
    vector = (
        "The classes are on the last axis: axis=-1 works for one vector and for a batch alike (a vector has no axis 1)."
    )
    return (
        Case("the slide's scores [2.0, 1.0, 0.1]", slide, (), vector),
        Case("a 3x3 batch", square, (), keepdims),
        Case("a batch of 2 rows [[1, 2, 3], [1, 1, 1]]", batch, (), keepdims),
        Case("the large scores [1000, 2000, 3000]", large, (), vector),
        Case("a batch of large scores [[1000, 1001, 999], [-1000, -1002, -999]]", large_batch, (), keepdims),
        Case("rows far apart [[0, 1, 2], [-800, -801, -799]]", far_apart, (), keepdims),
    )


def _with_mistakes(cases, ranked):
    """The cases, each with what every ranked wrong variant returns for it (best guess first)."""
    with_mistakes = []
    for case in cases:
        mistakes = []
        for shift, norm, message in ranked:
            result = _variant(case.x, shift, norm)
            # A result that a better-ranked variant already gives is that variant's to name.
            if result is not None and not any(_same_result(result, earlier) for earlier, _ in mistakes):
                mistakes.append((result, message))
        mistakes = tuple((result, message) for result, message in mistakes if message is not None)
        with_mistakes.append(Case(case.description, case.x, mistakes, case.error_hint))
    return tuple(with_mistakes)


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
    cases = _softmax_cases()
    if callable(function):
        cases = _with_mistakes(cases, _ranked_variants(function, cases))
    return check_function(function, cases, softmax, name="your softmax", nonfinite_hint=_NO_MAX_HINT)


def check_column_probabilities(answer, scores=STUDENT_SCORES, *, decimals=4):
    """Check probabilities for data stored one sample per *column* (classes on axis 0).

    Parameters
    ----------
    answer : array_like
        The learner's probabilities, the shape of ``scores``.
    scores : array_like, optional
        Scores with the classes on axis 0 (default: :data:`STUDENT_SCORES`, 3 answers x 4
        students).
    decimals : int, optional
        The precision accepted: every probability right to this many decimals passes.

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
    # A slip typed from a printout at the stated precision is still that slip: compare within half
    # a unit of the last decimal, as a right answer is.
    atol = 0.5 * 10.0**-decimals * (1 + 1e-9)

    def near(wrong):
        return lambda got: np.allclose(got, wrong, rtol=0, atol=atol)

    hints = (
        (
            near(softmax(scores, axis=-1)),
            "each row sums to 1, but here each student is a column: normalise over axis=0.",
        ),
        (
            near(softmax(scores, axis=None)),
            "the whole table sums to 1: that is one distribution over all 12 cells. Each student "
            "(column) needs its own: normalise over axis=0.",
        ),
        (
            lambda got: near(np.exp(scores))(got) or near(np.exp(scores - scores.max(axis=0)))(got),
            "these are exponentials, not yet probabilities: divide each column by its sum.",
        ),
    )
    return check_array(answer, softmax(scores, axis=0), what="your probability table", decimals=decimals, hints=hints)
