"""Slide 14's character language model made right, with training, perplexity and sampling.

- :class:`CharLM` — embedding, GRU and a linear head that returns **logits** (the slide's model
  returns softmax probabilities, which ``nn.CrossEntropyLoss`` would softmax a second time).
- :func:`train_char_lm` — trains it on a :class:`~softmax_teach.data.text.TextSplit` with the
  package's one training loop (:func:`softmax_teach.training.train`), seeded and deterministic.
- :func:`mean_negative_log_likelihood`, :func:`unigram_log_probabilities` and
  :func:`compare_with_unigram` — loss and perplexity on held-out text against the baseline that
  ignores context (the character frequencies).
- :func:`generate` — text sampled with a temperature, top-k, top-p or min-p, drawn with a numpy
  ``Generator`` through :func:`softmax_teach.numerics.sample`, so the same seed gives the same text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from softmax_teach import _validation
from softmax_teach.models.classifiers import _ProbabilitiesMixin
from softmax_teach.numerics import sample

__all__ = [
    "CharLM",
    "PerplexityReport",
    "compare_with_unigram",
    "generate",
    "mean_negative_log_likelihood",
    "next_character_loss",
    "perplexity",
    "random_window_batches",
    "train_char_lm",
    "unigram_log_probabilities",
]


class CharLM(_ProbabilitiesMixin, nn.Module):
    """A character-level language model: embedding → GRU → linear head, returning logits.

    Parameters
    ----------
    vocab_size : int
        Number of characters.
    embedding_dim : int
        Size of each character's embedding.
    hidden_dim : int
        Size of the GRU's hidden state.
    num_layers : int
        Stacked GRU layers.

    Notes
    -----
    Slide 14's ``forward`` ends with ``torch.softmax(logits, dim=-1)``. For reading
    probabilities that is fine; for training with ``nn.CrossEntropyLoss`` (which applies
    ``log_softmax`` itself) it is a double softmax. Here ``forward`` returns logits and
    :meth:`predict_proba` applies the softmax.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 32, hidden_dim: int = 128, num_layers: int = 1):
        super().__init__()
        self.vocab_size = _validation.positive_int(vocab_size, "vocab_size")
        _validation.positive_int(embedding_dim, "embedding_dim")
        _validation.positive_int(hidden_dim, "hidden_dim")
        _validation.positive_int(num_layers, "num_layers")
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = nn.GRU(embedding_dim, hidden_dim, num_layers=num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def _check_ids(self, x):
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.dtype != torch.long:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a (batch, length) LongTensor of character ids, got {shape}")
        if x.numel() and (x.min() < 0 or x.max() >= self.vocab_size):
            raise ValueError(f"x holds ids outside [0, {self.vocab_size}): from {x.min().item()} to {x.max().item()}")

    def forward_with_state(self, x: torch.Tensor, hidden: torch.Tensor | None = None):
        """Logits of shape ``(batch, length, vocab_size)`` and the GRU's final state.

        Pass the returned state back in to continue a sequence one step at a time (generation).
        """
        self._check_ids(x)
        output, hidden = self.rnn(self.embedding(x), hidden)
        return self.fc(output), hidden

    def forward(self, x: torch.Tensor, hidden: torch.Tensor | None = None) -> torch.Tensor:
        """Logits of shape ``(batch, length, vocab_size)``: position ``t`` scores character ``t + 1``."""
        return self.forward_with_state(x, hidden)[0]


def next_character_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over every time step: ``output`` (B, T, V) logits, ``target`` (B, T) ids."""
    return F.cross_entropy(output.reshape(-1, output.shape[-1]), target.reshape(-1))


def random_window_batches(ids, length: int, batch_size: int, batches_per_epoch: int):
    """A ``make_batches(generator)`` function for :func:`softmax_teach.training.train`.

    Each epoch draws ``batches_per_epoch`` batches of ``batch_size`` windows of ``length``
    characters at random starts (with the loop's seeded ``torch.Generator``, so reproducibly);
    the target is each window shifted by one character.
    """
    length = _validation.positive_int(length, "length")
    batch_size = _validation.positive_int(batch_size, "batch_size")
    batches_per_epoch = _validation.positive_int(batches_per_epoch, "batches_per_epoch")
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.long)
    if ids.dim() != 1 or ids.numel() < length + 1:
        raise ValueError(f"ids must be 1-D with more than length = {length} characters, got shape {tuple(ids.shape)}")
    n_starts = ids.numel() - length
    offsets = torch.arange(length)

    def make_batches(generator):
        if generator is None:
            raise ValueError("random_window_batches needs the training loop's torch.Generator (got None)")
        for _ in range(batches_per_epoch):
            starts = torch.randint(0, n_starts, (batch_size, 1), generator=generator)
            index = starts + offsets
            yield ids[index], ids[index + 1]

    return make_batches


def train_char_lm(
    split,
    *,
    model=None,
    embedding_dim: int = 32,
    hidden_dim: int = 128,
    window: int = 64,
    batch_size: int = 32,
    batches_per_epoch: int = 8,
    epochs: int = 10,
    lr: float = 0.01,
    clip_grad_norm: float | None = 1.0,
    seed: int = 0,
):
    """Train a character model on ``split`` with :func:`softmax_teach.training.train`.

    Parameters
    ----------
    split : softmax_teach.data.text.TextSplit
        The corpus split (train text for the batches, validation text for the per-epoch loss).
    model : callable, optional
        A zero-argument factory for the model (default: ``CharLM(len(vocabulary),
        embedding_dim, hidden_dim)``). Built after ``torch.manual_seed(seed)``.
    embedding_dim, hidden_dim : int
        Sizes of the default :class:`CharLM`.
    window : int
        Characters per training window.
    batch_size, batches_per_epoch, epochs : int
        Random windows per batch, batches per epoch, epochs.
    lr : float
        Adam's learning rate.
    clip_grad_norm : float or None
        Gradient-norm clipping (recurrent networks occasionally get large gradients).
    seed : int
        Seeds the weights and the windows: the same seed gives bitwise the same model.

    Returns
    -------
    softmax_teach.training.TrainingResult
        The model (in ``eval()`` mode) and its loss history (``validation_loss`` is the mean loss
        over non-overlapping validation windows, each started from a zero state).
    """
    from softmax_teach.data.text import next_character_windows
    from softmax_teach.training import train

    vocab_size = len(split.vocabulary)
    if model is None:

        def model():
            return CharLM(vocab_size, embedding_dim, hidden_dim)

    validation_length = min(window, len(split.validation_text) - 1)
    inputs, targets = next_character_windows(split.validation_ids, validation_length)
    return train(
        model,
        next_character_loss,
        random_window_batches(split.train_ids, window, batch_size, batches_per_epoch),
        validation_data=(torch.from_numpy(inputs), torch.from_numpy(targets)),
        epochs=epochs,
        optimizer="adam",
        lr=lr,
        clip_grad_norm=clip_grad_norm,
        seed=seed,
    )


# --------------------------------------------------------------------------- perplexity


def perplexity(mean_nll: float) -> float:
    """``exp(mean_nll)``: the number of equally likely characters that would be as surprising.

    ``mean_nll`` is a mean negative log-likelihood in nats (>= 0).
    """
    return math.exp(_validation.real(mean_nll, "mean_nll", minimum=0.0, finite=False))


@torch.no_grad()
def mean_negative_log_likelihood(model: nn.Module, ids) -> float:
    """Mean of ``-log p(ids[t + 1] | ids[: t + 1])`` over the whole text, in nats.

    The model reads ``ids[:-1]`` in one pass from a zero state (so every prediction sees all the
    text before it) and is scored on ``ids[1:]``; computed in ``eval()`` mode.
    """
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.long)
    if ids.dim() != 1 or ids.numel() < 2:
        raise ValueError(f"ids must be 1-D with at least 2 characters, got shape {tuple(ids.shape)}")
    was_training = model.training
    model.eval()
    try:
        logits = model(ids[None, :-1])
        return float(next_character_loss(logits, ids[None, 1:]).item())
    finally:
        model.train(was_training)


def unigram_log_probabilities(train_ids, vocab_size: int, *, smoothing: float = 1.0) -> np.ndarray:
    """Log-probabilities of each character from its training frequency, add-``smoothing`` smoothed.

    ``p(c) = (count(c) + smoothing) / (n + smoothing · vocab_size)``: the baseline that ignores
    every previous character. Smoothing keeps a character unseen in training from getting
    probability 0 (and the perplexity from being infinite).
    """
    vocab_size = _validation.positive_int(vocab_size, "vocab_size")
    smoothing = _validation.non_negative_real(smoothing, "smoothing")
    ids = np.asarray(train_ids)
    if ids.ndim != 1 or ids.size == 0 or ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= vocab_size:
        raise ValueError(f"train_ids must be a non-empty 1-D array of ids in [0, {vocab_size})")
    counts = np.bincount(ids, minlength=vocab_size).astype(np.float64) + smoothing
    with np.errstate(divide="ignore"):
        return np.log(counts) - np.log(counts.sum())


@dataclass(frozen=True)
class PerplexityReport:
    """Held-out loss (nats per character) and perplexity of a model and of the unigram baseline."""

    model_nll: float
    unigram_nll: float
    n_characters: int

    @property
    def model_perplexity(self) -> float:
        return perplexity(self.model_nll)

    @property
    def unigram_perplexity(self) -> float:
        return perplexity(self.unigram_nll)

    @property
    def ratio(self) -> float:
        """Unigram perplexity divided by the model's (how many times less surprised the model is)."""
        return self.unigram_perplexity / self.model_perplexity


def compare_with_unigram(model: nn.Module, split, *, smoothing: float = 1.0) -> PerplexityReport:
    """Score ``model`` and the unigram baseline on the same validation characters.

    Both predict ``validation_ids[1:]``: the model given all the validation text before each
    character, the unigram from the training frequencies alone.
    """
    validation = split.validation_ids
    log_p = unigram_log_probabilities(split.train_ids, len(split.vocabulary), smoothing=smoothing)
    return PerplexityReport(
        model_nll=mean_negative_log_likelihood(model, validation),
        unigram_nll=float(-log_p[validation[1:]].mean()),
        n_characters=int(validation.size - 1),
    )


# --------------------------------------------------------------------------- sampling


@torch.no_grad()
def generate(
    model: nn.Module,
    vocabulary,
    prompt: str,
    length: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
    rng=None,
) -> str:
    """Continue ``prompt`` by ``length`` characters sampled from the model.

    Each step turns the model's last logits into a distribution with
    :func:`softmax_teach.numerics.sampling_probabilities` (temperature, then top-k, top-p, min-p)
    and draws from it with :func:`softmax_teach.numerics.sample`. ``temperature=0`` is greedy.

    Parameters
    ----------
    model : CharLM
        Any model with ``forward_with_state(ids, hidden)``.
    vocabulary : softmax_teach.data.text.CharVocabulary
    prompt : str
        At least one character, all in the vocabulary.
    length : int
        Characters to add (>= 0).
    temperature, top_k, top_p, min_p
        See :func:`softmax_teach.numerics.sampling_probabilities`.
    rng : numpy.random.Generator or int or None
        The generator (or seed) for the draws: the same seed gives the same text.

    Returns
    -------
    str
        The prompt followed by the generated characters.
    """
    length = _validation.integer(length, "length", minimum=0)
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt must be a non-empty str, got {prompt!r}")
    ids = vocabulary.encode(prompt).tolist()
    generator = _validation.generator(rng)
    was_training = model.training
    model.eval()
    try:
        logits, hidden = model.forward_with_state(torch.tensor([ids], dtype=torch.long))
        for _ in range(length):
            last = logits[0, -1].double().numpy()
            next_id = sample(last, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p, rng=generator)
            ids.append(next_id)
            logits, hidden = model.forward_with_state(torch.tensor([[next_id]], dtype=torch.long), hidden)
    finally:
        model.train(was_training)
    return vocabulary.decode(ids)
