"""The deck's classifiers made right: every ``forward`` returns logits.

``torch.nn.CrossEntropyLoss`` applies ``log_softmax`` itself, so a model that already returns
softmax probabilities (as slides 5, 8 and 9 do) gets a *double* softmax when trained with it.
These models return logits for training and offer ``predict_proba`` for inference.

- :class:`SimpleNet` — slide 5's one-layer network (optionally one hidden layer).
- :class:`DigitsCNN` — a small CNN for scikit-learn's 8×8 digit images (slide 8's flow without
  a download).
- :class:`SentimentClassifier` — slide 9's classifier with masked mean pooling over real tokens
  instead of ``F.avg_pool2d``, which also averages the padding.
- :func:`masked_mean` — the pooling on its own.
"""

from __future__ import annotations

import torch
from torch import nn

from softmax_teach import _validation

__all__ = ["SimpleNet", "DigitsCNN", "SentimentClassifier", "masked_mean"]


class _ProbabilitiesMixin:
    """``predict_proba``: softmax of the logits, without gradients, in ``eval()`` mode."""

    @torch.no_grad()
    def predict_proba(self, *inputs):
        """Class probabilities, ``softmax(self(*inputs), dim=-1)``; rows sum to 1."""
        was_training = self.training
        self.eval()
        try:
            return torch.softmax(self(*inputs), dim=-1)
        finally:
            self.train(was_training)


class SimpleNet(_ProbabilitiesMixin, nn.Module):
    """Slide 5's network: a linear layer (plus an optional hidden layer) returning logits.

    Parameters
    ----------
    input_size : int
        Number of input features.
    num_classes : int
        Number of classes (outputs).
    hidden_size : int, optional
        If given, one hidden layer with ReLU sits before the output layer.

    Notes
    -----
    The slide's ``forward`` returns ``softmax(logits)``. That is fine for reading probabilities,
    but ``nn.CrossEntropyLoss`` expects logits: fed probabilities it applies a second softmax,
    whose outputs lie in ``[1/(e + n - 1), e/(e + n - 1)]``, so the loss can never approach 0
    and the gradients shrink. Here ``forward`` returns logits and ``predict_proba`` applies softmax.
    """

    def __init__(self, input_size: int, num_classes: int, hidden_size: int | None = None):
        super().__init__()
        _validation.positive_int(input_size, "input_size")
        _validation.positive_int(num_classes, "num_classes")
        if hidden_size is None:
            self.layers = nn.Linear(input_size, num_classes)
        else:
            _validation.positive_int(hidden_size, "hidden_size")
            self.layers = nn.Sequential(
                nn.Linear(input_size, hidden_size), nn.ReLU(), nn.Linear(hidden_size, num_classes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(batch, num_classes)``."""
        return self.layers(x)


class DigitsCNN(_ProbabilitiesMixin, nn.Module):
    """A small CNN for 8×8 grey-scale digits (scikit-learn's ``load_digits``), returning logits.

    Two 3×3 convolutions (16 and 32 channels, ReLU), one 2×2 max-pool, dropout, and two linear
    layers: about 38 thousand parameters, trained in seconds on a CPU.

    Parameters
    ----------
    num_classes : int
        Number of classes (10 digits).
    dropout : float
        Dropout probability before the first linear layer, in [0, 1) (off by default: on
        1,167 training images the network reaches 98 % without it).

    Input: ``(batch, 1, 8, 8)`` or ``(batch, 8, 8)`` float tensor.
    """

    def __init__(self, num_classes: int = 10, dropout: float = 0.0):
        super().__init__()
        _validation.positive_int(num_classes, "num_classes")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 8×8 -> 4×4
        )
        # A Dropout(p=0) layer would do nothing, so it is only added when asked for.
        regularise = [nn.Dropout(dropout)] if dropout > 0 else []
        self.head = nn.Sequential(
            nn.Flatten(), *regularise, nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, num_classes)
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(batch, num_classes)``."""
        if images.dim() == 3:
            images = images.unsqueeze(1)
        if images.dim() != 4 or tuple(images.shape[1:]) != (1, 8, 8):
            raise ValueError(f"images must have shape (batch, 1, 8, 8) or (batch, 8, 8), got {tuple(images.shape)}")
        return self.head(self.features(images))


def masked_mean(embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``embedded`` over the sequence axis, counting only positions where ``mask`` is True.

    Parameters
    ----------
    embedded : Tensor, shape (batch, length, dim)
    mask : bool Tensor, shape (batch, length)
        True for real tokens, False for padding.

    Returns
    -------
    Tensor, shape (batch, dim)
        A row with no real token at all gives zeros (not ``nan``): the count is clamped to 1.

    Notes
    -----
    Slide 9's ``F.avg_pool2d(embedded, (length, 1))`` divides by the padded length, so the same
    sentence gets a different (shrunken) average depending on how much padding its batch needs.
    """
    if embedded.dim() != 3:
        raise ValueError(f"embedded must have shape (batch, length, dim), got {tuple(embedded.shape)}")
    if tuple(mask.shape) != tuple(embedded.shape[:2]):
        raise ValueError(f"mask of shape {tuple(mask.shape)} does not match embedded {tuple(embedded.shape)}")
    weights = mask.to(embedded.dtype).unsqueeze(-1)
    total = (embedded * weights).sum(dim=1)
    count = weights.sum(dim=1).clamp(min=1.0)
    return total / count


class SentimentClassifier(_ProbabilitiesMixin, nn.Module):
    """Slide 9's sentiment classifier: embedding, masked mean pooling, linear head; returns logits.

    Parameters
    ----------
    vocab_size : int
        Size of the vocabulary, padding index included.
    embedding_dim : int
        Size of each token's embedding.
    num_classes : int
        2 for negative/positive.
    hidden_dim : int, optional
        If given, one hidden ReLU layer before the output, as on the slide.
    padding_idx : int
        The token id used for padding (0 in :mod:`softmax_teach.data.sentiment`); its embedding
        stays zero and it is left out of the mean.
    dropout : float
        Dropout on the pooled vector, in [0, 1).

    Input: a ``(batch, length)`` LongTensor of token ids, padded with ``padding_idx``.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 32,
        num_classes: int = 2,
        hidden_dim: int | None = None,
        padding_idx: int = 0,
        dropout: float = 0.0,
    ):
        super().__init__()
        _validation.positive_int(vocab_size, "vocab_size")
        _validation.positive_int(embedding_dim, "embedding_dim")
        _validation.positive_int(num_classes, "num_classes")
        if not isinstance(padding_idx, int) or not 0 <= padding_idx < vocab_size:
            raise ValueError(f"padding_idx must be an index in [0, {vocab_size}), got {padding_idx!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.padding_idx = padding_idx
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.dropout = nn.Dropout(dropout)
        if hidden_dim is None:
            self.head = nn.Linear(embedding_dim, num_classes)
        else:
            _validation.positive_int(hidden_dim, "hidden_dim")
            self.head = nn.Sequential(
                nn.Linear(embedding_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, num_classes)
            )

    def pool(self, tokens: torch.Tensor) -> torch.Tensor:
        """The sentence vector: masked mean of the token embeddings, shape ``(batch, embedding_dim)``."""
        if tokens.dim() != 2 or tokens.dtype not in (torch.int64, torch.int32):
            raise ValueError(
                f"tokens must be a (batch, length) integer tensor, got {tokens.dtype} {tuple(tokens.shape)}"
            )
        return masked_mean(self.embedding(tokens), tokens != self.padding_idx)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(batch, num_classes)``."""
        return self.head(self.dropout(self.pool(tokens)))
