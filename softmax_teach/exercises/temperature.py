"""Checks for the exercises on temperature and sampling (notebook 10, and notebook 01's exercise 2).

The checks run the learner's function on the cases that break the usual mistakes (a tiny
temperature, logits in the thousands) and say which mistake it is: an overflow because the max
was not subtracted, a multiplication by ``T`` instead of a division, a missing normalisation, a
nucleus that drops the class crossing ``top_p``, a min-p cut-off taken as an absolute
probability or applied before the temperature, a filter left unrenormalised.

Filtered distributions are compared to :data:`DECIMALS` decimals (what the notebooks print): a
slip is named even when its numbers were rounded to that precision, and the right answer rounded
to fewer decimals is told so (by :func:`softmax_teach.exercises.core.check_array`), never told
that it "does not sum to 1".
"""

from __future__ import annotations

import warnings

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.exercises.core import Feedback, _has_at_most, as_number, check_array
from softmax_teach.numerics import sampling_probabilities, softmax

__all__ = [
    "DECIMALS",
    "check_temperature_softmax",
    "check_top_p",
    "check_min_p",
    "check_temperature_for_max_probability",
]

#: The precision a filtered distribution is compared to: the 4 decimals the notebooks print.
DECIMALS = 4

# The slide's logits at ordinary and extreme temperatures, then logits in the thousands: the
# last two overflow exp() unless the max is subtracted first.
TEMPERATURE_CASES = (
    ([2.0, 1.0, 0.1], 1.0),
    ([2.0, 1.0, 0.1], 0.5),
    ([2.0, 1.0, 0.1], 5.0),
    ([2.0, 1.0, 0.1], 0.001),
    ([1000.0, 2000.0, 3000.0], 1.0),
)


def _decimals_agreeing(got, expected):
    """How many decimal places every entry of ``got`` is right to (``got`` is not exact)."""
    error = float(np.max(np.abs(got - expected)))
    return max(0, int(np.floor(-np.log10(2 * error)))) if error > 0 else 16


def _describe(logits, temperature):
    return f"logits={logits}, T={temperature:g}"


def check_temperature_softmax(function):
    """Check a learner's ``function(logits, temperature)`` against the stable temperature softmax.

    Parameters
    ----------
    function : callable
        Takes a 1-D float array of logits and a temperature ``T > 0`` and returns probabilities.

    Returns
    -------
    Feedback
        The first case that fails, with the mistake named, or a pass for all of
        :data:`TEMPERATURE_CASES`.
    """
    if not callable(function):
        raise ValueError(f"function must be callable as function(logits, temperature), got {function!r}")
    for logits, temperature in TEMPERATURE_CASES:
        x = np.array(logits)
        case = _describe(logits, temperature)
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            try:
                got = np.asarray(function(x.copy(), temperature), dtype=float)
            except Exception as error:  # the learner's code may raise anything; report it
                return Feedback(False, f"your function raised {type(error).__name__}: {error} (for {case}).")
        expected = softmax(x, temperature=temperature)
        if got.shape != expected.shape:
            return Feedback(False, f"for {case} your function returned shape {got.shape}, expected {expected.shape}.")
        if not np.isfinite(got).all():
            messages = sorted({str(w.message) for w in caught})
            said = f" (numpy said: {'; '.join(messages)})" if messages else ""
            return Feedback(
                False,
                f"for {case} your result is {np.array2string(got, precision=4)}{said}: "
                "exp(x / T) overflows once x / T is above about 709. Subtract the max of "
                "x / T before exp; it cancels in the ratio.",
            )
        if np.allclose(got, softmax(x * temperature), rtol=1e-6, atol=1e-9) and not np.allclose(got, expected):
            return Feedback(
                False,
                f"for {case} you computed softmax(x * T): divide the logits by the "
                "temperature, so a small T sharpens and a large T flattens.",
            )
        if not np.isclose(got.sum(), 1.0):
            return Feedback(
                False, f"for {case} your probabilities sum to {got.sum():.6g}: divide by the sum of the exponentials."
            )
        hints = [
            (
                lambda got, expected=expected: np.allclose(got, expected, rtol=0, atol=5e-3),
                f"for {case} your result agrees only to about {_decimals_agreeing(got, expected)} decimals: "
                "return the probabilities themselves in float64, unrounded (the check compares to 6 "
                "significant figures).",
            )
        ]
        if temperature != 1.0:
            hints.insert(
                0,
                (
                    lambda got, x=x: np.allclose(got, softmax(x)),
                    f"for {case} you returned softmax(x) and left out the temperature: divide the logits by T first.",
                ),
            )
        verdict = check_array(got, expected, what=f"your result for {case}", hints=hints)
        if not verdict:
            return verdict
    return Feedback(
        True,
        f"your function agrees with the stable temperature softmax in all "
        f"{len(TEMPERATURE_CASES)} cases, including T=0.001 and logits in the thousands.",
    )


