"""The Softmax Explorer: five anywidget tabs that compute and draw in the browser.

Each tab is an ``anywidget.AnyWidget`` whose state is a few synced traitlets validated in Python;
its ES module (``js/<tab>.js``) computes what it shows with ``js/core.js`` and draws SVG. Python
stays the reference: the tabs' read-only values (``tab.probabilities`` …) come from
:mod:`softmax_teach.numerics`. This package imports only numpy, traitlets, ipywidgets and
anywidget (never matplotlib, torch or sympy), so a kernel serving it stays small.
"""
