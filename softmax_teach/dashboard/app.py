"""The whole Softmax Explorer: its tabs in one ``ipywidgets.Tab``, as served by Voila.

Tabs are listed once, in :data:`TAB_SPECS`: adding a tab is one :class:`TabSpec` line (a URL
name, a title and a class following the protocol of :class:`views._TabView`: ``state``,
``widget``, ``image``, ``refresh()``, ``on_change()``, ``query_items()``, ``apply_query()``).

The app keeps the selected tab and its settings in the page's query string
(``?tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9``): :func:`apply_query` reads a link, and the
page's URL is kept up to date (``history.replaceState``) so that a reload, or a copied link,
shows the same state.
"""

from __future__ import annotations

import base64
import html
import json
import os
from dataclasses import dataclass

import ipywidgets as widgets

from softmax_teach.dashboard.figures import check_theme
from softmax_teach.dashboard.generate import GenerateTab
from softmax_teach.dashboard.state import format_query, parse_query
from softmax_teach.dashboard.views import (
    AttentionTab,
    CrossEntropyTab,
    SamplingTab,
    TemperatureTab,
    default_theme,
    script_html,
)


@dataclass(frozen=True)
class TabSpec:
    """One tab of the explorer: its name in links (``?tab=…``), its title and its class."""

    name: str
    title: str
    factory: type


TAB_SPECS = (
    TabSpec("temperature", "Temperature & logits", TemperatureTab),
    TabSpec("sampling", "Sampling", SamplingTab),
    TabSpec("cross-entropy", "Cross-entropy", CrossEntropyTab),
    TabSpec("attention", "Attention", AttentionTab),
    TabSpec("generate", "Generate", GenerateTab),
)
TAB_NAMES = tuple(spec.name for spec in TAB_SPECS)
TAB_TITLES = tuple(f"{i} · {spec.title}" for i, spec in enumerate(TAB_SPECS, start=1))
TAB_CLASSES = tuple(spec.factory for spec in TAB_SPECS)

# Display metadata that marks the loading preview. The dashboard's Voila template
# (softmax_teach/dashboard/jupyter/voila/templates/softmax-explorer) writes an output carrying it
# into the page as plain HTML, so the browser paints the figure before any JavaScript runs.
PREVIEW_METADATA_KEY = "softmax_teach_static_preview"

# The served page's title and subtitle, compact so a tab fits a 1280 x 720 projector (Voila only:
# #rendered_cells is Voila's).
_PAGE_CSS = """<style>
#rendered_cells h1 { font-size: 25px !important; margin: 4px 0 2px !important; }
#rendered_cells .jp-RenderedMarkdown p { font-size: 15px !important; margin: 0 0 4px !important; }
#rendered_cells .jp-Cell { padding-top: 0 !important; padding-bottom: 0 !important; }
</style>"""

# Sets the page's query string to the app's state, keeping keys the app does not own (a token).
_URL_SCRIPT = r"""
(function (query, owned) {
  if (!document.getElementById('rendered_cells')) return;  // Voila pages only, never JupyterLab's
  clearTimeout(window.__softmaxExplorerUrlTimer);
  window.__softmaxExplorerUrlTimer = setTimeout(function () {
    var params = new URLSearchParams(window.location.search);
    owned.forEach(function (key) { params.delete(key); });
    var kept = params.toString();
    var search = '?' + query + (kept ? '&' + kept : '');
    if (search !== window.location.search) {
      try { history.replaceState(history.state, '', window.location.pathname + search); } catch (e) {}
    }
    document.querySelectorAll('.explorer-link-text').forEach(function (a) {
      a.textContent = a.href;
    });
  }, 150);
})(%s, %s);
"""

_COPY_SCRIPT = r"""
(function () {
  var a = document.querySelector('.explorer-link-text');
  var note = document.querySelector('.explorer-link-note');
  if (!a) return;
  a.textContent = a.href;
  function say(text) { if (note) note.textContent = text; }
  function select() {
    var range = document.createRange(); range.selectNodeContents(a);
    var selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(a.href).then(function () { say('copied'); },
      function () { select(); say('selected: press Ctrl+C to copy'); });
  } else { select(); say('selected: press Ctrl+C to copy'); }
})();
"""


class ExplorerTabs:
    """The tab objects of an app, each built the first time it is needed.

    Only the first tab (or the one a link selects) is built with the app: the browser then has
    about a quarter of the widgets to fetch and draw before the page is usable, and a tab costs
    its ~40 widgets only when a learner opens it.
    """

    def __init__(self, app, placeholders, theme, on_build=None):
        self._app = app
        self._placeholders = placeholders
        self._theme = theme
        self._on_build = on_build
        self._tabs = [None] * len(TAB_SPECS)

    def __len__(self):
        return len(self._tabs)

    def __getitem__(self, index):
        """The tab object at ``index`` (built now if it was not yet)."""
        if self._tabs[index] is None:
            tab = TAB_SPECS[index].factory(theme=self._theme)
            self._placeholders[index].children = (tab.widget,)
            self._tabs[index] = tab
            if self._on_build is not None:
                self._on_build(index, tab)
        return self._tabs[index]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def built(self):
        """Which tabs exist so far."""
        return [tab is not None for tab in self._tabs]


