"""Checks for the *On your own* exercises of notebook 04 (numerical stability).

Each check returns a :class:`~softmax_teach.exercises.core.Feedback`: truthy when the answer is
right, and a sentence naming the mistake when it is a usual one (the threshold of another
dtype, log10 instead of log, no max-subtraction, forgetting to add the max back, the log of a
probability that underflowed, the wrong axis).
"""

from __future__ import annotations

import numpy as np

from softmax_teach.exercises.core import (
    Case,
    Feedback,
    as_number,
    call_learner_function,
    check_function,
    same_values,
)
from softmax_teach.numerics import exp_limits, log_softmax, logsumexp, softmax

__all__ = ["largest_finite_exp_argument", "check_overflow_threshold", "check_logsumexp", "check_log_softmax"]

_FLOAT_TYPES = ("float16", "float32", "float64")


def _overflow_threshold(dtype):
    # In float64: np.log of a float16 max computed in float16 would itself be rounded (11.09375).
    return exp_limits(dtype)["inf_above"]


def largest_finite_exp_argument(dtype):
    """The largest ``x`` of type ``dtype`` for which ``np.exp(x)``, computed in ``dtype``, is finite.

    It is ``log(finfo.max)`` rounded *down* to ``dtype``: for float16 that is 11.0859375, while
    ``np.log(np.finfo(np.float16).max)`` rounds up to 11.09375, whose exp is ``inf``.
    """
    kind = np.dtype(dtype).type
    x = kind(_overflow_threshold(dtype))
    with np.errstate(over="ignore"):
        while not np.isfinite(np.exp(x)):
            x = np.nextafter(x, kind(0))
        while np.isfinite(np.exp(np.nextafter(x, kind(np.inf)))):
            x = np.nextafter(x, kind(np.inf))
    return float(x)


def _exp_is_finite(value, name):
    with np.errstate(over="ignore"):
        return bool(np.isfinite(np.exp(np.asarray(value).astype(name))))


