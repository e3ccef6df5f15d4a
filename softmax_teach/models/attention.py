"""Attention made from scratch: slide 13's additive attention (fixed) and scaled dot-product attention.

- :class:`AdditiveAttention` — Bahdanau et al. (2015) attention as on slide 13, taking a hidden
  state of shape ``(batch, hidden)`` (the slide's example passes ``(1, 1, hidden)``, which
  ``unsqueeze(1)`` turns 4-D so its ``repeat`` raises), with an optional padding mask; it returns
  the context vector and the weights.
- :func:`attention_weights` and :func:`scaled_dot_product_attention` — ``softmax(q kᵀ / √d) v``
  written out, equal to ``torch.nn.functional.scaled_dot_product_attention`` (tested), with a
  boolean or additive mask and a causal option.
- :func:`tiled_attention` — the same result from one pass over blocks of keys with an online
  softmax (running max and sum), the idea behind FlashAttention (Dao et al., 2022).
- :func:`causal_mask` and :func:`attention_entropy` (why the ``1/√d``).
- :class:`MultiHeadAttention` — ``h`` heads of scaled dot-product attention side by side, each on
  its own ``d_model / h`` slice of learned projections, concatenated and projected back; its
  parameters have the names and layout of ``torch.nn.MultiheadAttention`` (``in_proj_weight``,
  ``in_proj_bias``, ``out_proj``), so one loads into the other and the outputs agree (tested).
- :func:`sinusoidal_positions` — the fixed positional encoding of Vaswani et al. (2017, §3.5).
  Attention without positions is permutation-equivariant: permuting the tokens permutes the
  output and changes nothing else.
- :class:`RunningMaxAttention`, :func:`running_max_task` and :func:`train_running_max` — one head
  of causal self-attention with learned ``W_Q``, ``W_K``, ``W_V``, trained in seconds to output the
  largest digit seen so far: attention weights that *mean* something (each query learns to look
  at the position of the running maximum), unlike weights from random vectors.

Masks follow torch's convention: a boolean mask is True where a query *may* look at a key; a
float mask is added to the scores (``-inf`` forbids). A query that may look at no key at all
(a fully masked row) gets weights of zeros and an output of zeros. That is what torch 2.13's
``scaled_dot_product_attention`` returns on the CPU, while ``torch.softmax`` of an all ``-inf``
row is ``nan``; zeros also agree with :func:`softmax_teach.numerics.softmax`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from softmax_teach import _validation
from softmax_teach import _validation as check
from softmax_teach.numerics import entropy, softmax

__all__ = [
    "AdditiveAttention",
    "AttentionOutput",
    "MultiHeadAttention",
    "sinusoidal_positions",
    "previous_digit_task",
    "attention_entropy",
    "attention_weights",
    "causal_mask",
    "RunningMaxAttention",
    "running_max_task",
    "scaled_dot_product_attention",
    "tiled_attention",
    "train_running_max",
]


class AttentionOutput(NamedTuple):
    """What :class:`AdditiveAttention` returns: the context vector and the attention weights."""

    context: torch.Tensor
    weights: torch.Tensor


# --------------------------------------------------------------------------- checks


def _check_qkv(q, k, v=None):
    """Raise ValueError unless q (..., Lq, d), k (..., Lk, d) and v (..., Lk, dv) fit together."""
    tensors = {"q": q, "k": k} if v is None else {"q": q, "k": k, "v": v}
    for name, tensor in tensors.items():
        if not isinstance(tensor, torch.Tensor):
            raise ValueError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
        if tensor.dim() < 2:
            raise ValueError(f"{name} must have shape (..., length, dim), got {tuple(tensor.shape)}")
        if not tensor.is_floating_point():
            raise ValueError(f"{name} must be a floating-point tensor, got dtype {tensor.dtype}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must share their last (feature) dimension, got q {tuple(q.shape)} and k {tuple(k.shape)}"
        )
    if v is not None and v.shape[-2] != k.shape[-2]:
        raise ValueError(
            f"k and v must have the same number of keys (dim -2), got k {tuple(k.shape)} and v {tuple(v.shape)}"
        )


def _scale_for(q, scale):
    if scale is None:
        return 1.0 / math.sqrt(q.shape[-1])
    return check.real(scale, "scale")


def causal_mask(n_queries, n_keys=None, *, device=None):
    """Boolean mask, True where query ``i`` may look at key ``j``: ``j <= i``.

    Parameters
    ----------
    n_queries : int
        Number of queries (rows).
    n_keys : int, optional
        Number of keys (columns); defaults to ``n_queries``.
    device : torch.device, optional

    Returns
    -------
    torch.Tensor of bool, shape (n_queries, n_keys)
        Lower-triangular and aligned at the top-left corner, as ``is_causal=True`` in
        ``torch.nn.functional.scaled_dot_product_attention``.

    Examples
    --------
    >>> causal_mask(3).int()
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]], dtype=torch.int32)
    """
    n_queries = _validation.positive_int(n_queries, "n_queries")
    n_keys = n_queries if n_keys is None else _validation.positive_int(n_keys, "n_keys")
    return torch.ones(n_queries, n_keys, dtype=torch.bool, device=device).tril()


def _additive_mask(mask, causal, scores_shape, dtype, device):
    """Combine ``mask`` and ``causal`` into one float tensor of 0 and -inf added to the scores."""
    n_queries, n_keys = scores_shape[-2], scores_shape[-1]
    bias = None
    if mask is not None:
        if not isinstance(mask, torch.Tensor):
            raise ValueError(f"mask must be a torch.Tensor (bool or float), got {type(mask).__name__}")
        try:
            fits = torch.broadcast_shapes(mask.shape, scores_shape) == torch.Size(scores_shape)
        except RuntimeError:
            fits = False
        if not fits:
            raise ValueError(
                f"mask of shape {tuple(mask.shape)} does not broadcast to the scores' shape {tuple(scores_shape)}"
            )
        if mask.dtype == torch.bool:
            bias = torch.zeros(mask.shape, dtype=dtype, device=device).masked_fill(~mask, -math.inf)
        elif mask.is_floating_point():
            bias = mask.to(dtype)
        else:
            raise ValueError(f"mask must be bool (True = may attend) or float (added), got dtype {mask.dtype}")
    if causal:
        causal_bias = torch.zeros(n_queries, n_keys, dtype=dtype, device=device).masked_fill(
            ~causal_mask(n_queries, n_keys, device=device), -math.inf
        )
        bias = causal_bias if bias is None else bias + causal_bias
    return bias


def _masked_softmax(scores):
    """Softmax over the last axis where a row of all ``-inf`` gives zeros, not ``nan``.

    Such rows are set to 0 *before* the softmax (so no ``nan`` is ever made and the backward pass
    stays finite) and their weights to 0 after it.
    """
    fully_masked = torch.isneginf(scores).all(dim=-1, keepdim=True)
    weights = torch.softmax(scores.masked_fill(fully_masked, 0.0), dim=-1)
    return weights.masked_fill(fully_masked, 0.0)


# --------------------------------------------------------------------------- dot-product attention


def attention_weights(q, k, mask=None, *, causal=False, scale=None):
    r"""The attention weights ``softmax(q kᵀ · scale + mask)`` over the keys.

    Parameters
    ----------
    q : torch.Tensor, shape (..., Lq, d)
        Queries.
    k : torch.Tensor, shape (..., Lk, d)
        Keys.
    mask : torch.Tensor, optional
        Broadcastable to ``(..., Lq, Lk)``: bool (True where a query may look at a key) or float
        (added to the scores; ``-inf`` forbids).
    causal : bool
        Also forbid every key after the query's own position (:func:`causal_mask`).
    scale : float, optional
        Multiplies the scores; default ``1 / sqrt(d)``. ``scale=1.0`` gives unscaled attention.

    Returns
    -------
    torch.Tensor, shape (..., Lq, Lk)
        Each row sums to 1, except a fully masked row, which is all zeros.

    Raises
    ------
    ValueError
        For shapes that do not fit, a non-float tensor, a bad mask or scale.
    """
    _check_qkv(q, k)
    scores = torch.matmul(q, k.transpose(-2, -1)) * _scale_for(q, scale)
    bias = _additive_mask(mask, causal, scores.shape, scores.dtype, scores.device)
    if bias is not None:
        scores = scores + bias
    return _masked_softmax(scores)


def scaled_dot_product_attention(q, k, v, mask=None, *, causal=False, scale=None):
    r"""Scaled dot-product attention ``softmax(q kᵀ / √d + mask) v`` (Vaswani et al., 2017).

    Equal to ``torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask,
    is_causal=causal, scale=scale)`` (without dropout), including its zeros for a fully
    masked row.

    Parameters
    ----------
    q : torch.Tensor, shape (..., Lq, d)
    k : torch.Tensor, shape (..., Lk, d)
    v : torch.Tensor, shape (..., Lk, dv)
    mask, causal, scale
        See :func:`attention_weights`.

    Returns
    -------
    torch.Tensor, shape (..., Lq, dv)
        Each query's weighted average of the values.

    Examples
    --------
    >>> import torch
    >>> q = k = v = torch.eye(2)
    >>> scaled_dot_product_attention(q, k, v, causal=True)
    tensor([[1.0000, 0.0000],
            [0.3302, 0.6698]])
    """
    _check_qkv(q, k, v)
    return torch.matmul(attention_weights(q, k, mask, causal=causal, scale=scale), v)


def tiled_attention(q, k, v, mask=None, *, causal=False, scale=None, block_size=64, query_block_size=None):
    r"""Scaled dot-product attention in tiles: blocks of queries, each in one pass over blocks of keys.

    For each block of keys the scores of the current block of queries are computed, and three
    running quantities per query are updated: the max ``m`` of the scores seen so far, the sum
    ``l`` of ``exp(score - m)``, and the weighted sum of values ``o``. When the max grows, ``l`` and
    ``o`` are rescaled by ``exp(m_old - m_new)``; after the last block ``o / l`` is the output.
    Because the normalisation is applied to ``o`` at the end, the online softmax is *fused* with
    the weighted sum: the keys and values are read once, where a standalone online softmax
    (:func:`softmax_teach.numerics.online_softmax`) needs a second pass to write its
    probabilities. The queries are independent, so they are tiled too; the scores are then only
    ever held one ``query_block_size × block_size`` tile at a time, as in FlashAttention (Dao et al.
    2022, built on the online normaliser of Milakov & Gimelshein 2018). A mask, if given, is
    still built whole here (this is a teaching version, not a memory-saving kernel).

    Parameters
    ----------
    q, k, v, mask, causal, scale
        As in :func:`scaled_dot_product_attention`.
    block_size : int
        Keys per block (>= 1).
    query_block_size : int, optional
        Queries per block (>= 1); default: all queries in one block.

    Returns
    -------
    torch.Tensor, shape (..., Lq, dv)
        Equal to :func:`scaled_dot_product_attention` up to rounding; zeros for a fully masked row.
    """
    _check_qkv(q, k, v)
    block_size = _validation.positive_int(block_size, "block_size")
    scale = _scale_for(q, scale)
    n_queries, n_keys = q.shape[-2], k.shape[-2]
    if query_block_size is None:
        query_block_size = max(n_queries, 1)
    query_block_size = _validation.positive_int(query_block_size, "query_block_size")
    batch_shape = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    scores_shape = (*batch_shape, n_queries, n_keys)
    bias = _additive_mask(mask, causal, scores_shape, q.dtype, q.device)
    if bias is not None:
        bias = bias.expand(scores_shape)
    q = q.expand(*batch_shape, *q.shape[-2:])
    tiles = []
    for start in range(0, max(n_queries, 1), query_block_size):
        rows = slice(start, start + query_block_size)
        tiles.append(
            _attention_over_key_blocks(
                q[..., rows, :], k, v, None if bias is None else bias[..., rows, :], scale, block_size
            )
        )
    return torch.cat(tiles, dim=-2)


def _attention_over_key_blocks(q, k, v, bias, scale, block_size):
    """One block of queries against every block of keys, with a running max, sum and output."""
    batch_shape, n_queries, n_keys = q.shape[:-2], q.shape[-2], k.shape[-2]
    running_max = torch.full((*batch_shape, n_queries, 1), -math.inf, dtype=q.dtype, device=q.device)
    running_sum = torch.zeros_like(running_max)
    output = torch.zeros((*batch_shape, n_queries, v.shape[-1]), dtype=q.dtype, device=q.device)
    for start in range(0, n_keys, block_size):
        stop = min(start + block_size, n_keys)
        scores = torch.matmul(q, k[..., start:stop, :].transpose(-2, -1)) * scale
        if bias is not None:
            scores = scores + bias[..., start:stop]
        new_max = torch.maximum(running_max, scores.amax(dim=-1, keepdim=True))
        # While every score seen is -inf the max is -inf too; subtracting 0 instead keeps
        # exp(-inf - 0) = 0 rather than exp(-inf + inf) = nan.
        safe_max = torch.where(torch.isfinite(new_max), new_max, torch.zeros_like(new_max))
        rescale = torch.exp(running_max - safe_max)
        exp_scores = torch.exp(scores - safe_max)
        running_sum = running_sum * rescale + exp_scores.sum(dim=-1, keepdim=True)
        output = output * rescale + torch.matmul(exp_scores, v[..., start:stop, :])
        running_max = new_max
    fully_masked = running_sum == 0
    return torch.where(fully_masked, torch.zeros_like(output), output / running_sum.masked_fill(fully_masked, 1.0))


# --------------------------------------------------------------------------- why 1/sqrt(d)


def attention_entropy(dimensions, *, n_keys=32, n_queries=256, scaled=True, seed=0):
    r"""Mean entropy (nats) of attention weights for random queries and keys, per dimension ``d``.

    Queries and keys have independent standard normal entries, so a score ``q·k`` has variance
    ``d``: without the ``1/√d`` its spread grows with ``d``, the softmax saturates towards a
    one-hot row, and the entropy falls from ``log(n_keys)`` towards 0. With it, the scores keep
    unit variance and the entropy stays the same for every ``d``.

    Parameters
    ----------
    dimensions : sequence of int
        The feature dimensions ``d`` to try.
    n_keys, n_queries : int
        Keys per query and queries averaged over.
    scaled : bool
        Divide the scores by ``√d`` (True) or not.
    seed : int
        Seed of the numpy generator (each ``d`` uses its own stream from it, in order).

    Returns
    -------
    numpy.ndarray of float64, one mean entropy per dimension.
    """
    n_keys = _validation.positive_int(n_keys, "n_keys")
    n_queries = _validation.positive_int(n_queries, "n_queries")
    dims = [_validation.positive_int(d, "dimensions") for d in np.atleast_1d(dimensions).tolist()]
    generator = np.random.default_rng(seed)
    result = []
    for d in dims:
        queries = generator.standard_normal((n_queries, d))
        keys = generator.standard_normal((n_keys, d))
        scores = queries @ keys.T
        if scaled:
            scores = scores / np.sqrt(d)
        result.append(float(entropy(softmax(scores, axis=-1), axis=-1).mean()))
    return np.array(result)


# --------------------------------------------------------------------------- additive attention


class AdditiveAttention(nn.Module):
    r"""Slide 13's additive (Bahdanau) attention, taking ``hidden`` of shape ``(batch, hidden_size)``.

    ``score_j = vᵀ tanh(W [hidden; encoder_output_j] + b)``, weights ``softmax(score)`` over the
    source positions, context ``Σ_j weight_j · encoder_output_j``. The layers keep the slide's
    names (``attention`` and ``v``), so the slide's ``state_dict`` loads as it is.

    Parameters
    ----------
    hidden_size : int
        Size of the decoder's hidden state and of each encoder output.

    Notes
    -----
    The slide calls its module with ``hidden = torch.randn(1, 1, hidden_size)``: ``unsqueeze(1)``
    makes that 4-D, ``repeat(1, seq_len, 1)`` gets only three sizes and raises ``RuntimeError``.
    A GRU's final state ``h_n`` has shape ``(num_layers, batch, hidden)``; pass ``h_n[-1]``.
    """

    def __init__(self, hidden_size: int):
        super().__init__()
        self.hidden_size = _validation.positive_int(hidden_size, "hidden_size")
        self.attention = nn.Linear(hidden_size * 2, hidden_size)
        self.v = nn.Linear(hidden_size, 1, bias=False)

    def forward(self, hidden: torch.Tensor, encoder_outputs: torch.Tensor, mask: torch.Tensor | None = None):
        """Attend from ``hidden`` over ``encoder_outputs``.

        Parameters
        ----------
        hidden : Tensor, shape (batch, hidden_size)
            The decoder state (for a GRU's ``h_n`` of shape ``(layers, batch, hidden)``, its last
            layer ``h_n[-1]``).
        encoder_outputs : Tensor, shape (batch, seq_len, hidden_size)
        mask : bool Tensor, shape (batch, seq_len), optional
            True for real source positions, False for padding (weight 0).

        Returns
        -------
        AttentionOutput
            ``context`` of shape ``(batch, hidden_size)`` and ``weights`` of shape
            ``(batch, seq_len)`` (rows sum to 1; a row with no real position is all zeros).
        """
        size = self.hidden_size
        if encoder_outputs.dim() != 3 or encoder_outputs.shape[-1] != size:
            raise ValueError(
                f"encoder_outputs must have shape (batch, seq_len, {size}), got {tuple(encoder_outputs.shape)}"
            )
        if hidden.dim() != 2 or hidden.shape != (encoder_outputs.shape[0], size):
            raise ValueError(
                f"hidden must have shape (batch, hidden_size) = ({encoder_outputs.shape[0]}, {size}), got "
                f"{tuple(hidden.shape)}; for a GRU's h_n of shape (layers, batch, hidden) pass h_n[-1]"
            )
        if mask is not None and (mask.dtype != torch.bool or tuple(mask.shape) != tuple(encoder_outputs.shape[:2])):
            raise ValueError(
                f"mask must be a bool tensor of shape {tuple(encoder_outputs.shape[:2])}, got "
                f"{mask.dtype} of shape {tuple(mask.shape)}"
            )
        seq_len = encoder_outputs.shape[1]
        # expand is repeat without the copy: the same hidden state beside every source position.
        repeated = hidden.unsqueeze(1).expand(-1, seq_len, -1)
        energy = torch.tanh(self.attention(torch.cat((repeated, encoder_outputs), dim=2)))
        scores = self.v(energy).squeeze(2)
        if mask is not None:
            scores = scores.masked_fill(~mask, -math.inf)
        weights = _masked_softmax(scores)
        context = torch.bmm(weights.unsqueeze(1), encoder_outputs).squeeze(1)
        return AttentionOutput(context, weights)


# --------------------------------------------------------------------------- several heads, positions


class MultiHeadAttention(nn.Module):
    r"""Multi-head attention (Vaswani et al., 2017, §3.2.2), written out.

    ``head_i = attention(x_q W_Q^i, x_k W_K^i, x_v W_V^i)`` for ``i = 1 … h``, each head on its own
    ``d_model / h`` columns of the projections; the heads are concatenated and projected by
    ``W_O``. Every head is its own softmax over the keys, so each can look somewhere else.

    The parameters are named and laid out as in ``torch.nn.MultiheadAttention``:
    ``in_proj_weight`` of shape ``(3 d_model, d_model)`` (``W_Q``, ``W_K``, ``W_V`` stacked, each
    row block ``x @ W.T`` as in ``nn.Linear``), ``in_proj_bias`` of ``3 d_model`` and ``out_proj``
    (an ``nn.Linear``). ``load_state_dict`` moves weights between the two either way.

    Parameters
    ----------
    d_model : int
        Width of the inputs and outputs.
    num_heads : int
        Heads; must divide ``d_model``.
    bias : bool
        Biases on the input and output projections (torch's default: True).

    Notes
    -----
    Inputs are ``(batch, length, d_model)`` (torch's ``batch_first=True``). ``forward`` returns
    the output and the weights of every head, ``(batch, heads, L_q, L_k)``; torch averages them
    over the heads by default (``average_attn_weights=True``).
    """

    def __init__(self, d_model: int, num_heads: int, *, bias: bool = True):
        super().__init__()
        d_model = _validation.positive_int(d_model, "d_model")
        num_heads = _validation.positive_int(num_heads, "num_heads")
        if d_model % num_heads:
            raise ValueError(f"num_heads must divide d_model, got d_model={d_model}, num_heads={num_heads}")
        self.d_model, self.num_heads, self.head_dim = d_model, num_heads, d_model // num_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d_model, d_model))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d_model)) if bias else None
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)
        nn.init.xavier_uniform_(self.in_proj_weight)  # torch.nn.MultiheadAttention's initialisation
        if bias:
            nn.init.zeros_(self.out_proj.bias)

    def _split_heads(self, x):  # (batch, length, d_model) -> (batch, heads, length, head_dim)
        batch, length, _ = x.shape
        return x.reshape(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, query, key=None, value=None, mask=None, *, causal=False):
        """Attend from ``query`` to ``key`` / ``value`` (self-attention when they are omitted).

        Parameters
        ----------
        query : torch.Tensor, shape (batch, L_q, d_model)
        key, value : torch.Tensor, shape (batch, L_k, d_model), optional
            Default: ``query`` (self-attention).
        mask : torch.Tensor, optional
            As in :func:`attention_weights`: bool True where a query may look, or float added.
        causal : bool
            Forbid keys after the query's position (top-left aligned, :func:`causal_mask`).

        Returns
        -------
        output : torch.Tensor, shape (batch, L_q, d_model)
        weights : torch.Tensor, shape (batch, heads, L_q, L_k)
            One softmax over the keys per head and query.
        """
        key = query if key is None else key
        value = key if value is None else value
        for name, tensor in (("query", query), ("key", key), ("value", value)):
            if not isinstance(tensor, torch.Tensor) or tensor.dim() != 3 or tensor.shape[-1] != self.d_model:
                shape = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor).__name__
                raise ValueError(f"{name} must have shape (batch, length, {self.d_model}), got {shape}")
        if key.shape[:2] != value.shape[:2] or key.shape[0] != query.shape[0]:
            raise ValueError(
                f"query, key and value must share the batch and key and value the length, got "
                f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
            )
        w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        b_q, b_k, b_v = self.in_proj_bias.chunk(3) if self.in_proj_bias is not None else (None, None, None)
        q = self._split_heads(nn.functional.linear(query, w_q, b_q))
        k = self._split_heads(nn.functional.linear(key, w_k, b_k))
        v = self._split_heads(nn.functional.linear(value, w_v, b_v))
        weights = attention_weights(q, k, mask, causal=causal)
        heads = weights @ v  # (batch, heads, L_q, head_dim)
        batch, _, length, _ = heads.shape
        return self.out_proj(heads.transpose(1, 2).reshape(batch, length, self.d_model)), weights


def sinusoidal_positions(length, d_model, *, base=10000.0, dtype=torch.float32):
    r"""The sinusoidal positional encoding of Vaswani et al. (2017, §3.5).

    ``PE[pos, 2i] = sin(pos / base^(2i/d))`` and ``PE[pos, 2i+1] = cos(pos / base^(2i/d))``: each pair
    of columns is a rotation at its own frequency, so ``PE[pos + k]`` is a fixed linear map of
    ``PE[pos]`` for every ``pos`` (a rotation by ``k`` times each frequency). Added to the token
    embeddings, it tells attention where each token is; nothing is learned.

    Parameters
    ----------
    length : int
        Positions ``0 … length - 1``.
    d_model : int
        Width (even).
    base : float
        The wavelength scale (10000 in the paper).
    dtype : torch.dtype

    Returns
    -------
    torch.Tensor, shape (length, d_model)

    Examples
    --------
    >>> pe = sinusoidal_positions(4, 6)
    >>> pe[0].tolist()
    [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    """
    length = _validation.positive_int(length, "length")
    d_model = _validation.positive_int(d_model, "d_model")
    if d_model % 2:
        raise ValueError(f"d_model must be even (sine and cosine pairs), got {d_model}")
    base = _validation.positive_real(base, "base")
    position = torch.arange(length, dtype=torch.float64)[:, None]
    frequency = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    encoding = torch.empty(length, d_model, dtype=torch.float64)
    encoding[:, 0::2] = torch.sin(position * frequency)
    encoding[:, 1::2] = torch.cos(position * frequency)
    return encoding.to(dtype)


# --------------------------------------------------------------------------- a trained head


def running_max_task(n_sequences, *, length=8, vocab_size=10, seed=0):
    """Random digit sequences and, at every position, the largest digit so far.

    The task needs attention that depends on content and respects causality: to answer at
    position ``i`` a model must find, among positions ``0 … i`` only, the one holding the largest
    digit.

    Parameters
    ----------
    n_sequences : int
    length : int
        Digits per sequence.
    vocab_size : int
        Digits are ``0 … vocab_size - 1``.
    seed : int
        Seed of the ``torch.Generator`` that draws the digits.

    Returns
    -------
    tokens, targets : torch.Tensor of int64, shape (n_sequences, length)
        ``targets[:, i] = tokens[:, :i + 1].max()``.

    Examples
    --------
    >>> tokens, targets = running_max_task(1, length=5, seed=3)
    >>> bool((targets == torch.cummax(tokens, dim=1).values).all())
    True
    """
    n_sequences = _validation.positive_int(n_sequences, "n_sequences")
    length = _validation.positive_int(length, "length")
    vocab_size = _validation.positive_int(vocab_size, "vocab_size")
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, vocab_size, (n_sequences, length), generator=generator)
    return tokens, torch.cummax(tokens, dim=1).values


def previous_digit_task(n_sequences, *, length=8, vocab_size=10, seed=0):
    """Random digit sequences and, at every position, the digit one position *before* it.

    A task about order: the answer at position ``i`` is ``tokens[i - 1]`` (and ``tokens[0]`` at
    position 0). Causal attention without positions sees positions ``0 … i`` as a set, so it
    cannot tell which of them came last but one; with positional information it can.

    Parameters and returns as :func:`running_max_task`.

    Examples
    --------
    >>> tokens, targets = previous_digit_task(1, length=5, seed=3)
    >>> bool((targets[0, 1:] == tokens[0, :-1]).all()) and bool(targets[0, 0] == tokens[0, 0])
    True
    """
    tokens, _ = running_max_task(n_sequences, length=length, vocab_size=vocab_size, seed=seed)
    return tokens, torch.cat([tokens[:, :1], tokens[:, :-1]], dim=1)


class RunningMaxAttention(nn.Module):
    r"""One head of causal self-attention with learned projections, and a linear read-out.

    ``x = token_embedding + position_embedding``; ``q, k, v = x W_Q, x W_K, x W_V``;
    ``weights = softmax(q kᵀ / √d + causal mask)``; logits ``= (weights v) W_out``. Nothing but the
    attention mixes positions, so whatever the model knows about earlier digits it learned to
    fetch through ``W_Q`` and ``W_K``.

    Parameters
    ----------
    vocab_size : int
    max_length : int
        Longest sequence (one position embedding each).
    d_model : int
        Width of embeddings, queries, keys and values.
    positions : {"learned", "sinusoidal", None}
        How the model is told where each token is: a learned embedding per position (the
        default), the fixed :func:`sinusoidal_positions`, or nothing (then only the causal mask
        carries any order: position ``i`` sees the *set* of tokens ``0 … i``).
    """

    POSITIONS = ("learned", "sinusoidal", None)

    def __init__(self, vocab_size=10, max_length=8, d_model=16, positions="learned"):
        super().__init__()
        vocab_size = _validation.positive_int(vocab_size, "vocab_size")
        max_length = _validation.positive_int(max_length, "max_length")
        d_model = _validation.positive_int(d_model, "d_model")
        if positions not in self.POSITIONS:
            raise ValueError(f"positions must be one of {self.POSITIONS}, got {positions!r}")
        self.max_length, self.positions = max_length, positions
        self.token = nn.Embedding(vocab_size, d_model)
        # Built (and so drawn from the random stream) in every variant, so that the other weights
        # start the same whichever positions are used.
        self.position = nn.Embedding(max_length, d_model)
        if positions == "sinusoidal":
            self.position.weight.requires_grad_(False)
            with torch.no_grad():
                self.position.weight.copy_(sinusoidal_positions(max_length, d_model + d_model % 2)[:, :d_model])
        self.query = nn.Linear(d_model, d_model, bias=False)
        self.key = nn.Linear(d_model, d_model, bias=False)
        self.value = nn.Linear(d_model, d_model, bias=False)
        self.readout = nn.Linear(d_model, vocab_size)

    def _embed(self, tokens):
        if not isinstance(tokens, torch.Tensor) or tokens.dtype not in (torch.int32, torch.int64) or tokens.dim() != 2:
            shape = tuple(tokens.shape) if isinstance(tokens, torch.Tensor) else type(tokens).__name__
            raise ValueError(f"tokens must be an integer tensor of shape (batch, length), got {shape}")
        if tokens.shape[1] > self.max_length:
            raise ValueError(f"sequences of at most {self.max_length} tokens, got {tokens.shape[1]}")
        if self.positions is None:
            return self.token(tokens)
        return self.token(tokens) + self.position(torch.arange(tokens.shape[1], device=tokens.device))

    def attention(self, tokens):
        """Causal attention weights, shape (batch, length, length): row ``i`` is query ``i``'s distribution."""
        x = self._embed(tokens)
        return attention_weights(self.query(x), self.key(x), causal=True)

    def forward(self, tokens):
        """Logits over the vocabulary at every position, shape (batch, length, vocab_size)."""
        x = self._embed(tokens)
        weights = attention_weights(self.query(x), self.key(x), causal=True)
        return self.readout(weights @ self.value(x))


def _sequence_cross_entropy(logits, target):
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))


def train_running_max(
    *,
    n_train=4000,
    n_validation=1000,
    epochs=4,
    d_model=16,
    lr=0.01,
    seed=0,
    dtype=torch.float64,
    positions="learned",
    task=None,
):
    """Train :class:`RunningMaxAttention` on :func:`running_max_task` (seconds on one core).

    Parameters
    ----------
    n_train, n_validation : int
        Training sequences (drawn with ``seed``) and held-out ones (drawn with ``seed + 1``).
    epochs : int
    d_model : int
    lr : float
        Adam's learning rate; mini-batches of 100.
    seed : int
        Seeds the data, the weights and the shuffling (:func:`softmax_teach.training.train`).
    dtype : torch.dtype
        float64 by default, so that CPUs whose kernels round differently still agree on the
        printed digits.
    positions : {"learned", "sinusoidal", None}
        Passed to :class:`RunningMaxAttention`.
    task : callable, optional
        ``task(n_sequences, seed=...) -> (tokens, targets)``; default :func:`running_max_task`
        (:func:`previous_digit_task` is the one that needs positions).

    Returns
    -------
    TrainingResult
        ``result.model`` is in ``eval()`` mode and in ``dtype``; ``result.validation_loss`` has
        one held-out loss per epoch. ``running_max_task(n_validation, seed=seed + 1)`` gives the
        held-out sequences again.
    """
    from softmax_teach.training import train

    task = running_max_task if task is None else task
    result = train(
        lambda: RunningMaxAttention(d_model=d_model, positions=positions).to(dtype),
        _sequence_cross_entropy,
        task(n_train, seed=seed),
        validation_data=task(n_validation, seed=seed + 1),
        epochs=epochs,
        batch_size=100,
        optimizer="adam",
        lr=lr,
        seed=seed,
    )
    result.model.eval()
    return result
