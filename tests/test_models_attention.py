"""softmax_teach.models.attention against torch's own attention and slide 13's module."""

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from softmax_teach.models.attention import (
    AdditiveAttention,
    MultiHeadAttention,
    RunningMaxAttention,
    attention_entropy,
    attention_weights,
    causal_mask,
    scaled_dot_product_attention,
    sinusoidal_positions,
    tiled_attention,
)


class SlideAttention(nn.Module):
    """Slide 13's module, verbatim apart from the modern ``super()``: the reference."""

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.attention = nn.Linear(hidden_size * 2, hidden_size)
        self.v = nn.Linear(hidden_size, 1, bias=False)

    def forward(self, hidden, encoder_outputs):
        seq_len = encoder_outputs.size(1)
        hidden = hidden.unsqueeze(1).repeat(1, seq_len, 1)
        energy = torch.tanh(self.attention(torch.cat((hidden, encoder_outputs), dim=2)))
        attention_scores = self.v(energy).squeeze(2)
        return torch.softmax(attention_scores, dim=1)


def _qkv(batch=(2, 3), n_queries=5, n_keys=7, d=8, dv=4, dtype=torch.float64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    q = torch.randn(*batch, n_queries, d, generator=generator, dtype=dtype)
    k = torch.randn(*batch, n_keys, d, generator=generator, dtype=dtype)
    v = torch.randn(*batch, n_keys, dv, generator=generator, dtype=dtype)
    return q, k, v


# --------------------------------------------------------------------------- dot-product attention


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [(5, 7), (7, 5), (6, 6)], ids=["Lq<Lk", "Lq>Lk", "square"])
def test_sdpa_equals_torch(causal, shape):
    q, k, v = _qkv(n_queries=shape[0], n_keys=shape[1])
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    got = scaled_dot_product_attention(q, k, v, causal=causal)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_sdpa_equals_torch_in_float32():
    q, k, v = _qkv(dtype=torch.float32)
    torch.testing.assert_close(scaled_dot_product_attention(q, k, v), F.scaled_dot_product_attention(q, k, v))


@pytest.mark.parametrize("scale", [1.0, 0.1])
def test_sdpa_with_an_explicit_scale_equals_torch(scale):
    q, k, v = _qkv()
    expected = F.scaled_dot_product_attention(q, k, v, scale=scale)
    torch.testing.assert_close(scaled_dot_product_attention(q, k, v, scale=scale), expected, rtol=1e-12, atol=1e-12)


def test_bool_and_float_masks_equal_torch():
    q, k, v = _qkv()
    generator = torch.Generator().manual_seed(1)
    allowed = torch.rand(5, 7, generator=generator) > 0.4
    allowed[:, 0] = True  # no fully masked row here; that case has its own test
    additive = torch.zeros(5, 7, dtype=torch.float64).masked_fill(~allowed, -math.inf)
    for mask in (allowed, additive):
        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        torch.testing.assert_close(scaled_dot_product_attention(q, k, v, mask), expected, rtol=1e-12, atol=1e-12)


def test_mask_and_causal_together_equal_torch_with_the_combined_mask():
    q, k, v = _qkv(n_queries=6, n_keys=6)
    generator = torch.Generator().manual_seed(2)
    allowed = torch.rand(6, 6, generator=generator) > 0.3
    allowed.fill_diagonal_(True)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed & causal_mask(6))
    got = scaled_dot_product_attention(q, k, v, allowed, causal=True)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_a_fully_masked_row_gives_zeros_like_torch_sdpa_and_finite_gradients():
    q, k, v = _qkv(batch=(1,), n_queries=3, n_keys=5)
    allowed = torch.ones(3, 5, dtype=torch.bool)
    allowed[1] = False
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    assert torch.equal(expected[0, 1], torch.zeros(4, dtype=torch.float64))  # torch 2.13's convention
    q = q.clone().requires_grad_()
    got = scaled_dot_product_attention(q, k, v, allowed)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    got.sum().backward()
    assert torch.isfinite(q.grad).all()
    assert torch.equal(q.grad[0, 1], torch.zeros(8, dtype=torch.float64))
    weights = attention_weights(q.detach(), k, allowed)
    assert torch.equal(weights[0, 1], torch.zeros(5, dtype=torch.float64))
    torch.testing.assert_close(weights[0, [0, 2]].sum(-1), torch.ones(2, dtype=torch.float64))


