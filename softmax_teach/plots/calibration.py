"""The reliability diagram: does a confidence of 0.9 mean right 90 % of the time?"""

from __future__ import annotations

import numpy as np

from softmax_teach.palette import CLASS_COLOR, HIGHLIGHT_COLOR
from softmax_teach.plots import _axes

__all__ = ["reliability_plot"]


def reliability_plot(diagram, *, ax=None, title=None, show_counts=True):
    """Accuracy per confidence bin as bars, the gap to the diagonal shaded, ECE in the legend.

    Parameters
    ----------
    diagram : softmax_teach.calibration.ReliabilityDiagram
        From :func:`softmax_teach.calibration.reliability_diagram`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    show_counts : bool
        Write each non-empty bin's number of predictions above its bar.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    A bar below the diagonal is over-confidence (the model said 0.95, it was right less often);
    above it is under-confidence. Empty bins are left out.
    """
    ax = _axes(ax)
    edges = np.asarray(diagram.edges)
    width = np.diff(edges)
    filled = np.asarray(diagram.counts) > 0
    left = edges[:-1][filled]
    ax.bar(
        left,
        diagram.accuracy[filled],
        width=width[filled],
        align="edge",
        color=CLASS_COLOR,
        edgecolor="white",
        label="accuracy in bin",
    )
    gap_bottom = np.minimum(diagram.accuracy[filled], diagram.confidence[filled])
    gap_height = np.abs(diagram.accuracy[filled] - diagram.confidence[filled])
    # Hatched and unfilled, so a gap drawn over an accuracy bar (under-confidence) stays readable.
    ax.bar(
        left,
        gap_height,
        bottom=gap_bottom,
        width=width[filled],
        align="edge",
        facecolor="none",
        edgecolor=HIGHLIGHT_COLOR,
        hatch="///",
        linewidth=1,
        label=f"gap to mean confidence (ECE {diagram.ece:.3f})",
    )
    ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1, label="perfectly calibrated")
    if show_counts:
        for x, w, acc, count in zip(left, width[filled], diagram.accuracy[filled], diagram.counts[filled]):
            ax.annotate(str(int(count)), (x + w / 2, max(acc, 0.02)), ha="center", va="bottom", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("confidence (largest softmax probability)")
    ax.set_ylabel("accuracy")
    # Below the axes: inside, it would cover the count labels of the low-confidence bars.
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    if title:
        ax.set_title(title)
    return ax
