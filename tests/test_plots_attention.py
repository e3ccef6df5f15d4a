"""softmax_teach.plots.attention draws what it says: the weights, hatched masked cells, both entropy curves."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from softmax_teach.models.attention import attention_weights  # noqa: E402
from softmax_teach.plots.attention import attention_heatmap, entropy_against_dimension  # noqa: E402


def test_heatmap_shows_the_weights_and_hatches_only_the_masked_cells():
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    weights = attention_weights(x, x, causal=True)
    ax = attention_heatmap(weights, list("abcd"), list("abcd"), title="causal")
    image = ax.get_images()[0].get_array()
    np.testing.assert_allclose(image.filled(0), weights.numpy(), rtol=1e-6)
    assert image.mask.sum() == 6  # the 6 cells above the diagonal of a 4 × 4 causal matrix
    hatched = [p for p in ax.patches if p.get_hatch() == "//"]
    assert len(hatched) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abcd")
    assert len(ax.texts) == 10  # one label per allowed cell
    plt.close(ax.figure)


def test_heatmap_rejects_a_non_matrix():
    with pytest.raises(ValueError, match="2-D"):
        attention_heatmap(np.ones(3))


def test_entropy_plot_has_both_curves_and_the_uniform_line():
    ax = entropy_against_dimension([2, 8, 32], [2.0, 2.0, 2.0], [1.5, 0.8, 0.2], n_keys=8)
    lines = ax.get_lines()
    assert len(lines) == 3
    np.testing.assert_allclose(lines[1].get_ydata(), [1.5, 0.8, 0.2])
    assert lines[2].get_ydata()[0] == pytest.approx(np.log(8))
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)