class LinkBar:
    """The app's link: a "copy link" button, the link itself, and messages about a link's bad values."""

    def __init__(self):
        self.button = widgets.Button(
            description="copy link",
            icon="link",
            tooltip="show and copy a link to this view",
            layout=widgets.Layout(width="auto", flex="0 0 auto"),
        )
        self.button.add_class("copy-link-button")
        self.link = widgets.HTML()
        self.link.add_class("explorer-link")
        self.script = widgets.HTML(layout=widgets.Layout(width="0px", height="0px", overflow="hidden"))
        self.script.add_class("explorer-url-sync")
        self.copy_script = widgets.HTML(layout=widgets.Layout(width="0px", height="0px", overflow="hidden"))
        self.message = widgets.HTML()
        self.message.add_class("link-message")
        self.query = ""
        self._copies = 0
        self.button.on_click(self._copy)
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [self.button, self.link, self.script, self.copy_script],
                    layout=widgets.Layout(width="100%", align_items="center"),
                ),
                self.message,
            ]
        )
        self.widget.add_class("explorer-link-bar")

    def show(self, query, owned):
        self.query = query
        self.script.value = script_html(_URL_SCRIPT % (json.dumps(query), json.dumps(list(owned))))
        if self.link.value:
            self._render_link()

    def _render_link(self):
        href = "?" + self.query
        self.link.value = (
            f'<span style="font-size:15px;margin-left:0.6em">link to this view: '
            f'<a class="explorer-link-text" href="{html.escape(href, quote=True)}" '
            f'style="word-break:break-all">{html.escape(self.url)}</a> '
            '<span class="explorer-link-note" aria-live="polite"></span></span>'
        )

    @property
    def url(self):
        """The link as far as the kernel knows the address (the page shows the browser's own)."""
        host, port, path = (os.environ.get(name, "") for name in ("SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME"))
        if host:
            return f"http://{host}{':' + port if port else ''}{path or '/'}?{self.query}"
        return "?" + self.query

    def _copy(self, _button=None):
        self._render_link()
        self._copies += 1
        # A new value each time, so the browser runs the script again.
        self.copy_script.value = script_html(_COPY_SCRIPT + f"/* {self._copies} */")


def build_app(theme=None, *, lazy=True, query=None):
    """Build the dashboard shown by ``notebooks/dashboard.ipynb``.

    Parameters
    ----------
    theme : {"light", "dark"}, optional
        Figure colours; default :func:`default_theme` (``$SOFTMAX_TEACH_THEME``, which
        ``softmax-teach dashboard --theme dark`` sets for the kernel, else light).
    lazy : bool
        Build the other tabs when first selected (default), or all at once.
    query : str, optional
        A query string to start from (see :func:`apply_query`).

    Returns
    -------
    ipywidgets.Tab
        Its ``explorer_tabs`` attribute (:class:`ExplorerTabs`) gives each tab object (state
        and widget): ``app.explorer_tabs[0].state``; ``app.link_bar`` is the link control and
        ``app.page`` (tabs and link bar) is what to display.
    """
    theme = check_theme(theme or default_theme())
    placeholders = [widgets.VBox(layout=widgets.Layout(width="100%", min_height="30em")) for _ in TAB_SPECS]
    app = tab_widget = widgets.Tab(children=placeholders, titles=TAB_TITLES, layout=widgets.Layout(width="100%"))
    app.add_class("softmax-explorer")
    link_bar = LinkBar()
    # What the notebook displays: the tabs, then the link bar.
    app.page = widgets.VBox([widgets.HTML(_PAGE_CSS), app, link_bar.widget], layout=widgets.Layout(width="100%"))
    app.page.add_class("softmax-explorer-page")
    app.tab_widget = tab_widget
    app.link_bar = link_bar

    def update_link(_tab=None):
        index = tab_widget.selected_index or 0
        tab = tabs._tabs[index]
        if tab is None:
            return
        link_bar.show(format_query([("tab", TAB_NAMES[index]), *tab.query_items()]), _owned_keys())

    tabs = ExplorerTabs(app, placeholders, theme, on_build=lambda index, tab: tab.on_change(update_link))
    # Plain attributes (not traits) so tests and notebooks can reach each tab's state.
    app.explorer_tabs = tabs
    app.update_link = update_link

    def build_selected(change):
        index = change["new"]
        if index is None:
            return
        try:
            tabs[index]
        except Exception as error:  # noqa: BLE001 - a message on the page, never a traceback
            placeholders[index].children = (
                widgets.HTML(
                    f'<b class="explorer-error">This tab could not be built ({type(error).__name__}: {error}).</b>'
                ),
            )
        update_link()

    tab_widget.observe(build_selected, names="selected_index")
    if query:
        apply_query(app, query)
    else:
        tabs[0]
        update_link()
    if not lazy:
        list(tabs)
    return app


