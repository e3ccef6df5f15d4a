"""Bandit policies and the REINFORCE gradient, against scipy, torch autograd and exact expectations."""

import numpy as np
import pytest
import torch
from scipy.special import softmax as scipy_softmax

from softmax_teach.bandits import (
    EpsilonGreedyPolicy,
    GaussianBandit,
    GradientBanditPolicy,
    GreedyPolicy,
    SoftmaxPolicy,
    choose_actions,
    log_policy_gradient,
    reinforce_update,
    run,
)

SLIDE_Q_VALUES = np.array([1.0, 2.0, 1.5, 0.5])


# ---------------------------------------------------------------------- the softmax policy gradient


@pytest.mark.parametrize("temperature", [1.0, 0.3, 4.0])
def test_log_policy_gradient_matches_torch_autograd(temperature):
    rng = np.random.default_rng(0)
    preferences = rng.standard_normal((5, 4))
    actions = np.array([0, 3, 1, 1, 2])
    h = torch.tensor(preferences, requires_grad=True)
    log_pi = torch.log_softmax(h / temperature, dim=-1)
    log_pi[torch.arange(5), torch.tensor(actions)].sum().backward()
    np.testing.assert_allclose(
        log_policy_gradient(preferences, actions, temperature), h.grad.numpy(), rtol=1e-12, atol=1e-15
    )


def test_log_policy_gradient_is_onehot_minus_pi_for_one_vector():
    gradient = log_policy_gradient(SLIDE_Q_VALUES, 1)
    np.testing.assert_allclose(gradient, np.eye(4)[1] - scipy_softmax(SLIDE_Q_VALUES), rtol=1e-12)
    assert gradient.sum() == pytest.approx(0.0, abs=1e-15)


def test_reinforce_update_follows_the_gradient_of_the_advantage_weighted_log_probability():
    preferences = np.array([[0.2, -0.1, 0.4], [0.0, 0.0, 0.0]])
    actions, rewards, baseline = np.array([2, 0]), np.array([1.5, -0.5]), np.array([0.5, 0.25])
    h = torch.tensor(preferences, requires_grad=True)
    objective = (
        torch.tensor(rewards - baseline) * torch.log_softmax(h, -1)[torch.arange(2), torch.tensor(actions)]
    ).sum()
    objective.backward()
    expected = preferences + 0.1 * h.grad.numpy()
    np.testing.assert_allclose(reinforce_update(preferences, actions, rewards, baseline, 0.1), expected, rtol=1e-12)


def test_expected_reinforce_gradient_is_the_gradient_of_expected_reward():
    # E_a[R(a) grad log pi(a)] = grad sum_a pi(a) q(a): the identity REINFORCE rests on.
    preferences = np.array([0.3, -0.2, 0.8, 0.0])
    q = SLIDE_Q_VALUES
    pi = scipy_softmax(preferences)
    estimate = sum(pi[a] * q[a] * log_policy_gradient(preferences, a) for a in range(4))
    h = torch.tensor(preferences, requires_grad=True)
    (torch.softmax(h, -1) * torch.tensor(q)).sum().backward()
    np.testing.assert_allclose(estimate, h.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros(3), 3), "arms 0 to 2"),
        ((np.zeros(3), 1.0), "integers"),
        ((np.zeros((2, 3)), np.array([0])), r"shape \(2,\)"),
        ((np.array([0.0, np.nan]), 0), "finite"),
        ((np.zeros(3), 0, 0.0), "temperature"),
    ],
)
def test_log_policy_gradient_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        log_policy_gradient(*args)


# ---------------------------------------------------------------------- policies


@pytest.mark.parametrize("temperature", [0.05, 0.5, 1.0, 10.0])
def test_softmax_policy_is_scipys_softmax_of_q_over_t(temperature):
    state = {"estimates": np.vstack([SLIDE_Q_VALUES, 100 * SLIDE_Q_VALUES])}
    expected = scipy_softmax(state["estimates"] / temperature, axis=1)
    np.testing.assert_allclose(SoftmaxPolicy(temperature).probabilities(state), expected, rtol=1e-12, atol=1e-300)


def test_epsilon_greedy_and_greedy_probabilities_share_ties():
    state = {"estimates": np.array([[1.0, 3.0, 3.0, 0.0]])}
    np.testing.assert_allclose(EpsilonGreedyPolicy(0.2).probabilities(state), [[0.05, 0.45, 0.45, 0.05]])
    np.testing.assert_allclose(GreedyPolicy().probabilities(state), [[0.0, 0.5, 0.5, 0.0]])


def test_choose_actions_draws_each_arm_with_its_probability():
    # Evenly spaced uniforms turn the inverse-CDF draw into exact frequencies (up to 1/n).
    n = 10_000
    probabilities = np.tile([0.1, 0.0, 0.6, 0.3], (n, 1))
    actions = choose_actions(probabilities, (np.arange(n) + 0.5) / n)
    np.testing.assert_allclose(np.bincount(actions, minlength=4) / n, [0.1, 0.0, 0.6, 0.3], atol=1 / n)
    assert choose_actions(np.array([[0.5, 0.5 - 1e-16]]), np.array([0.9999999999999999]))[0] == 1


def test_sample_average_estimates_are_the_mean_reward_of_each_arm():
    policy = SoftmaxPolicy(1.0)
    state = policy.initial_state(1, 3)
    for action, reward in [(0, 1.0), (2, 4.0), (0, 3.0), (0, 5.0)]:
        policy.update(state, np.array([action]), np.array([reward]))
    np.testing.assert_allclose(state["estimates"], [[3.0, 0.0, 4.0]])
    np.testing.assert_allclose(state["counts"], [[3, 0, 1]])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: SoftmaxPolicy(-1.0), "temperature"),
        (lambda: SoftmaxPolicy(np.inf), "temperature"),
        (lambda: EpsilonGreedyPolicy(1.5), "epsilon"),
        (lambda: GradientBanditPolicy(step_size=0), "step_size"),
        (lambda: GaussianBandit(n_arms=1), "n_arms"),
        (lambda: GaussianBandit(means=[1.0]), "means"),
        (lambda: GaussianBandit(reward_noise=-1), "reward_noise"),
    ],
)
def test_policies_and_bandits_reject_bad_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ---------------------------------------------------------------------- experiments


def test_run_returns_per_step_averages_and_is_reproducible():
    bandit = GaussianBandit()
    first = run(SoftmaxPolicy(0.2), bandit, steps=50, seeds=30)
    second = run(SoftmaxPolicy(0.2), bandit, steps=50, seeds=range(30))
    for name in ("average_reward", "cumulative_regret", "optimal_action_rate"):
        assert getattr(first, name).shape == (50,)
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    assert first.final_regret.shape == (30,)
    assert np.all(np.diff(first.cumulative_regret) >= 0)


def test_a_runs_result_depends_on_its_own_seed_only():
    bandit = GaussianBandit()
    alone = run(EpsilonGreedyPolicy(0.1), bandit, steps=40, seeds=[7])
    batched = run(EpsilonGreedyPolicy(0.1), bandit, steps=40, seeds=[3, 7, 11])
    assert alone.final_regret[0] == batched.final_regret[1]


def test_uniform_play_has_the_expected_regret_and_reward():
    # epsilon = 1 pulls uniformly at random: each step's expected regret is best - mean(means).
    means = [0.0, 1.0, 2.0, 3.0]
    result = run(EpsilonGreedyPolicy(1.0), GaussianBandit(means=means), steps=500, seeds=400)
    assert result.cumulative_regret[-1] == pytest.approx(500 * 1.5, rel=0.02)
    assert result.average_reward.mean() == pytest.approx(1.5, abs=0.03)
    assert result.optimal_action_rate.mean() == pytest.approx(0.25, abs=0.01)


def test_without_reward_noise_reward_and_regret_add_up_to_the_best_mean():
    means = np.array([0.5, -1.0, 2.0])
    result = run(SoftmaxPolicy(0.5), GaussianBandit(means=means, reward_noise=0.0), steps=100, seeds=20)
    per_step_regret = np.diff(result.cumulative_regret, prepend=0.0)
    np.testing.assert_allclose(result.average_reward + per_step_regret, 2.0, rtol=1e-12)


def test_softmax_at_temperature_zero_is_the_greedy_policy():
    bandit = GaussianBandit()
    greedy = run(GreedyPolicy(), bandit, steps=100, seeds=50)
    cold = run(SoftmaxPolicy(0.0), bandit, steps=100, seeds=50)
    np.testing.assert_array_equal(greedy.final_regret, cold.final_regret)


def test_exploring_policies_beat_greedy_and_learn_the_best_arm():
    bandit, seeds = GaussianBandit(), range(200)
    greedy = run(GreedyPolicy(), bandit, 1000, seeds)
    softmax = run(SoftmaxPolicy(0.2), bandit, 1000, seeds)
    gradient = run(GradientBanditPolicy(0.1), bandit, 1000, seeds)
    assert softmax.cumulative_regret[-1] < 0.5 * greedy.cumulative_regret[-1]
    assert gradient.optimal_action_rate[-100:].mean() > 0.8
    assert softmax.regret_standard_error > 0


