"""The checks of notebooks 01 and 03 accept right answers and name the usual mistakes."""

import math

import numpy as np
import pytest
import scipy.special
import torch

from softmax_teach.exercises.basics import (
    SLIDE_LOGITS,
    STUDENT_SCORES,
    check_column_probabilities,
    check_logits_for,
    check_softmax,
)
from softmax_teach.exercises.core import call_learner_function
from softmax_teach.exercises.temperature import check_temperature_for_max_probability

TARGET = np.array([0.6, 0.3, 0.1])  # notebook 01: all different, so a scale is never a coincidence


# --------------------------------------------------------------------------- check_logits_for


@pytest.mark.parametrize("shift", [0.0, 7.0, -3.5])
def test_any_shift_of_log_p_is_accepted(shift):
    feedback = check_logits_for(np.log(TARGET) + shift, TARGET)
    assert feedback.passed, feedback.message
    assert "shift" in feedback.message


@pytest.mark.parametrize(
    ("answer", "expected_phrase"),
    [
        (TARGET, "probabilities themselves"),
        (2 * np.log(TARGET), "scaled by 2"),
        (np.log2(TARGET), "log2(p)"),
        (np.log2(TARGET).round(2), "log2(p)"),
        (np.log10(TARGET), "log10(p)"),
        (-np.log(TARGET), "sign is flipped"),
        (np.log(TARGET).round(1), "typed too coarsely"),
        (np.log(TARGET).round(2) + 3, "typed too coarsely"),
        ([1.0, 2.0], "shape (2,)"),
        ([0.0, -np.inf, 0.0], "finite score"),
        ([3.0, 0.0, 1.0], "not [0.6"),
        ("abc", "should be numbers"),
    ],
)
def test_wrong_logits_get_a_specific_message(answer, expected_phrase):
    feedback = check_logits_for(answer, TARGET)
    assert not feedback.passed
    assert expected_phrase in feedback.message


@pytest.mark.parametrize("answer", [[1.0, 0.0, 0.0], [2.0, 1.0, 0.0], [0.69, 0.0, 0.0], np.log([0.5, 0.25, 0.25])])
def test_a_guess_is_not_called_scaled_unless_it_is(answer):
    """Issue 19: with the old target [0.5, 0.25, 0.25] every [a, b, b] was "log(p) scaled by k"."""
    feedback = check_logits_for(answer, TARGET)
    assert not feedback.passed
    assert "scaled" not in feedback.message and "log2" not in feedback.message, feedback.message
    assert "softmax of your logits is" in feedback.message.lower()


def test_a_tied_target_names_only_a_recognised_scale():
    tied = np.array([0.5, 0.25, 0.25])
    assert "scaled" not in check_logits_for([2.0, 0.0, 0.0], tied).message  # any [a, b, b] is a multiple here
    assert "too coarsely" in check_logits_for([0.69, 0.0, 0.0], tied).message  # ln 2 to 2 decimals
    assert check_logits_for(np.log(tied) - 1, tied)


def test_the_shift_is_printed_with_its_sign():
    assert "log(p) - 1.5" in check_logits_for(np.log(TARGET) - 1.5, TARGET).message


def test_check_logits_for_rejects_a_target_that_is_not_a_distribution():
    with pytest.raises(ValueError, match="target_probabilities"):
        check_logits_for([0.0, 0.0], [0.7, 0.7])


# --------------------------------------------------------------------------- temperature


def _top_probability_torch(temperature):
    return float(torch.softmax(torch.tensor(SLIDE_LOGITS) / temperature, dim=-1).max())


def _solve_temperature_with_bisection(target=0.9):
    low, high = 0.01, 10.0  # the top probability falls as the temperature rises
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if _top_probability_torch(middle) > target else (low, middle)
    return (low + high) / 2


def check_temperature_for_top_probability(answer, target=0.9):
    """Notebook 01's call: the slide's scores, top probability within 0.001 of the target, T to 3 decimals."""
    return check_temperature_for_max_probability(answer, SLIDE_LOGITS, target, tolerance=0.001, decimals=3)