def _nucleus_in_order(probabilities, top_p, order, *, strict=False):
    """A nucleus built by walking the classes in ``order``: the right one walks them most probable first.

    ``strict`` keeps only classes whose cumulative mass stays within ``top_p`` (dropping the one that
    crosses it); otherwise every class whose mass *before* it is below ``top_p`` stays. ``None`` when
    nothing would be kept.
    """
    cumulative = np.cumsum(probabilities[order])
    keep_in_order = cumulative <= top_p if strict else (cumulative - probabilities[order]) < top_p
    keep = np.zeros(probabilities.size, dtype=bool)
    keep[order[keep_in_order]] = True
    if not keep.any():
        return None
    kept = np.where(keep, probabilities, 0.0)
    return kept / kept.sum()


def _strict_nucleus(probabilities, top_p):
    """The common slip: keep only classes whose *cumulative* mass stays within top_p."""
    return _nucleus_in_order(probabilities, top_p, np.argsort(-probabilities, kind="stable"), strict=True)


def _misordered_nuclei(probabilities, top_p):
    """Two slips in the walk itself: ascending order (``np.argsort(p)``) and no sorting at all.

    Each is returned with and without the strict cut, since a learner can make both slips at once.
    """
    walks = (
        (
            np.argsort(probabilities, kind="stable"),
            "you sorted in ascending order (np.argsort(p)), so the cumulative sum starts from the least "
            "probable tokens: sort most probable first, np.argsort(-p).",
        ),
        (
            np.arange(probabilities.size),
            "you took the cumulative sum in the tokens' own order, without sorting them: the nucleus is "
            "built from the most probable token down, so sort first (order = np.argsort(-p)) and take the "
            "cumsum of p[order].",
        ),
    )
    for order, message in walks:
        for strict in (False, True):
            nucleus = _nucleus_in_order(probabilities, top_p, order, strict=strict)
            if nucleus is not None:
                yield nucleus, message


#: (logits, top_p) cases a learner's nucleus function is run on (at T = 1). The nucleus of the
#: first, notebook 10's next-token logits at p = 0.75, is the top 3, so "keep the top 3" passes
#: it; the others keep 1, 2, 6 and all 4 tokens. The last shuffles the first case's logits, so an
#: answer that returns its probabilities in sorted order (not at their tokens' indices) fails.
TOP_P_CASES = (
    ((3.2, 2.9, 2.1, 1.8, 1.0, 0.6, -0.5, -2.0), 0.75),
    ((6.0, 2.0, 1.0, 0.5, 0.0), 0.75),
    ((3.2, 2.9, 2.1, 1.8, 1.0, 0.6, -0.5, -2.0), 0.5),
    ((0.3, 0.2, 0.1, 0.0, -0.1, -0.2, -0.3, -0.4), 0.75),
    ((1.0, 0.5, 0.0, -0.5), 1.0),
    ((0.6, 3.2, -0.5, 2.1, 1.8, -2.0, 2.9, 1.0), 0.75),
)


def check_top_p(answer, logits=None, top_p=None, *, temperature=1.0):
    """Check a nucleus (top-p) distribution after temperature.

    Parameters
    ----------
    answer : array_like, shape (n,), or callable
        The learner's filtered, renormalised probabilities (0 for the cut classes); or a
        function ``nucleus(logits, top_p)`` returning them at T = 1, which is then run on every
        case of :data:`TOP_P_CASES` (``logits``, ``top_p`` and ``temperature`` are not used),
        so that a fixed rule such as "keep the top 3" cannot pass.
    logits : array_like, shape (n,)
        Needed for an array answer.
    top_p : float in (0, 1]
        Needed for an array answer.
    temperature : float, optional

    Returns
    -------
    Feedback
    """
    if callable(answer):
        return _check_nucleus_function(answer)
    if logits is None or top_p is None:
        raise ValueError("an array answer needs the logits and top_p it was computed for")
    return _check_nucleus(answer, logits, top_p, temperature=temperature)


