"""torch models of the deck, made right (they return logits; probabilities are explicit).

Importing this package imports torch; ``import softmax_teach`` never does.
"""

from softmax_teach.models.attention import (
    AdditiveAttention,
    MultiHeadAttention,
    attention_weights,
    causal_mask,
    scaled_dot_product_attention,
    sinusoidal_positions,
    tiled_attention,
)
from softmax_teach.models.classifiers import DigitsCNN, SentimentClassifier, SimpleNet
from softmax_teach.models.language import CharLM, train_char_lm
from softmax_teach.models.transformer import TransformerCharLM

__all__ = [
    "AdditiveAttention",
    "CharLM",
    "DigitsCNN",
    "MultiHeadAttention",
    "SentimentClassifier",
    "SimpleNet",
    "TransformerCharLM",
    "attention_weights",
    "causal_mask",
    "scaled_dot_product_attention",
    "sinusoidal_positions",
    "tiled_attention",
    "train_char_lm",
]