def test_the_temperature_found_by_bisection_on_torch_is_accepted():
    temperature = _solve_temperature_with_bisection()
    assert abs(_top_probability_torch(temperature) - 0.9) < 1e-9
    assert check_temperature_for_top_probability(temperature).passed


@pytest.mark.parametrize(
    ("answer", "expected_phrase"),
    [
        (2.0, "too flat"),
        (1.0, "too flat"),
        (0.1, "too sharp"),
        (0.0, "positive"),
        (-1.0, "positive"),
        (float("nan"), "positive and finite"),
        ("0.4", "should be a number"),
        (True, "should be a number"),
    ],
)
def test_wrong_temperatures_say_which_way_to_go(answer, expected_phrase):
    feedback = check_temperature_for_top_probability(answer)
    assert not feedback.passed
    assert expected_phrase in feedback.message


@pytest.mark.parametrize(("answer", "neighbour"), [(0.43, "T=0.44"), (0.44, "T=0.43"), (0.4, "T=0.5"), (0.5, "T=0.4")])
def test_a_temperature_with_too_few_decimals_is_told_it_needs_more(answer, neighbour):
    """A review: 0.43 (the right 0.43204 to 2 decimals) was told "raise T", then 0.44 "lower T"."""
    feedback = check_temperature_for_top_probability(answer)
    assert not feedback.passed and neighbour in feedback.message and "lies between the two" in feedback.message
    assert "give T to 3 decimals" in feedback.message, feedback.message


def test_a_temperature_whose_neighbour_is_on_the_same_side_only_gets_a_direction():
    feedback = check_temperature_for_top_probability(0.42)  # 0.43 is still too sharp
    assert "raise T" in feedback.message and "decimals" not in feedback.message, feedback.message


def test_an_inverted_temperature_is_named():
    feedback = check_temperature_for_top_probability(2.315)  # 1 / 0.43204: the logits multiplied by T
    assert not feedback.passed and "you inverted T" in feedback.message, feedback.message


def test_temperature_check_rejects_an_impossible_target():
    with pytest.raises(ValueError, match="target"):
        check_temperature_for_top_probability(1.0, target=0.2)


# --------------------------------------------------------------------------- check_softmax


def scipy_softmax(x):
    return scipy.special.softmax(x, axis=-1)


def torch_softmax(x):
    return torch.softmax(torch.from_numpy(np.asarray(x)), dim=-1).numpy()


def list_returning_softmax(x):
    return scipy.special.softmax(x, axis=-1).tolist()


@pytest.mark.parametrize("function", [scipy_softmax, torch_softmax, list_returning_softmax])
def test_right_softmax_implementations_pass(function):
    feedback = check_softmax(function)
    assert feedback.passed, feedback.message


def exp_without_division(x):
    return np.exp(x - np.max(x, axis=-1, keepdims=True))


def raw_exp(x):
    return np.exp(x)


def no_max_subtraction(x):
    exponentials = np.exp(x)
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def slide_3_softmax(x):  # the deck's function: right for one vector, whole matrix for a batch
    exp_x = np.exp(x - np.max(x))
    return exp_x / exp_x.sum()


def columns_instead_of_rows(x):
    return scipy.special.softmax(x, axis=0)


def max_without_keepdims(x):
    exponentials = np.exp(x - np.max(x, axis=-1))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def sum_without_keepdims(x):
    exponentials = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1)


def global_max_row_sums(x):
    exponentials = np.exp(x - np.max(x))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def changes_its_input(x):
    x -= np.max(x, axis=-1, keepdims=True)
    exponentials = np.exp(x)
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def raises_type_error(x):
    raise TypeError("unsupported operand")


def returns_text(x):
    return "probabilities"


