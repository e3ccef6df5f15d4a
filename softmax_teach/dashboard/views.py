"""Widget views of the Softmax Explorer tabs.

A view copies widget values into its state object (:mod:`softmax_teach.dashboard.state`),
then copies numbers back out into readouts and an in-place figure. Every callback runs
through :meth:`_TabView._guarded`, so a bad value or an unexpected error becomes a short
message on the page instead of a traceback. Every widget a test or a browser needs to find has a
stable CSS class (``add_class``).

Keeping sliders and state in step
---------------------------------
The browser's slider (noUiSlider inside ipywidgets) sends a value back whenever the kernel moves
it: snapped to its grid (0.1 comes back as 0.09999999999999964, T = 0.5 as 10 ** -0.30 = 0.501),
clamped to the range it had when the value arrived, and sometimes late, after the kernel has
moved on. Three rules make these echoes harmless (:class:`SliderBinding`):

1. a range and a value are sent in one message, range first (:func:`ordered_sync`), so the
   browser never clamps a value to the old range (``hold_sync`` alone sends them in set order);
2. a value that lands on the grid position the state already shows is no change (an echo);
3. a value the kernel showed but replaced less than :data:`ECHO_WINDOW` seconds ago (two
   quick clicks on *randomise*: the echo of the first arrives after the second) is a late echo:
   the slider is put back instead of the state being changed. A real move clears that memory.
"""

from __future__ import annotations

import html
import json
import math
import os
import time
from collections import OrderedDict

import ipywidgets as widgets
import numpy as np

from softmax_teach.dashboard import figures
from softmax_teach.dashboard.state import (
    MAX_ABS_LOGIT,
    MAX_CLASSES,
    MAX_TEMPERATURE,
    MIN_CLASSES,
    MIN_TEMPERATURE,
    TEMPERATURE_LOG_STEP,
    AttentionState,
    CrossEntropyState,
    SamplingState,
    TemperatureState,
    format_logits,
    format_number,
    parse_logits,
    parse_seed,
    parse_temperature,
    round_temperature,
)

THEME_VARIABLE = "SOFTMAX_TEACH_THEME"

# Projector type and WCAG 2.2 AA contrast, scoped to the explorer so an embedding notebook is
# untouched. Colours come from the JupyterLab theme variables (light and dark alike), except the
# error text, which has one colour per theme (body[data-jp-theme-light]).
_PROJECTOR_CSS = """<style>
.softmax-explorer-tab, .softmax-explorer-tab .widget-label, .softmax-explorer-tab .widget-readout,
.softmax-explorer-tab .widget-text input, .softmax-explorer-tab button,
.softmax-explorer-tab .widget-label-basic, .softmax-explorer-tab .widget-checkbox label {
  font-size: 17px !important; }
.softmax-explorer-tab .widget-label { color: var(--jp-ui-font-color1) !important; }
.softmax-explorer-tab .widget-readout { min-width: 4.5em; color: var(--jp-ui-font-color1) !important; }
.softmax-explorer-tab .widget-text input { height: 1.9em; color: var(--jp-ui-font-color1);
  background: var(--jp-layout-color1); border: 1px solid var(--jp-ui-font-color2); }
.softmax-explorer-tab button { height: 1.9em; }
.softmax-explorer-tab .widget-slider, .softmax-explorer-tab .widget-text,
.softmax-explorer-tab .widget-checkbox { height: 1.6em !important; margin-top: 1px !important;
  margin-bottom: 1px !important; }
.softmax-explorer-tab .widget-text input { height: 1.6em !important; }
/* Slider tracks and handles: at least 3:1 against the page (WCAG 1.4.11). */
.softmax-explorer-tab .noUi-target, .softmax-explorer-tab .noUi-base {
  background: var(--jp-ui-font-color2) !important; border-color: var(--jp-ui-font-color1) !important; }
.softmax-explorer-tab .noUi-connects { background: var(--jp-ui-font-color2) !important; }
.softmax-explorer-tab .noUi-connect { background: var(--jp-brand-color1) !important; }
.softmax-explorer-tab .noUi-handle { background: var(--jp-layout-color1) !important;
  border: 3px solid var(--jp-ui-font-color1) !important; }
.softmax-explorer-tab .noUi-handle:focus, .softmax-explorer-tab button:focus-visible,
.softmax-explorer-tab input:focus-visible { outline: 3px solid var(--jp-brand-color1) !important;
  outline-offset: 2px; }
.softmax-explorer-tab .control-help { font-size: 14.5px; line-height: 1.2; margin: -3px 0 3px 9.6em;
  color: var(--jp-ui-font-color1); }
.softmax-explorer-tab .control-help.wide { margin-left: 0.3em; }
.softmax-explorer-tab .explorer-error { color: #a4161a; font-size: 16px; font-weight: 600; }
body[data-jp-theme-light="false"] .softmax-explorer-tab .explorer-error { color: #ff9a8f; }
.softmax-explorer-tab .true-class-button.selected { font-weight: 700;
  outline: 3px solid var(--jp-ui-font-color1); background: #0b5394 !important;
  color: #ffffff !important; }
.softmax-explorer-tab .explorer-figure { width: 100%; height: auto; max-height: calc(100vh - 330px);
  min-height: 200px; object-fit: contain; object-position: left top; }
.softmax-explorer .lm-TabBar-tab, .softmax-explorer .p-TabBar-tab {
  flex: 0 0 auto !important; max-width: none !important; min-width: 10em !important;
  font-size: 17px !important; line-height: 1.9em !important; height: 2em !important;
  color: var(--jp-ui-font-color1) !important; opacity: 1 !important; }
.softmax-explorer .lm-TabBar, .softmax-explorer .p-TabBar { min-height: 2.1em !important; }
.softmax-explorer .lm-TabBar-tab.lm-mod-current { font-weight: 700; }
.softmax-explorer .lm-TabBar-tabLabel { overflow: visible !important; }
.softmax-explorer-tab .explorer-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.softmax-explorer-tab .figure-description { height: 0; margin: 0; overflow: hidden; }
.softmax-explorer-tab .widget-box { overflow: visible !important; }
.explorer-preview { display: none !important; }
</style>"""

# Runs in the page once (an <img> that fails to load, the one way an ipywidgets HTML value can run
# script in Voila and JupyterLab alike). It names every slider handle after its label (axe:
# "ARIA input fields must have an accessible name"), gives the temperature handle its value in T,
# and moves each figure's text alternative (its tooltip) into alt.
_PAGE_SCRIPT = r"""
(function () {
  if (window.__softmaxExplorerA11y) return;
  window.__softmaxExplorerA11y = true;
  var pending = false;
  function fix() {
    pending = false;
    document.querySelectorAll('.softmax-explorer-tab .widget-slider').forEach(function (slider) {
      var handle = slider.querySelector('.noUi-handle');
      var label = slider.querySelector('.widget-label');
      if (!handle) return;
      var name = (label && label.textContent.trim()) || slider.getAttribute('data-name') || 'slider';
      if (handle.getAttribute('aria-label') !== name) handle.setAttribute('aria-label', name);
      if (slider.classList.contains('temperature-slider')) {
        var now = parseFloat(handle.getAttribute('aria-valuenow'));
        var text = isFinite(now) ? 'T = ' + Number(Math.pow(10, now).toPrecision(3)) : '';
        if (text && handle.getAttribute('aria-valuetext') !== text) handle.setAttribute('aria-valuetext', text);
      }
    });
    document.querySelectorAll('.softmax-explorer-tab img.explorer-figure').forEach(function (img) {
      var box = img.parentElement && img.parentElement.querySelector('.figure-description');
      var text = box ? box.textContent.trim() : '';
      if (text && img.getAttribute('alt') !== text) img.setAttribute('alt', text);
      if (box && box.getAttribute('aria-hidden') !== 'true') box.setAttribute('aria-hidden', 'true');
    });
    document.querySelectorAll('.softmax-explorer-tab .widget-text').forEach(function (box) {
      var input = box.querySelector('input'), label = box.querySelector('.widget-label');
      if (input && label && !input.getAttribute('aria-label')) {
        input.setAttribute('aria-label', label.textContent.trim());
      }
    });
  }
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(fix); } }
  new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ['aria-valuenow']});
  schedule();
})();
"""


def script_html(code):
    """HTML that runs ``code`` when inserted into the page (an image that cannot load)."""
    return f'<img src="data:," alt="" hidden style="display:none" onerror="{html.escape(code, quote=True)}">'


def default_theme():
    """The figure theme: ``$SOFTMAX_TEACH_THEME`` (set by ``softmax-teach dashboard --theme``) or light."""
    theme = os.environ.get(THEME_VARIABLE, "light")
    return theme if theme in figures.THEMES else "light"


# Readouts are read from the back of a room.
_READOUT_FONT_SIZES = {"sampling-readout": "17px", "attention-readout": "18px", "cross-entropy-readout": "18px"}


def _readout(css_class):
    """An HTML readout in projector-sized type that inherits the page's text colour (dark theme)."""
    widget = widgets.HTML(layout=widgets.Layout(margin="2px 0 2px 8px"))
    widget.add_class(css_class)
    return widget


def _set_readout(widget, lines):
    size = _READOUT_FONT_SIZES.get(widget._dom_classes[0], "19px")
    body = "<br>".join(lines)
    widget.value = f'<div style="font-size:{size};line-height:1.35">{body}</div>'


def _message(text):
    if not text:
        return ""
    return f'<span class="explorer-error" role="alert">{html.escape(text)}</span>'


def _help(text, *, wide=False):
    """One line under a control that says what it does."""
    widget = widgets.HTML(f'<div class="control-help{" wide" if wide else ""}">{text}</div>')
    widget.add_class("control-help-line")
    return widget


def _number(value, digits=3):
    return "nan" if not math.isfinite(value) else f"{value:.{digits}f}"


# --------------------------------------------------------------------------- sliders that stay in step
_RANGE_FIRST = ("min", "max", "step", "base", "_options_labels", "options")


def ordered_sync(widget_class):
    """A subclass of an ipywidgets slider that sends its range before its value in one message.

    ``hold_sync`` collects the changed keys in a set and sends them in set order; when ``value``
    comes before ``max``, the browser clamps the new value to the old range and sends the clamped
    value back (the pasted ``800`` became ``10``). Same model and view as the original widget.
    """

    class Ordered(widget_class):
        def send_state(self, key=None):
            if key is not None and not isinstance(key, str):
                key = sorted(
                    key,
                    key=lambda name: (_RANGE_FIRST.index(name) if name in _RANGE_FIRST else len(_RANGE_FIRST), name),
                )
            super().send_state(key)

    Ordered.__name__ = Ordered.__qualname__ = f"Ordered{widget_class.__name__}"
    return Ordered


FloatSlider = ordered_sync(widgets.FloatSlider)
FloatLogSlider = ordered_sync(widgets.FloatLogSlider)
IntSlider = ordered_sync(widgets.IntSlider)
SelectionSlider = ordered_sync(widgets.SelectionSlider)

# How long after the kernel replaced a slider's value an echo of the old value counts as late.
ECHO_WINDOW = 1.5


class SliderBinding:
    """One slider showing one number of a state, immune to the browser's echoes.

    Parameters
    ----------
    slider : ipywidgets slider (FloatSlider, IntSlider or FloatLogSlider)
    get : callable
        ``get()`` is the state's number.
    set : callable
        ``set(value)`` changes the state (it may raise ``ValueError``); called only for real moves.
    log : bool
        The slider is a FloatLogSlider: its grid is in ``log10`` of the value.
    to_value : callable, optional
        ``to_value(position)``: the state's number for a grid position (default: the position,
        rounded to the step's decimals, so 0.1 is 0.1 and not 0.09999999999999964).
    """

    def __init__(self, slider, get, set, *, log=False, to_value=None):
        self.slider = slider
        self.get, self.set = get, set
        self.log = log
        self._to_value = to_value
        self.syncing = False
        self._shown = None  # the grid value the kernel last put on the slider
        self._replaced = []  # (grid value, time it was replaced) of earlier ones

    # positions on the browser's grid
    def _coordinate(self, value):
        return math.log10(value) if self.log else float(value)

    def index(self, value):
        """The grid position the browser shows for ``value`` (clamped to the range)."""
        slider = self.slider
        steps = round((slider.max - slider.min) / slider.step)
        position = round((self._coordinate(value) - slider.min) / slider.step)
        return min(max(position, 0), steps)

    def grid_value(self, index):
        coordinate = round(self.slider.min + index * self.slider.step, 9)
        return 10**coordinate if self.log else coordinate

    def value_at(self, index):
        coordinate = round(self.slider.min + index * self.slider.step, 9)
        if self._to_value is not None:
            return self._to_value(coordinate)
        return 10**coordinate if self.log else coordinate

    # browser -> state
    def moved(self, value):
        """The slider's value changed; returns True when the state changed."""
        if self.syncing:
            return False
        value = float(value)
        index = self.index(value)
        if index == self.index(self.get()):
            return False  # an echo of what the state already shows, or no move at all
        now = time.monotonic()
        self._replaced = [(shown, when) for shown, when in self._replaced if now - when < ECHO_WINDOW]
        tolerance = 1e-6 * (abs(value) + 1.0) if self.log else 1e-6 * self.slider.step
        if any(abs(shown - value) <= tolerance for shown, _ in self._replaced):
            self.show()  # a late echo of an earlier state: put the slider back
            return False
        self.set(self.value_at(index))
        self._replaced = []
        return True

    # state -> browser
    def show(self, **range_):
        """Put the state's number (and optionally a new ``min``/``max``) on the slider."""
        value = self.get()
        slider = self.slider
        self.syncing = True
        try:
            with slider.hold_sync():
                if "min" in range_ and range_["min"] > slider.max:
                    slider.max = range_["max"]
                for name in ("min", "max"):
                    if name in range_ and getattr(slider, name) != range_[name]:
                        setattr(slider, name, range_[name])
                slider.value = value
        finally:
            self.syncing = False
        shown = self.grid_value(self.index(value))
        if self._shown is not None and shown != self._shown:
            self._replaced.append((self._shown, time.monotonic()))
        self._shown = shown


