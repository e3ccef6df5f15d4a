"""The checks of notebook 04 accept right answers and name the usual mistakes."""

import math

import numpy as np
import pytest
import scipy.special
import torch

from softmax_teach.exercises.stability import check_log_softmax, check_logsumexp, check_overflow_threshold

# --------------------------------------------------------------------------- overflow threshold


def _threshold_by_bisection(dtype):
    """The largest x with ``np.exp(x as dtype)`` finite, as the exercise asks: found by trying, without finfo.

    exp is computed in ``dtype`` (``np.exp(np.float16(x))``), not in float64 and then rounded:
    for float16 the two differ, 11.0898 against 11.0901, on either side of float16's 11.09375.
    """
    low, high = 0.0, 1000.0
    with np.errstate(over="ignore"):
        for _ in range(200):
            middle = (low + high) / 2
            finite = np.isfinite(np.exp(np.asarray(middle).astype(dtype)))
            low, high = (middle, high) if finite else (low, middle)
    return low


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_the_threshold_found_by_bisection_is_accepted(dtype):
    threshold = _threshold_by_bisection(dtype)
    # Rounding to nearest lets exp(x) a half-spacing above max through, hence the tolerance.
    assert math.isclose(threshold, math.log(float(np.finfo(dtype).max)), rel_tol=1e-4)
    assert check_overflow_threshold(threshold, dtype).passed


def test_the_threshold_computed_in_float16_itself_is_rejected_with_the_reason():
    # Issue 10: float16 arithmetic rounds log(65504) = 11.0899 *up* to 11.09375, and
    # np.exp(np.float16(11.09375)) is inf, so that value is past the threshold (it used to pass).
    rounded = np.log(np.finfo(np.float16).max)
    assert rounded.dtype == np.float16
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.exp(rounded))
    feedback = check_overflow_threshold(rounded, "float16")
    assert not feedback.passed
    assert "rounds up" in feedback.message


@pytest.mark.parametrize("answer", [11.08, 11.086, 11.0859375, np.float16(11.0859375), np.array(11.086)])
def test_float16_thresholds_rounded_down_are_accepted(answer):
    assert check_overflow_threshold(answer, "float16").passed


@pytest.mark.parametrize(
    ("answer", "dtype", "expected_phrase"),
    [
        (math.log(float(np.finfo(np.float32).max)), "float16", "threshold of float32"),
        (math.log(float(np.finfo(np.float64).max)), "float32", "threshold of float64"),
        (float(np.finfo(np.float32).max), "float32", "largest float32 itself"),
        (math.log10(float(np.finfo(np.float64).max)), "float64", "log10"),
        (89, "float32", "89 is the first integer"),
        (-87.3, "float32", "underflow end"),
        (11.1, "float16", "rounded to 1 decimal, and it was rounded up"),  # a review: was only "past the threshold"
        (math.log2(65504), "float16", "log2"),  # a review: was only "past the threshold"
        (11.09, "float16", "rounds up past the threshold"),
        (11.0, "float16", "so is exp of larger"),
        ("big", "float64", "should be a number"),
    ],
)
def test_wrong_thresholds_get_a_specific_message(answer, dtype, expected_phrase):
    feedback = check_overflow_threshold(answer, dtype)
    assert not feedback.passed
    assert expected_phrase in feedback.message


def test_threshold_check_rejects_a_non_float_dtype():
    with pytest.raises(ValueError, match="dtype"):
        check_overflow_threshold(1.0, "int32")


# --------------------------------------------------------------------------- logsumexp


@pytest.mark.parametrize(
    "function",
    [
        lambda x: scipy.special.logsumexp(x, axis=-1),
        lambda x: torch.logsumexp(torch.from_numpy(x), dim=-1).numpy(),
    ],
    ids=["scipy", "torch"],
)
def test_reference_logsumexp_passes(function):
    feedback = check_logsumexp(function)
    assert feedback.passed, feedback.message


def naive_logsumexp(x):
    return np.log(np.sum(np.exp(x), axis=-1))


def forgets_the_max(x):
    m = np.max(x, axis=-1, keepdims=True)
    return np.log(np.sum(np.exp(x - m), axis=-1))


def keeps_the_axis(x):
    return scipy.special.logsumexp(x, axis=-1, keepdims=True)


def only_the_max(x):
    return np.max(x, axis=-1)


def whole_matrix(x):
    return scipy.special.logsumexp(x)


def global_max(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m), axis=-1))


