"""Checks for the exercises of notebook 11 (softmax exploration and the softmax policy gradient).

Each check compares the learner's array with :mod:`softmax_teach.bandits` and names the usual
mistakes: an overflow from skipping the max-subtraction at a small temperature, multiplying by
the temperature instead of dividing, the gradient's sign flipped, the ``1/T`` factor forgotten,
or the one-hot term left out.
"""

from __future__ import annotations

import warnings

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.bandits import log_policy_gradient
from softmax_teach.exercises.core import Feedback, as_number, check_array, same_values, within_decimals
from softmax_teach.exercises.core import matches as core_matches
from softmax_teach.numerics import one_hot, softmax

__all__ = ["SLIDE_Q_VALUES", "check_boltzmann_probabilities", "check_policy_gradient", "check_reward_scaling"]

#: The slide's Q-values for 4 actions.
SLIDE_Q_VALUES = np.array([1.0, 2.0, 1.5, 0.5])


def _check_temperature(temperature):
    return check.positive_real(temperature, "temperature")


#: (Q-values, temperature) pairs a learner's policy function is run on. At T = 0.002 the slide's
#: Q-values give a policy that is one-hot to 1e-109, which a guess such as [0, 1, 0, 0] matches;
#: the other cases are not one-hot, and both the third and the fourth overflow exp(Q / T).
BOLTZMANN_CASES = (
    ((1.0, 2.0, 1.5, 0.5), 0.002),
    ((1.0, 2.0, 1.5, 0.5), 0.5),
    ((2.0, 2.001, 1.999, 0.0), 0.002),
    ((1001.0, 1002.0, 1001.5, 1000.5), 1.0),
)


def check_boltzmann_probabilities(answer, q_values=SLIDE_Q_VALUES, temperature=0.1):
    """Check the action probabilities of a Boltzmann policy, ``softmax(Q / T)``.

    Parameters
    ----------
    answer : array_like or callable
        The learner's probabilities, one per action; or a function ``policy(q_values,
        temperature)`` returning them, which is then run on every case of
        :data:`BOLTZMANN_CASES` (``q_values`` and ``temperature`` are not used), so that no
        fixed answer passes.
    q_values : array_like, optional
        The action values (default: the slide's ``[1.0, 2.0, 1.5, 0.5]``).
    temperature : float, optional
        ``T > 0`` (default 0.1).

    Returns
    -------
    Feedback

    Examples
    --------
    >>> from softmax_teach import softmax
    >>> bool(check_boltzmann_probabilities(softmax(SLIDE_Q_VALUES, temperature=0.1)))
    True
    """
    if callable(answer):
        return _check_policy_function(answer)
    temperature = _check_temperature(temperature)
    return _check_probabilities(answer, np.asarray(q_values, dtype=float), temperature)


def _check_policy_function(policy):
    for q_values, temperature in BOLTZMANN_CASES:
        q = np.array(q_values)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # an overflow is diagnosed from the nan it leaves
            try:
                result = policy(q.copy(), temperature)
            except Exception as error:  # a learner's bug must become feedback, not a traceback
                return Feedback(
                    False,
                    f"your policy raised {type(error).__name__} ({error}) for Q = {list(q_values)}, "
                    f"T = {temperature:g}.",
                )
        verdict = _check_probabilities(result, q, temperature)
        if not verdict:
            # A one-hot case cannot tell some slips apart (sorted one-hot probabilities look like a
            # flipped sign): name a slip only if the function makes it in every case.
            for rule, message in _POLICY_SLIPS:
                if _makes_slip_everywhere(policy, rule):
                    return Feedback(False, f"for Q = {list(q_values)}, T = {temperature:g}: {message}")
            # Checked on this case alone, so that a naive exp(Q) that overflows on another case is still named.
            if same_values(result, softmax(q), atol=1e-9):
                return Feedback(
                    False,
                    f"for Q = {list(q_values)}, T = {temperature:g}: your policy ignores the temperature: it "
                    "returns softmax(Q), not softmax(Q / T). Divide the Q-values by T before the softmax.",
                )
            if any(
                same_values(result, softmax(np.array(other), temperature=t), atol=1e-9) for other, t in BOLTZMANN_CASES
            ):
                return Feedback(
                    False,
                    f"for Q = {list(q_values)}, T = {temperature:g} your policy returned the "
                    "answer of another case: compute the probabilities from the Q-values and T it is given.",
                )
            return Feedback(False, f"for Q = {list(q_values)}, T = {temperature:g}: {verdict.message}")
    return Feedback(
        True,
        f"your policy gives softmax(Q / T) in all {len(BOLTZMANN_CASES)} cases, including "
        "T = 0.002 and Q-values above 1000, where exp(Q / T) overflows.",
    )