def slider_limit(logits):
    """The common range ±L of the logit sliders: 10, or the next 1-2-5 number above the largest |logit|."""
    largest = max((abs(v) for v in logits), default=0.0)
    limit = 10.0
    while limit < largest:
        for factor in (2.0, 2.5, 2.0):  # 10, 20, 50, 100, 200, 500, ...
            limit *= factor
            if limit >= largest:
                break
    return min(limit, MAX_ABS_LOGIT)


class FigureView:
    """An ``ipywidgets.Image`` showing a :class:`figures.PngFigure`, redrawn in place.

    PNGs are cached by a key describing what is drawn (the state's numbers), so moving a
    slider back and forth costs nothing after the first pass, and an unchanged picture is never
    sent again. ``show`` also sets the image's text alternative (its numbers in words).
    """

    def __init__(self, figure, css_class, *, cache_size=64):
        self.figure = figure
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="100%"))
        self.image.add_class(css_class)
        self.image.add_class("explorer-figure")
        # The text alternative: visually hidden text that the page script also copies into the
        # image's alt (ipywidgets' Image has no alt, and its tooltip breaks the view).
        self.text = widgets.HTML()
        self.text.add_class("figure-description")
        self.widget = widgets.VBox([self.image, self.text], layout=widgets.Layout(width="100%"))
        self._description = ""
        self._cache = OrderedDict()
        self._cache_size = cache_size
        self.renders = 0  # how many PNGs were actually rendered (the rest came from the cache)

    def show(self, key, draw, description=None):
        """Call ``draw()`` to update the artists, then display the PNG for ``key`` (cached)."""
        draw()
        png = self._cache.get(key)
        if png is None:
            png = self.figure.png()
            self.renders += 1
            self._cache[key] = png
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        if self.image.value != png:
            self.image.value = png
        if description is not None and description != self._description:
            self._description = description
            self.text.value = f'<span class="explorer-sr-only">{html.escape(description)}</span>'

    @property
    def description(self):
        """The figure's text alternative."""
        return self._description


class LogitsEditor:
    """Sliders for 2 to 8 logits, a class-count slider and a text box for pasted logits.

    The editor changes ``state`` only through ``state.set_logits``; a pasted text that
    :func:`parse_logits` rejects leaves the state untouched and shows the reason next to the box.
    All sliders share one range, ±:func:`slider_limit` of the logits, which follows the state
    both ways (wider for ``1000, 2000, 3000``, back to ±10 after reset) whenever the logits are
    set from outside a slider; dragging a slider never changes the range under the pointer.

    Parameters
    ----------
    state
        Any tab state with ``logits`` and ``set_logits``.
    on_change : callable
        Called with no argument after the logits changed.
    guard : callable
        Wraps callbacks so an unexpected exception becomes a visible message.
    names : callable, optional
        ``names(i)`` labels slider ``i`` (default ``"logit i"``).
    """

    SLIDER_LIMIT = 10.0
    STEP = 0.1

    def __init__(self, state, on_change, guard, *, names=None, compact=False):
        self.state = state
        self._on_change = on_change
        self._names = names or (lambda i: f"logit {i}")
        style = {"description_width": "6em"}
        self.sliders, self.bindings = [], []
        for i in range(MAX_CLASSES):
            slider = FloatSlider(
                min=-self.SLIDER_LIMIT,
                max=self.SLIDER_LIMIT,
                step=self.STEP,
                value=0.0,
                description=self._names(i),
                style=style,
                readout_format=".2f",
                layout=widgets.Layout(width="96%"),
            )
            slider.add_class("logit-slider")
            slider.add_class(f"logit-slider-{i}")
            binding = SliderBinding(slider, lambda i=i: self._logit(i), lambda value, i=i: self._set_logit(i, value))
            slider.observe(guard(lambda change, i=i: self._slider_moved(i, change["new"])), names="value")
            self.sliders.append(slider)
            self.bindings.append(binding)
        self.classes_slider = IntSlider(
            min=MIN_CLASSES,
            max=MAX_CLASSES,
            value=len(state.logits),
            description="classes",
            style=style,
            layout=widgets.Layout(width="96%"),
        )
        self.classes_slider.add_class("classes-slider")
        self.classes_binding = SliderBinding(self.classes_slider, lambda: self.state.n_classes, self._set_n_classes)
        self.classes_slider.observe(guard(self._classes_moved), names="value")
        # continuous_update=False: the text is read on Enter or when the box loses focus,
        # not after every keystroke (half-typed numbers would flash errors).
        self.text = widgets.Text(
            description="logits",
            placeholder="2, 1, 0.1",
            continuous_update=False,
            style=style,
            layout=widgets.Layout(width="96%"),
        )
        self.text.add_class("logits-text")
        self.text.observe(guard(self._text_entered), names="value")
        self._syncing_text = False
        self.message = widgets.HTML()
        self.message.add_class("logits-message")
        self.help = _help(f"2 to 8 numbers up to ±{MAX_ABS_LOGIT:g}, then Enter; or drag a slider", wide=True)
        rows = [self.text, self.message, self.help, self.classes_slider]
        if compact:
            half = MAX_CLASSES // 2
            for slider in self.sliders:
                slider.layout.width = "98%"
                slider.style.description_width = "4.2em"
            rows.append(
                widgets.HBox(
                    [
                        widgets.VBox(self.sliders[:half], layout=widgets.Layout(width="50%")),
                        widgets.VBox(self.sliders[half:], layout=widgets.Layout(width="50%")),
                    ],
                    layout=widgets.Layout(width="100%"),
                )
            )
        else:
            rows.extend(self.sliders)
        self.widget = widgets.VBox(rows)
        self.sync_from_state()

    def _logit(self, i):
        logits = self.state.logits
        return logits[i] if i < len(logits) else 0.0

    def _set_logit(self, index, value):
        values = list(self.state.logits)
        values[index] = value
        self.state.set_logits(values)

    def _set_n_classes(self, n):
        self.state.set_logits((tuple(self.state.logits) + (0.0,) * MAX_CLASSES)[: int(n)])

    # ------------------------------------------------------------------ callbacks
    def _slider_moved(self, index, value):
        if index >= self.state.n_classes:
            return  # a hidden slider
        if self.bindings[index].moved(value):
            self.message.value = ""
            self._show_text()
            self._on_change()

    def _classes_moved(self, change):
        if self.classes_binding.moved(change["new"]):
            self.message.value = ""
            self.sync_from_state()
            self._on_change()

    def _text_entered(self, change):
        if self._syncing_text:
            return
        try:
            logits = parse_logits(change["new"])
            self.state.set_logits(logits)
        except ValueError as error:
            # The previous state stays; the bad text stays in the box so it can be corrected.
            self.message.value = _message(str(error))
            return
        self.message.value = ""
        self.sync_from_state()
        self._on_change()

    def show_error(self, text):
        self.message.value = _message(text)

    # ------------------------------------------------------------------ state -> widgets
    def _show_text(self):
        self._syncing_text = True
        try:
            self.text.value = format_logits(self.state.logits)
        finally:
            self._syncing_text = False

    def sync_from_state(self):
        """Make sliders (values and range), class count and text box show ``state.logits``."""
        logits = tuple(self.state.logits)
        limit = slider_limit(logits)
        self.classes_binding.show()
        for i, (slider, binding) in enumerate(zip(self.sliders, self.bindings)):
            slider.description = self._names(i)
            binding.show(min=-limit, max=limit)
            slider.layout.display = None if i < len(logits) else "none"
        self._show_text()


