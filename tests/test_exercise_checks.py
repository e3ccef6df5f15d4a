"""Every check that a notebook calls rejects wrong answers, including one made for another input.

:data:`REGISTRY` names, for each check function, a right answer and at least two wrong ones.
One wrong answer of each is hard-coded for another input (its key starts with "another input"):
for a function answer, a function that returns the right result for some fixed input only; for a
value answer, the right value of a different instance of the exercise. A check that accepted
it would be passable by typing an answer instead of computing one.

Plain pytest: the checks are called directly, no kernel. Which checks the notebooks call is read
from their code (exercise cells and worked solutions), so a new check without an entry fails.
"""

from __future__ import annotations

import ast
import importlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest
import scipy.optimize
import scipy.special

from softmax_teach import numerics
from softmax_teach.exercises import (
    attention,
    bandits,
    basics,
    calculus,
    generation,
    losses,
    networks,
    quiz,
    stability,
    temperature,
)
from softmax_teach.exercises import regression as regression_checks
from softmax_teach.exercises import relatives as relatives_checks
from softmax_teach.exercises.core import Feedback

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ANOTHER_INPUT = "another input"


@dataclass(frozen=True)
class Entry:
    """How to call one check on one instance, with a right answer and named wrong ones."""

    call: Callable[[object], Feedback]
    right: object
    wrong: dict  # description -> answer


def _softmax(x, axis=-1):
    return scipy.special.softmax(np.asarray(x, dtype=float), axis=axis)


def _right_merge(m_a, l_a, m_b, l_b):
    m = max(m_a, m_b)
    return m, l_a * np.exp(m_a - m) + l_b * np.exp(m_b - m)


def _fixed(value):
    """A learner's function that returns ``value`` whatever it is given (hard-coded for one input)."""
    return lambda *args, **kwargs: np.array(value, dtype=float)


# --------------------------------------------------------------------------- instances

SPAM = np.array([1.5, -1.0])
PHOTOS = np.array([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]])
CE_LOGITS = np.array([[1.0, 3.0, -1.0, 0.5], [2.5, 0.0, 0.0, -2.0], [0.1, 0.2, 0.3, 0.4], [0.0, 800.0, 0.0, 0.0]])
CE_LABELS = np.array([1, 0, 2, 0])  # the last true class has p = e^-800, 0 in float64: the +1e-8 hack shows
X3 = np.array([0.5, -1.0, 2.0])
BATCH = np.array([[2.0, 1.0, 0.1], [0.3, 3.0, 1.0]])
BATCH_LABELS = np.array([0, 1])
TOPK_LOGITS = np.array([0.5, 3.0, -1.0, 2.0, 0.0, 1.0, -2.0, 2.5, 1.5, -0.5])
H = np.array([0.5, -0.2, 1.0])
SMALL_RNG = np.random.default_rng(0)
X_SMALL = SMALL_RNG.normal(size=(6, 3))
Y_SMALL = np.array([0, 2, 1, 2, 0, 1])
W_SMALL = SMALL_RNG.normal(size=(3, 3))
B_SMALL = np.zeros(3)


def _calibration_data():
    rng = np.random.default_rng(0)
    logits = 3 * rng.normal(size=(300, 4))
    labels = np.array([rng.choice(4, p=q) for q in _softmax(logits / 3)])
    return logits, labels


CAL_LOGITS, CAL_LABELS = _calibration_data()


def _top_k(logits, k=5):
    p = _softmax(logits)
    order = np.argsort(-p, kind="stable")[:k]
    return order, p[order]


def _weight_gradient(X, y, W, b, l2):
    P = _softmax(X @ W + b)
    return X.T @ (P - np.eye(W.shape[1])[y]) / len(y) + l2 * W


def _symbols():
    from softmax_teach import symbolic

    x = symbolic.softmax_symbols(3)
    return x, symbolic.symbolic_softmax(x)


def _digits():
    from sklearn.datasets import load_digits, load_iris

    from softmax_teach.regression import SoftmaxRegression, standardize

    digits = load_digits()
    (X,) = standardize(digits.data)
    iris = load_iris()
    (X_iris,) = standardize(iris.data)
    fit = lambda X, y, l2: SoftmaxRegression(X.shape[1], int(y.max()) + 1, l2=l2, random_state=0).fit(
        X, y, n_iterations=500
    )  # noqa: E731
    return X, digits.target, fit(X, digits.target, 0.0), fit(X, digits.target, 1e-2), fit(X_iris, iris.target, 0.0)


def _masked_mean(embedded, mask):
    weights = mask.unsqueeze(-1).to(embedded.dtype)
    return (embedded * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)


def _masked_mean_of_first_case():
    """The right answer to the first batch the check hands a learner's function (seen by a spy)."""
    seen = []

    def spy(embedded, mask):
        seen.append((embedded.clone(), mask.clone()))
        return _masked_mean(embedded, mask)

    assert networks.check_masked_mean(spy)
    return _masked_mean(*seen[0]).numpy()


