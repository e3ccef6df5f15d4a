"""Exercise checks of notebooks 05, 08 and 09: right answers pass, usual mistakes are named."""

import math

import numpy as np
import pytest
import torch
from scipy.special import softmax as scipy_softmax

from softmax_teach.exercises.networks import (
    check_double_softmax_floor,
    check_fitted_temperature,
    check_masked_mean,
    check_top_k,
    double_softmax_floor,
)


@pytest.mark.parametrize("n", [2, 3, 10])
def test_double_softmax_floor_equals_torch_cross_entropy_of_a_one_hot_probability(n):
    one_hot = torch.zeros(1, n, dtype=torch.float64)
    one_hot[0, 0] = 1.0
    loss = torch.nn.functional.cross_entropy(one_hot, torch.tensor([0])).item()
    assert double_softmax_floor(n) == pytest.approx(loss, rel=1e-12)


def test_double_softmax_floor_check_names_mistakes():
    assert check_double_softmax_floor(math.log1p(9 / math.e), 10)
    assert "uniform" in check_double_softmax_floor(math.log(10), 10).message
    assert "e + 9" in check_double_softmax_floor(math.log1p(10 / math.e), 10).message
    assert "minus its logarithm" in check_double_softmax_floor(math.e / (math.e + 9), 10).message
    assert (
        "one-hot" in check_double_softmax_floor(0.0, 10).message
        or "softmax([1" in check_double_softmax_floor(0.0, 10).message
    )
    with pytest.raises(ValueError, match="num_classes"):
        double_softmax_floor(1)


LOGITS = np.array([0.5, 3.0, -1.0, 2.0, 0.0, 1.0, -2.0, 2.5])


def test_top_k_right_answer_passes_and_usual_mistakes_are_named():
    p = scipy_softmax(LOGITS)
    order = np.argsort(-p)[:5]
    assert check_top_k(order, p[order], LOGITS)
    assert "wrong order" in check_top_k(order[::-1], p[order][::-1], LOGITS).message
    assert "logits" in check_top_k(order, LOGITS[order], LOGITS).message
    assert "only" in check_top_k(order, scipy_softmax(LOGITS[order]), LOGITS).message
    assert not check_top_k(order[:3], p[order][:3], LOGITS)
    assert not check_top_k([0, 1, 2, 3, 4], p[:5], LOGITS)


def test_top_k_accepts_the_stated_precision_and_no_less():
    p = scipy_softmax(LOGITS)
    order = np.argsort(-p)[:5]
    assert check_top_k(order, np.round(p[order], 3), LOGITS)
    assert check_top_k(order, np.round(p[order], 2), LOGITS, decimals=2)
    assert not check_top_k(order, np.round(p[order], 2), LOGITS)  # 3 decimals asked, 2 given


def test_fitted_temperature_check():
    from softmax_teach.calibration import fit_temperature, temperature_nll

    rng = np.random.default_rng(0)
    logits = 3 * rng.normal(size=(300, 4))
    labels = np.array([rng.choice(4, p=q) for q in scipy_softmax(logits / 3, axis=1)])
    t = fit_temperature(logits, labels)
    assert check_fitted_temperature(t, logits, labels)
    assert "1/T" in check_fitted_temperature(1 / t, logits, labels).message
    assert not check_fitted_temperature(t * 1.2, logits, labels)
    # 2 decimals: a grid with steps of 0.0025 passes, T rounded to 1 decimal is told it is rounded.
    grid = np.linspace(0.5, 10, 3801)
    best = grid[np.argmin([temperature_nll(logits, labels, g) for g in grid])]
    assert check_fitted_temperature(best, logits, labels)
    assert check_fitted_temperature(round(t, 2), logits, labels)
    coarse = round(t, 1)
    if abs(coarse - t) > 0.005:
        assert "right only to 1 decimal" in check_fitted_temperature(coarse, logits, labels).message


def test_masked_mean_check_accepts_a_right_function_and_names_the_plain_mean():

    def right(embedded, mask):
        m = mask.unsqueeze(-1).to(embedded.dtype)
        return (embedded * m).sum(1) / m.sum(1).clamp(min=1)

    def without_clamp(embedded, mask):  # nan for a row that is all padding
        m = mask.unsqueeze(-1).to(embedded.dtype)
        return (embedded * m).sum(1) / m.sum(1)

    assert check_masked_mean(right)
    verdict = check_masked_mean(without_clamp)
    assert not verdict and "all padding" in verdict.message and "clamp(min=1)" in verdict.message
    # The count without keepdim cannot broadcast: a hint, not only torch's RuntimeError.
    verdict = check_masked_mean(lambda e, m: (e * m.unsqueeze(-1)).sum(1) / m.sum(1))
    assert not verdict and "RuntimeError" in verdict.message and "keepdim=True" in verdict.message
    verdict = check_masked_mean(
        lambda e, m: (e * m.unsqueeze(-1)).sum(1, keepdim=True) / m.sum(1).clamp(min=1)[:, None, None]
    )
    assert not verdict and "kept its axis" in verdict.message
    assert "plain mean" in check_masked_mean(lambda e, m: e.mean(dim=1)).message
    assert "sum of the real tokens" in check_masked_mean(lambda e, m: (e * m.unsqueeze(-1)).sum(1)).message
    assert "padded length" in check_masked_mean(lambda e, m: (e * m.unsqueeze(-1)).sum(1) / e.shape[1]).message
    assert "shape" in check_masked_mean(lambda e, m: e.mean(dim=2)).message
    assert "raised" in check_masked_mean(lambda e, m: 1 / 0).message
    assert not check_masked_mean(torch.zeros(3))


