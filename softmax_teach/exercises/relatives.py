"""Check for notebook 15's sparsemax exercise (softmax's sparse relative, Martins & Astudillo 2016)."""

from __future__ import annotations

import numpy as np

from softmax_teach.exercises.core import Case, check_function, same_values
from softmax_teach.numerics import softmax
from softmax_teach.relatives import sparsemax, sparsemax_threshold

__all__ = ["check_sparsemax"]

_NONFINITE_HINT = "sparsemax needs no exp, so nothing can overflow: check for a division by a zero support size."


def _mistakes(z):
    """What the usual wrong versions of sparsemax return for ``z``, with the message for each."""
    n = len(z)
    tau_all = (z.sum() - 1) / n
    tau = float(sparsemax_threshold(z)[0])  # the right threshold
    found = [
        (
            softmax(z),
            "this is softmax: it never gives exactly 0. Sparsemax subtracts a threshold tau from the "
            "scores and clips at 0, max(z - tau, 0).",
        ),
        (
            np.maximum(z - tau_all, 0),
            "your threshold uses all the scores, tau = (sum(z) - 1) / n, so the result "
            "does not sum to 1 once a score is clipped. This is also what a support search gives on "
            "scores sorted in *increasing* order (np.sort without [::-1]): then every k passes the test. "
            "Sort the scores in decreasing order and keep the largest k with 1 + k z_(k) > z_(1) + ... + z_(k); "
            "then tau = (z_(1) + ... + z_(k) - 1) / k.",
        ),
        (z - tau, "the threshold is right but some entries are negative: clip them at 0, np.maximum(z - tau, 0)."),
        (
            np.sort(sparsemax(z))[::-1],
            "these are the right probabilities, sorted: return them in the order of z "
            "(subtract tau from the unsorted scores).",
        ),
    ]
    found += [
        (
            np.round(sparsemax(z), decimals),
            f"these are the right values rounded to {decimals} decimal{'s' if decimals != 1 else ''}: "
            "return them unrounded.",
        )
        for decimals in range(8, 0, -1)  # the most decimals that fit is named
    ]
    return tuple((wrong, message) for wrong, message in found if not same_values(wrong, sparsemax(z)))


def _cases():
    vectors = (
        ("the scores [1.0, 0.8, 0.1]", [1.0, 0.8, 0.1]),
        ("the scores [2.0, 1.0, 0.1] of slide 1", [2.0, 1.0, 0.1]),
        ("the unsorted scores [-1.0, 0.3, 0.9, 0.2, -0.4]", [-1.0, 0.3, 0.9, 0.2, -0.4]),
        ("the close scores [0.5, 0.4, 0.3, 0.2]", [0.5, 0.4, 0.3, 0.2]),
    )
    return tuple(
        Case(
            description,
            np.array(z),
            _mistakes(np.array(z)),
            "Take one vector of scores and return a vector of the same length.",
        )
        for description, z in vectors
    )


def check_sparsemax(function):
    """Check ``function(z)`` against :func:`softmax_teach.relatives.sparsemax` on four score vectors.

    The vectors have supports of 2, 1, 3 and 4 classes (one unsorted), so a softmax, a threshold
    computed from every score, a missing clip at 0 or a sorted result are each named.

    Examples
    --------
    >>> from softmax_teach.relatives import sparsemax, sparsemax_threshold
    >>> bool(check_sparsemax(sparsemax))
    True
    """
    return check_function(
        function, _cases(), sparsemax, name="your sparsemax", nonfinite_hint=_NONFINITE_HINT, atol=1e-9
    )
