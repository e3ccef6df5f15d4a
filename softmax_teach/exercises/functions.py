"""Run a learner's function on a list of test inputs and diagnose the first wrong result.

The topic checks (``exercises.basics``, ``exercises.stability``) describe their test inputs as
:class:`Case` objects, each with the typical wrong answers for that input; :func:`check_function`
runs them in order and turns the first failure into a sentence that names the input and, when a
known mistake matches, the mistake.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from softmax_teach.exercises.core import Feedback, check_array, same_values


@dataclass(frozen=True)
class Case:
    """One test input for a learner's function.

    Parameters
    ----------
    description : str
        How the message names the input ("the batch [[1, 2, 3], [1, 1, 1]]").
    x : ndarray
        The input; the learner's function gets a fresh copy.
    mistakes : sequence of (ndarray, str)
        What typical wrong solutions return for ``x``, each with the message to show when the
        learner's result matches it. Tried in order, so put the most specific first.
    error_hint : str
        Added to the message when the learner's function raises on this input.
    """

    description: str
    x: np.ndarray
    mistakes: tuple = field(default_factory=tuple)
    error_hint: str = ""


@dataclass(frozen=True)
class LearnerCall:
    """What one call of a learner's function did: its result, its numpy warnings, its error."""

    result: object
    warning_messages: tuple
    error: BaseException | None


def call_learner_function(function: Callable, x: np.ndarray) -> LearnerCall:
    """Call ``function(x)`` and record, instead of showing, the warnings it raises.

    Warnings are recorded (so the check can quote numpy's ``overflow encountered in exp``)
    rather than printed with file paths, and any exception is kept for the message.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = function(x)
            error = None
        except Exception as exc:  # any learner mistake must become feedback, not a traceback
            result, error = None, exc
    messages = tuple(dict.fromkeys(str(w.message) for w in caught))  # unique, in order
    return LearnerCall(result, messages, error)


def check_function(function, cases, reference, *, name="your function", nonfinite_hint, rtol=1e-6, atol=1e-12):
    """Run ``function`` on every case and compare with ``reference``; stop at the first failure.

    Parameters
    ----------
    function : callable
        The learner's function of one array argument.
    cases : sequence of Case
        Test inputs, easiest first.
    reference : callable
        The right answer for an input (a tested function of this package).
    name : str
        How messages name the function.
    nonfinite_hint : str
        Shown when the result holds ``nan`` or ``inf`` where the right answer is finite (the
        usual cause is a missing max-subtraction); numpy's warnings are quoted after it.
    rtol, atol : float
        Tolerances for a right answer.

    Returns
    -------
    Feedback
    """
    if not callable(function):
        return Feedback(False, f"pass the function itself (e.g. `my_softmax`, no parentheses), got {type(function).__name__}.")
    for case in cases:
        original = np.array(case.x, copy=True)
        given = np.array(case.x, copy=True)
        call = call_learner_function(function, given)
        if call.error is not None:
            hint = f" {case.error_hint}" if case.error_hint else ""
            return Feedback(
                False,
                f"{name} raised {type(call.error).__name__} ({call.error}) on {case.description}.{hint}",
            )
        try:
            result = np.asarray(call.result, dtype=float)
        except (TypeError, ValueError):
            return Feedback(
                False, f"{name} should return an array of numbers, got {type(call.result).__name__} on {case.description}."
            )
        expected = reference(original)
        feedback = check_array(result, expected, what=f"{name} on {case.description}", rtol=rtol, atol=atol)
        if not feedback:
            diagnosis = _diagnose(result, expected, case, call, name, nonfinite_hint)
            return feedback if diagnosis is None else diagnosis
        if not np.array_equal(given, original, equal_nan=True):
            return Feedback(
                False,
                f"{name} returns the right values but changed its input on {case.description} "
                f"(an in-place `x -= ...`): the caller's logits are gone. Work on a new array "
                f"(`shifted = x - ...`).",
            )
    return Feedback(True, f"{name} gives the right answer on all {len(cases)} test inputs ({', '.join(c.description for c in cases)}).")


def _diagnose(result, expected, case, call, name, nonfinite_hint):
    """The message for the first known mistake that ``result`` matches, or None."""
    for wrong, message in case.mistakes:
        if same_values(result, wrong):
            return Feedback(False, message)
    if result.shape == expected.shape and bool((~np.isfinite(result) & np.isfinite(expected)).any()):
        warned = f" (numpy warned: {'; '.join(call.warning_messages)})" if call.warning_messages else ""
        return Feedback(
            False,
            f"on {case.description} {name} returned {np.array2string(result, precision=4)}{warned}. {nonfinite_hint}",
        )
    return None