def test_the_baseline_matters_when_rewards_are_offset():
    # Sutton & Barto, figure 2.5: with means around +4, REINFORCE without a baseline pushes up
    # whatever it pulled, and learns the best arm far more slowly.
    bandit, seeds = GaussianBandit(mean_offset=4.0), range(200)
    with_baseline = run(GradientBanditPolicy(0.1), bandit, 1000, seeds)
    without = run(GradientBanditPolicy(0.1, baseline=False), bandit, 1000, seeds)
    assert with_baseline.optimal_action_rate[-100:].mean() > without.optimal_action_rate[-100:].mean() + 0.2
    means = np.concatenate([bandit.draw_means(np.random.default_rng(seed)) for seed in range(100)])
    assert means.mean() == pytest.approx(4.0, abs=0.1) and means.std() == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"steps": 0, "seeds": 3}, "steps"),
        ({"steps": 10, "seeds": 0}, "seeds"),
        ({"steps": 10, "seeds": [1, -2]}, "seeds"),
        ({"steps": 10, "seeds": []}, "seeds"),
        ({"steps": 10, "seeds": 3, "bandit": "ten arms"}, "bandit"),
    ],
)
def test_run_rejects_bad_arguments(kwargs, message):
    kwargs = {"bandit": GaussianBandit(), **kwargs}
    with pytest.raises(ValueError, match=message):
        run(SoftmaxPolicy(1.0), **kwargs)


# ---------------------------------------------------------------------- exercise checks and plots


def test_check_boltzmann_probabilities_names_the_overflow_and_the_temperature_mistakes():
    from softmax_teach.exercises.bandits import check_boltzmann_probabilities

    q = SLIDE_Q_VALUES
    assert check_boltzmann_probabilities(scipy_softmax(q / 0.002), q, temperature=0.002)
    with np.errstate(all="ignore"):
        overflowed = np.exp(q / 0.002) / np.exp(q / 0.002).sum()
    assert "overflowed" in check_boltzmann_probabilities(overflowed, q, temperature=0.002).message
    assert "multiplied" in check_boltzmann_probabilities(scipy_softmax(q * 0.5), q, temperature=0.5).message
    assert "left out the temperature" in check_boltzmann_probabilities(scipy_softmax(q), q, temperature=0.5).message
    assert "sum to 1" in check_boltzmann_probabilities(np.exp(q / 0.5), q, temperature=0.5).message


def test_check_policy_gradient_accepts_autograd_and_names_the_usual_mistakes():
    from softmax_teach.exercises.bandits import check_policy_gradient

    preferences, action, temperature = np.array([0.5, -0.2, 1.0]), 0, 0.5
    h = torch.tensor(preferences, requires_grad=True)
    torch.log_softmax(h / temperature, -1)[action].backward()
    right = h.grad.numpy()
    assert check_policy_gradient(right, preferences, action, temperature)
    pi, onehot = scipy_softmax(preferences / temperature), np.eye(3)[action]
    assert "sign" in check_policy_gradient(-right, preferences, action, temperature).message
    assert "1/T" in check_policy_gradient(onehot - pi, preferences, action, temperature).message
    assert "one-hot" in check_policy_gradient(-pi / temperature, preferences, action, temperature).message
    assert "shape" in check_policy_gradient([1.0, 2.0], preferences, action, temperature).message


def test_bandit_plots_draw_one_line_per_policy():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from softmax_teach.plots.bandits import action_frequencies, final_regret_bars, learning_curves

    results = [run(SoftmaxPolicy(0.2), GaussianBandit(), 60, 5), run(GreedyPolicy(), GaussianBandit(), 60, 5)]
    reward_ax, regret_ax = learning_curves(results, smooth=10)
    assert len(reward_ax.lines) == 2 and len(regret_ax.lines) == 2
    np.testing.assert_allclose(regret_ax.lines[0].get_ydata(), results[0].cumulative_regret)
    ax = final_regret_bars(results, highlight=results[1])
    assert len(ax.patches) == 2
    ax = action_frequencies([0.2, 0.8], [0.25, 0.75])
    assert len(ax.patches) == 4
    plt.close("all")