def _check_nucleus_function(function):
    for logits, top_p in TOP_P_CASES:
        x = np.array(logits)
        case = f"logits={list(logits)}, top_p={top_p}"
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                result = function(x.copy(), top_p)
            except Exception as error:  # the learner's code may raise anything; report it
                return Feedback(False, f"your function raised {type(error).__name__}: {error} (for {case}).")
        verdict = _check_nucleus(result, x, top_p)
        if not verdict:
            try:
                kept = int(np.count_nonzero(np.asarray(result, dtype=float)))
            except (TypeError, ValueError):
                kept = None
            wanted = int(np.count_nonzero(sampling_probabilities(x, top_p=top_p)))
            count = (
                f" It keeps {kept} tokens where the nucleus has {wanted}."
                if kept is not None and kept != wanted
                else ""
            )
            return Feedback(False, f"for {case}: {verdict.message}{count}")
    return Feedback(
        True,
        f"your nucleus is right in all {len(TOP_P_CASES)} cases, from a peaked distribution "
        "(1 token kept) to top_p = 1 (all kept) and logits in no particular order.",
    )


def _near(wrong):
    """A hint predicate: ``got`` is the slip ``wrong``, also when typed in at :data:`DECIMALS` decimals."""
    half_unit = 0.5 * 10.0**-DECIMALS * (1 + 1e-9)
    return lambda got: got.shape == np.shape(wrong) and bool(np.all(np.abs(got - wrong) <= half_unit + 1e-9))


def _does_not_sum_to_one(expected):
    """A hint predicate: ``got`` does not sum to 1 and is not simply the right answer rounded.

    The right probabilities rounded to k decimals may miss a sum of 1 by half a unit per entry:
    that is rounding, which :func:`~softmax_teach.exercises.core.check_array` names as such,
    not a forgotten renormalisation. Anything else must sum to 1 to within the rounding of
    :data:`DECIMALS` decimals.
    """

    def predicate(got):
        places = next(
            (k for k in range(1, DECIMALS) if np.allclose(got, np.round(got, k), rtol=0, atol=1e-12)), DECIMALS
        )
        if got.shape == np.shape(expected) and np.all(np.abs(got - expected) <= 0.5 * 10.0**-places * (1 + 1e-9)):
            return False
        return not abs(got.sum() - 1.0) <= 0.5 * 10.0**-DECIMALS * got.size + 1e-9

    return predicate


def _check_nucleus(answer, logits, top_p, *, temperature=1.0):
    logits = np.asarray(logits, dtype=float)
    expected = sampling_probabilities(logits, temperature=temperature, top_p=top_p)
    tempered = softmax(logits, temperature=temperature)
    kept = expected > 0
    hints = [
        (
            _near(np.where(kept, tempered, 0.0)),
            "you kept the right classes but "
            f"did not renormalise: they now sum to {tempered[kept].sum():.4f}; divide by that sum.",
        ),
    ]
    strict = _strict_nucleus(tempered, top_p)
    if strict is not None and not np.allclose(strict, expected):
        hints.append(
            (
                _near(strict),
                "you dropped the class that takes the "
                f"cumulative mass past top_p={top_p}. The nucleus is the smallest set whose mass "
                "*reaches* top_p, so that class stays.",
            )
        )
    for nucleus, message in _misordered_nuclei(tempered, top_p):
        if not np.allclose(nucleus, expected):
            hints.append((_near(nucleus), message))
    if temperature != 1.0:
        untempered = sampling_probabilities(logits, top_p=top_p)
        hints.append(
            (
                _near(untempered),
                f"you forgot the temperature: divide the logits by T={temperature:g} before softmax, then filter.",
            )
        )
    hints.append(
        (_does_not_sum_to_one(expected), "your probabilities do not sum to 1: renormalise after cutting classes.")
    )
    in_sorted_order = np.sort(expected)[::-1]
    if not np.allclose(in_sorted_order, expected):
        hints.append(
            (
                _near(in_sorted_order),
                "your probabilities are in sorted order, "
                "most probable first, not in the tokens' order: put each one back at its token's index "
                "(np.argsort gives you that order).",
            )
        )
    return check_array(answer, expected, what="your top-p distribution", hints=hints, decimals=DECIMALS)


