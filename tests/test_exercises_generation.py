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
