"""What the Explorer's text boxes and links accept, and the message each refusal shows.

The boxes are read in the browser by ``js/parsing.js``; this module is its Python twin (same
rules, same messages, compared on thousands of random strings by ``tests/test_explorer_js.py``),
so a notebook can check a text the way the page does. Each parser returns the value or raises
``ValueError`` with the message meant for the page.

A number is written in a small explicit grammar, the same in both languages:
``[+-]digits[.digits][e[+-]digits]`` (``.5`` and ``5.`` too); ``inf``, ``infinity`` and ``nan``
are recognised only to be refused as not finite. Python's ``float`` alone would also take
``1_000`` and non-ASCII digits, which the browser cannot match.
"""

from __future__ import annotations

import math
import re

MIN_CLASSES = 2
MAX_CLASSES = 8
MAX_ABS_LOGIT = 10_000.0
MIN_TEMPERATURE = 0.01
MAX_TEMPERATURE = 100.0
MAX_SEED = 2**32 - 1

_SEPARATORS = re.compile(r"[,;\s]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE | re.ASCII)
_WHOLE_NUMBER = re.compile(r"\+?[0-9]+")
_ROUND_MANTISSAS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)
_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def read_number(word):
    """``word`` as a float in the shared grammar (``inf``/``nan`` words included), or ``None``."""
    if _NUMBER.fullmatch(word) or _NOT_FINITE.fullmatch(word):
        return float(word)
    return None


def short(text, limit=14):
    """At most ``limit`` characters of the stripped text, then "…" (for messages)."""
    text = str(text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def format_number(value):
    """Shortest text that reads back as ``value`` (``0.5``, ``1000``, ``0.1``)."""
    return f"{value:g}" if float(f"{value:g}") == value else repr(float(value))


def format_logits(logits, separator=", "):
    """The text-box form of ``logits``: ``"2, 1, 0.1"``."""
    return separator.join(format_number(float(value)) for value in logits)


def parse_logits(text, *, min_classes=MIN_CLASSES, max_classes=MAX_CLASSES):
    """Read logits typed or pasted by a learner, such as ``"2, 1, 0.1"`` or ``"[2 1 0.1]"``.

    Parameters
    ----------
    text : str
        Numbers separated by commas, semicolons or white space, optionally in brackets.
    min_classes, max_classes : int
        How many numbers are allowed.

    Returns
    -------
    tuple of float

    Raises
    ------
    ValueError
        With a short message for the page: nothing typed, a word that is not a number,
        ``nan``/``inf``, a number beyond ±10000, or too few/many numbers.

    Examples
    --------
    >>> parse_logits("[2 1 0.1]")
    (2.0, 1.0, 0.1)
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {text!r}")
    stripped = text.strip().strip("[]()").strip()
    if not stripped:
        raise ValueError(f"Type at least {min_classes} numbers, e.g. 2, 1, 0.1")
    values = []
    for word in _SEPARATORS.split(stripped):
        if not word:
            continue
        value = read_number(word)
        if value is None:
            shown = word if len(word) <= 12 else word[:12] + "…"
            raise ValueError(f"'{shown}' is not a number: type numbers like 2, 1, 0.1")
        if not math.isfinite(value):
            raise ValueError(f"'{word}' is not a finite number: logits must be finite")
        if abs(value) > MAX_ABS_LOGIT:
            raise ValueError(
                f"'{short(word)}' is out of range: logits must lie between -{MAX_ABS_LOGIT:g} and "
                f"{MAX_ABS_LOGIT:g} (exp already overflows past 709.8)"
            )
        values.append(value)
    if len(values) < min_classes:
        raise ValueError(f"Need at least {min_classes} numbers, got {len(values)}")
    if len(values) > max_classes:
        raise ValueError(f"At most {max_classes} classes, got {len(values)}")
    return tuple(values)


def parse_temperature(text):
    """A typed temperature such as ``"0.5"``: a number from 0.01 to 100, kept exactly."""
    word = str(text).strip()
    if not word:
        raise ValueError(f"Type a temperature from {MIN_TEMPERATURE:g} to {MAX_TEMPERATURE:g}, e.g. 0.5")
    value = read_number(word)
    if value is None:
        raise ValueError(f"'{short(word)}' is not a number: type a temperature like 0.5")
    if not math.isfinite(value) or not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        raise ValueError(
            f"T = {short(word)} is out of range: T must be from {MIN_TEMPERATURE:g} to {MAX_TEMPERATURE:g}"
        )
    return value


def parse_seed(text):
    """A seed: a whole number from 0 to 2**32 - 1 (``"3.7"`` and ``"1e3"`` are refused)."""
    word = str(text).strip()
    if not _WHOLE_NUMBER.fullmatch(word) or int(word) > MAX_SEED:
        raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got '{short(word)}'")
    return int(word)


def round_temperature(log10_value, step=0.01):
    """The temperature a log-slider position ``log10_value`` stands for.

    A position within half a step of a round value (1, 1.5, 2, 2.5, 3, 4, 5 … 9 times a power of
    ten) is that value exactly; any other position is ``10 ** log10_value`` to 3 significant digits.
    """
    for exponent in range(math.floor(log10_value) - 1, math.floor(log10_value) + 2):
        for mantissa in _ROUND_MANTISSAS:
            candidate = float(f"{mantissa}e{exponent}")
            if abs(math.log10(candidate) - log10_value) <= step / 2 + 1e-12:
                return candidate
    return float(f"{10**log10_value:.3g}")


def parse_query(query_string):
    """``"a=1&b=x"`` (with or without leading ``?``) as a dict; the last value of a key wins."""
    from urllib.parse import parse_qsl

    return dict(parse_qsl(str(query_string or "").lstrip("?"), keep_blank_values=True))


def format_query(items):
    """``[("tab", "sampling"), ("logits", "3,2.5")]`` as ``"tab=sampling&logits=3,2.5"`` (commas kept)."""
    from urllib.parse import quote

    return "&".join(f"{quote(str(key))}={quote(str(value), safe=',.-')}" for key, value in items)


def parse_flag(name, text):
    """``1/0``, ``true/false``, ``yes/no``, ``on/off`` (any case)."""
    word = str(text).strip().lower()
    if word not in _FLAGS:
        raise ValueError(f"{name} must be 1 (on) or 0 (off), got '{short(text)}'")
    return _FLAGS[word]


def parse_whole(name, text, low, high):
    """A whole number from ``low`` to ``high`` (``"3.7"``, ``"1e3"`` and words are refused)."""
    word = str(text).strip()
    if not _WHOLE_NUMBER.fullmatch(word) or not low <= int(word) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got '{short(word)}'")
    return int(word)


def parse_fraction(name, text, low, high, *, decimals=2):
    """A number from ``low`` to ``high`` with at most ``decimals`` decimals (the slider's step)."""
    word = str(text).strip()
    value = read_number(word)
    if value is None:
        raise ValueError(f"{name}: '{short(word)}' is not a number")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be from {low:g} to {high:g}, got '{short(word)}'")
    if abs(round(value, decimals) - value) > 1e-12:
        raise ValueError(f"{name} must have at most {decimals} decimals (the slider's step), got '{short(word)}'")
    return round(value, decimals)
