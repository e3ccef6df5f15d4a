"""softmax_teach.models.transformer: a decoder-only character transformer with CharLM's interface."""

import math

import pytest
import torch

from softmax_teach.models.attention import MultiHeadAttention
from softmax_teach.models.language import generate, mean_negative_log_likelihood
from softmax_teach.models.transformer import TransformerBlock, TransformerCharLM


def _model(context=8, **options):
    torch.manual_seed(0)
    return TransformerCharLM(7, d_model=16, num_heads=2, num_layers=2, context=context, **options).double().eval()


def _ids(length, seed=0):
    return torch.randint(0, 7, (2, length), generator=torch.Generator().manual_seed(seed))


def test_the_block_is_pre_norm_residual_attention_and_mlp_with_torch_layers():
    torch.manual_seed(0)
    block = TransformerBlock(16, 2).double()
    x = torch.randn(2, 5, 16, dtype=torch.float64)
    reference = torch.nn.MultiheadAttention(16, 2, batch_first=True).double()
    reference.load_state_dict(block.attention.state_dict())
    normed = block.norm1(x)
    attended, _ = reference(normed, normed, normed, attn_mask=torch.triu(torch.ones(5, 5, dtype=torch.bool), 1))
    after = x + attended
    expected = after + block.mlp(block.norm2(after))
    torch.testing.assert_close(block(x), expected, rtol=0, atol=1e-12)


def test_logits_are_causal_even_across_windows():
    model = _model()
    ids = _ids(21)
    changed = ids.clone()
    changed[:, 13] = (changed[:, 13] + 1) % 7
    with torch.no_grad():
        before, after = model(ids), model(changed)
    assert before.shape == (2, 21, 7)
    torch.testing.assert_close(before[:, :13], after[:, :13], rtol=0, atol=0)
    assert not torch.allclose(before[:, 13:], after[:, 13:])


def test_a_long_text_is_read_in_windows_that_give_each_position_at_least_half_a_context():
    model = _model(context=8)
    ids = _ids(19)
    with torch.no_grad():
        logits = model(ids)
        torch.testing.assert_close(logits[:, :8], model(ids[:, :8]), rtol=0, atol=0)
        # Positions 8..11 come from the window 4..11, 12..15 from 8..15, 16..18 from 11..18.
        for start, first, last in ((4, 8, 12), (8, 12, 16), (11, 16, 19)):
            window = model(ids[:, start : start + 8])
            torch.testing.assert_close(logits[:, first:last], window[:, first - start : last - start], rtol=0, atol=0)


def test_forward_with_state_continues_the_text_like_one_forward_pass():
    model = _model(context=8)
    ids = _ids(6)
    with torch.no_grad():
        full = model(ids)
        first, state = model.forward_with_state(ids[:, :4])
        rest, state = model.forward_with_state(ids[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, rest], dim=1), full, rtol=0, atol=1e-12)
    assert torch.equal(state, ids)


def test_the_untrained_model_is_about_as_unsure_as_a_uniform_guess():
    torch.manual_seed(0)
    model = TransformerCharLM(32, d_model=32, num_heads=4, num_layers=1, context=16)
    ids = torch.randint(0, 32, (200,), generator=torch.Generator().manual_seed(1))
    assert abs(mean_negative_log_likelihood(model, ids) - math.log(32)) < 0.05


def test_both_softmaxes_are_distributions_and_attention_looks_only_at_the_past():
    model = _model()
    ids = _ids(6)
    weights = model.attention_weights(ids)
    assert len(weights) == 2 and weights[0].shape == (2, 2, 6, 6)
    for w in weights:
        torch.testing.assert_close(w.sum(-1), torch.ones(2, 2, 6, dtype=torch.float64))
        assert torch.all(torch.triu(w, diagonal=1) == 0)
    probabilities = model.predict_proba(ids)
    torch.testing.assert_close(probabilities.sum(-1), torch.ones(2, 6, dtype=torch.float64))
    with pytest.raises(ValueError, match="at most context"):
        model.attention_weights(_ids(9))


def test_weight_tying_shares_the_embedding_with_the_head():
    tied, untied = _model(tie_weights=True), _model()
    assert tied.head.weight is tied.token.weight
    saved = 7 * 16
    assert sum(p.numel() for p in untied.parameters()) - sum(p.numel() for p in tied.parameters()) == saved


def test_bad_input_gets_a_message():
    model = _model()
    with pytest.raises(ValueError, match="LongTensor"):
        model(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="outside"):
        model(torch.tensor([[0, 7]]))
    with pytest.raises(ValueError, match="divide"):
        TransformerCharLM(7, d_model=10, num_heads=3)


def test_training_lowers_the_loss_and_generation_is_seeded():
    from softmax_teach.data.text import load_text_split
    from softmax_teach.models.language import train_char_lm

    split = load_text_split()
    size = len(split.vocabulary)
    runs = [
        train_char_lm(
            split,
            model=lambda: TransformerCharLM(size, d_model=16, num_heads=2, num_layers=1, context=16),
            window=16,
            batches_per_epoch=10,
            epochs=2,
            lr=0.01,
        )
        for _ in range(2)
    ]
    assert runs[0].validation_loss[-1] < math.log(size) - 0.5
    assert runs[0].validation_loss == runs[1].validation_loss  # the same seed, bitwise the same training
    text = generate(runs[0].model, split.vocabulary, "the ", 20, rng=3)
    assert len(text) == 24 and text == generate(runs[1].model, split.vocabulary, "the ", 20, rng=3)


def test_the_attention_inside_is_the_package_multi_head_attention():
    assert all(isinstance(block.attention, MultiHeadAttention) for block in _model().blocks)
