"""Shipped data: the digits split and the sentiment corpus, tokenizer and vocabulary."""

import random
from collections import Counter

import numpy as np
import pytest
import torch

from softmax_teach.data.digits import load_digits_split
from softmax_teach.data.sentiment import (
    LABELS,
    PAD,
    UNK,
    Vocabulary,
    load_sentiment_corpus,
    load_sentiment_split,
    nearest_sentence,
    tokenize,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


def _rows(images):
    return sorted(map(bytes, np.asarray(images).reshape(len(images), -1)))


def test_digits_split_covers_every_image_once(digits):
    from sklearn.datasets import load_digits

    whole = load_digits()
    parts = [digits.train_images, digits.validation_images, digits.test_images]
    assert sum(len(p) for p in parts) == 1797
    assert (len(digits.train_images), len(digits.validation_images), len(digits.test_images)) == (1167, 270, 360)
    together = np.concatenate(parts)
    assert _rows(together) == _rows((whole.images / 16.0).astype(np.float32))
    labels = np.concatenate([digits.train_labels, digits.validation_labels, digits.test_labels])
    assert np.array_equal(np.bincount(labels), np.bincount(whole.target))


def test_digits_split_is_stratified_and_scaled(digits):
    overall = np.bincount(load_digits_split().train_labels, minlength=10) / len(digits.train_labels)
    for labels in (digits.validation_labels, digits.test_labels):
        share = np.bincount(labels, minlength=10) / len(labels)
        assert np.abs(share - overall).max() < 0.01
    assert digits.train_images.dtype == np.float32
    assert digits.train_images.min() == 0.0 and digits.train_images.max() == 1.0


def test_digits_split_is_reproducible_and_depends_on_the_seed(digits):
    again = load_digits_split()
    assert np.array_equal(again.test_images, digits.test_images)
    other = load_digits_split(seed=1)
    assert not np.array_equal(other.test_images, digits.test_images)


def test_digits_preprocess_standardises_with_training_statistics(digits):
    x, y = digits.tensors("train")
    assert x.shape == (1167, 1, 8, 8) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert abs(float(x.mean())) < 1e-5 and abs(float(x.std(unbiased=False)) - 1.0) < 1e-5
    one = digits.preprocess(digits.test_images[0])
    assert one.shape == (1, 1, 8, 8)
    np.testing.assert_allclose(
        one[0, 0].numpy(), (digits.test_images[0] - digits.mean) / digits.std, rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"test_size": 0.0}, "test_size"),
        ({"validation_size": 1}, "validation_size"),
        ({"test_size": 0.5, "validation_size": 0.5}, "below 1"),
    ],
)
def test_digits_bad_sizes(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        load_digits_split(**kwargs)


def test_digits_bad_part_and_shape(digits):
    with pytest.raises(ValueError, match="part"):
        digits.tensors("dev")
    with pytest.raises(ValueError, match="images"):
        digits.preprocess(np.zeros((2, 4, 4)))


def test_sentiment_corpus_is_balanced_distinct_and_non_empty():
    texts, labels = load_sentiment_corpus()
    assert len(texts) == 582
    assert np.array_equal(np.bincount(labels), [291, 291])
    assert len(set(texts)) == len(texts)
    assert all(len(tokenize(t)) >= 3 for t in texts)
    assert LABELS == ("negative", "positive")


def test_tokenize_lowercases_and_drops_punctuation():
    assert tokenize("Great food, AND friendly staff!") == ["great", "food", "and", "friendly", "staff"]
    assert tokenize("It wasn't bad... 10/10") == ["it", "wasn't", "bad", "10", "10"]
    assert tokenize("") == []
    with pytest.raises(ValueError, match="text"):
        tokenize(3)


def test_vocabulary_order_is_by_count_then_alphabetical_and_independent_of_input_order():
    texts, _ = load_sentiment_corpus()
    vocabulary = Vocabulary.build(texts, min_count=2)
    assert vocabulary.itos[:2] == [PAD, UNK] and vocabulary.pad_id == 0 and vocabulary.unk_id == 1
    counts = Counter(token for text in texts for token in tokenize(text))
    expected = sorted((t for t, c in counts.items() if c >= 2), key=lambda t: (-counts[t], t))
    assert vocabulary.itos[2:] == expected
    shuffled = list(texts)
    random.Random(0).shuffle(shuffled)
    assert Vocabulary.build(shuffled, min_count=2).itos == vocabulary.itos


def test_vocabulary_encode_decode_and_padding():
    vocabulary = Vocabulary(["good", "bad", "film"])
    assert vocabulary.encode("Good film, zebra!") == [2, 4, 1]
    assert vocabulary.decode([2, 4, 1, 0, 0]) == ["good", "film", UNK]
    batch = vocabulary.encode_batch(["good film", "bad", ""])
    assert torch.equal(batch, torch.tensor([[2, 4], [3, 0], [0, 0]]))
    assert vocabulary.encode_batch(["good bad film"], max_length=2).tolist() == [[2, 3]]
    assert len(vocabulary) == 5 and "film" in vocabulary and "zebra" not in vocabulary
    with pytest.raises(ValueError, match="texts"):
        vocabulary.encode_batch("good film")
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(["good", "good"])
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary.build(["good"], min_count=0)


def test_sentiment_split_is_stratified_disjoint_and_vocabulary_comes_from_train_only():
    split = load_sentiment_split()
    parts = (split.train_texts, split.validation_texts, split.test_texts)
    assert [len(p) for p in parts] == [377, 88, 117] and sum(len(p) for p in parts) == 582
    assert not set(split.train_texts) & set(split.test_texts)
    assert not set(split.validation_texts) & (set(split.train_texts) | set(split.test_texts))
    assert abs(split.test_labels.mean() - 0.5) < 0.01 and abs(split.validation_labels.mean() - 0.5) < 0.01
    # The test part is split off first: it does not depend on the validation size.
    assert load_sentiment_split(validation_size=0.3).test_texts == split.test_texts
    train_counts = Counter(t for text in split.train_texts for t in tokenize(text))
    assert set(split.vocabulary.itos[2:]) == {t for t, c in train_counts.items() if c >= 2}
    assert load_sentiment_split().test_texts == split.test_texts
    ids, labels = split.tensors("test")
    assert ids.shape[0] == labels.shape[0] == len(split.test_texts) and ids.dtype == torch.int64
    with pytest.raises(ValueError, match="test_size"):
        load_sentiment_split(test_size=1.5)
    with pytest.raises(ValueError, match="below 1"):
        load_sentiment_split(validation_size=0.5, test_size=0.5)
    with pytest.raises(ValueError, match="part"):
        split.tensors("dev")
    assert split.tensors("validation")[0].shape[0] == 88


def test_nearest_sentence_finds_the_most_similar_corpus_sentence():
    corpus = ["The soup was warm.", "The film was dull and long.", "Great soup!"]
    assert nearest_sentence("the SOUP was warm", corpus) == (0, 1.0)
    index, similarity = nearest_sentence("A long dull film.", corpus)
    assert index == 1 and similarity == pytest.approx(3 / 7)
    with pytest.raises(ValueError, match="no words"):
        nearest_sentence("?!", corpus)
