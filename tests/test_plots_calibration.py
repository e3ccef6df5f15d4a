"""The reliability plot draws each non-empty bin's accuracy and its gap to the mean confidence."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from softmax_teach.calibration import reliability_diagram  # noqa: E402
from softmax_teach.plots.calibration import reliability_plot  # noqa: E402


def test_reliability_plot_bars_are_the_diagram_accuracies_and_gaps():
    p = np.array([[0.95, 0.05], [0.9, 0.1], [0.65, 0.35], [0.6, 0.4]])
    labels = np.array([0, 1, 0, 0])
    diagram = reliability_diagram(p, labels, n_bins=5)
    ax = reliability_plot(diagram, title="x")
    accuracy_bars, gap_bars = ax.containers
    filled = diagram.counts > 0
    np.testing.assert_allclose([b.get_height() for b in accuracy_bars], diagram.accuracy[filled])
    np.testing.assert_allclose(
        [b.get_height() for b in gap_bars], np.abs(diagram.accuracy - diagram.confidence)[filled]
    )
    np.testing.assert_allclose([b.get_x() for b in accuracy_bars], diagram.edges[:-1][filled])
    assert f"{diagram.ece:.3f}" in gap_bars.get_label()
    assert [t.get_text() for t in ax.texts] == [str(c) for c in diagram.counts[filled]]
    plt.close("all")


def test_over_and_under_confidence_have_their_own_style_and_legend_entry_and_counts_get_a_histogram():
    # Bins (0.4, 0.6] and (0.6, 0.8]: one right prediction each (under); (0.8, 1]: 0.925 and half right (over).
    p = np.array([[0.95, 0.05], [0.9, 0.1], [0.65, 0.35], [0.6, 0.4]])
    labels = np.array([0, 1, 0, 0])
    diagram = reliability_diagram(p, labels, n_bins=5)
    fig, (ax, counts_ax) = plt.subplots(2, 1)
    reliability_plot(diagram, ax=ax, counts_ax=counts_ax)
    _, gap_bars = ax.containers
    filled = diagram.counts > 0
    over = (diagram.confidence > diagram.accuracy)[filled]
    assert over.tolist() == [False, False, True]
    hatches = [patch.get_hatch() for patch in gap_bars]
    assert hatches[0] == hatches[1] != hatches[2]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("over-confident") for t in legend) and any(t.startswith("under-confident") for t in legend)
    np.testing.assert_array_equal([b.get_height() for b in counts_ax.containers[0]], diagram.counts[filled])
    assert counts_ax.get_yscale() == "log"
    plt.close("all")
