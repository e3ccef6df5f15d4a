"""Count-based character n-gram models: the honest baseline for a neural language model.

An n-gram model predicts the next character from the ``n - 1`` characters before it, by counting
how often each character followed that context in the training text. Contexts never seen in
training are common, so the counts are smoothed with **Witten–Bell interpolation** (Witten & Bell
1991; Jurafsky & Martin, *Speech and Language Processing*, ch. 3): the estimate for a context
``h`` is mixed with the estimate for the context one character shorter, ``h'``,

.. math::

    P(c \\mid h) = \\frac{N(h, c) + T(h)\\, P(c \\mid h')}{N(h) + T(h)},

where ``N(h, c)`` counts ``h`` followed by ``c``, ``N(h)`` counts ``h``, and ``T(h)`` is the
number of *different* characters seen after ``h``. A context followed by many different
characters trusts its own counts less. The recursion ends at the add-one unigram, so every
character keeps a non-zero probability. The method has no parameter to tune, so each order is
compared at its best without peeking at held-out text.

Plain numpy and Python dictionaries; ids are the integers of
:class:`softmax_teach.data.text.CharVocabulary`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np

from softmax_teach import _validation as check

__all__ = ["NGramModel"]


class NGramModel:
    """A Witten–Bell-interpolated character n-gram model.

    Parameters
    ----------
    order : int
        ``n``: the model looks at the ``n - 1`` previous characters (1 is the unigram).
    vocab_size : int
        Number of distinct ids; every id in ``[0, vocab_size)`` gets a probability.
    train_ids : array_like of int, 1-D
        The training text as ids.

    Examples
    --------
    >>> model = NGramModel(2, 3, [0, 1, 0, 1, 0, 1, 2])
    >>> p = model.probabilities([0])  # after a 0, a 1 always followed
    >>> bool(p.argmax() == 1), round(float(p.sum()), 12)
    (True, 1.0)
    """

    def __init__(self, order: int, vocab_size: int, train_ids):
        for name, value in (("order", order), ("vocab_size", vocab_size)):
            check.positive_int(value, name)
        ids = _as_ids(train_ids, vocab_size, "train_ids")
        self.order, self.vocab_size = int(order), int(vocab_size)
        unigram = np.bincount(ids, minlength=vocab_size).astype(float) + 1.0
        self._unigram = unigram / unigram.sum()
        # followers[h] counts the characters seen after context h (a tuple of 1 to order-1 ids).
        self._followers: dict[tuple, Counter] = defaultdict(Counter)
        sequence = ids.tolist()
        for length in range(1, self.order):
            for end in range(length, len(sequence)):
                self._followers[tuple(sequence[end - length : end])][sequence[end]] += 1

    def probabilities(self, context) -> np.ndarray:
        """The distribution of the next character after ``context`` (only its last ``order - 1`` ids count).

        Returns
        -------
        ndarray of float, shape (vocab_size,)
            Positive and summing to 1.
        """
        context = _as_ids(context, self.vocab_size, "context", allow_empty=True).tolist()
        p = self._unigram
        usable = context[max(0, len(context) - (self.order - 1)) :] if self.order > 1 else []
        for length in range(1, len(usable) + 1):
            counts = self._followers.get(tuple(usable[len(usable) - length :]))
            if not counts:
                break  # a longer context was never seen either
            seen, distinct = sum(counts.values()), len(counts)
            mixed = distinct * p
            for character, count in counts.items():
                mixed[character] += count
            p = mixed / (seen + distinct)
        return p

    def mean_nll(self, ids) -> float:
        """Mean of ``-log p(ids[t] | ids[:t])`` for ``t = 1 … len(ids) - 1``, in nats.

        The same characters that :func:`softmax_teach.models.language.mean_negative_log_likelihood`
        scores, so the two are comparable.
        """
        ids = _as_ids(ids, self.vocab_size, "ids")
        if ids.size < 2:
            raise ValueError("ids must hold at least 2 characters")
        losses = [-math.log(self.probabilities(ids[:t])[ids[t]]) for t in range(1, ids.size)]
        return float(np.mean(losses))


def _as_ids(values, vocab_size, name, *, allow_empty=False):
    ids = np.asarray(values)
    if ids.size == 0 and allow_empty:
        return ids.astype(np.int64)
    if ids.ndim != 1 or ids.size == 0 or ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= vocab_size:
        raise ValueError(f"{name} must be a non-empty 1-D array of integer ids in [0, {vocab_size})")
    return ids.astype(np.int64)
