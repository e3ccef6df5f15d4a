"""A small labelled sentiment corpus written for this project, with a tokenizer and a vocabulary.

``sentiment.tsv`` (shipped beside this module) holds 582 short English sentences, 291 positive
and 291 negative, about food, films, books, travel, shops, services, gadgets and everyday life.
They were written for softmax-teach (no text is taken from elsewhere) and are released with it.
Many sentences have a counterpart of the opposite sentiment on the same topic ("The soup was
warm ..." / "The soup was cold ..."), so the topic words carry no signal and a classifier has
to learn the sentiment words.

Token ids: 0 is padding (``<pad>``), 1 is the unknown token (``<unk>``), then the training
tokens by decreasing count, ties broken alphabetically, so the order never depends on a hash
seed or on the order of the sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = [
    "LABELS",
    "PAD",
    "UNK",
    "tokenize",
    "Vocabulary",
    "load_sentiment_corpus",
    "SentimentSplit",
    "load_sentiment_split",
    "nearest_sentence",
]

LABELS = ("negative", "positive")
PAD, UNK = "<pad>", "<unk>"
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-case words (letters, digits, inner apostrophes); punctuation is dropped.

    >>> tokenize("The kids weren't bored at ALL!")
    ['the', 'kids', "weren't", 'bored', 'at', 'all']
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


class Vocabulary:
    """Token <-> id mapping with padding index 0 and unknown index 1.

    Parameters
    ----------
    tokens : sequence of str
        The known tokens in id order, starting from id 2 (``<pad>`` and ``<unk>`` are added).
    """

    pad_id = 0
    unk_id = 1

    def __init__(self, tokens):
        tokens = list(tokens)
        if len(set(tokens)) != len(tokens) or PAD in tokens or UNK in tokens:
            raise ValueError("tokens must be distinct and must not contain <pad> or <unk>")
        self.itos = [PAD, UNK, *tokens]
        self.stoi = {token: index for index, token in enumerate(self.itos)}

    @classmethod
    def build(cls, texts, *, min_count: int = 1) -> Vocabulary:
        """Vocabulary of the tokens seen at least ``min_count`` times in ``texts``.

        Ordered by decreasing count, then alphabetically: deterministic whatever the order of
        ``texts``.
        """
        if not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"min_count must be a positive integer, got {min_count!r}")
        counts = Counter(token for text in texts for token in tokenize(text))
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        return cls(kept)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token) -> bool:
        return token in self.stoi

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; unknown words become ``unk_id`` (1)."""
        return [self.stoi.get(token, self.unk_id) for token in tokenize(text)]

    def decode(self, ids) -> list[str]:
        """Tokens of ``ids``, padding left out."""
        return [self.itos[int(i)] for i in ids if int(i) != self.pad_id]

    def encode_batch(self, texts, *, max_length: int | None = None):
        """A ``(batch, length)`` int64 torch tensor of ids, right-padded with 0.

        ``length`` is the longest sentence (at least 1), or ``max_length``, which truncates.
        """
        import torch

        if isinstance(texts, str):
            raise ValueError("texts must be a sequence of sentences, got a single str")
        encoded = [self.encode(text) for text in texts]
        if max_length is not None:
            if not isinstance(max_length, int) or max_length < 1:
                raise ValueError(f"max_length must be a positive integer, got {max_length!r}")
            encoded = [ids[:max_length] for ids in encoded]
        length = max([len(ids) for ids in encoded] + [1])
        batch = torch.full((len(encoded), length), self.pad_id, dtype=torch.int64)
        for row, ids in enumerate(encoded):
            batch[row, : len(ids)] = torch.tensor(ids, dtype=torch.int64)
        return batch


def load_sentiment_corpus():
    """All sentences of the shipped corpus and their labels (0 negative, 1 positive).

    Returns
    -------
    texts : list of str
    labels : ndarray of int64
    """
    source = resources.files("softmax_teach.data").joinpath("sentiment.tsv").read_text(encoding="utf-8")
    lines = source.splitlines()
    if lines[0].split("\t") != ["label", "text"]:
        raise ValueError(f"sentiment.tsv must start with the header 'label<TAB>text', got {lines[0]!r}")
    texts, labels = [], []
    for number, line in enumerate(lines[1:], start=2):
        label, _, text = line.partition("\t")
        if label not in LABELS or not text.strip():
            raise ValueError(f"sentiment.tsv line {number} is not '<negative|positive><TAB><text>': {line!r}")
        texts.append(text)
        labels.append(LABELS.index(label))
    return texts, np.array(labels, dtype=np.int64)


