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
