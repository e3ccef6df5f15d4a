"""The old dashboard's plain-Python state classes (notebook 10 still prints ``TemperatureState``).

The Softmax Explorer is :mod:`softmax_teach.explorer`; the server that serves it,
:mod:`softmax_teach.serve`.
"""

from softmax_teach.dashboard.state import (
    AttentionState,
    CrossEntropyState,
    SamplingState,
    TemperatureState,
    format_logits,
    parse_logits,
    parse_query,
    parse_seed,
    parse_temperature,
)

__all__ = [
    "AttentionState",
    "CrossEntropyState",
    "SamplingState",
    "TemperatureState",
    "format_logits",
    "parse_logits",
    "parse_query",
    "parse_seed",
    "parse_temperature",
]
