"""The reliability diagram: does a confidence of 0.9 mean right 90 % of the time?"""

from __future__ import annotations

import numpy as np

from softmax_teach.palette import CLASS_COLOR, HIGHLIGHT_COLOR, MUTED_COLOR, SECOND_COLOR
from softmax_teach.plots import _axes

__all__ = ["reliability_plot"]


def reliability_plot(diagram, *, ax=None, title=None, show_counts=True, counts_ax=None):
    """Accuracy per confidence bin as bars, the gap to the mean confidence hatched, ECE in the title row.

    Parameters
    ----------
    diagram : softmax_teach.calibration.ReliabilityDiagram
        From :func:`softmax_teach.calibration.reliability_diagram`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    show_counts : bool
        Write each non-empty bin's number of predictions above its bar.
    counts_ax : matplotlib.axes.Axes, optional
        If given, a histogram of the number of predictions per bin (log scale) is drawn there, so a
        bin of 3 images is not read like a bin of 300.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The gap is drawn in one of two styles, each with its own legend entry: *over-confident*
    (the bin's mean confidence is above its accuracy: the bar falls short of the confidence) and
    *under-confident* (the accuracy is above the confidence). ``ax.containers`` holds the accuracy
    bars, then the gaps of every filled bin in bin order (one container), so the plot can be
    tested; the two legend entries are proxies. Empty bins are left out.
    """
    from matplotlib.patches import Patch

    ax = _axes(ax)
    edges = np.asarray(diagram.edges)
    width = np.diff(edges)
    filled = np.asarray(diagram.counts) > 0
    left = edges[:-1][filled]
    accuracy = diagram.accuracy[filled]
    confidence = diagram.confidence[filled]
    ax.bar(
        left, accuracy, width=width[filled], align="edge", color=CLASS_COLOR, edgecolor="white", label="accuracy in bin"
    )
    over = confidence > accuracy
    styles = {True: (HIGHLIGHT_COLOR, "///"), False: (SECOND_COLOR, "...")}
    gaps = ax.bar(
        left,
        np.abs(accuracy - confidence),
        bottom=np.minimum(accuracy, confidence),
        width=width[filled],
        align="edge",
        facecolor="none",
        linewidth=1,
        label=f"gap to mean confidence (ECE {diagram.ece:.3f})",
    )
    for patch, is_over in zip(gaps, over):
        color, hatch = styles[bool(is_over)]
        patch.set_edgecolor(color)
        patch.set_hatch(hatch)
    ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1, label="perfectly calibrated")
    if show_counts:
        for x, w, acc, count in zip(left, width[filled], accuracy, diagram.counts[filled]):
            ax.annotate(str(int(count)), (x + w / 2, max(acc, 0.02)), ha="center", va="bottom", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("confidence (largest softmax probability)")
    ax.set_ylabel("accuracy")
    handles = [
        Patch(facecolor=CLASS_COLOR, label="accuracy in bin"),
        Patch(facecolor="none", edgecolor=HIGHLIGHT_COLOR, hatch="///", label="over-confident gap"),
        Patch(facecolor="none", edgecolor=SECOND_COLOR, hatch="...", label="under-confident gap"),
        ax.lines[-1],
    ]
    # Upper left, inside, with short labels: for any model worth calibrating that corner (low
    # confidence, high accuracy) is empty; below the axes, two diagrams side by side would collide.
    # Over-confident: the bin's confidence is above its accuracy; under-confident: the reverse.
    ax.legend(
        handles=handles,
        fontsize=7,
        loc="upper left",
        frameon=False,
        title=f"ECE {diagram.ece:.3f}",
        title_fontsize=8,
        alignment="left",
    )
    if title:
        ax.set_title(title)
    if counts_ax is not None:
        counts_ax.bar(
            left, diagram.counts[filled], width=width[filled], align="edge", color=MUTED_COLOR, edgecolor="white"
        )
        counts_ax.set_yscale("log")
        counts_ax.set_xlim(0, 1)
        counts_ax.set_ylabel("predictions\n(log scale)")
        counts_ax.set_xlabel("confidence (largest softmax probability)")
    return ax