def _strict_nucleus(logits, top_p):
    """The common slip: keep only the classes whose *cumulative* mass stays within top_p."""
    p = _softmax(logits)
    order = np.argsort(-p, kind="stable")
    keep = np.zeros(len(p), dtype=bool)
    keep[order[np.cumsum(p[order]) <= top_p]] = True
    if not keep.any():
        return None
    kept = np.where(keep, p, 0.0)
    return kept / kept.sum()


def _temperature_for(logits, target):
    """The T with max(softmax(logits / T)) == target, by root finding."""
    return scipy.optimize.brentq(lambda t: _softmax(np.asarray(logits) / t).max() - target, 1e-3, 1e3, xtol=1e-12)


def _entropy_level(n_keys):
    """Notebook 13's flat entropy level: the mean scaled attention entropy over the dimensions."""
    from softmax_teach.models.attention import attention_entropy

    levels = attention_entropy(attention.ENTROPY_DIMENSIONS, n_keys=n_keys, n_queries=256, scaled=True, seed=0)
    return float(np.mean(levels))


def _right_top_p(logits, top_p):
    p = _softmax(logits)
    order = np.argsort(-p)
    keep = np.zeros(len(p), dtype=bool)
    keep[order[(np.cumsum(p[order]) - p[order]) < top_p]] = True
    return np.where(keep, p, 0.0) / p[keep].sum()


def _keep_top(k):
    def nucleus(logits, top_p):
        p = _softmax(logits)
        keep = np.zeros(len(p), dtype=bool)
        keep[np.argsort(-p)[:k]] = True
        return np.where(keep, p, 0.0) / p[keep].sum()

    return nucleus


def _right_min_p(logits, temperature, min_p):
    p = _softmax(np.asarray(logits) / temperature)
    kept = np.where(p >= min_p * p.max(), p, 0.0)
    return kept / kept.sum()


def _absolute_min_p(logits, temperature, min_p):
    p = _softmax(np.asarray(logits) / temperature)
    kept = np.where(p >= min_p, p, 0.0)
    return kept / kept.sum()


def _min_p_filter_first(logits, temperature, min_p):
    survivors = _right_min_p(logits, 1.0, min_p) > 0
    return _softmax(np.where(survivors, np.asarray(logits) / temperature, -np.inf))


def _slide_temperature_softmax(x, temperature=1.0):
    exp_x = np.exp(x / temperature)
    return exp_x / exp_x.sum()


def _stable_temperature_softmax(x, temperature=1.0):
    z = np.asarray(x, dtype=float) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def _registry():
    """Built lazily: some entries train a small model or import torch and sympy."""
    x, s = _symbols()
    import sympy as sp

    digits_X, digits_y, unpenalised, penalised, iris_model = _digits()
    other_q = np.array([0.5, 1.5, 2.5, 0.0])
    right_quiz = {q.number: q.answer for q in quiz.QUESTIONS}
    shifted_quiz = {n: right_quiz[n % len(right_quiz) + 1] for n in right_quiz}  # each answer of the next question
    return {
        # ---------------------------------------------------------------- 01
        basics.check_logits_for: Entry(
            lambda a: basics.check_logits_for(a, [0.6, 0.3, 0.1]),
            np.log([0.6, 0.3, 0.1]) + 7,
            {
                "the probabilities themselves": [0.6, 0.3, 0.1],
                "log2(p)": np.log2([0.6, 0.3, 0.1]),
                "log(p) to 1 decimal": np.log([0.6, 0.3, 0.1]).round(1),
                "log(p) scaled by 2": 2 * np.log([0.6, 0.3, 0.1]),
                f"{ANOTHER_INPUT}: the logits of [0.7, 0.2, 0.1]": np.log([0.7, 0.2, 0.1]),
            },
        ),
        # ---------------------------------------------------------------- 02
        calculus.check_softmax_jacobian: Entry(
            lambda a: calculus.check_softmax_jacobian(a, X3),
            numerics.softmax_jacobian(X3),
            {
                "the diagonal only": np.diag(_softmax(X3) * (1 - _softmax(X3))),
                "the sign flipped": -numerics.softmax_jacobian(X3),
                f"{ANOTHER_INPUT}: the Jacobian at the slide's [2, 1, 0.1]": numerics.softmax_jacobian(
                    np.array([2.0, 1.0, 0.1])
                ),
            },
        ),
        calculus.check_cross_entropy_gradient: Entry(
            lambda a: calculus.check_cross_entropy_gradient(a, BATCH, BATCH_LABELS),
            (_softmax(BATCH) - np.eye(3)[BATCH_LABELS]) / 2,
            {
                "not divided by the batch size": _softmax(BATCH) - np.eye(3)[BATCH_LABELS],
                "divided by all 6 entries": (_softmax(BATCH) - np.eye(3)[BATCH_LABELS]) / 6,
                "divided by the 3 classes": (_softmax(BATCH) - np.eye(3)[BATCH_LABELS]) / 3,
                "y - p": (np.eye(3)[BATCH_LABELS] - _softmax(BATCH)) / 2,
                "a label-smoothed target (0.1), every entry within 0.05": (
                    _softmax(BATCH) - (0.9 * np.eye(3)[BATCH_LABELS] + 0.1 / 3)
                )
                / 2,
                f"{ANOTHER_INPUT}: the gradient for labels [2, 0]": (_softmax(BATCH) - np.eye(3)[[2, 0]]) / 2,
            },
        ),
        calculus.check_logsumexp_gradient: Entry(
            lambda a: calculus.check_logsumexp_gradient(a, X3),
            _softmax(X3),
            {
                "exp(x) without the division": np.exp(X3),
                "log-softmax": np.log(_softmax(X3)),
                f"{ANOTHER_INPUT}: softmax of the slide's [2, 1, 0.1]": _softmax([2.0, 1.0, 0.1]),
            },
        ),
        calculus.check_log_softmax_derivative: Entry(
            lambda a: calculus.check_log_softmax_derivative(a, x),
            sp.diff(sp.log(s[0]), x[1]),
            {
                "the derivative of s_1, not log s_1": sp.diff(s[0], x[1]),
                "the sign flipped": s[1],
                "the right entry inside a 1x1 Matrix": sp.Matrix([-s[1]]),
                f"{ANOTHER_INPUT}: d log s_1 / d x_3": sp.diff(sp.log(s[0]), x[2]),
            },
        ),
        # ---------------------------------------------------------------- 03
        basics.check_softmax: Entry(
            basics.check_softmax,
            lambda v: _softmax(v),
            {
                "the whole matrix normalised": lambda v: np.exp(v - np.max(v)) / np.exp(v - np.max(v)).sum(),
                "axis=0": lambda v: _softmax(v, axis=0),
                f"{ANOTHER_INPUT}: always softmax of the slide's scores": _fixed(_softmax(basics.SLIDE_LOGITS)),
            },
        ),
        basics.check_column_probabilities: Entry(
            basics.check_column_probabilities,
            _softmax(basics.STUDENT_SCORES, axis=0),
            {
                "rows normalised": _softmax(basics.STUDENT_SCORES, axis=-1),
                "the whole table normalised": _softmax(basics.STUDENT_SCORES, axis=None),
                f"{ANOTHER_INPUT}: the columns of the scores plus one student": _softmax(
                    np.column_stack([basics.STUDENT_SCORES[:, 1:], [0.0, 1.0, 2.0]]), axis=0
                ),
            },
        ),
        # ---------------------------------------------------------------- 04
        stability.check_overflow_threshold: Entry(
            lambda a: stability.check_overflow_threshold(a, "float16"),
            11.08,
            {
                "np.log computed in float16 (11.09375)": np.log(np.finfo(np.float16).max),
                "11.09, which float16 rounds up": 11.09,
                "log2 instead of log": math.log2(65504),
                "rounded up to 1 decimal": 11.1,
                f"{ANOTHER_INPUT}: float32's threshold": math.log(float(np.finfo(np.float32).max)),
            },
        ),
        stability.check_logsumexp: Entry(
            stability.check_logsumexp,
            lambda v: scipy.special.logsumexp(v, axis=-1),
            {
                "no max subtraction": lambda v: np.log(np.sum(np.exp(v), axis=-1)),
                "the max not added back": lambda v: np.log(np.sum(np.exp(v - v.max(axis=-1, keepdims=True)), axis=-1)),
                "shifted by the row's min": lambda v: (
                    v.min(axis=-1) + np.log(np.sum(np.exp(v - v.min(axis=-1, keepdims=True)), axis=-1))
                ),
                f"{ANOTHER_INPUT}: always the slide's logsumexp": _fixed(scipy.special.logsumexp([2.0, 1.0, 0.1])),
            },
        ),
        stability.check_log_softmax: Entry(
            stability.check_log_softmax,
            lambda v: scipy.special.log_softmax(v, axis=-1),
            {
                "log of softmax": lambda v: np.log(_softmax(v)),
                "only the max subtracted": lambda v: v - v.max(axis=-1, keepdims=True),
                "the max of the whole matrix subtracted": lambda v: (
                    (v - v.max()) - np.log(np.sum(np.exp(v - v.max()), axis=-1, keepdims=True))
                ),
                "the +1e-8 hack": lambda v: np.log(_softmax(v) + 1e-8),
                f"{ANOTHER_INPUT}: always log_softmax of the slide's scores": _fixed(
                    scipy.special.log_softmax([2.0, 1.0, 0.1])
                ),
            },
        ),
        # ---------------------------------------------------------------- 05
        networks.check_double_softmax_floor: Entry(
            lambda a: networks.check_double_softmax_floor(a, num_classes=10),
            1.461,
            {
                "the slide's wrong 1.4603": 1.4603,
                "log 10, a uniform guess": math.log(10),
                f"{ANOTHER_INPUT}: the floor for 3 classes": networks.double_softmax_floor(3),
                "the floor in bits": networks.double_softmax_floor(10) / math.log(2),
            },
        ),
        # ---------------------------------------------------------------- 06
        losses.check_two_class_probability: Entry(
            lambda a: losses.check_two_class_probability(a, SPAM),
            numerics.sigmoid(SPAM[0] - SPAM[1]),
            {
                "the first logit only": numerics.sigmoid(SPAM[0]),
                "the other class": numerics.sigmoid(SPAM[1] - SPAM[0]),
                "half the difference": numerics.sigmoid((SPAM[0] - SPAM[1]) / 2),
                f"{ANOTHER_INPUT}: the answer for [2, 0.5]": numerics.sigmoid(2.0 - 0.5),
            },
        ),
        losses.check_multilabel_probabilities: Entry(
            lambda a: losses.check_multilabel_probabilities(a, PHOTOS),
            numerics.sigmoid(PHOTOS),
            {
                "softmax over the labels": _softmax(PHOTOS),
                "the probabilities of absence": 1 - numerics.sigmoid(PHOTOS),
                "sigmoid(2x), the [x, -x] pairing": numerics.sigmoid(2 * PHOTOS),
                "thresholded 0/1 tags": (numerics.sigmoid(PHOTOS) > 0.5).astype(float),
                f"{ANOTHER_INPUT}: the photos in the other order": numerics.sigmoid(PHOTOS[::-1]),
            },
        ),
        # ---------------------------------------------------------------- 07
        losses.check_cross_entropy: Entry(
            lambda a: losses.check_cross_entropy(a, CE_LOGITS, CE_LABELS),
            float(numerics.cross_entropy(CE_LOGITS, CE_LABELS)),
            {
                "the sum": float(numerics.cross_entropy(CE_LOGITS, CE_LABELS)) * 4,
                "in bits": float(numerics.cross_entropy(CE_LOGITS, CE_LABELS)) / math.log(2),
                "the +1e-8 hack": float(-np.log(_softmax(CE_LOGITS)[np.arange(4), CE_LABELS] + 1e-8).mean()),
                "the underflowing sample left out": float(numerics.cross_entropy(CE_LOGITS[:3], CE_LABELS[:3])),
                f"{ANOTHER_INPUT}: the loss for labels [0, 1, 3, 1]": float(
                    numerics.cross_entropy(CE_LOGITS, np.array([0, 1, 3, 1]))
                ),
            },
        ),
        losses.check_smoothed_target: Entry(
            lambda a: losses.check_smoothed_target(a, label=2, n_classes=4, label_smoothing=0.1),
            0.9 * np.eye(4)[2] + 0.1 / 4,
            {
                "eps over the other classes only": np.where(np.eye(4)[2] > 0, 0.9, 0.1 / 3),
                "the plain one-hot": np.eye(4)[2],
                "eps / n forgotten on the true class (sums to 0.975)": np.where(np.eye(4)[2] > 0, 0.9, 0.025),
                f"{ANOTHER_INPUT}: the target for class 0": 0.9 * np.eye(4)[0] + 0.1 / 4,
            },
        ),
        # ---------------------------------------------------------------- 08
        networks.check_top_k: Entry(
            lambda a: networks.check_top_k(a[0], a[1], TOPK_LOGITS, k=5, temperature=2.0),
            _top_k(TOPK_LOGITS / 2),
            {
                "the right classes, least probable first": (
                    _top_k(TOPK_LOGITS / 2)[0][::-1],
                    _top_k(TOPK_LOGITS / 2)[1][::-1],
                ),
                "softmax over the top-5 logits only": (
                    _top_k(TOPK_LOGITS / 2)[0],
                    _softmax(TOPK_LOGITS[_top_k(TOPK_LOGITS / 2)[0]] / 2),
                ),
                "the temperature forgotten (T = 1)": _top_k(TOPK_LOGITS),
                "the right classes counted from 1": (_top_k(TOPK_LOGITS / 2)[0] + 1, _top_k(TOPK_LOGITS / 2)[1]),
                f"{ANOTHER_INPUT}: the top-5 of the logits in reverse": _top_k(TOPK_LOGITS[::-1] / 2),
            },
        ),
        networks.check_fitted_temperature: Entry(
            lambda a: networks.check_fitted_temperature(a, CAL_LOGITS, CAL_LABELS),
            round(
                float(__import__("softmax_teach.calibration", fromlist=["x"]).fit_temperature(CAL_LOGITS, CAL_LABELS)),
                2,
            ),
            {
                "1/T": 1
                / __import__("softmax_teach.calibration", fromlist=["x"]).fit_temperature(CAL_LOGITS, CAL_LABELS),
                "T = 1": 1.0,
                f"{ANOTHER_INPUT}: the temperature of logits 3 times hotter": __import__(
                    "softmax_teach.calibration", fromlist=["x"]
                ).fit_temperature(3 * CAL_LOGITS, CAL_LABELS),
            },
        ),
        # ---------------------------------------------------------------- 09
        networks.check_masked_mean: Entry(
            networks.check_masked_mean,
            _masked_mean,
            {
                "the plain mean, padding included": lambda e, m: e.mean(dim=1),
                "divided by the padded length": lambda e, m: (e * m.unsqueeze(-1)).sum(1) / e.shape[1],
                "summed over the padding too, divided by the real count": lambda e, m: (
                    e.sum(1) / m.sum(1, keepdim=True).clamp(min=1)
                ),
                "no clamp: nan for a row of padding only": lambda e, m: (
                    (e * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True)
                ),
                "the mask without its trailing axis in the product": lambda e, m: (
                    (e * m).sum(1) / m.sum(1, keepdim=True).clamp(min=1)
                ),
                "the inverted mask: the mean of the padding": lambda e, m: _masked_mean(e, ~m),
                "max pooling over the real tokens": lambda e, m: (
                    e.masked_fill(~m.unsqueeze(-1), float("-inf")).max(1).values
                ),
                f"{ANOTHER_INPUT}: always the masked mean of the first batch": _fixed(_masked_mean_of_first_case()),
            },
        ),
        # ---------------------------------------------------------------- 10
        temperature.check_temperature_softmax: Entry(
            temperature.check_temperature_softmax,
            _stable_temperature_softmax,
            {
                "the slide's function (overflows)": _slide_temperature_softmax,
                "multiplied by T": lambda v, t: _stable_temperature_softmax(v * t * t, t),
                f"{ANOTHER_INPUT}: always softmax of the slide's scores at T = 1": _fixed(_softmax([2.0, 1.0, 0.1])),
            },
        ),
        temperature.check_top_p: Entry(
            temperature.check_top_p,
            _right_top_p,
            {
                "keep the top 3": _keep_top(3),
                "drop the class that crosses top_p": lambda v, top_p: _strict_nucleus(v, top_p),
                "in sorted order, not the tokens' order": lambda v, top_p: np.sort(_right_top_p(v, top_p))[::-1],
                "sorted ascending, np.argsort(p)": lambda v, top_p: temperature._nucleus_in_order(
                    _softmax(v), top_p, np.argsort(_softmax(v))
                ),
                "the cumsum in the tokens' order, not sorted": lambda v, top_p: temperature._nucleus_in_order(
                    _softmax(v), top_p, np.arange(len(v))
                ),
                f"{ANOTHER_INPUT}: always the nucleus of the notebook's logits at 0.75": _fixed(
                    _right_top_p(np.array([3.2, 2.9, 2.1, 1.8, 1.0, 0.6, -0.5, -2.0]), 0.75)
                ),
            },
        ),
        temperature.check_min_p: Entry(
            temperature.check_min_p,
            _right_min_p,
            {
                "an absolute threshold p >= min_p": _absolute_min_p,
                "cut at T = 1, the temperature applied after": _min_p_filter_first,
                "not renormalised": lambda v, t, m: np.where(
                    _softmax(np.asarray(v) / t) >= m * _softmax(np.asarray(v) / t).max(),
                    _softmax(np.asarray(v) / t),
                    0.0,
                ),
                f"{ANOTHER_INPUT}: always the min-p distribution of the notebook's logits at T = 1": _fixed(
                    _right_min_p(np.array([3.2, 2.9, 2.1, 1.8, 1.0, 0.6, -0.5, -2.0]), 1.0, 0.2)
                ),
            },
        ),
        temperature.check_temperature_for_max_probability: Entry(
            lambda a: temperature.check_temperature_for_max_probability(
                a, np.array([2.0, 1.0, 0.1]), 0.9, tolerance=0.001, decimals=3
            ),
            0.432,
            {
                "T = 1": 1.0,
                "1/T": 1 / 0.432,
                "rounded to 2 decimals": 0.43,
                f"{ANOTHER_INPUT}: the temperature for 0.7": _temperature_for(basics.SLIDE_LOGITS, 0.7),
            },
        ),
        # ---------------------------------------------------------------- 11
        bandits.check_boltzmann_probabilities: Entry(
            bandits.check_boltzmann_probabilities,
            _stable_temperature_softmax,
            {
                "the slide's function (overflows)": _slide_temperature_softmax,
                "the greedy guess [0, 1, 0, 0]": _fixed([0.0, 1.0, 0.0, 0.0]),
                f"{ANOTHER_INPUT}: always the policy of other Q-values": _fixed(_softmax(other_q / 0.5)),
            },
        ),
        bandits.check_policy_gradient: Entry(
            lambda a: bandits.check_policy_gradient(a, H, action=0, temperature=0.5),
            (np.eye(3)[0] - _softmax(H / 0.5)) / 0.5,
            {
                "the sign flipped": (_softmax(H / 0.5) - np.eye(3)[0]) / 0.5,
                "1/T forgotten": np.eye(3)[0] - _softmax(H / 0.5),
                "the gradient of pi(a), not of log pi(a)": _softmax(H / 0.5)[0]
                * (np.eye(3)[0] - _softmax(H / 0.5))
                / 0.5,
                f"{ANOTHER_INPUT}: the gradient for action 2": (np.eye(3)[2] - _softmax(H / 0.5)) / 0.5,
            },
        ),
        bandits.check_reward_scaling: Entry(
            lambda a: bandits.check_reward_scaling(*a),
            (2.0, 0.1),
            {
                "T unchanged": (0.2, 0.1),
                "T divided, ε changed": (0.02, 1.0),
                f"{ANOTHER_INPUT}: the answer for rewards 100 times larger": (20.0, 0.1),
            },
        ),
        # ---------------------------------------------------------------- 12
        regression_checks.check_l2_for_C: Entry(
            lambda a: regression_checks.check_l2_for_C(a, C=10.0, n_samples=105),
            0.00095,
            {
                "1/C": 0.1,
                "off by a factor 2": 1 / (2 * 1050),
                f"{ANOTHER_INPUT}: the l2 for C = 1": 1 / 105,
            },
        ),
        regression_checks.check_weight_gradient: Entry(
            lambda a: regression_checks.check_weight_gradient(a, X_SMALL, Y_SMALL, W_SMALL, B_SMALL, l2=0.5),
            _weight_gradient(X_SMALL, Y_SMALL, W_SMALL, B_SMALL, 0.5),
            {
                "no /n and no penalty": X_SMALL.T @ (_softmax(X_SMALL @ W_SMALL) - np.eye(3)[Y_SMALL]),
                "no penalty": _weight_gradient(X_SMALL, Y_SMALL, W_SMALL, B_SMALL, 0.0),
                "half the penalty's gradient": _weight_gradient(X_SMALL, Y_SMALL, W_SMALL, B_SMALL, 0.0)
                + 0.25 * W_SMALL,
                f"{ANOTHER_INPUT}: the gradient for l2 = 0.1": _weight_gradient(
                    X_SMALL, Y_SMALL, W_SMALL, B_SMALL, 0.1
                ),
            },
        ),
        regression_checks.check_unpenalised_fit: Entry(
            lambda a: regression_checks.check_unpenalised_fit(a, digits_X, digits_y),
            unpenalised,
            {
                "a model with a penalty": penalised,
                "not a model": unpenalised.weights,
                f"{ANOTHER_INPUT}: a model fitted on iris": iris_model,
            },
        ),
        # ---------------------------------------------------------------- 13
        attention.check_causal_weights: Entry(
            attention.check_causal_weights,
            attention.causal_weights(attention.EXERCISE_QUERIES, attention.EXERCISE_KEYS),
            {
                "no mask": _softmax(attention.EXERCISE_QUERIES @ attention.EXERCISE_KEYS.T / np.sqrt(3)),
                "no 1/√d": attention.causal_weights(attention.EXERCISE_QUERIES, attention.EXERCISE_KEYS, scale=False),
                "scaled by √n_keys = 2 instead of √d": _softmax(
                    attention.EXERCISE_QUERIES @ attention.EXERCISE_KEYS.T / 2 + attention._causal_bias(4)
                ),
                f"{ANOTHER_INPUT}: queries and keys swapped": attention.causal_weights(
                    attention.EXERCISE_KEYS, attention.EXERCISE_QUERIES
                ),
            },
        ),
        attention.check_merged_state: Entry(
            attention.check_merged_state,
            _right_merge,
            {
                "the sums added as they are": lambda m_a, l_a, m_b, l_b: (max(m_a, m_b), l_a + l_b),
                "only l_a rescaled (right when block b holds the max)": lambda m_a, l_a, m_b, l_b: (
                    max(m_a, m_b),
                    l_a * np.exp(m_a - max(m_a, m_b)) + l_b,
                ),
                f"{ANOTHER_INPUT}: always the state of blocks [1, 3, 2] and [5, 0]": _fixed(
                    (5.0, float(np.exp(scipy.special.logsumexp([1.0, 3.0, 2.0, 5.0, 0.0]) - 5.0)))
                ),
            },
        ),
        attention.check_entropy_level: Entry(
            lambda a: attention.check_entropy_level(a, n_keys=256),
            5.1,
            {
                "log n_keys": math.log(256),
                "in bits": _entropy_level(256) / math.log(2),
                f"{ANOTHER_INPUT}: the level for 32 keys": _entropy_level(32),
            },
        ),
        # ---------------------------------------------------------------- 14
        generation.check_perplexity: Entry(
            generation.check_perplexity,
            2.416,
            {
                "the mean loss without exp": float(-np.log(generation.EXERCISE_PROBABILITIES).mean()),
                "1 / mean(p)": float(1 / generation.EXERCISE_PROBABILITIES.mean()),
                f"{ANOTHER_INPUT}: the perplexity of the first four probabilities": float(
                    np.exp(-np.log(generation.EXERCISE_PROBABILITIES[:4]).mean())
                ),
            },
        ),
        generation.check_filtered_distribution: Entry(
            generation.check_filtered_distribution,
            numerics.sampling_probabilities(generation.EXERCISE_LOGITS, temperature=0.5, top_k=3),
            {
                "not renormalised": np.where(
                    numerics.sampling_probabilities(generation.EXERCISE_LOGITS, temperature=0.5, top_k=3) > 0,
                    _softmax(generation.EXERCISE_LOGITS / 0.5),
                    0.0,
                ),
                "T = 1": numerics.sampling_probabilities(generation.EXERCISE_LOGITS, top_k=3),
                "rounded to 2 decimals": np.round(
                    numerics.sampling_probabilities(generation.EXERCISE_LOGITS, temperature=0.5, top_k=3), 2
                ),
                f"{ANOTHER_INPUT}: top-k 2": numerics.sampling_probabilities(
                    generation.EXERCISE_LOGITS, temperature=0.5, top_k=2
                ),
            },
        ),
        generation.check_char_lm_parameters: Entry(
            lambda a: generation.check_char_lm_parameters(a, hidden_dim=256, vocab_size=32),
            generation.char_lm_parameter_count(32, 256),
            {
                "a GRU with one gate": generation.char_lm_parameter_count(32, 256, gates=1),
                "no biases": generation.char_lm_parameter_count(32, 256, biases=False),
                "only the GRU's recurrent weights": 3 * 256 * 256,
                f"{ANOTHER_INPUT}: the count for hidden_dim = 32": generation.char_lm_parameter_count(32, 32),
            },
        ),
        # ---------------------------------------------------------------- 15
        quiz.check_quiz: Entry(
            quiz.check_quiz,
            right_quiz,
            {
                "all b": {n: "b" for n in right_quiz},
                "one wrong (question 5: probabilities)": {**right_quiz, 5: "a"},
                f"{ANOTHER_INPUT}: each answer of the next question": shifted_quiz,
            },
        ),
        relatives_checks.check_sparsemax: Entry(
            relatives_checks.check_sparsemax,
            __import__("softmax_teach.relatives", fromlist=["x"]).sparsemax,
            {
                "softmax": _softmax,
                "a threshold from every score": lambda z: np.maximum(z - (z.sum() - 1) / len(z), 0),
                f"{ANOTHER_INPUT}: always sparsemax([1.0, 0.8, 0.1])": _fixed([0.6, 0.4, 0.0]),
            },
        ),
    }


