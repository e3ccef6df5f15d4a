"""Widget views of the Softmax Explorer tabs.

A view copies widget values into its state object (:mod:`softmax_teach.dashboard.state`),
then copies numbers back out into readouts and an in-place figure. Every callback runs
through :meth:`_TabView._guarded`, so a bad value or an unexpected error becomes a short
message on the page instead of a traceback. Every widget a test or a browser needs to find has a
stable CSS class (``add_class``).
"""

from __future__ import annotations

import html
import math
import os
from collections import OrderedDict

import ipywidgets as widgets
import numpy as np

from softmax_teach.dashboard import figures
from softmax_teach.dashboard.state import (
    MAX_CLASSES,
    MIN_CLASSES,
    AttentionState,
    CrossEntropyState,
    SamplingState,
    TemperatureState,
    format_logits,
    parse_logits,
)

THEME_VARIABLE = "SOFTMAX_TEACH_THEME"

# Large type for a projector; scoped to the explorer so an embedding notebook is untouched.
_PROJECTOR_CSS = """<style>
.softmax-explorer-tab, .softmax-explorer-tab .widget-label, .softmax-explorer-tab .widget-readout,
.softmax-explorer-tab .widget-text input, .softmax-explorer-tab button,
.softmax-explorer-tab .widget-label-basic, .softmax-explorer-tab .widget-checkbox label {
  font-size: 18px !important; }
.softmax-explorer-tab .widget-readout { min-width: 4.5em; }
.softmax-explorer-tab .widget-text input { height: 2em; }
.softmax-explorer-tab button { height: 2.1em; }
.softmax-explorer-tab .widget-slider { height: 2.1em; }
.softmax-explorer .lm-TabBar-tab, .softmax-explorer .p-TabBar-tab {
  flex: 0 0 auto !important; max-width: none !important; min-width: 12em !important;
  font-size: 18px !important; line-height: 2em !important; height: 2.2em !important; }
.softmax-explorer .lm-TabBar, .softmax-explorer .p-TabBar { min-height: 2.3em !important; }
.explorer-preview { display: none !important; }
</style>"""


def default_theme():
    """The figure theme: ``$SOFTMAX_TEACH_THEME`` (set by ``softmax-teach dashboard --theme``) or light."""
    theme = os.environ.get(THEME_VARIABLE, "light")
    return theme if theme in figures.THEMES else "light"


# Readouts are read from the back of a room: 22 px, or 20 px where there are more lines.
_READOUT_FONT_SIZES = {"sampling-readout": "20px", "attention-readout": "20px"}


def _readout(css_class):
    """An HTML readout in projector-sized type that inherits the page's text colour (dark theme)."""
    widget = widgets.HTML(layout=widgets.Layout(margin="2px 0 2px 8px"))
    widget.add_class(css_class)
    return widget


def _set_readout(widget, lines):
    size = _READOUT_FONT_SIZES.get(widget._dom_classes[0], "22px")
    body = "<br>".join(lines)
    widget.value = f'<div style="font-size:{size};line-height:1.4">{body}</div>'


def _message(text, *, kind="error"):
    if not text:
        return ""
    color = "#E0473A" if kind == "error" else "#2E7D32"
    return f'<span style="color:{color};font-size:18px;font-weight:600">{html.escape(text)}</span>'


def _number(value, digits=3):
    return "nan" if not math.isfinite(value) else f"{value:.{digits}f}"


class FigureView:
    """An ``ipywidgets.Image`` showing a :class:`figures.PngFigure`, redrawn in place.

    PNGs are cached by a key describing what is drawn (the state's numbers), so moving a
    slider back and forth costs nothing after the first pass, and an unchanged picture is never
    sent again.

    Parameters
    ----------
    figure : figures.PngFigure
    css_class : str
        Class of the image element, for tests and browsers.
    cache_size : int
        How many PNGs to remember.
    """

    def __init__(self, figure, css_class, *, cache_size=64, max_width="900px"):
        self.figure = figure
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width=max_width))
        self.image.add_class(css_class)
        self._cache = OrderedDict()
        self._cache_size = cache_size
        self.renders = 0  # how many PNGs were actually rendered (the rest came from the cache)

    def show(self, key, draw):
        """Call ``draw()`` to update the artists, then display the PNG for ``key`` (cached)."""
        # Updating the artists is cheap (about a millisecond) and keeps them matching the picture;
        # rendering the PNG is the expensive step, and the one that is cached.
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


