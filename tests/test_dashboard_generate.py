"""The Generate tab: the shipped model's next characters, seeded sampling, clear messages (no browser)."""

import math
import subprocess
import sys

import numpy as np
import pytest

from softmax_teach.dashboard.generate import DEFAULT_TEXT, GenerateState, GenerateTab, character_label
from softmax_teach.numerics import sampling_probabilities
from softmax_teach.tiny_lm import load_tiny_lm


def test_the_distribution_is_the_models_after_temperature_and_filters():
    state = GenerateState(temperature=0.7, top_p=0.9)
    expected = sampling_probabilities(load_tiny_lm().next_logits(DEFAULT_TEXT), temperature=0.7, top_p=0.9)
    np.testing.assert_allclose(state.distribution(), expected, rtol=1e-12)
    p, labels, kept = state.shown()
    assert len(labels) == 8 and kept == int((expected > 0).sum())
    assert list(p) == sorted(p, reverse=True) or kept < 8  # best first, cut ones at 0


def test_generation_is_seeded_and_scored():
    first, again, other = GenerateState(seed=3), GenerateState(seed=3), GenerateState(seed=4)
    first.generate(40)
    again.generate(40)
    other.generate(40)
    assert first.text == again.text and len(first.text) == len(DEFAULT_TEXT) + 40
    assert first.text != other.text
    assert len(first.generated_log_probabilities) == 40
    assert first.perplexity == pytest.approx(math.exp(-np.mean(first.generated_log_probabilities)))
    character, probability = first.last_choice
    assert first.text.endswith(character) and 0 < probability <= 1


def test_a_filter_that_keeps_one_character_makes_generation_greedy():
    state = GenerateState(top_k=1)
    state.generate(5)
    assert state.perplexity == pytest.approx(1.0)


def test_text_the_model_cannot_read_gets_a_message_and_changes_nothing():
    tab = GenerateTab()
    tab.text_box.value = "Hello, World"
    assert "&#x27;H&#x27;" in tab.text_message.value and "&#x27;W&#x27;" in tab.text_message.value  # HTML-escaped
    assert tab.state.text == DEFAULT_TEXT
    tab.text_box.value = ""
    assert "at least one character" in tab.text_message.value
    tab.text_box.value = "the sky is "
    assert tab.text_message.value == "" and tab.state.text == "the sky is "


def test_buttons_append_to_the_text_box_and_the_readouts_follow():
    tab = GenerateTab()
    tab.more_button.click()
    assert tab.text_box.value == tab.state.text and len(tab.state.text) == len(DEFAULT_TEXT) + 40
    assert "perplexity of the 40 drawn characters" in tab.readout.value
    tab.next_button.click()
    assert "perplexity of the 41 drawn characters" in tab.readout.value
    assert "last drawn:" in tab.readout.value
    assert tab.status.value == ""
    tab.top_k_slider.value = 3
    assert "3 of 32 characters can be drawn" in tab.readout.value
    assert bytes(tab.image.value).startswith(b"\x89PNG")
    assert "most likely next characters" in tab.figure_view.description


def test_links_round_trip_and_bad_values_are_named():
    state = GenerateState()
    state.set_text("we take a ")
    state.set_temperature(0.5)
    state.set_top_p(0.8)
    items = dict(state.query_items())
    again = GenerateState()
    assert again.apply_query(items) == []
    assert (again.text, again.temperature, again.top_p) == ("we take a ", 0.5, 0.8)
    errors = dict(GenerateState().apply_query({"top_k": "3.7", "text": "ABC", "seed": "1e3"}))
    assert set(errors) == {"top_k", "text", "seed"}


def test_visible_labels_for_space_and_newline():
    assert character_label(" ").startswith("␣") and character_label("\n").startswith("⏎")
    assert character_label("a") == "a"


def test_the_tab_imports_neither_torch_nor_sympy():
    code = (
        "import sys; from softmax_teach.dashboard.generate import GenerateTab; GenerateTab(); "
        "print('torch' in sys.modules, 'sympy' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == [
        "False",
        "False",
    ]
