"""Exercise checks of notebook 13: right answers pass, the usual mistakes get their own hint."""

import numpy as np
import pytest
import torch

from softmax_teach.exercises.attention import EXERCISE_KEYS, EXERCISE_QUERIES, check_causal_weights, check_merged_state
from softmax_teach.models.attention import attention_weights
from softmax_teach.numerics import softmax


def test_causal_weights_check_accepts_torch_and_names_each_mistake():
    q, k = EXERCISE_QUERIES, EXERCISE_KEYS
    reference = attention_weights(torch.from_numpy(q), torch.from_numpy(k), causal=True).numpy()
    assert check_causal_weights(reference)
    scores = q @ k.T / np.sqrt(3)
    future = ~np.tril(np.ones((4, 4), dtype=bool))
    mistakes = {
        "1/√d": softmax(np.where(future, -np.inf, q @ k.T)),
        "every query looks at every key": softmax(scores),
        "no longer sums to 1": np.tril(softmax(scores)),
        "columns sum to 1": softmax(np.where(future, -np.inf, scores), axis=0),
    }
    for hint, answer in mistakes.items():
        verdict = check_causal_weights(answer)
        assert not verdict and hint in verdict.message, (hint, verdict.message)
    assert "shape" in check_causal_weights(np.zeros((3, 3))).message
    with pytest.raises(ValueError, match="queries and keys"):
        check_causal_weights(reference, q, k[:2])


def test_merged_state_check_compares_with_logsumexp_of_both_blocks():
    from scipy.special import logsumexp

    a, b = np.array([1.0, 3.0, 2.0]), np.array([5.0, 0.0, -2.0])
    m = 5.0
    l_true = float(np.exp(logsumexp(np.concatenate([a, b])) - m))
    assert check_merged_state((m, l_true), a, b)
    unrescaled = np.exp(a - 3).sum() + np.exp(b - 5).sum()
    assert "exp(m1 - m)" in check_merged_state((m, unrescaled), a, b).message
    assert "max" in check_merged_state((3.0, l_true), a, b).message
    assert "pair" in check_merged_state(4.0, a, b).message
    with pytest.raises(ValueError, match="finite"):
        check_merged_state((m, l_true), [np.inf], b)


def test_entropy_level_check():
    import math

    from softmax_teach.exercises.attention import _entropy_level, check_entropy_level

    level = _entropy_level(256)
    assert math.log(256) - 0.6 < level < math.log(256) - 0.4  # about half a nat below uniform
    assert check_entropy_level(round(level, 1))
    assert "uniform" in check_entropy_level(math.log(256)).message
    assert "n_keys = 32" in check_entropy_level(_entropy_level(32)).message
    assert "above log 256" in check_entropy_level(7.0).message


def test_causal_weights_accept_the_stated_4_decimals_and_name_three_more_slips():
    from softmax_teach import softmax
    from softmax_teach.exercises.attention import EXERCISE_KEYS, EXERCISE_QUERIES, causal_weights, check_causal_weights

    q, k = EXERCISE_QUERIES, EXERCISE_KEYS
    right = causal_weights(q, k)
    assert check_causal_weights(np.round(right, 4))
    assert "only to 2 decimals" in check_causal_weights(np.round(right, 2)).message
    scores = q @ k.T / np.sqrt(3)
    lower = np.tril(np.ones((4, 4), dtype=bool))
    upper_masked = softmax(np.where(lower.T, scores, -np.inf), axis=-1)
    assert "masked the past" in check_causal_weights(upper_masked).message
    assert "transposed" in check_causal_weights(causal_weights(k, q)).message
    no_diagonal = softmax(np.where(np.tril(lower, -1), scores, -np.inf), axis=-1)
    assert "own position" in check_causal_weights(no_diagonal).message
    zero_filled = softmax(np.where(lower, scores, 0.0), axis=-1)  # masked_fill with 0 instead of -inf
    for answer in (zero_filled, np.round(zero_filled, 4)):
        verdict = check_causal_weights(answer)
        assert not verdict and "must be -inf" in verdict.message, verdict.message


