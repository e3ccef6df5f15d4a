"""Tab 5, "Generate": a real model's next-character distribution for a typed text, and sampling from it.

The model is notebook 14's character GRU, run in numpy from shipped weights
(:mod:`softmax_teach.tiny_lm`), so the dashboard kernel still imports neither torch nor sympy.
:class:`GenerateState` is plain Python (tested without a browser); :class:`GenerateTab` is its view.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from softmax_teach.dashboard import figures
from softmax_teach.dashboard.state import (
    _apply,
    format_number,
    parse_fraction,
    parse_seed,
    parse_temperature,
    parse_whole,
)
from softmax_teach.dashboard.views import (
    FigureView,
    SeedControl,
    TemperatureControl,
    _button,
    _help,
    _message,
    _readout,
    _row,
    _set_readout,
    _TabView,
    _two_columns,
    default_theme,
)
from softmax_teach.numerics import sampling_probabilities
from softmax_teach.tiny_lm import load_tiny_lm

SHOWN = 8  # characters in the figure: the most probable ones
MAX_TEXT = 400  # characters kept: the model reads all of them at every step
DEFAULT_TEXT = "on monday the sky is grey and the wind is cold.\nthe chance of "
_VISIBLE = {" ": "␣ space", "\n": "⏎ newline"}


def character_label(character):
    """How a character is shown under its bar: spaces and newlines made visible."""
    return _VISIBLE.get(character, character)


class GenerateState:
    """A text, the sampling settings, and what the model predicts after the text.

    Parameters
    ----------
    text : str
        At least one character, every one known to the model (lowercase letters, space, newline
        and ``, - . :``).
    temperature, top_k, top_p, min_p, seed
        As in :func:`softmax_teach.numerics.sampling_probabilities`; ``top_k = 0``, ``top_p = 1``
        and ``min_p = 0`` switch a filter off.
    """

    QUERY_KEYS = ("text", "T", "top_k", "top_p", "min_p", "seed")

    def __init__(self, text=DEFAULT_TEXT, *, temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, seed=0, model=None):
        self.model = model or load_tiny_lm()
        self.temperature, self.top_k, self.top_p, self.min_p, self.seed = temperature, top_k, top_p, min_p, seed
        self.set_text(text)
        self._initial = (self.text, temperature, top_k, top_p, min_p, seed)

    # ------------------------------------------------------------------ settings
    def set_text(self, text):
        """Replace the text (the generated characters so far are forgotten)."""
        if not isinstance(text, str) or not text:
            raise ValueError("type at least one character")
        unknown = sorted({c for c in text if c not in self.model.vocabulary.chars})
        if unknown:
            known = "lowercase letters, space, newline and , - . :"
            raise ValueError(f"the model does not know {', '.join(repr(c) for c in unknown)}: it knows {known}")
        self.text = text[-MAX_TEXT:]
        self.generated_log_probabilities = []
        self.last_choice = None

    def set_temperature(self, value):
        if not 0.01 <= float(value) <= 100:
            raise ValueError(f"T must be from 0.01 to 100, got {value}")
        self.temperature = float(value)

    def set_top_k(self, value):
        self.top_k = int(value)

    def set_top_p(self, value):
        self.top_p = float(value)

    def set_min_p(self, value):
        self.min_p = float(value)

    def set_seed(self, value):
        self.seed = int(value)

    # ------------------------------------------------------------------ what the model says
    @property
    def filters(self):
        return {
            "top_k": self.top_k or None,
            "top_p": self.top_p if self.top_p < 1 else None,
            "min_p": self.min_p or None,
        }

    def next_logits(self):
        """The model's logits after the text (remembered: a slider move does not re-read the text)."""
        if getattr(self, "_logits_for", None) != self.text:
            self._logits, self._logits_for = self.model.next_logits(self.text), self.text
        return self._logits

    def distribution(self):
        """The probabilities the next character is drawn from (temperature, then the filters)."""
        return sampling_probabilities(self.next_logits(), temperature=self.temperature, **self.filters)

    def shown(self):
        """``(probabilities, labels, kept)`` of the most probable characters, best first."""
        p = self.distribution()
        unfiltered = sampling_probabilities(self.next_logits(), temperature=self.temperature)
        order = np.argsort(-unfiltered, kind="stable")[:SHOWN]
        labels = [character_label(self.model.vocabulary.chars[i]) for i in order]
        return p[order], labels, int((p > 0).sum())

    # ------------------------------------------------------------------ sampling
    def next_character(self):
        """Draw one character and append it; the draw depends only on the seed and the text so far."""
        p = self.distribution()
        index = int(np.random.default_rng([self.seed, len(self.text)]).choice(p.size, p=p))
        character = self.model.vocabulary.chars[index]
        self.generated_log_probabilities.append(math.log(p[index]))
        self.text = (self.text + character)[-MAX_TEXT:]
        self.last_choice = (character, float(p[index]))
        return character

    def generate(self, n):
        for _ in range(n):
            self.next_character()

    @property
    def perplexity(self):
        """``exp(-mean log p)`` of the characters generated since the text was last typed, or None."""
        if not self.generated_log_probabilities:
            return None
        return math.exp(-float(np.mean(self.generated_log_probabilities)))

    # ------------------------------------------------------------------ links
    def query_items(self):
        items = [("text", self.text)] if self.text != self._initial[0] else []
        for key, value, initial in (
            ("T", self.temperature, self._initial[1]),
            ("top_k", self.top_k, self._initial[2]),
            ("top_p", self.top_p, self._initial[3]),
            ("min_p", self.min_p, self._initial[4]),
            ("seed", self.seed, self._initial[5]),
        ):
            if value != initial:
                items.append((key, format_number(value) if isinstance(value, float) else str(value)))
        return items

    def apply_query(self, params):
        errors = []
        _apply(errors, "text", params, self.set_text)
        _apply(errors, "T", params, lambda text: self.set_temperature(parse_temperature(text)))
        _apply(errors, "top_k", params, lambda text: self.set_top_k(parse_whole("top_k", text, 0, 32)))
        _apply(errors, "top_p", params, lambda text: self.set_top_p(parse_fraction("top_p", text, 0.01, 1.0)))
        _apply(errors, "min_p", params, lambda text: self.set_min_p(parse_fraction("min_p", text, 0.0, 1.0)))
        _apply(errors, "seed", params, lambda text: self.set_seed(parse_seed(text)))
        return errors


