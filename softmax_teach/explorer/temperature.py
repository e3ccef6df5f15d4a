"""Tab 1, "Temperature & logits": softmax(z / T), stable or the slide's overflowing formula."""

from __future__ import annotations

import math
from dataclasses import dataclass

import anywidget
import numpy as np
import traitlets

from softmax_teach import numerics
from softmax_teach.explorer import _assets, _checks, prng

DEFAULT_LOGITS = (2.0, 1.0, 0.1)


def naive_softmax(logits, temperature=1.0):
    """The slide's ``exp(z / T) / Σ exp(z / T)``, without subtracting the max.

    Kept to *show* the overflow (``js/core.js`` computes the same, in the same order).

    Returns
    -------
    probabilities : ndarray
        ``nan`` where an ``exp`` overflowed (inf / inf) or all underflowed (0 / 0); zeros where
        each ``exp`` is finite but their sum is not (``709, 709, 709``).
    overflowed : bool
        Whether the sum of the exps is infinite.
    """
    with np.errstate(all="ignore"):  # the overflow is reported as a flag, not as a warning
        exponentials = np.exp(np.asarray(logits, dtype=np.float64) / temperature)
        total = exponentials.sum()
        return exponentials / total, bool(not np.isfinite(total))


@dataclass(frozen=True)
class Summary:
    """What the tab reads out about its distribution (``nan`` and ``arg_max = -1`` when broken)."""

    entropy_nats: float
    entropy_bits: float
    perplexity: float
    max_probability: float
    arg_max: int


def is_distribution(p):
    """Finite, non-negative and summing to 1 within numerics' tolerance (as core.js's ``isDistribution``)."""
    p = np.asarray(p, dtype=np.float64)
    tolerance = math.sqrt(np.finfo(np.float64).eps) * max(1.0, math.sqrt(p.size))
    return bool(p.size and np.isfinite(p).all() and (p >= 0).all() and abs(p.sum() - 1) <= tolerance)


def summarise(p):
    """Entropy (nats and bits), perplexity, max probability and arg-max of ``p``, via numerics.

    A vector that is not a distribution (the unstable formula's ``nan`` or zeros) gives ``nan``
    and ``arg_max = -1`` instead of an exception, so the tab can show the overflow.
    """
    if not is_distribution(p):
        return Summary(math.nan, math.nan, math.nan, math.nan, -1)
    nats = float(numerics.entropy(p))
    return Summary(nats, float(numerics.entropy(p, base=2)), math.exp(nats), float(np.max(p)), int(np.argmax(p)))


class TemperatureTab(anywidget.AnyWidget):
    """Logits and a temperature in; ``softmax(logits / T)``, its entropy and arg-max out.

    Parameters
    ----------
    logits : list of float
        2 to 8 finite numbers within ±10000.
    temperature : float
        From 0.01 to 100.
    stable : bool
        Subtract the max before ``exp`` (default). ``False`` uses the slide's formula, which
        overflows for large logits or small T; the tab then shows the overflow.

    Examples
    --------
    >>> tab = TemperatureTab(logits=[2.0, 1.0, 0.1])
    >>> tab.temperature = 0.5
    >>> tab.probabilities.round(4)
    array([0.8638, 0.1169, 0.0193])
    """

    _esm = _assets.esm("temperature.js")
    _css = _assets.css()
    logits = traitlets.List(traitlets.Any(), default_value=list(DEFAULT_LOGITS)).tag(sync=True)
    temperature = _checks.Real(1.0).tag(sync=True)
    stable = traitlets.Bool(True).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._initial = (list(self.logits), self.temperature, self.stable)

    @traitlets.validate("logits")
    def _check_logits(self, proposal):
        return _checks.logits(proposal["value"])

    @traitlets.validate("temperature")
    def _check_temperature(self, proposal):
        return _checks.temperature(proposal["value"])

    # ------------------------------------------------------------------ actions
    def reset(self):
        """Back to the logits, temperature and stability the tab was created with."""
        with self.hold_sync():
            self.logits, self.temperature, self.stable = list(self._initial[0]), *self._initial[1:]

    def randomise(self, seed=0):
        """New logits, N(0, 2²) rounded to 0.1, from the Explorer's seeded generator (as the page's button)."""
        self.logits = prng.random_logits(len(self.logits), _checks.seed(seed))

    # ------------------------------------------------------------------ read-outs
    @property
    def probabilities(self):
        """``softmax(logits / T)``: :func:`numerics.softmax`, or the slide's formula when not stable."""
        if self.stable:
            return numerics.softmax(np.asarray(self.logits), temperature=self.temperature)
        return naive_softmax(self.logits, self.temperature)[0]

    @property
    def overflowed(self):
        """True when the slide's formula is selected and ``Σ exp(z / T)`` is infinite."""
        return not self.stable and naive_softmax(self.logits, self.temperature)[1]

    @property
    def summary(self):
        """:class:`Summary` of :attr:`probabilities` (``nan`` where the slide's formula broke)."""
        return summarise(self.probabilities)
