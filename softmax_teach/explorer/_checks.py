"""Checks shared by the tabs' traits: one wording for every refusal, in the browser's limits.

A tab's ``@traitlets.validate`` methods call these. They raise :class:`InvalidSetting`, which is
both a ``traitlets.TraitError`` (what traitlets expects) and a ``ValueError`` (what the rest of
the package raises), so ``tab.temperature = 0`` fails with a message that names the setting and
the value, and leaves the tab as it was.
"""

from __future__ import annotations

import math

import traitlets

from softmax_teach import _validation
from softmax_teach.explorer.parsing import (
    MAX_ABS_LOGIT,
    MAX_CLASSES,
    MAX_SEED,
    MAX_TEMPERATURE,
    MIN_CLASSES,
    MIN_TEMPERATURE,
)


class InvalidSetting(traitlets.TraitError, ValueError):
    """A tab's setting refused: the message names it and the value it got."""


class Real(traitlets.Float):
    """A float trait that refuses bools (``True`` is an ``int`` in Python, not a setting of 1.0)."""

    def validate(self, obj, value):
        if not _validation.is_real(value):
            raise InvalidSetting(f"{self.name} must be a number, got {value!r}")
        return float(value)


class Whole(traitlets.Int):
    """An int trait that refuses bools and non-integers."""

    def validate(self, obj, value):
        try:
            return _validation.integer(value, self.name)
        except ValueError as error:
            refuse(error)


def refuse(error):
    """Re-raise a ``ValueError`` from :mod:`softmax_teach._validation` as :class:`InvalidSetting`."""
    raise InvalidSetting(str(error)) from None


def logits(values, *, min_classes=MIN_CLASSES, max_classes=MAX_CLASSES):
    """2 to 8 finite numbers within ±10000, as a list of floats."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise InvalidSetting(f"logits must be a list of {min_classes} to {max_classes} numbers, got {values!r}")
    try:
        numbers = [_validation.real(value, "each logit") for value in values]
    except ValueError as error:
        refuse(f"{error} (logits: {list(values)!r})")
    if not min_classes <= len(numbers) <= max_classes:
        raise InvalidSetting(f"logits must hold {min_classes} to {max_classes} numbers, got {len(numbers)}: {numbers}")
    if any(abs(value) > MAX_ABS_LOGIT for value in numbers):
        raise InvalidSetting(f"logits must lie between -{MAX_ABS_LOGIT:g} and {MAX_ABS_LOGIT:g}, got {numbers}")
    return numbers


def in_range(value, name, low, high):
    """A real number from ``low`` to ``high`` (bools refused), as a float."""
    try:
        number = _validation.real(value, name)
    except ValueError as error:
        refuse(error)
    if not low <= number <= high:
        raise InvalidSetting(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return number


def temperature(value):
    """T from 0.01 to 100: the slider's and the box's range."""
    return in_range(value, "temperature", MIN_TEMPERATURE, MAX_TEMPERATURE)


def whole(value, name, low, high):
    """An integer from ``low`` to ``high`` (bools refused), as an int."""
    try:
        number = _validation.integer(value, name)
    except ValueError as error:
        refuse(error)
    if not low <= number <= high:
        raise InvalidSetting(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return number


def seed(value):
    """A seed: a whole number from 0 to 2**32 - 1."""
    return whole(value, "seed", 0, MAX_SEED)


def finite_or_nan(value):
    """``value`` as a float, for read-outs that may be ``nan`` (a broken distribution)."""
    number = float(value)
    return number if math.isfinite(number) else math.nan
