"""Plots shared by the notebooks. Topic plots live in submodules (``plots.<topic>``).

Functions draw on an ``ax`` they are given (or a new one) and return it, so a notebook can
compose figures; none of them calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from softmax_teach.palette import CLASS_COLOR, HIGHLIGHT_COLOR


def _axes(ax, figsize=(6, 3.5)):
    """``ax``, or the axes of a new figure of ``figsize`` (matplotlib is imported only then)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def probability_bars(probabilities, labels=None, *, ax=None, title=None, highlight_max=True):
    """Bar chart of one probability vector, the arg-max highlighted, values written on top.

    Parameters
    ----------
    probabilities : array_like
        1-D probabilities.
    labels : sequence of str, optional
        Class names (default ``"0"``, ``"1"``, ...).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    highlight_max : bool
        Colour the most probable class differently.

    Returns
    -------
    matplotlib.axes.Axes
    """
    p = np.asarray(probabilities, dtype=float)
    ax = _axes(ax)
    labels = [str(i) for i in range(p.size)] if labels is None else list(labels)
    colors = [CLASS_COLOR] * p.size
    if highlight_max and p.size:
        colors[int(np.argmax(p))] = HIGHLIGHT_COLOR
    bars = ax.bar(labels, p, color=colors)
    for bar, value in zip(bars, p):
        ax.annotate(f"{value:.3f}", (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("probability")
    if title:
        ax.set_title(title)
    return ax


def grouped_probability_bars(rows, row_labels, class_labels=None, *, ax=None, title=None):
    """Side-by-side bars of several probability vectors over the same classes.

    Parameters
    ----------
    rows : array_like, shape (m, n)
        One probability vector per group member (e.g. one per temperature).
    row_labels : sequence of str
        Legend entries, one per row.
    class_labels : sequence of str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    m, n = rows.shape
    ax = _axes(ax)
    width = 0.8 / m
    positions = np.arange(n)
    for i, (row, label) in enumerate(zip(rows, row_labels)):
        ax.bar(positions + (i - (m - 1) / 2) * width, row, width=width, label=label)
    ax.set_xticks(positions, class_labels if class_labels is not None else [str(i) for i in range(n)])
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax
