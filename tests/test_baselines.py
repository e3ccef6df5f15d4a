"""The bag-of-words baseline against scikit-learn, and the error bars against simulation."""

import math

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from softmax_teach.baselines import BagOfWords, binomial_standard_error, paired_difference
from softmax_teach.data.sentiment import load_sentiment_split, tokenize


def test_binomial_standard_error_matches_a_simulation():
    rng = np.random.default_rng(0)
    accuracies = rng.binomial(117, 0.85, size=200_000) / 117
    assert binomial_standard_error(0.85, 117) == pytest.approx(accuracies.std(), rel=0.01)
    assert binomial_standard_error(1.0, 10) == 0.0
    with pytest.raises(ValueError, match="n must"):
        binomial_standard_error(0.5, 0)
    with pytest.raises(ValueError, match="accuracy"):
        binomial_standard_error(1.5, 10)


def test_paired_difference_matches_a_simulation_and_is_tighter_than_unpaired():
    rng = np.random.default_rng(1)
    shared = rng.random((20_000, 117)) < 0.8  # both right on most examples, as two similar models are
    a = shared | (rng.random(shared.shape) < 0.3)
    b = shared | (rng.random(shared.shape) < 0.2)
    differences = a.mean(axis=1) - b.mean(axis=1)
    errors = [paired_difference(a[i], b[i])[1] for i in range(200)]
    assert np.mean(errors) == pytest.approx(differences.std(), rel=0.05)
    unpaired = math.hypot(binomial_standard_error(a.mean(), 117), binomial_standard_error(b.mean(), 117))
    assert np.mean(errors) < unpaired
    with pytest.raises(ValueError, match="same length"):
        paired_difference([1, 0], [1])
    with pytest.raises(ValueError, match="0/1"):
        paired_difference([0.5, 1], [1, 1])


def test_bag_of_words_is_scikit_learns_count_vectorizer_and_logistic_regression_with_the_best_validation_c():
    split = load_sentiment_split()
    words = split.vocabulary.itos[2:]
    baseline = BagOfWords(vocabulary=words).fit(
        split.train_texts, split.train_labels, split.validation_texts, split.validation_labels
    )
    vectorizer = CountVectorizer(analyzer=lambda text: tokenize(text), vocabulary=words, binary=True)
    X_train, X_val = vectorizer.fit_transform(split.train_texts), vectorizer.transform(split.validation_texts)
    losses = {}
    for C in baseline.validation_loss:
        model = LogisticRegression(C=C, max_iter=5000).fit(X_train, split.train_labels)
        losses[C] = log_loss(split.validation_labels, model.predict_proba(X_val))
        assert baseline.validation_loss[C] == pytest.approx(losses[C], rel=1e-9)
    assert baseline.C == min(losses, key=losses.get)
    reference = LogisticRegression(C=baseline.C, max_iter=5000).fit(X_train, split.train_labels)
    X_test = vectorizer.transform(split.test_texts)
    np.testing.assert_allclose(baseline.predict_proba(split.test_texts), reference.predict_proba(X_test), rtol=1e-9)
    assert baseline.score(split.test_texts, split.test_labels) == reference.score(X_test, split.test_labels)
    assert baseline.score(split.test_texts, split.test_labels) > 0.75
    names, weights = baseline.word_weights()
    assert list(names) == words and weights.shape == (len(words),)
    assert weights[list(names).index("great")] > 0 > weights[list(names).index("awful")]
    with pytest.raises(ValueError, match="Cs"):
        BagOfWords().fit(["good"], [1], ["bad"], [0], Cs=())
