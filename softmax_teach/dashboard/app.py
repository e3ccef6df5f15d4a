"""The whole Softmax Explorer: four tabs in one ``ipywidgets.Tab``, as served by Voila."""

from __future__ import annotations

import ipywidgets as widgets

from softmax_teach.dashboard.figures import check_theme
from softmax_teach.dashboard.views import AttentionTab, CrossEntropyTab, SamplingTab, TemperatureTab, default_theme

TAB_TITLES = ("1 · Temperature & logits", "2 · Sampling", "3 · Cross-entropy", "4 · Attention")


def build_app(theme=None):
    """Build the dashboard shown by ``notebooks/dashboard.ipynb``.

    Parameters
    ----------
    theme : {"light", "dark"}, optional
        Figure colours; default :func:`default_theme` (``$SOFTMAX_TEACH_THEME``, which
        ``softmax-teach dashboard --theme dark`` sets for the kernel, else light).

    Returns
    -------
    ipywidgets.Tab
        With the four tab objects (state + widget) kept in its ``explorer_tabs`` attribute.
    """
    theme = check_theme(theme or default_theme())
    tabs = (
        TemperatureTab(theme=theme),
        SamplingTab(theme=theme),
        CrossEntropyTab(theme=theme),
        AttentionTab(theme=theme),
    )
    app = widgets.Tab(children=[tab.widget for tab in tabs], titles=TAB_TITLES,
                      layout=widgets.Layout(width="100%"))
    app.add_class("softmax-explorer")
    # Widgets cannot hold arbitrary Python attributes as traits, but a plain attribute is fine
    # and lets tests and notebooks reach each tab's state.
    app.explorer_tabs = tabs
    return app