_POLICY_SLIPS = (
    (
        lambda q, t: softmax(-q, temperature=t),
        "your policy prefers the *worst* actions: the sign of Q is flipped. Better Q-values must get larger "
        "probabilities, exp(+Q / T).",
    ),
    (
        lambda q, t: np.sort(softmax(q, temperature=t)),
        "your probabilities are sorted, not in the actions' order: entry a must be action a's probability.",
    ),
    (
        lambda q, t: np.sort(softmax(q, temperature=t))[::-1],
        "your probabilities are sorted, not in the actions' order: entry a must be action a's probability.",
    ),
)


def _makes_slip_everywhere(policy, rule):
    for q_values, temperature in BOLTZMANN_CASES:
        q = np.array(q_values)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                result = policy(q.copy(), temperature)
            except Exception:  # already reported by the caller if it matters
                return False
        if not same_values(result, rule(q, temperature), atol=1e-9):
            return False
    return True


def _check_probabilities(answer, q, temperature):
    expected = softmax(q, temperature=temperature)
    hints = (
        (
            lambda a: bool(np.isnan(a).any()),
            "your answer contains nan: exp(Q / T) overflowed (or you divided inf by inf). Subtract "
            "max(Q) before dividing by T, or call softmax_teach.softmax(Q, temperature=T).",
        ),
        (
            lambda a: a.shape == expected.shape and np.allclose(a, softmax(q * temperature)),
            f"you multiplied the Q-values by T = {temperature:g}; the temperature divides them "
            "(a small T makes the policy greedier, not more random).",
        ),
        (
            lambda a: a.shape == expected.shape and np.allclose(a, softmax(q)),
            "that is softmax(Q) at T = 1: you left out the temperature.",
        ),
        (
            lambda a: a.shape == expected.shape and not np.isclose(a.sum(), 1.0),
            "your probabilities do not sum to 1: divide by the sum of the exponentials.",
        ),
        (
            lambda a: a.shape == expected.shape and np.allclose(a, expected, rtol=0, atol=5e-3),
            "your probabilities are close but rounded: return them unrounded, in float64 (the check "
            "compares to 6 significant figures).",
        ),
    )
    return check_array(answer, expected, what="your action probabilities", rtol=1e-6, atol=1e-9, hints=hints)


def check_policy_gradient(answer, preferences, action, temperature=1.0, *, decimals=3):
    """Check ``d log pi(action) / d preferences`` for the policy ``pi = softmax(preferences / T)``.

    Parameters
    ----------
    answer : array_like
        The learner's gradient, one entry per action.
    preferences : array_like
        The policy's preferences ``H``.
    action : int
        The action taken.
    temperature : float, optional
        ``T > 0``.
    decimals : int, optional
        The precision the exercise asks for: a gradient right to this many decimals passes.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_policy_gradient([0.5, -0.5], [0.0, 0.0], 0))
    True
    >>> check_policy_gradient([-0.5, 0.5], [0.0, 0.0], 0).message
    'you have the sign flipped: the gradient of log pi(a) is onehot(a) - pi (the chosen action goes up).'
    """
    temperature = _check_temperature(temperature)
    preferences = np.asarray(preferences, dtype=float)
    expected = log_policy_gradient(preferences, action, temperature)
    pi = softmax(preferences, temperature=temperature)
    onehot = one_hot(action, preferences.size)

    def matches(candidate):
        return core_matches(candidate, atol=1e-9)

    hints = (
        (
            matches(-expected),
            "you have the sign flipped: the gradient of log pi(a) is onehot(a) - pi (the chosen action goes up).",
        ),
        (
            matches(onehot - pi),
            f"you forgot the factor 1/T = {1 / temperature:g}: pi depends on H / T, so the chain rule divides by T.",
        ),
        (
            matches(-pi / temperature),
            "the one-hot term is missing: log pi(a) = H_a / T - logsumexp(H / T), and the first term adds 1/T "
            "to entry a.",
        ),
        (
            matches(onehot * (1 - pi) / temperature),
            "you kept only the diagonal: every other action's preference goes down by pi_j / T too.",
        ),
        (
            matches(pi[action] * (onehot - pi) / temperature),
            f"that is the gradient of pi(a) itself, pi_a (onehot(a) - pi) / T: the exercise asks for the gradient "
            f"of log pi(a), which divides it by pi_a = {pi[action]:.4g} (the log's chain rule).",
        ),
        (
            matches((onehot - pi) * temperature),
            f"you multiplied by T = {temperature:g}; the chain rule through H / T divides by T.",
        ),
    )
    if temperature != 1.0:
        untempered = softmax(preferences)
        hints += (
            (
                matches((onehot - untempered) / temperature),
                "your pi is softmax(H), without the temperature: "
                "the policy is softmax(H / T), so compute pi with temperature=T.",
            ),
        )
    wrong_actions = [b for b in range(preferences.size) if b != action]
    hints += tuple(
        (
            matches((one_hot(b, preferences.size) - pi) / temperature),
            f"your one-hot is at action {b}, but the action taken is {action}: the +1/T goes to entry {action}.",
        )
        for b in wrong_actions
    )
    return check_array(answer, expected, what="your gradient", hints=hints, decimals=decimals)


