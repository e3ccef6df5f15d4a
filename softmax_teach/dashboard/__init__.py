"""The Softmax Explorer dashboard: plain-Python state classes plus ipywidgets views.

>>> from softmax_teach.dashboard import TemperatureTab   # doctest: +SKIP
>>> tab = TemperatureTab(logits=(2.0, 1.0, 0.1), temperature=1.0)   # doctest: +SKIP
>>> tab.state.probabilities, tab.widget   # doctest: +SKIP

Served by ``softmax-teach dashboard`` (Voila on ``notebooks/dashboard.ipynb``). Only numpy,
matplotlib (Agg) and ipywidgets are imported: never torch or sympy.
"""

from softmax_teach.dashboard.app import TAB_SPECS, TabSpec, apply_query, build_app, loading_preview, request_query
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
from softmax_teach.dashboard.views import AttentionTab, CrossEntropyTab, SamplingTab, TemperatureTab

__all__ = [
    "AttentionState",
    "AttentionTab",
    "CrossEntropyState",
    "CrossEntropyTab",
    "SamplingState",
    "SamplingTab",
    "TemperatureState",
    "TemperatureTab",
    "TAB_SPECS",
    "TabSpec",
    "apply_query",
    "build_app",
    "request_query",
    "loading_preview",
    "format_logits",
    "parse_logits",
    "parse_query",
    "parse_seed",
    "parse_temperature",
]
