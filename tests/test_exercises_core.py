"""The shared comparisons behind every exercise check (softmax_teach.exercises.core).

The point of these tests (issue 19): a check says "rounded" only when the answer *is* the right
one rounded, never because a wrong method happens to land within 0.05.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

from softmax_teach.exercises.core import check_array, check_value

RIGHT = np.array([0.65900114, 0.24243297, 0.09856589])  # softmax of the slide's [2, 1, 0.1]
SOFTMAX_BATCH = scipy.special.softmax(np.array([[2.0, 1.0, 0.1], [0.3, 3.0, 1.0]]), axis=-1)
ONE_HOT = np.eye(3)[[0, 1]]


@pytest.mark.parametrize("places", [1, 2, 3])
def test_an_array_rounded_to_fewer_decimals_is_called_rounded(places):
    verdict = check_array(RIGHT.round(places), RIGHT, decimals=4)
    assert not verdict
    assert f"right only to {places} decimal" in verdict.message and "rounded" in verdict.message, verdict.message


def test_an_array_rounded_to_the_stated_decimals_passes():
    assert check_array(RIGHT.round(4), RIGHT, decimals=4)
    assert check_array(np.float32(RIGHT.round(4)), RIGHT, decimals=4)


def test_a_rounded_array_stored_as_float32_is_still_called_rounded():
    verdict = check_array(np.float32(RIGHT.round(2)), RIGHT, decimals=4)
    assert not verdict and "right only to 2 decimals" in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, expected",
    [
        # NB07 exercise 2: forgot the +eps/C on the true class; 0.9 is within 0.05 of 0.925
        ([0.025, 0.025, 0.9, 0.025], [0.025, 0.025, 0.925, 0.025]),
        # a method that is off by 0.01 everywhere: close, but not a rounding
        (RIGHT + 0.01, RIGHT),
        # NB02 exercise 2 with a smoothed target: every entry within 0.05, none of them rounded
        ((SOFTMAX_BATCH - (0.9 * ONE_HOT + 0.1 / 3)) / 2, (SOFTMAX_BATCH - ONE_HOT) / 2),
    ],
)
def test_an_answer_that_is_merely_close_is_never_called_rounded(answer, expected):
    verdict = check_array(answer, expected, decimals=4)
    assert not verdict
    assert "rounded" not in verdict.message and "right only to" not in verdict.message, verdict.message
    assert "differs" in verdict.message


def test_a_number_rounded_is_called_rounded_and_a_close_one_is_not():
    right = 1.46115
    assert check_value(1.461, right, decimals=3)
    rounded = check_value(1.46, right, decimals=3)
    assert not rounded and "right only to 2 decimals" in rounded.message, rounded.message
    close = check_value(1.455, right, decimals=3)  # within 0.05 and a 3-decimal number, but not a rounding
    assert not close and "rounded" not in close.message and "a little too low" in close.message, close.message
    computed = check_value(1.4603, right, decimals=3)  # the slide's value: off by 0.0008
    assert not computed and "rounded" not in computed.message, computed.message


def test_digits_cut_off_instead_of_rounded_are_named():
    truncated = np.trunc(RIGHT * 1000) / 1000  # 0.659, 0.242, 0.098: 0.0985 would round to 0.099
    verdict = check_array(truncated, RIGHT, decimals=4)
    assert not verdict and "cut off after 3 decimals" in verdict.message, verdict.message
    value = check_value(0.6589, 0.65899, decimals=4)
    assert not value and "cut off after 4 decimals" in value.message, value.message
    negative = check_value(-0.658, -0.65899, decimals=4)
    assert not negative and "cut off after 3 decimals" in negative.message, negative.message


def test_a_wrong_answer_below_the_right_one_is_not_called_cut_off():
    verdict = check_value(0.64, 0.65899, decimals=4)  # more than one unit of the last place below
    assert not verdict and "cut off" not in verdict.message and "rounded" not in verdict.message, verdict.message
    above = check_value(0.66, 0.65899, decimals=4)  # rounded up to 2 decimals: that is rounding
    assert not above and "right only to 2 decimals" in above.message, above.message


def test_nothing_is_called_rounded_without_a_stated_precision():
    verdict = check_array(RIGHT.round(2), RIGHT)
    assert not verdict and "rounded" not in verdict.message and "differs" in verdict.message


def test_a_plural_name_reads_as_english():
    """A colleague's report: "your label probabilities is right only to 2 decimals"."""
    rounded = check_array(RIGHT.round(2), RIGHT, what="your label probabilities", decimals=4)
    assert not rounded and "probabilities is" not in rounded.message, rounded.message
    assert "your label probabilities: right only to 2 decimals" in rounded.message, rounded.message
    wrong = check_array(np.zeros_like(RIGHT), RIGHT, what="your label probabilities")
    assert "probabilities differs" not in wrong.message and "a value differs at index" in wrong.message


def test_an_answer_of_zero_is_not_told_it_has_the_wrong_sign():
    for verdict in (check_value(0, 0.5), check_value(0.0, -0.5), check_array(np.zeros(3), RIGHT)):
        assert not verdict and "sign" not in verdict.message and "expected value is not 0" in verdict.message, verdict
    assert "wrong sign" in check_value(-0.5, 0.5).message
