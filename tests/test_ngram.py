"""Witten–Bell n-gram baselines: exact on a hand-worked example, normalised, and the unigram as in language.py."""

import math

import numpy as np
import pytest

from softmax_teach.data.text import load_text_split
from softmax_teach.models.language import unigram_log_probabilities
from softmax_teach.ngram import NGramModel

TRAIN = [0, 1, 0, 1, 0, 1, 2]


def test_a_bigram_matches_the_witten_bell_formula_worked_by_hand():
    # Unigram, add-one: counts (3, 3, 1) + 1 over 10 = (0.4, 0.4, 0.2).
    # After a 0: N = 3 followers, all 1s, so T = 1 distinct: P(c | 0) = (N(0, c) + 1 * P(c)) / (3 + 1).
    model = NGramModel(2, 3, TRAIN)
    np.testing.assert_allclose(model.probabilities([]), [0.4, 0.4, 0.2], rtol=1e-15)
    np.testing.assert_allclose(model.probabilities([0]), [0.1, 0.85, 0.05], rtol=1e-15)
    # After a 1: followers {0: 2, 2: 1}, N = 3, T = 2: (N + 2 P) / 5.
    np.testing.assert_allclose(model.probabilities([1]), [(2 + 0.8) / 5, 0.8 / 5, (1 + 0.4) / 5], rtol=1e-15)
    # After a 2 (never followed by anything): back to the unigram.
    np.testing.assert_allclose(model.probabilities([2]), [0.4, 0.4, 0.2], rtol=1e-15)


def test_only_the_last_order_minus_one_characters_count():
    model = NGramModel(2, 3, TRAIN)
    np.testing.assert_array_equal(model.probabilities([2, 2, 0]), model.probabilities([0]))


def test_the_unigram_is_the_add_one_baseline_of_language_py():
    split = load_text_split()
    model = NGramModel(1, len(split.vocabulary), split.train_ids)
    np.testing.assert_allclose(
        np.log(model.probabilities([3, 4])),
        unigram_log_probabilities(split.train_ids, len(split.vocabulary)),
        rtol=1e-12,
    )


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_every_distribution_is_positive_and_sums_to_one(order):
    split = load_text_split()
    model = NGramModel(order, len(split.vocabulary), split.train_ids)
    for end in range(1, 200, 7):
        p = model.probabilities(split.validation_ids[:end])
        assert (p > 0).all() and math.isclose(p.sum(), 1.0, rel_tol=1e-12)


def test_mean_nll_scores_every_character_after_the_first():
    model = NGramModel(2, 3, TRAIN)
    ids = np.array([0, 1, 2, 0])
    expected = -np.mean([math.log(model.probabilities(ids[:t])[ids[t]]) for t in (1, 2, 3)])
    assert model.mean_nll(ids) == pytest.approx(expected, rel=1e-15)


def test_longer_contexts_help_on_the_shipped_corpus_up_to_a_point():
    split = load_text_split()
    nll = [NGramModel(n, len(split.vocabulary), split.train_ids).mean_nll(split.validation_ids) for n in (1, 2, 3)]
    assert nll[0] > nll[1] > nll[2]


@pytest.mark.parametrize(
    "arguments, match",
    [
        ((0, 3, TRAIN), "order"),
        ((2, True, TRAIN), "vocab_size"),
        ((2, 3, []), "train_ids"),
        ((2, 3, [0, 3]), "train_ids"),
        ((2, 3, [[0, 1]]), "train_ids"),
        ((2.0, 3, TRAIN), "order"),
    ],
)
def test_bad_arguments_are_named(arguments, match):
    with pytest.raises(ValueError, match=match):
        NGramModel(*arguments)


def test_bad_context_and_ids_are_named():
    model = NGramModel(2, 3, TRAIN)
    with pytest.raises(ValueError, match="context"):
        model.probabilities([5])
    with pytest.raises(ValueError, match="at least 2"):
        model.mean_nll([1])
