"""A small decoder-only transformer character model: softmax twice, in attention and at the output.

:class:`TransformerCharLM` is the GPT layout at toy size (Radford et al., 2018; Karpathy's
nanoGPT and makemore): token and learned position embeddings, ``num_layers`` pre-norm blocks of
causal :class:`~softmax_teach.models.attention.MultiHeadAttention` and a two-layer MLP, each
added back to its input (residual connections), a final layer norm and a linear head over the
vocabulary. The first softmax is inside every attention head (a distribution over the earlier
positions), the second turns the head's logits into the next character's distribution.

It has the interface of :class:`~softmax_teach.models.language.CharLM`, so
:func:`~softmax_teach.models.language.train_char_lm` trains it (``model=``),
:func:`~softmax_teach.models.language.compare_with_unigram` scores it and
:func:`~softmax_teach.models.language.generate` samples from it:

- ``forward(ids)`` returns logits, position ``t`` scoring character ``t + 1``. A text longer than
  the context is read in overlapping windows, so every prediction sees the ``context`` characters
  before it (or all of them, near the start);
- ``forward_with_state(ids, state)`` carries the characters read so far as its "state" (a
  transformer has no recurrent state: it re-reads the last ``context`` characters).
"""

from __future__ import annotations

import torch
from torch import nn

from softmax_teach import _validation
from softmax_teach.models.attention import MultiHeadAttention
from softmax_teach.models.classifiers import _ProbabilitiesMixin

__all__ = ["TransformerBlock", "TransformerCharLM"]


class TransformerBlock(nn.Module):
    """``x + attention(norm(x))``, then ``x + mlp(norm(x))`` (pre-norm, as GPT-2 and nanoGPT).

    Parameters
    ----------
    d_model : int
    num_heads : int
    mlp_ratio : int
        The MLP's hidden width is ``mlp_ratio * d_model`` (4 in the Transformer paper).
    """

    def __init__(self, d_model: int, num_heads: int, mlp_ratio: int = 4):
        super().__init__()
        mlp_ratio = _validation.positive_int(mlp_ratio, "mlp_ratio")
        self.norm1 = nn.LayerNorm(d_model)
        self.attention = MultiHeadAttention(d_model, num_heads)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, mlp_ratio * d_model), nn.GELU(), nn.Linear(mlp_ratio * d_model, d_model)
        )

    def forward(self, x: torch.Tensor, *, return_weights: bool = False):
        attended, weights = self.attention(self.norm1(x), causal=True)
        x = x + attended
        x = x + self.mlp(self.norm2(x))
        return (x, weights) if return_weights else x


class TransformerCharLM(_ProbabilitiesMixin, nn.Module):
    """A decoder-only transformer over characters, returning logits.

    Parameters
    ----------
    vocab_size : int
        Number of characters.
    d_model : int
        Width of the embeddings and of every block.
    num_heads : int
        Attention heads per block (divides ``d_model``).
    num_layers : int
        Blocks.
    context : int
        The most characters a prediction sees (one learned position embedding each).
    tie_weights : bool
        Use the token embedding as the output layer's weights (Press & Wolf, 2017): the head
        scores a character by the dot product of the final state with that character's embedding.

    Examples
    --------
    >>> model = TransformerCharLM(5, d_model=8, num_heads=2, num_layers=1, context=4)
    >>> tuple(model(torch.tensor([[0, 1, 2, 3, 4, 0]])).shape)  # longer than the context: windows
    (1, 6, 5)
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        context: int = 64,
        *,
        tie_weights: bool = False,
    ):
        super().__init__()
        self.vocab_size = _validation.positive_int(vocab_size, "vocab_size")
        d_model = _validation.positive_int(d_model, "d_model")
        num_layers = _validation.positive_int(num_layers, "num_layers")
        self.context = _validation.positive_int(context, "context")
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList(TransformerBlock(d_model, num_heads) for _ in range(num_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)
        if tie_weights:
            self.head.weight = self.token.weight
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        # Small initial weights (GPT-2's 0.02) so that the first logits are near 0 and the untrained
        # model is about as unsure as a uniform guess: its loss starts near log(vocab_size).
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        if isinstance(module, MultiHeadAttention):
            nn.init.normal_(module.in_proj_weight, std=0.02)
            nn.init.zeros_(module.in_proj_bias)

    def _check_ids(self, x):
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.dtype != torch.long:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a (batch, length) LongTensor of character ids, got {shape}")
        if x.numel() and (x.min() < 0 or x.max() >= self.vocab_size):
            raise ValueError(f"x holds ids outside [0, {self.vocab_size}): from {x.min().item()} to {x.max().item()}")

    def _window(self, x, *, return_weights=False):
        """Logits for a window of at most ``context`` characters (and each block's weights)."""
        h = self.token(x) + self.position(torch.arange(x.shape[1], device=x.device))
        weights = []
        for block in self.blocks:
            h, w = block(h, return_weights=True)
            weights.append(w)
        logits = self.head(self.norm(h))
        return (logits, weights) if return_weights else logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(batch, length, vocab_size)``: position ``t`` scores character ``t + 1``.

        Longer than ``context``: windows of ``context`` characters that overlap by half, each
        position's logits taken from the window in which it has the most characters before it.
        """
        self._check_ids(x)
        length, n = x.shape[1], self.context
        if length <= n:
            return self._window(x)
        half = max(n // 2, 1)
        pieces = [self._window(x[:, :n])]
        done = n
        while done < length:
            # The next window ends at most `half` positions further on, so each new position has at
            # least n - half characters before it inside the window.
            end = min(done + half, length)
            start = end - n
            pieces.append(self._window(x[:, start:end])[:, done - start :])
            done = end
        return torch.cat(pieces, dim=1)

    def forward_with_state(self, x: torch.Tensor, state: torch.Tensor | None = None):
        """Logits for the characters ``x`` read after ``state`` (the characters read before).

        Returns the logits of shape ``(batch, x_length, vocab_size)`` and the new state: the last
        ``context`` characters read, all a transformer needs to go on.
        """
        self._check_ids(x)
        text = x if state is None else torch.cat([state, x], dim=1)
        logits = self(text[:, -(self.context + x.shape[1] - 1) :])
        return logits[:, -x.shape[1] :], text[:, -self.context :]

    @torch.no_grad()
    def attention_weights(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The first softmax: each block's weights, ``(batch, heads, length, length)``, for ``x``."""
        self._check_ids(x)
        if x.shape[1] > self.context:
            raise ValueError(f"at most context = {self.context} characters, got {x.shape[1]}")
        return self._window(x, return_weights=True)[1]