def check_overflow_threshold(answer, dtype="float32", *, decimals=2):
    """Check the largest ``x`` for which ``np.exp`` of ``x`` as a ``dtype`` (``np.exp(np.float16(x))``) is finite.

    Parameters
    ----------
    answer : float, numpy scalar or 0-d array
        The learner's threshold.
    dtype : {"float16", "float32", "float64"} or numpy dtype, optional
        The floating-point type asked about.
    decimals : int, optional
        The precision asked for. A threshold is given rounded *down* (rounding up can cross it),
        so an answer passes when ``exp`` of it in ``dtype`` is finite and it is less than one unit
        of the last decimal below :func:`largest_finite_exp_argument`: for float16 to 2
        decimals, 11.08 and 11.0859375 pass, 11.09 does not (``np.float16(11.09)`` is 11.09375).

    Returns
    -------
    Feedback
        Names the usual mistakes: another dtype's threshold, a value that ``dtype`` rounds up
        past the threshold (``np.log`` computed in float16), ``finfo.max`` itself, ``log10``, the
        first integer above, the underflow end, a value far below.

    Examples
    --------
    >>> import numpy as np
    >>> bool(check_overflow_threshold(88.72, "float32"))
    True
    >>> bool(check_overflow_threshold(np.log(np.finfo(np.float16).max), "float16"))  # 11.09375: rounded up
    False
    """
    name = np.dtype(dtype).name
    if name not in _FLOAT_TYPES:
        raise ValueError(f"dtype must be one of {_FLOAT_TYPES}, got {dtype!r}")
    info = np.finfo(name)
    what = f"your {name} overflow threshold"
    got = as_number(answer)
    if got is None:
        return Feedback(False, f"{what} should be a number, got {type(answer).__name__}.")
    largest = largest_finite_exp_argument(name)
    unit = 10.0 ** (-decimals)
    if not np.isfinite(got):
        return Feedback(False, f"{what} should be a finite number, got {got}.")
    finite = _exp_is_finite(got, name)
    if finite and got > largest - unit * (1 + 1e-9):
        return Feedback(
            True,
            f"{what} {got:.6g} is right: np.exp(np.{name}({got:.6g})) is still finite, and "
            f"{name} numbers a little larger already overflow.",
        )
    near = lambda value: abs(got - value) <= 2 * unit  # noqa: E731 - used only here
    for other in _FLOAT_TYPES:
        if other != name and near(_overflow_threshold(other)):
            return Feedback(False, f"that is the threshold of {other}, not {name}: use np.finfo(np.{name}).max.")
    if not finite and got <= _overflow_threshold(name) + unit / 2:
        rounded = np.asarray(got).astype(name)
        return Feedback(
            False,
            f"np.{name}({got:.10g}) is {float(rounded):.10g}, and exp of that is inf: {name} cannot hold every "
            f"decimal, and this one rounds up past the threshold (np.log computed in {name} rounds up too). "
            f"Round down, or step down from it with np.nextafter until exp is finite.",
        )
    if np.isclose(got, float(info.max), rtol=1e-3):
        return Feedback(False, f"that is the largest {name} itself; exp(x) reaches it when x is its natural log.")
    if np.isclose(got, float(np.log10(info.max)), rtol=1e-3):
        return Feedback(False, "that is log10 of the largest value; exp is e**x, so take the natural log (np.log).")
    if np.isclose(got, float(np.log2(info.max)), rtol=1e-3):
        return Feedback(False, "that is log2 of the largest value; exp is e**x, so take the natural log (np.log).")
    threshold = _overflow_threshold(name)
    for places in range(1, decimals):  # rounded up to 0 decimals is the first integer, named below
        if not finite and got == round(threshold, places):
            return Feedback(
                False,
                f"that is the threshold rounded to {places} decimal{'s' if places != 1 else ''}, and it was rounded "
                f"up, past it: exp of it is inf. Give {decimals} decimals, rounded down.",
            )
    if got == np.ceil(_overflow_threshold(name)):
        return Feedback(
            False,
            f"{got:g} is the first integer whose exp overflows; the threshold itself is "
            f"log(max) and lies just below it.",
        )
    if got < 0:
        return Feedback(
            False, "a negative x makes exp(x) tiny: that is the underflow end. Overflow happens for large positive x."
        )
    if finite:
        return Feedback(
            False,
            f"np.exp(np.{name}({got:.6g})) is finite, but so is exp of larger {name} numbers: "
            f"the threshold is log(np.finfo(np.{name}).max). Give it to {decimals} decimals, rounded down.",
        )
    return Feedback(
        False, f"np.exp(np.{name}({got:.6g})) is inf: that is past the threshold, log(np.finfo(np.{name}).max)."
    )


# --------------------------------------------------------------------------- logsumexp


_LOGSUMEXP_HINT = (
    "exp overflowed to inf (large scores) or underflowed to 0 so that log(0) = -inf (very "
    "negative scores). Take the max m of each row out first: m + log(sum(exp(x - m)))."
)


