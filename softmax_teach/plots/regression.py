"""Plots for notebook 12: decision regions of a two-feature classifier and loss curves.

Each function draws on the ``ax`` it is given (or a new one) and returns it.
"""

from __future__ import annotations

import numpy as np

from softmax_teach.palette import SEQUENCE
from softmax_teach.plots import _axes

__all__ = ["decision_regions", "optimality_gap_curves"]

_CLASS_COLORS = SEQUENCE


def decision_regions(predict_proba, X, y, *, ax=None, class_names=None, feature_names=None, resolution=200, title=None):
    """Shade the plane by predicted class (lighter where the model is unsure) and scatter the data.

    Parameters
    ----------
    predict_proba : callable
        Maps an ``(m, 2)`` array to ``(m, C)`` probabilities (e.g. ``model.predict_proba``).
    X : array_like, shape (n, 2)
        The two features of the points to show.
    y : array_like of int, shape (n,)
        Their classes.
    ax : matplotlib.axes.Axes, optional
    class_names, feature_names : sequence of str, optional
    resolution : int
        Grid points per axis.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The colour of a grid point is its arg-max class; its opacity is the top probability, so
    the boundary bands show where softmax is close to a tie.
    """
    from matplotlib.colors import to_rgb

    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) (two features to draw), got {X.shape}")
    ax = _axes(ax)
    pad = 0.5
    (x0_min, x1_min), (x0_max, x1_max) = X.min(axis=0) - pad, X.max(axis=0) + pad
    grid0, grid1 = np.meshgrid(np.linspace(x0_min, x0_max, resolution), np.linspace(x1_min, x1_max, resolution))
    probabilities = np.asarray(predict_proba(np.column_stack([grid0.ravel(), grid1.ravel()])))
    n_classes = probabilities.shape[1]
    colors = np.array([to_rgb(_CLASS_COLORS[c % len(_CLASS_COLORS)]) for c in range(n_classes)])
    top = probabilities.max(axis=1)
    # Blend the winning class colour with white: a tie between C classes (top = 1/C) is white.
    strength = ((top - 1 / n_classes) / (1 - 1 / n_classes))[:, None]
    image = 1 - 0.6 * strength * (1 - colors[probabilities.argmax(axis=1)])
    ax.imshow(
        image.reshape(resolution, resolution, 3), origin="lower", extent=(x0_min, x0_max, x1_min, x1_max), aspect="auto"
    )
    names = list(class_names) if class_names is not None else [str(c) for c in range(n_classes)]
    for c in range(n_classes):
        mask = y == c
        ax.scatter(X[mask, 0], X[mask, 1], s=18, color=colors[c], edgecolor="black", linewidth=0.5, label=names[c])
    if feature_names is not None:
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])
    ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title)
    return ax


def optimality_gap_curves(histories, *, optimum=None, ax=None, title=None):
    """Gap between the training loss and the optimum against iteration, one line per history.

    Parameters
    ----------
    histories : dict of str to sequence of float
        Label -> loss per iteration (e.g. ``{"plain GD": model.loss_history_}``).
    optimum : float or dict of str to float, optional
        The optimal loss (one for all, or one per label: runs on different data have different
        optima). Default: the lowest loss in all histories. The gap is drawn on a log axis, which
        shows the speed of convergence far better than the raw loss.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    if optimum is None:
        optimum = min(min(h) for h in histories.values())
    for label, history in histories.items():
        best = optimum[label] if isinstance(optimum, dict) else optimum
        gap = np.asarray(history, dtype=float) - best
        # A gap at or below rounding level is drawn at 1e-16 rather than vanishing from a log plot.
        ax.semilogy(np.maximum(gap, 1e-16), label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss − optimal loss")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax
