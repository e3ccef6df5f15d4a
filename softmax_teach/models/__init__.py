"""torch models of the deck, made right (they return logits; probabilities are explicit).

Importing this package imports torch; ``import softmax_teach`` never does.
"""

from softmax_teach.models.attention import (
    AdditiveAttention,
    attention_weights,
    causal_mask,
    scaled_dot_product_attention,
    tiled_attention,
)
from softmax_teach.models.classifiers import DigitsCNN, SentimentClassifier, SimpleNet
from softmax_teach.models.language import CharLM, train_char_lm

__all__ = [
    "AdditiveAttention",
    "CharLM",
    "DigitsCNN",
    "SentimentClassifier",
    "SimpleNet",
    "attention_weights",
    "causal_mask",
    "scaled_dot_product_attention",
    "tiled_attention",
    "train_char_lm",
]
