"""Tests for softmax_teach.reference: the mpmath references agree with scipy, the ULP measure counts right."""

from __future__ import annotations

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
