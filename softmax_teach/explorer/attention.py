"""Tab 4, "Attention": a few tokens' seeded queries and keys, 1/√d on or off, a causal mask."""

from __future__ import annotations

import math

import anywidget
import numpy as np
import traitlets

from softmax_teach import numerics
from softmax_teach.explorer import _assets, _checks, prng

DEFAULT_TOKENS = ("the", "cat", "sat", "on", "the", "mat")
D_CHOICES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
MAX_TOKENS = 12


class AttentionTab(anywidget.AnyWidget):
    """Scaled dot-product attention weights of a few tokens.

    Queries and keys have N(0, 1) entries from the Explorer's seeded generator
    (:func:`prng.queries_and_keys`, the same numbers as the page), so a dot product has variance
    ``d``: without the ``1/√d`` scale the scores grow with ``d`` and softmax saturates.

    Parameters
    ----------
    tokens : list of str
        1 to 12 names, one per position.
    d : int
        Length of each query and key: 1, 2, 4 … 512.
    scaled : bool
        Divide the scores by ``√d``.
    causal : bool
        Position i attends to positions j ≤ i only (the others are masked with −∞).
    seed : int
        Seed of the queries and keys (0 to 2**32 - 1).

    Examples
    --------
    >>> tab = AttentionTab(d=4, causal=True)
    >>> bool(tab.weights[0, 0] == 1.0)
    True
    """

    _esm = _assets.esm("attention.js")
    _css = _assets.css()
    tokens = traitlets.List(traitlets.Unicode(), default_value=list(DEFAULT_TOKENS)).tag(sync=True)
    d = _checks.Whole(16).tag(sync=True)
    scaled = traitlets.Bool(True).tag(sync=True)
    causal = traitlets.Bool(False).tag(sync=True)
    seed = _checks.Whole(0).tag(sync=True)

    @traitlets.validate("tokens")
    def _check_tokens(self, proposal):
        tokens = proposal["value"]
        if not 1 <= len(tokens) <= MAX_TOKENS or any(not token.strip() for token in tokens):
            raise _checks.InvalidSetting(f"tokens must be 1 to {MAX_TOKENS} non-blank names, got {tokens!r}")
        return tokens

    @traitlets.validate("d")
    def _check_d(self, proposal):
        d = _checks.whole(proposal["value"], "d", 1, D_CHOICES[-1])
        if d not in D_CHOICES:
            raise _checks.InvalidSetting(f"d must be one of {', '.join(map(str, D_CHOICES))}, got {d!r}")
        return d

    @traitlets.validate("seed")
    def _check_seed(self, proposal):
        return _checks.seed(proposal["value"])

    # ------------------------------------------------------------------ read-outs
    @property
    def queries_and_keys(self):
        """``(Q, K)``, each of shape ``(n_tokens, d)``."""
        queries, keys = prng.queries_and_keys(len(self.tokens), self.d, self.seed)
        return np.array(queries), np.array(keys)

    @property
    def mask(self):
        """True where query i may attend to key j."""
        n = len(self.tokens)
        return np.tril(np.ones((n, n), dtype=bool)) if self.causal else np.ones((n, n), dtype=bool)

    @property
    def scores(self):
        """``Q Kᵀ`` (divided by ``√d`` if scaled), ``−∞`` where masked."""
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
        """Entropy of each query's weights in bits (0: it looks at one token only)."""
        return numerics.entropy(self.weights, axis=-1, base=2)
