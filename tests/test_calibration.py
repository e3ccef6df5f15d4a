"""ECE, reliability diagrams and temperature scaling, against manual loops and torch."""

import numpy as np
import pytest
import torch
from scipy.special import softmax as scipy_softmax

from softmax_teach.calibration import (
    bootstrap_ece,
    bootstrap_nll,
    bootstrap_rows,
    expected_calibration_error,
    fit_temperature,
    reliability_diagram,
    temperature_nll,
)
from softmax_teach.numerics import softmax


def _overconfident(n=600, classes=5, seed=0, scale=3.0):
    """Logits of a model whose true confidence is ``softmax(z)`` but which reports ``softmax(scale * z)``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, classes)) * 1.5
    labels = np.array([rng.choice(classes, p=p) for p in scipy_softmax(z, axis=1)])
    return scale * z, labels


def _manual_ece(probabilities, labels, n_bins):
    """Guo et al. eq. 3 written as a plain loop over bins ((m-1)/M, m/M]."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    total = 0.0
    for m in range(1, n_bins + 1):
        lo, hi = (m - 1) / n_bins, m / n_bins
        in_bin = [i for i in range(len(labels)) if lo < confidence[i] <= hi]
        if in_bin:
            accuracy = np.mean([correct[i] for i in in_bin])
            mean_confidence = np.mean([confidence[i] for i in in_bin])
            total += len(in_bin) / len(labels) * abs(accuracy - mean_confidence)
    return total


@pytest.mark.parametrize("n_bins", [1, 5, 10, 15])
def test_ece_matches_a_manual_loop(n_bins):
    logits, labels = _overconfident()
    p = scipy_softmax(logits, axis=1)
    assert expected_calibration_error(p, labels, n_bins=n_bins) == pytest.approx(
        _manual_ece(p, labels, n_bins), abs=1e-12
    )


def test_ece_of_one_bin_is_the_gap_between_accuracy_and_mean_confidence():
    logits, labels = _overconfident(seed=3)
    p = scipy_softmax(logits, axis=1)
    gap = abs((p.argmax(1) == labels).mean() - p.max(1).mean())
    assert expected_calibration_error(p, labels, n_bins=1) == pytest.approx(gap, abs=1e-12)


def test_a_confidence_on_a_bin_edge_goes_to_the_bin_it_closes():
    p = np.array([[0.6, 0.4], [0.8, 0.2]])
    diagram = reliability_diagram(p, np.array([0, 1]), n_bins=5)  # edges 0, .2, .4, .6, .8, 1
    assert diagram.counts.tolist() == [0, 0, 1, 1, 0]
    np.testing.assert_allclose(diagram.confidence[2:4], [0.6, 0.8])
    np.testing.assert_array_equal(diagram.accuracy[2:4], [1.0, 0.0])
    assert np.isnan(diagram.accuracy[0])


def test_reliability_diagram_counts_add_up_and_ece_property_agrees():
    logits, labels = _overconfident(seed=1)
    p = scipy_softmax(logits, axis=1)
    diagram = reliability_diagram(p, labels, n_bins=10)
    assert diagram.counts.sum() == len(labels) and len(diagram.edges) == 11
    assert diagram.ece == expected_calibration_error(p, labels, n_bins=10)


def test_temperature_nll_equals_torch_cross_entropy():
    logits, labels = _overconfident(n=50)
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits) / 2.5, torch.tensor(labels)).item()
    assert temperature_nll(logits, labels, 2.5) == pytest.approx(expected, rel=1e-10)


def test_fit_temperature_recovers_the_overconfidence_factor():
    logits, labels = _overconfident(n=4000, scale=3.0)
    temperature = fit_temperature(logits, labels)
    assert temperature == pytest.approx(3.0, rel=0.08)
    p_before = scipy_softmax(logits, axis=1)
    p_after = scipy_softmax(logits / temperature, axis=1)
    assert expected_calibration_error(p_after, labels) < 0.5 * expected_calibration_error(p_before, labels)
    np.testing.assert_array_equal(p_after.argmax(1), p_before.argmax(1))  # accuracy is untouched


def test_fit_temperature_agrees_with_torch_lbfgs_on_log_temperature():
    """The reference recipe (Guo et al.'s code): optimise the NLL over T with torch's LBFGS."""
    logits, labels = _overconfident(n=800, scale=2.0, seed=5)
    z, y = torch.tensor(logits), torch.tensor(labels)
    log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.5, max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-14)

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(z / log_t.exp(), y)
        loss.backward()
        return loss

    optimizer.step(closure)
    assert fit_temperature(logits, labels) == pytest.approx(log_t.exp().item(), rel=1e-4)


def test_at_the_fitted_temperature_the_nll_derivative_vanishes():
    logits, labels = _overconfident(n=500, seed=2, scale=1.7)
    t = fit_temperature(logits, labels)
    p = scipy_softmax(logits / t, axis=1)
    # d NLL / d(1/T) = mean(E_p[z] - z_label)
    derivative = np.mean((p * logits).sum(1) - logits[np.arange(len(labels)), labels])
    assert abs(derivative) < 1e-5


