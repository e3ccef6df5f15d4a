"""softmax_teach.models.language: logits, training, perplexity and sampling, checked against torch and numpy."""

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from softmax_teach.data.text import build_vocabulary, load_text_split
from softmax_teach.models.language import (
    CharLM,
    compare_with_unigram,
    generate,
    mean_negative_log_likelihood,
    next_character_loss,
    perplexity,
    random_window_batches,
    train_char_lm,
    unigram_log_probabilities,
)
from softmax_teach.numerics import sampling_probabilities


@pytest.fixture(scope="module")
def split():
    return load_text_split()


@pytest.fixture(scope="module")
def trained(split):
    # Small and short so the test is quick; still far better than the unigram baseline.
    return train_char_lm(split, hidden_dim=64, epochs=6, batches_per_epoch=6, seed=0)


def test_charlm_returns_logits_not_probabilities():
    torch.manual_seed(0)
    model = CharLM(10, embedding_dim=4, hidden_dim=8)
    x = torch.randint(0, 10, (2, 5))
    logits = model(x)
    assert logits.shape == (2, 5, 10)
    assert not torch.allclose(logits.sum(-1), torch.ones(2, 5))  # not a distribution
    torch.testing.assert_close(model.predict_proba(x), torch.softmax(logits, dim=-1))
    # Step by step with the carried state equals one pass over the whole sequence.
    state, steps = None, []
    for t in range(5):
        step_logits, state = model.forward_with_state(x[:, t : t + 1], state)
        steps.append(step_logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), logits)


def test_charlm_equals_its_layers_composed_by_hand():
    torch.manual_seed(1)
    model = CharLM(7, embedding_dim=3, hidden_dim=5)
    x = torch.randint(0, 7, (3, 4))
    output, _ = model.rnn(F.embedding(x, model.embedding.weight))
    torch.testing.assert_close(model(x), output @ model.fc.weight.T + model.fc.bias)


def test_charlm_rejects_bad_ids_and_sizes():
    model = CharLM(5, embedding_dim=2, hidden_dim=3)
    with pytest.raises(ValueError, match="ids outside"):
        model(torch.tensor([[0, 5]]))
    with pytest.raises(ValueError, match="LongTensor"):
        model(torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="vocab_size"):
        CharLM(0)


def test_next_character_loss_is_torch_cross_entropy_over_every_step():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 6, generator=generator)
    target = torch.randint(0, 6, (2, 3), generator=generator)
    expected = torch.stack([F.cross_entropy(logits[b, t], target[b, t]) for b in range(2) for t in range(3)]).mean()
    torch.testing.assert_close(next_character_loss(logits, target), expected)


def test_unigram_and_perplexity_match_numpy_and_scipy():
    from scipy.stats import entropy as scipy_entropy

    train_ids = np.array([0, 0, 1, 2, 2, 2])
    log_p = unigram_log_probabilities(train_ids, 4, smoothing=1.0)
    np.testing.assert_allclose(np.exp(log_p), np.array([3, 2, 4, 1]) / 10)
    unsmoothed = unigram_log_probabilities(train_ids, 3, smoothing=0)
    # On its own training text the unsmoothed unigram's mean NLL is the entropy of the frequencies.
    assert -unsmoothed[train_ids].mean() == pytest.approx(scipy_entropy([2, 1, 3]))
    assert perplexity(math.log(7)) == pytest.approx(7)
    with pytest.raises(ValueError, match="mean_nll"):
        perplexity(-1.0)
    with pytest.raises(ValueError, match="smoothing"):
        unigram_log_probabilities(train_ids, 4, smoothing=-1)


def test_mean_nll_equals_torch_cross_entropy_of_the_shifted_text():
    torch.manual_seed(2)
    model = CharLM(6, embedding_dim=3, hidden_dim=4)
    ids = np.array([0, 3, 5, 1, 1, 2, 4])
    logits = model(torch.tensor(ids[None, :-1]))
    expected = F.cross_entropy(logits[0], torch.tensor(ids[1:])).item()
    assert mean_negative_log_likelihood(model, ids) == pytest.approx(expected, rel=1e-6)


def test_training_is_deterministic_and_beats_the_unigram_baseline(split, trained):
    again = train_char_lm(split, hidden_dim=64, epochs=6, batches_per_epoch=6, seed=0)
    for a, b in zip(trained.model.state_dict().values(), again.model.state_dict().values()):
        assert torch.equal(a, b)
    assert trained.step_loss == again.step_loss
    report = compare_with_unigram(trained.model, split)
    assert report.unigram_perplexity > 10
    assert report.model_perplexity < 0.5 * report.unigram_perplexity
    assert report.n_characters == len(split.validation_text) - 1
    other_seed = train_char_lm(split, hidden_dim=64, epochs=1, batches_per_epoch=1, seed=1)
    assert not torch.equal(other_seed.model.fc.bias, again.model.fc.bias)


def test_random_window_batches_are_shifted_and_seeded():
    ids = np.arange(100)
    make = random_window_batches(ids, 10, 4, 3)
    first = list(make(torch.Generator().manual_seed(0)))
    second = list(make(torch.Generator().manual_seed(0)))
    assert len(first) == 3
    for (x, y), (x2, y2) in zip(first, second):
        assert x.shape == (4, 10) and torch.equal(y, x + 1) and torch.equal(x, x2) and torch.equal(y, y2)
    with pytest.raises(ValueError, match="Generator"):
        list(make(None))


def test_generate_is_seeded_and_follows_the_sampling_distribution(split, trained):
    model, vocabulary = trained.model, split.vocabulary
    text = generate(model, vocabulary, "on monday ", 60, temperature=0.8, top_k=5, rng=123)
    assert text == generate(model, vocabulary, "on monday ", 60, temperature=0.8, top_k=5, rng=123)
    assert text.startswith("on monday ") and len(text) == 70
    # Greedy decoding takes the arg-max of the model's logits at every step.
    greedy = generate(model, vocabulary, "the ", 20, temperature=0, rng=0)
    ids = torch.from_numpy(vocabulary.encode(greedy))[None]
    logits = model(ids[:, :-1])[0, 3:]
    assert torch.equal(logits.argmax(-1), ids[0, 4:])
    # top_k=1 is greedy too, whatever the temperature.
    assert generate(model, vocabulary, "the ", 20, temperature=2.0, top_k=1, rng=9) == greedy


def test_generate_draws_with_the_filtered_probabilities():
    # A model whose logits never change: the draws are i.i.d. from sampling_probabilities.
    class Fixed(torch.nn.Module):
        def forward_with_state(self, x, hidden=None):
            return torch.tensor([2.0, 1.0, 0.1, -1.0]).expand(x.shape[0], x.shape[1], 4), hidden

    vocabulary = build_vocabulary("abcd")
    text = generate(Fixed(), vocabulary, "a", 4000, temperature=0.7, top_p=0.9, rng=0)
    counts = np.bincount(vocabulary.encode(text[1:]), minlength=4) / 4000
    expected = sampling_probabilities([2.0, 1.0, 0.1, -1.0], temperature=0.7, top_p=0.9)
    np.testing.assert_allclose(counts, expected, atol=0.03)
    assert counts[expected == 0].sum() == 0
    with pytest.raises(ValueError, match="length"):
        generate(Fixed(), vocabulary, "a", -1)
    with pytest.raises(ValueError, match="prompt"):
        generate(Fixed(), vocabulary, "", 3)