def test_check_boltzmann_probabilities_runs_a_policy_function_on_cases_a_guess_cannot_pass():
    from softmax_teach.exercises.bandits import check_boltzmann_probabilities

    def slide(q, temperature):
        e = np.exp(q / temperature)
        return e / e.sum()

    assert check_boltzmann_probabilities(lambda q, t: scipy_softmax(q / t))
    assert "overflowed" in check_boltzmann_probabilities(slide).message
    # One-hot passes the slide's case at T = 0.002 as an array, but not as a fixed function.
    assert check_boltzmann_probabilities(np.array([0.0, 1.0, 0.0, 0.0]), temperature=0.002)
    assert not check_boltzmann_probabilities(lambda q, t: np.array([0.0, 1.0, 0.0, 0.0]))
    assert "another case" in check_boltzmann_probabilities(lambda q, t: np.array([0.0, 1.0, 0.0, 0.0])).message
    # Ignoring T is named as such, not as another case's answer (T = 1 in the last case), overflowing or not.
    for no_temperature in (lambda q, t: scipy_softmax(q), lambda q, t: np.exp(q) / np.exp(q).sum()):
        assert "ignores the temperature" in check_boltzmann_probabilities(no_temperature).message


def test_check_reward_scaling_names_both_mistakes():
    from softmax_teach.exercises.bandits import check_reward_scaling

    assert check_reward_scaling(2.0, 0.1)
    assert check_reward_scaling(np.float64(2.0), np.array(0.1))
    assert "greedier" in check_reward_scaling(0.2, 0.1).message
    both = check_reward_scaling(0.02, 1.0).message
    assert "T must grow" in both and "ε-greedy" in both
    assert not check_reward_scaling(20.0, 0.1)  # the answer for rewards 100 times larger


# ---------------------------------------------------------------------- parameter studies


def test_paired_difference_matches_scipys_paired_t_test():
    from scipy.stats import ttest_rel

    from softmax_teach.bandits import paired_difference

    bandit, seeds = GaussianBandit(), range(40)
    a, b = run(SoftmaxPolicy(0.2), bandit, 200, seeds), run(EpsilonGreedyPolicy(0.1), bandit, 200, seeds)
    mean, error = paired_difference(a, b)
    assert mean == pytest.approx((a.final_regret - b.final_regret).mean(), rel=1e-12)
    test = ttest_rel(a.final_regret, b.final_regret)
    assert mean / error == pytest.approx(test.statistic, rel=1e-10)
    # Pairing removes the luck both runs share: the paired error is below the unpaired one.
    assert error < np.hypot(a.regret_standard_error, b.regret_standard_error)
    assert paired_difference(a, a) == (0.0, 0.0)


def test_paired_difference_needs_the_same_runs():
    from softmax_teach.bandits import paired_difference

    a = run(SoftmaxPolicy(0.2), GaussianBandit(), 20, 5)
    b = run(SoftmaxPolicy(0.2), GaussianBandit(), 20, 6)
    with pytest.raises(ValueError, match="same seeds"):
        paired_difference(a, b)
    with pytest.raises(ValueError, match="BanditResult"):
        paired_difference(a, a.final_regret)


def test_parameter_study_runs_every_value_on_the_same_seeds_and_finds_the_best():
    from softmax_teach.bandits import parameter_study

    bandit, seeds, values = GaussianBandit(), range(30), [0.01, 0.1, 0.5]
    study = parameter_study(EpsilonGreedyPolicy, values, bandit, 300, seeds, parameter="ε")
    assert study.method == "ε-greedy" and study.parameter == "ε"
    np.testing.assert_array_equal(study.values, values)
    for value, result in zip(values, study.results):
        alone = run(EpsilonGreedyPolicy(value), bandit, 300, seeds)
        np.testing.assert_array_equal(result.final_regret, alone.final_regret)
    np.testing.assert_array_equal(study.regret, [r.cumulative_regret[-1] for r in study.results])
    np.testing.assert_array_equal(study.standard_error, [r.regret_standard_error for r in study.results])
    assert study.best_index == int(np.argmin(study.regret))
    assert study.best_value == values[study.best_index]
    assert study.best is study.results[study.best_index]


def test_parameter_study_finds_the_testbeds_sweet_spot():
    # Too cold and too hot both lose to the middle (Sutton & Barto, figure 2.6's U shape).
    from softmax_teach.bandits import parameter_study

    study = parameter_study(SoftmaxPolicy, [0.02, 0.2, 2.0], GaussianBandit(), 500, 100, parameter="T")
    assert study.best_value == 0.2
    assert study.regret[1] < 0.6 * min(study.regret[0], study.regret[2])