def _logsumexp_mistakes(x):
    m = x.max(axis=-1, keepdims=True)
    right = logsumexp(x, keepdims=True)
    with np.errstate(all="ignore"):
        mistakes = [
            (
                np.log(np.exp(x - m).sum(axis=-1)),
                "you forgot to add the max back: log(sum(exp(x - m))) + m.",
            ),
            (
                right,
                f"right values, but shape {right.shape}: the class axis was kept. Return "
                + (f"one number per row, shape {right.shape[:-1]}" if x.ndim > 1 else "a single number")
                + " (use keepdims=True only inside).",
            ),
            (m[..., 0], "that is only the max of each row; add log(sum(exp(x - max))) to it."),
        ]
        # Any shift gives the right value on rows whose scores are close together; a row with a
        # large spread shows which shift was used. The min makes exp(x - min) overflow at once,
        # the mean once the spread passes about 2 * 709 (the mean comes first: on [0, -1500] both
        # overflow, and a min shift has already failed on [0, -1000]).
        for statistic, why in (
            ("mean", "exp(x - mean) of the largest score is about exp(spread / 2), which overflows past ~1420"),
            ("min", "exp(x - min) of the largest score is exp(spread), which overflows past ~709"),
        ):
            shift = getattr(np, statistic)(x, axis=-1, keepdims=True)
            wrong = shift[..., 0] + np.log(np.exp(x - shift).sum(axis=-1))
            if not same_values(wrong, right[..., 0]):
                mistakes.append(
                    (
                        wrong,
                        f"you shifted by the row's {statistic}, not its max: on a row whose scores are "
                        f"{float(np.ptp(x, axis=-1).max()):g} apart, {why}. Only the max makes "
                        "every exponent <= 0, so exp(x - max) stays in [0, 1].",
                    )
                )
        if x.ndim == 2:
            mistakes += [
                (
                    logsumexp(x, axis=None),
                    "you reduced the whole matrix to one number: reduce each row (axis=-1).",
                ),
                (logsumexp(x, axis=0), "you reduced each column (axis=0): reduce each row (axis=-1)."),
                (
                    x.max() + np.log(np.exp(x - x.max()).sum(axis=-1)),
                    "you took out the max of the whole matrix: a row far below it underflows to "
                    "log(0) = -inf. Take out each row's own max (keepdims=True).",
                ),
            ]
    return tuple(mistakes)


def _logsumexp_cases():
    cases = [
        ("the slide's scores [2.0, 1.0, 0.1]", [2.0, 1.0, 0.1]),
        ("the large scores [1000, 1000]", [1000.0, 1000.0]),
        ("the very negative scores [-1000, -1000]", [-1000.0, -1000.0]),
        ("the spread-out scores [0, -1000]", [0.0, -1000.0]),
        ("the spread-out scores [0, -1500]", [0.0, -1500.0]),
        ("the batch [[1, 2, 3], [-1000, -1001, -999]]", [[1.0, 2.0, 3.0], [-1000.0, -1001.0, -999.0]]),
    ]
    keepdims = "Reduce with axis=-1 and keepdims=True so the (rows, 1) max lines up with the rows."
    return tuple(Case(description, np.array(x), _logsumexp_mistakes(np.array(x)), keepdims) for description, x in cases)


def check_logsumexp(function):
    """Check a learner's ``function(x)``: ``log(sum(exp(x)))`` over the last axis, without overflow.

    Compared with :func:`softmax_teach.numerics.logsumexp` on the slide's scores, ``[1000,
    1000]`` (the naive formula gives ``inf``), ``[-1000, -1000]`` (it gives ``-inf``), rows with a
    large spread (``[0, -1000]``, ``[0, -1500]``: a shift by the row's min or mean overflows there)
    and a batch whose rows are far apart.

    Parameters
    ----------
    function : callable
        ``function(x) -> values`` of shape ``x.shape[:-1]``.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> from softmax_teach import logsumexp
    >>> bool(check_logsumexp(logsumexp))
    True
    """
    return check_function(
        function, _logsumexp_cases(), logsumexp, name="your logsumexp", nonfinite_hint=_LOGSUMEXP_HINT
    )


# --------------------------------------------------------------------------- log_softmax


_LOG_SOFTMAX_HINT = (
    "Somewhere exp overflowed, or a probability underflowed to 0 before a log. Stay in the log "
    "domain: (x - m) - log(sum(exp(x - m))) with m the max of each row."
)


