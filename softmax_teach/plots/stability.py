"""Plots for notebook 04 (numerical stability): exp's safe range, ULP errors, online softmax.

The ranges themselves come from :func:`softmax_teach.numerics.exp_limits`.

Functions draw on an ``ax`` they are given (or a new figure) and return the axes; none calls
``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.numerics import exp_limits, logsumexp
from softmax_teach.palette import BACKGROUND_GREY, CLASS_COLOR, HIGHLIGHT_COLOR, OKABE_ITO, SECOND_COLOR, THIRD_COLOR
from softmax_teach.plots import _axes

__all__ = ["exp_range_chart", "plot_ulp_errors", "online_softmax_trace", "plot_online_softmax_trace"]

_FLOAT_TYPES = (np.float16, np.float32, np.float64)

# Colours for the four regimes of exp(x): exactly 0, subnormal, normal, inf.
_REGIME_COLORS = {"0": BACKGROUND_GREY, "subnormal": OKABE_ITO["sky"], "normal": CLASS_COLOR, "inf": HIGHLIGHT_COLOR}


def exp_range_chart(dtypes=_FLOAT_TYPES, *, ax=None, span=1000.0):
    """One horizontal band per dtype: where ``exp(x)`` is 0, subnormal, normal, or ``inf``.

    The x axis is symmetric-log so that float16's window (about -17 to 11) and float64's
    (about -745 to 710) are both readable.

    Parameters
    ----------
    dtypes : sequence of numpy floating dtypes
    ax : matplotlib.axes.Axes, optional
    span : float
        The chart covers ``[-span, span]``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.patches import Patch

    ax = _axes(ax, (8, 0.8 + 0.7 * len(dtypes)))
    for row, dtype in enumerate(dtypes):
        limits = exp_limits(dtype)
        edges = [-span, limits["zero_below"], limits["subnormal_below"], limits["inf_above"], span]
        for (start, stop), regime in zip(zip(edges[:-1], edges[1:]), _REGIME_COLORS):
            ax.barh(row, stop - start, left=start, height=0.6, color=_REGIME_COLORS[regime])
        ax.annotate(
            f"{limits['inf_above']:.2f}",
            (limits["inf_above"], row + 0.32),
            ha="center",
            va="bottom",
            fontsize=8,
        )
        ax.annotate(
            f"{limits['zero_below']:.1f}",
            (limits["zero_below"], row + 0.32),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(-span, span)
    ax.set_yticks(range(len(dtypes)), [np.dtype(d).name for d in dtypes])
    ax.set_ylim(-0.5, len(dtypes) - 0.2)
    ax.set_xlabel("x (symmetric log scale)")
    ax.set_title("What np.exp(x) returns")
    ax.legend(
        handles=[
            Patch(color=color, label=f"exp(x) = {name}" if name in ("0", "inf") else f"{name} result")
            for name, color in _REGIME_COLORS.items()
        ],
        loc="upper left",
        fontsize=8,
        ncols=4,
        bbox_to_anchor=(0, -0.28),
    )
    return ax


def plot_ulp_errors(magnitudes, errors, *, ax=None, xlabel="|x|", title=None):
    """Error curves in ULP (units in the last place) against input magnitude, one per method.

    Parameters
    ----------
    magnitudes : array_like, shape (k,)
        The x positions (positive; drawn on a log axis).
    errors : dict of str to array_like, shape (k,)
        For each method name, its error in ULP at each magnitude (e.g. the maximum over a batch).
    ax : matplotlib.axes.Axes, optional
    xlabel, title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        The y axis is linear below 1 ULP and logarithmic above, so a correctly rounded result
        (0 ULP) still shows.
    """
    magnitudes = np.asarray(magnitudes, dtype=float)
    if magnitudes.ndim != 1 or (magnitudes <= 0).any():
        raise ValueError(f"magnitudes must be a 1-D array of positive numbers, got {magnitudes!r}")
    ax = _axes(ax, (6.5, 4))
    markers = "osD^v<>"
    for index, (name, values) in enumerate(errors.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != magnitudes.shape:
            raise ValueError(f"errors[{name!r}] has shape {values.shape}, expected {magnitudes.shape}")
        ax.plot(magnitudes, values, marker=markers[index % len(markers)], label=name)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_ylim(bottom=0)
    ax.axhline(1, color="grey", lw=0.8, ls=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("largest error (ULP)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def online_softmax_trace(x, block_size):
    """The running max and running sum that one-pass (online) softmax holds after each block.

    After reading the first ``end`` elements, the online algorithm holds ``m = max(x[:end])``
    and ``l = sum(exp(x[:end] - m))``. This function returns those values (computed directly,
    with :func:`~softmax_teach.numerics.logsumexp`, so the picture does not depend on the
    streaming code it illustrates), and the previous sum rescaled to the new max,
    ``l_old * exp(m_old - m_new)``: the one correction the algorithm makes when the max grows.

    Parameters
    ----------
    x : array_like, shape (n,)
        Finite logits.
    block_size : int
        Elements read per step (>= 1).

    Returns
    -------
    dict of ndarray
        ``block_end`` (elements read so far), ``running_max``, ``running_sum`` and
        ``rescaled_previous_sum`` (``nan`` for the first block), one entry per block.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.isfinite(x).all():
        raise ValueError(f"x must be a non-empty 1-D array of finite numbers, got shape {x.shape}")
    block_size = check.positive_int(block_size, "block_size")
    ends = np.minimum(np.arange(block_size, x.size + block_size, block_size), x.size)
    running_max = np.array([x[:end].max() for end in ends])
    running_sum = np.array([np.exp(logsumexp(x[:end]) - m) for end, m in zip(ends, running_max)])
    rescaled = np.full(ends.size, np.nan)
    rescaled[1:] = running_sum[:-1] * np.exp(running_max[:-1] - running_max[1:])
    return {
        "block_end": ends,
        "running_max": running_max,
        "running_sum": running_sum,
        "rescaled_previous_sum": rescaled,
    }


def plot_online_softmax_trace(x, block_size, *, axes=None):
    """Two panels: the logits read block by block with the running max, and the running sum.

    Where the max jumps, the sum drops: the old sum is rescaled by ``exp(m_old - m_new)``
    (an arrow shows it) before the new block's terms are added.

    Parameters
    ----------
    x : array_like, shape (n,)
    block_size : int
    axes : pair of matplotlib.axes.Axes, optional

    Returns
    -------
    tuple of matplotlib.axes.Axes
    """
    x = np.asarray(x, dtype=float)
    trace = online_softmax_trace(x, block_size)
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
    top, bottom = axes
    positions = np.arange(x.size)
    top.plot(positions, x, "o", color=CLASS_COLOR, ms=4, label="logit $x_i$")
    starts = np.concatenate([[0], trace["block_end"][:-1]])
    for start, end, m in zip(starts, trace["block_end"], trace["running_max"]):
        top.hlines(m, start - 0.5, end - 0.5, color=THIRD_COLOR, lw=2)
    top.plot([], [], color=THIRD_COLOR, lw=2, label="running max m after each block")
    for end in trace["block_end"][:-1]:
        for axis in axes:
            axis.axvline(end - 0.5, color="grey", lw=0.6, ls="--")
    top.set_ylabel("logit")
    top.legend(fontsize=8, loc="upper left")
    for start, end, total in zip(starts, trace["block_end"], trace["running_sum"]):
        bottom.hlines(total, start - 0.5, end - 0.5, color=SECOND_COLOR, lw=2)
    bottom.plot([], [], color=SECOND_COLOR, lw=2, label="running sum l after each block")
    for previous_end, before, after in zip(
        trace["block_end"][:-1], trace["running_sum"][:-1], trace["rescaled_previous_sum"][1:]
    ):
        if after < before * (1 - 1e-12):  # the max grew in this block: the old sum shrinks first
            bottom.annotate(
                "",
                xy=(previous_end - 0.5, after),
                xytext=(previous_end - 0.5, before),
                arrowprops={"arrowstyle": "->", "color": HIGHLIGHT_COLOR, "lw": 1.5},
            )
            bottom.plot(previous_end - 0.5, after, "o", color=HIGHLIGHT_COLOR, ms=4)
    bottom.plot([], [], color=HIGHLIGHT_COLOR, marker="o", ms=4, label="old l rescaled by exp(m_old - m_new)")
    bottom.set_ylim(0, 1.6 * np.nanmax(trace["running_sum"]))  # room for the legend
    bottom.set_ylabel("l = sum exp(x - m)")
    bottom.set_xlabel("position in the row (dashed lines: block boundaries)")
    bottom.legend(fontsize=8, loc="upper left")
    return top, bottom