#: (logits, temperature, min_p) cases a learner's min-p function is run on. The first is notebook
#: 10's next-token example; the second the same logits hotter, where the cut-off moves with T (so
#: filtering before the temperature fails); the third a peaked distribution, where an absolute
#: threshold ``p >= min_p`` and the relative one differ; the last shuffles the logits.
MIN_P_CASES = (
    ((3.2, 2.9, 2.1, 1.8, 1.0, 0.6, -0.5, -2.0), 1.0, 0.2),
    ((3.2, 2.9, 2.1, 1.8, 1.0, 0.6, -0.5, -2.0), 2.0, 0.2),
    ((6.0, 2.0, 1.0, 0.5, 0.0), 1.0, 0.01),
    ((0.6, 3.2, -0.5, 2.1, 1.8, -2.0, 2.9, 1.0), 1.5, 0.1),
)


def check_min_p(function):
    """Check a learner's ``function(logits, temperature, min_p)``: min-p sampling's distribution.

    The right answer divides the logits by ``temperature``, applies softmax, keeps every token whose
    probability is at least ``min_p`` times the largest, sets the others to 0 and renormalises
    (:func:`softmax_teach.numerics.sampling_probabilities` with ``min_p``). The function is run on
    every case of :data:`MIN_P_CASES`; the first failure is reported with the slip named: an
    absolute threshold ``p >= min_p``, the cut made at T = 1 (before the temperature), the
    survivors left unrenormalised, the temperature left out or multiplied.

    Returns
    -------
    Feedback
    """
    if not callable(function):
        return Feedback(
            False,
            f"pass the function itself (no parentheses), got {type(function).__name__}: my_min_p, not my_min_p().",
        )
    for logits, temperature, min_p in MIN_P_CASES:
        x = np.array(logits)
        case = f"logits={list(logits)}, T={temperature:g}, min_p={min_p}"
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                result = function(x.copy(), temperature, min_p)
            except Exception as error:  # the learner's code may raise anything; report it
                return Feedback(False, f"your function raised {type(error).__name__}: {error} (for {case}).")
        verdict = _check_min_p_case(result, x, temperature, min_p)
        if not verdict:
            return Feedback(False, f"for {case}: {verdict.message}")
    return Feedback(
        True,
        f"your min-p filter is right in all {len(MIN_P_CASES)} cases, at three temperatures, on a peaked "
        "distribution and on logits in no particular order.",
    )


def _min_p_slips(x, temperature, min_p):
    """What the usual wrong min-p functions return for one case, each with its message."""
    tempered = softmax(x, temperature=temperature)
    expected = sampling_probabilities(x, temperature=temperature, min_p=min_p)
    absolute = np.where(tempered >= min_p, tempered, 0.0)
    # The cut decided at T = 1, the temperature applied to the survivors (llama.cpp's order).
    survivors = sampling_probabilities(x, min_p=min_p) > 0
    filter_first = sampling_probabilities(np.where(survivors, x, -np.inf), temperature=temperature)
    slips = [
        (
            np.where(expected > 0, tempered, 0.0),
            "you kept the right tokens but did not renormalise: divide the survivors by their sum.",
        ),
        (
            absolute / absolute.sum() if absolute.any() else None,
            f"you kept the tokens whose probability is at least min_p={min_p} itself. min-p is relative: "
            "keep p >= min_p * max(p), so the bar rises and falls with the top token's probability.",
        ),
        (
            filter_first,
            "you cut at T = 1 and applied the temperature to the survivors afterwards. Here the "
            "temperature comes first: divide by T, softmax, then cut (with T, the cut-off moves).",
        ),
        (
            sampling_probabilities(x, min_p=min_p),
            f"this is the min-p distribution at T = 1: divide the logits by T={temperature:g} first.",
        ),
        (
            sampling_probabilities(x * temperature, min_p=min_p),
            f"you multiplied the logits by T={temperature:g}: a temperature divides them.",
        ),
    ]
    return [(wrong, message) for wrong, message in slips if wrong is not None and not np.allclose(wrong, expected)]


def _check_min_p_case(result, x, temperature, min_p):
    expected = sampling_probabilities(x, temperature=temperature, min_p=min_p)
    hints = [(_near(wrong), message) for wrong, message in _min_p_slips(x, temperature, min_p)]
    hints.append(
        (_does_not_sum_to_one(expected), "your probabilities do not sum to 1: renormalise after cutting tokens.")
    )
    in_sorted_order = np.sort(expected)[::-1]
    if not np.allclose(in_sorted_order, expected):
        hints.append(
            (
                _near(in_sorted_order),
                "your probabilities are in sorted order, not in the tokens' order: keep each one at its token's index.",
            )
        )
    return check_array(result, expected, what="your min-p distribution", hints=hints, decimals=DECIMALS)