def _filter_slider(kind, description, **range_):
    return kind(
        description=description, style={"description_width": "9em"}, layout=widgets.Layout(width="96%"), **range_
    )


class GenerateTab(_TabView):
    """Tab 5: type a text, see the model's next characters as bars, and sample with the filters."""

    QUERY_KEYS = GenerateState.QUERY_KEYS

    def __init__(self, text=DEFAULT_TEXT, *, theme=None, model=None):
        super().__init__()
        self.state = GenerateState(text, model=model)
        state = self.state
        guard = self._guarded
        self.text_box = widgets.Textarea(
            value=state.text,
            description="text",
            continuous_update=False,
            rows=3,
            style={"description_width": "3.5em"},
            layout=widgets.Layout(width="96%"),
        )
        self.text_box.add_class("generate-text")
        self.text_box.observe(guard(self._text_entered), names="value")
        self.text_message = widgets.HTML()
        self.temperature = TemperatureControl(lambda: state.temperature, state.set_temperature, self.refresh, guard)
        self.top_k_slider = _filter_slider(widgets.IntSlider, "top-k (0: off)", value=0, min=0, max=32)
        self.top_p_slider = _filter_slider(
            widgets.FloatSlider, "top-p (1: off)", value=1.0, min=0.01, max=1.0, step=0.01
        )
        self.min_p_slider = _filter_slider(
            widgets.FloatSlider, "min-p (0: off)", value=0.0, min=0.0, max=1.0, step=0.01
        )
        for slider, name, setter in (
            (self.top_k_slider, "top-k", state.set_top_k),
            (self.top_p_slider, "top-p", state.set_top_p),
            (self.min_p_slider, "min-p", state.set_min_p),
        ):
            slider.add_class(f"generate-{name}")
            slider.observe(guard(lambda change, setter=setter: (setter(change["new"]), self.refresh())), names="value")
        self.seed = SeedControl(lambda: state.seed, state.set_seed, self.refresh, guard, "generate-seed")
        self.next_button = _button("next character", "generate-next", tooltip="draw one character and append it")
        self.next_button.on_click(guard(lambda _button: (state.next_character(), self._show_text(), self.refresh())))
        self.more_button = _button("generate 40", "generate-40", tooltip="draw 40 characters, seeded")
        self.more_button.on_click(guard(lambda _button: (state.generate(40), self._show_text(), self.refresh())))
        self.readout = _readout("generate-readout")
        self.figure_view = FigureView(figures.ProbabilityBarsFigure(SHOWN, theme or default_theme()), "generate-plot")
        self.image = self.figure_view.image
        self.widget = self._page(
            "generate-tab",
            [
                _two_columns(
                    [
                        self.text_box,
                        self.text_message,
                        _help("type any text in lowercase; the model reads all of it, one character at a time"),
                        self.temperature.widget,
                        self.top_k_slider,
                        _help("keep only the k most probable characters"),
                        self.top_p_slider,
                        _help("keep the fewest characters whose probability adds up to p"),
                        self.min_p_slider,
                        _help("keep characters at least min-p times as probable as the best one"),
                        _row([self.next_button, self.more_button, self.seed.text]),
                        self.seed.message,
                    ],
                    [self.figure_view.widget, self.readout],
                )
            ],
        )
        self.refresh()

    def _text_entered(self, change):
        try:
            self.state.set_text(change["new"])
        except ValueError as error:
            self.text_message.value = _message(str(error))
            return
        self.text_message.value = ""
        self.refresh()

    def _show_text(self):
        self.text_box.unobserve_all("value")
        self.text_box.value = self.state.text
        self.text_box.observe(self._guarded(self._text_entered), names="value")

    def sync_controls(self):
        state = self.state
        self._show_text()
        self.temperature.sync_from_state()
        self.top_k_slider.value, self.top_p_slider.value, self.min_p_slider.value = (
            state.top_k,
            state.top_p,
            state.min_p,
        )
        self.seed.sync_from_state()

    def refresh(self):
        state = self.state
        p, labels, kept = state.shown()
        key = (state.text, state.temperature, state.top_k, state.top_p, state.min_p)
        ending = repr(state.text[-20:])
        description = f"The {SHOWN} most likely next characters after …{ending}: " + ", ".join(
            f"{label} {value:.3f}" for label, value in zip(labels, p)
        )
        self.figure_view.show(
            key,
            lambda: self.figure_view.figure.update(p, labels, title=f"next character after …{ending}"),
            description,
        )
        lines = [f"{kept} of {len(state.model.vocabulary)} characters can be drawn"]
        if state.last_choice:
            character, probability = state.last_choice
            lines.append(f"last drawn: {character_label(character)} with p = {probability:.3f}")
        if state.perplexity is not None:
            lines.append(
                f"perplexity of the {len(state.generated_log_probabilities)} drawn characters: {state.perplexity:.2f}"
            )
        _set_readout(self.readout, lines)
        self._changed()
