"""Checks for the exercises of notebook 13 (attention).

1. :func:`check_causal_weights` — causal scaled dot-product attention weights by hand, in numpy.
   It names the usual mistakes: the ``1/√d`` forgotten, the mask forgotten, the mask applied
   after the softmax (future weights zeroed but the rows no longer summing to 1), the softmax
   taken over the wrong axis.
2. :func:`check_merged_state` — merge the running ``(max, sum)`` of two blocks of scores, the
   step that lets tiled attention see the keys one block at a time; a merge *function* is run on
   blocks with the max in either one. It names the unrescaled sum and a sum rescaled on one side only.
3. :func:`check_entropy_level` — the level at which the scaled entropy curve stays flat for a
   given number of keys. It names the uniform level ``log n_keys``, another ``n_keys``'s level and
   the unscaled curve.

Numpy only: nothing here imports torch.
"""

from __future__ import annotations

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.exercises.core import Feedback, as_number, check_array, check_value
from softmax_teach.numerics import logsumexp, softmax

__all__ = [
    "EXERCISE_QUERIES",
    "EXERCISE_KEYS",
    "ENTROPY_DIMENSIONS",
    "check_causal_weights",
    "check_merged_state",
    "check_entropy_level",
    "MERGE_CASES",
]

#: Four queries and four keys of dimension 3 for exercise 1 (small integers, so the scores are easy to read).
EXERCISE_QUERIES = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
EXERCISE_KEYS = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 1.0]])


#: The dimensions of notebook 13's entropy experiment.
ENTROPY_DIMENSIONS = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


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


