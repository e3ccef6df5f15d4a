"""What every exercise check builds on: the Feedback it returns, and the comparisons behind it.

- :class:`Feedback` and :func:`check_array` / :func:`check_value`: compare an answer with the
  expected one and say where and how it differs;
- :class:`Case` and :func:`check_function`: run a learner's *function* on test inputs, each
  with the typical wrong answers for that input, and turn the first failure into a sentence that
  names the input and, when a known mistake matches, the mistake.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict on one exercise answer: ``passed`` and a sentence for the learner."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return ("Correct: " if self.passed else "Not yet: ") + self.message

    def _repr_markdown_(self) -> str:
        return ("✅ **Correct:** " if self.passed else "❌ **Not yet:** ") + self.message


def check_array(answer, expected, *, what="your answer", rtol=1e-6, atol=1e-9, decimals=None, hints=()):
    """Compare an array answer with the expected one and say where and how it differs.

    Parameters
    ----------
    answer, expected : array_like
        The learner's result and the reference result.
    what : str
        How to name the answer in the message ("your softmax of x").
    rtol, atol : float
        Tolerances as in ``numpy.allclose``.
    decimals : int, optional
        The precision the exercise states: an answer whose every entry is right to this many
        decimal places (see :func:`within_decimals`) passes too. An answer that no hint explains
        and that *is* the right one rounded to fewer decimals (or cut off) is told so; an answer
        that is merely close is described as a difference, never as "rounded".
    hints : sequence of (callable, str)
        Diagnoses tried in order when the answer is wrong: ``predicate(answer_array)`` returning
        True selects its message (e.g. "the rows do not sum to 1: did you forget axis=-1?").

    Returns
    -------
    Feedback
    """
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"{what} should be an array of numbers, got {type(answer).__name__}.")
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        return Feedback(False, f"{what} has shape {got.shape}, expected {want.shape}.")
    with np.errstate(invalid="ignore"):
        close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        if decimals is not None:
            close |= np.isfinite(got) & (np.abs(got - want) <= _half_unit(decimals) + 1e-12 * np.abs(want))
    if close.all():
        return Feedback(True, f"{what}: every value matches the expected one.")
    for predicate, hint in hints:
        if predicate(got):
            return Feedback(False, hint)
    coarse = _coarse_message(got, want, decimals)
    if coarse is not None:
        return Feedback(False, f"{what}: {coarse}. Compute the values instead of typing them.")
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    where = f" at index {index}" if got.ndim else ""
    return Feedback(
        False,
        f"{what}: a value differs{where}: got {got[index]:.6g}, {_direction(got[index], want[index])} "
        f"({int((~close).sum())} of {close.size} values differ).",
    )


def same_values(got, expected, *, rtol=1e-6, atol=1e-12):
    """True when ``got`` has ``expected``'s shape and values (``nan`` matches ``nan``).

    The one comparison behind every "is this answer that known slip?" hint; ``got`` may be any
    array_like, and something that is not numbers simply does not match.
    """
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True))


def matches(expected, *, rtol=1e-6, atol=1e-12):
    """A predicate for :func:`check_array`'s ``hints``: does an answer equal ``expected``?"""
    return lambda got: same_values(got, expected, rtol=rtol, atol=atol)


def _half_unit(decimals):
    return 0.5 * 10.0 ** (-decimals) * (1 + 1e-9)


def _rounded_to(got, want, decimals):
    """How many decimals ``got`` is the right answer rounded to (1 to ``decimals - 1``), or None.

    "Rounded" is a claim about what the learner did, so it is made only when it is true: every
    entry of ``got`` is a number with at most that many decimals (``np.round(got, k) == got``, up
    to float32 storage) *and* is within half a unit of that place of the right value. An answer
    that is merely close (a wrong method whose error happens to be under 0.05) is not called
    rounded; the caller then describes the difference instead. The most decimals that fit wins,
    so ``0.25`` for ``0.2503`` reads as 2 decimals, not 1.
    """
    if decimals is None:
        return None
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    with np.errstate(invalid="ignore"):
        if not (np.isfinite(got).all() and np.isfinite(want).all()):
            return None
        for places in range(decimals - 1, 0, -1):
            if _has_at_most(got, places) and (np.abs(got - want) <= _half_unit(places) + 1e-12 * np.abs(want)).all():
                return places
    return None


def _truncated_to(got, want, decimals):
    """How many decimals (1 to ``decimals``) ``got`` is the right answer cut off at, or None.

    Cutting digits off (0.6590 → 0.659 is fine, 0.65899 → 0.6589 is not rounding) is a slip of
    its own; only called when no rounding explains the answer. Every entry must have at most
    that many decimals and lie between the right value and zero, less than one unit away.
    """
    if decimals is None:
        return None
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if not (np.isfinite(got).all() and np.isfinite(want).all()):
        return None
    for places in range(decimals, 0, -1):
        if not _has_at_most(got, places):
            continue
        unit = 10.0 ** (-places)
        slack = 1e-9 * unit + 1e-12 * np.abs(want)
        toward_zero = np.abs(got) <= np.abs(want) + slack
        same_side = (np.sign(got) == np.sign(want)) | (got == 0)
        within = np.abs(want - got) < unit - slack
        if (toward_zero & same_side & within).all():
            return places
    return None


