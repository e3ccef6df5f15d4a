"""Checks for the exercises of notebooks 06 (softmax vs sigmoid) and 07 (cross-entropy).

Each check compares the learner's answer with :mod:`softmax_teach.numerics` and, when it is
wrong, names the usual mistake (softmax where labels are independent, the difference of the
logits taken the wrong way round, a missing minus sign, a sum instead of a mean, bits instead of
nats, label smoothing forgotten or spread over the wrong classes).
"""

from __future__ import annotations

import itertools

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.exercises.core import Feedback, as_number, check_array, check_value, matches
from softmax_teach.numerics import cross_entropy, log_softmax, one_hot, sigmoid, softmax

#: The precision notebooks 06 and 07 ask for: every number right to 4 decimals (0.8808 for
#: sigmoid(2), as notebook 02 prints it).
DECIMALS = 4

__all__ = [
    "check_two_class_probability",
    "check_multilabel_probabilities",
    "check_cross_entropy",
    "check_smoothed_target",
]


def _close(expected):
    """A predicate: is the answer this (wrong) value, even typed to 4 decimals?"""
    return matches(expected, atol=0.5 * 10.0**-DECIMALS * (1 + 1e-9))


def _close_as_typed(expected, decimals):
    """A predicate: is the answer this (wrong) value, typed to as many decimals as it has (2 to ``decimals``)?

    A slip's value rounded to 3 decimals (5.034 for 5.03415) is still that slip, and is named as such.
    """

    def predicate(got):
        places = next(
            (k for k in range(2, decimals) if abs(got - round(got, k)) <= 1e-9 * max(1.0, abs(got))), decimals
        )
        if got == expected:  # inf for inf (log of an underflowed probability)
            return True
        return bool(np.isfinite(got) and abs(got - expected) <= 0.5 * 10.0**-places * (1 + 1e-9))

    return predicate


def _finite_logits(logits, name="logits", ndim=None):
    array = np.asarray(logits, dtype=float)
    if not np.isfinite(array).all() or array.ndim == 0 or (ndim is not None and array.ndim != ndim):
        shape = f"{ndim}-D " if ndim else ""
        raise ValueError(f"{name} must be a finite {shape}array of logits, got {logits!r}")
    return array


# --------------------------------------------------------------------------- notebook 06


def check_two_class_probability(answer, logits, *, decimals=DECIMALS):
    """Check ``P(class 0)`` for two logits ``[a, b]`` written with the sigmoid: ``sigmoid(a - b)``.

    Parameters
    ----------
    answer : float, numpy scalar or 0-d array
        The learner's probability of the first class.
    logits : array_like, shape (2,)
        ``[a, b]``.
    decimals : int, optional
        The precision the exercise states: an answer right to this many decimals passes (0.8808
        for sigmoid(2)).

    Returns
    -------
    Feedback
    """
    pair = np.asarray(logits, dtype=float)
    if pair.shape != (2,) or not np.isfinite(pair).all():
        raise ValueError(f"logits must hold exactly two finite numbers [a, b], got {logits!r}")
    a, b = pair
    expected = softmax([a, b])[0]
    hints = [
        (
            _close(sigmoid(b - a)),
            "that is the probability of the second class: the difference goes the other way, sigmoid(a - b).",
        ),
        (
            _close(sigmoid(a)),
            "you used only the first logit: the second one matters too, through the "
            "difference a - b (sigmoid(a) is softmax([a, 0]), i.e. it assumes b = 0).",
        ),
        (
            _close(sigmoid(b)),
            "you used only the second logit, and as if it were the first class's: P(first) needs both, "
            "through the difference a - b.",
        ),
        (_close(sigmoid(2 * a)), "sigmoid(2a) is softmax([a, -a]): it only holds when b = -a."),
        (
            _close(sigmoid((a - b) / 2)),
            "softmax([x, -x]) = sigmoid(2x): with x = (a - b)/2 the argument is 2x = a - b, so the halving "
            "cancels. You left out the 2: sigmoid(a - b).",
        ),
        (
            _close(sigmoid(a + b)),
            "the logits enter as a difference, a - b, not a sum: softmax([a, b]) only changes when their gap changes.",
        ),
        (
            _close(a - b),
            "that is the difference of the logits itself, and a probability lies between 0 and 1: "
            "apply the sigmoid to it.",
        ),
        (
            lambda got: not 0 <= got <= 1,
            "a probability lies between 0 and 1: apply the sigmoid to the difference of the logits.",
        ),
    ]
    both = np.asarray(answer, dtype=float) if isinstance(answer, (list, tuple, np.ndarray)) else None
    if both is not None and both.shape == (2,):
        if np.allclose(both, [expected, 1 - expected], atol=0.5 * 10.0**-decimals):
            return Feedback(
                False,
                "you gave both probabilities, [P(first), P(second)]: the exercise asks for "
                "one number, the first class's, and with the sigmoid of one difference.",
            )
        return Feedback(False, "give one number, the probability of the first class, not an array of two.")
    return check_value(answer, expected, what="your probability of the first class", decimals=decimals, hints=hints)


