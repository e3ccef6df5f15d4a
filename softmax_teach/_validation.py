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


def real_in(value, name: str, low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a ``float`` in the interval from ``low`` to ``high`` (closed unless ``*_open``)."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if not is_real(value) or math.isnan(float(value)):
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    number = float(value)
    above = number > low if low_open else number >= low
    below = number < high if high_open else number <= high
    if not (above and below):
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    return number


def integer_in(value, name: str, low: int, high: int) -> int:
    """``value`` as an ``int`` with ``low <= value <= high`` (not a bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return int(value)


def optional(check, value, name: str, *args, **kwargs):
    """``None`` stays ``None``; anything else goes through ``check(value, name, ...)``."""
    return None if value is None else check(value, name, *args, **kwargs)


def float_array(x, name: str = "x") -> np.ndarray:
    """``x`` as a float array: integers and bools become float64, float16/32/64 keep their dtype.

    Complex, object and string arrays are refused with a ``ValueError`` naming ``x`` and the dtype.
    """
    array = np.asarray(x)
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise ValueError(f"{name} must be real numbers, got an array of dtype {array.dtype}")
    return array


def axis(value, ndim: int, name: str = "axis") -> int:
    """One axis of an array with ``ndim`` dimensions, as a non-negative ``int`` (numpy ints count)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if ndim == 0:
        raise ValueError(f"{name}={value} needs an array with at least one dimension, got a scalar")
    if not -ndim <= value < ndim:
        raise ValueError(f"{name}={value} is out of range for an array with {ndim} dimensions")
    return int(value) % ndim


def axes(value, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """An integer, a tuple of integers or ``None`` (every axis), as a sorted tuple of axes.

    A 0-d array has one element and no axis: ``None``, ``()``, ``0`` and ``-1`` all name that
    element (as in torch, where ``dim=-1`` works on a 0-d tensor), and give ``()``.
    """
    if value is None:
        return tuple(range(ndim))
    items = value if isinstance(value, tuple) else (value,)
    if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) for v in items):
        raise ValueError(f"{name} must be an integer, a tuple of integers or None, got {value!r}")
    if ndim == 0:
        if all(v in (0, -1) for v in items):
            return ()
        raise ValueError(f"{name}={value} is out of range for a 0-d array (use 0, -1 or None)")
    for v in items:
        if not -ndim <= v < ndim:
            raise ValueError(f"{name}={value} is out of range for an array with {ndim} dimensions")
    normalized = tuple(sorted(int(v) % ndim for v in items))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{name}={value} names an axis twice")
    return normalized


def temperature(value, name: str = "temperature") -> float:
    """A softmax temperature: a finite ``float`` >= 0 (0 is the arg-max limit)."""
    return real(value, name, minimum=0.0)


def generator(rng, name: str = "rng") -> np.random.Generator:
    """A ``numpy.random.Generator`` from a generator, a non-negative integer seed, a seed sequence or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    seed_like = (np.random.SeedSequence, np.random.BitGenerator)
    if rng is None or isinstance(rng, seed_like):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"{name} must be a numpy Generator, a non-negative integer seed or None, got {rng!r}")


def choice(value, name: str, options) -> object:
    """``value`` if it is one of ``options`` (compared with ``==``, strings only equal strings)."""
    if not any(type(value) is type(option) and value == option for option in options):
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value


def flag(value, name: str) -> bool:
    """``value`` as a ``bool``: only ``True``/``False`` (numpy's too), never 0, 1 or a string."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)