def _has_at_most(got, places):
    """True when every entry of ``got`` has at most ``places`` decimals (float32 storage allowed)."""
    return bool((np.abs(got - np.round(got, places)) <= 1e-7 * np.abs(got) + 1e-12).all())


def _coarse_message(got, want, decimals):
    """The sentence for an answer that is the right one rounded or cut off too early, or None."""
    rounded = _rounded_to(got, want, decimals)
    if rounded is not None:
        return (
            f"right only to {rounded} decimal{'s' if rounded != 1 else ''} (it is the right answer, rounded), "
            f"and the exercise wants {decimals}"
        )
    truncated = _truncated_to(got, want, decimals)
    if truncated is not None:
        return (
            f"cut off after {truncated} decimal{'s' if truncated != 1 else ''}: the digits were dropped, not "
            f"rounded, and the exercise wants the values right to {decimals}"
        )
    return None


def _direction(got, want):
    """A hint that says which way an answer is off, without giving the expected value away."""
    if not np.isfinite(got):
        return "which is not a finite number"
    if got == 0 and want != 0:
        # Zero has no sign: say what it is (a learner who zeroed everything out, e.g. with an
        # inverted mask, is not helped by "wrong sign").
        return "but the expected value is not 0"
    if np.sign(got) != np.sign(want) and want != 0:
        return "which has the wrong sign"
    off = abs(got - want) / abs(want) if want else abs(got)
    size = "a little " if off < 0.05 else ""
    return f"which is {size}too {'low' if got < want else 'high'}"


def as_number(answer):
    """``answer`` as a float when it is one number, else None.

    Accepted: int, float, numpy scalars, 0-d (or one-element) numeric arrays, and anything else
    with ``__float__`` (a 0-d torch tensor). Not accepted: booleans (``True`` is not a
    temperature), and strings, which :func:`check_value` reads separately.
    """
    if isinstance(answer, (bool, np.bool_, str, bytes)):
        return None
    if isinstance(answer, np.ndarray):
        if answer.size != 1 or answer.dtype.kind not in "iuf":
            return None
        return float(answer.reshape(()).item())
    try:
        return float(answer)
    except (TypeError, ValueError):
        return None


def within_decimals(got, expected, decimals):
    """True when ``got`` is right to ``decimals`` decimal places: at most half a unit of the last
    place away from ``expected`` (so 0.432 is 0.43204 to 3 decimals, and 0.43 is to 2).

    The 1e-9 relative slack keeps a correctly rounded answer on the boundary (decimal 0.125 is
    binary 0.125, but 0.0005 is not) from failing by a last-bit rounding of its own.
    """
    half_unit = 0.5 * 10.0 ** (-decimals)
    return bool(abs(got - expected) <= half_unit * (1 + 1e-9) + 1e-12 * abs(expected))


def check_value(answer, expected, *, what="your answer", rtol=1e-6, atol=1e-9, decimals=None, hints=()):
    """Like :func:`check_array` for a single number.

    Parameters
    ----------
    answer : float, numpy scalar or 0-d array
        The learner's number. Strings that look like numbers are read as numbers (``"2.4"``).
    expected : float
    what : str
    rtol, atol : float
        Tolerances as in ``numpy.isclose``.
    decimals : int, optional
        The precision the exercise states: an answer right to this many decimal places (see
        :func:`within_decimals`) passes too, so a rounded value quoted in a solution is accepted.
    hints : sequence of (callable, str)

    Returns
    -------
    Feedback
    """
    got = as_number(answer)
    if got is None:
        try:
            # A string that is a number is read as one (a learner may paste "2.416").
            got = float(answer) if isinstance(answer, str) else None
        except ValueError:
            got = None
    if got is None:
        return Feedback(False, f"{what} should be a number, got {type(answer).__name__}.")
    close = bool(np.isclose(got, float(expected), rtol=rtol, atol=atol, equal_nan=True))
    if decimals is not None and np.isfinite(got):
        close = close or within_decimals(got, float(expected), decimals)
    if close:
        return Feedback(True, f"{what} is {got:.6g}, as expected.")
    for predicate, hint in hints:
        if predicate(got):
            return Feedback(False, hint)
    coarse = _coarse_message(got, float(expected), decimals)
    if coarse is not None:
        return Feedback(False, f"{what} is {got:.6g}: {coarse}.")
    return Feedback(False, f"{what} is {got:.6g}, {_direction(got, float(expected))}.")


# --------------------------------------------------------------------------- learner functions


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
        return Feedback(
            False, f"pass the function itself (e.g. `my_softmax`, no parentheses), got {type(function).__name__}."
        )
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
                False,
                f"{name} should return an array of numbers, got {type(call.result).__name__} on {case.description}.",
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
    return Feedback(
        True,
        f"{name} gives the right answer on all {len(cases)} test inputs ({', '.join(c.description for c in cases)}).",
    )


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
