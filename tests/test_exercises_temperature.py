"""The notebook-10 checks run the learner's code on the hard cases and name each usual mistake."""

import numpy as np
import pytest
import torch

from softmax_teach.exercises.temperature import (
    _strict_nucleus,
    check_min_p,
    check_temperature_for_max_probability,
    check_temperature_softmax,
    check_top_p,
)


def torch_temperature_softmax(logits, temperature):
    return torch.softmax(torch.tensor(logits) / temperature, dim=-1).numpy()


def deck_version(x, temperature=1.0):
    exp_x = np.exp(x / temperature)
    return exp_x / exp_x.sum()


def test_a_correct_function_passes():
    verdict = check_temperature_softmax(torch_temperature_softmax)
    assert verdict and "all 5 cases" in verdict.message


def test_the_decks_version_is_told_about_overflow_with_numpys_message():
    verdict = check_temperature_softmax(deck_version)
    assert not verdict
    assert "T=0.001" in verdict.message and "Subtract the max" in verdict.message
    assert "overflow encountered in exp" in verdict.message


def test_other_mistakes_are_named():
    def multiplied(x, temperature):
        z = x * temperature
        e = np.exp(z - z.max())
        return e / e.sum()

    def unnormalised(x, temperature):
        z = x / temperature
        return np.exp(z - z.max())

    def raises(x, temperature):
        raise KeyError("oops")

    assert "softmax(x * T)" in check_temperature_softmax(multiplied).message
    assert "sum to" in check_temperature_softmax(unnormalised).message
    assert "raised KeyError" in check_temperature_softmax(raises).message
    assert "returned shape ()" in check_temperature_softmax(lambda x, t: 1.0).message
    with pytest.raises(ValueError, match="function must be callable"):
        check_temperature_softmax([1, 2])