@pytest.fixture(scope="module")
def registry():
    return _registry()


# --------------------------------------------------------------------------- which checks notebooks call


def _notebook_code(path):
    """The code of every code cell and of every worked solution's ```python blocks."""
    notebook = nbformat.read(path, as_version=4)
    sources = [c.source for c in notebook.cells if c.cell_type == "code"]
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            sources += re.findall(r"```python\n(.*?)```", cell.source, re.S)
    return sources


def checks_called_by_notebooks():
    """``{check function: [notebook names]}`` for every ``check_…`` a notebook imports from exercises and calls."""
    called = {}
    for path in NOTEBOOKS:
        imported, calls = {}, set()
        for source in _notebook_code(path):
            cleaned = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(cleaned)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("softmax_teach.exercises"):
                    for alias in node.names:
                        imported[alias.asname or alias.name] = (node.module, alias.name)
                elif (
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("check_")
                ):
                    calls.add(node.func.id)
        for name in sorted(calls):
            assert name in imported, f"{path.name} calls {name} without importing it from softmax_teach.exercises"
            module, attribute = imported[name]
            function = getattr(importlib.import_module(module), attribute)
            called.setdefault(function, []).append(path.stem)
    return called


def test_every_check_a_notebook_calls_is_in_the_registry(registry):
    called = checks_called_by_notebooks()
    assert len(called) >= 20, f"only {len(called)} checks found in the notebooks: is the parsing broken?"
    missing = [
        f"{f.__module__}.{f.__name__} (called in {', '.join(names)})"
        for f, names in called.items()
        if f not in registry
    ]
    assert not missing, "checks called by notebooks but missing from REGISTRY:\n  " + "\n  ".join(missing)