def shifts_by_the_min(x):
    m = np.min(x, axis=-1, keepdims=True)
    return m[..., 0] + np.log(np.sum(np.exp(x - m), axis=-1))


def shifts_by_the_mean(x):
    m = np.mean(x, axis=-1, keepdims=True)
    return m[..., 0] + np.log(np.sum(np.exp(x - m), axis=-1))


def max_without_keepdims(x):
    m = np.max(x, axis=-1)
    return m + np.log(np.sum(np.exp(x - m), axis=-1))


@pytest.mark.parametrize(
    ("function", "expected_phrases"),
    [
        (naive_logsumexp, ["[1000, 1000]", "returned inf", "overflow encountered in exp", "m + log(sum(exp(x - m)))"]),
        (forgets_the_max, ["forgot to add the max back"]),
        (keeps_the_axis, ["class axis was kept", "a single number"]),
        (only_the_max, ["only the max"]),
        (whole_matrix, ["whole matrix"]),
        (global_max, ["max of the whole matrix"]),
        (max_without_keepdims, ["raised ValueError", "keepdims=True"]),
        # A review: both passed while every test row had a spread of at most 2.
        (shifts_by_the_min, ["1000 apart", "row's min, not its max"]),
        (shifts_by_the_mean, ["1500 apart", "row's mean, not its max"]),
    ],
)
def test_typical_logsumexp_mistakes_are_named(function, expected_phrases):
    feedback = check_logsumexp(function)
    assert not feedback.passed
    for phrase in expected_phrases:
        assert phrase in feedback.message, feedback.message


def test_underflow_in_logsumexp_is_reported_with_numpy_s_warning():
    def shifts_only_large_inputs(x):  # right for [1000, 1000], wrong for [-1000, -1000]
        m = np.maximum(np.max(x, axis=-1, keepdims=True), 0)
        return (m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))[..., 0]

    feedback = check_logsumexp(shifts_only_large_inputs)
    assert not feedback.passed
    assert "[-1000, -1000]" in feedback.message and "divide by zero encountered in log" in feedback.message


# --------------------------------------------------------------------------- log_softmax


@pytest.mark.parametrize(
    "function",
    [
        lambda x: scipy.special.log_softmax(x, axis=-1),
        lambda x: torch.log_softmax(torch.from_numpy(x), dim=-1).numpy(),
    ],
    ids=["scipy", "torch"],
)
def test_reference_log_softmax_passes(function):
    feedback = check_log_softmax(function)
    assert feedback.passed, feedback.message


def log_of_softmax(x):
    return np.log(scipy.special.softmax(x, axis=-1))


def naive_log_softmax(x):
    return x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))


def whole_matrix_max_log_softmax(x):
    """Issue 19 (04 [30]): this passed every case before rows far apart were added."""
    shifted = x - np.max(x)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


@pytest.mark.parametrize(
    ("function", "expected_phrases"),
    [
        (log_of_softmax, ["took the log of softmax", "log(0) = -inf"]),
        (naive_log_softmax, ["[1000, 2000, 3000]", "overflow encountered in exp", "log domain"]),
        (lambda x: scipy.special.softmax(x, axis=-1), ["those are the probabilities"]),
        (lambda x: x - np.max(x, axis=-1, keepdims=True), ["subtracted the max but not"]),
        (
            lambda x: x - scipy.special.logsumexp(x, axis=-1, keepdims=True) + np.max(x, axis=-1, keepdims=True),
            ["but not the max m itself"],
        ),
        (lambda x: scipy.special.log_softmax(x, axis=None), ["whole matrix"]),
        (lambda x: scipy.special.log_softmax(x, axis=0), ["each column"]),
        (whole_matrix_max_log_softmax, ["max of the whole matrix", "each row's own max"]),
        (lambda x: np.log(scipy.special.softmax(x, axis=-1) + 1e-8), ["1e-8", "-18.42", "log domain"]),
        (lambda x: np.log(np.clip(scipy.special.softmax(x, axis=-1), 1e-300, None)), ["np.clip", "-690.8"]),
    ],
    ids=[
        "log-of-softmax",
        "naive",
        "probabilities",
        "no-lse",
        "no-max",
        "whole-matrix",
        "axis-0",
        "whole-matrix-max",
        "plus-1e-8",
        "clip",
    ],
)
def test_typical_log_softmax_mistakes_are_named(function, expected_phrases):
    feedback = check_log_softmax(function)
    assert not feedback.passed
    for phrase in expected_phrases:
        assert phrase in feedback.message, feedback.message
