"""Plots for notebook 11: reward and regret curves, and action frequencies against exact probabilities.

Each function draws on the axes it is given (or new ones) and returns them.
"""

from __future__ import annotations

import numpy as np

from softmax_teach.plots import _axes, grouped_probability_bars

__all__ = ["learning_curves", "action_frequencies", "final_regret_bars"]


def learning_curves(results, *, axes=None, smooth=20):
    """Average reward and cumulative regret against step, one line per :class:`~softmax_teach.bandits.BanditResult`.

    Parameters
    ----------
    results : sequence of BanditResult
    axes : pair of matplotlib.axes.Axes, optional
        Where to draw reward and regret (default: a new figure with two panels).
    smooth : int
        Window of the moving average applied to the (noisy) reward curve only.

    Returns
    -------
    tuple of matplotlib.axes.Axes
    """
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(11, 4))
    reward_ax, regret_ax = axes
    window = np.ones(smooth) / smooth
    for result in results:
        style = "--" if not result.policy.startswith("softmax") else "-"
        steps = np.arange(1, result.average_reward.size + 1)
        smoothed = np.convolve(result.average_reward, window, mode="valid")
        reward_ax.plot(steps[smooth - 1 :], smoothed, style, label=result.policy)
        regret_ax.plot(steps, result.cumulative_regret, style, label=result.policy)
    reward_ax.set_xlabel("step")
    reward_ax.set_ylabel(f"average reward ({smooth}-step moving mean)")
    regret_ax.set_xlabel("step")
    regret_ax.set_ylabel("cumulative regret")
    regret_ax.legend(fontsize=8)
    return reward_ax, regret_ax


def action_frequencies(frequencies, probabilities, *, labels=("observed frequency", "exact probability"), ax=None, title=None):
    """Observed action frequencies beside the exact policy probabilities, action by action."""
    frequencies = np.asarray(frequencies, dtype=float)
    classes = [f"action {a}" for a in range(frequencies.size)]
    return grouped_probability_bars([frequencies, probabilities], list(labels), classes, ax=_axes(ax), title=title)


def final_regret_bars(results, *, ax=None, highlight=None, title=None):
    """Total regret of each policy with its standard error; bars below ``highlight`` policy's regret are marked.

    Parameters
    ----------
    results : sequence of BanditResult
    ax : matplotlib.axes.Axes, optional
    highlight : BanditResult, optional
        A baseline (e.g. ε-greedy): a horizontal line at its regret.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    regrets = [r.cumulative_regret[-1] for r in results]
    errors = [r.regret_standard_error for r in results]
    colors = ["#4C72B0" if r.policy.startswith("softmax") else "#8C8C8C" for r in results]
    ax.bar([r.policy for r in results], regrets, yerr=errors, color=colors, capsize=3)
    if highlight is not None:
        ax.axhline(highlight.cumulative_regret[-1], color="#DD8452", linestyle="--", label=f"{highlight.policy}")
        ax.legend(fontsize=8)
    ax.set_ylabel("total regret after the last step")
    for label in ax.get_xticklabels():
        label.set_rotation(40)
        label.set_horizontalalignment("right")
    if title:
        ax.set_title(title)
    return ax
