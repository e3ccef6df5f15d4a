"""The Explorer tabs' Python state, without a browser: traits, validation and read-only values."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest
import traitlets

from softmax_teach import numerics
from softmax_teach.explorer import (
    AttentionTab,
    CrossEntropyTab,
    GenerateTab,
    SamplingTab,
    TemperatureTab,
    charlm,
    parsing,
    prng,
)
from softmax_teach.explorer._checks import InvalidSetting


def refused(tab, name, value, message):
    """Setting ``name`` to ``value`` raises ``message`` (as a ValueError and a TraitError) and changes nothing."""
    before = getattr(tab, name)
    with pytest.raises(ValueError, match=message) as caught:
        setattr(tab, name, value)
    assert isinstance(caught.value, traitlets.TraitError)
    assert getattr(tab, name) == before


# --------------------------------------------------------------------------- temperature


def test_temperature_tab_probabilities_and_summary_follow_the_traits():
    tab = TemperatureTab(logits=[2.0, 1.0, 0.1])
    tab.temperature = 0.5
    x = np.array([2.0, 1.0, 0.1]) / 0.5
    expected = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    np.testing.assert_allclose(tab.probabilities, expected, rtol=1e-15)
    summary = tab.summary
    assert summary.entropy_nats == pytest.approx(-(expected * np.log(expected)).sum(), rel=1e-14)
    assert summary.entropy_bits == pytest.approx(summary.entropy_nats / math.log(2), rel=1e-14)
    assert summary.perplexity == pytest.approx(math.exp(summary.entropy_nats), rel=1e-14)
    assert (summary.max_probability, summary.arg_max) == (expected.max(), 0)
    tab.logits = [0, 5, 5, -1]
    assert tab.summary.arg_max == 1  # the first of tied maxima, as numpy
    assert tab.logits == [0.0, 5.0, 5.0, -1.0] and all(type(v) is float for v in tab.logits)


@pytest.mark.parametrize(
    "logits, probabilities",
    [
        ([1000.0, 2000.0, 3000.0], [math.nan] * 3),  # exp overflows: inf / inf
        ([709.0, 709.0, 709.0], [0.0] * 3),  # each exp finite, their sum is not
        ([709.5, 709.5], [0.0] * 2),
    ],
)
def test_the_slides_formula_reports_overflow_instead_of_raising(logits, probabilities):
    tab = TemperatureTab(logits=logits, stable=False)
    np.testing.assert_array_equal(tab.probabilities, probabilities)
    assert tab.overflowed is True
    summary = tab.summary  # TemperatureState.summary() raised "each row of p must sum to 1" here
    assert math.isnan(summary.entropy_nats) and math.isnan(summary.perplexity) and summary.arg_max == -1
    tab.stable = True
    assert tab.overflowed is False and tab.summary.arg_max == int(np.argmax(logits))
    np.testing.assert_allclose(tab.probabilities.sum(), 1.0)


def test_the_slides_formula_without_overflow_and_with_underflow():
    tab = TemperatureTab(logits=[2.0, 1.0, 0.1], stable=False)
    np.testing.assert_allclose(tab.probabilities, numerics.softmax([2.0, 1.0, 0.1]), rtol=1e-15)
    assert tab.overflowed is False and tab.summary.arg_max == 0
    tab.logits = [-800.0, -900.0]  # every exp underflows: 0 / 0
    assert np.isnan(tab.probabilities).all() and tab.overflowed is False and tab.summary.arg_max == -1


def test_temperature_tab_refuses_bad_settings():
    tab = TemperatureTab()
    refused(tab, "temperature", 0, r"temperature must be a number from 0\.01 to 100, got 0")
    refused(tab, "temperature", 100.5, "from 0.01 to 100")
    refused(tab, "temperature", True, "temperature must be a number, got True")
    refused(tab, "temperature", math.nan, "temperature must be a finite number")
    refused(tab, "logits", [1.0], "logits must hold 2 to 8 numbers, got 1")
    refused(tab, "logits", list(range(9)), "got 9")
    refused(tab, "logits", [1.0, math.inf], "each logit must be a finite number")
    refused(tab, "logits", [1.0, True], "each logit must be a finite number, got True")
    refused(tab, "logits", [1.0, 10001.0], r"between -10000 and 10000")
    tab.temperature = np.float32(0.5)  # numpy numbers are numbers
    assert tab.temperature == 0.5 and type(tab.temperature) is float


def test_reset_and_randomise():
    tab = TemperatureTab(logits=[3.0, 1.0], temperature=2.0)
    tab.logits, tab.temperature, tab.stable = [1.0, 2.0, 3.0], 0.5, False
    tab.randomise(seed=7)
    assert tab.logits == prng.random_logits(3, 7)
    assert all(round(v, 1) == v for v in tab.logits) and len(set(prng.random_logits(8, 1))) > 3
    tab.reset()
    assert (tab.logits, tab.temperature, tab.stable) == ([3.0, 1.0], 2.0, True)


# --------------------------------------------------------------------------- sampling


def test_sampling_tab_equals_numerics_and_draws_like_the_page():
    tab = SamplingTab(temperature=0.7, top_k=4, top_p=0.9, min_p=0.1, draws=500, seed=3)
    expected = numerics.sampling_probabilities(tab.logits, temperature=0.7, top_k=4, top_p=0.9, min_p=0.1)
    np.testing.assert_array_equal(tab.probabilities, expected)
    np.testing.assert_array_equal(tab.unfiltered, numerics.softmax(np.array(tab.logits), temperature=0.7))
    assert tab.cut_by() == {"top-k": [4, 5], "top-p": [3], "min-p": []}
    np.testing.assert_array_equal(tab.drawn, prng.draw(expected, 500, 3))
    shares = np.bincount(tab.drawn, minlength=6) / 500
    np.testing.assert_array_equal(tab.frequencies, shares)
    assert tab.total_variation == pytest.approx(0.5 * np.abs(shares - expected).sum())
    assert set(tab.drawn.tolist()) <= {0, 1, 2}  # cut tokens are never drawn


def test_sampling_tab_neutral_values_switch_filters_off():
    tab = SamplingTab(top_k=0, top_p=1.0, min_p=0.0)
    assert tab.filters == {"top_k": None, "top_p": None, "min_p": None}
    np.testing.assert_array_equal(tab.probabilities, tab.unfiltered)
    tab.logits = [1.0, 1.0]
    assert tab.token_names == ["the", "a"]
    tab.labels = ["x"]
    assert tab.token_names == ["x", "1"]


def test_sampling_tab_refuses_bad_settings():
    tab = SamplingTab()
    refused(tab, "top_k", -1, r"top_k \(0: off\) must be a whole number from 0 to 8, got -1")
    refused(tab, "top_k", 2.5, "top_k must be an integer, got 2.5")
    refused(tab, "top_p", 0.0, r"top_p \(1: off\) must be a number from 0\.01 to 1")
    refused(tab, "min_p", 1.5, r"min_p \(0: off\) must be a number from 0 to 1")
    refused(tab, "draws", 5, "draws must be a whole number from 10 to 2000")
    refused(tab, "seed", 2**32, "seed must be a whole number from 0 to 4294967295")
    refused(tab, "labels", ["a"] * 9, "labels must be at most 8 names")


# --------------------------------------------------------------------------- cross-entropy


def test_cross_entropy_tab_loss_target_and_gradient():
    tab = CrossEntropyTab(logits=[2.0, 1.0, 0.1], true_class=1, label_smoothing=0.2)
    p = numerics.softmax([2.0, 1.0, 0.1])
    y = np.array([0.2 / 3, 0.8 + 0.2 / 3, 0.2 / 3])
    np.testing.assert_allclose(tab.target, y, rtol=1e-15)
    assert tab.loss == pytest.approx(-(y * np.log(p)).sum(), rel=1e-14)
    np.testing.assert_allclose(tab.gradient, p - y, rtol=1e-14)
    assert tab.minimum_loss == pytest.approx(-(y * np.log(y)).sum(), rel=1e-14)
    tab.logits = [5.0, 1.0]
    assert tab.true_class == 1
    tab.true_class = 1
    tab.logits = [0.0, 0.0, 0.0]
    tab.true_class = 2
    tab.logits = [1.0, 2.0]  # the true class moves to the last class that exists
    assert tab.true_class == 1


def test_cross_entropy_tab_refuses_bad_settings():
    tab = CrossEntropyTab()
    refused(tab, "true_class", 3, "true_class must be a whole number from 0 to 2, got 3")
    refused(tab, "true_class", True, "true_class must be an integer, got True")
    refused(tab, "label_smoothing", -0.1, "label_smoothing must be a number from 0 to 1")


# --------------------------------------------------------------------------- attention


@pytest.mark.parametrize("scaled", [True, False])
@pytest.mark.parametrize("causal", [True, False])
def test_attention_tab_weights(scaled, causal):
    tab = AttentionTab(d=64, scaled=scaled, causal=causal, seed=5)
    queries, keys = (np.array(m) for m in prng.queries_and_keys(6, 64, 5))
    scores = queries @ keys.T / (8.0 if scaled else 1.0)
    if causal:
        scores = np.where(np.tril(np.ones((6, 6), dtype=bool)), scores, -np.inf)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    np.testing.assert_allclose(tab.weights, e / e.sum(axis=1, keepdims=True), rtol=1e-12, atol=1e-15)
    assert (tab.weights[np.triu_indices(6, 1)] == 0).all() == causal
    np.testing.assert_allclose(tab.row_entropy_bits, numerics.entropy(tab.weights, axis=-1, base=2))


def test_attention_without_the_scale_saturates():
    entropy = {s: AttentionTab(d=512, scaled=s, seed=0).row_entropy_bits.mean() for s in (True, False)}
    assert entropy[False] < 0.5 < entropy[True]


def test_attention_tab_refuses_bad_settings():
    tab = AttentionTab()
    refused(tab, "d", 3, "d must be one of 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, got 3")
    refused(tab, "d", 1024, "d must be a whole number from 1 to 512")
    refused(tab, "tokens", [], "tokens must be 1 to 12 non-blank names")
    refused(tab, "seed", -1, "seed must be a whole number")


# --------------------------------------------------------------------------- generate


def test_generate_tab_distribution_and_draws():
    from softmax_teach.tiny_lm import load_tiny_lm

    model = load_tiny_lm()
    tab = GenerateTab(text="the chance of ", temperature=0.8, top_k=5, seed=11)
    expected = numerics.sampling_probabilities(model.next_logits("the chance of "), temperature=0.8, top_k=5)
    np.testing.assert_array_equal(tab.probabilities, expected)
    assert tab.perplexity is None
    (index,) = prng.draw(expected, 1, 11, len("the chance of "))
    assert tab.next_character() == model.vocabulary.chars[index]
    assert tab.last_choice == (model.vocabulary.chars[index], expected[index])
    drawn = tab.generate(9)
    assert len(drawn) == 9 and tab.text == "the chance of " + model.vocabulary.chars[index] + drawn
    assert len(tab.generated_log_probabilities) == 10 and tab.perplexity >= 1
    tab.text = "the sky"  # typing forgets the draws
    assert tab.perplexity is None and tab.last_choice is None
    tab.text = "a" * 500
    assert tab.text == "a" * 400  # the model reads the last 400 characters


def test_generate_tab_refuses_text_the_model_cannot_read():
    tab = GenerateTab()
    refused(tab, "text", "", "type at least one character")
    refused(tab, "text", "Hello!", r"the model does not know '!', 'H': it knows lowercase letters")
    refused(tab, "top_k", 41, "top_k \\(0: off\\) must be a whole number from 0 to 40")
    with pytest.raises(traitlets.TraitError):
        tab.weights = b""  # read-only: the shipped model


def test_shipped_weights_equal_the_npz():
    data = charlm.weights_bytes()
    assert len(data) <= 200 * 1024
    vocabulary, weights = charlm.unpack_weights(data)
    with resources.as_file(resources.files("softmax_teach.data") / "tiny_lm.npz") as path, np.load(path) as npz:
        assert vocabulary == str(npz["vocabulary"])
        for name in charlm.PARAMETERS:
            assert weights[name].dtype == np.float32
            np.testing.assert_array_equal(weights[name], npz[name])
    assert charlm.pack_weights(vocabulary, weights) == data  # the conversion is reproducible
    assert GenerateTab().weights == data


# --------------------------------------------------------------------------- parsing, PRNG, imports


def test_parsers_say_why():
    assert parsing.parse_logits(" [2 1 0.1] ") == (2.0, 1.0, 0.1)
    for text, message in [
        ("", "Type at least 2 numbers"),
        ("2, x", "'x' is not a number"),
        ("2, inf", "'inf' is not a finite number"),
        ("1_000, 2", "'1_000' is not a number"),
        ("2, 20000", "'20000' is out of range"),
    ]:
        with pytest.raises(ValueError, match=message):
            parsing.parse_logits(text)
    assert parsing.parse_temperature(" 0.5 ") == 0.5
    assert parsing.parse_fraction("top_p", "0.90", 0.01, 1) == 0.9
    with pytest.raises(ValueError, match="at most 2 decimals"):
        parsing.parse_fraction("top_p", "0.905", 0.01, 1)
    assert parsing.parse_query("??tab=sampling&T=0.7&x") == {"tab": "sampling", "T": "0.7", "x": ""}


def test_prng_is_uniform_and_streams_differ():
    random = prng.Random(0)
    values = np.array([random() for _ in range(20000)])
    assert values.min() >= 0 and values.max() < 1 and abs(values.mean() - 0.5) < 0.01
    assert prng.draw([0.5, 0.5], 20, 1) != prng.draw([0.5, 0.5], 20, 1, stream=1)
    assert prng.draw([0.5, 0.5], 20, 1) == prng.draw([0.5, 0.5], 20, 1)


def test_importing_the_explorer_loads_no_plotting_or_training_stack():
    code = (
        "import sys, json, softmax_teach.explorer as e; "
        "[tab() for tab in (e.TemperatureTab, e.SamplingTab, e.CrossEntropyTab, e.AttentionTab)]; "
        "g = e.GenerateTab(); g.probabilities; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout))
    assert not loaded & {"matplotlib", "torch", "sympy", "voila", "jupyter_server", "scipy", "pandas"}
    assert {"numpy", "traitlets", "ipywidgets", "anywidget"} <= loaded


def test_invalid_setting_is_both_error_kinds():
    assert issubclass(InvalidSetting, ValueError) and issubclass(InvalidSetting, traitlets.TraitError)
