"""softmax-teach: from "what is softmax?" to temperature sampling, attention and language models.

``import softmax_teach`` is light: numpy only. torch and sympy are imported by the modules that
need them (``softmax_teach.models``, ``softmax_teach.symbolic``), never here.
"""

from softmax_teach.numerics import (
    cross_entropy,
    entropy,
    log_softmax,
    logsumexp,
    online_softmax,
    sample,
    sampling_probabilities,
    sigmoid,
    softmax,
    softmax_jacobian,
)

__version__ = "0.1.0"

__all__ = [
    "cross_entropy",
    "entropy",
    "log_softmax",
    "logsumexp",
    "online_softmax",
    "sample",
    "sampling_probabilities",
    "sigmoid",
    "softmax",
    "softmax_jacobian",
]