def test_merged_state_accepts_4_decimals_and_names_the_upside_down_rescaling():
    from scipy.special import logsumexp

    from softmax_teach.exercises.attention import check_merged_state

    a, b = np.array([1.0, 3.0, 2.0]), np.array([5.0, 0.0])
    m = 5.0
    total = float(np.exp(logsumexp(np.concatenate([a, b])) - m))
    assert check_merged_state((m, round(total, 4)), a, b)
    assert "only to 3 decimals" in check_merged_state((m, round(total, 3)), a, b).message
    upside_down = np.exp(a - 3).sum() * np.exp(m - 3) + np.exp(b - 5).sum() * np.exp(m - 5)
    assert "upside down" in check_merged_state((m, upside_down), a, b).message
    assert "no shift" in check_merged_state((m, np.exp(np.concatenate([a, b])).sum()), a, b).message


def test_entropy_level_message_quotes_the_level_not_the_answer():
    from softmax_teach.exercises.attention import check_entropy_level

    verdict = check_entropy_level(5.05, n_keys=256)
    assert verdict and "stays at 5.059 nats" in verdict.message and "5.05 " not in verdict.message


def test_causal_weights_name_a_scale_by_the_number_of_keys_or_by_d_even_when_rounded():
    from softmax_teach.exercises.attention import _causal_bias

    q, k = EXERCISE_QUERIES, EXERCISE_KEYS
    for divisor, named in ((2.0, "√n_keys"), (4.0, "n_keys = 4"), (3.0, "d = 3")):
        wrong = softmax(q @ k.T / divisor + _causal_bias(4), axis=-1)
        for answer in (wrong, np.round(wrong, 4)):
            verdict = check_causal_weights(answer)
            assert not verdict and named in verdict.message and "rounded" not in verdict.message, verdict.message


def test_entropy_level_accepts_the_level_within_a_tenth_and_the_large_n_approximation():
    import math

    from softmax_teach.exercises.attention import _entropy_level, check_entropy_level

    level = _entropy_level(256)
    for answer in (level, round(level, 1), round(level, 2), math.log(256) - 0.5, 5.0):
        assert check_entropy_level(answer), answer
    for answer in (level - 0.15, level + 0.15, math.log(256)):
        assert not check_entropy_level(answer), answer


def test_a_merge_function_is_run_with_the_max_in_either_block_and_one_sided_rescaling_is_named():
    from softmax_teach.exercises.attention import MERGE_CASES

    def right(m_a, l_a, m_b, l_b):
        m = max(m_a, m_b)
        return m, l_a * np.exp(m_a - m) + l_b * np.exp(m_b - m)

    def only_a(m_a, l_a, m_b, l_b):  # passes the notebook's old single case, where block b holds the max
        m = max(m_a, m_b)
        return m, l_a * np.exp(m_a - m) + l_b

    def as_they_are(m_a, l_a, m_b, l_b):
        return max(m_a, m_b), l_a + l_b

    assert check_merged_state(right)
    assert check_merged_state(
        (5.0, right(3.0, np.exp([-2.0, 0.0, -1.0]).sum(), 5.0, 1 + np.exp(-5.0))[1]), [1.0, 3.0, 2.0], [5.0, 0.0]
    )
    assert "only l_a" in check_merged_state(only_a).message
    assert "as they are" in check_merged_state(as_they_are).message
    assert "raised ZeroDivisionError" in check_merged_state(lambda *state: 1 / 0).message
    maxima = [(max(a) > max(b), max(a) < max(b), max(a) == max(b)) for a, b in MERGE_CASES]
    assert all(any(column) for column in zip(*maxima))  # the max in the first block, in the second, in both
    with pytest.raises(ValueError, match="pair answer needs"):
        check_merged_state((5.0, 1.0))