def _owned_keys():
    keys = {"tab"}
    for spec in TAB_SPECS:
        keys.update(getattr(spec.factory, "QUERY_KEYS", ()))
        state_class = {
            TemperatureTab: "TemperatureState",
            SamplingTab: "SamplingState",
            CrossEntropyTab: "CrossEntropyState",
            AttentionTab: "AttentionState",
        }.get(spec.factory)
        if state_class:
            from softmax_teach.dashboard import state

            keys.update(getattr(state, state_class).QUERY_KEYS)
    keys.add("predict")
    return sorted(keys)


def apply_query(app, query):
    """Show the state a link describes: ``"tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9"``.

    Bad values get the same messages as the same text typed into the controls (next to the
    control, and together above the link); good values are used. Returns ``[(key, message)]``.
    """
    params = parse_query(query)
    errors = []
    index = 0
    if "tab" in params:
        name = params["tab"].strip().lower()
        if name in TAB_NAMES:
            index = TAB_NAMES.index(name)
        elif name.isdigit() and 1 <= int(name) <= len(TAB_NAMES):
            index = int(name) - 1
        else:
            errors.append(("tab", f"tab must be one of {', '.join(TAB_NAMES)}, got '{params['tab'][:20]}'"))
    tab = app.explorer_tabs[index]
    errors += tab.apply_query(params)
    if app.tab_widget.selected_index != index:
        app.tab_widget.selected_index = index
    if errors:
        lines = "".join(f"<li><b>{html.escape(key)}</b>: {html.escape(text)}</li>" for key, text in errors)
        app.link_bar.message.value = (
            f'<div class="explorer-error" role="alert">Some values in this link could '
            f"not be used (the rest were):<ul style='margin:0'>{lines}</ul></div>"
        )
    else:
        app.link_bar.message.value = ""
    app.update_link()
    return errors


def request_query():
    """The query string of the page request this kernel serves ('' outside Voila).

    With preheated kernels Voila starts the kernel and runs the notebook before anyone asks for
    the page; ``voila.utils.wait_for_request()`` blocks until a request arrives and then puts its
    details (``QUERY_STRING`` among them) in ``os.environ``. Without preheating the variable is
    there from the start. This does what Voila 0.5.13's ``wait_for_request`` does (the same
    environment variables, the same websocket, one JSON message) without importing
    ``voila.utils``, which pulls jupyter_server and jupyterlab_server into the kernel (+53 MB per
    student); it falls back to Voila's own function if ``websockets`` is missing.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return os.environ.get("QUERY_STRING", "")
    try:
        import asyncio
        import threading

        import websockets
    except ImportError:  # pragma: no cover - websockets is a dependency of Voila
        from voila.utils import wait_for_request

        wait_for_request()
        return os.environ.get("QUERY_STRING", "")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = (
        f"{os.environ.get('VOILA_WS_PROTOCOL', 'ws')}://{os.environ.get('VOILA_APP_IP', '127.0.0.1')}:"
        f"{os.environ.get('VOILA_APP_PORT', '8866')}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID')}"
    )
    received = []

    async def receive():
        try:
            async with websockets.connect(url, open_timeout=5) as websocket:
                received.append(await websocket.recv())
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
            pass

    # Its own event loop in a thread: the kernel's loop is busy running this cell.
    thread = threading.Thread(target=lambda: asyncio.new_event_loop().run_until_complete(receive()))
    thread.start()
    thread.join()
    if received:
        for key, value in json.loads(received[0]).items():
            os.environ[key] = value
    return os.environ.get("QUERY_STRING", "")


def loading_preview(app):
    """A static picture of the selected tab, shown while the browser starts the widgets.

    The picture is that tab's own figure (the PNG its image widget holds), so it is exactly
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

    tab = app.explorer_tabs[app.tab_widget.selected_index or 0]
    png = base64.b64encode(bytes(tab.image.value)).decode("ascii")
    alt = html.escape(tab.figure_view.description or "the starting figure", quote=True)
    # Laid out like a tab (controls 41 %, figure 59 %, below the tab bar) so the figure
    # stays about where it is when the widgets take over.
    return HTML(
        '<div class="explorer-preview" style="font-size:20px;display:flex;align-items:flex-start;padding-top:50px">'
        '<p style="width:41%;min-width:360px;margin:0;padding:0 1em;box-sizing:border-box">'
        "Starting the interactive explorer…</p>"
        f'<img class="probability-plot-preview" alt="{alt}" src="data:image/png;base64,{png}" '
        'elementtiming="first-figure" style="width:59%;max-height:calc(100vh - 330px);object-fit:contain;'
        'object-position:left top">'
        "</div>",
        metadata={PREVIEW_METADATA_KEY: True},
    )