class _TypedValue:
    """A text box bound to one value of the state: a typed text is parsed (a bad one gets a message
    and changes nothing), and the box always shows the state's value (its own echo is ignored)."""

    def _bind_text(self, get, set, on_change, parse, format):
        self.get, self._set, self._on_change = get, set, on_change
        self._parse, self._format = parse, format
        self._syncing_text = False
        self.message = widgets.HTML()

    def _text_entered(self, change):
        if self._syncing_text:
            return
        try:
            self._set(self._parse(change["new"]))
        except ValueError as error:
            self.message.value = _message(str(error))
            return
        self.message.value = ""
        self.sync_from_state()
        self._on_change()

    def show_error(self, text):
        self.message.value = _message(text)

    def _show_text(self):
        self._syncing_text = True
        try:
            self.text.value = self._format(self.get())
        finally:
            self._syncing_text = False

    def sync_from_state(self):
        self._show_text()


class TemperatureControl(_TypedValue):
    """A log-scale temperature slider with a box that shows T and takes a typed T exactly.

    The slider steps 0.01 in log10 T; a position next to a round value (0.1, 0.5, 1, 2, 5 …) means
    exactly that value (:func:`round_temperature`), so the class sees the textbook numbers. The
    slider's own readout is hidden: the box is the readout, and typing ``0.5`` there gives 0.5.
    """

    def __init__(self, get, set, on_change, guard, *, description="temperature T"):
        self._bind_text(get, set, on_change, parse_temperature, format_number)
        self.slider = FloatLogSlider(
            value=get(),
            base=10,
            min=math.log10(MIN_TEMPERATURE),
            max=math.log10(MAX_TEMPERATURE),
            step=TEMPERATURE_LOG_STEP,
            description=description,
            readout=False,
            style={"description_width": "9em"},
            layout=widgets.Layout(width="auto", flex="1 1 auto"),
        )
        self.slider.add_class("temperature-slider")
        self.binding = SliderBinding(self.slider, get, set, log=True, to_value=round_temperature)
        self.slider.observe(guard(self._slider_moved), names="value")
        self.text = widgets.Text(
            value=format_number(get()),
            description="T =",
            continuous_update=False,
            style={"description_width": "2.2em"},
            layout=widgets.Layout(width="8.5em"),
        )
        self.text.add_class("temperature-text")
        self.text.observe(guard(self._text_entered), names="value")
        self.message.add_class("temperature-message")
        self.widget = widgets.VBox(
            [widgets.HBox([self.slider, self.text], layout=widgets.Layout(width="96%")), self.message]
        )

    def _slider_moved(self, change):
        if self.binding.moved(change["new"]):
            self.message.value = ""
            self._show_text()
            self._on_change()

    def sync_from_state(self):
        self.binding.show()
        self._show_text()


class SeedControl(_TypedValue):
    """A box for a seed that refuses anything but a whole number (``3.7``, ``1e3``), with a message."""

    def __init__(self, get, set, on_change, guard, css_class):
        self._bind_text(get, set, on_change, parse_seed, str)
        self.text = widgets.Text(
            value=str(get()),
            description="seed",
            continuous_update=False,
            style={"description_width": "3.5em"},
            layout=widgets.Layout(width="12em"),
        )
        self.text.add_class(css_class)
        self.text.observe(guard(self._text_entered), names="value")
        self.message.add_class(f"{css_class}-message")