def check_multilabel_probabilities(answer, logits, *, decimals=DECIMALS):
    """Check independent per-label probabilities (multi-label): ``sigmoid`` of each logit.

    Parameters
    ----------
    answer : array_like
        The learner's probabilities, the shape of ``logits``.
    logits : array_like, shape (n,) or (m, n)
        One score per label (and per sample).
    decimals : int, optional
        The precision the exercise states: every entry right to this many decimals passes.

    Returns
    -------
    Feedback
    """
    logits = _finite_logits(logits)
    expected = sigmoid(logits)
    hints = [
        (
            _close(softmax(logits, axis=-1)),
            "you used softmax, which makes the labels compete for one "
            "unit of probability. In multi-label tagging every label is its own yes/no question: apply "
            "the sigmoid to each logit separately (the answers need not sum to 1).",
        ),
        (
            _close(softmax(logits, axis=None)),
            "you used softmax over the whole array (the slide-6 axis "
            "pitfall), and multi-label needs no softmax at all: apply the sigmoid to each logit.",
        ),
        (
            _close(1 - expected),
            "these are the probabilities that each label is absent: sigmoid(-x) = 1 - sigmoid(x). Use sigmoid(x).",
        ),
        (
            _close(sigmoid(2 * logits)),
            "that is sigmoid(2x), softmax([x, -x])[0]: pairing each logit with its negative doubles it. "
            "A tag's probability is softmax([x, 0])[0] = sigmoid(x).",
        ),
        (
            _close(sigmoid(logits / 2)),
            "that is sigmoid(x / 2): the logit needs no halving, each tag's probability is sigmoid(x).",
        ),
        (
            lambda got: bool(np.all((np.asarray(got) == 0) | (np.asarray(got) == 1))),
            "these are 0/1 decisions (a threshold at 0.5), and the exercise asks for probabilities: "
            "keep sigmoid(x) itself, before thresholding.",
        ),
        (
            _close(expected / expected.sum(axis=-1, keepdims=True)),
            "you applied the sigmoid and then made "
            "each row sum to 1: that turns the labels back into competitors. Keep sigmoid(x) as it is.",
        ),
    ]
    if logits.ndim == 2:
        hints.insert(
            1,
            (
                _close(softmax(logits, axis=0)),
                "you used softmax over axis 0, so the photos compete for "
                "each tag: every column sums to 1. Multi-label needs no softmax at all, over any axis: "
                "each tag of each photo is its own yes/no question, sigmoid(x).",
            ),
        )
    return check_array(answer, expected, what="your label probabilities", decimals=decimals, hints=hints)


# --------------------------------------------------------------------------- notebook 07


#: How a wrong loss can come about, part by part: how log p is taken, the sign, the reduction, the
#: unit. Each wrong combination is tried, and every part it gets wrong is named.
_LOG_P = {
    "log_softmax": None,
    "+1e-8": (
        "you kept the log away from 0: with p + 1e-8 inside the log, or with np.clip(p, 1e-8, 1), which "
        "gives the same loss here. Either leaves most samples almost as they are (+1e-8 moves a loss by "
        "about 1e-8 / p, np.clip not at all), but a sample whose true class has p below 1e-8 is capped at "
        "-log(1e-8) = 18.42 nats: the hack hides exactly the worst mistakes. Use log_softmax."
    ),
    "log of softmax": (
        "your loss is inf: a true-class probability underflowed to exactly 0 in softmax, and "
        "log(0) = -inf. log_softmax computes x_y - LSE(x) without ever forming that probability."
    ),
}
_SIGN = {
    +1: None,
    -1: (
        "your loss is negative: the formula is -sum(y * log p), and log p <= 0, so the minus "
        "sign makes the loss positive."
    ),
}
_UNIT = {"nats": None, "bits": ("that is in bits (log base 2); PyTorch and this package use the natural log (nats).")}


