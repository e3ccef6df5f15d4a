"""The package's one set of argument checks: bools are not numbers, numpy scalars are."""

import math

import numpy as np
import pytest

from softmax_teach import _validation as check


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(2)])
def test_positive_int_accepts_python_and_numpy_integers(value):
    assert check.positive_int(value, "n") == int(value) and type(check.positive_int(value, "n")) is int


@pytest.mark.parametrize("value", [0, -2, True, np.True_, 2.0, 2.5, "3", None, np.float64(2)])
def test_positive_int_refuses_everything_else_naming_the_argument(value):
    with pytest.raises(ValueError, match=r"^epochs must be a positive integer, got "):
        check.positive_int(value, "epochs")


def test_integer_bounds_are_worded_by_their_minimum():
    assert check.integer(0, "k", minimum=0) == 0
    with pytest.raises(ValueError, match="non-negative integer"):
        check.integer(-1, "k", minimum=0)
    with pytest.raises(ValueError, match="an integer >= 2"):
        check.integer(1, "k", minimum=2)


@pytest.mark.parametrize("value", [0.1, 3, np.float32(0.01), np.int32(2)])
def test_positive_real_accepts_python_and_numpy_numbers(value):
    assert check.positive_real(value, "lr") == pytest.approx(float(value))


@pytest.mark.parametrize("value", [0, -0.1, math.nan, math.inf, True, np.False_, "0.1", None, 1j])
def test_positive_real_refuses_everything_else(value):
    with pytest.raises(ValueError, match=r"^lr must be a finite number > 0, got "):
        check.positive_real(value, "lr")


def test_infinity_is_allowed_only_when_asked_for():
    assert check.positive_real(math.inf, "C", finite=False) == math.inf
    with pytest.raises(ValueError, match="must be a number > 0"):
        check.positive_real(math.nan, "C", finite=False)
    assert check.non_negative_real(0, "eps") == 0.0
    with pytest.raises(ValueError, match=">= 0"):
        check.non_negative_real(-1e-9, "eps")
