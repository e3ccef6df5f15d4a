"""Tab 2, "Sampling": temperature, top-k, top-p and min-p, before and after, and seeded draws."""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from softmax_teach import numerics
from softmax_teach.explorer import _assets, _checks, prng
from softmax_teach.explorer._filters import SamplingSettings
from softmax_teach.explorer.parsing import MAX_CLASSES

DEFAULT_LOGITS = (3.0, 2.5, 2.0, 1.0, 0.5, -1.0)
DEFAULT_LABELS = ("the", "a", "cat", "dog", "sat", "zebra", "moon", "jazz")
MIN_DRAWS, MAX_DRAWS = 10, 2000


class SamplingTab(SamplingSettings, anywidget.AnyWidget):
    """Sampling from ``softmax(logits / T)`` after top-k, top-p and min-p.

    Parameters
    ----------
    logits : list of float
        2 to 8 finite numbers within ±10000, one per token.
    labels : list of str
        Token names (up to 8); a token without one is named by its index.
    temperature : float
        From 0.01 to 100.
    top_k : int
        Keep the k most probable tokens (ties with the k-th kept); 0 switches it off.
    top_p : float
        Keep the fewest most probable tokens whose mass reaches p (0.01 to 1); 1 switches it off.
    min_p : float
        Keep tokens with at least ``min_p`` times the top probability (0 to 1); 0 switches it off.
    draws : int
        How many tokens the histogram draws (10 to 2000).
    seed : int
        Seed of the draws (0 to 2**32 - 1): the same settings and seed give the same draws here
        and in every browser (:mod:`softmax_teach.explorer.prng`).

    Examples
    --------
    >>> tab = SamplingTab(top_k=2)
    >>> tab.probabilities.round(3)
    array([0.622, 0.378, 0.   , 0.   , 0.   , 0.   ])
    """

    _esm = _assets.esm("sampling.js")
    _css = _assets.css()
    logits = traitlets.List(traitlets.Any(), default_value=list(DEFAULT_LOGITS)).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode(), default_value=list(DEFAULT_LABELS)).tag(sync=True)
    max_top_k = MAX_CLASSES
    draws = _checks.Whole(200).tag(sync=True)
    seed = _checks.Whole(0).tag(sync=True)

    @traitlets.validate("logits")
    def _check_logits(self, proposal):
        return _checks.logits(proposal["value"])

    @traitlets.validate("labels")
    def _check_labels(self, proposal):
        labels = proposal["value"]
        if len(labels) > MAX_CLASSES or any(not label.strip() or len(label) > 20 for label in labels):
            raise _checks.InvalidSetting(
                f"labels must be at most {MAX_CLASSES} names of 1 to 20 characters, got {labels!r}"
            )
        return labels

    @traitlets.validate("draws")
    def _check_draws(self, proposal):
        return _checks.whole(proposal["value"], "draws", MIN_DRAWS, MAX_DRAWS)

    @traitlets.validate("seed")
    def _check_seed(self, proposal):
        return _checks.seed(proposal["value"])

    # ------------------------------------------------------------------ read-outs
    @property
    def token_names(self):
        """One name per token: the label, or the index where no label is given."""
        return [self.labels[i] if i < len(self.labels) else str(i) for i in range(len(self.logits))]

    @property
    def unfiltered(self):
        """``softmax(logits / T)`` before any filter."""
        return numerics.sampling_probabilities(self.logits, temperature=self.temperature)

    @property
    def probabilities(self):
        """The distribution the draws come from: temperature, then top-k, top-p, min-p."""
        return numerics.sampling_probabilities(self.logits, temperature=self.temperature, **self.filters)

    def cut_by(self):
        """Which tokens each filter itself removes (``{"top-k": [...], "top-p": [...], "min-p": [...]}``)."""
        filters = self.filters
        steps = [
            self.unfiltered,
            numerics.sampling_probabilities(self.logits, temperature=self.temperature, top_k=filters["top_k"]),
            numerics.sampling_probabilities(
                self.logits, temperature=self.temperature, top_k=filters["top_k"], top_p=filters["top_p"]
            ),
            self.probabilities,
        ]
        return {
            name: [int(i) for i in np.flatnonzero((before > 0) & (after == 0))]
            for name, before, after in zip(("top-k", "top-p", "min-p"), steps, steps[1:])
        }

    @property
    def drawn(self):
        """The seeded draws the page shows: token indices from :func:`prng.draw`."""
        return np.array(prng.draw(self.probabilities, self.draws, self.seed), dtype=np.int64)

    @property
    def frequencies(self):
        """Share of the draws on each token."""
        return np.bincount(self.drawn, minlength=len(self.logits)) / self.draws

    @property
    def total_variation(self):
        """``½ Σ |share − probability|``: how far the draws are from the exact distribution."""
        return 0.5 * float(np.abs(self.frequencies - self.probabilities).sum())
