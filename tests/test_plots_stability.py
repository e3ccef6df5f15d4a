"""Notebook 04's plots: exp's regimes, ULP error curves and the online-softmax trace."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.special  # noqa: E402
import torch  # noqa: E402

from softmax_teach.numerics import exp_limits
from softmax_teach.plots.stability import (  # noqa: E402
    exp_range_chart,
    online_softmax_trace,
    plot_online_softmax_trace,
    plot_ulp_errors,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
def test_exp_limits_are_where_torch_exp_changes_regime(dtype):
    numpy_dtype = {torch.float16: np.float16, torch.float32: np.float32, torch.float64: np.float64}[dtype]
    limits = exp_limits(numpy_dtype)
    info = torch.finfo(dtype)

    def torch_exp(x):
        return float(torch.exp(torch.tensor(x, dtype=torch.float64)).to(dtype))

    assert np.isfinite(torch_exp(limits["inf_above"] - 1e-3))
    assert torch_exp(limits["inf_above"] + 1e-2) == np.inf
    assert 0 < torch_exp(limits["subnormal_below"] - 0.1) < info.smallest_normal  # subnormal
    assert torch_exp(limits["subnormal_below"] + 0.1) >= info.smallest_normal
    # Tight enough to catch the ln 2 that rounding to nearest adds below the smallest subnormal.
    assert torch_exp(limits["zero_below"] - 0.01) == 0.0
    assert torch_exp(limits["zero_below"] + 0.01) > 0.0


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_exp_limits_are_where_numpy_exp_changes_regime(dtype):
    limits = exp_limits(dtype)
    with np.errstate(over="ignore", under="ignore"):
        assert np.exp(dtype(limits["zero_below"] - 0.02)) == 0
        assert np.exp(dtype(limits["zero_below"] + 0.02)) > 0
        assert np.exp(dtype(limits["inf_above"] + 0.02)) == np.inf
        assert np.isfinite(np.exp(dtype(limits["inf_above"] - 0.02)))


def test_exp_range_chart_draws_four_regimes_per_dtype():
    ax = exp_range_chart()
    assert len(ax.patches) == 3 * 4
    assert [label.get_text() for label in ax.get_yticklabels()] == ["float16", "float32", "float64"]


def test_plot_ulp_errors_draws_one_curve_per_method():
    ax = plot_ulp_errors([1, 10, 100], {"a": [0, 1, 2], "b": [1, 10, 100]})
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == ["a", "b"]
    assert ax.get_yscale() == "symlog"


@pytest.mark.parametrize(
    ("magnitudes", "errors", "match"),
    [
        ([0, 1], {"a": [1, 2]}, "magnitudes"),
        ([1, 2], {"a": [1, 2, 3]}, r"errors\['a'\]"),
    ],
)
def test_plot_ulp_errors_rejects_bad_input(magnitudes, errors, match):
    with pytest.raises(ValueError, match=match):
        plot_ulp_errors(magnitudes, errors)


def test_online_softmax_trace_holds_the_prefix_max_and_sum():
    x = np.random.default_rng(0).normal(scale=3, size=23)
    trace = online_softmax_trace(x, block_size=5)
    assert trace["block_end"].tolist() == [5, 10, 15, 20, 23]
    for end, m, total in zip(trace["block_end"], trace["running_max"], trace["running_sum"]):
        prefix = x[:end]
        assert m == prefix.max()
        # l = sum(exp(prefix - m)) = exp(logsumexp(prefix) - m), checked against scipy.
        assert np.isclose(total, np.exp(scipy.special.logsumexp(prefix) - m), rtol=1e-13)
    assert np.isnan(trace["rescaled_previous_sum"][0])
    # The online update: rescaled old sum + the new block's terms = the new sum.
    for b in range(1, trace["block_end"].size):
        block = x[trace["block_end"][b - 1] : trace["block_end"][b]]
        new_terms = np.exp(block - trace["running_max"][b]).sum()
        assert np.isclose(trace["rescaled_previous_sum"][b] + new_terms, trace["running_sum"][b], rtol=1e-13)


@pytest.mark.parametrize(
    ("x", "block_size", "match"),
    [
        ([], 2, "x"),
        ([[1.0, 2.0]], 2, "x"),
        ([1.0, np.inf], 2, "x"),
        ([1.0, 2.0], 0, "block_size"),
        ([1.0, 2.0], 1.5, "block_size"),
    ],
)
def test_online_softmax_trace_rejects_bad_input(x, block_size, match):
    with pytest.raises(ValueError, match=match):
        online_softmax_trace(x, block_size)


def test_online_trace_plot_marks_each_rescaling():
    x = np.array([0.0, 1.0, 5.0, 2.0, 9.0, 1.0])  # the max grows in blocks 2 and 3
    top, bottom = plot_online_softmax_trace(x, block_size=2)
    arrows = [child for child in bottom.get_children() if type(child).__name__ == "Annotation"]
    assert len(arrows) == 2
    assert top.get_ylabel() == "logit"
