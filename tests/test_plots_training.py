"""Loss curves and top-k panels draw what they are given (checked on the artists, not pixels)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from softmax_teach.plots.training import image_with_top_k, loss_curves, top_k_gallery  # noqa: E402


def teardown_function():
    plt.close("all")


def test_loss_curves_plot_one_line_per_history_against_epochs_from_one():
    ax = loss_curves({"train": [3.0, 2.0, 1.0], "validation": [3.5, 2.5, 2.0]}, log_scale=True, title="t")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train", "validation"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [3.5, 2.5, 2.0])
    assert ax.get_yscale() == "log" and ax.get_title() == "t"
    with pytest.raises(ValueError, match="histories"):
        loss_curves({})


def test_image_with_top_k_shows_the_k_largest_probabilities_best_first():
    p = np.array([0.05, 0.6, 0.1, 0.2, 0.05])
    image_ax, bar_ax = image_with_top_k(np.eye(8), p, k=3, true_label=3)
    widths = [bar.get_width() for bar in bar_ax.patches]
    np.testing.assert_allclose(widths, [0.6, 0.2, 0.1])
    label_at = dict(zip(bar_ax.get_yticks(), (t.get_text() for t in bar_ax.get_yticklabels())))
    assert [label_at[y] for y in (2, 1, 0)] == ["1", "3", "2"]  # the most probable class on top
    assert [bar.get_y() + bar.get_height() / 2 for bar in bar_ax.patches] == [2, 1, 0]
    assert bar_ax.patches[1].get_linewidth() == 1.5  # the true class is outlined
    assert [t.get_text() for t in bar_ax.texts] == ["0.600", "0.200  ← true", "0.100"]  # and named
    assert image_ax.get_title() == "true: 3"
    with pytest.raises(ValueError, match="k"):
        image_with_top_k(np.eye(8), p, k=6)


def test_top_k_gallery_makes_two_axes_per_image_and_hides_spare_cells():
    images = np.zeros((4, 8, 8))
    p = np.full((4, 10), 0.1)
    fig = top_k_gallery(images, p, labels=[0, 1, 2, 3], k=5, columns=3)
    assert len(fig.axes) == 12
    assert sum(not ax.axison for ax in fig.axes) == 4  # two empty panels of two axes each
    with pytest.raises(ValueError, match="rows"):
        top_k_gallery(images, p[:2])
