"""The whole Softmax Explorer: four tabs in one ``ipywidgets.Tab``, as served by Voila."""

from __future__ import annotations

import base64

import ipywidgets as widgets

from softmax_teach.dashboard.figures import check_theme
from softmax_teach.dashboard.views import AttentionTab, CrossEntropyTab, SamplingTab, TemperatureTab, default_theme

TAB_TITLES = ("1 · Temperature & logits", "2 · Sampling", "3 · Cross-entropy", "4 · Attention")
TAB_CLASSES = (TemperatureTab, SamplingTab, CrossEntropyTab, AttentionTab)

# Display metadata that marks the loading preview. The dashboard's Voila template
# (softmax_teach/dashboard/jupyter/voila/templates/softmax-explorer) writes an output carrying it
# into the page as plain HTML, so the browser paints the figure before any JavaScript runs.
PREVIEW_METADATA_KEY = "softmax_teach_static_preview"


class ExplorerTabs:
    """The four tab objects of an app, each built the first time it is needed.

    Only the first tab is built with the app: the browser then has about a quarter of the
    widgets to fetch and draw before the page is usable, and a tab costs its ~40 widgets only
    when a learner opens it.
    """

    def __init__(self, app, placeholders, theme):
        self._app = app
        self._placeholders = placeholders
        self._theme = theme
        self._tabs = [None] * len(TAB_CLASSES)

    def __len__(self):
        return len(self._tabs)

    def __getitem__(self, index):
        """The tab object at ``index`` (built now if it was not yet)."""
        if self._tabs[index] is None:
            tab = TAB_CLASSES[index](theme=self._theme)
            self._placeholders[index].children = (tab.widget,)
            self._tabs[index] = tab
        return self._tabs[index]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def built(self):
        """Which tabs exist so far."""
        return [tab is not None for tab in self._tabs]


def build_app(theme=None, *, lazy=True):
    """Build the dashboard shown by ``notebooks/dashboard.ipynb``.

    Parameters
    ----------
    theme : {"light", "dark"}, optional
        Figure colours; default :func:`default_theme` (``$SOFTMAX_TEACH_THEME``, which
        ``softmax-teach dashboard --theme dark`` sets for the kernel, else light).
    lazy : bool
        Build tabs 2 to 4 when first selected (default), or all at once.

    Returns
    -------
    ipywidgets.Tab
        Its ``explorer_tabs`` attribute (:class:`ExplorerTabs`) gives each tab object (state
        and widget): ``app.explorer_tabs[0].state``.
    """
    theme = check_theme(theme or default_theme())
    placeholders = [widgets.VBox(layout=widgets.Layout(width="100%", min_height="30em")) for _ in TAB_CLASSES]
    app = widgets.Tab(children=placeholders, titles=TAB_TITLES, layout=widgets.Layout(width="100%"))
    app.add_class("softmax-explorer")
    tabs = ExplorerTabs(app, placeholders, theme)
    # A plain attribute (not a trait) so tests and notebooks can reach each tab's state.
    app.explorer_tabs = tabs
    tabs[0]
    if not lazy:
        list(tabs)

    def build_selected(change):
        index = change["new"]
        if index is None:
            return
        try:
            tabs[index]
        except Exception as error:  # noqa: BLE001 - a message on the page, never a traceback
            placeholders[index].children = (widgets.HTML(
                f'<b style="color:#E0473A">This tab could not be built ({type(error).__name__}: {error}).</b>'),)

    app.observe(build_selected, names="selected_index")
    return app


def loading_preview(app):
    """A static picture of the first tab, shown while the browser starts the widgets.

    The picture is the first tab's own figure (the PNG its image widget holds), so it is exactly
    what the live app shows first. Served by ``softmax-teach dashboard``, the page's HTML
    carries it as a plain ``<img>`` (see :data:`PREVIEW_METADATA_KEY`): the browser paints it
    at once, while the widget front end takes about a second more to load and synchronise.
    The explorer's own CSS hides the preview as soon as the widgets render.

    Parameters
    ----------
    app : ipywidgets.Tab
        An app from :func:`build_app`.

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML

    first = app.explorer_tabs[0]
    png = base64.b64encode(bytes(first.image.value)).decode("ascii")
    # Laid out like the first tab (controls 40 %, figure 60 %, below the tab bar) so the figure
    # stays about where it is when the widgets take over.
    return HTML(
        '<div class="explorer-preview" style="font-size:20px;display:flex;align-items:flex-start;padding-top:60px">'
        '<p style="width:40%;min-width:340px;margin:0;padding:0 1em;box-sizing:border-box">'
        "Starting the interactive explorer…</p>"
        f'<img class="probability-plot-preview" alt="starting probabilities" src="data:image/png;base64,{png}" '
        'elementtiming="first-figure" style="width:60%;max-width:900px">'
        "</div>",
        metadata={PREVIEW_METADATA_KEY: True},
    )
