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


@pytest.mark.parametrize(
    ("value", "ndim", "expected"),
    [(None, 3, (0, 1, 2)), (-1, 2, (1,)), (np.int64(0), 2, (0,)), ((2, 0), 3, (0, 2)), ((), 2, ()), (-1, 0, ())],
)
def test_axes_normalise_ints_tuples_and_none(value, ndim, expected):
    assert check.axes(value, ndim) == expected


@pytest.mark.parametrize(
    ("value", "ndim", "message"),
    [
        (True, 2, r"^axis must be an integer, a tuple of integers or None, got True$"),
        (1.0, 2, r"^axis must be an integer, a tuple of integers or None, got 1\.0$"),
        ([0], 2, r"^axis must be an integer, a tuple of integers or None, got \[0\]$"),
        (2, 2, r"^axis=2 is out of range for an array with 2 dimensions$"),
        ((0, -2), 2, r"^axis=\(0, -2\) names an axis twice$"),
        (1, 0, r"^axis=1 is out of range for a 0-d array"),
    ],
)
def test_axes_refuse_everything_else(value, ndim, message):
    with pytest.raises(ValueError, match=message):
        check.axes(value, ndim)


def test_one_axis_and_the_other_shared_checks():
    assert check.axis(np.int32(-1), 3) == 2 and type(check.axis(np.int32(-1), 3)) is int
    for bad in (None, (0,), np.True_):
        with pytest.raises(ValueError, match=r"^axis must be an integer, got "):
            check.axis(bad, 2)
    assert check.integer_in(np.int64(3), "k", 1, 3) == 3
    with pytest.raises(ValueError, match=r"^k must be an integer from 1 to 3, got 4$"):
        check.integer_in(4, "k", 1, 3)
    assert check.real_in(np.float32(0.5), "p", 0, 1, low_open=True) == 0.5
    with pytest.raises(ValueError, match=r"^p must be a number in \(0, 1\], got 0$"):
        check.real_in(0, "p", 0, 1, low_open=True)
    assert check.optional(check.positive_int, None, "n") is None
    assert check.flag(np.True_, "keepdims") is True
    with pytest.raises(ValueError, match=r"^keepdims must be True or False, got 1$"):
        check.flag(1, "keepdims")
    assert check.choice("sum", "reduction", ("mean", "sum")) == "sum"
    with pytest.raises(ValueError, match=r"^reduction must be one of \('mean', 'sum'\), got 'avg'$"):
        check.choice("avg", "reduction", ("mean", "sum"))
    assert check.generator(np.int64(3)).integers(10) == np.random.default_rng(3).integers(10)
    for bad in (True, -1, 1.5, "seed"):
        with pytest.raises(ValueError, match=r"^rng must be a numpy Generator"):
            check.generator(bad)
    assert check.float_array([1, 2]).dtype == np.float64
    assert check.float_array(np.zeros(2, np.float16)).dtype == np.float16
    with pytest.raises(ValueError, match=r"^b must be real numbers, got an array of dtype complex128$"):
        check.float_array([1j], "b")


def test_no_module_hand_writes_a_bool_check():
    """Every argument check goes through _validation (the dashboard, being replaced, excepted)."""
    import pathlib
    import re

    package = pathlib.Path(check.__file__).parent
    pattern = re.compile(r"isinstance\([^()]*,\s*\(?bool\b")
    offenders = [
        f"{path.relative_to(package)}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "_validation.py" and "dashboard" not in path.parts
        for line in path.read_text().splitlines()
        if pattern.search(line)
    ]
    # as_number reads a learner's answer, not an argument: True is not a number there either.
    assert offenders == ["exercises/core.py: if isinstance(answer, (bool, np.bool_, str, bytes)):"]