class LogitsEditor:
    """Sliders for 2 to 8 logits, a class-count slider and a text box for pasted logits.

    The editor changes ``state`` only through ``state.set_logits``; a pasted text that
    :func:`parse_logits` rejects leaves the state untouched and shows the reason next to the box.

    Parameters
    ----------
    state
        Any tab state with ``logits`` and ``set_logits``.
    on_change : callable
        Called with no argument after the logits changed (inside the editor's guarded callback,
        so it is not wrapped again: an inner guard's message would be cleared by the outer one).
    guard : callable
        Wraps callbacks so an unexpected exception becomes a visible message.
    names : callable, optional
        ``names(i)`` labels slider ``i`` (default ``"logit i"``).
    """

    SLIDER_LIMIT = 10.0

    def __init__(self, state, on_change, guard, *, names=None):
        self.state = state
        self._on_change = on_change
        self._names = names or (lambda i: f"logit {i}")
        self._syncing = False
        style = {"description_width": "6em"}
        self.sliders = []
        for i in range(MAX_CLASSES):
            slider = widgets.FloatSlider(min=-self.SLIDER_LIMIT, max=self.SLIDER_LIMIT, step=0.1,
                                         description=self._names(i), style=style, readout_format=".2f",
                                         layout=widgets.Layout(width="95%"))
            slider.add_class("logit-slider")
            slider.add_class(f"logit-slider-{i}")
            slider.observe(guard(lambda change, i=i: self._slider_moved(i, change["new"])), names="value")
            self.sliders.append(slider)
        self.classes_slider = widgets.IntSlider(min=MIN_CLASSES, max=MAX_CLASSES, description="classes",
                                                style=style, layout=widgets.Layout(width="95%"))
        self.classes_slider.add_class("classes-slider")
        self.classes_slider.observe(guard(self._classes_changed), names="value")
        # continuous_update=False: the text is read on Enter or when the box loses focus,
        # not after every keystroke (half-typed numbers would flash errors).
        self.text = widgets.Text(description="logits", placeholder="2, 1, 0.1", continuous_update=False,
                                 style=style, layout=widgets.Layout(width="95%"))
        self.text.add_class("logits-text")
        self.text.observe(guard(self._text_entered), names="value")
        self.message = widgets.HTML()
        self.message.add_class("logits-message")
        self.widget = widgets.VBox([self.text, self.message, self.classes_slider, *self.sliders])
        self.sync_from_state()

    # ------------------------------------------------------------------ callbacks
    def _slider_moved(self, index, value):
        if self._syncing:
            return
        # The browser snaps a value to min + k * step and sends it back (0.1 comes back as
        # 0.09999999999999964): that is no change, and the pasted value must not be replaced.
        value = float(f"{float(value):.12g}")
        values = list(self.state.logits)
        if index < len(values) and math.isclose(values[index], value, rel_tol=1e-9, abs_tol=1e-12):
            return
        values[index] = value
        self.state.set_logits(values)
        self.message.value = ""
        self._show_text()
        self._on_change()

    def _classes_changed(self, change):
        if self._syncing:
            return
        n = int(change["new"])
        self.state.set_logits((tuple(self.state.logits) + (0.0,) * MAX_CLASSES)[:n])
        self.message.value = ""
        self.sync_from_state()
        self._on_change()

    def _text_entered(self, change):
        if self._syncing:
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

    # ------------------------------------------------------------------ state -> widgets
    def _show_text(self):
        self._syncing = True
        try:
            self.text.value = format_logits(self.state.logits)
        finally:
            self._syncing = False

    def sync_from_state(self):
        """Make sliders, class count and text box show ``state.logits`` (no callbacks fire)."""
        logits = tuple(self.state.logits)
        self._syncing = True
        try:
            self.classes_slider.value = len(logits)
            for i, slider in enumerate(self.sliders):
                slider.description = self._names(i)
                if i < len(logits):
                    # Widen the range for pasted values beyond ±10 (e.g. 1000 for the overflow demo).
                    # One message for range and value: sent one by one, the browser would clamp
                    # the value to the old range, or re-snap it to the new one, and send that back.
                    limit = max(self.SLIDER_LIMIT, math.ceil(abs(logits[i])))
                    with slider.hold_sync():
                        slider.max = max(slider.max, limit)
                        slider.min = min(slider.min, -limit)
                        slider.value = logits[i]
                    slider.layout.display = None
                else:
                    slider.layout.display = "none"
            self.text.value = format_logits(logits)
        finally:
            self._syncing = False