def _log_p(logits, how):
    with np.errstate(all="ignore"):
        if how == "log_softmax":
            return log_softmax(logits, axis=-1)
        p = softmax(logits, axis=-1)
        return np.log(p + 1e-8) if how == "+1e-8" else np.log(p)


def _loss_slips(logits, target, m):
    """``[(value, message)]`` for every wrong combination of the parts above (one-part slips first)."""
    rows = np.arange(m)
    reductions = {"mean": None}
    if m > 1:
        reductions["sum"] = (
            f"that is the sum over the {m} samples; the usual loss is the mean: divide by the batch size {m}."
        )
    slips = []
    for how, sign, reduction, unit in itertools.product(_LOG_P, _SIGN, reductions, _UNIT):
        faults = [f for f in (_LOG_P[how], _SIGN[sign], reductions[reduction], _UNIT[unit]) if f]
        if not faults:
            continue
        per_sample = -sign * _log_p(logits, how)[rows, target]
        with np.errstate(all="ignore"):
            value = (per_sample.sum() if reduction == "sum" else per_sample.mean()) / (
                np.log(2) if unit == "bits" else 1
            )
        if len(faults) == 1:
            message = faults[0]
        else:
            message = f"{('two', 'three', 'four')[len(faults) - 2]} mistakes at once. " + " ".join(
                f"{order}, {fault[0].lower()}{fault[1:]}"
                for order, fault in zip(("First", "Second", "Third", "Fourth"), faults)
            )
        slips.append((len(faults), value, message))
    return [(value, message) for _, value, message in sorted(slips, key=lambda slip: slip[0])]


def check_cross_entropy(answer, logits, target, *, label_smoothing=0.0, decimals=DECIMALS):
    """Check a mean cross-entropy loss (in nats) for a batch of logits and integer labels.

    Parameters
    ----------
    answer : float, numpy scalar or 0-d array
        The learner's loss.
    logits : array_like, shape (m, n)
    target : array_like of int, shape (m,)
    label_smoothing : float, optional
        As in ``torch.nn.functional.cross_entropy``.
    decimals : int, optional
        The precision the exercise states: an answer right to this many decimals passes.

    Returns
    -------
    Feedback
        Names each slip, also two or more at once: ``+1e-8`` inside the log (visible only when a
        true class has a probability far below 1e-8), ``log(softmax)`` (``inf`` once a probability
        underflows), a missing minus sign, a sum instead of a mean, bits instead of nats, label
        smoothing forgotten, the logit instead of its log-probability.
    """
    logits = _finite_logits(logits, ndim=2)
    target = np.asarray(target)
    expected = float(cross_entropy(logits, target, label_smoothing=label_smoothing))
    m = logits.shape[0]
    hints = []
    if label_smoothing:
        without = float(cross_entropy(logits, target))
        hints.append(
            (
                _close_as_typed(without, decimals),
                f"that is the loss without label smoothing: mix the one-hot "
                f"target with the uniform one, (1 - {label_smoothing}) * y + {label_smoothing} / "
                f"{logits.shape[1]}.",
            )
        )
    else:
        hints += [(_close_as_typed(value, decimals), message) for value, message in _loss_slips(logits, target, m)]
    naive = -np.mean(logits[np.arange(m), target])
    hints.append(
        (
            _close_as_typed(naive, decimals),
            "you took the negative true-class logit, not its log-probability: apply log_softmax to the logits first.",
        )
    )
    if target.ndim == 1 and target.dtype.kind in "iu" and not label_smoothing:
        # The samples whose true-class probability underflows to 0 (log gives -inf), left out.
        with np.errstate(divide="ignore"):
            finite = np.isfinite(np.log(softmax(logits, axis=-1)[np.arange(m), target]))
        if 0 < finite.sum() < m:
            per_sample = cross_entropy(logits, target, reduction="none")
            dropped = ", ".join(str(int(i)) for i in np.flatnonzero(~finite))
            hints.append(
                (
                    _close_as_typed(per_sample[finite].mean(), decimals),
                    f"that is the mean over the samples whose probability did not underflow; sample {dropped} "
                    "counts too, and its loss is finite: log_softmax gives its log-probability without forming p.",
                )
            )
    # rtol=0: the stated precision is absolute (4 decimals of a loss of 200 are 0.00005, not 1e-6 of it).
    feedback = check_value(answer, expected, what="your loss", rtol=0, decimals=decimals, hints=hints)
    got = as_number(answer)
    generic = f"your loss is {got:.6g}" if got is not None else None
    if generic and feedback.message.startswith(generic) and np.isfinite(got):
        # Show the learner's number as given: 6 significant digits can print a wrong 200.4287 as 200.429.
        feedback = Feedback(
            feedback.passed,
            f"your loss is {np.format_float_positional(got, trim='-')}" + feedback.message[len(generic) :],
        )
    return feedback