def test_calibration_accepts_torch_tensors():
    logits, labels = _overconfident(n=100)
    p = scipy_softmax(logits, axis=1)
    assert expected_calibration_error(torch.tensor(p), torch.tensor(labels)) == expected_calibration_error(p, labels)
    assert fit_temperature(torch.tensor(logits), torch.tensor(labels)) == pytest.approx(fit_temperature(logits, labels))


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: expected_calibration_error([[0.5, 0.6]], [0]), "sum to 1"),
        (lambda: expected_calibration_error([[0.5, 0.5]], [0, 1]), "labels"),
        (lambda: expected_calibration_error([[0.5, 0.5]], [2]), "classes"),
        (lambda: expected_calibration_error([[0.5, 0.5]], [0], n_bins=0), "n_bins"),
        (lambda: expected_calibration_error(np.zeros((0, 2)), []), "empty"),
        (lambda: fit_temperature([[1.0, np.inf]], [0]), "finite"),
        (lambda: fit_temperature([[1.0, 2.0]], [0], bounds=(0, 1)), "bounds"),
        (lambda: temperature_nll([[1.0, 2.0]], [0], 0.0), "temperature"),
    ],
)
def test_bad_input_raises_value_error(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_bootstrap_ece_resamples_are_paired_and_vary_around_the_ece():
    rng = np.random.default_rng(3)
    p = softmax(rng.normal(scale=2.0, size=(300, 4)), axis=-1)
    labels = rng.integers(0, 4, size=300)
    sharper = softmax(3 * np.log(p), axis=-1)
    first = bootstrap_ece(p, labels, n_bins=10, n_resamples=400, seed=1)
    again = bootstrap_ece(sharper, labels, n_bins=10, n_resamples=400, seed=1)
    # Paired: each resample uses the same rows, as a manual resample with the same generator does.
    rows = np.random.default_rng(1).integers(0, 300, size=(400, 300))
    assert first[7] == pytest.approx(expected_calibration_error(p[rows[7]], labels[rows[7]], n_bins=10), abs=1e-15)
    assert again[7] == pytest.approx(
        expected_calibration_error(sharper[rows[7]], labels[rows[7]], n_bins=10), abs=1e-15
    )
    ece = expected_calibration_error(p, labels, n_bins=10)
    assert abs(first.mean() - ece) < 3 * first.std()
    assert 0 < first.std() < 0.1


@pytest.mark.parametrize("n_resamples", [1, 0, 2.5, True])
def test_bootstrap_ece_rejects_a_bad_resample_count(n_resamples):
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_ece([[0.9, 0.1], [0.2, 0.8]], [0, 1], n_resamples=n_resamples)


def test_numpy_integers_count_as_integers():
    """Regression: n_bins=np.int64(10) and a numpy n_resamples were refused (isinstance(x, int))."""
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    labels = np.array([0, 1, 1, 1])
    assert reliability_diagram(p, labels, n_bins=np.int64(10)).ece == reliability_diagram(p, labels, n_bins=10).ece
    assert expected_calibration_error(p, labels, n_bins=np.int32(5)) == expected_calibration_error(p, labels, n_bins=5)
    eces = bootstrap_ece(p, labels, n_bins=np.uint8(4), n_resamples=np.int64(20), seed=1)
    np.testing.assert_array_equal(eces, bootstrap_ece(p, labels, n_bins=4, n_resamples=20, seed=1))
    for bad in (True, np.True_, 2.0):
        with pytest.raises(ValueError, match=rf"^n_bins must be a positive integer, got {bad!r}$"):
            reliability_diagram(p, labels, n_bins=bad)


def test_bootstrap_nll_uses_the_ece_bootstraps_rows_and_torchs_cross_entropy():
    import torch

    rng = np.random.default_rng(4)
    logits = rng.normal(scale=3.0, size=(120, 5))
    labels = rng.integers(0, 5, size=120)
    rows = bootstrap_rows(120, n_resamples=50, seed=2)
    assert rows.shape == (50, 120)
    np.testing.assert_array_equal(rows, np.random.default_rng(2).integers(0, 120, size=(50, 120)))
    hot = bootstrap_nll(logits, labels, n_resamples=50, seed=2)
    cool = bootstrap_nll(logits, labels, temperature=2.5, n_resamples=50, seed=2)
    for k in (0, 17, 49):
        r = torch.tensor(rows[k])
        z = torch.tensor(logits)[r]
        assert hot[k] == pytest.approx(torch.nn.functional.cross_entropy(z, torch.tensor(labels)[r]).item(), rel=1e-12)
        assert cool[k] == pytest.approx(
            torch.nn.functional.cross_entropy(z / 2.5, torch.tensor(labels)[r]).item(), rel=1e-12
        )
    # Paired with bootstrap_ece: the same resamples for the same n, n_resamples and seed.
    p = softmax(logits, axis=-1)
    eces = bootstrap_ece(p, labels, n_bins=10, n_resamples=50, seed=2)
    assert eces[17] == pytest.approx(expected_calibration_error(p[rows[17]], labels[rows[17]], n_bins=10), abs=1e-15)
    assert abs(hot.mean() - temperature_nll(logits, labels, 1.0)) < 3 * hot.std()


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: bootstrap_rows(0), "n must be a positive integer"),
        (lambda: bootstrap_rows(5, n_resamples=1), "n_resamples"),
        (lambda: bootstrap_nll([[1.0, 0.0]], [0], temperature=0.0), "temperature"),
        (lambda: bootstrap_nll([1.0, 0.0], [0]), "logits must have shape"),
    ],
)
def test_bootstrap_nll_and_rows_reject_bad_input(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