class _TabView:
    """Shared plumbing: the status line, guarded callbacks and the projector CSS."""

    def __init__(self):
        self.status = widgets.HTML()
        self.status.add_class("dashboard-status")
        self._css = widgets.HTML(_PROJECTOR_CSS)

    def _guarded(self, callback):
        """Wrap a widget callback: any exception becomes a message in ``status``, never a traceback."""

        def run(*args, **kwargs):
            try:
                result = callback(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - the page must never show a traceback
                self.status.value = _message(f"Something went wrong ({type(error).__name__}: {error}); "
                                             "the last valid picture is kept.")
                return None
            if self.status.value:
                self.status.value = ""  # the next action that works clears the old message
            return result

        return run

    def _page(self, css_class, children):
        page = widgets.VBox([self._css, *children, self.status], layout=widgets.Layout(width="100%"))
        page.add_class("softmax-explorer-tab")
        page.add_class(css_class)
        return page


def _temperature_slider(value, description="temperature T"):
    # A log scale: T = 0.01 ... 100, with 1 in the middle; small T sharpens, large T flattens.
    slider = widgets.FloatLogSlider(value=value, base=10, min=-2, max=2, step=0.01, description=description,
                                    readout_format=".3g", style={"description_width": "9em"},
                                    layout=widgets.Layout(width="95%"))
    slider.add_class("temperature-slider")
    return slider


def _button(description, css_class, icon=""):
    button = widgets.Button(description=description, icon=icon, layout=widgets.Layout(width="auto"))
    button.add_class(css_class)
    return button


def _two_columns(left, right):
    return widgets.HBox(
        [widgets.VBox(left, layout=widgets.Layout(width="40%", min_width="340px")),
         widgets.VBox(right, layout=widgets.Layout(width="60%"))],
        layout=widgets.Layout(width="100%", align_items="flex-start"),
    )


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
        guard = self._guarded
        self.editor = LogitsEditor(self.state, self.refresh, guard)
        self.temperature_slider = _temperature_slider(self.state.temperature)
        self.temperature_slider.observe(guard(self._temperature_changed), names="value")
        self.stable_toggle = widgets.Checkbox(value=True, description="stable: subtract the max first",
                                              indent=False, layout=widgets.Layout(width="95%"))
        self.stable_toggle.add_class("stable-toggle")
        self.stable_toggle.observe(guard(self._stable_changed), names="value")
        self.predict_toggle = widgets.Checkbox(value=False, description="predict, then reveal", indent=False,
                                              layout=widgets.Layout(width="95%"))
        self.predict_toggle.add_class("predict-toggle")
        self.predict_toggle.observe(guard(self._predict_changed), names="value")
        self.reveal_button = _button("reveal", "reveal-button", "eye")
        self.reveal_button.on_click(guard(self._reveal))
        self.reset_button = _button("reset", "reset-button", "undo")
        self.reset_button.on_click(guard(self._reset))
        self.randomise_button = _button("randomise", "randomise-button", "random")
        self.randomise_button.on_click(guard(self._randomise))
        self.probabilities_readout = _readout("probabilities-readout")
        self.stats_readout = _readout("stats-readout")
        self.figure_view = FigureView(figures.ProbabilityBarsFigure(MAX_CLASSES, theme or default_theme()),
                                      "probability-plot")
        self.image = self.figure_view.image
        buttons = widgets.HBox([self.reset_button, self.randomise_button, self.reveal_button])
        self.widget = self._page("temperature-tab", [_two_columns(
            [self.temperature_slider, self.editor.widget, self.stable_toggle, self.predict_toggle, buttons],
            [self.image, self.probabilities_readout, self.stats_readout],
        )])
        self.refresh()

    # ------------------------------------------------------------------ callbacks
    def _temperature_changed(self, change):
        temperature = float(change["new"])
        if math.isclose(temperature, self.state.temperature, rel_tol=1e-9):
            return  # the browser echoing a snapped value back
        self.state.set_temperature(temperature)
        self.refresh()

    def _stable_changed(self, change):
        self.state.stable = bool(change["new"])
        self.refresh()

    def _predict_changed(self, change):
        self._revealed = not change["new"]
        self.refresh(keep_reveal=True)

    def _reveal(self, _button=None):
        self._revealed = True
        self.refresh(keep_reveal=True)

    def _reset(self, _button=None):
        self.state.reset()
        self._sync_controls()
        self.refresh()

    def _randomise(self, _button=None):
        self.state.randomise()
        self._sync_controls()
        self.refresh()

    def _sync_controls(self):
        self.editor.message.value = ""
        self.editor.sync_from_state()
        self._set_quietly(self.temperature_slider, self.state.temperature)
        self._set_quietly(self.stable_toggle, self.state.stable)

    def _set_quietly(self, widget, value):
        # The state already holds this value; the observer would only redraw a second time.
        self._quiet = True
        try:
            widget.value = value
        finally:
            self._quiet = False

    # ------------------------------------------------------------------ state -> page
    def refresh(self, keep_reveal=False):
        """Redraw figure and readouts from the state (hidden while a prediction is pending)."""
        if getattr(self, "_quiet", False):
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
        title = f"softmax(logits / T),  T = {state.temperature:.3g}" + ("" if state.stable else "  (no max-subtraction)")
        key = (summary.probabilities, state.temperature, state.stable, hidden, banner)
        self.figure_view.show(key, lambda: self.figure_view.figure.update(
            summary.probabilities, labels, title=title, banner="?" if hidden and not banner else banner,
            hidden=hidden))
        if hidden:
            _set_readout(self.probabilities_readout, ["Guess the probabilities, then press <b>reveal</b>."])
            _set_readout(self.stats_readout, [])
            return
        p_text = ", ".join(_number(p) for p in summary.probabilities)
        _set_readout(self.probabilities_readout, [f"p = [{p_text}]"])
        lines = [
            f"entropy H = {_number(summary.entropy_nats)} nats = {_number(summary.entropy_bits)} bits"
            f" &nbsp;(max {math.log(state.n_classes):.3f} nats)",
            f"perplexity e<sup>H</sup> = {_number(summary.perplexity, 2)} of {state.n_classes} classes",
            f"max probability {_number(summary.max_probability)} &nbsp;→&nbsp; arg-max: class "
            + (str(summary.arg_max) if summary.arg_max >= 0 else "none"),
        ]
        if state.overflowed:
            lines.append('<span style="color:#E0473A"><b>overflow → nan</b>: exp(logit / T) passed '
                         "1.8e308 (e<sup>709.8</sup>); subtracting the max first prevents it.</span>")
        _set_readout(self.stats_readout, lines)


class SamplingTab(_TabView):
    """Tab 2: temperature, top-k, top-p and min-p; seeded draws against the exact distribution."""

    def __init__(self, logits=SamplingState.DEFAULT_LOGITS, *, labels=None, temperature=1.0, n_draws=200,
                 seed=0, theme=None):
        super().__init__()
        self.state = SamplingState(logits, labels, temperature=temperature, n_draws=n_draws, seed=seed)
        guard = self._guarded
        self.editor = LogitsEditor(self.state, self.refresh, guard,
                                   names=lambda i: f"“{self.state.labels[i]}”" if i < self.state.n_classes
                                   else f"logit {i}")
        self.temperature_slider = _temperature_slider(self.state.temperature)
        style = {"description_width": "9em"}
        wide = widgets.Layout(width="95%")
        self.top_k_slider = widgets.IntSlider(value=0, min=0, max=MAX_CLASSES, description="top-k (0 = off)",
                                              style=style, layout=wide)
        self.top_p_slider = widgets.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05,
                                                description="top-p (1 = off)", style=style, layout=wide)
        self.min_p_slider = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01,
                                                description="min-p (0 = off)", style=style, layout=wide)
        self.draws_slider = widgets.IntSlider(value=n_draws, min=10, max=2000, step=10, description="draws",
                                              style=style, layout=wide)
        self.seed_box = widgets.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed", style=style,
                                               layout=widgets.Layout(width="16em"))
        self.draw_button = _button("draw again (next seed)", "draw-button", "random")
        for widget, css_class in [(self.top_k_slider, "top-k-slider"), (self.top_p_slider, "top-p-slider"),
                                  (self.min_p_slider, "min-p-slider"), (self.draws_slider, "draws-slider"),
                                  (self.seed_box, "seed-box")]:
            widget.add_class(css_class)
        for widget in (self.temperature_slider, self.top_k_slider, self.top_p_slider, self.min_p_slider,
                       self.draws_slider, self.seed_box):
            widget.observe(guard(self._settings_changed), names="value")
        self.draw_button.on_click(guard(self._draw_again))
        self.readout = _readout("sampling-readout")
        self.figure_view = FigureView(figures.SamplingFigure(MAX_CLASSES, theme or default_theme()), "sampling-plot")
        self.image = self.figure_view.image
        self.widget = self._page("sampling-tab", [_two_columns(
            [self.temperature_slider, self.top_k_slider, self.top_p_slider, self.min_p_slider, self.draws_slider,
             widgets.HBox([self.seed_box, self.draw_button]), self.editor.widget],
            [self.image, self.readout],
        )])
        self.refresh()

    def _settings_changed(self, _change=None):
        top_k = int(self.top_k_slider.value) or None
        top_p = float(self.top_p_slider.value)
        min_p = float(self.min_p_slider.value)
        self.state.set_temperature(float(self.temperature_slider.value))
        self.state.set_filters(top_k=top_k, top_p=None if top_p >= 1.0 else top_p, min_p=min_p or None)
        self.state.set_n_draws(int(self.draws_slider.value))
        self.state.set_seed(int(self.seed_box.value))
        self.refresh()

    def _draw_again(self, _button=None):
        # Changing the seed box fires _settings_changed, which redraws with the new seed.
        self.seed_box.value = self.state.seed + 1

    def refresh(self):
        state = self.state
        exact = state.probabilities
        frequencies = state.frequencies()
        cut = state.cut_by()
        labels = state.labels
        cut_mask = np.zeros(state.n_classes, dtype=bool)
        for indices in cut.values():
            cut_mask[indices] = True
        title = f"{state.n_draws} draws, seed {state.seed},  T = {state.temperature:.3g}"
        key = (state.logits, state.temperature, state.top_k, state.top_p, state.min_p, state.n_draws, state.seed)
        self.figure_view.show(key, lambda: self.figure_view.figure.update(exact, frequencies, labels, cut_mask,
                                                                          title=title))
        kept = [labels[i] for i in np.flatnonzero(exact > 0)]
        lines = [f"kept: {', '.join(kept)}"]
        for name, indices in cut.items():
            if indices:
                lines.append(f"cut by {name}: {', '.join(labels[i] for i in indices)}")
        # Total variation distance: half the L1 gap, the largest probability any event can be off by.
        gap = 0.5 * float(np.abs(frequencies - exact).sum())
        lines.append(f"draws vs exact: total variation {gap:.3f}")
        _set_readout(self.readout, lines)


