"""The Softmax Explorer app: one widget holding the five tabs.

:class:`ExplorerApp` is an anywidget whose front end (``js/app.js``) draws a keyboard-usable tab
list (arrow keys, Home, End) and renders each tab, itself an anywidget, through anywidget's host.
With ``read_location=True`` (the dashboard page and the static page, not a lesson) it reads a
link such as ``?tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9`` from the page's address in the
browser and shows the link to the current view; the kernel never reads the request.
"""

from __future__ import annotations

import anywidget
import traitlets

from softmax_teach.explorer import _assets
from softmax_teach.explorer.attention import AttentionTab
from softmax_teach.explorer.cross_entropy import CrossEntropyTab
from softmax_teach.explorer.generate import GenerateTab
from softmax_teach.explorer.sampling import SamplingTab
from softmax_teach.explorer.temperature import TemperatureTab

# Each tab: its name in links (?tab=…), its trait on the app, its class. js/links.js lists the same.
TABS = (
    ("temperature", "temperature_tab", TemperatureTab),
    ("sampling", "sampling_tab", SamplingTab),
    ("cross-entropy", "cross_entropy_tab", CrossEntropyTab),
    ("attention", "attention_tab", AttentionTab),
    ("generate", "generate_tab", GenerateTab),
)
TAB_NAMES = tuple(name for name, _, _ in TABS)


class ExplorerApp(anywidget.AnyWidget):
    """The five tabs in one widget.

    Attributes
    ----------
    temperature_tab, sampling_tab, cross_entropy_tab, attention_tab, generate_tab
        The tabs (set their traits from Python: ``app.sampling_tab.top_p = 0.9``).
    selected : str
        The shown tab's name (``"temperature"``, ``"sampling"``, ``"cross-entropy"``,
        ``"attention"`` or ``"generate"``); the browser updates it when a learner changes tab.
    read_location : bool
        Read ``?tab=…`` links from the page's address and show the link to the current view.
    """

    _esm = _assets.esm("app.js")
    _css = _assets.css()
    temperature_tab = anywidget.WidgetTrait().tag(sync=True)
    sampling_tab = anywidget.WidgetTrait().tag(sync=True)
    cross_entropy_tab = anywidget.WidgetTrait().tag(sync=True)
    attention_tab = anywidget.WidgetTrait().tag(sync=True)
    generate_tab = anywidget.WidgetTrait().tag(sync=True)
    selected = traitlets.Unicode("temperature").tag(sync=True)
    read_location = traitlets.Bool(False).tag(sync=True)

    @traitlets.validate("selected")
    def _check_selected(self, proposal):
        if proposal["value"] not in TAB_NAMES:
            raise traitlets.TraitError(f"selected must be one of {', '.join(TAB_NAMES)}, got {proposal['value']!r}")
        return proposal["value"]

    @property
    def tabs(self):
        """The five tabs, in order."""
        return [getattr(self, trait) for _, trait, _ in TABS]


def build_explorer(*, read_location=False, selected="temperature", **tabs):
    """The Explorer app with fresh tabs (or the given ones: ``temperature_tab=TemperatureTab(...)``).

    Parameters
    ----------
    read_location : bool
        True on a page of its own (Voila's dashboard, the static Explorer): links in the page's
        address set the view. Leave False inside a lesson.
    selected : str
        The tab shown first.

    Examples
    --------
    >>> app = build_explorer()
    >>> app.temperature_tab.temperature = 0.5
    """
    unknown = set(tabs) - {trait for _, trait, _ in TABS}
    if unknown:
        raise ValueError(f"unknown tabs {sorted(unknown)}: use {', '.join(trait for _, trait, _ in TABS)}")
    values = {trait: tabs.get(trait) or factory() for _, trait, factory in TABS}
    return ExplorerApp(read_location=read_location, selected=selected, **values)
