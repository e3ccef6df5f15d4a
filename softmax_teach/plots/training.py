"""Plots for trained classifiers: loss curves, and images beside their top-k probability bars."""

from __future__ import annotations

import numpy as np

from softmax_teach.palette import CLASS_COLOR, HIGHLIGHT_COLOR
from softmax_teach.plots import _axes

__all__ = ["loss_curves", "image_with_top_k", "top_k_gallery"]


def loss_curves(histories, *, ax=None, title=None, ylabel="cross-entropy loss (nats)", log_scale=False):
    """One line per named loss history, against the epoch number (1, 2, ...).

    Parameters
    ----------
    histories : dict of str -> sequence of float
        e.g. ``{"train": result.train_loss, "validation": result.validation_loss}``.
    ax : matplotlib.axes.Axes, optional
    title, ylabel : str, optional
    log_scale : bool
        Logarithmic loss axis (useful when one curve falls much further than another).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not histories:
        raise ValueError("histories must name at least one loss history")
    ax = _axes(ax)
    for name, values in histories.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, label=name, linewidth=2)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if log_scale:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def image_with_top_k(image, probabilities, *, k=5, true_label=None, class_names=None, axes=None):
    """A grey-scale image on the left, its ``k`` most probable classes as horizontal bars on the right.

    Parameters
    ----------
    image : array_like, shape (h, w)
    probabilities : array_like, shape (classes,)
        Softmax probabilities for this image.
    k : int
        How many classes to show (the slide's top-5).
    true_label : int, optional
        Written in the image's title; the bar of the true class is outlined in black.
    class_names : sequence of str, optional
    axes : (Axes, Axes), optional
        Where to draw the image and the bars.

    Returns
    -------
    (matplotlib.axes.Axes, matplotlib.axes.Axes)
    """
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 1 or not 1 <= k <= p.size:
        raise ValueError(f"k must be between 1 and the number of classes {p.size}, got {k!r}")
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(5, 2), gridspec_kw={"width_ratios": [1, 1.6]})
    image_ax, bar_ax = axes
    names = [str(i) for i in range(p.size)] if class_names is None else list(class_names)
    image_ax.imshow(np.asarray(image), cmap="gray_r")
    image_ax.set_xticks([])
    image_ax.set_yticks([])
    if true_label is not None:
        image_ax.set_title(f"true: {names[int(true_label)]}", fontsize=9)
    top = np.argsort(-p, kind="stable")[:k]
    colors = [HIGHLIGHT_COLOR if i == 0 else CLASS_COLOR for i in range(k)]
    bars = bar_ax.barh(np.arange(k)[::-1], p[top], color=colors)
    if true_label is not None:
        for bar, cls in zip(bars, top):
            if cls == int(true_label):
                bar.set_edgecolor("black")
                bar.set_linewidth(1.5)
    bar_ax.set_yticks(np.arange(k)[::-1], [names[i] for i in top])
    bar_ax.set_xlim(0, 1.9)  # room for "1.000  ← true" after a full-length bar
    bar_ax.set_xticks([0, 0.5, 1])
    is_true = [true_label is not None and cls == int(true_label) for cls in top]
    # An outline cannot be seen on a bar of width 0.007, so the true class is also named in words.
    for tick, true in zip(bar_ax.get_yticklabels(), is_true):
        if true:
            tick.set_fontweight("bold")
    for y, value, true in zip(np.arange(k)[::-1], p[top], is_true):
        bar_ax.annotate(
            f"{value:.3f}" + ("  ← true" if true else ""),
            (value, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            fontweight="bold" if true else "normal",
        )
    bar_ax.tick_params(axis="x", labelsize=7)
    return image_ax, bar_ax


def top_k_gallery(images, probabilities, labels=None, *, k=5, columns=3, class_names=None, title=None):
    """A grid of :func:`image_with_top_k` panels, one per image.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    probabilities = np.asarray(probabilities, dtype=float)
    n = len(images)
    if probabilities.shape[0] != n:
        raise ValueError(f"probabilities has {probabilities.shape[0]} rows for {n} images")
    rows = int(np.ceil(n / columns))
    fig, axes = plt.subplots(
        rows, 2 * columns, figsize=(3.3 * columns, 1.6 * rows), gridspec_kw={"width_ratios": [1, 1.6] * columns}
    )
    axes = np.atleast_2d(axes)
    for index in range(rows * columns):
        r, c = divmod(index, columns)
        pair = (axes[r, 2 * c], axes[r, 2 * c + 1])
        if index >= n:
            pair[0].axis("off")
            pair[1].axis("off")
            continue
        label = None if labels is None else labels[index]
        image_with_top_k(images[index], probabilities[index], k=k, true_label=label, class_names=class_names, axes=pair)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
