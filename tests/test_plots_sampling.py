"""The filter plot draws the tempered distribution and exactly what sampling_probabilities keeps."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch

from softmax_teach.plots.sampling import filtered_distribution_bars

LOGITS = np.array([3.2, 2.9, 2.1, 1.8, 1.0, 0.6, -0.5, -2.0])


def test_grey_bars_are_the_tempered_softmax_and_blue_bars_what_the_filter_keeps():
    ax = filtered_distribution_bars(LOGITS, list("abcdefgh"), temperature=2.0, top_p=0.8)
    widths = np.array([patch.get_width() for patch in ax.patches])
    heights = np.array([patch.get_height() for patch in ax.patches])
    before, after = heights[widths == 0.8], heights[widths == 0.45]
    np.testing.assert_allclose(before, torch.softmax(torch.tensor(LOGITS) / 2.0, -1).numpy(), rtol=1e-12)
    # The nucleus of the T = 2 distribution holds 5 tokens; the kept bars sum to 1.
    assert after.size == 5 and np.isclose(after.sum(), 1.0)
    assert ax.get_title() == "top_p=0.8: keeps 5"
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abcdefgh")
    plt.close("all")


def test_without_a_filter_every_token_is_kept():
    ax = filtered_distribution_bars(LOGITS, title="plain")
    assert len(ax.patches) == 2 * LOGITS.size and ax.get_title() == "plain"
    plt.close("all")
