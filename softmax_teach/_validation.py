"""Argument checks shared by the whole package, so every function words its errors the same way.

The rules, decided once:

- ``bool`` is never a number here (``True`` is an ``int`` in Python, but ``epochs=True`` is a
  mistake, not one epoch);
- numpy scalars count like Python numbers (``np.int64(3)``, ``np.float32(0.1)``);
- each check returns the value as a plain ``int`` or ``float``, and raises ``ValueError`` with
  the argument's name and the value it got.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def is_real(value) -> bool:
    """True for an int, float or numpy number that is not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def integer(value, name: str, *, minimum: int | None = None) -> int:
    """``value`` as an ``int``, checked to be an integer (not a bool) and at least ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be {_integer_kind(minimum)}, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {_integer_kind(minimum)}, got {value!r}")
    return int(value)


def positive_int(value, name: str) -> int:
    """``value`` as an ``int`` >= 1."""
    return integer(value, name, minimum=1)


def _integer_kind(minimum):
    if minimum == 1:
        return "a positive integer"
    if minimum == 0:
        return "a non-negative integer"
    if minimum is None:
        return "an integer"
    return f"an integer >= {minimum}"


def real(value, name: str, *, minimum: float | None = None, strict: bool = False, finite: bool = True) -> float:
    """``value`` as a ``float``, checked to be a real number (not a bool).

    Parameters
    ----------
    minimum : float, optional
        The smallest value allowed (``strict=True`` excludes it).
    finite : bool
        Refuse ``inf`` (``nan`` is always refused).
    """
    if not is_real(value) or math.isnan(float(value)):
        raise ValueError(f"{name} must be {_real_kind(minimum, strict, finite)}, got {value!r}")
    number = float(value)
    if (finite and math.isinf(number)) or (
        minimum is not None and (number < minimum or (strict and number == minimum))
    ):
        raise ValueError(f"{name} must be {_real_kind(minimum, strict, finite)}, got {value!r}")
    return number


def positive_real(value, name: str, *, finite: bool = True) -> float:
    """``value`` as a ``float`` > 0 (finite unless ``finite=False``)."""
    return real(value, name, minimum=0.0, strict=True, finite=finite)


def non_negative_real(value, name: str) -> float:
    """``value`` as a finite ``float`` >= 0."""
    return real(value, name, minimum=0.0)


def _real_kind(minimum, strict, finite):
    words = "a finite number" if finite else "a number"
    if minimum is not None:
        words += f" {'>' if strict else '>='} {minimum:g}"
    return words
