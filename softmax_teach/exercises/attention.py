"""Checks for the exercises of notebook 13 (attention).

1. :func:`check_causal_weights` — causal scaled dot-product attention weights by hand, in numpy.
   It names the usual mistakes: the ``1/√d`` forgotten, the mask forgotten, the mask applied
   after the softmax (future weights zeroed but the rows no longer summing to 1), the softmax
   taken over the wrong axis.
2. :func:`check_merged_state` — merge the running ``(max, sum)`` of two blocks of scores, the
   step that lets tiled attention see the keys one block at a time. It names the unrescaled sum.

Numpy only: nothing here imports torch.
"""

from __future__ import annotations

import numpy as np

from softmax_teach.exercises.core import Feedback, check_array, check_value
from softmax_teach.numerics import logsumexp, softmax

__all__ = ["EXERCISE_QUERIES", "EXERCISE_KEYS", "check_causal_weights", "check_merged_state"]

#: Four queries and four keys of dimension 3 for exercise 1 (small integers, so the scores are easy to read).
EXERCISE_QUERIES = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
EXERCISE_KEYS = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 1.0]])


def _causal_bias(n):
    return np.where(np.tril(np.ones((n, n), dtype=bool)), 0.0, -np.inf)


def causal_weights(queries, keys, *, scale=True):
    """Reference answer: ``softmax(q kᵀ / √d + causal mask)`` along the keys, with numpy."""
    q = np.asarray(queries, dtype=float)
    k = np.asarray(keys, dtype=float)
    scores = q @ k.T
    if scale:
        scores = scores / np.sqrt(q.shape[-1])
    return softmax(scores + _causal_bias(len(q)), axis=-1)


def check_causal_weights(answer, queries=EXERCISE_QUERIES, keys=EXERCISE_KEYS):
    """Check causal attention weights computed by hand for ``queries`` and ``keys``.

    Parameters
    ----------
    answer : array_like, shape (n, n)
        The learner's weights: row ``i`` is query ``i``'s distribution over the keys.
    queries, keys : array_like, shape (n, d)
        Default: :data:`EXERCISE_QUERIES` and :data:`EXERCISE_KEYS`.

    Returns
    -------
    Feedback
    """
    q = np.asarray(queries, dtype=float)
    k = np.asarray(keys, dtype=float)
    if q.ndim != 2 or q.shape != k.shape:
        raise ValueError(f"queries and keys must be (n, d) arrays of the same shape, got {q.shape} and {k.shape}")
    scores = q @ k.T / np.sqrt(q.shape[-1])
    full = softmax(scores, axis=-1)
    hints = (
        (
            lambda got: np.allclose(got, causal_weights(q, k, scale=False)),
            "these are the weights without the 1/√d: divide the scores q·k by √d (here √3) before the softmax.",
        ),
        (
            lambda got: np.allclose(got, full),
            "every query looks at every key: add -inf to the scores above the diagonal (the future) "
            "before the softmax, e.g. np.where(np.tril(np.ones((n, n), bool)), scores, -np.inf).",
        ),
        (
            lambda got: np.allclose(got, np.tril(full)),
            "the future keys have weight 0, but each row no longer sums to 1: mask the *scores* with "
            "-inf before the softmax instead of zeroing the weights after it.",
        ),
        (
            lambda got: np.allclose(got.sum(axis=0), 1) and not np.allclose(got.sum(axis=1), 1),
            "the columns sum to 1, not the rows: take the softmax over the keys (axis=-1).",
        ),
    )
    return check_array(answer, causal_weights(q, k), what="your causal attention weights", hints=hints)


def check_merged_state(answer, first_block, second_block):
    """Check the running ``(max, sum)`` after two blocks of scores.

    The state of a block ``x`` is ``(m, l) = (max(x), sum(exp(x - m)))``. Merging two states must
    give the state of the two blocks together: ``m = max(m1, m2)`` and
    ``l = l1·exp(m1 - m) + l2·exp(m2 - m)``.

    Parameters
    ----------
    answer : pair of float
        The learner's merged ``(m, l)``, computed from the two states only.
    first_block, second_block : array_like
        The two blocks of scores (1-D, finite).

    Returns
    -------
    Feedback
    """
    a = np.asarray(first_block, dtype=float).ravel()
    b = np.asarray(second_block, dtype=float).ravel()
    if a.size == 0 or b.size == 0 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("first_block and second_block must be non-empty arrays of finite scores")
    try:
        got_max, got_sum = (float(value) for value in answer)
    except (TypeError, ValueError):
        return Feedback(False, f"your answer should be a pair (m, l) of numbers, got {answer!r}.")
    both = np.concatenate([a, b])
    expected_max = float(both.max())
    # l = sum(exp(x - m)) = exp(logsumexp(x) - m): computed the stable way, independently of the merge rule.
    expected_sum = float(np.exp(logsumexp(both) - expected_max))
    verdict = check_value(got_max, expected_max, what="your merged max m")
    if not verdict:
        return verdict
    unrescaled = np.exp(a - a.max()).sum() + np.exp(b - b.max()).sum()
    hints = (
        (
            lambda got: np.isclose(got, unrescaled),
            "you added l1 + l2 as they are, but each was measured against its own block's max: "
            "multiply l1 by exp(m1 - m) and l2 by exp(m2 - m) first.",
        ),
    )
    return check_value(got_sum, expected_sum, what="your merged sum l", rtol=1e-9, hints=hints)