class _TabView:
    """Shared plumbing: the status line, guarded callbacks, the projector CSS and link support.

    A tab class for the explorer provides ``state``, ``widget``, ``image`` (its first figure),
    ``refresh()``, and for links ``query_items()`` / ``apply_query(params)``; listeners added
    with :meth:`on_change` are called after every redraw (the app keeps the page's URL with them).
    """

    def __init__(self):
        self.status = widgets.HTML()
        self.status.add_class("dashboard-status")
        self._css = widgets.HTML(_PROJECTOR_CSS + script_html(_PAGE_SCRIPT))
        self._listeners = []

    def _guarded(self, callback):
        """Wrap a widget callback: any exception becomes a message in ``status``, never a traceback."""

        def run(*args, **kwargs):
            try:
                result = callback(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - the page must never show a traceback
                self.status.value = _message(
                    f"Something went wrong ({type(error).__name__}: {error}); the last valid picture is kept."
                )
                return None
            if self.status.value:
                self.status.value = ""  # the next action that works clears the old message
            return result

        return run

    def on_change(self, listener):
        """Call ``listener(tab)`` after every redraw."""
        self._listeners.append(listener)

    def _changed(self):
        for listener in self._listeners:
            listener(self)

    def _page(self, css_class, children):
        page = widgets.VBox([self._css, *children, self.status], layout=widgets.Layout(width="100%"))
        page.add_class("softmax-explorer-tab")
        page.add_class(css_class)
        return page

    # ------------------------------------------------------------------ links
    def query_items(self):
        return self.state.query_items()

    def apply_query(self, params):
        """Use the keys of ``params`` this tab knows; returns ``[(key, message)]`` for bad values."""
        errors = self.state.apply_query(params)
        self.sync_controls()
        self.show_query_errors(errors)
        self.refresh()
        return errors

    def show_query_errors(self, errors):
        """Show each bad link value where the same bad typed value would be shown."""
        targets = {
            "logits": getattr(self, "editor", None),
            "T": getattr(self, "temperature", None),
            "seed": getattr(self, "seed", None),
        }
        for key, text in errors:
            target = targets.get(key)
            if target is not None:
                target.show_error(text)

    def sync_controls(self):
        """Make every control show the state (after a link or a reset)."""


def _button(description, css_class, icon="", tooltip=None):
    button = widgets.Button(
        description=description,
        icon=icon,
        tooltip=tooltip,
        layout=widgets.Layout(width="auto", min_width="fit-content", flex="0 0 auto"),
    )
    button.add_class(css_class)
    return button


def _row(children):
    return widgets.HBox(children, layout=widgets.Layout(width="96%", flex_flow="row wrap", align_items="center"))


def _two_columns(left, right):
    return widgets.HBox(
        [
            widgets.VBox(left, layout=widgets.Layout(width="41%", min_width="360px")),
            widgets.VBox(right, layout=widgets.Layout(width="59%")),
        ],
        layout=widgets.Layout(width="100%", align_items="flex-start"),
    )


def _checkbox(value, description, css_class, width="96%"):
    box = widgets.Checkbox(value=value, description=description, indent=False, layout=widgets.Layout(width=width))
    box.add_class(css_class)
    return box


def _set_quietly(view, widget, value):
    view._quiet = True
    try:
        widget.value = value
    finally:
        view._quiet = False


class TemperatureTab(_TabView):
    """Tab 1: logits and temperature in, ``softmax(logits / T)`` and its entropy out.

    Parameters
    ----------
    logits : sequence of float
        2 to 8 starting logits.
    temperature : float
        Starting temperature (> 0).
    theme : {"light", "dark"}, optional
        Figure colours (default: :func:`default_theme`).

    Attributes
    ----------
    state : TemperatureState
        The plain-Python state (logits, temperature, probabilities, summary()).
    widget : ipywidgets.VBox
        What to display.
    """

    def __init__(self, logits=(2.0, 1.0, 0.1), temperature=1.0, *, theme=None, seed=0):
        super().__init__()
        self.state = TemperatureState(logits, temperature, seed=seed)
        self._revealed = True
        self._quiet = False
        guard = self._guarded
        self.editor = LogitsEditor(self.state, self.refresh, guard)
        self.temperature = TemperatureControl(
            lambda: self.state.temperature, self.state.set_temperature, self.refresh, guard
        )
        self.temperature_slider = self.temperature.slider
        self.temperature_text = self.temperature.text
        self.stable_toggle = _checkbox(True, "stable: subtract the max first", "stable-toggle")
        self.stable_toggle.observe(guard(self._stable_changed), names="value")
        self.predict_toggle = _checkbox(False, "predict, then reveal", "predict-toggle", width="auto")
        self.predict_toggle.observe(guard(self._predict_changed), names="value")
        self.reveal_button = _button("reveal", "reveal-button", "eye")
        self.reveal_button.on_click(guard(self._reveal))
        self.reset_button = _button("reset", "reset-button", "undo")
        self.reset_button.on_click(guard(self._reset))
        self.randomise_button = _button("randomise", "randomise-button", "random")
        self.randomise_button.on_click(guard(self._randomise))
        self.probabilities_readout = _readout("probabilities-readout")
        self.stats_readout = _readout("stats-readout")
        self.figure_view = FigureView(
            figures.ProbabilityBarsFigure(MAX_CLASSES, theme or default_theme()), "probability-plot"
        )
        self.image = self.figure_view.image
        self.widget = self._page(
            "temperature-tab",
            [
                _two_columns(
                    [
                        self.temperature.widget,
                        _help("low T sharpens towards the arg-max, high T flattens"),
                        self.editor.widget,
                        self.stable_toggle,
                        _help("untick for the slide's exp(x) / Σ exp(x): try 800, 1, 0.1", wide=True),
                        _row([self.predict_toggle, self.reset_button, self.randomise_button, self.reveal_button]),
                    ],
                    [self.figure_view.widget, self.probabilities_readout, self.stats_readout],
                )
            ],
        )
        self.refresh()

    # ------------------------------------------------------------------ callbacks
    def _stable_changed(self, change):
        if self._quiet:
            return
        self.state.set_stable(change["new"])
        self.refresh()

    def _predict_changed(self, change):
        if self._quiet:
            return
        self._revealed = not change["new"]
        self.refresh(keep_reveal=True)

    def _reveal(self, _button=None):
        self._revealed = True
        self.refresh(keep_reveal=True)

    def _reset(self, _button=None):
        self.state.reset()
        self.sync_controls()
        self.refresh()

    def _randomise(self, _button=None):
        self.state.randomise()
        self.sync_controls()
        self.refresh()

    def sync_controls(self):
        self.editor.message.value = ""
        self.temperature.message.value = ""
        self.editor.sync_from_state()
        self.temperature.sync_from_state()
        _set_quietly(self, self.stable_toggle, self.state.stable)

    # ------------------------------------------------------------------ links
    def query_items(self):
        items = self.state.query_items()
        if self.predict_toggle.value:
            items.append(("predict", "1"))
        return items

    def apply_query(self, params):
        from softmax_teach.dashboard.state import parse_flag

        errors = self.state.apply_query(params)
        if "predict" in params:
            try:
                predict = parse_flag("predict", params["predict"])
                _set_quietly(self, self.predict_toggle, predict)
                self._revealed = not predict
            except ValueError as error:
                errors.append(("predict", str(error)))
        self.sync_controls()
        self.show_query_errors(errors)
        self.refresh(keep_reveal=True)
        return errors

    # ------------------------------------------------------------------ state -> page
    def refresh(self, keep_reveal=False):
        """Redraw figure and readouts from the state (hidden while a prediction is pending)."""
        if self._quiet:
            return
        if self.predict_toggle.value and not keep_reveal:
            self._revealed = False
        state = self.state
        summary = state.summary()
        hidden = not self._revealed
        self.reveal_button.layout.display = None if self.predict_toggle.value else "none"
        banner = ""
        if state.overflowed:
            banner = "overflow → nan"
        elif not all(math.isfinite(p) for p in summary.probabilities):
            banner = "0 / 0 → nan"
        labels = [str(i) for i in range(state.n_classes)]
        title = f"softmax(logits / T),  T = {format_number(state.temperature)}" + (
            "" if state.stable else "  (no max-subtraction)"
        )
        p_text = ", ".join(_number(p) for p in summary.probabilities)
        if hidden:
            description = (
                f"Bar chart of {state.n_classes} class probabilities, hidden until you reveal them "
                f"(logits {format_logits(state.logits)}, T = {format_number(state.temperature)})."
            )
        else:
            description = (
                f"Bar chart: softmax of logits {format_logits(state.logits)} at T = "
                f"{format_number(state.temperature)} gives probabilities {p_text}"
                + (f"; class {summary.arg_max} is the arg-max (hatched)." if summary.arg_max >= 0 else f"; {banner}.")
            )
        key = (summary.probabilities, state.temperature, state.stable, hidden, banner)
        self.figure_view.show(
            key,
            lambda: self.figure_view.figure.update(
                summary.probabilities,
                labels,
                title=title,
                banner="?" if hidden and not banner else banner,
                hidden=hidden,
            ),
            description,
        )
        if hidden:
            _set_readout(self.probabilities_readout, ["Guess the probabilities, then press <b>reveal</b>."])
            _set_readout(self.stats_readout, [])
            self._changed()
            return
        _set_readout(self.probabilities_readout, [f"p = [{p_text}]"])
        lines = [
            f"entropy H = {_number(summary.entropy_nats)} nats = {_number(summary.entropy_bits)} bits"
            f" &nbsp;(max {math.log(state.n_classes):.3f} nats)",
            f"perplexity e<sup>H</sup> = {_number(summary.perplexity, 2)} of {state.n_classes} classes",
            f"max probability {_number(summary.max_probability)} &nbsp;→&nbsp; arg-max: class "
            + (str(summary.arg_max) if summary.arg_max >= 0 else "none"),
        ]
        if state.overflowed:
            lines.append(
                '<span class="explorer-error"><b>overflow → nan</b>: exp(logit / T) passed '
                "1.8e308 (e<sup>709.8</sup>); subtracting the max first prevents it.</span>"
            )
        _set_readout(self.stats_readout, lines)
        self._changed()


class SamplingTab(_TabView):
    """Tab 2: temperature, top-k, top-p and min-p; the distribution before and after the filters,
    and seeded draws against the exact distribution."""

    def __init__(
        self, logits=SamplingState.DEFAULT_LOGITS, *, labels=None, temperature=1.0, n_draws=200, seed=0, theme=None
    ):
        super().__init__()
        self.state = SamplingState(logits, labels, temperature=temperature, n_draws=n_draws, seed=seed)
        guard = self._guarded
        state = self.state
        self.editor = LogitsEditor(
            state,
            self._logits_changed,
            guard,
            compact=True,
            names=lambda i: f"“{self.state.labels[i]}”" if i < self.state.n_classes else f"logit {i}",
        )
        self.temperature = TemperatureControl(lambda: state.temperature, state.set_temperature, self.refresh, guard)
        self.temperature_slider = self.temperature.slider
        self.temperature_text = self.temperature.text
        style = {"description_width": "9em"}
        wide = widgets.Layout(width="96%")
        self.top_k_slider = IntSlider(
            value=0, min=0, max=state.n_classes, description="top-k (0 = off)", style=style, layout=wide
        )
        self.top_p_slider = FloatSlider(
            value=1.0,
            min=0.01,
            max=1.0,
            step=0.01,
            description="top-p (1 = off)",
            readout_format=".2f",
            style=style,
            layout=wide,
        )
        self.min_p_slider = FloatSlider(
            value=0.0,
            min=0.0,
            max=1.0,
            step=0.01,
            description="min-p (0 = off)",
            readout_format=".2f",
            style=style,
            layout=wide,
        )
        self.draws_slider = IntSlider(
            value=n_draws, min=10, max=SamplingState.MAX_DRAWS, step=10, description="draws", style=style, layout=wide
        )
        self.seed = SeedControl(lambda: state.seed, state.set_seed, self.refresh, guard, "seed-box")
        self.seed_box = self.seed.text
        self.draw_button = _button("draw again (next seed)", "draw-button", "random")
        self.bindings = {
            "top_k": SliderBinding(
                self.top_k_slider,
                lambda: state.top_k or 0,
                lambda v: state.set_filters(top_k=int(v) or None, top_p=state.top_p, min_p=state.min_p),
            ),
            "top_p": SliderBinding(
                self.top_p_slider,
                lambda: state.top_p if state.top_p is not None else 1.0,
                lambda v: state.set_filters(top_k=state.top_k, top_p=None if v >= 1.0 else v, min_p=state.min_p),
            ),
            "min_p": SliderBinding(
                self.min_p_slider,
                lambda: state.min_p or 0.0,
                lambda v: state.set_filters(top_k=state.top_k, top_p=state.top_p, min_p=v or None),
            ),
            "draws": SliderBinding(self.draws_slider, lambda: state.n_draws, lambda v: state.set_n_draws(int(v))),
        }
        for binding, css_class in zip(
            self.bindings.values(), ["top-k-slider", "top-p-slider", "min-p-slider", "draws-slider"]
        ):
            binding.slider.add_class(css_class)
            binding.slider.observe(
                guard(lambda change, b=binding: b.moved(change["new"]) and self.refresh()), names="value"
            )
        self.draw_button.on_click(guard(self._draw_again))
        self.readout = _readout("sampling-readout")
        self.figure_view = FigureView(figures.SamplingFigure(MAX_CLASSES, theme or default_theme()), "sampling-plot")
        self.image = self.figure_view.image
        self.widget = self._page(
            "sampling-tab",
            [
                _two_columns(
                    [
                        self.temperature.widget,
                        self.top_k_slider,
                        _help("keeps only the k most probable tokens"),
                        self.top_p_slider,
                        _help("keeps the fewest top tokens whose probabilities add up to p"),
                        self.min_p_slider,
                        _help("keeps tokens with at least min-p × the top probability"),
                        self.draws_slider,
                        _row([self.seed_box, self.draw_button]),
                        self.seed.message,
                        self.editor.widget,
                    ],
                    [self.figure_view.widget, self.readout],
                )
            ],
        )
        self.sync_controls()
        self.refresh()

    def _logits_changed(self):
        self.bindings["top_k"].show(max=self.state.n_classes)
        self.refresh()

    def _draw_again(self, _button=None):
        self.state.next_seed()
        self.seed.message.value = ""
        self.seed.sync_from_state()
        self.refresh()

    def sync_controls(self):
        for control in (self.editor, self.temperature, self.seed):
            control.message.value = ""
        self.editor.sync_from_state()
        self.temperature.sync_from_state()
        self.seed.sync_from_state()
        self.bindings["top_k"].show(max=self.state.n_classes)
        for name in ("top_p", "min_p", "draws"):
            self.bindings[name].show()

    def refresh(self):
        state = self.state
        before = state.unfiltered
        exact = state.probabilities
        frequencies = state.frequencies()
        cut = state.cut_by()
        labels = state.labels
        kept = [labels[i] for i in np.flatnonzero(exact > 0)]
        threshold = None if state.min_p is None else state.min_p * float(before.max())
        key = (state.logits, state.temperature, state.top_k, state.top_p, state.min_p, state.n_draws, state.seed)
        self.figure_view.show(
            key,
            lambda: self.figure_view.figure.update(
                before,
                exact,
                frequencies,
                labels,
                cut,
                top_p=state.top_p,
                min_p_threshold=threshold,
                title_before=f"before the filters (T = {format_number(state.temperature)})",
                title_after=f"after, renormalised ({state.n_draws} draws, seed {state.seed})",
            ),
            self._description(before, exact, frequencies, labels, cut),
        )
        lines = [f"kept: {', '.join(kept)}"]
        for name, indices in cut.items():
            if indices:
                lines.append(f"cut by {name}: {', '.join(labels[i] for i in indices)}")
        # Total variation distance: half the L1 gap, the largest probability any event can be off by.
        gap = 0.5 * float(np.abs(frequencies - exact).sum())
        lines.append(f"draws vs exact: total variation {gap:.3f}")
        lines.append(
            '<span style="font-size:15px">(total variation = half the sum of |share − probability|: '
            "the most that any set of tokens is over- or under-drawn; 0 means a perfect match, "
            "and it shrinks as draws grow)</span>"
        )
        _set_readout(self.readout, lines)
        self._changed()

    def _description(self, before, exact, frequencies, labels, cut):
        cut_names = {labels[i]: name for name, indices in cut.items() for i in indices}
        parts = []
        for i in np.argsort(-before, kind="stable"):
            label = labels[i]
            if label in cut_names:
                parts.append(f"{label} {before[i]:.3f} → cut by {cut_names[label]}")
            else:
                parts.append(f"{label} {before[i]:.3f} → {exact[i]:.3f} (drawn {frequencies[i]:.3f})")
        return (
            "Two bar charts, tokens from most to least probable. Before the filters → after, renormalised: "
            + "; ".join(parts)
            + "."
        )


class TrueClassPicker:
    """One button per class (2 to 8), the selected one marked with a check mark and a frame.

    Built from 8 plain buttons whose visibility follows the class count: ToggleButtons does not
    redraw when its labels are the indices themselves and the list only shrinks, so buttons of
    classes that no longer exist stayed on the page.
    """

    def __init__(self, get, set, n_classes, on_change, guard):
        self.get, self._set, self._on_change = get, set, on_change
        self.buttons = []
        for i in range(MAX_CLASSES):
            button = widgets.Button(
                description=str(i), layout=widgets.Layout(width="2.75em", margin="1px 2px", padding="0")
            )
            button.add_class("true-class-button")
            button.add_class(f"true-class-{i}")
            button.on_click(guard(lambda _button, i=i: self._clicked(i)))
            self.buttons.append(button)
        label = widgets.HTML(
            '<span style="font-size:17px;white-space:nowrap">true class</span>',
            layout=widgets.Layout(width="auto", margin="0 6px 0 4px"),
        )
        self.widget = widgets.HBox(
            [label, *self.buttons], layout=widgets.Layout(width="96%", flex_flow="row wrap", align_items="center")
        )
        self.widget.add_class("true-class")
        self.sync(n_classes)

    def _clicked(self, i):
        self._set(i)
        self.sync(len([b for b in self.buttons if b.layout.display != "none"]))
        self._on_change()

    def sync(self, n_classes):
        selected = self.get()
        for i, button in enumerate(self.buttons):
            button.layout.display = None if i < n_classes else "none"
            is_selected = i == selected
            description = f"{i} ✓" if is_selected else str(i)
            if button.description != description:
                button.description = description
            button.tooltip = f"class {i} is the true class" if is_selected else f"make class {i} the true class"
            if is_selected:
                button.add_class("selected")
            else:
                button.remove_class("selected")

    @property
    def shown(self):
        """Indices of the buttons on the page."""
        return [i for i, b in enumerate(self.buttons) if b.layout.display != "none"]

    @property
    def selected(self):
        return [i for i, b in enumerate(self.buttons) if "selected" in b._dom_classes and b.layout.display != "none"]


class CrossEntropyTab(_TabView):
    """Tab 3: the loss of a true class and its gradient ``p - y``, with label smoothing."""

    def __init__(self, logits=(2.0, 1.0, 0.1), true_class=0, label_smoothing=0.0, *, theme=None):
        super().__init__()
        self.state = CrossEntropyState(logits, true_class, label_smoothing)
        state = self.state
        guard = self._guarded
        self.editor = LogitsEditor(state, self._logits_changed, guard)
        self.true_class = TrueClassPicker(
            lambda: state.true_class, state.set_true_class, state.n_classes, self.refresh, guard
        )
        self.true_class_buttons = self.true_class.widget
        self.smoothing_slider = FloatSlider(
            value=label_smoothing,
            min=0.0,
            max=1.0,
            step=0.01,
            description="label smoothing ε",
            readout_format=".2f",
            style={"description_width": "9em"},
            layout=widgets.Layout(width="96%"),
        )
        self.smoothing_slider.add_class("smoothing-slider")
        self.smoothing = SliderBinding(self.smoothing_slider, lambda: state.label_smoothing, state.set_label_smoothing)
        self.smoothing_slider.observe(
            guard(lambda change: self.smoothing.moved(change["new"]) and self.refresh()), names="value"
        )
        self.readout = _readout("cross-entropy-readout")
        self.figure_view = FigureView(
            figures.CrossEntropyFigure(MAX_CLASSES, theme or default_theme()), "cross-entropy-plot"
        )
        self.image = self.figure_view.image
        self.widget = self._page(
            "cross-entropy-tab",
            [
                _two_columns(
                    [
                        self.true_class_buttons,
                        _help("the class the label says is right", wide=True),
                        self.smoothing_slider,
                        _help("target y = (1 − ε)·one-hot + ε / C: spreads ε of the target over all classes"),
                        self.editor.widget,
                    ],
                    [self.figure_view.widget, self.readout],
                )
            ],
        )
        self.refresh()

    def _logits_changed(self):
        self.true_class.sync(self.state.n_classes)
        self.refresh()

    def sync_controls(self):
        self.editor.message.value = ""
        self.editor.sync_from_state()
        self.true_class.sync(self.state.n_classes)
        self.smoothing.show()

    def refresh(self):
        state = self.state
        p, y, gradient, loss = state.probabilities, state.target, state.gradient, state.loss
        key = (state.logits, state.true_class, state.label_smoothing)
        g_text = ", ".join(f"{g:+.3f}" for g in gradient)
        description = (
            f"Left: predicted p = [{', '.join(f'{v:.3f}' for v in p)}] beside target "
            f"y = [{', '.join(f'{v:.3f}' for v in y)}], true class {state.true_class} (✓, hatched). "
            f"Right: the gradient p − y = [{g_text}]."
        )
        self.figure_view.show(
            key, lambda: self.figure_view.figure.update(p, y, gradient, state.true_class), description
        )
        _set_readout(
            self.readout,
            [
                f"loss = {loss:.3f} nats = {loss / math.log(2):.3f} bits",
                f"p(true class {state.true_class}) = {p[state.true_class]:.3f}",
                f"lowest reachable loss (ε = {state.label_smoothing:.2f}): {state.minimum_loss:.3f} nats",
                f"gradient p − y = [{g_text}]",
                '<span style="font-size:15px">A negative gradient means gradient descent raises that logit.</span>',
            ],
        )
        self._changed()


class AttentionTab(_TabView):
    """Tab 4: scaled dot-product attention weights of a few tokens, with and without ``1/√d``."""

    D_CHOICES = AttentionState.D_CHOICES

    def __init__(self, tokens=AttentionState.DEFAULT_TOKENS, *, d=16, scaled=True, causal=False, seed=0, theme=None):
        super().__init__()
        self.state = AttentionState(tokens, d=d, scaled=scaled, causal=causal, seed=seed)
        state = self.state
        guard = self._guarded
        self._quiet = False
        choices = sorted(set(self.D_CHOICES) | {self.state.d})
        self.d_slider = SelectionSlider(
            options=choices,
            value=self.state.d,
            description="dimension d",
            style={"description_width": "9em"},
            layout=widgets.Layout(width="96%"),
        )
        self.scaled_toggle = _checkbox(self.state.scaled, "divide scores by √d", "scale-toggle")
        self.causal_toggle = _checkbox(self.state.causal, "causal mask (no peeking ahead)", "causal-toggle")
        self.seed = SeedControl(lambda: state.seed, state.set_seed, self.refresh, guard, "attention-seed")
        self.seed_box = self.seed.text
        self.new_button = _button("new queries and keys", "new-qk-button", "random")
        self.d_slider.add_class("d-slider")
        for widget in (self.d_slider, self.scaled_toggle, self.causal_toggle):
            widget.observe(guard(self._settings_changed), names="value")
        self.new_button.on_click(guard(self._new_queries))
        self.readout = _readout("attention-readout")
        self.figure_view = FigureView(
            figures.AttentionFigure(self.state.tokens, theme or default_theme()), "attention-plot"
        )
        self.image = self.figure_view.image
        self.widget = self._page(
            "attention-tab",
            [
                _two_columns(
                    [
                        self.d_slider,
                        _help("length of each query and key vector (random, N(0, 1) entries)"),
                        self.scaled_toggle,
                        _help("without it, dot products grow like √d and softmax saturates", wide=True),
                        self.causal_toggle,
                        _help("a token may only look at itself and earlier tokens", wide=True),
                        _row([self.seed_box, self.new_button]),
                        self.seed.message,
                        self.readout,
                    ],
                    [self.figure_view.widget],
                )
            ],
        )
        self.refresh()

    def _settings_changed(self, _change=None):
        if self._quiet:
            return
        self.state.set_d(int(self.d_slider.value))
        self.state.scaled = bool(self.scaled_toggle.value)
        self.state.causal = bool(self.causal_toggle.value)
        self.refresh()

    def _new_queries(self, _button=None):
        self.state.set_seed(self.state.seed + 1 if self.state.seed < 2**32 - 1 else 0)
        self.seed.message.value = ""
        self.seed.sync_from_state()
        self.refresh()

    def sync_controls(self):
        self.seed.message.value = ""
        self.seed.sync_from_state()
        _set_quietly(self, self.d_slider, self.state.d)
        _set_quietly(self, self.scaled_toggle, self.state.scaled)
        _set_quietly(self, self.causal_toggle, self.state.causal)

    def refresh(self):
        state = self.state
        weights, allowed = state.weights, state.mask
        key = (state.d, state.scaled, state.causal, state.seed)
        rows = "; ".join(
            f"{token}: " + ", ".join(f"{w:.2f}" if ok else "masked" for w, ok in zip(row, mask))
            for token, row, mask in zip(state.tokens, weights, allowed)
        )
        description = f"Heatmap of attention weights, one row per query token (keys in the same order). {rows}."
        self.figure_view.show(key, lambda: self.figure_view.figure.update(weights, allowed), description)
        scores = state.scores[allowed]
        bits = state.row_entropy_bits
        n = len(state.tokens)
        root = math.sqrt(state.d)
        scale = (
            f"scores = q·k ÷ √{state.d}, and √{state.d} = {format_number(round(root, 2))}"
            if state.scaled
            else "scores = q·k (not divided by √d)"
        )
        _set_readout(
            self.readout,
            [
                scale,
                f"spread of scores (std): {scores.std():.2f}",
                f"mean entropy per query: {bits.mean():.2f} bits (uniform over {n}: {math.log2(n):.2f})",
                f"largest weight: {weights.max():.2f}",
                '<span style="font-size:15px">Without √d, large d makes the scores spread out and softmax '
                "saturates to one key.</span>",
            ],
        )
        self._changed()


def page_script_json(value):
    """``value`` as a JavaScript literal safe inside an HTML attribute (after html.escape)."""
    return json.dumps(value)
