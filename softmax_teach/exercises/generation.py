"""Checks for the exercises of notebook 14 (generative models).

1. :func:`check_perplexity` — perplexity from the probabilities a model gave to the characters
   that really came. It names the usual slips: the mean loss without ``exp``, the sign of the
   log forgotten, ``1 / mean(p)`` or ``mean(1 / p)`` instead of the geometric mean, the product
   without the root, and the mean loss in bits.
2. :func:`check_filtered_distribution` — the distribution a sampler draws from after
   temperature and top-k, to 4 decimals. It names a filter left unrenormalised, the temperature
   multiplied instead of divided, and one class too many or too few, also when typed in rounded.

3. :func:`check_char_lm_parameters` — the number of trained parameters of ``CharLM`` for a
   hidden size. It names a GRU counted with one gate instead of three, forgotten biases (all of
   them, one per gate instead of two, or the head's), a forgotten embedding or head, and the count
   for another hidden size.

Nothing here imports torch at module level (the formulas are plain arithmetic).
"""

from __future__ import annotations

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.exercises.core import Feedback, as_number, check_array, check_value
from softmax_teach.numerics import sampling_probabilities, softmax

__all__ = [
    "EXERCISE_PROBABILITIES",
    "EXERCISE_LOGITS",
    "char_lm_parameter_count",
    "check_perplexity",
    "check_filtered_distribution",
    "check_char_lm_parameters",
]

#: The probabilities a model gave to the eight characters that really came next (exercise 1).
EXERCISE_PROBABILITIES = np.array([0.9, 0.6, 0.05, 0.8, 0.3, 0.95, 0.7, 0.2])

#: Next-character logits over six characters (exercise 2).
EXERCISE_LOGITS = np.array([3.0, 2.5, 0.5, 1.0, -1.0, 2.0])


def _probabilities(values, name):
    p = np.asarray(values, dtype=float).ravel()
    if p.size == 0 or not np.all((p > 0) & (p <= 1)):
        raise ValueError(f"{name} must be a non-empty array of probabilities in (0, 1], got {values!r}")
    return p


def check_perplexity(answer, probabilities=EXERCISE_PROBABILITIES, *, decimals=3):
    """Check the perplexity ``exp(-mean(log p))`` of the observed characters.

    Parameters
    ----------
    answer : float, numpy scalar or 0-d array
        The learner's perplexity.
    probabilities : array_like
        ``p(observed character)`` at each step (default :data:`EXERCISE_PROBABILITIES`).
    decimals : int, optional
        The precision asked for: an answer right to this many decimals passes (2.416 for the
        default probabilities, whose perplexity is 2.41586).

    Returns
    -------
    Feedback
    """
    p = _probabilities(probabilities, "probabilities")
    mean_nll = float(-np.log(p).mean())
    half_unit = 0.5 * 10.0**-decimals + 1e-12  # a slip typed in at the precision asked for is still that slip
    hints = (
        (
            lambda got: np.isclose(got, mean_nll),
            f"that is the mean loss -mean(log p) = {mean_nll:.4g} nats; the perplexity is its exp.",
        ),
        (
            lambda got: np.isclose(got, np.exp(-mean_nll)),
            "that is exp(mean(log p)), the geometric mean of the probabilities: perplexity is its "
            "inverse, exp(-mean(log p)). Check the sign.",
        ),
        (
            lambda got: np.isclose(got, 1 / p.mean()),
            "1 / mean(p) uses the arithmetic mean; perplexity uses the geometric one: exp(-mean(log p)).",
        ),
        (
            lambda got: np.isclose(got, 1 / np.prod(p)),
            "1 / prod(p) grows with the length of the text; take the mean of the logs (the n-th root).",
        ),
        (
            lambda got: abs(got - mean_nll / np.log(2)) <= half_unit,
            f"that is the mean loss in bits, -mean(log2 p) = {mean_nll / np.log(2):.4g}; the perplexity is "
            "2 to that power (or exp of the loss in nats): the same number whatever the base.",
        ),
        (
            lambda got: abs(got - (1 / p).mean()) <= half_unit,
            "mean(1/p) is the arithmetic mean of 1/p; perplexity averages the logs instead: "
            "exp(mean(log(1/p))) = exp(-mean(log p)), which is smaller.",
        ),
    )
    return check_value(answer, np.exp(mean_nll), what="your perplexity", decimals=decimals, hints=hints)