def _ids(items):
    return [f"{f.__module__.rsplit('.', 1)[-1]}.{f.__name__}" for f in items]


# The functions are the keys; building the entries is deferred to the fixture.
_CHECKS = [
    basics.check_logits_for,
    calculus.check_softmax_jacobian,
    calculus.check_cross_entropy_gradient,
    calculus.check_logsumexp_gradient,
    calculus.check_log_softmax_derivative,
    basics.check_softmax,
    basics.check_column_probabilities,
    stability.check_overflow_threshold,
    stability.check_logsumexp,
    stability.check_log_softmax,
    networks.check_double_softmax_floor,
    losses.check_two_class_probability,
    losses.check_multilabel_probabilities,
    losses.check_cross_entropy,
    losses.check_smoothed_target,
    networks.check_top_k,
    networks.check_fitted_temperature,
    networks.check_masked_mean,
    temperature.check_temperature_softmax,
    temperature.check_top_p,
    temperature.check_min_p,
    temperature.check_temperature_for_max_probability,
    bandits.check_boltzmann_probabilities,
    bandits.check_policy_gradient,
    bandits.check_reward_scaling,
    regression_checks.check_l2_for_C,
    regression_checks.check_weight_gradient,
    regression_checks.check_unpenalised_fit,
    attention.check_causal_weights,
    attention.check_merged_state,
    attention.check_entropy_level,
    generation.check_perplexity,
    generation.check_filtered_distribution,
    generation.check_char_lm_parameters,
    quiz.check_quiz,
    relatives_checks.check_sparsemax,
]


