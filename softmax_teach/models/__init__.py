"""torch models of the deck, made right (they return logits; probabilities are explicit).

Importing this package imports torch; ``import softmax_teach`` never does. Names are loaded
from their submodule on first use, so a notebook that needs only attention does not build the
classifiers.
"""

from importlib import import_module

_WHERE = {
    "SimpleNet": "classifiers",
    "DigitsCNN": "classifiers",
    "SentimentClassifier": "classifiers",
    "AdditiveAttention": "attention",
    "scaled_dot_product_attention": "attention",
    "attention_weights": "attention",
    "causal_mask": "attention",
    "tiled_attention": "attention",
    "CharLM": "language",
    "train_char_lm": "language",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
