"""Sparsemax against a generic solver, the Gumbel-softmax against torch's, the Gumbel-max trick against softmax."""

import numpy as np
import pytest
import torch
from scipy.optimize import minimize
from scipy.special import softmax as scipy_softmax
from scipy.stats import chisquare

from softmax_teach.relatives import gumbel_max_sample, gumbel_softmax, sparsemax, sparsemax_threshold


def _projection_onto_simplex(z):
    """The reference: argmin ||p - z||^2 subject to p >= 0, sum p = 1, by scipy's SLSQP."""
    result = minimize(
        lambda p: np.sum((p - z) ** 2),
        np.full(len(z), 1 / len(z)),
        jac=lambda p: 2 * (p - z),
        bounds=[(0, None)] * len(z),
        constraints=[{"type": "eq", "fun": lambda p: p.sum() - 1, "jac": lambda p: np.ones_like(p)}],
        method="SLSQP",
        options={"ftol": 1e-12, "maxiter": 500},
    )
    assert result.success, result.message
    return result.x


@pytest.mark.parametrize("seed", range(8))
def test_sparsemax_is_the_euclidean_projection_onto_the_simplex(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=[0.1, 1.0, 3.0][seed % 3], size=rng.integers(2, 9))
    np.testing.assert_allclose(sparsemax(z), _projection_onto_simplex(z), atol=1e-6)


def test_sparsemax_examples_batches_and_invariances():
    np.testing.assert_allclose(sparsemax([1.0, 0.8, 0.1]), [0.6, 0.4, 0.0])
    np.testing.assert_array_equal(sparsemax([2.0, 1.0, 0.1]), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(sparsemax([0.0, 0.0, 0.0, 0.0]), [0.25] * 4)
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 6))
    rows = np.array([sparsemax(row) for row in z])
    np.testing.assert_allclose(sparsemax(z), rows)
    np.testing.assert_allclose(sparsemax(z.T, axis=0), rows.T)
    np.testing.assert_allclose(sparsemax(z + 7.5), rows, atol=1e-12)  # shift-invariant
    np.testing.assert_allclose(rows.sum(axis=1), 1.0)
    assert (rows >= 0).all() and (rows == 0).any()
    order = np.argsort(-z, axis=1)
    assert (np.diff(np.take_along_axis(rows, order, axis=1), axis=1) <= 0).all()  # keeps the order
    np.testing.assert_allclose(np.maximum(z - sparsemax_threshold(z), 0), rows)


def test_two_class_sparsemax_is_the_hard_sigmoid():
    x = np.linspace(-3, 3, 61)
    pairs = np.column_stack([x, np.zeros_like(x)])
    np.testing.assert_allclose(sparsemax(pairs)[:, 0], np.clip((1 + x) / 2, 0, 1), atol=1e-15)


def test_sparsemax_rejects_bad_input():
    with pytest.raises(ValueError, match="empty"):
        sparsemax(np.zeros(0))
    with pytest.raises(ValueError, match="axis"):
        sparsemax([1.0, 2.0], axis=None)
    with pytest.raises(ValueError, match="real"):
        sparsemax(["a", "b"])


@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0, 4.0])
def test_gumbel_softmax_equals_torch_given_the_same_noise(tau):
    logits = torch.tensor([[1.0, -0.5, 2.0, 0.3], [0.0, 0.0, 0.0, 3.0]], dtype=torch.float64)
    torch.manual_seed(0)
    expected = torch.nn.functional.gumbel_softmax(logits, tau=tau)
    torch.manual_seed(0)  # torch draws its noise as -log(Exponential(1)), the standard Gumbel
    noise = -torch.empty_like(logits).exponential_().log()
    np.testing.assert_allclose(gumbel_softmax(logits.numpy(), tau, gumbels=noise.numpy()), expected.numpy(), rtol=1e-12)


def test_gumbel_softmax_draws_seeded_noise_and_tends_to_one_hot():
    logits = np.array([1.0, 0.0, -1.0])
    first, second = gumbel_softmax(logits, 0.5, rng=3), gumbel_softmax(logits, 0.5, rng=3)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first.sum(), 1.0)
    cold = gumbel_softmax(logits, 1e-3, rng=3)
    assert cold.max() > 1 - 1e-12 and cold.argmax() == first.argmax()
    with pytest.raises(ValueError, match="temperature"):
        gumbel_softmax(logits, 0.0)
    with pytest.raises(ValueError, match="match"):
        gumbel_softmax(logits, 1.0, gumbels=[0.0, 1.0])


def test_gumbel_max_samples_follow_softmax():
    logits = np.array([2.0, 1.0, 0.1, -1.0])
    draws = gumbel_max_sample(logits, 40_000, rng=0)
    counts = np.bincount(draws, minlength=4)
    assert chisquare(counts, 40_000 * scipy_softmax(logits)).pvalue > 1e-3
    np.testing.assert_allclose(counts / 40_000, scipy_softmax(logits), atol=0.01)
    with pytest.raises(ValueError, match="size"):
        gumbel_max_sample(logits, 0)


def test_check_sparsemax_names_an_ascending_sort_and_a_rounded_answer():
    from softmax_teach.exercises.relatives import check_sparsemax

    def ascending(z):  # the support search on scores sorted in increasing order
        s = np.sort(z)
        k = np.arange(1, len(z) + 1)
        kept = k[1 + k * s > np.cumsum(s)][-1]
        return np.maximum(z - (np.cumsum(s)[kept - 1] - 1) / kept, 0)

    assert "*increasing* order" in check_sparsemax(ascending).message
    assert "rounded to 6 decimals" in check_sparsemax(lambda z: np.round(sparsemax(z), 6)).message
    assert "rounded to 2 decimals" in check_sparsemax(lambda z: np.round(sparsemax(z), 2)).message
    assert check_sparsemax(sparsemax)