def check_reward_scaling(temperature, epsilon, *, scale=10.0, base_temperature=0.2, base_epsilon=0.1, decimals=2):
    """Check the settings that make the same choices after every reward is multiplied by ``scale``.

    Scaling the rewards scales every Q-value estimate by the same factor, so ``softmax(Q / T)``
    is unchanged only if ``T`` is scaled too: ``T = scale * base_temperature``. ε-greedy looks
    only at the arg-max of Q, which scaling does not change, so ``ε`` stays ``base_epsilon``.

    Parameters
    ----------
    temperature, epsilon : float, numpy scalar or 0-d array
        The learner's settings for the scaled bandit.
    scale : float, optional
        The factor applied to every reward (> 0).
    base_temperature, base_epsilon : float, optional
        The settings on the unscaled bandit.
    decimals : int, optional
        The precision asked for.

    Returns
    -------
    Feedback
        Both settings are judged, so two mistakes are named together.

    Examples
    --------
    >>> bool(check_reward_scaling(2.0, 0.1))
    True
    """
    for value in (scale, base_temperature):
        _check_temperature(value)  # positive and finite, like a temperature
    if not 0 <= base_epsilon <= 1:
        raise ValueError(f"base_epsilon must lie in [0, 1], got {base_epsilon!r}")
    t, e = as_number(temperature), as_number(epsilon)
    if t is None or e is None:
        wrong = "temperature" if t is None else "epsilon"
        return Feedback(
            False, f"the {wrong} should be a number, got {type(temperature if t is None else epsilon).__name__}."
        )
    right_t, right_e = scale * base_temperature, base_epsilon
    problems = []
    if not within_decimals(t, right_t, decimals):
        if within_decimals(t, base_temperature, decimals):
            problems.append(
                f"with T = {base_temperature:g} unchanged the policy is much greedier: every Q-value is "
                f"{scale:g} times larger, so Q / T is too. Scale T with the rewards."
            )
        elif within_decimals(t, base_temperature / scale, decimals):
            problems.append(
                "dividing T by the factor makes Q / T larger still: the rewards grew, so T must grow with them."
            )
        else:
            problems.append(
                f"softmax(Q / T) makes the same choices only if Q / T is unchanged: Q is {scale:g} times "
                f"larger, so which T keeps Q / T as it was at T = {base_temperature:g}?"
            )
    if not within_decimals(e, right_e, decimals):
        problems.append(
            f"ε-greedy explores with probability ε whatever the rewards are, and its greedy action, the "
            f"arg-max of Q, does not change when every Q is multiplied by {scale:g}: does ε need to change at all?"
        )
    if problems:
        return Feedback(False, " Also: ".join(problems) if len(problems) == 2 else problems[0])
    exact = bool(np.isclose(t, right_t, rtol=1e-12, atol=0)) and bool(np.isclose(e, right_e, rtol=1e-12, atol=0))
    if not exact:
        # Right to the decimals asked for, but not the exact value: say what the exact one does, and
        # do not claim an equality that this answer does not satisfy.
        return Feedback(
            True,
            f"T = {t:g} and ε = {e:g} are right to {decimals} decimals. Exactly T = {right_t:g} gives "
            f"softmax({scale:g}Q / {right_t:g}) = softmax(Q / {base_temperature:g}), the same choices and "
            f"{scale:g} times the regret; ε = {right_e:g} stays, because ε-greedy does not see the scale.",
        )
    return Feedback(
        True,
        f"T = {t:g} gives softmax({scale:g}Q / {t:g}) = softmax(Q / {base_temperature:g}), and ε-greedy "
        "does not see the scale: both make the same choices, and the regret is "
        f"{scale:g} times larger.",
    )
