"""Plots for notebook 11: reward and regret curves, action frequencies against exact probabilities,
and the parameter study (regret against each method's parameter).

Each function draws on the axes it is given (or new ones) and returns them.
"""

from __future__ import annotations

import numpy as np

from softmax_teach.palette import CLASS_COLOR, HIGHLIGHT_COLOR, MUTED_COLOR, SECOND_COLOR
from softmax_teach.plots import _axes, grouped_probability_bars

__all__ = ["learning_curves", "action_frequencies", "final_regret_bars", "parameter_study_curves"]


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


def action_frequencies(
    frequencies, probabilities, *, labels=("observed frequency", "exact probability"), ax=None, title=None
):
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
    colors = [CLASS_COLOR if r.policy.startswith("softmax") else MUTED_COLOR for r in results]
    ax.bar([r.policy for r in results], regrets, yerr=errors, color=colors, capsize=3)
    if highlight is not None:
        ax.axhline(highlight.cumulative_regret[-1], color=HIGHLIGHT_COLOR, linestyle="--", label=f"{highlight.policy}")
        ax.legend(fontsize=8)
    ax.set_ylabel("total regret after the last step")
    for label in ax.get_xticklabels():
        label.set_rotation(40)
        label.set_horizontalalignment("right")
    if title:
        ax.set_title(title)
    return ax


def parameter_study_curves(
    studies, *, ax=None, title=None, colors=(CLASS_COLOR, MUTED_COLOR, SECOND_COLOR, HIGHLIGHT_COLOR)
):
    """Total regret against each method's parameter on one log axis, as in Sutton & Barto's figure 2.6.

    Each :class:`~softmax_teach.bandits.ParameterStudy` is one line (with a band of one standard
    error either side); its best value is marked and named in the legend. The parameters need not
    share units (a temperature and a probability can share the axis): what the figure compares
    is the height of each curve's lowest point, and how wide its valley is.

    Parameters
    ----------
    studies : sequence of ParameterStudy
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    colors : sequence of str
        One colour per study, reused in turn.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7.5, 4.2))
    for i, study in enumerate(studies):
        color = colors[i % len(colors)]
        regret, error = study.regret, study.standard_error
        ax.fill_between(study.values, regret - error, regret + error, color=color, alpha=0.2, linewidth=0)
        ax.plot(
            study.values, regret, "o-", color=color, markersize=4, label=f"{study.method}, against {study.parameter}"
        )
        best = study.best_index
        ax.plot(
            study.values[best],
            regret[best],
            "*",
            color=color,
            markersize=14,
            markeredgecolor="black",
            label=f"best {study.parameter} = {study.best_value:g}: {regret[best]:.0f} ± {error[best]:.0f}",
        )
        # A dotted level at each best: the points of another curve below it beat this method at its best.
        ax.axhline(regret[best], color=color, linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("parameter (log scale): temperature T, or exploration rate ε")
    ax.set_ylabel("total regret after the last step")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax
