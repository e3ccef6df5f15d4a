"""Plots for notebook 10: what a sampling filter keeps and cuts.

Each function draws on the axes it is given (or new ones) and returns them.
"""

from __future__ import annotations

import numpy as np

from softmax_teach.numerics import sampling_probabilities, softmax
from softmax_teach.palette import CLASS_COLOR, MUTED_COLOR
from softmax_teach.plots import _axes

__all__ = ["filtered_distribution_bars"]

CUT_COLOR = MUTED_COLOR


def filtered_distribution_bars(logits, labels=None, *, temperature=1.0, ax=None, title=None, **filters):
    """The distribution after temperature (grey) and what a filter keeps of it, renormalised (blue).

    Parameters
    ----------
    logits : array_like, shape (n,)
    labels : sequence of str, optional
        Token names (default ``"0"``, ``"1"``, ...).
    temperature : float
        Applied before the filter, as in :func:`softmax_teach.numerics.sampling_probabilities`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Default: the filter settings and how many tokens they keep.
    **filters
        ``top_k``, ``top_p`` and/or ``min_p``, passed to ``sampling_probabilities``.

    Returns
    -------
    matplotlib.axes.Axes
        The wide grey bars are ``softmax(logits / T)``; the narrow blue bars are the filtered,
        renormalised distribution the sample is drawn from (no blue bar: the token is cut).
    """
    logits = np.asarray(logits, dtype=float)
    before = softmax(logits, temperature=temperature)
    after = sampling_probabilities(logits, temperature=temperature, **filters)
    ax = _axes(ax)
    positions = np.arange(logits.size)
    labels = [str(i) for i in positions] if labels is None else list(labels)
    ax.bar(positions, before, width=0.8, color=CUT_COLOR, label=f"softmax(x / T), T = {temperature:g}")
    kept = after > 0
    ax.bar(positions[kept], after[kept], width=0.45, color=CLASS_COLOR, label="kept, renormalised")
    ax.set_xticks(positions, labels, rotation=45, fontsize=8)
    ax.set_ylabel("probability")
    if title is None:
        settings = ", ".join(f"{key}={value}" for key, value in filters.items()) or "no filter"
        title = f"{settings}: keeps {int(kept.sum())}"
    ax.set_title(title, fontsize=10)
    return ax