@pytest.mark.parametrize(
    ("function", "expected_phrases"),
    [
        (exp_without_division, ["exp(x - max) without dividing"]),
        (raw_exp, ["exp(x) without dividing"]),
        (no_max_subtraction, ["[1000, 2000, 3000]", "overflow encountered in exp", "subtract each row's max"]),
        (slide_3_softmax, ["normalised the whole matrix"]),
        (columns_instead_of_rows, ["axis=0"]),
        (max_without_keepdims, ["x.max(axis=-1) without keepdims=True"]),
        (sum_without_keepdims, [".sum(axis=-1) without keepdims=True"]),
        (global_max_row_sums, ["max of the whole matrix"]),
        (changes_its_input, ["changed its input"]),
        (raises_type_error, ["raised TypeError", "unsupported operand"]),
        (returns_text, ["array of numbers", "str"]),
    ],
)
def test_typical_softmax_mistakes_are_named(function, expected_phrases):
    feedback = check_softmax(function)
    assert not feedback.passed
    for phrase in expected_phrases:
        assert phrase in feedback.message, feedback.message


def test_check_softmax_asks_for_the_function_not_its_result():
    feedback = check_softmax(scipy_softmax(SLIDE_LOGITS))
    assert not feedback.passed and "no parentheses" in feedback.message


def test_learner_warnings_are_recorded_not_shown(recwarn):
    call = call_learner_function(lambda x: np.exp(x), np.array([1000.0]))
    assert call.warning_messages == ("overflow encountered in exp",)
    assert call.error is None and math.isinf(call.result[0])
    assert len(recwarn) == 0


# --------------------------------------------------------------------------- column probabilities


def test_column_probabilities_from_scipy_and_torch_pass():
    assert check_column_probabilities(scipy.special.softmax(STUDENT_SCORES, axis=0)).passed
    from_torch = torch.softmax(torch.from_numpy(STUDENT_SCORES), dim=0).numpy()
    assert check_column_probabilities(from_torch).passed


@pytest.mark.parametrize(
    ("answer", "expected_phrase"),
    [
        (scipy.special.softmax(STUDENT_SCORES, axis=1), "each student is a column"),
        (scipy.special.softmax(STUDENT_SCORES, axis=None), "whole table"),
        # A review: the axis slip typed from the 4-decimal printout got only "differs at index (0, 0)".
        (scipy.special.softmax(STUDENT_SCORES, axis=1).round(4), "each student is a column"),
        (scipy.special.softmax(STUDENT_SCORES, axis=None).round(4), "whole table"),
        (np.exp(STUDENT_SCORES), "exponentials"),
        (np.exp(STUDENT_SCORES - STUDENT_SCORES.max(axis=0)), "exponentials"),
        (np.zeros(3), "shape (3,)"),
        (np.full((3, 4), 0.25), "differs at index"),
    ],
)
def test_column_mistakes_are_named(answer, expected_phrase):
    feedback = check_column_probabilities(answer)
    assert not feedback.passed
    assert expected_phrase in feedback.message


def test_column_probabilities_needs_a_matrix():
    with pytest.raises(ValueError, match="scores"):
        check_column_probabilities(np.zeros(3), scores=np.zeros(3))


# --------------------------------------------------------------------------- two slips, named (issue 10)


def keepdims_in_neither(x):  # the most common mistake: keepdims left out of the max and the sum
    exponentials = np.exp(x - np.max(x, axis=-1))
    return exponentials / exponentials.sum(axis=-1)


def no_max_and_sum_without_keepdims(x):
    exponentials = np.exp(x)
    return exponentials / exponentials.sum(axis=-1)


def row_max_whole_sum(x):
    exponentials = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return exponentials / exponentials.sum()


def reduces_axis_1(x):
    exponentials = np.exp(x - np.max(x, axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("function", "expected_phrases"),
    [
        (keepdims_in_neither, ["keepdims=True in both the max and the sum"]),
        (
            no_max_and_sum_without_keepdims,
            ["two mistakes at once", ".sum(axis=-1) without keepdims=True", "did not subtract the max"],
        ),
        (row_max_whole_sum, ["divided by the sum of the whole matrix"]),
        (reduces_axis_1, ["AxisError", "axis=-1 works for one vector and for a batch"]),
    ],
)
def test_check_softmax_names_the_slips_it_sees(function, expected_phrases):
    feedback = check_softmax(function)
    assert not feedback.passed
    assert "differs at index" not in feedback.message
    for phrase in expected_phrases:
        assert phrase in feedback.message, feedback.message