def check_causal_weights(answer, queries=EXERCISE_QUERIES, keys=EXERCISE_KEYS, *, decimals=4):
    """Check causal attention weights computed by hand for ``queries`` and ``keys``.

    Parameters
    ----------
    answer : array_like, shape (n, n)
        The learner's weights: row ``i`` is query ``i``'s distribution over the keys.
    queries, keys : array_like, shape (n, d)
        Default: :data:`EXERCISE_QUERIES` and :data:`EXERCISE_KEYS`.
    decimals : int, optional
        The precision the exercise asks for: weights right to this many decimals pass.

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
    n = len(q)
    past_only = softmax(np.where(np.tril(np.ones((n, n), dtype=bool), -1), scores, -np.inf), axis=-1)
    future_only = softmax(np.where(np.triu(np.ones((n, n), dtype=bool)), scores, -np.inf), axis=-1)
    n_keys, d = k.shape
    half_unit = 0.5 * 10.0**-decimals  # a slip typed in at the precision asked for is still that slip

    def near(wrong):
        return lambda got: np.allclose(got, wrong, rtol=0, atol=half_unit)

    def scaled_by(divisor):
        return softmax(q @ k.T / divisor + _causal_bias(n), axis=-1)

    wrong_scales = {
        f"√n_keys = √{n_keys}": np.sqrt(n_keys),
        f"n_keys = {n_keys}": float(n_keys),
        f"d = {d}": float(d),
    }
    hints = (
        (
            near(causal_weights(q, k, scale=False)),
            f"these are the weights without the 1/√d: divide the scores q·k by √d (here √{d}) before the softmax.",
        ),
        *(
            (
                near(scaled_by(divisor)),
                f"you divided the scores by {name}; the scale is √d, the square root of the *dimension* of "
                f"the queries and keys (q.shape[-1] = {d}), because a dot product of d terms has variance d.",
            )
            for name, divisor in wrong_scales.items()
            if not np.isclose(divisor, np.sqrt(d))
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
            near(softmax(np.where(np.tril(np.ones((n, n), dtype=bool)), scores, 0.0), axis=-1)),
            "you set the future scores to 0, but a score of 0 still gets weight exp(0) = 1 in the softmax: "
            "the masked scores must be -inf (masked_fill with -inf, not 0), so that their weight is exp(-inf) = 0.",
        ),
        (
            lambda got: np.allclose(got, causal_weights(k, q)),
            "your scores are transposed: row i must hold query i's scores against every key, "
            "queries @ keys.T, not keys @ queries.T.",
        ),
        (
            lambda got: np.allclose(got, future_only),
            "you masked the past instead of the future: query i may look at keys 0 … i, the lower "
            "triangle (np.tril), so -inf goes above the diagonal.",
        ),
        (
            lambda got: np.allclose(got, past_only),
            "a query may look at its own position too: keep the diagonal (np.tril(..., k=0)); as it "
            "is, query 0 has nothing to look at.",
        ),
        (
            lambda got: np.allclose(got.sum(axis=0), 1) and not np.allclose(got.sum(axis=1), 1),
            "the columns sum to 1, not the rows: take the softmax over the keys (axis=-1).",
        ),
    )
    return check_array(
        answer, causal_weights(q, k), what="your causal attention weights", hints=hints, decimals=decimals
    )


#: Pairs of blocks a learner's merge function is run on: the max in the second block, in the first,
#: in both, and scores near -1000 (where exp without the shift underflows to 0).
MERGE_CASES = (
    ((1.0, 3.0, 2.0), (5.0, 0.0)),
    ((5.0, 0.0), (1.0, 3.0, 2.0)),
    ((2.0, 2.0), (2.0, -1.0)),
    ((-1000.0, -999.0), (-1001.0, -998.5)),
)


def _state(block):
    block = np.asarray(block, dtype=float)
    return float(block.max()), float(np.exp(block - block.max()).sum())


_MERGE_SLIPS = (
    (lambda m, m_a, l_a, m_b, l_b: l_a + l_b, "you added l_a + l_b as they are"),
    (
        lambda m, m_a, l_a, m_b, l_b: l_a * np.exp(m_a - m) + l_b,
        "you rescaled only l_a (right only when the max is in block b)",
    ),
    (
        lambda m, m_a, l_a, m_b, l_b: l_a + l_b * np.exp(m_b - m),
        "you rescaled only l_b (right only when the max is in block a)",
    ),
)


def _as_pair(result):
    try:
        pair = tuple(float(value) for value in result)
    except (TypeError, ValueError):
        return None
    return pair if len(pair) == 2 else None


def _check_merge_function(merge, decimals):
    results = []
    for first, second in MERGE_CASES:
        (m_a, l_a), (m_b, l_b) = _state(first), _state(second)
        case = f"blocks {list(first)} and {list(second)} (states ({m_a:g}, {l_a:.4f}) and ({m_b:g}, {l_b:.4f}))"
        try:
            result = merge(m_a, l_a, m_b, l_b)
        except Exception as error:  # the learner's code may raise anything; report it
            return Feedback(False, f"your merge raised {type(error).__name__}: {error} (for {case}).")
        results.append((case, (m_a, l_a, m_b, l_b), result))
    # A known slip is named only if it explains the answer on every pair (on some pairs two slips agree).
    for rule, message in _MERGE_SLIPS:
        explained = True
        for _, (m_a, l_a, m_b, l_b), result in results:
            m = max(m_a, m_b)
            pair = _as_pair(result)
            if pair is None or not np.allclose(pair, (m, rule(m, m_a, l_a, m_b, l_b)), rtol=1e-9, atol=0):
                explained = False
                break
        if explained:
            return Feedback(
                False,
                f"{message}. Each sum was measured against its own block's max: multiply l_a by "
                "exp(m_a - m) and l_b by exp(m_b - m), with m = max(m_a, m_b).",
            )
    for (case, _, result), (first, second) in zip(results, MERGE_CASES):
        verdict = check_merged_state(result, first, second, decimals=decimals)
        if not verdict:
            return Feedback(False, f"for {case}: {verdict.message}")
    return Feedback(
        True,
        f"your merge is right on all {len(MERGE_CASES)} pairs of blocks, with the max in the first block, "
        "in the second, in both, and for scores near -1000.",
    )


def check_merged_state(answer, first_block=None, second_block=None, *, decimals=4):
    """Check the running ``(max, sum)`` after two blocks of scores.

    The state of a block ``x`` is ``(m, l) = (max(x), sum(exp(x - m)))``. Merging two states must
    give the state of the two blocks together: ``m = max(m1, m2)`` and
    ``l = l1·exp(m1 - m) + l2·exp(m2 - m)``.

    Parameters
    ----------
    answer : pair of float, or callable
        The learner's merged ``(m, l)``, computed from the two states only; or a function
        ``merge(m_a, l_a, m_b, l_b)`` returning it, which is then run on every pair of
        :data:`MERGE_CASES` (``first_block`` and ``second_block`` are not used), so that a rule
        right only when one particular block holds the max cannot pass.
    first_block, second_block : array_like
        The two blocks of scores (1-D, finite); needed for a pair answer.
    decimals : int, optional
        The precision the exercise asks for: an ``l`` right to this many decimals passes.

    Returns
    -------
    Feedback
    """
    if callable(answer):
        return _check_merge_function(answer, decimals)
    if first_block is None or second_block is None:
        raise ValueError("a pair answer needs the two blocks it was computed from")
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
    l_a, l_b = np.exp(a - a.max()).sum(), np.exp(b - b.max()).sum()
    hints = (
        (
            lambda got: np.isclose(got, l_a + l_b),
            "you added l1 + l2 as they are, but each was measured against its own block's max: "
            "multiply l1 by exp(m1 - m) and l2 by exp(m2 - m) first.",
        ),
        (
            lambda got: np.isclose(got, l_a * np.exp(expected_max - a.max()) + l_b * np.exp(expected_max - b.max())),
            "the rescaling is upside down: exp(m - m_i) is at least 1 and makes a block's sum bigger; "
            "multiply l_i by exp(m_i - m), which is at most 1 (the block's max was too small a shift).",
        ),
        (
            lambda got: np.isclose(got, np.exp(both).sum()),
            "that is the sum of exp(x) with no shift at all: l is measured against the max m, "
            "sum(exp(x - m)), and must come from (m1, l1) and (m2, l2) only.",
        ),
    )
    return check_value(got_sum, expected_sum, what="your merged sum l", rtol=1e-9, hints=hints, decimals=decimals)


def _entropy_level(n_keys, scaled=True):
    from softmax_teach.models.attention import attention_entropy

    return float(np.mean(attention_entropy(ENTROPY_DIMENSIONS, n_keys=n_keys, n_queries=256, scaled=scaled, seed=0)))


def check_entropy_level(answer, n_keys=256, *, tolerance=0.1):
    """Check the level of the flat, scaled entropy curve of notebook 13 for ``n_keys`` keys.

    The level is the mean over :data:`ENTROPY_DIMENSIONS` of ``attention_entropy(...,
    n_keys=n_keys, n_queries=256, scaled=True, seed=0)``. With ``1/√d`` the scores have
    variance 1 for every ``d``, so the curve is flat, somewhat below the uniform ``log n_keys``
    (about 0.5 below for many keys).

    Parameters
    ----------
    answer : float, numpy scalar or 0-d array
        The learner's level, in nats.
    n_keys : int, optional
        At least 2.
    tolerance : float, optional
        How far from the measured level an answer may be, in nats (default 0.1). Another seed
        or number of queries moves the level by about 0.01, and the large-``n`` approximation
        ``log n_keys - 1/2`` is within 0.02 of it for 256 keys, so both pass; the levels for 4,
        32 and 256 keys are more than 1 nat apart, so no other level does.

    Returns
    -------
    Feedback
    """
    check.integer(n_keys, "n_keys", minimum=2)
    got = as_number(answer)
    if got is None:
        return Feedback(False, f"your level should be a number (nats), got {type(answer).__name__}.")
    expected = _entropy_level(n_keys)

    def near(value):
        return abs(got - value) <= tolerance + 1e-12

    if near(expected):
        approximation = np.log(n_keys) - 0.5
        return Feedback(
            True,
            f"the scaled curve stays at {expected:.3f} nats for {n_keys} keys (measured), "
            f"{np.log(n_keys) - expected:.2f} below the uniform log {n_keys} = {np.log(n_keys):.3f}; "
            f"the approximation log n - 1/2 = {approximation:.3f} for scores of variance 1 is "
            f"{abs(approximation - expected):.3f} away from it.",
        )
    if near(np.log(n_keys)):
        return Feedback(
            False,
            f"that is log {n_keys}, the entropy of uniform weights: the scaled scores still "
            "vary (variance 1), so the weights are not uniform and the curve sits below it.",
        )
    for other in (4, 32, 256):
        if other != n_keys and near(_entropy_level(other)):
            return Feedback(
                False, f"that is the level for n_keys = {other}: run the experiment with n_keys = {n_keys}."
            )
    if near(_entropy_level(n_keys, scaled=False)):
        return Feedback(
            False, "that is the mean of the unscaled curve, which falls with d: take the scaled one (scaled=True)."
        )
    if got > np.log(n_keys):
        return Feedback(
            False,
            f"no distribution over {n_keys} keys has an entropy above log {n_keys}: is this in bits, "
            "or for more keys? attention_entropy returns nats.",
        )
    return Feedback(
        False,
        f"not the level of the scaled curve for {n_keys} keys: average "
        f"attention_entropy(dimensions, n_keys={n_keys}, scaled=True) over the dimensions.",
    )