def test_gradients_equal_torch():
    q, k, v = _qkv()
    inputs = [t.clone().requires_grad_() for t in (q, k, v)]
    reference = [t.clone().requires_grad_() for t in (q, k, v)]
    scaled_dot_product_attention(*inputs, causal=True).square().sum().backward()
    F.scaled_dot_product_attention(*reference, is_causal=True).square().sum().backward()
    for mine, theirs in zip(inputs, reference):
        torch.testing.assert_close(mine.grad, theirs.grad, rtol=1e-10, atol=1e-12)


def test_weights_are_torch_softmax_of_the_scaled_scores():
    q, k, _ = _qkv()
    expected = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(8), dim=-1)
    torch.testing.assert_close(attention_weights(q, k), expected, rtol=1e-12, atol=1e-12)


def test_causal_mask_matches_torch_tril_and_forbids_the_future():
    assert torch.equal(causal_mask(4, 6), torch.tril(torch.ones(4, 6, dtype=torch.bool)))
    q, k, _ = _qkv(n_queries=6, n_keys=6)
    weights = attention_weights(q, k, causal=True)
    assert torch.equal(weights.triu(diagonal=1), torch.zeros_like(weights))
    assert torch.all(weights[..., 0, 0] == 1)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda q, k, v: scaled_dot_product_attention(q, k[..., :3], v), "last"),
        (lambda q, k, v: scaled_dot_product_attention(q, k, v[..., :2, :]), "number of keys"),
        (lambda q, k, v: scaled_dot_product_attention(q, k, v, torch.ones(3, 3, dtype=torch.bool)), "broadcast"),
        (
            lambda q, k, v: scaled_dot_product_attention(q, k, v, torch.ones(4, 2, 3, 5, 7, dtype=torch.bool)),
            "broadcast",
        ),
        (lambda q, k, v: scaled_dot_product_attention(q, k, v, torch.ones(5, 7, dtype=torch.long)), "dtype"),
        (lambda q, k, v: scaled_dot_product_attention(q, k, v, scale=float("nan")), "scale"),
        (lambda q, k, v: scaled_dot_product_attention(q.long(), k, v), "floating"),
        (lambda q, k, v: scaled_dot_product_attention(q.numpy(), k, v), "torch.Tensor"),
        (lambda q, k, v: tiled_attention(q, k, v, block_size=0), "block_size"),
        (lambda q, k, v: causal_mask(0), "n_queries"),
    ],
)
def test_bad_input_raises_value_error_naming_it(call, message):
    q, k, v = _qkv()
    with pytest.raises(ValueError, match=message):
        call(q, k, v)


# --------------------------------------------------------------------------- tiled attention


@pytest.mark.parametrize("block_size", [1, 3, 7, 64])
@pytest.mark.parametrize("causal", [False, True])
def test_tiled_attention_equals_torch_sdpa(block_size, causal):
    q, k, v = _qkv(n_queries=6, n_keys=7)
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    got = tiled_attention(q, k, v, causal=causal, block_size=block_size)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_tiled_attention_with_masks_large_scores_and_a_fully_masked_row():
    q, k, v = _qkv(batch=(2,), n_queries=4, n_keys=9)
    q = q * 40  # scores in the hundreds: exp without the running max would overflow
    allowed = torch.ones(4, 9, dtype=torch.bool)
    allowed[0, :5] = False  # the first blocks of this row are fully masked, the later ones not
    allowed[2] = False  # a fully masked row
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    got = tiled_attention(q, k, v, allowed, block_size=2)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)
    assert torch.equal(got[:, 2], torch.zeros(2, 4, dtype=torch.float64))