def torch_top_p(logits, top_p, temperature=1.0):
    # An independent nucleus filter (as in Hugging Face's TopPLogitsWarper): sort ascending, cut the
    # classes whose cumulative mass is at most 1 - top_p.
    z = torch.tensor(logits, dtype=torch.float64) / temperature
    sorted_logits, order = torch.sort(z, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove_sorted = cumulative <= (1 - top_p)
    remove = remove_sorted.scatter(0, order, remove_sorted)
    return torch.softmax(z.masked_fill(remove, -float("inf")), dim=-1).numpy()


LOGITS = np.array([2.0, 1.0, 0.1, -0.5, 0.7])


@pytest.mark.parametrize("top_p, temperature", [(0.5, 1.0), (0.8, 1.0), (0.9, 0.7), (1.0, 2.0)])
def test_top_p_from_an_independent_implementation_passes(top_p, temperature):
    assert check_top_p(torch_top_p(LOGITS, top_p, temperature), LOGITS, top_p, temperature=temperature)


def test_top_p_mistakes_are_named():
    p = torch_temperature_softmax(LOGITS, 1.0)
    right = torch_top_p(LOGITS, 0.8)
    unrenormalised = np.where(right > 0, p, 0.0)
    assert "did not renormalise" in check_top_p(unrenormalised, LOGITS, 0.8).message
    # 0.8: the sorted cumulative mass is 0.48, 0.66, 0.80..., so a strict "<= 0.8" cut drops one.
    order = np.argsort(-p)
    cumulative = np.cumsum(p[order])
    keep = np.zeros(5, bool)
    keep[order[cumulative <= 0.75]] = True
    strict = np.where(keep, p, 0) / p[keep].sum()
    assert "dropped the class" in check_top_p(strict, LOGITS, 0.75).message
    assert "forgot the temperature" in check_top_p(torch_top_p(LOGITS, 0.9), LOGITS, 0.9, temperature=0.7).message
    assert "do not sum to 1" in check_top_p(right * 0.5 + np.array([0, 0, 0, 0, 0.01]), LOGITS, 0.8).message


def test_temperature_for_max_probability():
    logits = [2.0, 1.0, 0.1]
    # Bisection with torch: the top probability falls as T grows.
    low, high = 1e-3, 100.0
    for _ in range(60):
        middle = (low + high) / 2
        top = torch.softmax(torch.tensor(logits) / middle, dim=0).max().item()
        low, high = (middle, high) if top > 0.9 else (low, middle)
    assert check_temperature_for_max_probability(middle, logits, 0.9)
    assert "raise T" in check_temperature_for_max_probability(0.1, logits, 0.9).message
    assert "lower T" in check_temperature_for_max_probability(5.0, logits, 0.9).message
    assert "above 0" in check_temperature_for_max_probability(-1.0, logits, 0.9).message
    assert "should be a number" in check_temperature_for_max_probability("hot", logits, 0.9).message
    with pytest.raises(ValueError, match="target must be a number between 1/3 and 1"):
        check_temperature_for_max_probability(1.0, logits, 0.2)
    with pytest.raises(ValueError, match="single largest value"):
        check_temperature_for_max_probability(1.0, [1.0, 1.0], 0.6)


def test_a_temperature_left_out_or_a_rounded_result_is_named():
    def untempered(x, temperature):
        return torch_temperature_softmax(x, 1.0)

    def rounded(x, temperature):
        return np.round(torch_temperature_softmax(x, temperature), 4)

    assert "left out the temperature" in check_temperature_softmax(untempered).message
    message = check_temperature_softmax(rounded).message
    assert "about 4 decimals" in message and "unrounded" in message
    # float32 is exact to the 6 significant figures the check compares.
    assert check_temperature_softmax(lambda x, t: torch_temperature_softmax(x, t).astype(np.float32))


def test_a_nucleus_in_sorted_order_fails_on_the_shuffled_case():
    def sorted_nucleus(logits, top_p):
        return np.sort(torch_top_p(logits, top_p))[::-1]

    assert check_top_p(lambda logits, top_p: torch_top_p(logits, top_p))
    verdict = check_top_p(sorted_nucleus)
    assert not verdict and "sorted order" in verdict.message


def test_a_nucleus_walked_in_the_wrong_order_is_named():
    """Review of NB10 exercise 2: ascending argsort and a cumsum without sorting got only a generic message."""

    def walked(order_of):
        def nucleus(logits, top_p):
            p = torch_temperature_softmax(logits, 1.0)
            order = order_of(p)
            keep = np.zeros(len(p), dtype=bool)
            keep[order[(np.cumsum(p[order]) - p[order]) < top_p]] = True
            return np.where(keep, p, 0.0) / p[keep].sum()

        return nucleus

    ascending = check_top_p(walked(np.argsort))
    assert not ascending and "ascending order" in ascending.message and "np.argsort(-p)" in ascending.message
    unsorted = check_top_p(walked(lambda p: np.arange(len(p))))
    assert not unsorted and "without sorting" in unsorted.message
    # typed in at the printed 4 decimals, still the same slip
    rounded = check_top_p(lambda logits, top_p: np.round(walked(np.argsort)(logits, top_p), 4))
    assert "ascending order" in rounded.message


def test_a_nucleus_rounded_to_the_printed_precision_passes_and_coarser_is_called_rounded():
    """Issue 19, NB10 exercise 2: a right nucleus rounded to 4 decimals was told it does not sum to 1."""
    assert check_top_p(lambda logits, top_p: np.round(torch_top_p(logits, top_p), 4))
    message = check_top_p(lambda logits, top_p: np.round(torch_top_p(logits, top_p), 2)).message
    assert "right only to 2 decimals" in message and "sum to 1" not in message
    # A slip copied at 4 decimals is still that slip, not "rounding".
    strict = check_top_p(
        lambda logits, top_p: np.round(_strict_nucleus(torch_temperature_softmax(logits, 1.0), top_p), 4)
    )
    assert "dropped the class" in strict.message


def torch_min_p(logits, temperature, min_p):
    p = torch.softmax(torch.tensor(logits) / temperature, dim=-1)
    kept = torch.where(p >= min_p * p.max(), p, torch.zeros_like(p))
    return (kept / kept.sum()).numpy()


def test_min_p_from_an_independent_implementation_passes_also_rounded_to_4_decimals():
    assert check_min_p(torch_min_p)
    assert check_min_p(lambda *args: np.round(torch_min_p(*args), 4))
    message = check_min_p(lambda *args: np.round(torch_min_p(*args), 3)).message
    assert "right only to 3 decimals" in message


def test_min_p_mistakes_are_named():
    def absolute(logits, temperature, min_p):
        p = torch_temperature_softmax(logits, temperature)
        kept = np.where(p >= min_p, p, 0.0)
        return kept / kept.sum()

    def filter_first(logits, temperature, min_p):
        survivors = torch_min_p(logits, 1.0, min_p) > 0
        return torch_temperature_softmax(np.where(survivors, logits, -np.inf), temperature)

    def unrenormalised(logits, temperature, min_p):
        p = torch_temperature_softmax(logits, temperature)
        return np.where(p >= min_p * p.max(), p, 0.0)

    assert "is relative" in check_min_p(absolute).message
    assert "cut at T = 1" in check_min_p(filter_first).message
    assert "did not renormalise" in check_min_p(unrenormalised).message
    assert "divide the logits by T=2 first" in check_min_p(lambda x, t, m: torch_min_p(x, 1.0, m)).message
    assert "sorted order" in check_min_p(lambda *args: np.sort(torch_min_p(*args))[::-1]).message
    assert "no parentheses" in check_min_p(3).message
    assert "raised ZeroDivisionError" in check_min_p(lambda *args: 1 / 0).message