def test_the_parametrised_list_matches_the_registry(registry):
    assert set(_CHECKS) == set(registry)


@pytest.mark.parametrize("check", _CHECKS, ids=_ids(_CHECKS))
def test_the_registry_names_two_wrong_answers_one_for_another_input(check, registry):
    entry = registry[check]
    assert len(entry.wrong) >= 2
    assert any(name.startswith(ANOTHER_INPUT) for name in entry.wrong), "no wrong answer hard-coded for another input"


@pytest.mark.parametrize("check", _CHECKS, ids=_ids(_CHECKS))
def test_the_check_accepts_the_right_answer(check, registry):
    feedback = registry[check].call(registry[check].right)
    assert isinstance(feedback, Feedback)
    assert feedback.passed, feedback.message


@pytest.mark.parametrize("check", _CHECKS, ids=_ids(_CHECKS))
def test_the_check_rejects_every_named_wrong_answer_with_a_message(check, registry):
    accepted = []
    for name, answer in registry[check].wrong.items():
        feedback = registry[check].call(answer)
        assert isinstance(feedback, Feedback), name
        if feedback.passed:
            accepted.append(f"{name}: {feedback.message}")
        else:
            assert len(feedback.message) > 20, f"{name}: a message that says nothing: {feedback.message!r}"
    assert not accepted, f"{check.__name__} accepts wrong answers:\n  " + "\n  ".join(accepted)