@pytest.mark.parametrize("query_block_size", [1, 2, 5, 100])
@pytest.mark.parametrize("causal", [False, True])
def test_tiled_attention_tiles_queries_too_and_still_equals_torch_sdpa(query_block_size, causal):
    q, k, v = _qkv(n_queries=5, n_keys=9)
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    got = tiled_attention(q, k, v, causal=causal, block_size=4, query_block_size=query_block_size)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_tiled_attention_with_query_tiles_broadcasts_and_masks_like_torch():
    q, k, v = _qkv(batch=(1,), n_queries=6, n_keys=5)
    k, v = k.expand(3, -1, -1), v.expand(3, -1, -1)  # q broadcasts over a batch of 3
    allowed = torch.rand(6, 5, generator=torch.Generator().manual_seed(1)) > 0.3
    allowed[4] = False
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    got = tiled_attention(q, k, v, allowed, block_size=2, query_block_size=4)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="query_block_size"):
        tiled_attention(q, k, v, query_block_size=0)


# --------------------------------------------------------------------------- a trained head


def test_running_max_task_targets_are_the_running_maximum():
    from softmax_teach.models.attention import running_max_task

    tokens, targets = running_max_task(50, length=6, vocab_size=7, seed=2)
    assert tokens.shape == targets.shape == (50, 6) and tokens.dtype == torch.int64
    assert int(tokens.min()) >= 0 and int(tokens.max()) <= 6
    np.testing.assert_array_equal(targets.numpy(), np.maximum.accumulate(tokens.numpy(), axis=1))
    again, _ = running_max_task(50, length=6, vocab_size=7, seed=2)
    assert torch.equal(tokens, again)


def test_running_max_attention_is_causal_sdpa_over_its_own_projections():
    from softmax_teach.models.attention import RunningMaxAttention, running_max_task

    torch.manual_seed(0)
    model = RunningMaxAttention(d_model=8).double()
    tokens, _ = running_max_task(4, seed=0)
    x = model.token(tokens) + model.position(torch.arange(8))
    q, k, v = model.query(x), model.key(x), model.value(x)
    expected = model.readout(F.scaled_dot_product_attention(q, k, v, is_causal=True))
    torch.testing.assert_close(model(tokens), expected, rtol=1e-12, atol=1e-12)
    weights = model.attention(tokens)
    torch.testing.assert_close(
        weights,
        torch.softmax(
            (q @ k.transpose(-2, -1) / math.sqrt(8)).masked_fill(
                ~torch.tril(torch.ones(8, 8, dtype=torch.bool)), float("-inf")
            ),
            dim=-1,
        ),
        rtol=1e-12,
        atol=1e-15,
    )
    with pytest.raises(ValueError, match="integer tensor"):
        model(tokens.double())
    with pytest.raises(ValueError, match="at most 8"):
        model(torch.zeros(1, 9, dtype=torch.int64))


def test_the_trained_head_solves_the_task_by_looking_at_the_running_maximum():
    from softmax_teach.models.attention import running_max_task, train_running_max

    result = train_running_max(n_train=2000, n_validation=300, epochs=3)
    tokens, targets = running_max_task(300, seed=1)
    with torch.no_grad():
        predictions = result.model(tokens).argmax(-1)
        weights = result.model.attention(tokens)
    assert (predictions == targets).double().mean() > 0.99
    # Most of each query's weight sits on the positions (at or before it) that hold the running max.
    holds_max = (tokens[:, None, :] == targets[:, :, None]) & torch.tril(torch.ones(8, 8, dtype=torch.bool))
    assert (weights * holds_max).sum(-1).mean() > 0.9
    assert result.validation_loss[-1] < 0.1 * result.validation_loss[0]
    # An untrained head with the same architecture attends almost anywhere: the pattern is learned.
    from softmax_teach.models.attention import RunningMaxAttention

    torch.manual_seed(0)
    untrained = RunningMaxAttention().double()
    with torch.no_grad():
        assert (untrained.attention(tokens) * holds_max).sum(-1).mean() < 0.7


# --------------------------------------------------------------------------- 1/sqrt(d)


def test_attention_entropy_matches_scipy_and_shows_saturation_without_scaling():
    from scipy.special import softmax as scipy_softmax
    from scipy.stats import entropy as scipy_entropy

    dims = [4, 64, 1024]
    scaled = attention_entropy(dims, n_keys=16, n_queries=64, seed=3)
    unscaled = attention_entropy(dims, n_keys=16, n_queries=64, scaled=False, seed=3)
    generator = np.random.default_rng(3)
    for i, d in enumerate(dims):
        queries = generator.standard_normal((64, d))
        keys = generator.standard_normal((16, d))
        reference = scipy_entropy(scipy_softmax(queries @ keys.T / np.sqrt(d), axis=-1), axis=-1).mean()
        assert scaled[i] == pytest.approx(reference, rel=1e-12)
    assert np.all(scaled > 0.75 * np.log(16))  # about the same for every d
    assert unscaled[-1] < 0.3 and unscaled[0] > 1.5  # saturated: nearly one-hot rows at d = 1024