class CrossEntropyTab(_TabView):
    """Tab 3: the loss of a true class and its gradient ``p - y``, with label smoothing."""

    def __init__(self, logits=(2.0, 1.0, 0.1), true_class=0, label_smoothing=0.0, *, theme=None):
        super().__init__()
        self.state = CrossEntropyState(logits, true_class, label_smoothing)
        guard = self._guarded
        self.editor = LogitsEditor(self.state, self._logits_changed, guard)
        self.true_class_buttons = widgets.ToggleButtons(description="true class",
                                                        style={"description_width": "6em", "button_width": "3em"})
        self.true_class_buttons.add_class("true-class")
        self._sync_true_class()
        self.true_class_buttons.observe(guard(self._true_class_changed), names="value")
        self.smoothing_slider = widgets.FloatSlider(value=label_smoothing, min=0.0, max=1.0, step=0.01,
                                                    description="label smoothing ε", readout_format=".2f",
                                                    style={"description_width": "9em"},
                                                    layout=widgets.Layout(width="95%"))
        self.smoothing_slider.add_class("smoothing-slider")
        self.smoothing_slider.observe(guard(self._smoothing_changed), names="value")
        self.readout = _readout("cross-entropy-readout")
        self.figure_view = FigureView(figures.CrossEntropyFigure(MAX_CLASSES, theme or default_theme()),
                                      "cross-entropy-plot")
        self.image = self.figure_view.image
        self.widget = self._page("cross-entropy-tab", [_two_columns(
            [self.true_class_buttons, self.smoothing_slider, self.editor.widget], [self.image, self.readout])])
        self.refresh()

    def _sync_true_class(self):
        options = list(range(self.state.n_classes))
        self._syncing = True
        try:
            # Options and value in one message, so the browser never sees a value outside them.
            with self.true_class_buttons.hold_sync():
                if list(self.true_class_buttons.options) != options:
                    self.true_class_buttons.options = options
                self.true_class_buttons.value = self.state.true_class
        finally:
            self._syncing = False

    def _logits_changed(self):
        self._sync_true_class()
        self.refresh()

    def _true_class_changed(self, change):
        if getattr(self, "_syncing", False) or change["new"] is None:
            return
        self.state.set_true_class(int(change["new"]))
        self.refresh()

    def _smoothing_changed(self, change):
        self.state.set_label_smoothing(float(change["new"]))
        self.refresh()

    def refresh(self):
        state = self.state
        p, y, gradient, loss = state.probabilities, state.target, state.gradient, state.loss
        key = (state.logits, state.true_class, state.label_smoothing)
        self.figure_view.show(key, lambda: self.figure_view.figure.update(p, y, gradient, state.true_class))
        g_text = ", ".join(f"{g:+.3f}" for g in gradient)
        _set_readout(self.readout, [
            f"loss = {loss:.3f} nats = {loss / math.log(2):.3f} bits",
            f"p(true class {state.true_class}) = {p[state.true_class]:.3f}",
            f"lowest reachable loss (ε = {state.label_smoothing:.2f}): {state.minimum_loss:.3f} nats",
            f"gradient p − y = [{g_text}]",
        ])


