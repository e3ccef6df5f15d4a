"""Feedback objects and the two generic comparisons that every exercise check builds on."""

from __future__ import annotations

from dataclasses import dataclass

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


def check_array(answer, expected, *, what="your answer", rtol=1e-6, atol=1e-9, hints=()):
    """Compare an array answer with the expected one and say where and how it differs.

    Parameters
    ----------
    answer, expected : array_like
        The learner's result and the reference result.
    what : str
        How to name the answer in the message ("your softmax of x").
    rtol, atol : float
        Tolerances as in ``numpy.allclose``.
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
    if close.all():
        return Feedback(True, f"{what} matches the expected values.")
    for predicate, hint in hints:
        if predicate(got):
            return Feedback(False, hint)
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    where = f" at index {index}" if got.ndim else ""
    return Feedback(
        False,
        f"{what} differs{where}: got {got[index]:.6g}, expected {want[index]:.6g} "
        f"({int((~close).sum())} of {close.size} values differ).",
    )


def check_value(answer, expected, *, what="your answer", rtol=1e-6, atol=1e-9, hints=()):
    """Like :func:`check_array` for a single number."""
    try:
        got = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"{what} should be a number, got {type(answer).__name__}.")
    if np.isclose(got, float(expected), rtol=rtol, atol=atol, equal_nan=True):
        return Feedback(True, f"{what} is {got:.6g}, as expected.")
    for predicate, hint in hints:
        if predicate(got):
            return Feedback(False, hint)
    return Feedback(False, f"{what} is {got:.6g}, expected {float(expected):.6g}.")