# --------------------------------------------------------------------------- additive attention


def test_the_slide_example_raises_and_the_fixed_module_equals_the_slide_on_batch_hidden():
    torch.manual_seed(0)
    slide = SlideAttention(16)
    with pytest.raises(RuntimeError):
        slide(torch.randn(1, 1, 16), torch.randn(1, 10, 16))
    fixed = AdditiveAttention(16)
    fixed.load_state_dict(slide.state_dict())
    hidden, encoder_outputs = torch.randn(3, 16), torch.randn(3, 10, 16)
    context, weights = fixed(hidden, encoder_outputs)
    torch.testing.assert_close(weights, slide(hidden, encoder_outputs))
    torch.testing.assert_close(context, torch.einsum("bs,bsh->bh", weights, encoder_outputs))
    assert weights.shape == (3, 10) and context.shape == (3, 16)


def test_additive_attention_mask_gives_padding_zero_weight_and_equals_the_unpadded_sequence():
    torch.manual_seed(1)
    attention = AdditiveAttention(8)
    hidden, encoder_outputs = torch.randn(2, 8), torch.randn(2, 6, 8)
    mask = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    context, weights = attention(hidden, encoder_outputs, mask)
    assert torch.equal(weights[1, 4:], torch.zeros(2))
    short_context, short_weights = attention(hidden[1:], encoder_outputs[1:, :4])
    torch.testing.assert_close(weights[1, :4], short_weights[0])
    torch.testing.assert_close(context[1], short_context[0])
    none_real = attention(hidden, encoder_outputs, torch.zeros(2, 6, dtype=torch.bool))
    assert torch.equal(none_real.weights, torch.zeros(2, 6)) and torch.equal(none_real.context, torch.zeros(2, 8))


def test_additive_attention_rejects_the_slide_hidden_shape_with_a_hint():
    attention = AdditiveAttention(8)
    with pytest.raises(ValueError, match=r"h_n\[-1\]"):
        attention(torch.randn(1, 1, 8), torch.randn(1, 10, 8))
    with pytest.raises(ValueError, match="encoder_outputs"):
        attention(torch.randn(1, 8), torch.randn(1, 10, 4))
    with pytest.raises(ValueError, match="mask"):
        attention(torch.randn(1, 8), torch.randn(1, 10, 8), torch.ones(1, 10))
    with pytest.raises(ValueError, match="hidden_size"):
        AdditiveAttention(0)


def test_same_seed_gives_the_same_weights_and_outputs():
    def run():
        torch.manual_seed(5)
        attention = AdditiveAttention(8)
        return attention(torch.randn(2, 8), torch.randn(2, 5, 8))

    first, second = run(), run()
    assert torch.equal(first.weights, second.weights) and torch.equal(first.context, second.context)


# --------------------------------------------------------------------------- several heads, positions


def _reference_and_ours(d_model=12, num_heads=3, bias=True, seed=0):
    torch.manual_seed(seed)
    reference = nn.MultiheadAttention(d_model, num_heads, bias=bias, batch_first=True).double()
    ours = MultiHeadAttention(d_model, num_heads, bias=bias).double()
    ours.load_state_dict(reference.state_dict())  # the same names and layout: strict loading works
    return reference, ours


@pytest.mark.parametrize("bias", [True, False])
def test_multi_head_attention_equals_torch_multihead_attention(bias):
    reference, ours = _reference_and_ours(bias=bias)
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(2, 5, 12, generator=generator, dtype=torch.float64)
    memory = torch.randn(2, 7, 12, generator=generator, dtype=torch.float64)
    output, weights = ours(x, memory, memory)
    expected, expected_weights = reference(x, memory, memory, average_attn_weights=False)
    torch.testing.assert_close(output, expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(weights, expected_weights, rtol=0, atol=1e-12)
    _, averaged = reference(x, memory, memory)  # torch's default averages the heads
    torch.testing.assert_close(weights.mean(dim=1), averaged, rtol=0, atol=1e-12)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 5, dtype=torch.float64))