def check_filtered_distribution(answer, logits=EXERCISE_LOGITS, *, temperature=0.5, top_k=3, decimals=4):
    """Check the sampling distribution after ``temperature`` and ``top_k`` (in that order).

    Parameters
    ----------
    answer : array_like
        The learner's probabilities over all classes (cut classes at 0).
    logits : array_like
        1-D logits (default :data:`EXERCISE_LOGITS`).
    temperature : float
        > 0.
    top_k : int
        Classes kept, >= 1 and less than the number of classes.
    decimals : int, optional
        The precision the exercise asks for (4, what ``np.set_printoptions(precision=4)`` prints):
        probabilities right to this many decimals pass; the right ones rounded to fewer are told so.

    Returns
    -------
    Feedback
    """
    x = np.asarray(logits, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.isfinite(x).all():
        raise ValueError(f"logits must be a 1-D array of at least 2 finite numbers, got {logits!r}")
    top_k = check.integer_in(top_k, "top_k", 1, x.size - 1)
    temperature = check.positive_real(temperature, "temperature")
    expected = sampling_probabilities(x, temperature=temperature, top_k=top_k)
    tempered = softmax(x, temperature=temperature)
    keep = expected > 0
    half_unit = 0.5 * 10.0**-decimals

    def near(wrong):
        # A slip copied at the precision asked for is still that slip.
        return lambda got: np.allclose(got, wrong, rtol=0, atol=half_unit)

    hints = (
        (
            near(np.where(keep, tempered, 0)),
            "the right classes are kept, but the probabilities sum to less than 1: renormalise "
            "over the kept classes (divide by their sum).",
        ),
        (
            near(sampling_probabilities(x * temperature, top_k=top_k)),
            f"the logits were multiplied by T = {temperature}; a temperature divides them: softmax(x / T).",
        ),
        (
            near(sampling_probabilities(x, top_k=top_k)),
            "these are the top-k probabilities at T = 1: divide the logits by the temperature first.",
        ),
        (
            lambda got: np.count_nonzero(got) != top_k,
            f"a different number of classes than {top_k} has a non-zero probability: top-k with "
            f"k = {top_k} keeps exactly the {top_k} most probable classes here (no ties).",
        ),
    )
    return check_array(answer, expected, what="your filtered distribution", hints=hints, decimals=decimals)


def char_lm_parameter_count(vocab_size, hidden_dim, embedding_dim=32, *, gates=3, biases=True):
    """The number of parameters of a one-layer :class:`~softmax_teach.models.language.CharLM`.

    Embedding ``V·E``; a GRU layer has ``gates = 3`` weight blocks (reset, update, candidate),
    each ``H·E + H·H`` plus two bias vectors of ``H`` in PyTorch; the head ``H·V + V``.
    ``gates`` and ``biases`` give the counts of the usual slips.
    """
    bias = 1 if biases else 0
    gru = gates * (hidden_dim * embedding_dim + hidden_dim * hidden_dim + 2 * bias * hidden_dim)
    return vocab_size * embedding_dim + gru + hidden_dim * vocab_size + bias * vocab_size


def check_char_lm_parameters(answer, hidden_dim, vocab_size, *, embedding_dim=32):
    """Check the number of trainable parameters of ``CharLM(vocab_size, embedding_dim, hidden_dim)``.

    Parameters
    ----------
    answer : int
        The learner's count (``sum(p.numel() for p in model.parameters())``).
    hidden_dim, vocab_size, embedding_dim : int

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_char_lm_parameters(char_lm_parameter_count(32, 128), hidden_dim=128, vocab_size=32))
    True
    """
    for name, value in (("hidden_dim", hidden_dim), ("vocab_size", vocab_size), ("embedding_dim", embedding_dim)):
        check.positive_int(value, name)
    got = as_number(answer)
    if got is None:
        return Feedback(False, f"the count should be a number, got {type(answer).__name__}.")
    expected = char_lm_parameter_count(vocab_size, hidden_dim, embedding_dim)
    if got == expected:
        return Feedback(True, f"CharLM with hidden_dim = {hidden_dim} has {expected:,} parameters.")
    slips = {
        char_lm_parameter_count(vocab_size, hidden_dim, embedding_dim, gates=1): "you counted the GRU like a plain RNN "
        "layer: a GRU has three sets of weights (reset gate, update gate, candidate state).",
        char_lm_parameter_count(
            vocab_size, hidden_dim, embedding_dim, biases=False
        ): "the biases are missing: each GRU "
        "gate has two bias vectors in PyTorch (b_ih and b_hh), and the head has one.",
        char_lm_parameter_count(vocab_size, hidden_dim, embedding_dim, gates=1, biases=False): "two things: a GRU has "
        "three sets of weights, not one, and the biases are missing (two per GRU gate, one for the head).",
        vocab_size * embedding_dim
        + 3 * (hidden_dim * embedding_dim + hidden_dim**2 + 2 * hidden_dim): "the linear head "
        "(hidden_dim x vocab_size weights and vocab_size biases) is missing.",
        3 * hidden_dim**2: f"that counts only the GRU's recurrent weights (3 gates of H x H = {hidden_dim} x "
        f"{hidden_dim}): add the input weights (3 x H x E), the GRU's biases (two H vectors per gate), the "
        "embedding (V x E) and the head (H x V + V).",
    }
    other_slips = {
        expected - 3 * hidden_dim: f"{3 * hidden_dim:,} short: that is a textbook GRU with one bias per gate; "
        "PyTorch's GRU has two per gate (b_ih and b_hh, each 3 x H), so count 2 x 3 x H biases.",
        expected - vocab_size * embedding_dim: f"{vocab_size * embedding_dim:,} short: the embedding "
        f"(V x E = {vocab_size} x {embedding_dim}) is missing; it is trained like every other layer.",
        expected - vocab_size: f"{vocab_size} short: the head's bias (one per character, V = {vocab_size}) "
        "is missing; the head is H x V weights plus V biases.",
    }
    for count, message in other_slips.items():
        slips.setdefault(count, message)
    if got in slips:
        return Feedback(False, slips[got])
    for other in (32, 64, 128, 256):
        if other != hidden_dim and got == char_lm_parameter_count(vocab_size, other, embedding_dim):
            return Feedback(False, f"that is the count for hidden_dim = {other}, not {hidden_dim}.")
    return Feedback(
        False,
        "not the count: sum p.numel() over model.parameters(), or add up the embedding "
        "(V x E), the GRU (3 gates of H x E and H x H weights and two H biases) and the head (H x V + V).",
    )