def check_temperature_for_max_probability(answer, logits, target, *, tolerance=0.005, decimals=None):
    """Check a temperature at which the most probable class gets probability ``target``.

    Parameters
    ----------
    answer : float
        The learner's temperature ``T > 0``.
    logits : array_like, shape (n,)
        Finite logits with a single largest value.
    target : float
        Between ``1 / n`` and 1 (exclusive): the maximum probability falls from 1 to ``1 / n``
        as ``T`` grows, so exactly one temperature reaches it.
    tolerance : float, optional
        How close the maximum probability must come to ``target``.
    decimals : int, optional
        The precision the exercise asks for. A ``T`` with fewer decimals whose neighbour at that
        precision overshoots the other way (0.43 too sharp, 0.44 too flat) is told that the answer
        lies between the two and needs more decimals, instead of only "raise T" / "lower T".

    Returns
    -------
    Feedback
        Also names an inverted temperature (the logits multiplied by ``T`` instead of divided).
    """
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 1 or logits.size < 2 or not np.isfinite(logits).all():
        raise ValueError(f"logits must be a 1-D array of at least two finite numbers, got {logits!r}")
    if np.sum(logits == logits.max()) > 1:
        raise ValueError(f"logits must have a single largest value, got {logits!r}")
    n = logits.size
    if not check.is_real(target) or not 1 / n < target < 1:
        raise ValueError(f"target must be a number between 1/{n} and 1 (exclusive), got {target!r}")
    temperature = as_number(answer)  # numpy scalars and 0-d arrays are numbers, True is not
    if temperature is None:
        return Feedback(False, f"your temperature should be a number, got {type(answer).__name__}.")
    if not np.isfinite(temperature) or temperature <= 0:
        return Feedback(False, f"a temperature must be positive and finite (above 0), got {answer!r}.")
    top = float(softmax(logits, temperature=temperature).max())
    if abs(top - target) <= tolerance:
        return Feedback(True, f"at T={temperature:.4g} the top class gets {top:.4f}, within {tolerance} of {target}.")
    inverted = float(softmax(logits, temperature=1 / temperature).max())
    if abs(inverted - target) <= tolerance:
        return Feedback(
            False,
            f"at T={temperature:.4g} the top class gets {top:.4f}, but at 1/T={1 / temperature:.4g} it gets "
            f"{inverted:.4f}: you inverted T. Temperature divides the logits, softmax(x / T); multiplying "
            "them by T is the temperature 1/T.",
        )
    slip = _too_few_decimals(temperature, logits, target, tolerance, decimals, sharp=top > target)
    if slip is not None:
        return Feedback(False, f"at T={temperature:.4g} the top class gets {top:.4f}: {slip}")
    if top > target:
        return Feedback(
            False,
            f"at T={temperature:.4g} the top class gets {top:.4f}, more than {target}: "
            "the distribution is too sharp, raise T.",
        )
    return Feedback(
        False,
        f"at T={temperature:.4g} the top class gets {top:.4f}, less than {target}: "
        "the distribution is too flat, lower T (T < 1 sharpens).",
    )


def _too_few_decimals(temperature, logits, target, tolerance, decimals, *, sharp):
    """The message for a T given with fewer decimals than asked whose next value overshoots, or None."""
    if decimals is None:
        return None
    places = next((k for k in range(decimals) if _has_at_most(temperature, k)), None)
    if places is None:
        return None
    neighbour = round(temperature + (10.0**-places if sharp else -(10.0**-places)), places)
    if neighbour <= 0:
        return None
    top = float(softmax(logits, temperature=neighbour).max())
    if abs(top - target) <= tolerance or (top > target) == sharp:
        return None
    return (
        f"too {'sharp' if sharp else 'flat'}, but the next value with {places} decimal"
        f"{'s' if places != 1 else ''}, T={neighbour:.{places}f}, gives {top:.4f}, too "
        f"{'flat' if sharp else 'sharp'}. The T you want lies between the two, so {places} decimal"
        f"{'s' if places != 1 else ''} cannot reach it: give T to {decimals} decimals, as the exercise asks."
    )


def _temperature_for(logits, target):
    """Solve ``max(softmax(logits / T)) == target`` for T (it decreases monotonically in T)."""
    from scipy.optimize import brentq

    return brentq(lambda t: float(softmax(logits, temperature=t).max()) - target, 1e-3, 1e3, xtol=1e-12)
