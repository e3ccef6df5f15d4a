"""A trained character language model that runs in plain numpy, for the dashboard's Generate tab.

The model is notebook 14's :class:`softmax_teach.models.language.CharLM` (an embedding, one GRU
layer and a linear head that returns logits), trained by ``scripts/train_tiny_lm.py`` on the
shipped corpus with a fixed seed. Its weights ship as ``data/tiny_lm.npz`` (float32), so the
dashboard can show a real model's next-character distribution without importing torch.

The GRU step follows PyTorch's ``nn.GRU`` exactly (gates in the order reset, update, new)::

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h = (1 - z) * n + z * h

so the logits equal the torch model's for the same weights (``tests/test_tiny_lm.py``).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from importlib import resources

import numpy as np

from softmax_teach.data.text import CharVocabulary

__all__ = ["TinyLM", "load_tiny_lm", "WEIGHTS_FILE"]

WEIGHTS_FILE = "tiny_lm.npz"
#: The arrays a weights file holds, with PyTorch's ``state_dict`` names.
PARAMETERS = (
    "embedding.weight",
    "rnn.weight_ih_l0",
    "rnn.weight_hh_l0",
    "rnn.bias_ih_l0",
    "rnn.bias_hh_l0",
    "fc.weight",
    "fc.bias",
)


def _sigmoid(x):
    # exp(-|x|) never overflows; the two branches agree where both are defined.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@dataclass(frozen=True)
class TinyLM:
    """A one-layer GRU character model evaluated with numpy.

    Attributes
    ----------
    vocabulary : softmax_teach.data.text.CharVocabulary
    weights : dict of str to ndarray
        The PyTorch ``state_dict`` of a ``CharLM`` with one GRU layer, as float32 arrays.
    """

    vocabulary: CharVocabulary
    weights: dict

    def __post_init__(self):
        missing = [name for name in PARAMETERS if name not in self.weights]
        if missing:
            raise ValueError(f"weights lack {missing}")
        vocab, embedding = self.weights["embedding.weight"].shape
        hidden = self.weights["rnn.weight_hh_l0"].shape[1]
        expected = {
            "embedding.weight": (len(self.vocabulary), embedding),
            "rnn.weight_ih_l0": (3 * hidden, embedding),
            "rnn.weight_hh_l0": (3 * hidden, hidden),
            "rnn.bias_ih_l0": (3 * hidden,),
            "rnn.bias_hh_l0": (3 * hidden,),
            "fc.weight": (len(self.vocabulary), hidden),
            "fc.bias": (len(self.vocabulary),),
        }
        wrong = {
            name: self.weights[name].shape for name, shape in expected.items() if self.weights[name].shape != shape
        }
        if wrong:
            raise ValueError(f"weights of the wrong shape for {len(self.vocabulary)} characters: {wrong}")

    @property
    def hidden_dim(self) -> int:
        return int(self.weights["rnn.weight_hh_l0"].shape[1])

    def initial_state(self) -> np.ndarray:
        """The zero state the model starts every text from, shape ``(hidden_dim,)``."""
        return np.zeros(self.hidden_dim, dtype=np.float32)

    def step(self, character_id: int, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Read one character: the logits for the next one, shape ``(vocab,)``, and the new state."""
        w = self.weights
        x = w["embedding.weight"][character_id]
        gates_x = w["rnn.weight_ih_l0"] @ x + w["rnn.bias_ih_l0"]
        gates_h = w["rnn.weight_hh_l0"] @ state + w["rnn.bias_hh_l0"]
        h = self.hidden_dim
        reset = _sigmoid(gates_x[:h] + gates_h[:h])
        update = _sigmoid(gates_x[h : 2 * h] + gates_h[h : 2 * h])
        candidate = np.tanh(gates_x[2 * h :] + reset * gates_h[2 * h :])
        state = (1.0 - update) * candidate + update * state
        return w["fc.weight"] @ state + w["fc.bias"], state.astype(np.float32)

    def logits(self, text: str) -> np.ndarray:
        """Logits after each character of ``text``, shape ``(len(text), vocab)``: row ``t`` scores character ``t + 1``.

        Raises
        ------
        ValueError
            For an empty text or a character the model does not know (the message names it).
        """
        ids = self.vocabulary.encode(text)
        if ids.size == 0:
            raise ValueError("text must hold at least one character")
        state = self.initial_state()
        rows = []
        for character_id in ids.tolist():
            row, state = self.step(character_id, state)
            rows.append(row)
        return np.stack(rows)

    def next_logits(self, text: str) -> np.ndarray:
        """The logits of the character that follows ``text``, shape ``(vocab,)``."""
        return self.logits(text)[-1]


def load_tiny_lm(path=None) -> TinyLM:
    """The shipped model (``softmax_teach/data/tiny_lm.npz``), or the one saved at ``path``.

    Examples
    --------
    >>> model = load_tiny_lm()
    >>> model.next_logits("the chance of ").shape == (len(model.vocabulary),)
    True
    """
    source = resources.files("softmax_teach.data").joinpath(WEIGHTS_FILE) if path is None else path
    with resources.as_file(source) if path is None else nullcontext(path) as file, np.load(file) as archive:
        chars = tuple(str(archive["vocabulary"]))
        weights = {name: archive[name].astype(np.float32) for name in PARAMETERS}
    return TinyLM(CharVocabulary(chars), weights)
