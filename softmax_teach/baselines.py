"""Honest baselines for the small classifiers of the course.

* :func:`paired_difference` compares two classifiers on the same test examples (the error bars
  themselves live in :mod:`softmax_teach.statistics`, which this module re-exports);
* :class:`BagOfWords` is notebook 09's baseline: word presence features (scikit-learn's
  ``CountVectorizer`` with this package's tokenizer) and multinomial logistic regression, with the
  penalty ``C`` chosen on a validation part by its log-loss.

Tested in ``tests/test_baselines.py`` against scikit-learn and a binomial simulation.
"""

from __future__ import annotations

import numpy as np

from softmax_teach import _validation, statistics
from softmax_teach.statistics import binomial_standard_error

__all__ = ["binomial_standard_error", "paired_difference", "BagOfWords"]

#: The penalties :meth:`BagOfWords.fit` tries by default (scikit-learn's ``C``, log-spaced).
DEFAULT_CS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def paired_difference(correct_a, correct_b):
    """Accuracy of A minus accuracy of B on the same examples, and the standard error of that difference.

    ``correct_a`` and ``correct_b`` say, per example, whether each model got it right. Pairing
    uses the fact that both models saw the same examples: only the examples where they disagree
    carry information, so the error bar of the difference is smaller than the two separate
    error bars combined.

    Returns
    -------
    (difference, standard_error) : (float, float)
        The mean of ``a - b`` per example and its standard error, ``std(a - b, ddof=1) / sqrt(n)``.

    Examples
    --------
    >>> difference, error = paired_difference([1, 1, 1, 0], [1, 0, 1, 0])
    >>> difference, round(error, 4)
    (0.25, 0.25)
    """
    a = np.asarray(correct_a, dtype=float)
    b = np.asarray(correct_b, dtype=float)
    if not (np.isin(a, (0, 1)).all() and np.isin(b, (0, 1)).all()):
        raise ValueError("correct_a and correct_b must hold 0/1 (or booleans): was each example right?")
    return statistics.paired_difference(a, b)


class BagOfWords:
    """Logistic regression on which words a sentence contains (word order ignored).

    Parameters
    ----------
    vocabulary : sequence of str, optional
        The words used as features (e.g. ``split.vocabulary.itos[2:]``, the same words the
        embedding model knows); by default every word of the training sentences.
    binary : bool
        Presence (1/0) instead of counts.

    Attributes (after :meth:`fit`)
    ------------------------------
    C : float
        The chosen penalty (largest validation log-likelihood).
    validation_loss : dict
        ``{C: validation log-loss}`` for every penalty tried.
    model : sklearn.linear_model.LogisticRegression
        Refitted on the training part with the chosen ``C``.
    """

    def __init__(self, *, vocabulary=None, binary=True):
        self.vocabulary = None if vocabulary is None else list(vocabulary)
        self.binary = binary

    def _vectorizer(self):
        from sklearn.feature_extraction.text import CountVectorizer

        from softmax_teach.data.sentiment import tokenize

        return CountVectorizer(
            tokenizer=tokenize, lowercase=False, token_pattern=None, vocabulary=self.vocabulary, binary=self.binary
        )

    def fit(self, train_texts, train_labels, validation_texts, validation_labels, *, Cs=DEFAULT_CS):
        """Fit one model per ``C`` on the training part, keep the best on the validation part."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import log_loss

        if not Cs or any(not (_validation.is_real(C) and C > 0) for C in Cs):
            raise ValueError(f"Cs must be positive numbers, got {Cs!r}")
        self.vectorizer = self._vectorizer()
        features = self.vectorizer.fit_transform(train_texts)
        validation = self.vectorizer.transform(validation_texts)
        models, self.validation_loss = {}, {}
        for C in Cs:
            models[C] = LogisticRegression(C=C, max_iter=5000).fit(features, train_labels)
            probabilities = models[C].predict_proba(validation)
            self.validation_loss[C] = log_loss(validation_labels, probabilities, labels=models[C].classes_)
        self.C = min(Cs, key=lambda C: (self.validation_loss[C], C))
        self.model = models[self.C]
        return self

    def predict_proba(self, texts):
        """Class probabilities (softmax of the linear scores; for two classes, the sigmoid)."""
        return self.model.predict_proba(self.vectorizer.transform(texts))

    def predict(self, texts):
        return self.model.predict(self.vectorizer.transform(texts))

    def score(self, texts, labels):
        """Accuracy on ``texts``."""
        return float(np.mean(self.predict(texts) == np.asarray(labels)))

    def word_weights(self):
        """``(words, weights)``: each feature word and how much it pushes towards the last class."""
        return np.array(self.vectorizer.get_feature_names_out()), self.model.coef_[-1].copy()
