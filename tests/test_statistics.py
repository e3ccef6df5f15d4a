"""Error bars: the binomial standard error against a simulation, the paired difference against scipy."""

import numpy as np
import pytest
import scipy.stats

from softmax_teach.statistics import binomial_standard_error, paired_difference


def test_binomial_standard_error_is_the_spread_of_simulated_accuracies():
    accuracies = np.random.default_rng(0).binomial(117, 0.85, size=20000) / 117
    assert binomial_standard_error(0.85, 117) == pytest.approx(accuracies.std(), rel=0.02)
    assert binomial_standard_error(np.float32(1.0), np.int64(10)) == 0.0


@pytest.mark.parametrize("accuracy, n", [(0.5, 0), (1.5, 10), (-0.1, 10), (0.5, True), ("0.5", 10)])
def test_binomial_standard_error_refuses_bad_input(accuracy, n):
    with pytest.raises(ValueError):
        binomial_standard_error(accuracy, n)


def test_paired_difference_agrees_with_scipys_paired_t_test():
    rng = np.random.default_rng(1)
    a = rng.normal(10, 3, size=50)
    b = a + rng.normal(0.5, 1, size=50)
    mean, error = paired_difference(a, b)
    t = scipy.stats.ttest_rel(a, b).statistic
    assert mean == pytest.approx(np.mean(a - b), rel=1e-12)
    assert mean / error == pytest.approx(t, rel=1e-12)


def test_paired_difference_needs_two_paired_vectors():
    with pytest.raises(ValueError, match="same length"):
        paired_difference([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match=">= 2"):
        paired_difference([1], [1])