@pytest.mark.parametrize(
    "args, message",
    [
        ((SoftmaxPolicy, []), "values"),
        ((SoftmaxPolicy, [0.1, np.nan]), "values"),
        ((SoftmaxPolicy, [[0.1, 0.2]]), "values"),
        (("softmax", [0.1]), "make_policy"),
    ],
)
def test_parameter_study_rejects_bad_arguments(args, message):
    from softmax_teach.bandits import parameter_study

    with pytest.raises(ValueError, match=message):
        parameter_study(*args, GaussianBandit(), 10, 3)


def test_parameter_study_curves_draw_one_curve_and_one_best_marker_per_study():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from softmax_teach.bandits import parameter_study
    from softmax_teach.plots.bandits import parameter_study_curves

    bandit = GaussianBandit()
    studies = [
        parameter_study(SoftmaxPolicy, [0.1, 0.3], bandit, 50, 5, parameter="T"),
        parameter_study(EpsilonGreedyPolicy, [0.05, 0.2, 0.4], bandit, 50, 5, parameter="ε"),
    ]
    ax = parameter_study_curves(studies, title="study")
    curves = [line for line in ax.lines if line.get_marker() == "o"]
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    assert len(curves) == 2 and len(stars) == 2
    for study, curve, star in zip(studies, curves, stars):
        np.testing.assert_allclose(curve.get_ydata(), study.regret)
        np.testing.assert_allclose(star.get_xdata(), [study.best_value])
    assert ax.get_xscale() == "log"
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert any(label.startswith(f"best T = {studies[0].best_value:g}") for label in labels)
    plt.close("all")


def test_check_boltzmann_probabilities_names_a_flipped_sign_sorted_output_and_rounding():
    from softmax_teach.exercises.bandits import check_boltzmann_probabilities

    def right(q, t):
        return scipy_softmax(q / t)

    assert "worst" in check_boltzmann_probabilities(lambda q, t: right(-q, t)).message
    assert "sorted" in check_boltzmann_probabilities(lambda q, t: np.sort(right(q, t))).message
    assert "sorted" in check_boltzmann_probabilities(lambda q, t: np.sort(right(q, t))[::-1]).message
    assert "rounded" in check_boltzmann_probabilities(lambda q, t: np.round(right(q, t), 4)).message


def test_check_policy_gradient_accepts_3_decimals_and_names_three_more_slips():
    from softmax_teach.exercises.bandits import check_policy_gradient

    preferences, action, temperature = np.array([0.5, -0.2, 1.0]), 0, 0.5
    h = torch.tensor(preferences, requires_grad=True)
    torch.log_softmax(h / temperature, -1)[action].backward()
    right = h.grad.numpy()
    assert check_policy_gradient(np.round(right, 3), preferences, action, temperature)
    assert "only to 2 decimals" in check_policy_gradient(np.round(right, 2), preferences, action, temperature).message
    pi, untempered = scipy_softmax(preferences / temperature), scipy_softmax(preferences)
    assert (
        "multiplied by T"
        in check_policy_gradient((np.eye(3)[0] - pi) * temperature, preferences, action, temperature).message
    )
    assert (
        "without the temperature"
        in check_policy_gradient((np.eye(3)[0] - untempered) / temperature, preferences, action, temperature).message
    )
    assert (
        "action 2" in check_policy_gradient((np.eye(3)[2] - pi) / temperature, preferences, action, temperature).message
    )


def test_ucb_tries_every_arm_once_then_follows_the_bound_of_a_plain_loop():
    from softmax_teach.bandits import GaussianBandit, UCBPolicy, choose_actions

    bandit, steps, c = GaussianBandit(n_arms=5), 60, 1.5
    result = run(UCBPolicy(c), bandit, steps, [7])
    # The same run written as a plain loop over steps, with the same random numbers.
    rng = np.random.default_rng(7)
    means = bandit.draw_means(rng)
    uniforms, noise = rng.random(steps), rng.standard_normal(steps)
    q, n = np.zeros(5), np.zeros(5)
    regret = []
    for t in range(steps):
        if (n == 0).any():
            scores = np.where(n == 0, np.inf, 0.0)
        else:
            scores = q + c * np.sqrt(np.log(t + 1) / n)
        best = (scores == scores.max()).astype(float)
        a = int(choose_actions((best / best.sum())[None], uniforms[t : t + 1])[0])
        if t < 5:
            assert n[a] == 0  # every arm is tried once first
        reward = means[a] + noise[t]
        n[a] += 1
        q[a] += (reward - q[a]) / n[a]
        regret.append(means.max() - means[a])
    np.testing.assert_allclose(result.cumulative_regret, np.cumsum(regret), rtol=1e-12)
    with pytest.raises(ValueError, match="c must be"):
        UCBPolicy(c=-1.0)
