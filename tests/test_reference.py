"""Tests for softmax_teach.reference: the mpmath references agree with scipy, the ULP measure counts right."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.special

from softmax_teach.reference import (
    central_difference,
    max_ulp_error,
    mp_log_softmax,
    mp_logsumexp,
    mp_sigmoid,
    mp_softmax,
    round_once,
    ulp_error,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

# Rows where float64 scipy is accurate to a few ULP: the references must agree to that level.
ROWS = np.array([[2.0, 1.0, 0.1, -3.0], [0.0, 0.0, 0.0, 0.0], [1e3, 1e3 - 1, 1e3 - 30, 1e3 - 700]])


def test_mp_softmax_agrees_with_scipy():
    np.testing.assert_allclose(mp_softmax(ROWS), scipy.special.softmax(ROWS, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(
        mp_softmax(ROWS, temperature=2.5), scipy.special.softmax(ROWS / 2.5, axis=-1), rtol=1e-13
    )
    assert mp_softmax(ROWS).dtype == np.float64 and mp_softmax(ROWS[0]).shape == (4,)


def test_mp_log_softmax_and_logsumexp_agree_with_scipy():
    np.testing.assert_allclose(mp_log_softmax(ROWS), scipy.special.log_softmax(ROWS, axis=-1), rtol=1e-14)
    np.testing.assert_allclose(
        mp_log_softmax(ROWS, temperature=0.5), scipy.special.log_softmax(ROWS / 0.5, axis=-1), rtol=1e-14
    )
    np.testing.assert_allclose(mp_logsumexp(ROWS), scipy.special.logsumexp(ROWS, axis=-1), rtol=1e-15)


def test_results_near_zero_keep_their_digits():
    # log(1 + e^-370): at 50 digits 1 + 1e-161 is 1, so a plain log would give 0.
    assert mp_logsumexp([0.0, -370.0]) == pytest.approx(np.exp(-370.0), rel=1e-15)
    assert mp_logsumexp([0.0, -370.0]) == scipy.special.logsumexp([0.0, -370.0])
    assert mp_log_softmax([0.0, -370.0])[0] == pytest.approx(-np.exp(-370.0), rel=1e-15)


def test_mp_sigmoid_agrees_with_expit():
    x = np.array([-800.0, -40.0, -1.0, 0.0, 1e-20, 3.0, 40.0, 800.0])
    np.testing.assert_allclose(mp_sigmoid(x), scipy.special.expit(x), rtol=1e-15, atol=0)


def test_the_softmax_references_refuse_non_finite_logits():
    for bad in (np.inf, -np.inf, np.nan):
        with pytest.raises(ValueError, match="finite logits only"):
            mp_softmax([0.0, bad])
        with pytest.raises(ValueError, match="finite logits only"):
            mp_log_softmax([0.0, bad])


def test_ulp_error_counts_in_the_spacing_of_the_result_dtype():
    eps32 = np.finfo(np.float32).eps
    approx = np.array([1.0, 1.0 + eps32, 1.0 + 3 * eps32], dtype=np.float32)
    np.testing.assert_array_equal(ulp_error(approx, [1.0, 1.0, 1.0]), [0.0, 1.0, 3.0])
    # Half-way between two float32 numbers: each neighbour is half an ULP off.
    assert ulp_error(np.float32(1.0), 1.0 + float(eps32) / 2) == 0.5


def test_ulp_measure_counts_subnormals_and_skips_underflow():
    tiny = np.finfo(np.float64).smallest_subnormal
    exact = np.array([1.0, 3 * tiny, 1e-330])  # normal, subnormal, underflowed in float64
    approx = np.array([1.0 + 2 * np.finfo(float).eps, 4 * tiny, 0.0])
    np.testing.assert_array_equal(ulp_error(approx, exact)[:2], [2.0, 1.0])
    assert max_ulp_error(approx, exact) == 2.0
    # In float32 the float64 subnormal underflows: only the first element is measured.
    assert max_ulp_error(approx.astype(np.float32), exact) == 0.0
    assert max_ulp_error(np.zeros(2), [1e-330, 0.0]) == 0.0


def round_by_fractions(value, dtype):
    """An independent correct rounding (exact rationals, ties to even) of an mpmath number."""
    info = np.finfo(dtype)
    sign, mantissa, exponent_2, _ = value._mpf_
    exact = (-1) ** sign * Fraction(int(mantissa)) * Fraction(2) ** int(exponent_2)
    if exact == 0:
        return 0.0
    exponent = math.floor(math.log2(abs(exact))) + 1  # 2**(exponent - 1) <= |exact| < 2**exponent
    while abs(exact) >= Fraction(2) ** exponent:
        exponent += 1
    while abs(exact) < Fraction(2) ** (exponent - 1):
        exponent -= 1
    bits = info.nmant + 1
    quantum = Fraction(2) ** max(exponent - bits, int(info.minexp) - bits + 1)
    return float(round(exact / quantum) * quantum)


SUBNORMAL_OFFSETS = {
    np.float64: 708.8 + np.linspace(0, 0.01, 40),  # softmax([0, -t])[1] near 1.5e-308
    np.float32: 88.0 + np.linspace(0, 15, 40),  # float32 subnormals: below 1.2e-38
    np.float16: 10.0 + np.linspace(0, 7, 40),  # float16 subnormals: below 6.1e-5
}


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: d.__name__)
def test_references_round_once_subnormals_included(dtype):
    """Regression: float(mpf) rounds to 53 bits and then again into the subnormal range, and the
    float32/float16 references were float64 values rounded a second time."""
    x = np.stack([np.zeros(40), -SUBNORMAL_OFFSETS[dtype]], axis=1)
    exact = mp_softmax(x, dtype=object)[:, 1]
    expected = np.array([round_by_fractions(v, dtype) for v in exact]).astype(dtype)
    assert (np.abs(expected) < np.finfo(dtype).smallest_normal).sum() >= 20  # mostly subnormal cases
    np.testing.assert_array_equal(mp_softmax(x, dtype=dtype)[:, 1], expected)
    np.testing.assert_array_equal(
        mp_log_softmax(x, dtype=dtype),
        [[round_by_fractions(v, dtype) for v in row] for row in mp_log_softmax(x, dtype=object)],
    )
    # A correctly rounded result scores at most half an ULP against the exact value, 0 against
    # the reference rounded once: never the "1 ULP" that double rounding reported.
    assert max_ulp_error(expected, exact) <= 0.5
    assert max_ulp_error(expected, mp_softmax(x, dtype=dtype)[:, 1]) == 0.0
    if dtype == np.float64:
        twice = np.array([float(v) for v in exact])  # the old, double rounding
        assert (twice != expected).sum() >= 3
        assert max_ulp_error(expected, twice) == 1.0


def test_round_once_overflow_ties_and_signs():
    import mpmath

    assert round_once(mpmath.mpf(70000), np.float16) == np.inf  # above float16's max (65504) + half an ULP
    assert round_once(mpmath.mpf(65519), np.float16) == 65504.0
    assert round_once(mpmath.mpf(-2.5) * 2**-1074, np.float64) == -2 * 5e-324  # a tie goes to even
    assert round_once(mpmath.mpf(1) / 3, np.float32) == float(np.float32(1 / 3))
    assert round_once(mpmath.mpf(0), np.float32) == 0.0


def test_a_tiny_log_term_decides_a_halfway_case():
    """x - max is often halfway between two float32 numbers; the exact log-softmax lies just
    beyond it (by log1p(exp(-2405)) here), which 50 rounded digits would not see."""
    halfway = -2405.6343994140625  # 9853078.5 float32 ULPs of 2**-12
    x = [0.0, halfway]
    assert mp_log_softmax(x, dtype=np.float32)[1] == np.float32(-2405.634521484375)  # away, not to even
    assert mp_log_softmax(x, dtype=object)[1] < halfway
    # logsumexp adds log1p(exp(-594.4)) > 0: just above halfway, so towards zero.
    assert mp_logsumexp([halfway, -3000.0], dtype=np.float32) == np.float32(-2405.63427734375)


# --------------------------------------------------------------------------- central differences


def test_central_difference_matches_autograd_for_vector_scalar_and_matrix_input():
    import torch

    x = np.array([2.0, 1.0, 0.1])
    jacobian = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=-1), torch.tensor(x)).numpy()
    softmax_of_numpy = lambda v: torch.softmax(torch.tensor(v), dim=-1).numpy()  # noqa: E731
    np.testing.assert_allclose(central_difference(softmax_of_numpy, x), jacobian, rtol=1e-6, atol=1e-9)
    matrix = np.array([[0.5, -1.0], [2.0, 0.3]])
    t = torch.tensor(matrix, requires_grad=True)
    torch.logsumexp(t, dim=(0, 1)).backward()
    gradient = central_difference(lambda m: np.log(np.exp(m).sum()), matrix)
    assert gradient.shape == (2, 2)
    np.testing.assert_allclose(gradient, t.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_central_difference_bad_input():
    with pytest.raises(ValueError, match="function must be callable"):
        central_difference(3, [1.0])
    with pytest.raises(ValueError, match="step must be a finite number > 0, got 0"):
        central_difference(np.sum, [1.0], step=0)
