"""Is a softmax probability of 0.9 right 90 % of the time? Calibration, measured and fixed.

- :func:`reliability_diagram` bins predictions by confidence (the largest softmax probability)
  and compares each bin's mean confidence with its accuracy;
- :func:`expected_calibration_error` (ECE) is the count-weighted mean gap between the two;
- :func:`bootstrap_ece` and :func:`bootstrap_nll` resample the predictions (the same draws,
  :func:`bootstrap_rows`, for a given size and seed) to say how much either metric, or a change
  in it, could move by chance;
- :func:`fit_temperature` is temperature scaling (Guo et al., 2017): one number ``T`` that divides
  every logit, chosen to minimise the negative log-likelihood on a *validation* split. It never
  changes the arg-max, so accuracy stays the same while the confidences move.

Everything here is plain numpy on logits or probabilities (torch tensors are accepted and
converted); the softmax and cross-entropy come from :mod:`softmax_teach.numerics`.

Reference: C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger, "On Calibration of Modern Neural
Networks", ICML 2017, https://arxiv.org/abs/1706.04599 (bins as in its section 2: M equal-width
intervals ``((m - 1)/M, m/M]``, 15 by default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.numerics import cross_entropy

__all__ = [
    "ReliabilityDiagram",
    "reliability_diagram",
    "expected_calibration_error",
    "bootstrap_rows",
    "bootstrap_ece",
    "bootstrap_nll",
    "fit_temperature",
    "temperature_nll",
]


def _as_numpy(values, name, dtype=float):
    if hasattr(values, "detach"):  # a torch tensor
        values = values.detach().cpu().numpy()
    try:
        return np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric, got {type(values).__name__}") from error


def _check_probabilities_and_labels(probabilities, labels):
    p = _as_numpy(probabilities, "probabilities")
    y = _as_numpy(labels, "labels", dtype=np.int64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"probabilities must have shape (n, classes) with classes >= 2, got {p.shape}")
    if y.shape != (p.shape[0],):
        raise ValueError(f"labels must have shape ({p.shape[0]},) to match probabilities {p.shape}, got {y.shape}")
    if p.shape[0] == 0:
        raise ValueError("probabilities is empty")
    if not np.all(np.isfinite(p)) or (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("probabilities must be finite, non-negative rows that sum to 1 (apply softmax to logits)")
    if (y < 0).any() or (y >= p.shape[1]).any():
        raise ValueError(f"labels must be classes 0 to {p.shape[1] - 1}, got {y.min()} to {y.max()}")
    return p, y


def _check_bins(n_bins):
    return check.positive_int(n_bins, "n_bins")


@dataclass(frozen=True)
class ReliabilityDiagram:
    """Per-bin statistics of a reliability diagram.

    Attributes
    ----------
    edges : ndarray, shape (n_bins + 1,)
        Bin edges from 0 to 1; bin ``m`` holds confidences in ``(edges[m], edges[m + 1]]``.
    confidence : ndarray, shape (n_bins,)
        Mean confidence in each bin (``nan`` for an empty bin).
    accuracy : ndarray, shape (n_bins,)
        Fraction of correct predictions in each bin (``nan`` for an empty bin).
    counts : ndarray of int, shape (n_bins,)
        Number of predictions in each bin.
    """

    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    counts: np.ndarray

    @property
    def ece(self) -> float:
        """Expected calibration error: ``sum_m (n_m / n) * |accuracy_m - confidence_m|``."""
        filled = self.counts > 0
        gaps = np.abs(self.accuracy[filled] - self.confidence[filled])
        return float(np.sum(self.counts[filled] * gaps) / self.counts.sum())


def reliability_diagram(probabilities, labels, *, n_bins: int = 15) -> ReliabilityDiagram:
    """Bin predictions by confidence and measure each bin's accuracy.

    Parameters
    ----------
    probabilities : array_like, shape (n, classes)
        Softmax probabilities (rows sum to 1).
    labels : array_like of int, shape (n,)
        True classes.
    n_bins : int
        Number of equal-width confidence bins on [0, 1].

    Returns
    -------
    ReliabilityDiagram
    """
    p, y = _check_probabilities_and_labels(probabilities, labels)
    _check_bins(n_bins)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # side="left" on the inner edges puts a confidence equal to an edge in the bin it closes:
    # the intervals are (lo, hi] as in Guo et al.
    bin_of = np.searchsorted(edges[1:-1], confidence, side="left")
    counts = np.bincount(bin_of, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(bin_of, weights=confidence, minlength=n_bins) / counts
        mean_accuracy = np.bincount(bin_of, weights=correct, minlength=n_bins) / counts
    return ReliabilityDiagram(edges=edges, confidence=mean_confidence, accuracy=mean_accuracy, counts=counts)


def expected_calibration_error(probabilities, labels, *, n_bins: int = 15) -> float:
    """Expected calibration error (Guo et al. 2017, eq. 3) with ``n_bins`` equal-width bins.

    A number in [0, 1]: 0 means every bin's accuracy equals its mean confidence.

    Examples
    --------
    >>> round(expected_calibration_error([[0.9, 0.1], [0.8, 0.2]], [0, 1], n_bins=10), 4)
    0.45
    """
    return reliability_diagram(probabilities, labels, n_bins=n_bins).ece


def bootstrap_rows(n: int, *, n_resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """The bootstrap resamples behind :func:`bootstrap_ece` and :func:`bootstrap_nll`.

    Each row draws ``n`` indices from ``0 .. n - 1`` with replacement. The rows depend only on
    ``n``, ``n_resamples`` and ``seed``, so every statistic computed with the same three is
    *paired*: the difference of two such bootstraps (before and after calibration, ECE or NLL)
    measures the uncertainty of the change on the same resampled images.

    Returns
    -------
    ndarray of int, shape (n_resamples, n)
    """
    n = check.positive_int(n, "n")
    n_resamples = check.integer(n_resamples, "n_resamples", minimum=2)
    return np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))


def bootstrap_ece(probabilities, labels, *, n_bins: int = 15, n_resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """The ECE of ``n_resamples`` bootstrap resamples of the predictions: how much it could vary.

    The resamples are :func:`bootstrap_rows` ``(n, n_resamples, seed)``, so two calls with the
    same ``n``, ``n_resamples`` and ``seed`` (and :func:`bootstrap_nll` with them) are *paired*:
    the difference of their results measures the uncertainty of a change on the same images.

    Parameters
    ----------
    probabilities : array_like, shape (n, classes)
        Softmax probabilities (rows sum to 1).
    labels : array_like of int, shape (n,)
        True classes.
    n_bins : int
        Number of equal-width confidence bins, as in :func:`reliability_diagram`.
    n_resamples : int
        Number of bootstrap resamples (at least 2).
    seed : int
        Seed of the resampling.

    Returns
    -------
    ndarray of float, shape (n_resamples,)
        One ECE per resample; its standard deviation is the bootstrap standard error of the ECE.

    Examples
    --------
    >>> p = [[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7]]
    >>> eces = bootstrap_ece(p, [0, 1, 0, 1], n_bins=10, n_resamples=200)
    >>> eces.shape, bool(eces.min() >= 0)
    ((200,), True)
    """
    p, y = _check_probabilities_and_labels(probabilities, labels)
    n_bins = _check_bins(n_bins)
    rows = bootstrap_rows(len(y), n_resamples=n_resamples, seed=seed)
    return np.array([reliability_diagram(p[r], y[r], n_bins=n_bins).ece for r in rows])


def bootstrap_nll(logits, labels, *, temperature: float = 1.0, n_resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """The mean NLL of ``softmax(logits / temperature)`` on ``n_resamples`` bootstrap resamples.

    The resamples are those of :func:`bootstrap_ece` for the same ``n``, ``n_resamples`` and
    ``seed`` (:func:`bootstrap_rows`), so a difference of two calls (two temperatures, say) is a
    paired bootstrap of the change in NLL.

    Returns
    -------
    ndarray of float, shape (n_resamples,)
        One mean NLL (nats) per resample; its standard deviation is the bootstrap standard error.

    Examples
    --------
    >>> z = [[2.0, 0.0], [0.0, 1.0], [3.0, 0.0], [0.5, 0.0]]
    >>> change = bootstrap_nll(z, [0, 1, 0, 1], temperature=2.0) - bootstrap_nll(z, [0, 1, 0, 1])
    >>> change.shape
    (1000,)
    """
    z = _as_numpy(logits, "logits")
    y = _as_numpy(labels, "labels", dtype=np.int64)
    if z.ndim != 2 or y.shape != (z.shape[0],) or z.shape[0] == 0:
        raise ValueError(f"logits must have shape (n, classes) and labels (n,), got {z.shape} and {y.shape}")
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive finite number, got {temperature!r}")
    per_example = cross_entropy(z / temperature, y, reduction="none")
    rows = bootstrap_rows(len(y), n_resamples=n_resamples, seed=seed)
    return per_example[rows].mean(axis=1)


def temperature_nll(logits, labels, temperature) -> float:
    """Mean negative log-likelihood of ``labels`` under ``softmax(logits / temperature)``, in nats."""
    z = _as_numpy(logits, "logits")
    y = _as_numpy(labels, "labels", dtype=np.int64)
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive finite number, got {temperature!r}")
    return float(cross_entropy(z / temperature, y))


def fit_temperature(logits, labels, *, bounds=(0.05, 20.0)) -> float:
    """Temperature scaling: the ``T`` in ``bounds`` minimising the validation NLL of ``softmax(logits / T)``.

    Parameters
    ----------
    logits : array_like, shape (n, classes)
        The model's logits on a validation split (not the test split: ``T`` is a fitted parameter).
    labels : array_like of int, shape (n,)
    bounds : (float, float)
        Search interval for ``T``.

    Returns
    -------
    float
        The fitted temperature. ``T > 1`` softens an over-confident model, ``T < 1`` sharpens an
        under-confident one. Use it as ``softmax(test_logits, temperature=T)``.

    Notes
    -----
    The NLL is a convex function of ``beta = 1 / T`` (a log-sum-exp of ``beta * z`` minus a term
    linear in ``beta``), so a bounded scalar search on ``beta`` finds the one minimum. At that
    minimum the derivative ``mean(E_p[z] - z_label)`` is zero: the mean logit under the scaled
    model equals the mean logit of the true class.
    """
    from scipy.optimize import minimize_scalar

    z = _as_numpy(logits, "logits")
    y = _as_numpy(labels, "labels", dtype=np.int64)
    if z.ndim != 2 or y.shape != (z.shape[0],) or z.shape[0] == 0:
        raise ValueError(f"logits must have shape (n, classes) and labels (n,), got {z.shape} and {y.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("logits must be finite")
    low, high = bounds
    if not (0 < low < high and np.isfinite(high)):
        raise ValueError(f"bounds must satisfy 0 < low < high < inf, got {bounds!r}")
    result = minimize_scalar(
        lambda beta: float(cross_entropy(z * beta, y)),
        bounds=(1.0 / high, 1.0 / low),
        method="bounded",
        options={"xatol": 1e-8},
    )
    return float(1.0 / result.x)
