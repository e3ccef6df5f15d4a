"""Checks for the *On your own* exercises of notebooks 05 (neural networks), 08 (image
classification) and 09 (NLP).

Each check returns a :class:`~softmax_teach.exercises.core.Feedback` whose message names the
usual mistake when it recognises one. Nothing here imports torch at module level; the masked-mean
check imports it when called.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.calibration import fit_temperature
from softmax_teach.exercises.core import Feedback, check_array, check_value
from softmax_teach.numerics import softmax

__all__ = [
    "double_softmax_floor",
    "check_double_softmax_floor",
    "check_top_k",
    "check_fitted_temperature",
    "check_masked_mean",
]


# --------------------------------------------------------------------------- notebook 05


def double_softmax_floor(num_classes: int) -> float:
    """The smallest per-sample loss ``CrossEntropyLoss`` can report when fed softmax probabilities.

    The best the first softmax can do is a one-hot vector; the loss's own softmax then turns
    ``[1, 0, ..., 0]`` into ``e / (e + n - 1)`` for the right class, so the loss is at least
    ``log(1 + (n - 1) / e)``.
    """
    if not isinstance(num_classes, numbers.Integral) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    return math.log1p((num_classes - 1) / math.e)


def check_double_softmax_floor(answer, num_classes: int = 10, *, decimals: int = 3) -> Feedback:
    """Check the lowest loss a double-softmax model can reach with ``num_classes`` classes.

    Parameters
    ----------
    answer : float, numpy scalar or 0-d array
        The learner's floor.
    num_classes : int
    decimals : int, optional
        The precision the exercise asks for: an answer right to this many decimals passes
        (1.461 and 1.4612 for ten classes, whose floor is log1p(9/e) = 1.46115).

    Returns
    -------
    Feedback
    """
    expected = double_softmax_floor(num_classes)
    hints = (
        (
            lambda got: abs(got) < 1e-6,
            "0 would need the loss's softmax to give the right class probability 1, "
            "but its inputs are probabilities, all between 0 and 1: what is softmax([1, 0, ..., 0])?",
        ),
        (
            lambda got: math.isclose(got, math.log(num_classes), rel_tol=1e-6),
            f"log({num_classes}) is the loss of a uniform guess; the best first softmax is one-hot, not uniform.",
        ),
        (
            lambda got: math.isclose(got, -math.log(math.e / (math.e + num_classes)), rel_tol=1e-6),
            f"almost: a one-hot vector has one 1 and {num_classes - 1} zeros, so the denominator is "
            f"e + {num_classes - 1}, not e + {num_classes}.",
        ),
        (
            lambda got: math.isclose(got, math.e / (math.e + num_classes - 1), rel_tol=1e-6),
            "that is the probability of the right class; the loss is minus its logarithm.",
        ),
        # Slips typed from a printout: within half a unit of 3 decimals, the precision the exercise asks for.
        (
            lambda got: num_classes != 3 and math.isclose(got, double_softmax_floor(3), abs_tol=5e-4),
            f"that is the floor for 3 classes, log(1 + 2/e) = 0.5514, the iris model's in the notebook: with "
            f"{num_classes} classes the one-hot vector has {num_classes - 1} zeros, so the denominator is "
            f"e + {num_classes - 1}, not e + 2.",
        ),
        (
            lambda got: math.isclose(got, expected / math.log(2), abs_tol=5e-4),
            "that is the floor in bits (log base 2): CrossEntropyLoss uses the natural log, so the loss is in "
            "nats; use math.log (or math.log1p), not math.log2.",
        ),
    )
    return check_value(answer, expected, what="your floor", rtol=1e-6, decimals=decimals, hints=hints)


# --------------------------------------------------------------------------- notebook 08


def check_top_k(classes, probabilities, logits, k: int = 5, *, temperature: float = 1.0, decimals: int = 3) -> Feedback:
    """Check the ``k`` most probable classes (best first) and their probabilities ``softmax(logits / T)``.

    Parameters
    ----------
    classes : array_like of int, shape (k,)
        The learner's class indices (0-based), most probable first.
    probabilities : array_like, shape (k,)
        Their probabilities.
    logits : array_like, shape (classes,)
        The logits of one image, before temperature scaling.
    k : int
    temperature : float, optional
        The temperature ``T`` the exercise asks for; the probabilities are ``softmax(logits / T)``.
    decimals : int, optional
        The precision asked for: probabilities right to this many decimals pass; the right values
        rounded to fewer decimals, or cut off, are told so.

    Returns
    -------
    Feedback
        Names the usual slips: the classes in reverse or 1-based, the logits instead of
        probabilities, softmax over the top ``k`` logits only, the temperature forgotten or
        multiplied instead of divided, percentages instead of probabilities.
    """
    z = np.asarray(logits, dtype=float)
    if z.ndim != 1 or not 1 <= k <= z.size:
        raise ValueError(f"logits must be 1-D with at least k={k!r} entries, got shape {z.shape}")
    t = check.positive_real(temperature, "temperature")
    p = softmax(z / t)
    order = np.argsort(-p, kind="stable")[:k]
    try:
        got_classes = np.asarray(classes).astype(int).ravel()
    except (TypeError, ValueError):
        return Feedback(False, f"classes should be class indices, got {type(classes).__name__}.")
    if got_classes.shape != (k,):
        return Feedback(False, f"expected {k} classes, got {got_classes.size}.")
    if np.array_equal(got_classes, order[::-1]):
        return Feedback(False, "these are the right classes in the wrong order: top-k lists the most probable first.")
    if np.array_equal(got_classes, order + 1):
        return Feedback(
            False,
            f"these are the right classes counted from 1: class ids are indices, counted from 0 "
            f"(0 to {z.size - 1}), so subtract 1 from each.",
        )
    if not np.array_equal(got_classes, order):
        return Feedback(
            False, f"the top-{k} classes are not {got_classes.tolist()}: sort by probability, largest first."
        )
    # Half a unit of the last decimal asked for, plus a hair for the float error of the rounding.
    tolerance = 0.5 * 10.0**-decimals + 1e-12
    scaled = f"logits / {t:g}" if t != 1 else "logits"

    def near(values):
        return lambda got: got.shape == (k,) and np.allclose(got, values, rtol=0, atol=tolerance)

    hints = [
        (
            lambda got: near(p[order])(got / 100),
            "these are percentages: give the probabilities as numbers between 0 and 1.",
        ),
        (near(z[order]), "these are the logits of the top classes: apply softmax first (probabilities sum to 1)."),
    ]
    if t != 1:
        hints += [
            (near(z[order] / t), f"these are the scaled logits ({scaled}) of the top classes: apply softmax to them."),
            (
                near(softmax(z)[order]),
                f"these are the probabilities at T = 1: you forgot the temperature. Divide the logits by T = {t:g} "
                "before the softmax.",
            ),
            (
                near(softmax(z * t)[order]),
                f"you multiplied the logits by T = {t:g}; temperature scaling divides them: softmax(logits / T).",
            ),
            (
                near(softmax(z[order])),
                f"you forgot the temperature and applied softmax to the top-{k} logits only: divide all "
                f"{z.size} logits by T = {t:g}, then softmax over all of them.",
            ),
        ]
    hints.append(
        (
            near(softmax(z[order] / t)),
            f"you applied softmax to the top-{k} logits only; softmax goes over all {z.size} classes, then take "
            f"the top {k}.",
        )
    )
    return check_array(
        probabilities, p[order], what=f"the top-{k} probabilities", rtol=0, atol=1e-12, decimals=decimals, hints=hints
    )


def check_fitted_temperature(
    answer, logits, labels, *, decimals: int = 2, reference_temperature=None, other_splits=None
) -> Feedback:
    """Check a temperature fitted by minimising the NLL of ``softmax(logits / T)`` on ``logits, labels``.

    Parameters
    ----------
    answer : float, numpy scalar or 0-d array
        The learner's temperature.
    logits : array_like, shape (n, classes)
    labels : array_like of int, shape (n,)
    decimals : int, optional
        The precision asked for: any T right to this many decimals passes. A grid with steps of
        0.0025 finds the minimum to 2 decimals; that the NLL is flat near it (5% in T moves it by
        about 0.3%) means T need not be more exact, not that a grid cannot find it.
    reference_temperature : float, optional
        A temperature fitted earlier on logits that ``logits`` are a multiple of (the exercise's
        logits before they were made hotter): an answer equal to it is told that it forgot the factor.
    other_splits : mapping of str to (logits, labels), optional
        Splits the temperature must not be fitted on (``{"test": (test_logits, test_labels)}``):
        an answer equal to the temperature fitted on one of them is told so.

    Returns
    -------
    Feedback
        Names 1/T, T = 1, the factor forgotten, a fit on another split, and a grid that ends before
        the minimum (the NLL still falling, or rising, at the answer).
    """
    logits = np.asarray(logits, dtype=float)
    expected = fit_temperature(logits, labels)
    hints = [
        (
            lambda got: got > 0 and math.isclose(1.0 / got, expected, rel_tol=2e-3),
            "that is 1/T: the logits are divided by T, so an over-confident model needs T > 1.",
        ),
        (lambda got: math.isclose(got, 1.0), "T = 1 leaves the model as it is; minimise the validation NLL over T."),
    ]
    if reference_temperature is not None:
        reference = float(reference_temperature)
        factor = expected / reference
        hints.append(
            (
                lambda got: math.isclose(got, reference, rel_tol=2e-3, abs_tol=0.5 * 10.0**-decimals),
                f"that is the temperature fitted earlier, for logits about {factor:.2g} times smaller than these: "
                "fit T on the logits given here (how does the factor show up in T?).",
            )
        )
    for name, (split_logits, split_labels) in (other_splits or {}).items():
        fitted_there = fit_temperature(np.asarray(split_logits, dtype=float), split_labels)
        if abs(fitted_there - expected) > 0.5 * 10.0**-decimals:
            hints.append(
                (
                    lambda got, there=fitted_there: math.isclose(
                        got, there, rel_tol=2e-3, abs_tol=0.5 * 10.0**-decimals
                    ),
                    f"that is the temperature fitted on the {name} split. Fit it on the validation split: the test "
                    "split is kept for the final numbers, and a T tuned on it makes them look better than they are.",
                )
            )

    def grid_edge(side):
        # A round number (at most 1 decimal) well away from the minimum on one side: where a grid ended.
        def predicate(got):
            round_number = abs(10 * got - round(10 * got)) < 1e-9
            return got > 0 and round_number and side * (got - expected) > 0.05 * expected

        return predicate

    for side, where in ((-1, "larger"), (+1, "smaller")):
        hints.append(
            (
                grid_edge(side),
                f"the validation NLL is still {'falling' if side < 0 else 'rising'} at that T: it is lowest at a "
                f"{where} T. If your grid {'ends' if side < 0 else 'starts'} there, extend it.",
            )
        )
    return check_value(answer, expected, what="your temperature", rtol=2e-3, decimals=decimals, hints=hints)


# --------------------------------------------------------------------------- notebook 09


def _masked_mean_cases():
    """Three batches of different shapes, so a function that ignores its input cannot pass them all.

    The third has a row with no real token at all (a fully padded row), where the mean must be 0,
    not 0 / 0 = nan, and more rows than features, so a count of the wrong shape cannot broadcast.
    """
    rng = np.random.default_rng(9)
    embedded = rng.normal(size=(3, 5, 4))
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)
    second = rng.normal(size=(2, 6, 3))
    second_mask = np.array([[1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0]], dtype=bool)
    third = rng.normal(size=(3, 4, 2))
    third_mask = np.array([[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]], dtype=bool)
    return ((embedded, mask), (second, second_mask), (third, third_mask))


def check_masked_mean(function) -> Feedback:
    """Check ``function(embedded, mask)``: mean over the sequence axis of the real tokens only.

    ``embedded`` is a float tensor ``(batch, length, dim)``, ``mask`` a bool tensor ``(batch,
    length)`` that is True for real tokens. The result must have shape ``(batch, dim)``.
    """
    import torch

    from softmax_teach.models.classifiers import masked_mean

    if not callable(function):
        return Feedback(False, f"pass the function itself (no parentheses), got {type(function).__name__}.")
    ordinals = ("first", "second", "third")
    for number, (embedded_np, mask_np) in enumerate(_masked_mean_cases(), start=1):
        verdict = _check_masked_mean_case(function, embedded_np, mask_np, masked_mean, torch)
        if not verdict:
            if number > 1:
                padded = " (its second row is all padding)" if not mask_np.any(axis=1).all() else ""
                verdict = Feedback(
                    False, f"on a {ordinals[number - 1]} batch, of shape {embedded_np.shape}{padded}: {verdict.message}"
                )
            return verdict
    return Feedback(
        True, "your masked mean matches on three batches of different shapes, one with a row of padding only."
    )


def _broadcast_hint(error, shape):
    """Which product or division failed to broadcast, read from torch's message (the first batch's sizes differ)."""
    import re

    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", str(error))
    if not isinstance(error, RuntimeError) or found is None:
        return ""
    batch, length, dim = shape
    sizes = {int(found.group(1)), int(found.group(2))}
    if sizes == {dim, length}:
        return (
            f" embedded has shape (batch, length, dim) = {shape} but mask only (batch, length) = {(batch, length)}, "
            f"so embedded * mask cannot broadcast: give the mask a trailing axis, embedded * mask.unsqueeze(-1)."
        )
    if sizes == {dim, batch}:
        return (
            f" The sum over the sequence has shape (batch, dim) = {(batch, dim)}, but mask.sum(dim=1) has shape "
            f"(batch,) = ({batch},): keep the summed axis so they broadcast, mask.sum(dim=1, keepdim=True), "
            f"or sum mask.unsqueeze(-1) instead."
        )
    return ""


def _masked_max(embedded_np, mask_np):
    """Max pooling over the real tokens (rows with none give nan)."""
    with np.errstate(invalid="ignore"):
        return np.where(mask_np[..., None], embedded_np, -np.inf).max(axis=1)


def _check_masked_mean_case(function, embedded_np, mask_np, masked_mean, torch):
    embedded, mask = torch.tensor(embedded_np), torch.tensor(mask_np)
    try:
        result = function(embedded.clone(), mask.clone())
    except Exception as error:  # a learner's bug must become feedback, not a traceback
        return Feedback(
            False, f"your function raised {type(error).__name__}: {error}.{_broadcast_hint(error, embedded_np.shape)}"
        )
    if isinstance(result, torch.Tensor):
        result = result.detach().numpy()
    expected = masked_mean(embedded, mask).numpy()
    kept = (embedded_np.shape[0], 1, embedded_np.shape[2])
    if getattr(result, "shape", None) == kept:
        return Feedback(
            False,
            f"your masked mean has shape {kept}, expected {expected.shape}: the sum over the "
            f"sequence kept its axis (keepdim=True); only the count needs it, or squeeze the result.",
        )
    empty = ~mask_np.any(axis=1)
    hints = (
        (
            lambda got: got.shape == expected.shape and np.allclose(got, embedded_np.mean(axis=1)),
            "this is the plain mean over all positions, padding included (what avg_pool2d computes): "
            "divide the sum of the real tokens by the number of real tokens, mask.sum(dim=1).",
        ),
        (
            lambda got: (
                got.shape == expected.shape and np.allclose(got, (embedded_np * mask_np[..., None]).sum(axis=1))
            ),
            "this is the sum of the real tokens; divide it by how many there are in each row.",
        ),
        (
            lambda got: (
                got.shape == expected.shape
                and np.allclose(got, (embedded_np * mask_np[..., None]).sum(axis=1) / embedded_np.shape[1])
            ),
            "the padding is zeroed, but you divided by the padded length; divide by mask.sum(dim=1).",
        ),
        (
            lambda got: (
                got.shape == expected.shape
                and not empty.any()
                and np.allclose(got, embedded_np.sum(axis=1) / mask_np.sum(axis=1, keepdims=True))
            ),
            "you divided by the number of real tokens, but summed over every position, padding included: "
            "zero the padding first (multiply by the mask) and then sum.",
        ),
        (
            lambda got: (
                got.shape == expected.shape
                and empty.any()
                and bool(np.isnan(got[empty]).any())
                and np.allclose(got[~empty], expected[~empty])
            ),
            "right for every row with a real token, but nan for the row that is all padding: its count is 0, "
            "and 0 / 0 = nan. Clamp the count to at least 1, count.clamp(min=1), so such a row gives zeros.",
        ),
        (
            lambda got: (
                got.shape == expected.shape
                and np.allclose(got, masked_mean(embedded, ~mask).numpy())
                and not np.allclose(expected, masked_mean(embedded, ~mask).numpy())
            ),
            "this is the mean of the padding positions: the mask is True for the real tokens, so keep the "
            "positions where it is True (is it inverted, ~mask or mask == 0?).",
        ),
        (
            lambda got: (
                got.shape == expected.shape
                and not empty.any()
                and (
                    np.allclose(got, _masked_max(embedded_np, mask_np))
                    or np.allclose(got, (embedded_np * mask_np[..., None]).max(axis=1))
                )
            ),
            "this is the largest value over the tokens (max pooling), not their mean: sum the real tokens and "
            "divide by how many there are.",
        ),
    )
    return check_array(result, expected, what="your masked mean", rtol=1e-6, atol=1e-9, hints=hints)
