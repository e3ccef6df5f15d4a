"""Softmax (Boltzmann) exploration on a k-armed Gaussian bandit, vectorised over runs.

A bandit run is one learner facing ``k`` slot machines ("arms") for ``steps`` pulls. Each arm
pays a reward drawn from ``N(mean_a, 1)``; the learner does not know the means and must trade
exploring (trying arms to learn their means) against exploiting (pulling the best arm so far).
This is the 10-armed testbed of Sutton & Barto, *Reinforcement Learning: An Introduction*
(2nd ed., 2018), section 2.3.

Policies
--------
Every policy maps its current knowledge to a probability vector over the arms, so all of them
draw an arm the same way (one uniform number per run and step, inverted through the cumulative
probabilities):

* :class:`SoftmaxPolicy` — ``pi = softmax(Q / T)`` over the action-value estimates ``Q``,
  computed with :func:`softmax_teach.numerics.softmax` (stable at any temperature);
* :class:`EpsilonGreedyPolicy` — the best estimate with probability ``1 - eps``, a uniformly
  random arm otherwise; :class:`GreedyPolicy` is ``eps = 0``. Ties for the best estimate are
  shared evenly (that is ``softmax(Q, temperature=0)``), so a greedy learner does not always
  start with arm 0;
* :class:`UCBPolicy` — the arm with the largest upper confidence bound ``Q + c sqrt(ln t / N)``:
  it explores the arms it knows least about, with no randomness of its own;
* :class:`GradientBanditPolicy` — learns preferences ``H`` directly with REINFORCE:
  ``H += alpha (R - baseline) grad log pi(a)``, where ``grad log pi(a) = onehot(a) - pi`` for
  ``pi = softmax(H)`` (:func:`log_policy_gradient`).

Runs and seeds
--------------
:func:`run` simulates all runs at once (one row per seed), so 200 runs of 1000 steps take well
under a second. Run ``i`` draws its arm means, its action uniforms and its reward noise from
``numpy.random.default_rng(seeds[i])``, so a run's result depends on its own seed only, not on
which other seeds share the batch, and policies compared on the same seeds face the same bandits
and the same luck: :func:`paired_difference` compares two results run by run.

Parameter studies
-----------------
Comparing one temperature with one ε says little: either may be far from its own best setting.
:func:`parameter_study` runs a policy at every value of its parameter (each run vectorised over
the seeds) and finds the value with the least total regret, so methods can be compared *each at
its best*, as in Sutton & Barto's parameter study (figure 2.6). The best of a noisy curve is
optimistic on the seeds that chose it; run it again on fresh seeds to report it.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from softmax_teach import _validation as check
from softmax_teach import statistics
from softmax_teach.numerics import softmax

__all__ = [
    "GaussianBandit",
    "SoftmaxPolicy",
    "EpsilonGreedyPolicy",
    "GreedyPolicy",
    "GradientBanditPolicy",
    "UCBPolicy",
    "BanditResult",
    "ParameterStudy",
    "run",
    "parameter_study",
    "paired_difference",
    "choose_actions",
    "log_policy_gradient",
    "reinforce_update",
]


# ---------------------------------------------------------------------- the bandit


@dataclass(frozen=True)
class GaussianBandit:
    """A k-armed bandit whose arm ``a`` pays ``N(mean_a, reward_noise^2)``.

    Parameters
    ----------
    n_arms : int
        Number of arms ``k`` (ignored when ``means`` is given).
    means : array_like, optional
        Fixed arm means shared by every run (e.g. the slide's Q-values ``[1, 2, 1.5, 0.5]``).
        By default each run draws its own means from ``N(mean_offset, arm_spread^2)``, as in
        the 10-armed testbed.
    arm_spread : float
        Standard deviation of the drawn means.
    mean_offset : float
        Centre of the drawn means (Sutton & Barto use +4 to show why the gradient bandit needs
        a baseline).
    reward_noise : float
        Standard deviation of a reward around its arm's mean.
    """

    n_arms: int = 10
    means: tuple | None = None
    arm_spread: float = 1.0
    reward_noise: float = 1.0
    mean_offset: float = 0.0

    def __post_init__(self):
        if self.means is not None:
            means = np.asarray(self.means, dtype=float)
            if means.ndim != 1 or means.size < 2 or not np.isfinite(means).all():
                raise ValueError(f"means must be a 1-D array of at least 2 finite numbers, got {self.means!r}")
            object.__setattr__(self, "means", tuple(float(m) for m in means))
            object.__setattr__(self, "n_arms", means.size)
        else:
            object.__setattr__(self, "n_arms", check.integer(self.n_arms, "n_arms", minimum=2))
        check.real(self.mean_offset, "mean_offset")
        for name in ("arm_spread", "reward_noise"):
            value = getattr(self, name)
            check.non_negative_real(value, name)

    def draw_means(self, rng):
        """The arm means of one run: the fixed ``means`` or a draw from ``N(mean_offset, arm_spread^2)``."""
        if self.means is not None:
            return np.array(self.means)
        return self.mean_offset + self.arm_spread * rng.standard_normal(self.n_arms)


# ---------------------------------------------------------------------- policies


def choose_actions(probabilities, uniforms):
    """Draw one arm per row by inverting the cumulative probabilities at ``uniforms``.

    Parameters
    ----------
    probabilities : ndarray, shape (runs, k)
        One distribution per row.
    uniforms : ndarray, shape (runs,)
        Numbers in [0, 1).

    Returns
    -------
    ndarray of int, shape (runs,)
        The first arm whose cumulative probability exceeds the uniform number, so arm ``a`` is
        chosen with probability ``probabilities[:, a]``.
    """
    cumulative = np.cumsum(probabilities, axis=1)
    actions = (cumulative <= uniforms[:, None]).sum(axis=1)
    # Rounding can leave the last cumulative value a hair below 1.
    return np.minimum(actions, probabilities.shape[1] - 1)


def _check_number(value, name, low, high=np.inf, low_inclusive=True):
    if not check.is_real(value) or np.isnan(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    too_low = value < low if low_inclusive else value <= low
    if too_low or value > high or not np.isfinite(value):
        bracket = "[" if low_inclusive else "("
        raise ValueError(f"{name} must be in {bracket}{low}, {high}], got {value!r}")
    return float(value)


class _ActionValuePolicy:
    """Keeps sample-average estimates ``Q`` of every arm's mean reward, one row per run."""

    name = "action-value"

    def __init__(self, initial_value=0.0):
        self.initial_value = _check_number(initial_value, "initial_value", -np.inf, np.inf, False)

    def initial_state(self, runs, n_arms):
        return {
            "estimates": np.full((runs, n_arms), self.initial_value),
            "counts": np.zeros((runs, n_arms)),
        }

    def update(self, state, actions, rewards):
        rows = np.arange(actions.size)
        state["counts"][rows, actions] += 1
        estimate = state["estimates"][rows, actions]
        # Incremental sample average: Q <- Q + (R - Q) / N.
        state["estimates"][rows, actions] = estimate + (rewards - estimate) / state["counts"][rows, actions]


class SoftmaxPolicy(_ActionValuePolicy):
    """Boltzmann exploration: ``pi = softmax(Q / temperature)`` over the estimates ``Q``.

    Parameters
    ----------
    temperature : float
        ``T >= 0``. Small ``T`` is nearly greedy, large ``T`` nearly uniform; ``T = 0`` is
        greedy (ties shared evenly).
    initial_value : float
        The estimate every arm starts with.

    Examples
    --------
    >>> import numpy as np
    >>> policy = SoftmaxPolicy(temperature=0.5)
    >>> state = {"estimates": np.array([[1.0, 2.0, 1.5, 0.5]])}
    >>> np.round(policy.probabilities(state), 4)
    array([[0.0871, 0.6439, 0.2369, 0.0321]])
    """

    def __init__(self, temperature=1.0, initial_value=0.0):
        super().__init__(initial_value)
        self.temperature = _check_number(temperature, "temperature", 0.0)
        self.name = f"softmax T={self.temperature:g}" + (f" Q0={self.initial_value:g}" if self.initial_value else "")

    def probabilities(self, state):
        return softmax(state["estimates"], axis=-1, temperature=self.temperature)


class EpsilonGreedyPolicy(_ActionValuePolicy):
    """The best estimate with probability ``1 - epsilon``, a uniformly random arm otherwise.

    ``pi = (1 - epsilon) * softmax(Q, temperature=0) + epsilon / k``: the arg-max part shares
    ties evenly.
    """

    def __init__(self, epsilon=0.1, initial_value=0.0):
        super().__init__(initial_value)
        self.epsilon = _check_number(epsilon, "epsilon", 0.0, 1.0)
        self.name = f"ε-greedy ε={self.epsilon:g}" + (f" Q0={self.initial_value:g}" if self.initial_value else "")

    def probabilities(self, state):
        estimates = state["estimates"]
        greedy = softmax(estimates, axis=-1, temperature=0)
        return (1 - self.epsilon) * greedy + self.epsilon / estimates.shape[1]


class GreedyPolicy(EpsilonGreedyPolicy):
    """Always the best estimate so far (ties shared evenly): ``epsilon = 0``."""

    def __init__(self, initial_value=0.0):
        super().__init__(epsilon=0.0, initial_value=initial_value)
        self.name = "greedy" if initial_value == 0 else f"greedy Q0={self.initial_value:g}"


class UCBPolicy(_ActionValuePolicy):
    r"""Upper-confidence-bound action selection (Sutton & Barto, section 2.7).

    Pull the arm with the largest ``Q_a + c sqrt(ln t / N_a)`` (an arm never pulled counts as
    maximal, so every arm is tried once first); ties are shared evenly. It explores arms whose
    estimates are *uncertain* (pulled rarely) rather than at random: no softmax, no ε.

    Parameters
    ----------
    c : float
        ``c >= 0``: the width of the confidence bonus (2 in Sutton & Barto's figure 2.4).
    initial_value : float

    Examples
    --------
    >>> import numpy as np
    >>> policy = UCBPolicy(c=2.0)
    >>> state = {"estimates": np.array([[1.0, 0.5]]), "counts": np.array([[9.0, 1.0]]), "steps": 10}
    >>> policy.probabilities(state)  # 1 + 2 sqrt(ln 10 / 9) < 0.5 + 2 sqrt(ln 10 / 1)
    array([[0., 1.]])
    """

    def __init__(self, c=2.0, initial_value=0.0):
        super().__init__(initial_value)
        self.c = _check_number(c, "c", 0.0)
        self.name = f"UCB c={self.c:g}" + (f" Q0={self.initial_value:g}" if self.initial_value else "")

    def initial_state(self, runs, n_arms):
        return {**super().initial_state(runs, n_arms), "steps": 0}

    def probabilities(self, state):
        counts = state["counts"]
        t = state["steps"] + 1  # the step about to be taken, 1-based as in ln t
        with np.errstate(divide="ignore", invalid="ignore"):
            bonus = self.c * np.sqrt(np.log(t) / counts)
        scores = np.where(counts == 0, np.inf, state["estimates"] + bonus)
        best = scores == scores.max(axis=1, keepdims=True)
        return best / best.sum(axis=1, keepdims=True)

    def update(self, state, actions, rewards):
        super().update(state, actions, rewards)
        state["steps"] += 1


class GradientBanditPolicy:
    """REINFORCE on softmax preferences: Sutton & Barto's gradient bandit (section 2.8).

    The policy is ``pi = softmax(H / temperature)``; after pulling ``a`` and receiving ``R`` it
    moves ``H`` along the gradient of ``log pi(a)``, scaled by how much better than the average
    reward so far (the baseline) ``R`` was (:func:`reinforce_update`).

    Parameters
    ----------
    step_size : float
        ``alpha > 0``.
    temperature : float
        ``T > 0``.
    baseline : bool
        Subtract the running average reward (it lowers the variance of the update without
        biasing it).
    """

    def __init__(self, step_size=0.1, temperature=1.0, baseline=True):
        self.step_size = _check_number(step_size, "step_size", 0.0, low_inclusive=False)
        self.temperature = _check_number(temperature, "temperature", 0.0, low_inclusive=False)
        self.baseline = bool(baseline)
        self.name = f"gradient α={self.step_size:g}" + ("" if self.baseline else " no baseline")

    def initial_state(self, runs, n_arms):
        return {"preferences": np.zeros((runs, n_arms)), "average_reward": np.zeros(runs), "steps": 0}

    def probabilities(self, state):
        return softmax(state["preferences"], axis=-1, temperature=self.temperature)

    def update(self, state, actions, rewards):
        state["steps"] += 1
        # The baseline is the average of the rewards *before* this one, so it does not depend
        # on the current action (that is what keeps the update unbiased).
        baseline = state["average_reward"] if self.baseline else np.zeros_like(rewards)
        state["preferences"] = reinforce_update(
            state["preferences"], actions, rewards, baseline, self.step_size, self.temperature
        )
        state["average_reward"] = state["average_reward"] + (rewards - state["average_reward"]) / state["steps"]


def log_policy_gradient(preferences, actions, temperature=1.0):
    r"""Gradient of ``log pi(a)`` with respect to the preferences, for ``pi = softmax(H / T)``.

    ``d log pi(a) / d H_j = (1[j = a] - pi_j) / T``: the chosen arm is pushed up by what it
    lacked, every other arm down by its own probability.

    Parameters
    ----------
    preferences : array_like, shape (k,) or (runs, k)
    actions : int or array_like of int, shape () or (runs,)
    temperature : float
        ``T > 0``.

    Returns
    -------
    ndarray
        Same shape as ``preferences``; each row sums to 0.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(log_policy_gradient([0.0, 0.0, 0.0, 0.0], 1), 4)
    array([-0.25,  0.75, -0.25, -0.25])
    """
    temperature = _check_number(temperature, "temperature", 0.0, low_inclusive=False)
    preferences = np.asarray(preferences, dtype=float)
    if preferences.ndim not in (1, 2) or preferences.shape[-1] < 1:
        raise ValueError(f"preferences must have shape (k,) or (runs, k), got {preferences.shape}")
    if not np.isfinite(preferences).all():
        raise ValueError("preferences must be finite (nan or inf found)")
    actions = np.asarray(actions)
    if actions.dtype.kind not in "iu" or actions.shape != preferences.shape[:-1]:
        raise ValueError(
            f"actions must be integers of shape {preferences.shape[:-1]} (one per row of preferences), got {actions!r}"
        )
    k = preferences.shape[-1]
    if ((actions < 0) | (actions >= k)).any():
        raise ValueError(f"actions must be arms 0 to {k - 1}, got {actions!r}")
    policy = softmax(preferences, axis=-1, temperature=temperature)
    chosen = (actions[..., None] == np.arange(k)).astype(float)
    return (chosen - policy) / temperature


def reinforce_update(preferences, actions, rewards, baseline, step_size, temperature=1.0):
    r"""One REINFORCE step: ``H + step_size * (R - baseline) * grad log pi(a)``.

    Parameters
    ----------
    preferences : array_like, shape (runs, k)
    actions : array_like of int, shape (runs,)
    rewards, baseline : array_like, shape (runs,)
    step_size : float
    temperature : float

    Returns
    -------
    ndarray, shape (runs, k)
        The new preferences (the input is not modified).
    """
    gradient = log_policy_gradient(preferences, actions, temperature)
    advantage = np.asarray(rewards, dtype=float) - np.asarray(baseline, dtype=float)
    return np.asarray(preferences, dtype=float) + step_size * advantage[..., None] * gradient


# ---------------------------------------------------------------------- experiments


@dataclass(frozen=True)
class BanditResult:
    """What :func:`run` measured, averaged over runs (one entry per step unless noted).

    Attributes
    ----------
    policy : str
        The policy's name.
    average_reward : ndarray, shape (steps,)
        Mean reward received at each step.
    cumulative_regret : ndarray, shape (steps,)
        Mean of ``sum_{s <= t} (best mean - mean of the arm pulled at s)``: what the learner
        lost by not knowing the best arm (the expected regret, so the reward noise does not
        blur it).
    optimal_action_rate : ndarray, shape (steps,)
        Fraction of runs that pulled the best arm at each step.
    final_regret : ndarray, shape (runs,)
        Each run's total regret, for error bars.
    """

    policy: str
    average_reward: np.ndarray
    cumulative_regret: np.ndarray
    optimal_action_rate: np.ndarray
    final_regret: np.ndarray = field(repr=False)

    @property
    def regret_standard_error(self):
        """Standard error of the mean final regret."""
        runs = self.final_regret.size
        return float(self.final_regret.std(ddof=1) / np.sqrt(runs)) if runs > 1 else float("nan")


def _check_seeds(seeds):
    if check.is_real(seeds) and isinstance(seeds, numbers.Integral):
        if seeds < 1:
            raise ValueError(f"seeds must be a positive number of runs or a list of seeds, got {seeds!r}")
        return list(range(int(seeds)))
    try:
        seeds = [int(s) if check.is_real(s) and isinstance(s, numbers.Integral) else None for s in seeds]
    except TypeError:
        raise ValueError(f"seeds must be an int or a sequence of non-negative ints, got {seeds!r}") from None
    if not seeds or any(s is None or s < 0 for s in seeds):
        raise ValueError("seeds must be a non-empty sequence of non-negative integers")
    return seeds


def run(policy, bandit, steps, seeds):
    """Simulate ``policy`` on ``bandit`` for ``steps`` pulls in every seeded run at once.

    Parameters
    ----------
    policy : SoftmaxPolicy, EpsilonGreedyPolicy, GreedyPolicy or GradientBanditPolicy
        Anything with ``initial_state(runs, k)``, ``probabilities(state)`` and
        ``update(state, actions, rewards)``.
    bandit : GaussianBandit
    steps : int
        Pulls per run.
    seeds : int or sequence of int
        One run per seed (an int ``n`` means seeds ``0 .. n-1``). Run ``i`` draws everything
        random from ``numpy.random.default_rng(seeds[i])``.

    Returns
    -------
    BanditResult

    Examples
    --------
    >>> result = run(SoftmaxPolicy(0.2), GaussianBandit(), steps=100, seeds=20)
    >>> result.cumulative_regret.shape
    (100,)
    """
    if not isinstance(bandit, GaussianBandit):
        raise ValueError(f"bandit must be a GaussianBandit, got {type(bandit).__name__}")
    steps = check.positive_int(steps, "steps")
    seeds = _check_seeds(seeds)
    runs, k = len(seeds), bandit.n_arms
    means = np.empty((runs, k))
    uniforms = np.empty((runs, steps))
    noise = np.empty((runs, steps))
    for row, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        means[row] = bandit.draw_means(rng)
        uniforms[row] = rng.random(steps)
        noise[row] = rng.standard_normal(steps)
    best_mean = means.max(axis=1)
    is_best = means == best_mean[:, None]

    state = policy.initial_state(runs, k)
    rows = np.arange(runs)
    rewards_seen = np.empty((steps, runs))
    regret = np.empty((steps, runs))
    optimal = np.empty((steps, runs))
    for t in range(steps):
        actions = choose_actions(policy.probabilities(state), uniforms[:, t])
        rewards = means[rows, actions] + bandit.reward_noise * noise[:, t]
        policy.update(state, actions, rewards)
        rewards_seen[t] = rewards
        regret[t] = best_mean - means[rows, actions]
        optimal[t] = is_best[rows, actions]
    cumulative = np.cumsum(regret, axis=0)
    return BanditResult(
        policy=policy.name,
        average_reward=rewards_seen.mean(axis=1),
        cumulative_regret=cumulative.mean(axis=1),
        optimal_action_rate=optimal.mean(axis=1),
        final_regret=cumulative[-1].copy(),
    )


def paired_difference(result, baseline):
    """Mean and standard error of ``result``'s total regret minus ``baseline``'s, run by run.

    Both must come from the same seeds (so run ``i`` of each faced the same bandit and the same
    random numbers); pairing removes the luck the two runs share, so the standard error of the
    difference is usually far smaller than either result's own.

    Parameters
    ----------
    result, baseline : BanditResult

    Returns
    -------
    (float, float)
        The mean difference (negative: ``result`` lost less) and its standard error.

    Examples
    --------
    >>> bandit = GaussianBandit()
    >>> a, b = run(SoftmaxPolicy(0.2), bandit, 200, 50), run(EpsilonGreedyPolicy(0.1), bandit, 200, 50)
    >>> mean, error = paired_difference(a, b)
    >>> bool(error > 0)
    True
    """
    for name, value in (("result", result), ("baseline", baseline)):
        if not isinstance(value, BanditResult):
            raise ValueError(f"{name} must be a BanditResult, got {type(value).__name__}")
    if result.final_regret.shape != baseline.final_regret.shape:
        raise ValueError(
            f"the two results have {result.final_regret.size} and {baseline.final_regret.size} runs: "
            "a paired difference needs the same seeds for both"
        )
    return statistics.paired_difference(result.final_regret, baseline.final_regret)


@dataclass(frozen=True)
class ParameterStudy:
    """Total regret of one kind of policy at several values of its parameter (:func:`parameter_study`).

    Attributes
    ----------
    parameter : str
        What was varied, for labels (``"T"``, ``"ε"``).
    method : str
        The kind of policy, for legends (``"softmax"``, ``"ε-greedy"``).
    values : ndarray, shape (m,)
        The parameter values, in the order given.
    results : tuple of BanditResult
        One result per value, all on the same seeds.
    """

    parameter: str
    method: str
    values: np.ndarray
    results: tuple

    @property
    def regret(self):
        """Mean total regret at each value, shape (m,)."""
        return np.array([r.cumulative_regret[-1] for r in self.results])

    @property
    def standard_error(self):
        """Standard error of each mean total regret, shape (m,)."""
        return np.array([r.regret_standard_error for r in self.results])

    @property
    def best_index(self):
        """Index of the value with the least mean total regret (the first, if tied)."""
        return int(np.argmin(self.regret))

    @property
    def best_value(self):
        """The parameter value with the least mean total regret."""
        return float(self.values[self.best_index])

    @property
    def best(self):
        """The :class:`BanditResult` at :attr:`best_value`."""
        return self.results[self.best_index]


def parameter_study(make_policy, values, bandit, steps, seeds, *, parameter="parameter", method=None):
    """Run ``make_policy(value)`` for every value, each on the same seeds (Sutton & Barto, figure 2.6).

    Parameters
    ----------
    make_policy : callable
        ``make_policy(value)`` returns a policy, e.g. ``SoftmaxPolicy`` or
        ``lambda eps: EpsilonGreedyPolicy(eps)``.
    values : sequence of float
        At least one parameter value.
    bandit, steps, seeds
        As in :func:`run`; every value is run on the same seeds.
    parameter : str
        Name of the parameter, for labels.
    method : str, optional
        Name of the method (default: the first policy's name up to its first space).

    Returns
    -------
    ParameterStudy

    Examples
    --------
    >>> study = parameter_study(SoftmaxPolicy, [0.05, 0.2, 1.0], GaussianBandit(), 300, 40, parameter="T")
    >>> study.best_value
    0.2
    """
    if not callable(make_policy):
        raise ValueError(f"make_policy must be callable as make_policy(value), got {make_policy!r}")
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f"values must be a non-empty 1-D sequence of finite numbers, got {values!r}")
    policies = [make_policy(float(value)) for value in values]
    results = tuple(run(policy, bandit, steps, seeds) for policy in policies)
    if method is None:
        method = policies[0].name.split(" ")[0]
    return ParameterStudy(parameter=str(parameter), method=str(method), values=values, results=results)
