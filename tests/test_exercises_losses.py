"""The notebook-06/07 checks accept answers computed by torch and name each usual mistake."""

import numpy as np
import pytest
import torch

from softmax_teach.exercises.losses import (
    check_cross_entropy,
    check_multilabel_probabilities,
    check_smoothed_target,
    check_two_class_probability,
)

LOGITS = np.array([[2.0, 1.0, 0.1], [0.3, 3.0, 1.0]])
LABELS = np.array([0, 1])


def test_two_class_probability():
    a, b = 1.5, -0.5
    right = torch.softmax(torch.tensor([a, b], dtype=torch.float64), dim=0)[0].item()
    assert check_two_class_probability(right, [a, b])
    cases = [
        (torch.sigmoid(torch.tensor(b - a)).item(), "probability of the second class"),
        (torch.sigmoid(torch.tensor(a)).item(), "you used only the first logit"),
        (torch.sigmoid(torch.tensor(2 * a)).item(), "only holds when b = -a"),
        (a - b, "between 0 and 1"),
    ]
    for answer, phrase in cases:
        verdict = check_two_class_probability(answer, [a, b])
        assert not verdict and phrase in verdict.message, (phrase, verdict.message)
    with pytest.raises(ValueError, match="logits must hold exactly two finite numbers"):
        check_two_class_probability(0.5, [1.0, 2.0, 3.0])


def test_multilabel_probabilities():
    logits = np.array([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]])
    right = torch.sigmoid(torch.tensor(logits)).numpy()
    assert check_multilabel_probabilities(right, logits)
    cases = [
        (torch.softmax(torch.tensor(logits), dim=-1).numpy(), "makes the labels compete"),
        (torch.softmax(torch.tensor(logits).flatten(), dim=0).reshape(2, 3).numpy(), "over the whole array"),
        (1 - right, "absent"),
    ]
    for answer, phrase in cases:
        verdict = check_multilabel_probabilities(answer, logits)
        assert not verdict and phrase in verdict.message, (phrase, verdict.message)
    with pytest.raises(ValueError, match="logits must be a finite array"):
        check_multilabel_probabilities(0.5, [1.0, np.nan])


@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_cross_entropy_from_torch_passes(eps):
    right = torch.nn.functional.cross_entropy(torch.tensor(LOGITS), torch.tensor(LABELS), label_smoothing=eps).item()
    assert check_cross_entropy(right, LOGITS, LABELS, label_smoothing=eps)


def test_cross_entropy_mistakes_are_named():
    loss = torch.nn.functional.cross_entropy(torch.tensor(LOGITS), torch.tensor(LABELS)).item()
    cases = [
        (-loss, "the minus sign"),
        (loss / np.log(2), "in bits"),
        (2 * loss, "divide by the batch size 2"),
        (-np.mean(LOGITS[[0, 1], LABELS]), "apply log_softmax"),
    ]
    for answer, phrase in cases:
        verdict = check_cross_entropy(answer, LOGITS, LABELS)
        assert not verdict and phrase in verdict.message, (phrase, verdict.message)
    verdict = check_cross_entropy(loss, LOGITS, LABELS, label_smoothing=0.1)
    assert not verdict and "without label smoothing" in verdict.message


def test_the_epsilon_hack_value_is_accepted_for_ordinary_predictions():
    # The +1e-8 hack changes these losses by about 1e-8: within tolerance, so not a "mistake" here.
    p = torch.softmax(torch.tensor(LOGITS), dim=-1).numpy()
    hacked = -np.mean(np.log(p[[0, 1], LABELS] + 1e-8))
    assert check_cross_entropy(hacked, LOGITS, LABELS)


def test_smoothed_target():
    eps, n = 0.1, 4
    # torch's convention, recovered from its loss: the smoothed target's loss equals the soft-target loss.
    expected = (1 - eps) * np.eye(n)[2] + eps / n
    logits = torch.tensor([[0.2, -1.0, 1.5, 0.3]], dtype=torch.float64)
    torch_smoothed = torch.nn.functional.cross_entropy(logits, torch.tensor([2]), label_smoothing=eps)
    torch_soft = torch.nn.functional.cross_entropy(logits, torch.tensor(expected[None]))
    assert torch.isclose(torch_smoothed, torch_soft)
    assert check_smoothed_target(expected, 2, n, eps)
    cases = [
        ((1 - eps) * np.eye(n)[2] + eps / (n - 1) * (1 - np.eye(n)[2]), "other 3 classes only"),
        ((1 - eps) * np.eye(n)[2], "sums to 0.9"),
        (np.eye(n)[2], "plain one-hot"),
    ]
    for answer, phrase in cases:
        verdict = check_smoothed_target(answer, 2, n, eps)
        assert not verdict and phrase in verdict.message, (phrase, verdict.message)
    for kwargs, message in [
        (dict(label=0, n_classes=1, label_smoothing=0.1), "n_classes must be an integer >= 2"),
        (dict(label=4, n_classes=4, label_smoothing=0.1), "label must be an integer from 0 to 3, got 4"),
        (dict(label=0, n_classes=4, label_smoothing=1.5), r"label_smoothing must be a number in \[0, 1\], got 1.5"),
    ]:
        with pytest.raises(ValueError, match=message):
            check_smoothed_target(expected, **kwargs)


# --------------------------------------------------------------------------- precision and slips (issue 10)


@pytest.mark.parametrize("answer", [0.8808, np.float64(0.8808), np.array(0.8808), np.float32(0.8808)])
def test_sigmoid_of_2_to_the_stated_4_decimals_passes(answer):
    assert check_two_class_probability(answer, [1.5, -0.5])


def test_two_class_probability_asks_for_one_number_not_both():
    both = torch.softmax(torch.tensor([1.5, -0.5], dtype=torch.float64), dim=0).numpy()
    verdict = check_two_class_probability(both, [1.5, -0.5])
    assert not verdict and "both probabilities" in verdict.message


def test_multilabel_softmax_over_axis_0_is_named():
    logits = np.array([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]])
    verdict = check_multilabel_probabilities(torch.softmax(torch.tensor(logits), dim=0).numpy(), logits)
    assert not verdict and "axis 0" in verdict.message


UNDERFLOWING = np.array([[1.0, 3.0, -1.0, 0.5], [2.5, 0.0, 0.0, -2.0], [0.0, 800.0, 0.0, 0.0]])
UNDERFLOWING_LABELS = np.array([1, 0, 0])  # the last true class has p = e^-800: 0 in float64


def test_the_1e8_hack_and_log_of_softmax_fail_where_a_probability_underflows():
    rows = np.arange(3)
    right = torch.nn.functional.cross_entropy(torch.tensor(UNDERFLOWING), torch.tensor(UNDERFLOWING_LABELS)).item()
    assert check_cross_entropy(right, UNDERFLOWING, UNDERFLOWING_LABELS)
    assert check_cross_entropy(round(right, 4), UNDERFLOWING, UNDERFLOWING_LABELS)
    with np.errstate(all="ignore"):
        p = torch.softmax(torch.tensor(UNDERFLOWING), dim=-1).numpy()[rows, UNDERFLOWING_LABELS]
        hacked = -np.log(p + 1e-8).mean()
        naive = -np.log(p).mean()
    verdict = check_cross_entropy(hacked, UNDERFLOWING, UNDERFLOWING_LABELS)
    assert not verdict and "1e-8" in verdict.message and "18.42" in verdict.message
    verdict = check_cross_entropy(naive, UNDERFLOWING, UNDERFLOWING_LABELS)
    assert not verdict and "inf" in verdict.message and "underflowed" in verdict.message
    verdict = check_cross_entropy(-np.log(p + 1e-8).sum(), UNDERFLOWING, UNDERFLOWING_LABELS)
    assert not verdict and "two mistakes at once" in verdict.message and "1e-8" in verdict.message
    assert "sum over the 3 samples" in verdict.message


def test_a_wrong_loss_gets_a_direction_not_the_value():
    right = torch.nn.functional.cross_entropy(torch.tensor(LOGITS), torch.tensor(LABELS)).item()
    verdict = check_cross_entropy(right + 1.0, LOGITS, LABELS)
    assert not verdict and "too high" in verdict.message and f"{right:.4g}" not in verdict.message


def test_a_smoothed_target_without_eps_over_n_on_the_true_class_is_named_not_called_rounded():
    """Issue 19, NB07 exercise 2: [0.025, 0.025, 0.9, 0.025] was told it was right only to 1 decimal."""
    from softmax_teach.exercises.losses import check_smoothed_target

    message = check_smoothed_target([0.025, 0.025, 0.9, 0.025], label=2, n_classes=4, label_smoothing=0.1).message
    assert "sums to 0.975" in message and "rounded" not in message
    message = check_smoothed_target([0.1, 0.1, 0.9, 0.1], label=2, n_classes=4, label_smoothing=0.1).message
    assert "does not sum to 1" in message
    # The right row rounded to 2 decimals sums to 1.02: that is rounding, and it is named as such.
    message = check_smoothed_target([0.03, 0.03, 0.93, 0.03], label=2, n_classes=4, label_smoothing=0.1).message
    assert "right only to 2 decimals" in message


def test_a_mean_that_leaves_out_the_underflowing_sample_is_named():
    from softmax_teach.exercises.losses import check_cross_entropy
    from softmax_teach.numerics import cross_entropy

    logits = np.array([[1.0, 3.0, -1.0, 0.5], [2.5, 0.0, 0.0, -2.0], [0.1, 0.2, 0.3, 0.4], [0.0, 800.0, 0.0, 0.0]])
    labels = np.array([1, 0, 2, 0])
    first_three = cross_entropy(logits[:3], labels[:3])
    message = check_cross_entropy(first_three, logits, labels).message
    assert "sample 3 counts too" in message


EXERCISE_LOGITS = np.array([[1.0, 3.0, -1.0, 0.5], [2.5, 0.0, 0.0, -2.0], [0.1, 0.2, 0.3, 0.4], [0.0, 800.0, 0.0, 0.0]])
EXERCISE_LABELS = np.array([1, 0, 2, 0])


def test_the_loss_check_holds_its_stated_4_decimals_and_shows_the_number_given():
    """Findings 07 #9: rtol=1e-6 of a loss of 200.43 let 3 decimals pass, and 6 digits hid the difference."""
    right = torch.nn.functional.cross_entropy(torch.tensor(EXERCISE_LOGITS), torch.tensor(EXERCISE_LABELS)).item()
    assert check_cross_entropy(right, EXERCISE_LOGITS, EXERCISE_LABELS)
    assert check_cross_entropy(round(right, 4), EXERCISE_LOGITS, EXERCISE_LABELS)
    assert "right only to 3 decimals" in check_cross_entropy(round(right, 3), EXERCISE_LOGITS, EXERCISE_LABELS).message
    for wrong in (round(right, 4) - 0.0002, round(right, 4) + 0.0002):  # wrong in the 4th decimal
        verdict = check_cross_entropy(wrong, EXERCISE_LOGITS, EXERCISE_LABELS)
        assert not verdict and f"your loss is {wrong:.4f}" in verdict.message
        assert f"{round(right, 3)}," not in verdict.message


def test_the_clamped_log_is_named_at_fewer_decimals_and_np_clip_by_name():
    """Findings 07 #9, #10: the +1e-8 value typed to 3 decimals, and np.clip, which gives the same value."""
    rows = np.arange(4)
    p = torch.softmax(torch.tensor(EXERCISE_LOGITS), dim=-1).numpy()[rows, EXERCISE_LABELS]
    for answer in (-np.log(p + 1e-8).mean(), round(-np.log(p + 1e-8).mean(), 3), -np.log(np.clip(p, 1e-8, 1)).mean()):
        verdict = check_cross_entropy(answer, EXERCISE_LOGITS, EXERCISE_LABELS)
        assert not verdict and "np.clip(p, 1e-8, 1)" in verdict.message and "p + 1e-8" in verdict.message


@pytest.mark.parametrize("peak", [0, 1, 3])
def test_a_smoothed_target_with_its_peak_on_another_class_is_named(peak):
    """Findings 07 #11: the right values with 1 - eps + eps/n on the wrong class (1-based, or a typo)."""
    row = 0.9 * np.eye(4)[peak] + 0.1 / 4
    verdict = check_smoothed_target(row, label=2, n_classes=4, label_smoothing=0.1)
    assert not verdict and f"sits on class {peak}, and the true class is 2" in verdict.message


def test_two_class_probability_names_half_the_difference_and_the_second_logit():
    from softmax_teach.numerics import sigmoid

    a, b = 1.5, -1.0  # notebook 06's logits: a + b, (a - b)/2 and the other slips give distinct values
    assert "left out the 2" in check_two_class_probability(round(float(sigmoid((a - b) / 2)), 4), [a, b]).message
    assert "not a sum" in check_two_class_probability(sigmoid(a + b), [a, b]).message
    assert "second logit" in check_two_class_probability(sigmoid(b), [a, b]).message


def test_multilabel_names_doubled_halved_and_thresholded_logits():
    from softmax_teach.numerics import sigmoid

    logits = np.array([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]])
    assert "sigmoid(2x)" in check_multilabel_probabilities(sigmoid(2 * logits), logits).message
    assert "x / 2" in check_multilabel_probabilities(sigmoid(logits / 2), logits).message
    assert "0/1 decisions" in check_multilabel_probabilities(sigmoid(logits) > 0.5, logits).message