class AttentionTab(_TabView):
    """Tab 4: scaled dot-product attention weights of a few tokens, with and without ``1/√d``."""

    D_CHOICES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

    def __init__(self, tokens=AttentionState.DEFAULT_TOKENS, *, d=16, scaled=True, causal=False, seed=0, theme=None):
        super().__init__()
        self.state = AttentionState(tokens, d=d, scaled=scaled, causal=causal, seed=seed)
        guard = self._guarded
        choices = sorted(set(self.D_CHOICES) | {self.state.d})
        self.d_slider = widgets.SelectionSlider(options=choices, value=self.state.d, description="dimension d",
                                                style={"description_width": "9em"},
                                                layout=widgets.Layout(width="95%"))
        self.scaled_toggle = widgets.Checkbox(value=self.state.scaled, description="divide scores by √d", indent=False,
                                              layout=widgets.Layout(width="95%"))
        self.causal_toggle = widgets.Checkbox(value=self.state.causal, description="causal mask (no peeking ahead)",
                                              indent=False, layout=widgets.Layout(width="95%"))
        self.seed_box = widgets.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed",
                                               style={"description_width": "9em"}, layout=widgets.Layout(width="18em"))
        self.new_button = _button("new queries and keys", "new-qk-button", "random")
        for widget, css_class in [(self.d_slider, "d-slider"), (self.scaled_toggle, "scale-toggle"),
                                  (self.causal_toggle, "causal-toggle"), (self.seed_box, "attention-seed")]:
            widget.add_class(css_class)
            widget.observe(guard(self._settings_changed), names="value")
        self.new_button.on_click(guard(self._new_queries))
        self.readout = _readout("attention-readout")
        self.figure_view = FigureView(figures.AttentionFigure(self.state.tokens, theme or default_theme()),
                                      "attention-plot", max_width="820px")
        self.image = self.figure_view.image
        self.widget = self._page("attention-tab", [_two_columns(
            [self.d_slider, self.scaled_toggle, self.causal_toggle, widgets.HBox([self.seed_box, self.new_button]),
             self.readout],
            [self.image],
        )])
        self.refresh()

    def _settings_changed(self, _change=None):
        self.state.set_d(int(self.d_slider.value))
        self.state.scaled = bool(self.scaled_toggle.value)
        self.state.causal = bool(self.causal_toggle.value)
        self.state.set_seed(int(self.seed_box.value))
        self.refresh()

    def _new_queries(self, _button=None):
        self.seed_box.value = self.state.seed + 1

    def refresh(self):
        state = self.state
        weights, allowed = state.weights, state.mask
        key = (state.d, state.scaled, state.causal, state.seed)
        self.figure_view.show(key, lambda: self.figure_view.figure.update(weights, allowed))
        scores = state.scores[allowed]
        bits = state.row_entropy_bits
        n = len(state.tokens)
        scale = f"÷ √{state.d} = ÷ {math.sqrt(state.d):.2f}" if state.scaled else "not scaled"
        _set_readout(self.readout, [
            f"scores q·k {scale}",
            f"spread of scores (std): {scores.std():.2f}",
            f"mean entropy per query: {bits.mean():.2f} bits (uniform over {n}: {math.log2(n):.2f})",
            f"largest weight: {weights.max():.2f}",
            "Without √d, large d makes the scores spread out and softmax saturates to one key.",
        ])