def check_smoothed_target(answer, label, n_classes, label_smoothing, *, decimals=DECIMALS):
    """Check a label-smoothed target row: ``(1 - eps) * one_hot + eps / n_classes``.

    This is PyTorch's convention (``label_smoothing`` in ``nn.CrossEntropyLoss``): the true class
    keeps ``1 - eps + eps / n`` and every class, the true one included, gets ``eps / n``.

    Parameters
    ----------
    answer : array_like, shape (n_classes,)
    label : int
        The true class.
    n_classes : int
        At least 2.
    label_smoothing : float
        ``eps`` in [0, 1].
    decimals : int, optional
        The precision the exercise states: every entry right to this many decimals passes.

    Returns
    -------
    Feedback
    """
    check.integer(n_classes, "n_classes", minimum=2)
    check.integer_in(label, "label", 0, n_classes - 1)
    check.real_in(label_smoothing, "label_smoothing", 0.0, 1.0)
    eps = float(label_smoothing)
    target = one_hot(label, n_classes)
    expected = (1 - eps) * target + eps / n_classes
    hints = [
        (
            _close((1 - eps) * target + eps / (n_classes - 1) * (1 - target)),
            "you spread eps over the "
            f"other {n_classes - 1} classes only. That convention exists, but PyTorch (and this package) "
            f"spread it over all {n_classes} classes: the true class gets 1 - eps + eps / n.",
        ),
        (
            _close((1 - eps) * target),
            f"your row sums to {1 - eps:g}, not 1: add eps / n = {eps / n_classes:g} to every class.",
        ),
        (
            _close(target),
            "that is the plain one-hot target: label smoothing moves eps of the mass to the uniform distribution.",
        ),
        *(
            (
                _close((1 - eps) * one_hot(other, n_classes) + eps / n_classes),
                f"the right values, but the peak 1 - eps + eps / n = {1 - eps + eps / n_classes:g} sits on class "
                f"{other}, and the true class is {label}: put it at index {label} (class ids count from 0).",
            )
            for other in range(n_classes)
            if other != label and eps < 1
        ),
        (
            _close((1 - eps) * target + eps / n_classes * (1 - target)),
            f"your row sums to {1 - eps + eps * (n_classes - 1) / n_classes:g}, not 1: the true class gets "
            f"eps / n = {eps / n_classes:g} too, on top of its 1 - eps.",
        ),
        (
            lambda got: _misses_a_sum_of_one(got, expected, decimals),
            "your row does not sum to 1, and a target must be a probability distribution: "
            "(1 - eps) on the true class plus eps / n on every class adds up to exactly 1.",
        ),
    ]
    return check_array(answer, expected, what="your smoothed target", decimals=decimals, hints=hints)


def _misses_a_sum_of_one(got, expected, decimals):
    """True when ``got`` does not sum to 1 and is not simply the right row rounded.

    The right row rounded to k decimals may miss a sum of 1 by half a unit per entry: that is
    rounding, which :func:`check_array` names as such. Anything else must sum to 1 to within
    the rounding of the exercise's own precision.
    """
    got = np.asarray(got, dtype=float).ravel()
    places = next((k for k in range(1, decimals) if np.allclose(got, np.round(got, k), rtol=0, atol=1e-12)), decimals)
    if np.all(np.abs(got - np.ravel(expected)) <= 0.5 * 10.0**-places * (1 + 1e-9)):
        return False
    return bool(abs(got.sum() - 1.0) > 0.5 * 10.0**-decimals * got.size + 1e-9)