def test_a_number_may_be_a_numpy_scalar_or_a_0d_array(registry):
    numeric = {
        check: entry
        for check, entry in registry.items()
        if isinstance(entry.right, (int, float)) and not isinstance(entry.right, bool)
    }
    assert len(numeric) >= 8, "the checks that take a single number were not found"
    refused = []
    for check, entry in numeric.items():
        for variant in (np.float64(entry.right), np.float32(entry.right), np.asarray(entry.right)):
            feedback = entry.call(variant)
            if not feedback.passed:
                refused.append(f"{check.__name__} refuses a {type(variant).__name__}: {feedback.message}")
    assert not refused, "\n".join(refused)


def _is_rounding_of(answer, right):
    """True when ``answer`` equals ``right`` rounded (or cut off) to some number of decimals."""
    try:
        got, want = np.asarray(answer, dtype=float), np.asarray(right, dtype=float)
    except (TypeError, ValueError):
        return False
    if got.shape != want.shape:
        return False
    return any(
        np.allclose(got, np.round(want, k), rtol=0, atol=1e-9) or np.allclose(got, np.trunc(want * 10**k) / 10**k)
        for k in range(1, 8)
    )


@pytest.mark.parametrize("check", _CHECKS, ids=_ids(_CHECKS))
def test_no_wrong_answer_is_called_rounded_unless_it_is_the_right_one_rounded(check, registry):
    """Issue 19: a wrong method whose answer lands within 0.05 was told "right only to 1 decimal"."""
    entry = registry[check]
    misnamed = []
    for name, answer in entry.wrong.items():
        message = entry.call(answer).message
        if ("right only to" in message or "cut off after" in message) and not _is_rounding_of(answer, entry.right):
            misnamed.append(f"{name}: {message}")
    assert not misnamed, "wrong methods diagnosed as rounding:\n  " + "\n  ".join(misnamed)
