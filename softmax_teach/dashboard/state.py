"""Plain-Python state of the Softmax Explorer tabs: no widgets, no matplotlib.

Each class holds the settings of one tab, validates every change (bad input raises
``ValueError`` and leaves the state as it was) and computes what the tab shows with
:mod:`softmax_teach.numerics`. The views in :mod:`softmax_teach.dashboard.views` only copy
widget values in and numbers out, so everything a learner sees can be tested here.
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
        values.append(value)
    if len(values) < min_classes:
        raise ValueError(f"Need at least {min_classes} numbers, got {len(values)}")
    if len(values) > max_classes:
        raise ValueError(f"At most {max_classes} classes, got {len(values)}")
    return tuple(values)


def format_logits(logits):
    """The text-box form of ``logits``: ``"2, 1, 0.1"`` (shortest exact repr of each)."""
    return ", ".join(f"{value:g}" if float(value) == float(f"{value:g}") else repr(float(value)) for value in logits)


def _check_logits(logits, *, min_classes=MIN_CLASSES, max_classes=MAX_CLASSES):
    try:
        values = tuple(float(v) for v in logits)
    except (TypeError, ValueError):
        raise ValueError(f"logits must be a sequence of numbers, got {logits!r}") from None
    if not min_classes <= len(values) <= max_classes:
        raise ValueError(f"logits must have {min_classes} to {max_classes} entries, got {len(values)}: {logits!r}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"logits must be finite, got {logits!r}")
    return values


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

    def set_n_classes(self, n_classes):
        """Keep the first ``n_classes`` logits, or append zeros up to ``n_classes``."""
        if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or not (
            MIN_CLASSES <= n_classes <= MAX_CLASSES
        ):
            raise ValueError(f"n_classes must be an integer from {MIN_CLASSES} to {MAX_CLASSES}, got {n_classes!r}")
        self.logits = (self.logits + (0.0,) * MAX_CLASSES)[:n_classes]

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

    def __init__(self, logits=DEFAULT_LOGITS, labels=None, *, temperature=1.0, top_k=None, top_p=None,
                 min_p=None, n_draws=200, seed=0):
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

    @property
    def labels(self):
        names = list(self._labels[: self.n_classes])
        return tuple(names + [str(i) for i in range(len(names), self.n_classes)])

    @property
    def n_classes(self):
        return len(self.logits)

    def set_logits(self, logits):
        self.logits = _check_logits(logits)

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
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)

    def next_seed(self):
        """New draws: move to the next seed."""
        self.seed += 1

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
            np.asarray(self.logits), temperature=self.temperature, top_k=self.top_k, top_p=self.top_p,
            min_p=self.min_p, size=self.n_draws, rng=self.seed,
        )

    def frequencies(self):
        """Share of the draws that landed on each token."""
        return np.bincount(self.draws(), minlength=self.n_classes) / self.n_draws


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
        if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real) or not (
            0.0 <= label_smoothing <= 1.0
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
        return float(numerics.cross_entropy(np.asarray([self.logits]), np.asarray([self.true_class]),
                                            label_smoothing=self.label_smoothing))

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

    def set_d(self, d):
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or not 1 <= d <= self.MAX_D:
            raise ValueError(f"d must be an integer from 1 to {self.MAX_D}, got {d!r}")
        self.d = int(d)

    def set_seed(self, seed):
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
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