def _log_softmax_mistakes(x):
    m = x.max(axis=-1, keepdims=True)
    with np.errstate(all="ignore"):
        mistakes = [
            (
                np.log(softmax(x)),
                "you took the log of softmax: a probability such as exp(-1000) underflows to 0 and "
                "log(0) = -inf. Compute it in the log domain: (x - m) - log(sum(exp(x - m))).",
            ),
            (softmax(x), "those are the probabilities; log_softmax returns their logarithms (all <= 0)."),
            (x - m, "you subtracted the max but not log(sum(exp(x - m))): the exponentials do not sum to 1."),
            (x - logsumexp(x)[..., None] + m, "you subtracted log(sum(exp(x - m))) but not the max m itself."),
        ]
        if x.ndim == 2:
            mistakes += [
                (
                    log_softmax(x, axis=None),
                    "you normalised the whole matrix: reduce each row with axis=-1 and keepdims=True.",
                ),
                (log_softmax(x, axis=0), "you normalised each column (axis=0): reduce each row (axis=-1)."),
                (
                    _whole_matrix_max_log_softmax(x),
                    "you subtracted the max of the whole matrix: a row far below it underflows, its "
                    "sum of exponentials becomes 0 and log(0) = -inf. Subtract each row's own max "
                    "(x.max(axis=-1, keepdims=True)).",
                ),
            ]
    return tuple(mistakes)


def _whole_matrix_max_log_softmax(x):
    shifted = x - x.max()
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _log_softmax_cases():
    cases = [
        ("the slide's scores [2.0, 1.0, 0.1]", [2.0, 1.0, 0.1]),
        ("the scores [0, -1000]", [0.0, -1000.0]),
        ("the large scores [1000, 2000, 3000]", [1000.0, 2000.0, 3000.0]),
        ("the batch [[1, 2, 3], [0, -1000, -2]]", [[1.0, 2.0, 3.0], [0.0, -1000.0, -2.0]]),
        # rows far apart: only here does the max of the whole matrix differ from each row's own max
        ("the batch [[1000, 1001, 999], [-1000, -1002, -999]]", [[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -999.0]]),
    ]
    keepdims = "Reduce with axis=-1 and keepdims=True so the (rows, 1) max and sum line up with the rows."
    return tuple(
        Case(description, np.array(x), _log_softmax_mistakes(np.array(x)), keepdims) for description, x in cases
    )


def check_log_softmax(function):
    """Check a learner's ``function(x)``: ``log(softmax(x))`` over the last axis, finite where it should be.

    Compared with :func:`softmax_teach.numerics.log_softmax` on the slide's scores, ``[0,
    -1000]`` (where ``np.log(softmax(x))`` gives ``-inf``), the slide's large scores, a batch, and
    a batch whose rows are far apart (where the max of the whole matrix is not each row's max).
    Besides the mistakes each case names, a floored ``log(softmax(x) + 1e-8)`` or
    ``np.log(np.clip(...))`` is named.

    Parameters
    ----------
    function : callable
        ``function(x) -> log-probabilities`` of the same shape as ``x``.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> from softmax_teach import log_softmax
    >>> bool(check_log_softmax(log_softmax))
    True
    """
    feedback = check_function(
        function, _log_softmax_cases(), log_softmax, name="your log_softmax", nonfinite_hint=_LOG_SOFTMAX_HINT
    )
    if not feedback:
        floored = _floored_log_probability(function)
        if floored is not None:
            return Feedback(
                False,
                f"you kept log(softmax(x)) and kept the probability away from 0 (adding a small number "
                f"such as 1e-8, or np.clip): on [0, -1000] your function gives {floored:.4g} for the second "
                f"class, whose log-probability is exactly -1000. A floor hides the underflow instead of "
                f"fixing it: every log-probability below log(floor) comes out wrong. Compute it in the log "
                f"domain instead: (x - m) - log(sum(exp(x - m))).",
            )
    return feedback


def _floored_log_probability(function):
    """What ``function`` gives for the second class of ``[0, -1000]`` when it floored log(softmax), else None.

    The usual "fix" of ``np.log(softmax(x))`` keeps the probability away from 0 (``+ 1e-8``,
    ``np.clip(p, 1e-300, None)``): the first class then comes out at about 0, and the second at
    ``log(floor)``, a finite number far above the right -1000.
    """
    call = call_learner_function(function, np.array([0.0, -1000.0]))
    try:
        result = np.asarray(call.result, dtype=float)
    except (TypeError, ValueError):
        return None
    if call.error is not None or result.shape != (2,) or not np.isfinite(result).all():
        return None
    if abs(result[0]) < 1e-6 and -990.0 < result[1] < -1.0:
        return float(result[1])
    return None
