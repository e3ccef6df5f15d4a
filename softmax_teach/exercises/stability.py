"""Checks for the *On your own* exercises of notebook 04 (numerical stability).

Each check returns a :class:`~softmax_teach.exercises.core.Feedback`: truthy when the answer is
right, and a sentence naming the mistake when it is a usual one (the threshold of another
dtype, log10 instead of log, no max-subtraction, forgetting to add the max back, the log of a
probability that underflowed, the wrong axis).
"""

from __future__ import annotations

import numpy as np

from softmax_teach.exercises.core import check_value
from softmax_teach.exercises.functions import Case, check_function
from softmax_teach.numerics import log_softmax, logsumexp, softmax

__all__ = ["check_overflow_threshold", "check_logsumexp", "check_log_softmax"]

_FLOAT_TYPES = ("float16", "float32", "float64")


def _overflow_threshold(dtype):
    # In float64: np.log of a float16 max computed in float16 would itself be rounded (11.09).
    return float(np.log(float(np.finfo(dtype).max)))


def check_overflow_threshold(answer, dtype="float32"):
    """Check the largest ``x`` for which ``exp(x)`` is still finite in ``dtype``.

    Parameters
    ----------
    answer : float
        The learner's threshold.
    dtype : {"float16", "float32", "float64"} or numpy dtype, optional
        The floating-point type asked about.

    Returns
    -------
    Feedback
        Right within a relative 1e-4, or half the dtype's eps if coarser (so 88.72 passes
        for float32, and float16's own ``np.log(np.finfo(np.float16).max)``, 11.09, passes for
        11.0899). Names the usual mistakes:
        another dtype's threshold, ``finfo.max`` itself, ``log10``, the underflow end.

    Examples
    --------
    >>> import numpy as np
    >>> bool(check_overflow_threshold(np.log(np.finfo(np.float32).max), "float32"))
    True
    """
    name = np.dtype(dtype).name
    if name not in _FLOAT_TYPES:
        raise ValueError(f"dtype must be one of {_FLOAT_TYPES}, got {dtype!r}")
    info = np.finfo(name)
    expected = _overflow_threshold(name)
    first_integer_over = int(np.ceil(expected))
    # A threshold computed in the dtype itself is rounded to it: float16 gives 11.09 for 11.0899.
    rtol = max(1e-4, float(info.eps) / 2)
    close = lambda got, value: bool(np.isclose(got, value, rtol=rtol))  # noqa: E731 - used only here
    hints = [
        (
            lambda got, other=other: close(got, _overflow_threshold(other)),
            f"that is the threshold of {other}, not {name}: use np.finfo(np.{name}).max.",
        )
        for other in _FLOAT_TYPES
        if other != name
    ]
    hints += [
        (
            lambda got: close(got, float(info.max)),
            f"that is the largest {name} itself; exp(x) reaches it when x is its natural log.",
        ),
        (
            lambda got: close(got, float(np.log10(info.max))),
            "that is log10 of the largest value; exp is e**x, so take the natural log (np.log).",
        ),
        (
            lambda got: got == first_integer_over,
            f"{first_integer_over} is the first integer whose exp overflows; the threshold itself is "
            f"log(max) and lies just below it.",
        ),
        (
            lambda got: got < 0,
            "a negative x makes exp(x) tiny: that is the underflow end. Overflow happens for large "
            "positive x.",
        ),
    ]
    return check_value(answer, expected, what=f"your {name} overflow threshold", rtol=rtol, atol=0, hints=hints)


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
        ("the batch [[1, 2, 3], [-1000, -1001, -999]]", [[1.0, 2.0, 3.0], [-1000.0, -1001.0, -999.0]]),
    ]
    keepdims = "Reduce with axis=-1 and keepdims=True so the (rows, 1) max lines up with the rows."
    return tuple(
        Case(description, np.array(x), _logsumexp_mistakes(np.array(x)), keepdims) for description, x in cases
    )


def check_logsumexp(function):
    """Check a learner's ``function(x)``: ``log(sum(exp(x)))`` over the last axis, without overflow.

    Compared with :func:`softmax_teach.numerics.logsumexp` on the slide's scores, ``[1000,
    1000]`` (the naive formula gives ``inf``), ``[-1000, -1000]`` (it gives ``-inf``) and a
    batch whose rows are far apart.

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
            ]
    return tuple(mistakes)


def _log_softmax_cases():
    cases = [
        ("the slide's scores [2.0, 1.0, 0.1]", [2.0, 1.0, 0.1]),
        ("the scores [0, -1000]", [0.0, -1000.0]),
        ("the large scores [1000, 2000, 3000]", [1000.0, 2000.0, 3000.0]),
        ("the batch [[1, 2, 3], [0, -1000, -2]]", [[1.0, 2.0, 3.0], [0.0, -1000.0, -2.0]]),
    ]
    keepdims = "Reduce with axis=-1 and keepdims=True so the (rows, 1) max and sum line up with the rows."
    return tuple(
        Case(description, np.array(x), _log_softmax_mistakes(np.array(x)), keepdims) for description, x in cases
    )


def check_log_softmax(function):
    """Check a learner's ``function(x)``: ``log(softmax(x))`` over the last axis, finite where it should be.

    Compared with :func:`softmax_teach.numerics.log_softmax` on the slide's scores, ``[0,
    -1000]`` (where ``np.log(softmax(x))`` gives ``-inf``), the slide's large scores and a batch.

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
    return check_function(
        function, _log_softmax_cases(), log_softmax, name="your log_softmax", nonfinite_hint=_LOG_SOFTMAX_HINT
    )
