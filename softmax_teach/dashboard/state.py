"""Plain-Python state of the old dashboard's tabs: no widgets, no matplotlib.

The Explorer itself is :mod:`softmax_teach.explorer` (anywidget tabs that compute in the browser,
with Python traitlets as the reference). These classes stay only while notebook 10 prints
``TemperatureState``'s overflow; nothing else imports them.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

import numpy as np

from softmax_teach import numerics

MIN_CLASSES = 2
MAX_CLASSES = 8
DEFAULT_LOGITS = (2.0, 1.0, 0.1)
# Logits beyond this cannot be shown on a slider (the range would be infinite or useless); the
# overflow demonstration needs only a few thousand (exp overflows past 709.8).
MAX_ABS_LOGIT = 10_000.0
# The temperature slider's range and its step in log10 T.
MIN_TEMPERATURE = 0.01
MAX_TEMPERATURE = 100.0
TEMPERATURE_LOG_STEP = 0.01
# Round temperatures a slider position stands for exactly (times a power of ten): the position
# nearest log10(0.5) means T = 0.5, not 10 ** -0.30 = 0.501.
_ROUND_MANTISSAS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)
MAX_SEED = 2**32 - 1

# A pasted list may be wrapped in brackets and separated by commas, semicolons or spaces.
_SEPARATORS = re.compile(r"[,;\s]+")


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
        With a short message meant to be shown next to the text box: nothing typed, a word
        that is not a number, ``nan``/``inf`` (or a number too large for a float), or too
        few/many numbers.

    Examples
    --------
    >>> parse_logits("2, 1, 0.1")
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
        try:
            value = float(word)
        except ValueError:
            shown = word if len(word) <= 12 else word[:12] + "…"
            raise ValueError(f"'{shown}' is not a number: type numbers like 2, 1, 0.1") from None
        if not math.isfinite(value):
            raise ValueError(f"'{word}' is not a finite number: logits must be finite")
        if abs(value) > MAX_ABS_LOGIT:
            raise ValueError(
                f"'{_short(word)}' is out of range: logits must lie between -{MAX_ABS_LOGIT:g} and "
                f"{MAX_ABS_LOGIT:g} (exp already overflows past 709.8)"
            )
        values.append(value)
    if len(values) < min_classes:
        raise ValueError(f"Need at least {min_classes} numbers, got {len(values)}")
    if len(values) > max_classes:
        raise ValueError(f"At most {max_classes} classes, got {len(values)}")
    return tuple(values)


def format_logits(logits, separator=", "):
    """The text-box form of ``logits``: ``"2, 1, 0.1"`` (shortest exact repr of each)."""
    return separator.join(
        f"{value:g}" if float(value) == float(f"{value:g}") else repr(float(value)) for value in logits
    )


def _check_logits(logits, *, min_classes=MIN_CLASSES, max_classes=MAX_CLASSES):
    try:
        values = tuple(float(v) for v in logits)
    except (TypeError, ValueError):
        raise ValueError(f"logits must be a sequence of numbers, got {logits!r}") from None
    if not min_classes <= len(values) <= max_classes:
        raise ValueError(f"logits must have {min_classes} to {max_classes} entries, got {len(values)}: {logits!r}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"logits must be finite, got {logits!r}")
    if any(abs(v) > MAX_ABS_LOGIT for v in values):
        raise ValueError(f"logits must lie between -{MAX_ABS_LOGIT:g} and {MAX_ABS_LOGIT:g}, got {logits!r}")
    return values


def _short(text, limit=14):
    text = str(text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def parse_temperature(text):
    """Read a typed temperature such as ``"0.5"``: a number from 0.01 to 100, kept exactly.

    Raises ``ValueError`` with a message for the page (a word, ``nan``, 0, out of range).
    """
    word = str(text).strip()
    if not word:
        raise ValueError(f"Type a temperature from {MIN_TEMPERATURE:g} to {MAX_TEMPERATURE:g}, e.g. 0.5")
    try:
        value = float(word)
    except ValueError:
        raise ValueError(f"'{_short(word)}' is not a number: type a temperature like 0.5") from None
    if not math.isfinite(value) or not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        raise ValueError(
            f"T = {_short(word)} is out of range: T must be from {MIN_TEMPERATURE:g} to {MAX_TEMPERATURE:g}"
        )
    return value


_WHOLE_NUMBER = re.compile(r"\+?[0-9]+")


def parse_seed(text):
    """Read a seed: a whole number from 0 to 2**32 - 1 (``"3.7"`` and ``"1e3"`` are refused)."""
    word = str(text).strip()
    if not _WHOLE_NUMBER.fullmatch(word) or int(word) > MAX_SEED:
        raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got '{_short(word)}'")
    return int(word)


def round_temperature(log10_value, step=TEMPERATURE_LOG_STEP):
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


def format_number(value):
    """Shortest text that reads back as ``value`` (``0.5``, ``1000``, ``0.1``)."""
    return f"{value:g}" if float(f"{value:g}") == value else repr(float(value))


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _check_class_index(name, value, n_classes):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value < n_classes:
        raise ValueError(f"{name} must be a class index from 0 to {n_classes - 1}, got {value!r}")
    return int(value)


def naive_softmax(logits, temperature=1.0):
    """The deck's softmax without max-subtraction: ``exp(x / T) / sum(exp(x / T))``.

    Kept only to *show* the overflow live in the dashboard (slides 10 and 11 compute it this
    way); every number the dashboard reports otherwise comes from :func:`numerics.softmax`.

    Returns
    -------
    probabilities : ndarray
        ``nan`` where ``exp`` overflowed (``inf / inf``) or everything underflowed (``0 / 0``).
    overflowed : bool
        Whether some ``exp(x / T)`` was ``inf``.
    """
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    # The warnings are the point of the demonstration, but they must reach the page as a
    # message, not as stderr text: compute silently and report what happened.
    with np.errstate(all="ignore"):
        exponentials = np.exp(scaled)
        probabilities = exponentials / exponentials.sum()
    return probabilities, bool(np.isinf(exponentials).any())


# --------------------------------------------------------------------------- links (query strings)
# A tab's state goes into the page's query string (``?tab=sampling&logits=3,2.5,2,1&T=0.7``) so a
# teacher can prepare a link. Each state class reads its own keys with the same parsers and
# messages as the text boxes, and writes them back (the logits always, the rest when not default).


def parse_query(query_string):
    """``"a=1&b=x"`` (with or without a leading ``?``) as a dict; the last value of a key wins."""
    from urllib.parse import parse_qsl

    return dict(parse_qsl(str(query_string or "").lstrip("?"), keep_blank_values=True))


def format_query(items):
    """``[("tab", "sampling"), ("logits", "3,2.5")]`` as ``"tab=sampling&logits=3,2.5"`` (commas kept)."""
    from urllib.parse import quote

    return "&".join(f"{quote(key)}={quote(str(value), safe=',.-')}" for key, value in items)


_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def parse_flag(name, text):
    """``1/0``, ``true/false``, ``yes/no``, ``on/off``."""
    word = str(text).strip().lower()
    if word not in _FLAGS:
        raise ValueError(f"{name} must be 1 (on) or 0 (off), got '{_short(text)}'")
    return _FLAGS[word]


def parse_whole(name, text, low, high):
    """A whole number from ``low`` to ``high`` (``"3.7"``, ``"1e3"`` and words are refused)."""
    word = str(text).strip()
    if not _WHOLE_NUMBER.fullmatch(word) or not low <= int(word) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got '{_short(word)}'")
    return int(word)


def parse_fraction(name, text, low, high, *, decimals=2):
    """A number from ``low`` to ``high`` with at most ``decimals`` decimals (the slider's step)."""
    word = str(text).strip()
    try:
        value = float(word)
    except ValueError:
        raise ValueError(f"{name}: '{_short(word)}' is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be from {low:g} to {high:g}, got '{_short(word)}'")
    if abs(round(value, decimals) - value) > 1e-12:
        raise ValueError(f"{name} must have at most {decimals} decimals (the slider's step), got '{_short(word)}'")
    return round(value, decimals)


def _apply(errors, name, params, action):
    """Run ``action(text)`` for ``params[name]`` if present; a ValueError is recorded, not raised."""
    if name not in params:
        return
    try:
        action(params[name])
    except ValueError as error:
        errors.append((name, str(error)))


@dataclass(frozen=True)
class Summary:
    """What the Temperature tab reads out for one distribution."""

    probabilities: tuple
    entropy_nats: float
    entropy_bits: float
    perplexity: float
    max_probability: float
    arg_max: int


class TemperatureState:
    """Logits and a temperature, and the distribution ``softmax(logits / T)`` they give.

    Parameters
    ----------
    logits : sequence of float
        2 to 8 finite scores.
    temperature : float
        ``T > 0``.
    stable : bool
        Subtract the max before ``exp`` (the default). ``False`` shows the deck's naive
        formula, which overflows to ``nan`` for small ``T`` or large logits.
    seed : int
        Seed of the generator used by :meth:`randomise`.
    """

    MIN_CLASSES = MIN_CLASSES
    MAX_CLASSES = MAX_CLASSES

    def __init__(self, logits=DEFAULT_LOGITS, temperature=1.0, *, stable=True, seed=0):
        self._initial = (_check_logits(logits), _check_positive("temperature", temperature), bool(stable))
        self.logits, self.temperature, self.stable = self._initial
        self._rng = np.random.default_rng(seed)

    # ------------------------------------------------------------------ changes
    def set_logits(self, logits):
        """Replace all logits (2 to 8 finite numbers); on error nothing changes."""
        self.logits = _check_logits(logits)

    def set_logit(self, index, value):
        """Change one logit."""
        index = _check_class_index("index", index, len(self.logits))
        values = list(self.logits)
        values[index] = value
        self.logits = _check_logits(values)

    def set_temperature(self, temperature):
        self.temperature = _check_positive("temperature", temperature)

    def paste(self, text):
        """Parse pasted text with :func:`parse_logits` and use it; on error nothing changes."""
        self.set_logits(parse_logits(text))

    def reset(self):
        """Back to the logits, temperature and stability this state was created with."""
        self.logits, self.temperature, self.stable = self._initial

    def randomise(self):
        """New logits drawn from N(0, 2²), rounded to 0.1, same number of classes."""
        self.logits = tuple(float(v) for v in np.round(self._rng.normal(0.0, 2.0, len(self.logits)), 1))

    def set_stable(self, stable):
        self.stable = bool(stable)

    # ------------------------------------------------------------------ links
    QUERY_KEYS = ("logits", "T", "stable")

    def query_items(self):
        """This state as query items: logits always, T and stable when not the starting ones."""
        items = [("logits", format_logits(self.logits, ","))]
        if self.temperature != self._initial[1]:
            items.append(("T", format_number(self.temperature)))
        if self.stable != self._initial[2]:
            items.append(("stable", "1" if self.stable else "0"))
        return items

    def apply_query(self, params):
        """Use ``logits``, ``T`` and ``stable`` from a parsed query; returns ``[(key, message)]`` of bad ones."""
        errors = []
        _apply(errors, "logits", params, self.paste)
        _apply(errors, "T", params, lambda text: self.set_temperature(parse_temperature(text)))
        _apply(errors, "stable", params, lambda text: self.set_stable(parse_flag("stable", text)))
        return errors

    # ------------------------------------------------------------------ results
    @property
    def n_classes(self):
        return len(self.logits)

    @property
    def overflowed(self):
        """True when the naive formula is selected and ``exp`` overflowed."""
        return not self.stable and naive_softmax(self.logits, self.temperature)[1]

    @property
    def probabilities(self):
        """``softmax(logits / T)``: stable by default, the naive formula if ``stable`` is off."""
        if self.stable:
            return numerics.softmax(np.asarray(self.logits), temperature=self.temperature)
        return naive_softmax(self.logits, self.temperature)[0]

    def summary(self):
        """Entropy (nats and bits), perplexity, max probability and arg-max, via numerics.

        With the naive formula a ``nan`` distribution gives ``nan`` everywhere and arg-max -1.
        """
        p = self.probabilities
        nats = float(numerics.entropy(p))
        bits = float(numerics.entropy(p, base=2))
        finite = bool(np.isfinite(p).all())
        return Summary(
            probabilities=tuple(float(v) for v in p),
            entropy_nats=nats,
            entropy_bits=bits,
            perplexity=math.exp(nats) if finite else math.nan,
            max_probability=float(p.max()) if finite else math.nan,
            arg_max=int(np.argmax(p)) if finite else -1,
        )


class SamplingState:
    """Sampling from ``softmax(logits / T)`` after top-k, top-p and min-p filters.

    Parameters
    ----------
    logits : sequence of float
        2 to 8 finite scores (one per token).
    labels : sequence of str, optional
        Token names shown under the bars.
    temperature : float
        ``T > 0``.
    top_k : int or None
        Keep the ``k`` most probable tokens (``None``: off).
    top_p : float or None
        Nucleus mass in (0, 1] (``None`` or 1: off).
    min_p : float or None
        Keep tokens with at least ``min_p`` times the top probability (``None`` or 0: off).
    n_draws : int
        How many tokens to draw for the histogram.
    seed : int
        Seed of the draws: the same settings and seed always give the same histogram.
    """

    DEFAULT_LOGITS = (3.0, 2.5, 2.0, 1.0, 0.5, -1.0)
    DEFAULT_LABELS = ("the", "a", "cat", "dog", "sat", "zebra", "moon", "jazz")

    def __init__(
        self,
        logits=DEFAULT_LOGITS,
        labels=None,
        *,
        temperature=1.0,
        top_k=None,
        top_p=None,
        min_p=None,
        n_draws=200,
        seed=0,
    ):
        self.logits = _check_logits(logits)
        self._labels = tuple(labels) if labels is not None else self.DEFAULT_LABELS
        if labels is not None and len(self._labels) < len(self.logits):
            raise ValueError(f"labels must name every class: {len(self.logits)} logits, got {labels!r}")
        self.temperature = _check_positive("temperature", temperature)
        self.top_k = top_k
        self.top_p = top_p
        self.min_p = min_p
        self.set_filters(top_k=top_k, top_p=top_p, min_p=min_p)
        self.set_n_draws(n_draws)
        self.set_seed(seed)
        self._initial_query = dict(self._settings_items())

    @property
    def labels(self):
        names = list(self._labels[: self.n_classes])
        return tuple(names + [str(i) for i in range(len(names), self.n_classes)])

    @property
    def n_classes(self):
        return len(self.logits)

    def set_logits(self, logits):
        self.logits = _check_logits(logits)
        if self.top_k is not None and self.top_k > self.n_classes:
            self.top_k = None  # top-k of more tokens than there are is no filter at all

    def paste(self, text):
        self.set_logits(parse_logits(text))

    def set_temperature(self, temperature):
        self.temperature = _check_positive("temperature", temperature)

    def set_filters(self, *, top_k=None, top_p=None, min_p=None):
        """Set all three filters at once; they are validated by numerics before anything changes."""
        numerics.sampling_probabilities([0.0, 0.0], top_k=top_k, top_p=top_p, min_p=min_p)
        self.top_k, self.top_p, self.min_p = top_k, top_p, min_p

    def set_n_draws(self, n_draws):
        if isinstance(n_draws, bool) or not isinstance(n_draws, numbers.Integral) or n_draws < 1:
            raise ValueError(f"n_draws must be a positive integer, got {n_draws!r}")
        self.n_draws = int(n_draws)

    def set_seed(self, seed):
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
            raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
        self.seed = int(seed)

    def next_seed(self):
        """New draws: move to the next seed."""
        self.seed = self.seed + 1 if self.seed < MAX_SEED else 0

    # ------------------------------------------------------------------ links
    QUERY_KEYS = ("logits", "T", "top_k", "top_p", "min_p", "draws", "seed")
    MAX_DRAWS = 2000

    def _settings_items(self):
        return [
            ("T", format_number(self.temperature)),
            ("top_k", str(self.top_k or 0)),
            ("top_p", format_number(self.top_p if self.top_p is not None else 1.0)),
            ("min_p", format_number(self.min_p or 0.0)),
            ("draws", str(self.n_draws)),
            ("seed", str(self.seed)),
        ]

    def query_items(self):
        items = [("logits", format_logits(self.logits, ","))]
        return items + [(key, value) for key, value in self._settings_items() if self._initial_query.get(key) != value]

    def apply_query(self, params):
        errors = []
        _apply(errors, "logits", params, self.paste)
        _apply(errors, "T", params, lambda text: self.set_temperature(parse_temperature(text)))
        _apply(
            errors,
            "top_k",
            params,
            lambda text: self.set_filters(
                top_k=parse_whole("top_k", text, 0, self.n_classes) or None, top_p=self.top_p, min_p=self.min_p
            ),
        )
        _apply(
            errors,
            "top_p",
            params,
            lambda text: self.set_filters(
                top_k=self.top_k, top_p=_off_at(parse_fraction("top_p", text, 0.01, 1.0), 1.0), min_p=self.min_p
            ),
        )
        _apply(
            errors,
            "min_p",
            params,
            lambda text: self.set_filters(
                top_k=self.top_k, top_p=self.top_p, min_p=_off_at(parse_fraction("min_p", text, 0.0, 1.0), 0.0)
            ),
        )
        _apply(errors, "draws", params, lambda text: self.set_n_draws(parse_whole("draws", text, 10, self.MAX_DRAWS)))
        _apply(errors, "seed", params, lambda text: self.set_seed(parse_seed(text)))
        return errors

    # ------------------------------------------------------------------ results
    def _distribution(self, **filters):
        return numerics.sampling_probabilities(np.asarray(self.logits), temperature=self.temperature, **filters)

    @property
    def unfiltered(self):
        """``softmax(logits / T)`` before any filter."""
        return self._distribution()

    @property
    def probabilities(self):
        """The distribution the draws come from: temperature, then top-k, top-p, min-p."""
        return self._distribution(top_k=self.top_k, top_p=self.top_p, min_p=self.min_p)

    def cut_by(self):
        """Which tokens each filter removes, applied in numerics' order (k, then p, then min-p).

        Returns
        -------
        dict
            ``{"top-k": [...], "top-p": [...], "min-p": [...]}``: class indices that the filter
            itself set to zero (tokens already cut by an earlier filter are not repeated).
        """
        before = self._distribution()
        after_k = self._distribution(top_k=self.top_k)
        after_p = self._distribution(top_k=self.top_k, top_p=self.top_p)
        after_min_p = self.probabilities
        return {
            "top-k": [int(i) for i in np.flatnonzero((before > 0) & (after_k == 0))],
            "top-p": [int(i) for i in np.flatnonzero((after_k > 0) & (after_p == 0))],
            "min-p": [int(i) for i in np.flatnonzero((after_p > 0) & (after_min_p == 0))],
        }

    def draws(self):
        """``n_draws`` token indices from :func:`numerics.sample` with this state's seed."""
        return numerics.sample(
            np.asarray(self.logits),
            temperature=self.temperature,
            top_k=self.top_k,
            top_p=self.top_p,
            min_p=self.min_p,
            size=self.n_draws,
            rng=self.seed,
        )

    def frequencies(self):
        """Share of the draws that landed on each token."""
        return np.bincount(self.draws(), minlength=self.n_classes) / self.n_draws


def _off_at(value, off):
    """``None`` (filter off) when ``value`` is the filter's neutral value."""
    return None if value == off else value


class CrossEntropyState:
    """Cross-entropy of a true class under ``softmax(logits)``, with label smoothing.

    Parameters
    ----------
    logits : sequence of float
        2 to 8 finite scores.
    true_class : int
        Index of the correct class.
    label_smoothing : float
        ``eps`` in [0, 1]: the target is ``(1 - eps) * one_hot + eps / C``.
    """

    def __init__(self, logits=DEFAULT_LOGITS, true_class=0, label_smoothing=0.0):
        self.logits = _check_logits(logits)
        self.true_class = _check_class_index("true_class", true_class, len(self.logits))
        self.set_label_smoothing(label_smoothing)
        self._initial_settings = (self.true_class, self.label_smoothing)

    QUERY_KEYS = ("logits", "true", "smoothing")

    def query_items(self):
        items = [("logits", format_logits(self.logits, ","))]
        if self.true_class != self._initial_settings[0]:
            items.append(("true", str(self.true_class)))
        if self.label_smoothing != self._initial_settings[1]:
            items.append(("smoothing", format_number(self.label_smoothing)))
        return items

    def apply_query(self, params):
        errors = []
        _apply(errors, "logits", params, self.paste)
        _apply(
            errors,
            "true",
            params,
            lambda text: self.set_true_class(parse_whole("true (the true class)", text, 0, self.n_classes - 1)),
        )
        _apply(
            errors,
            "smoothing",
            params,
            lambda text: self.set_label_smoothing(parse_fraction("smoothing", text, 0.0, 1.0)),
        )
        return errors

    @property
    def n_classes(self):
        return len(self.logits)

    def set_logits(self, logits):
        """Replace the logits; the true class moves to the last class if it no longer exists."""
        self.logits = _check_logits(logits)
        self.true_class = min(self.true_class, self.n_classes - 1)

    def set_logit(self, index, value):
        index = _check_class_index("index", index, self.n_classes)
        values = list(self.logits)
        values[index] = value
        self.set_logits(values)

    def paste(self, text):
        self.set_logits(parse_logits(text))

    def set_true_class(self, true_class):
        self.true_class = _check_class_index("true_class", true_class, self.n_classes)

    def set_label_smoothing(self, label_smoothing):
        if (
            isinstance(label_smoothing, bool)
            or not isinstance(label_smoothing, numbers.Real)
            or not (0.0 <= label_smoothing <= 1.0)
        ):
            raise ValueError(f"label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)

    # ------------------------------------------------------------------ results
    @property
    def probabilities(self):
        return numerics.softmax(np.asarray(self.logits))

    @property
    def target(self):
        """The (smoothed) target distribution ``y``."""
        one_hot = np.eye(self.n_classes)[self.true_class]
        return (1 - self.label_smoothing) * one_hot + self.label_smoothing / self.n_classes

    @property
    def loss(self):
        """Cross-entropy in nats, from :func:`numerics.cross_entropy`."""
        return float(
            numerics.cross_entropy(
                np.asarray([self.logits]), np.asarray([self.true_class]), label_smoothing=self.label_smoothing
            )
        )

    @property
    def minimum_loss(self):
        """The smallest loss any logits can reach with this target: its entropy."""
        return float(numerics.entropy(self.target))

    @property
    def gradient(self):
        """``d loss / d logits = p - y`` (softmax probabilities minus the smoothed target)."""
        return self.probabilities - self.target


class AttentionState:
    """Scaled dot-product attention weights of a few tokens, in numpy.

    Queries and keys are drawn from N(0, 1) with a seed, so a dot product has variance ``d``:
    without the ``1/sqrt(d)`` scale the scores grow with ``d`` and softmax saturates.

    Parameters
    ----------
    tokens : sequence of str
        One name per position.
    d : int
        Dimension of queries and keys (1 to 512).
    scaled : bool
        Divide the scores by ``sqrt(d)``.
    causal : bool
        Mask future positions with ``-inf`` (position i attends to j <= i only).
    seed : int
        Seed of the queries and keys.
    """

    DEFAULT_TOKENS = ("the", "cat", "sat", "on", "the", "mat")
    MAX_D = 512

    def __init__(self, tokens=DEFAULT_TOKENS, *, d=16, scaled=True, causal=False, seed=0):
        tokens = tuple(str(t) for t in tokens)
        if not 1 <= len(tokens) <= 12:
            raise ValueError(f"tokens must hold 1 to 12 names, got {len(tokens)}")
        self.tokens = tokens
        self.set_d(d)
        self.scaled = bool(scaled)
        self.causal = bool(causal)
        self.set_seed(seed)
        self._initial_query = dict(self._settings_items())

    QUERY_KEYS = ("d", "scaled", "causal", "seed")
    D_CHOICES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

    def _settings_items(self):
        return [
            ("d", str(self.d)),
            ("scaled", "1" if self.scaled else "0"),
            ("causal", "1" if self.causal else "0"),
            ("seed", str(self.seed)),
        ]

    def query_items(self):
        return [(key, value) for key, value in self._settings_items() if self._initial_query.get(key) != value]

    def apply_query(self, params):
        errors = []

        def set_d(text):
            d = parse_whole("d", text, 1, self.MAX_D)
            if d not in self.D_CHOICES:
                raise ValueError(f"d must be one of {', '.join(map(str, self.D_CHOICES))}, got '{_short(text)}'")
            self.set_d(d)

        _apply(errors, "d", params, set_d)
        _apply(errors, "scaled", params, lambda text: setattr(self, "scaled", parse_flag("scaled", text)))
        _apply(errors, "causal", params, lambda text: setattr(self, "causal", parse_flag("causal", text)))
        _apply(errors, "seed", params, lambda text: self.set_seed(parse_seed(text)))
        return errors

    def set_d(self, d):
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or not 1 <= d <= self.MAX_D:
            raise ValueError(f"d must be an integer from 1 to {self.MAX_D}, got {d!r}")
        self.d = int(d)

    def set_seed(self, seed):
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
            raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
        self.seed = int(seed)

    @property
    def queries_and_keys(self):
        """``(Q, K)``, each of shape ``(n_tokens, d)``."""
        rng = np.random.default_rng(self.seed)
        return rng.standard_normal((len(self.tokens), self.d)), rng.standard_normal((len(self.tokens), self.d))

    @property
    def mask(self):
        """True where attention is allowed."""
        n = len(self.tokens)
        return np.tril(np.ones((n, n), dtype=bool)) if self.causal else np.ones((n, n), dtype=bool)

    @property
    def scores(self):
        """``Q K^T`` (divided by ``sqrt(d)`` if scaled), ``-inf`` where masked."""
        queries, keys = self.queries_and_keys
        scores = queries @ keys.T
        if self.scaled:
            scores = scores / math.sqrt(self.d)
        return np.where(self.mask, scores, -np.inf)

    @property
    def weights(self):
        """Row-wise :func:`numerics.softmax` of the scores: row i is where token i looks."""
        return numerics.softmax(self.scores, axis=-1)

    @property
    def row_entropy_bits(self):
        """Entropy of each query's weights in bits (0: looks at one token only)."""
        return numerics.entropy(self.weights, axis=-1, base=2)
