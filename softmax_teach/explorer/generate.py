"""Tab 5, "Generate": notebook 14's character model after a typed text, and seeded sampling from it."""

from __future__ import annotations

import functools
import math

import anywidget
import numpy as np
import traitlets

from softmax_teach import numerics
from softmax_teach.explorer import _assets, _checks, charlm, prng
from softmax_teach.explorer._filters import SamplingSettings

MAX_TEXT = 400  # characters kept: the model reads all of them (as js/charlm.js's MAX_TEXT)
MAX_TOP_K = 40
DEFAULT_TEXT = "on monday the sky is grey and the wind is cold.\nthe chance of "
KNOWN = "lowercase letters, space, newline and , - . :"


@functools.cache
def _model():
    """The numpy CharLM (:mod:`softmax_teach.tiny_lm`), loaded once per process on first use."""
    from softmax_teach.tiny_lm import load_tiny_lm

    return load_tiny_lm()


def check_text(text, characters):
    """``text`` if the model can read it (its last 400 characters), else :class:`InvalidSetting`.

    The page's text box says the same (``parseText`` in ``js/charlm.js``).
    """
    if not text:
        raise _checks.InvalidSetting("type at least one character")
    unknown = sorted(set(text) - set(characters))
    if unknown:
        raise _checks.InvalidSetting(f"the model does not know {', '.join(repr(c) for c in unknown)}: it knows {KNOWN}")
    return text[-MAX_TEXT:]


class GenerateTab(SamplingSettings, anywidget.AnyWidget):
    """A text, the sampling settings, and the character model's next-character distribution.

    The browser runs the model (``js/charlm.js``, from the shipped weights in the ``weights``
    trait); this class computes the same numbers with the numpy model, so a notebook can read them
    and :meth:`generate` draws the same characters as the page's buttons for the same seed.

    Parameters
    ----------
    text : str
        At least one character the model knows (lowercase letters, space, newline, ``, - . :``);
        only the last 400 are kept.
    temperature : float
        From 0.01 to 100.
    top_k, top_p, min_p
        As in :class:`~softmax_teach.explorer.sampling.SamplingTab` (0, 1 and 0 switch them off);
        ``top_k`` up to 40.
    seed : int
        0 to 2**32 - 1; a draw depends only on the seed and the text's length.

    Examples
    --------
    >>> tab = GenerateTab(text="the chance of ", seed=0)
    >>> tab.generate(3)
    'sun'
    """

    _esm = _assets.esm("generate.js")
    _css = _assets.css()
    text = traitlets.Unicode(DEFAULT_TEXT).tag(sync=True)
    max_top_k = MAX_TOP_K
    seed = _checks.Whole(0).tag(sync=True)
    weights = traitlets.Bytes(read_only=True).tag(sync=True)

    def __init__(self, **kwargs):
        self.generated_log_probabilities = []
        self.last_choice = None
        self._drawing = False
        super().__init__(**kwargs)

    @traitlets.default("weights")
    def _shipped_weights(self):
        return charlm.weights_bytes()

    @traitlets.validate("text")
    def _check_text(self, proposal):
        return check_text(proposal["value"], _model().vocabulary.chars)

    @traitlets.observe("text")
    def _text_changed(self, _change):
        if not self._drawing:  # typed (here or in the page): the drawn characters so far are forgotten
            self.generated_log_probabilities = []
            self.last_choice = None

    @traitlets.validate("seed")
    def _check_seed(self, proposal):
        return _checks.seed(proposal["value"])

    # ------------------------------------------------------------------ read-outs
    @property
    def characters(self):
        """The model's characters, in the order of its logits."""
        return _model().vocabulary.chars

    @property
    def next_logits(self):
        """The model's logits for the character after :attr:`text`."""
        return _model().next_logits(self.text)

    @property
    def probabilities(self):
        """The distribution the next character is drawn from (temperature, then the filters)."""
        return numerics.sampling_probabilities(
            self.next_logits,
            temperature=self.temperature,
            **self.filters,
        )

    @property
    def perplexity(self):
        """``exp(−mean log p)`` of the characters :meth:`generate` drew since the text was typed, or None."""
        if not self.generated_log_probabilities:
            return None
        return math.exp(-float(np.mean(self.generated_log_probabilities)))

    # ------------------------------------------------------------------ sampling
    def next_character(self):
        """Draw one character (seed, stream = the text's length), append it and return it."""
        p = self.probabilities
        (index,) = prng.draw(p, 1, self.seed, len(self.text))
        character = self.characters[index]
        self._drawing = True
        try:
            self.text = (self.text + character)[-MAX_TEXT:]
        finally:
            self._drawing = False
        self.generated_log_probabilities.append(math.log(p[index]))
        self.last_choice = (character, float(p[index]))
        return character

    def generate(self, n=40):
        """Draw ``n`` characters (as the page's "generate 40"); returns them."""
        n = _checks.whole(n, "n", 0, 10_000)
        return "".join(self.next_character() for _ in range(n))
