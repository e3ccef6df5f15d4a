"""Exercise checks of notebook 14: right answers pass, the usual mistakes get their own hint."""

import numpy as np
import pytest
import torch

from softmax_teach.exercises.generation import (
    EXERCISE_LOGITS,
    EXERCISE_PROBABILITIES,
    check_filtered_distribution,
    check_perplexity,
)


def test_perplexity_check_agrees_with_torch_cross_entropy_and_names_mistakes():
    p = EXERCISE_PROBABILITIES
    # Perplexity is exp of the cross-entropy of the observed characters (torch as the reference).
    logits = torch.log(torch.tensor(np.stack([p, 1 - p], axis=1)))
    reference = torch.exp(torch.nn.functional.cross_entropy(logits, torch.zeros(len(p), dtype=torch.long))).item()
    assert check_perplexity(reference)
    assert "exp" in check_perplexity(-np.log(p).mean()).message
    assert "sign" in check_perplexity(np.exp(np.log(p).mean())).message
    assert "arithmetic" in check_perplexity(1 / p.mean()).message
    assert "n-th root" in check_perplexity(1 / np.prod(p)).message
    assert not check_perplexity("2.4")  # a string that is a number is read as one, and wrong
    with pytest.raises(ValueError, match="probabilities"):
        check_perplexity(1.0, [0.0, 0.5])


def test_filtered_distribution_check_agrees_with_torch_topk_and_names_mistakes():
    x = torch.tensor(EXERCISE_LOGITS)
    values, index = torch.topk(x / 0.5, 3)
    reference = torch.zeros(6, dtype=torch.float64).index_put_((index,), torch.softmax(values, dim=0)).numpy()
    assert check_filtered_distribution(reference)
    tempered = torch.softmax(x / 0.5, dim=0).numpy()
    unrenormalised = np.where(reference > 0, tempered, 0)
    assert "renormalise" in check_filtered_distribution(unrenormalised).message
    times_t = torch.zeros(6, dtype=torch.float64)
    v, i = torch.topk(x * 0.5, 3)
    times_t[i] = torch.softmax(v, dim=0)
    assert "multiplied" in check_filtered_distribution(times_t.numpy()).message
    four = torch.zeros(6, dtype=torch.float64)
    v, i = torch.topk(x / 0.5, 4)
    four[i] = torch.softmax(v, dim=0)
    assert "keeps exactly" in check_filtered_distribution(four.numpy()).message
    with pytest.raises(ValueError, match="top_k"):
        check_filtered_distribution(reference, top_k=6)


def test_char_lm_parameter_count_matches_torch_and_the_check_names_the_slips():
    from softmax_teach.exercises.generation import char_lm_parameter_count, check_char_lm_parameters
    from softmax_teach.models.language import CharLM

    for hidden in (32, 256):
        model = CharLM(32, 32, hidden)
        assert char_lm_parameter_count(32, hidden) == sum(p.numel() for p in model.parameters())
    assert check_char_lm_parameters(char_lm_parameter_count(32, 256), hidden_dim=256, vocab_size=32)
    assert (
        "three sets"
        in check_char_lm_parameters(char_lm_parameter_count(32, 256, gates=1), hidden_dim=256, vocab_size=32).message
    )
    assert (
        "biases"
        in check_char_lm_parameters(
            char_lm_parameter_count(32, 256, biases=False), hidden_dim=256, vocab_size=32
        ).message
    )
    assert (
        "hidden_dim = 32"
        in check_char_lm_parameters(char_lm_parameter_count(32, 32), hidden_dim=256, vocab_size=32).message
    )


def test_perplexity_rounded_to_the_stated_3_decimals_passes():
    assert check_perplexity(2.416)
    assert check_perplexity(np.array(2.416))
    assert not check_perplexity(2.42)


def test_filtered_distribution_accepts_the_4_decimals_printed_and_calls_fewer_rounded():
    import numpy as np

    from softmax_teach import sampling_probabilities, softmax
    from softmax_teach.exercises.generation import EXERCISE_LOGITS, check_filtered_distribution

    right = sampling_probabilities(EXERCISE_LOGITS, temperature=0.5, top_k=3)
    assert check_filtered_distribution(np.round(right, 4))
    verdict = check_filtered_distribution(np.round(right, 2))
    assert not verdict and "only to 2 decimals" in verdict.message
    # The unrenormalised slip typed in at 4 decimals is still named as that slip, not as rounding.
    tempered = softmax(EXERCISE_LOGITS / 0.5)
    verdict = check_filtered_distribution(np.round(np.where(right > 0, tempered, 0), 4))
    assert not verdict and "renormalise" in verdict.message
    assert not check_filtered_distribution(right * 1.01)


def test_char_lm_parameters_name_the_notebooks_starting_answer():
    from softmax_teach.exercises.generation import check_char_lm_parameters

    verdict = check_char_lm_parameters(3 * 256 * 256, hidden_dim=256, vocab_size=32)
    assert not verdict and "recurrent weights" in verdict.message


def test_perplexity_names_the_loss_in_bits_and_the_mean_of_one_over_p():
    from softmax_teach.exercises.generation import EXERCISE_PROBABILITIES

    p = np.asarray(EXERCISE_PROBABILITIES, dtype=float)
    bits = -np.log2(p).mean()
    for answer in (bits, round(bits, 3)):
        verdict = check_perplexity(answer)
        assert not verdict and "in bits" in verdict.message, verdict.message
    for answer in ((1 / p).mean(), round((1 / p).mean(), 3)):
        verdict = check_perplexity(answer)
        assert not verdict and "mean(1/p)" in verdict.message, verdict.message
    assert check_perplexity(2**bits) and check_perplexity(10 ** -np.log10(p).mean())  # any base is right


def test_char_lm_parameters_names_one_bias_per_gate_a_missing_embedding_and_head_bias():
    from softmax_teach.exercises.generation import char_lm_parameter_count, check_char_lm_parameters

    right = char_lm_parameter_count(32, 256)
    for answer, words in (
        (right - 3 * 256, "one bias per gate"),
        (right - 32 * 32, "embedding"),
        (right - 32, "head's bias"),
    ):
        verdict = check_char_lm_parameters(answer, hidden_dim=256, vocab_size=32)
        assert not verdict and words in verdict.message, (answer, verdict.message)
    assert "not the count" in check_char_lm_parameters(right + 1, hidden_dim=256, vocab_size=32).message