def test_masked_mean_check_names_the_mask_left_without_its_trailing_axis_an_inverted_mask_and_max_pooling():
    """Review of NB09: these slips were told about the count, or that 0 "has the wrong sign"."""
    pytest.importorskip("torch")
    product = check_masked_mean(lambda e, m: (e * m).sum(1) / m.sum(1, keepdim=True).clamp(min=1))
    assert not product and "mask.unsqueeze(-1)" in product.message and "keepdim" not in product.message
    inverted = check_masked_mean(lambda e, m: (e * (~m).unsqueeze(-1)).sum(1) / (~m).sum(1, keepdim=True).clamp(min=1))
    assert not inverted and "padding positions" in inverted.message and "sign" not in inverted.message
    largest = check_masked_mean(lambda e, m: e.masked_fill(~m.unsqueeze(-1), float("-inf")).max(1).values)
    assert not largest and "max pooling" in largest.message


def test_double_softmax_floor_check_names_the_three_class_floor_and_bits():
    three_class = check_double_softmax_floor(0.5514, 10)
    assert not three_class and "3 classes" in three_class.message and "e + 9" in three_class.message
    in_bits = check_double_softmax_floor(round(math.log2(1 + 9 / math.e), 3), 10)
    assert not in_bits and "bits" in in_bits.message and "nats" in in_bits.message
    # a wrong value is reported as the learner's, never as the floor itself
    assert "your floor is 2.9223" in check_double_softmax_floor(2.9223, 10).message
    assert "the floor for" not in check_double_softmax_floor(0.1, 10).message


IMAGE_LOGITS = np.array([-2.2, -11.5, 0.3, 6.9, -8.1, -1.4, -15.8, 6.6, 5.2, 2.9])  # notebook 08, exercise 1


@pytest.mark.parametrize(
    "slip, expected_words",
    [
        (lambda z, o, t: (o, scipy_softmax(z)[o]), "forgot the temperature"),
        (lambda z, o, t: (o, scipy_softmax(z * t)[o]), "multiplied the logits by T"),
        (lambda z, o, t: (o, 100 * scipy_softmax(z / t)[o]), "percentages"),
        (lambda z, o, t: (o, np.round(100 * scipy_softmax(z / t)[o], 1)), "percentages"),
        (lambda z, o, t: (o + 1, scipy_softmax(z / t)[o]), "counted from 1"),
        (lambda z, o, t: (o, np.round(scipy_softmax(z / t)[o], 2)), "right only to 2 decimals"),
        (lambda z, o, t: (o, np.floor(1000 * scipy_softmax(z / t)[o]) / 1000), "cut off after 3 decimals"),
        (lambda z, o, t: (o, scipy_softmax(z[o] / t)), "top-5 logits only"),
        (lambda z, o, t: (o, z[o] / t), "scaled logits"),
    ],
)
def test_top_k_with_a_temperature_names_each_slip(slip, expected_words):
    """Findings 08 #4, #7: a fixed logit vector, T = 2; each usual slip gets its own sentence."""
    t = 2.0
    order = np.argsort(-scipy_softmax(IMAGE_LOGITS / t))[:5]
    assert check_top_k(order, scipy_softmax(IMAGE_LOGITS / t)[order], IMAGE_LOGITS, temperature=t)
    assert check_top_k(order, np.round(scipy_softmax(IMAGE_LOGITS / t)[order], 3), IMAGE_LOGITS, temperature=t)
    classes, probabilities = slip(IMAGE_LOGITS, order, t)
    verdict = check_top_k(classes, probabilities, IMAGE_LOGITS, temperature=t)
    assert not verdict and expected_words in verdict.message


def test_the_exercise_logits_tell_the_top_5_only_softmax_apart_at_3_decimals():
    p = scipy_softmax(IMAGE_LOGITS / 2)
    order = np.argsort(-p)[:5]
    assert np.abs(np.round(scipy_softmax(IMAGE_LOGITS[order] / 2), 3) - np.round(p[order], 3)).max() >= 0.002


def test_fitted_temperature_names_the_forgotten_factor_a_grid_edge_and_the_test_split():
    """Findings 08 #8."""
    from softmax_teach.calibration import fit_temperature

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(300, 4))
    labels = np.array([rng.choice(4, p=q) for q in scipy_softmax(logits / 2, axis=1)])
    test_logits = rng.normal(size=(200, 4))
    test_labels = np.array([rng.choice(4, p=q) for q in scipy_softmax(test_logits / 1.5, axis=1)])
    t1, hot = fit_temperature(logits, labels), 3 * logits
    t3 = fit_temperature(hot, labels)
    kwargs = {"reference_temperature": t1, "other_splits": {"test": (3 * test_logits, test_labels)}}
    assert check_fitted_temperature(t3, hot, labels, **kwargs)
    assert check_fitted_temperature(3 * t1, hot, labels, **kwargs)
    assert "fitted earlier" in check_fitted_temperature(round(t1, 2), hot, labels, **kwargs).message
    assert (
        "test split"
        in check_fitted_temperature(fit_temperature(3 * test_logits, test_labels), hot, labels, **kwargs).message
    )
    low_edge = np.floor(t3) - 1.0
    assert "still falling" in check_fitted_temperature(low_edge, hot, labels, **kwargs).message
    assert "still rising" in check_fitted_temperature(np.ceil(t3) + 1.0, hot, labels, **kwargs).message