@dataclass(frozen=True)
class SentimentSplit:
    """Train, validation and test sentences and labels, and the vocabulary of the training part.

    The validation part is for choices made while training (how many epochs, which penalty);
    the test part is looked at once, to report.
    """

    train_texts: list
    train_labels: np.ndarray
    validation_texts: list
    validation_labels: np.ndarray
    test_texts: list
    test_labels: np.ndarray
    vocabulary: Vocabulary

    def tensors(self, part: str):
        """``(token ids, labels)`` of ``part`` ("train", "validation" or "test") as torch tensors."""
        import torch

        if part not in ("train", "validation", "test"):
            raise ValueError(f"part must be 'train', 'validation' or 'test', got {part!r}")
        texts, labels = getattr(self, f"{part}_texts"), getattr(self, f"{part}_labels")
        return self.vocabulary.encode_batch(texts), torch.from_numpy(labels)


def load_sentiment_split(
    *, validation_size: float = 0.15, test_size: float = 0.2, seed: int = 0, min_count: int = 2
) -> SentimentSplit:
    """Split the corpus three ways, stratified by label and fixed by ``seed``; build the vocabulary on train.

    ``validation_size`` and ``test_size`` are fractions of the whole corpus. The test part is split
    off first, so it does not depend on ``validation_size``. Building the vocabulary on the
    training sentences only keeps validation and test honest: a word seen only there is
    ``<unk>`` to the model, as a new word would be. ``min_count=2`` also maps words seen once in
    training to ``<unk>``: with a few hundred sentences, a word seen once is more noise than signal.

    Examples
    --------
    >>> split = load_sentiment_split()
    >>> len(split.train_texts), len(split.validation_texts), len(split.test_texts)
    (377, 88, 117)
    """
    from sklearn.model_selection import train_test_split

    for name, value in (("validation_size", validation_size), ("test_size", test_size)):
        if not (isinstance(value, float) and 0.0 < value < 1.0):
            raise ValueError(f"{name} must be a float in (0, 1), got {value!r}")
    if validation_size + test_size >= 1.0:
        raise ValueError(f"validation_size + test_size must be below 1, got {validation_size + test_size!r}")
    texts, labels = load_sentiment_corpus()
    rest_texts, test_texts, rest_labels, test_labels = train_test_split(
        texts, labels, test_size=test_size, stratify=labels, random_state=seed
    )
    # The validation fraction is of the whole corpus, so rescale it to the remainder.
    train_texts, validation_texts, train_labels, validation_labels = train_test_split(
        rest_texts, rest_labels, test_size=validation_size / (1.0 - test_size), stratify=rest_labels, random_state=seed
    )
    return SentimentSplit(
        train_texts=list(train_texts),
        train_labels=train_labels,
        validation_texts=list(validation_texts),
        validation_labels=validation_labels,
        test_texts=list(test_texts),
        test_labels=test_labels,
        vocabulary=Vocabulary.build(train_texts, min_count=min_count),
    )


def nearest_sentence(text: str, corpus) -> tuple[int, float]:
    """The corpus sentence that shares the most words with ``text``, and how many.

    Similarity is the Jaccard index of the two sets of tokens, |A ∩ B| / |A ∪ B|: 1 for the same
    words in any order, 0 for no word in common. Ties go to the first sentence.

    Returns
    -------
    (index, similarity) : (int, float)

    Examples
    --------
    >>> nearest_sentence("The soup was cold.", ["A warm soup.", "The soup was cold!", "Cold."])
    (1, 1.0)
    """
    words = set(tokenize(text))
    if not words:
        raise ValueError(f"text has no words: {text!r}")
    best, best_similarity = -1, -1.0
    for index, other in enumerate(corpus):
        other_words = set(tokenize(other))
        similarity = len(words & other_words) / len(words | other_words)
        if similarity > best_similarity:
            best, best_similarity = index, similarity
    if best < 0:
        raise ValueError("corpus is empty")
    return best, best_similarity
