"""The Softmax Explorer: five anywidget tabs that compute and draw in the browser.

Each tab is an ``anywidget.AnyWidget`` whose state is a few synced traitlets validated in Python;
its ES module (``js/<tab>.js``) computes what it shows with ``js/core.js`` and draws SVG. Python
stays the reference: the tabs' read-only values (``tab.probabilities`` …) come from
:mod:`softmax_teach.numerics`. This package imports only numpy, traitlets, ipywidgets and
anywidget (never matplotlib, torch or sympy), so a kernel serving it stays small.
"""

from softmax_teach.explorer.app import ExplorerApp, build_explorer
from softmax_teach.explorer.attention import AttentionTab
from softmax_teach.explorer.cross_entropy import CrossEntropyTab
from softmax_teach.explorer.export import export_explorer
from softmax_teach.explorer.generate import GenerateTab
from softmax_teach.explorer.sampling import SamplingTab
from softmax_teach.explorer.temperature import TemperatureTab

__all__ = [
    "AttentionTab",
    "CrossEntropyTab",
    "ExplorerApp",
    "GenerateTab",
    "SamplingTab",
    "TemperatureTab",
    "build_explorer",
    "export_explorer",
]
