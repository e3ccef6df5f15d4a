"""A small text corpus for the character language model, its vocabulary and a train/validation split.

The corpus, ``softmax_rhymes.txt`` (about 8 KB), was written for this project and ships inside
the package: rhymes about softmax, probability and temperature, and a weather diary whose
sentences repeat with variations. Its regular structure lets a small recurrent model learn it
in seconds on a CPU. Nothing here downloads; numpy only (no torch).

The vocabulary is the sorted set of the corpus's characters, so the ids are the same on every
machine and every run. The validation part is the end of the corpus, cut at a blank line so that
no stanza is split between the two parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from softmax_teach import _validation as check

__all__ = [
    "CORPUS_NAME",
    "CharVocabulary",
    "TextSplit",
    "load_corpus",
    "build_vocabulary",
    "split_text",
    "load_text_split",
    "next_character_windows",
]

#: The file name of the shipped corpus inside ``softmax_teach/data``.
CORPUS_NAME = "softmax_rhymes.txt"


def load_corpus(name: str = CORPUS_NAME) -> str:
    """The text of a corpus shipped in ``softmax_teach/data`` (UTF-8, ``\\n`` line ends).

    Parameters
    ----------
    name : str
        File name inside the package's data folder (default: :data:`CORPUS_NAME`).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If no such file ships with the package.
    """
    path = resources.files("softmax_teach.data").joinpath(name)
    if not path.is_file():
        raise ValueError(f"name={name!r} is not a corpus shipped in softmax_teach/data")
    return path.read_text(encoding="utf-8").replace("\r\n", "\n")


@dataclass(frozen=True)
class CharVocabulary:
    """A character vocabulary: ``chars[i]`` is the character with id ``i``.

    Attributes
    ----------
    chars : tuple of str
        The characters, sorted by code point.
    """

    chars: tuple

    def __post_init__(self):
        if not self.chars:
            raise ValueError("chars must hold at least one character, got an empty vocabulary")
        if list(self.chars) != sorted(set(self.chars)) or any(len(c) != 1 for c in self.chars):
            raise ValueError(f"chars must be distinct single characters in sorted order, got {self.chars!r}")
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.chars)})

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """Ids of the characters of ``text`` as an int64 array.

        Raises
        ------
        ValueError
            Naming the first character that is not in the vocabulary.
        """
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        try:
            return np.fromiter((self._index[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as error:
            raise ValueError(f"text contains {error.args[0]!r}, which is not in the vocabulary") from None

    def decode(self, ids) -> str:
        """The text whose character ids are ``ids`` (any integer sequence or array).

        Raises
        ------
        ValueError
            For an id outside ``[0, len(self))``.
        """
        array = np.asarray(ids).ravel()
        if array.size and (array.dtype.kind not in "iu" or array.min() < 0 or array.max() >= len(self)):
            raise ValueError(
                f"ids must be integers in [0, {len(self)}), got values from {array.min()} to {array.max()}"
            )
        return "".join(self.chars[i] for i in array.tolist())


def build_vocabulary(text: str) -> CharVocabulary:
    """The sorted set of the characters of ``text``, as a :class:`CharVocabulary`."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty str, got {text!r:.40}")
    return CharVocabulary(tuple(sorted(set(text))))


def split_text(text: str, validation_fraction: float = 0.1) -> tuple[str, str]:
    """Split ``text`` into a training head and a validation tail, at a blank line.

    The cut is the first blank line at or after ``len(text) * (1 - validation_fraction)``
    (or, if there is none, the last one before it), so the validation part holds whole stanzas.

    Parameters
    ----------
    text : str
    validation_fraction : float
        About this fraction of the characters goes to validation, in (0, 1).

    Returns
    -------
    (train_text, validation_text) : tuple of str
        ``train_text + validation_text == text``.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty str, got {text!r:.40}")
    validation_fraction = check.real_in(validation_fraction, "validation_fraction", 0, 1, low_open=True, high_open=True)
    target = int(round(len(text) * (1 - validation_fraction)))
    cut = text.find("\n\n", target)
    if cut == -1:
        cut = text.rfind("\n\n", 0, target)
    if cut == -1:
        raise ValueError("text has no blank line to split at; pass a text of paragraphs")
    cut += 2  # the blank line stays with the training part
    if cut >= len(text):
        raise ValueError(f"validation_fraction={validation_fraction!r} leaves no validation text")
    return text[:cut], text[cut:]


@dataclass(frozen=True)
class TextSplit:
    """A corpus split for training: the two texts, their ids and the shared vocabulary."""

    train_text: str
    validation_text: str
    vocabulary: CharVocabulary

    @property
    def train_ids(self) -> np.ndarray:
        """The training text encoded as int64 ids."""
        return self.vocabulary.encode(self.train_text)

    @property
    def validation_ids(self) -> np.ndarray:
        """The validation text encoded as int64 ids."""
        return self.vocabulary.encode(self.validation_text)


def load_text_split(name: str = CORPUS_NAME, validation_fraction: float = 0.1) -> TextSplit:
    """Load a shipped corpus and split it (see :func:`split_text`).

    The vocabulary is built from the *whole* corpus, so every validation character has an id
    (a character seen only in validation then simply has a small training count).
    """
    text = load_corpus(name)
    train_text, validation_text = split_text(text, validation_fraction)
    return TextSplit(train_text, validation_text, build_vocabulary(text))


def next_character_windows(ids, length: int, *, stride: int | None = None):
    """Cut ``ids`` into windows for next-character prediction.

    Window ``w`` starts at ``w * stride``: its input is ``ids[s : s + length]`` and its target the
    same span shifted by one, ``ids[s + 1 : s + length + 1]``.

    Parameters
    ----------
    ids : array_like of int, 1-D
    length : int
        Characters per window (>= 1).
    stride : int, optional
        Step between window starts (default ``length``: windows that do not overlap).

    Returns
    -------
    (inputs, targets) : two int64 arrays of shape (n_windows, length)
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise ValueError(f"ids must be a 1-D integer array, got dtype {ids.dtype} and shape {ids.shape}")
    for name, value in (("length", length), ("stride", stride)):
        check.optional(check.positive_int, value, name)
    stride = length if stride is None else stride
    if ids.size < length + 1:
        raise ValueError(f"ids has {ids.size} characters, fewer than length + 1 = {length + 1}")
    starts = np.arange(0, ids.size - length, stride)
    offsets = np.arange(length)
    index = starts[:, None] + offsets[None, :]
    return ids[index].astype(np.int64), ids[index + 1].astype(np.int64)
