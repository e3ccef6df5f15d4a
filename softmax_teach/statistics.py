"""Error bars for the comparisons the notebooks make: an accuracy on n examples, a paired difference.

Small test sets make noisy numbers. These two functions put an honest error bar on them, and are
used wherever a notebook compares models or methods (09's classifiers, 11's bandit policies).
"""

from __future__ import annotations

import math

import numpy as np

from softmax_teach import _validation

__all__ = ["binomial_standard_error", "paired_difference"]


def binomial_standard_error(accuracy, n):
    """Standard error of an accuracy ``accuracy`` measured on ``n`` independent examples.

    ``sqrt(accuracy * (1 - accuracy) / n)``: the spread of the accuracy over test sets of ``n``
    examples drawn from the same population.

    Examples
    --------
    >>> round(binomial_standard_error(99 / 117, 117), 4)
    0.0334
    """
    n = _validation.positive_int(n, "n")
    accuracy = _validation.real(accuracy, "accuracy", minimum=0.0)
    if accuracy > 1.0:
        raise ValueError(f"accuracy must be in [0, 1], got {accuracy!r}")
    return math.sqrt(accuracy * (1.0 - accuracy) / n)


def paired_difference(a, b):
    """The mean of ``a - b`` over paired units, and the standard error of that mean.

    The units are paired: unit ``i`` of ``a`` and of ``b`` are the same test example, or the same
    seed. Pairing removes the luck the two share, so this error bar is usually far smaller than
    the two separate error bars combined.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        One number per unit (1/0 for right/wrong, a total regret, ...), ``n >= 2``.

    Returns
    -------
    (difference, standard_error) : (float, float)
        ``mean(a - b)`` and ``std(a - b, ddof=1) / sqrt(n)``.

    Examples
    --------
    >>> paired_difference([1, 1, 1, 0], [1, 0, 1, 0])
    (0.25, 0.25)
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size < 2:
        raise ValueError(f"a and b must be two vectors of the same length >= 2, got shapes {a.shape} and {b.shape}")
    differences = a - b
    return float(differences.mean()), float(differences.std(ddof=1) / math.sqrt(differences.size))
