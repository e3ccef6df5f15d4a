"""Plots for notebook 13 (attention): weight heatmaps and the entropy of attention against ``d``.

Functions draw on an ``ax`` they are given (or a new figure) and return the axes; none calls
``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from softmax_teach.palette import BACKGROUND_GREY, MUTED_COLOR
from softmax_teach.plots import _axes

__all__ = ["attention_heatmap", "entropy_against_dimension"]


def attention_heatmap(weights, query_labels=None, key_labels=None, *, ax=None, title=None, annotate=True):
    """Heatmap of one attention matrix: a row per query, a column per key, each row summing to 1.

    Parameters
    ----------
    weights : array_like or torch.Tensor, shape (n_queries, n_keys)
        Attention weights in [0, 1]. Masked entries (weight exactly 0) are drawn hatched grey, so
        a forbidden key is told apart from one that is merely unlikely.
    query_labels, key_labels : sequence of str, optional
        Tick labels (default: positions ``0, 1, ...``).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    annotate : bool
        Write each weight in its cell (readable up to about 12 × 12).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.patches import Rectangle

    if hasattr(weights, "detach"):
        weights = weights.detach().cpu().numpy()
    matrix = np.asarray(weights, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"weights must be a 2-D (queries × keys) matrix, got shape {matrix.shape}")
    n_queries, n_keys = matrix.shape
    ax = _axes(ax, (0.5 * n_keys + 2, 0.45 * n_queries + 1.5))
    masked = np.ma.masked_where(matrix == 0, matrix)
    ax.set_facecolor(BACKGROUND_GREY)
    image = ax.imshow(masked, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    for i, j in zip(*np.nonzero(matrix == 0)):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor=MUTED_COLOR, linewidth=0))
    if annotate:
        for i in range(n_queries):
            for j in range(n_keys):
                if matrix[i, j] > 0:
                    color = "black" if matrix[i, j] > 0.6 else "white"
                    ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(n_keys), key_labels if key_labels is not None else [str(j) for j in range(n_keys)])
    ax.set_yticks(range(n_queries), query_labels if query_labels is not None else [str(i) for i in range(n_queries)])
    ax.set_xlabel("key")
    ax.set_ylabel("query")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="weight")
    if title:
        ax.set_title(title)
    return ax


def entropy_against_dimension(dimensions, scaled_entropy, unscaled_entropy, n_keys, *, ax=None, title=None):
    """Mean entropy of attention weights against the feature dimension ``d``, with and without ``1/√d``.

    Parameters
    ----------
    dimensions : sequence of int
        The ``d`` values (drawn on a log axis).
    scaled_entropy, unscaled_entropy : array_like
        Mean entropies in nats (e.g. from :func:`softmax_teach.models.attention.attention_entropy`).
    n_keys : int
        Keys per query: the uniform entropy ``log(n_keys)`` is drawn as a dashed line.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (6, 3.5))
    dims = np.asarray(dimensions, dtype=float)
    ax.plot(dims, scaled_entropy, "o-", label=r"scores $/\sqrt{d}$")
    ax.plot(dims, unscaled_entropy, "s-", label="unscaled scores")
    ax.axhline(np.log(n_keys), color="grey", linestyle="--", linewidth=1, label=f"uniform: log {n_keys}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("feature dimension d")
    ax.set_ylabel("mean entropy of a row (nats)")
    ax.set_ylim(0, np.log(n_keys) * 1.08)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax
