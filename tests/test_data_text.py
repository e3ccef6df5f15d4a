"""softmax_teach.data.text: the shipped corpus, its vocabulary, the split and the windows."""

import numpy as np
import pytest

from softmax_teach.data.text import (
    CORPUS_NAME,
    CharVocabulary,
    build_vocabulary,
    load_corpus,
    load_text_split,
    next_character_windows,
    split_text,
)


def test_the_corpus_ships_as_package_data_and_is_small_plain_text():
    from importlib import resources

    text = load_corpus()
    assert resources.files("softmax_teach.data").joinpath(CORPUS_NAME).is_file()
    assert 5_000 <= len(text.encode("utf-8")) <= 20_000
    assert text.isascii() and "\r" not in text
    assert text.count("\n\n") >= 20  # stanzas, so the split can cut between them


def test_vocabulary_is_the_sorted_set_of_characters_and_round_trips():
    text = load_corpus()
    vocabulary = build_vocabulary(text)
    assert vocabulary.chars == tuple(sorted(set(text)))
    ids = vocabulary.encode(text)
    assert ids.dtype == np.int64 and vocabulary.decode(ids) == text
    # The same ids as numpy's own sorted-unique encoding (an independent reference).
    codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    _, inverse = np.unique(codes, return_inverse=True)
    np.testing.assert_array_equal(ids, inverse)


def test_vocabulary_rejects_unknown_characters_and_ids():
    vocabulary = build_vocabulary("abc")
    with pytest.raises(ValueError, match="'z'"):
        vocabulary.encode("abz")
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        vocabulary.decode([0, 3])
    with pytest.raises(ValueError, match="sorted"):
        CharVocabulary(("b", "a"))
    with pytest.raises(ValueError, match="text"):
        build_vocabulary("")


def test_split_cuts_at_a_blank_line_and_keeps_every_character():
    text = load_corpus()
    train, validation = split_text(text, 0.1)
    assert train + validation == text
    assert train.endswith("\n\n") and not validation.startswith("\n")
    assert 0.05 < len(validation) / len(text) < 0.15
    with pytest.raises(ValueError, match="validation_fraction"):
        split_text(text, 1.5)
    with pytest.raises(ValueError, match="blank line"):
        split_text("no paragraphs here", 0.5)


def test_load_text_split_is_deterministic_and_uses_one_vocabulary():
    first, second = load_text_split(), load_text_split()
    assert first == second
    assert first.vocabulary == build_vocabulary(load_corpus())
    assert first.vocabulary.decode(first.validation_ids) == first.validation_text
    with pytest.raises(ValueError, match="name"):
        load_text_split("missing.txt")


def test_next_character_windows_shift_the_target_by_one():
    ids = np.arange(20)
    inputs, targets = next_character_windows(ids, 6)
    np.testing.assert_array_equal(inputs[:, 0], [0, 6, 12])
    np.testing.assert_array_equal(targets, inputs + 1)
    overlapping, _ = next_character_windows(ids, 6, stride=2)
    assert overlapping.shape == (7, 6)
    with pytest.raises(ValueError, match="length"):
        next_character_windows(ids, 0)
    with pytest.raises(ValueError, match="fewer"):
        next_character_windows(ids, 20)