def test_multi_head_attention_causal_and_gradients_equal_torch():
    reference, ours = _reference_and_ours()
    x = torch.randn(3, 6, 12, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    future = torch.triu(torch.ones(6, 6, dtype=torch.bool), 1)  # torch: True = may NOT attend
    output, _ = ours(x, causal=True)
    expected, _ = reference(x, x, x, attn_mask=future)
    torch.testing.assert_close(output, expected, rtol=0, atol=1e-12)
    output.square().sum().backward()
    expected.square().sum().backward()
    torch.testing.assert_close(ours.in_proj_weight.grad, reference.in_proj_weight.grad, rtol=0, atol=1e-10)
    torch.testing.assert_close(ours.out_proj.weight.grad, reference.out_proj.weight.grad, rtol=0, atol=1e-10)


def test_self_attention_without_positions_is_permutation_equivariant_and_the_causal_mask_breaks_it():
    _, ours = _reference_and_ours()
    x = torch.randn(1, 6, 12, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    order = torch.tensor([4, 0, 5, 2, 1, 3])
    output, weights = ours(x)
    permuted_output, permuted_weights = ours(x[:, order])
    torch.testing.assert_close(permuted_output, output[:, order], rtol=0, atol=1e-12)
    torch.testing.assert_close(permuted_weights, weights[:, :, order][:, :, :, order], rtol=0, atol=1e-12)
    causal_output, _ = ours(x, causal=True)
    assert not torch.allclose(ours(x[:, order], causal=True)[0], causal_output[:, order])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MultiHeadAttention(10, 3), "divide"),
        (lambda: sinusoidal_positions(4, 5), "even"),
        (lambda: MultiHeadAttention(12, 3)(torch.zeros(2, 5, 8)), "query must have shape"),
        (lambda: RunningMaxAttention(positions="rotary"), "positions must be one of"),
    ],
)
def test_heads_and_positions_reject_bad_arguments_with_a_message(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_sinusoidal_positions_follow_the_paper_and_shift_by_a_fixed_rotation():
    length, d = 50, 8
    pe = sinusoidal_positions(length, d, dtype=torch.float64)
    for pos, i in ((0, 0), (7, 1), (23, 3), (49, 2)):
        angle = pos / 10000 ** (2 * i / d)
        assert pe[pos, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-15)
        assert pe[pos, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-15)
    # PE[p + k] = PE[p] @ R_k with R_k block-diagonal rotations, the same for every p.
    k = 5
    rotation = torch.zeros(d, d, dtype=torch.float64)
    for i in range(d // 2):
        angle = k / 10000 ** (2 * i / d)
        c, s = math.cos(angle), math.sin(angle)
        rotation[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    torch.testing.assert_close(pe[k:], pe[:-k] @ rotation, rtol=0, atol=1e-12)


def test_previous_digit_task_and_the_position_options_of_the_head():
    from softmax_teach.models.attention import previous_digit_task, running_max_task

    tokens, targets = previous_digit_task(20, seed=4)
    assert torch.equal(tokens, running_max_task(20, seed=4)[0])
    assert torch.equal(targets[:, 1:], tokens[:, :-1]) and torch.equal(targets[:, 0], tokens[:, 0])
    torch.manual_seed(0)
    learned = RunningMaxAttention()
    torch.manual_seed(0)
    fixed = RunningMaxAttention(positions="sinusoidal")
    torch.manual_seed(0)
    none = RunningMaxAttention(positions=None)
    torch.testing.assert_close(fixed.position.weight, sinusoidal_positions(8, 16))
    assert not fixed.position.weight.requires_grad
    torch.testing.assert_close(none.query.weight, learned.query.weight)  # the same start apart from positions
    torch.testing.assert_close(fixed.query.weight, learned.query.weight)
    # Without positions, the same digits at other positions get the same embedding.
    x = torch.tensor([[3, 3, 1, 5]])
    assert torch.equal(none._embed(x)[0, 0], none._embed(x)[0, 1])
    assert not torch.equal(learned._embed(x)[0, 0], learned._embed(x)[0, 1])
