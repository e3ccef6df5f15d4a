"""The Softmax Explorer without a browser: drive each tab through its widgets, check the numbers.

ipywidgets uses a dummy comm outside a kernel and fires ``observe`` callbacks synchronously, so
setting ``slider.value`` or calling ``button.click()`` runs exactly the code a browser triggers.
Numbers are compared with scipy and torch (the references), readouts with those numbers, and
figures through their artists and the PNG bytes of the image widget.
"""

import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats

from softmax_teach import numerics
from softmax_teach.cli import (
    DASHBOARD_JUPYTER_PATH,
    DASHBOARD_TEMPLATE,
    dashboard_environment,
    dashboard_url,
    is_loopback,
    main,
    voila_command,
)
from softmax_teach.dashboard import (
    AttentionTab,
    CrossEntropyTab,
    SamplingTab,
    TemperatureState,
    TemperatureTab,
    build_app,
    format_logits,
    loading_preview,
    parse_logits,
)
from softmax_teach.dashboard.app import PREVIEW_METADATA_KEY

torch = pytest.importorskip("torch")


def visible_heights(bars, n):
    return np.array([bar.get_height() for bar in bars[:n]])


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "text, expected",
    [("2, 1, 0.1", (2.0, 1.0, 0.1)), ("[2 1 0.1]", (2.0, 1.0, 0.1)), (" 3;-1 ; 1e2 ", (3.0, -1.0, 100.0)),
     ("(0, 0)", (0.0, 0.0)), ("1,2,3,4,5,6,7,8", tuple(float(i) for i in range(1, 9)))],
)
def test_parse_logits_reads_pasted_lists(text, expected):
    assert parse_logits(text) == expected


@pytest.mark.parametrize(
    "text, fragment",
    [("", "at least 2"), ("   ", "at least 2"), ("abc", "'abc' is not a number"), ("2, x, 1", "'x' is not a number"),
     ("1, nan", "not a finite"), ("inf, 1", "not a finite"), ("1e400, 1", "not a finite"),
     ("5", "at least 2 numbers, got 1"), ("1,2,3,4,5,6,7,8,9", "At most 8 classes, got 9")],
)
def test_parse_logits_rejects_bad_text_with_a_short_message(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_logits(text)


def test_format_logits_round_trips_through_parse():
    logits = (2.0, 1.0, 0.1, -3.25, 1 / 3)
    assert parse_logits(format_logits(logits)) == logits
    assert format_logits((2.0, 1.0, 0.1)) == "2, 1, 0.1"


# --------------------------------------------------------------------------- tab 1: temperature


def test_temperature_tab_shows_the_slide_example():
    tab = TemperatureTab(logits=(2.0, 1.0, 0.1), temperature=1.0)
    expected = scipy.special.softmax([2.0, 1.0, 0.1])
    np.testing.assert_allclose(tab.state.probabilities, expected, rtol=1e-14)
    summary = tab.state.summary()
    assert summary.entropy_nats == pytest.approx(scipy.stats.entropy(expected), rel=1e-12)
    assert summary.entropy_bits == pytest.approx(scipy.stats.entropy(expected, base=2), rel=1e-12)
    assert summary.perplexity == pytest.approx(np.exp(scipy.stats.entropy(expected)), rel=1e-12)
    assert (summary.arg_max, summary.max_probability) == (0, pytest.approx(expected.max()))
    assert "p = [0.659, 0.242, 0.099]" in tab.probabilities_readout.value
    assert "0.847 nats = 1.222 bits" in tab.stats_readout.value
    assert "perplexity e<sup>H</sup> = 2.33" in tab.stats_readout.value
    assert "arg-max: class 0" in tab.stats_readout.value
    np.testing.assert_allclose(visible_heights(tab.figure_view.figure.bars, 3), expected)
    assert bytes(tab.image.value).startswith(b"\x89PNG")
    assert tab.editor.text.value == "2, 1, 0.1"


@pytest.mark.parametrize("temperature", [0.05, 0.5, 2.0, 50.0])
def test_temperature_slider_sharpens_and_flattens(temperature):
    tab = TemperatureTab()
    before = tab.image.value
    tab.temperature_slider.value = temperature
    expected = scipy.special.softmax(np.array([2.0, 1.0, 0.1]) / tab.temperature_slider.value)
    assert tab.state.temperature == pytest.approx(temperature, rel=1e-9)
    np.testing.assert_allclose(tab.state.probabilities, expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(visible_heights(tab.figure_view.figure.bars, 3), expected)
    assert tab.image.value != before
    assert f"p = [{expected[0]:.3f}, {expected[1]:.3f}, {expected[2]:.3f}]" in tab.probabilities_readout.value


def test_logit_slider_moves_the_arg_max():
    tab = TemperatureTab()
    tab.editor.sliders[2].value = 3.5
    assert tab.state.logits == (2.0, 1.0, 3.5)
    assert tab.state.summary().arg_max == 2
    assert "arg-max: class 2" in tab.stats_readout.value
    assert tab.editor.text.value == "2, 1, 3.5"
    np.testing.assert_allclose(tab.state.probabilities, scipy.special.softmax([2.0, 1.0, 3.5]))


def test_a_snapped_slider_echo_does_not_change_a_logit():
    # The browser sends 0.1 back as -10 + 101 * 0.1 = 0.09999999999999964.
    tab = TemperatureTab()
    image = tab.image.value
    tab.editor.sliders[2].value = 0.09999999999999964
    assert tab.state.logits == (2.0, 1.0, 0.1)
    assert tab.editor.text.value == "2, 1, 0.1"
    assert tab.image.value == image


def test_class_count_slider_adds_and_removes_classes():
    tab = TemperatureTab()
    tab.editor.classes_slider.value = 5
    assert tab.state.logits == (2.0, 1.0, 0.1, 0.0, 0.0)
    assert [s.layout.display for s in tab.editor.sliders] == [None] * 5 + ["none"] * 3
    bars = tab.figure_view.figure.bars
    assert [bar.get_visible() for bar in bars] == [True] * 5 + [False] * 3
    np.testing.assert_allclose(visible_heights(bars, 5), scipy.special.softmax([2.0, 1.0, 0.1, 0.0, 0.0]))
    tab.editor.classes_slider.value = 2
    assert tab.state.logits == (2.0, 1.0)
    perplexity = np.exp(scipy.stats.entropy(scipy.special.softmax([2.0, 1.0])))
    assert f"perplexity e<sup>H</sup> = {perplexity:.2f} of 2 classes" in tab.stats_readout.value


def test_pasting_good_logits_updates_sliders_figure_and_readouts():
    tab = TemperatureTab()
    tab.editor.text.value = "3, 1, 0.2, -1"
    assert tab.state.logits == (3.0, 1.0, 0.2, -1.0)
    assert [s.value for s in tab.editor.sliders[:4]] == [3.0, 1.0, 0.2, -1.0]
    assert tab.editor.classes_slider.value == 4
    np.testing.assert_allclose(visible_heights(tab.figure_view.figure.bars, 4), scipy.special.softmax([3, 1, 0.2, -1]))
    assert tab.editor.message.value == ""


def test_pasting_large_logits_widens_the_slider_range():
    tab = TemperatureTab()
    tab.editor.text.value = "1000, 2000, 3000"
    assert tab.state.logits == (1000.0, 2000.0, 3000.0)
    assert tab.editor.sliders[2].max >= 3000 and tab.editor.sliders[2].value == 3000.0
    np.testing.assert_array_equal(tab.state.probabilities, [0.0, 0.0, 1.0])


@pytest.mark.parametrize("bad", ["", "abc", "2, 1, nan", "inf, 1, 0", "1e999, 1", "1,2,3,4,5,6,7,8,9", "7", "2,,x"])
def test_bad_pasted_logits_keep_the_previous_state_and_show_a_message(bad):
    tab = TemperatureTab()
    tab.editor.text.value = "3, 1, 0.2"
    state_before = (tab.state.logits, tab.state.temperature)
    image_before = tab.image.value
    readout_before = tab.probabilities_readout.value
    tab.editor.text.value = bad  # must not raise
    assert (tab.state.logits, tab.state.temperature) == state_before
    assert tab.image.value == image_before
    assert tab.probabilities_readout.value == readout_before
    assert tab.editor.message.value != ""
    assert "Traceback" not in tab.editor.message.value and tab.status.value == ""
    # The app keeps working, and the next good paste clears the message.
    tab.editor.text.value = "0, 0"
    assert tab.state.logits == (0.0, 0.0)
    assert tab.editor.message.value == ""
    assert "p = [0.500, 0.500]" in tab.probabilities_readout.value


def test_reset_and_randomise_buttons():
    tab = TemperatureTab(seed=3)
    tab.temperature_slider.value = 4.0
    tab.randomise_button.click()
    randomised = tab.state.logits
    expected = tuple(np.round(np.random.default_rng(3).normal(0.0, 2.0, 3), 1))
    assert randomised == pytest.approx(expected)
    assert tab.state.temperature == pytest.approx(4.0)
    assert tab.editor.text.value == format_logits(randomised)
    np.testing.assert_allclose(visible_heights(tab.figure_view.figure.bars, 3),
                               scipy.special.softmax(np.array(randomised) / 4.0))
    tab.reset_button.click()
    assert tab.state.logits == (2.0, 1.0, 0.1) and tab.state.temperature == 1.0
    assert tab.temperature_slider.value == pytest.approx(1.0)
    assert [s.value for s in tab.editor.sliders[:3]] == [2.0, 1.0, 0.1]
    assert "p = [0.659, 0.242, 0.099]" in tab.probabilities_readout.value


def test_turning_max_subtraction_off_shows_the_overflow_without_warnings():
    tab = TemperatureTab()
    tab.editor.text.value = "1000, 2000, 3000"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tab.stable_toggle.value = False
    assert tab.state.overflowed
    assert np.isnan(tab.state.probabilities).all()
    assert tab.figure_view.figure.banner.get_text() == "overflow → nan"
    assert "overflow → nan" in tab.stats_readout.value
    assert "p = [nan, nan, nan]" in tab.probabilities_readout.value
    # The deck's naive formula really does overflow: numpy itself says so.
    with pytest.warns(RuntimeWarning, match="overflow"):
        np.exp(np.array([1000.0, 2000.0, 3000.0]))
    tab.stable_toggle.value = True
    np.testing.assert_array_equal(tab.state.probabilities, [0.0, 0.0, 1.0])
    assert tab.figure_view.figure.banner.get_text() == ""


def test_naive_formula_agrees_with_stable_softmax_where_it_does_not_overflow():
    state = TemperatureState((2.0, 1.0, 0.1), 0.7, stable=False)
    np.testing.assert_allclose(state.probabilities, scipy.special.softmax(np.array([2.0, 1.0, 0.1]) / 0.7))
    assert not state.overflowed
    state.set_temperature(0.001)  # 2 / 0.001 = 2000: exp overflows
    assert state.overflowed


def test_predict_then_reveal_hides_the_answer_until_revealed():
    tab = TemperatureTab()
    tab.predict_toggle.value = True
    assert tab.reveal_button.layout.display is None
    tab.temperature_slider.value = 0.5
    figure = tab.figure_view.figure
    assert visible_heights(figure.bars, 3).tolist() == [0.0, 0.0, 0.0]
    assert [text.get_text() for text in figure.value_texts[:3]] == ["?", "?", "?"]
    assert "Guess" in tab.probabilities_readout.value
    tab.reveal_button.click()
    np.testing.assert_allclose(visible_heights(figure.bars, 3), scipy.special.softmax(np.array([2.0, 1.0, 0.1]) / 0.5))
    assert "p = [" in tab.probabilities_readout.value
    tab.editor.sliders[0].value = 0.0  # a new question: hidden again
    assert "Guess" in tab.probabilities_readout.value


def test_an_unexpected_error_in_a_callback_becomes_a_visible_message(monkeypatch):
    tab = TemperatureTab()

    def broken():
        raise ZeroDivisionError("simulated failure")

    monkeypatch.setattr(tab.state, "summary", broken)
    tab.temperature_slider.value = 2.0  # must not raise
    assert "ZeroDivisionError: simulated failure" in tab.status.value
    assert "Traceback" not in tab.status.value
    monkeypatch.undo()
    tab.temperature_slider.value = 3.0  # the next change that works clears the message
    assert tab.status.value == ""
    np.testing.assert_allclose(visible_heights(tab.figure_view.figure.bars, 3),
                               scipy.special.softmax(np.array([2.0, 1.0, 0.1]) / 3.0))


@pytest.mark.parametrize("make_tab", [TemperatureTab, SamplingTab, CrossEntropyTab])
def test_an_error_while_redrawing_after_a_logit_change_stays_visible(make_tab, monkeypatch):
    tab = make_tab()

    def broken(*args, **kwargs):
        raise RuntimeError("simulated drawing failure")

    monkeypatch.setattr(tab.figure_view, "show", broken)
    tab.editor.sliders[0].value = -4.0  # must not raise
    assert "RuntimeError: simulated drawing failure" in tab.status.value


def test_temperature_state_validates_its_input():
    with pytest.raises(ValueError, match="temperature"):
        TemperatureState((1.0, 2.0), 0.0)
    with pytest.raises(ValueError, match="logits must be finite"):
        TemperatureState((1.0, float("inf")))
    with pytest.raises(ValueError, match="2 to 8 entries"):
        TemperatureState((1.0,))


def test_repeated_values_are_served_from_the_figure_cache():
    tab = TemperatureTab()
    renders = tab.figure_view.renders
    first = tab.image.value
    tab.temperature_slider.value = 2.0
    tab.temperature_slider.value = 1.0
    assert tab.figure_view.renders == renders + 1
    assert tab.image.value == first


# --------------------------------------------------------------------------- tab 2: sampling


def test_sampling_tab_histogram_and_exact_distribution():
    tab = SamplingTab(n_draws=500, seed=7)
    logits = np.array(tab.state.logits)
    exact = scipy.special.softmax(logits)
    np.testing.assert_allclose(tab.state.probabilities, exact, rtol=1e-13)
    draws = numerics.sample(logits, size=500, rng=7)
    frequencies = np.bincount(draws, minlength=logits.size) / 500
    figure = tab.figure_view.figure
    np.testing.assert_allclose(visible_heights(figure.exact_bars, logits.size), exact)
    np.testing.assert_allclose(visible_heights(figure.drawn_bars, logits.size), frequencies)
    assert f"total variation {0.5 * np.abs(frequencies - exact).sum():.3f}" in tab.readout.value


def test_sampling_filters_cut_the_right_tokens():
    tab = SamplingTab()
    labels = tab.state.labels
    tab.top_k_slider.value = 3
    assert tab.state.cut_by()["top-k"] == [3, 4, 5]
    assert f"cut by top-k: {labels[3]}, {labels[4]}, {labels[5]}" in tab.readout.value
    assert np.count_nonzero(tab.state.probabilities) == 3
    assert [text.get_visible() for text in tab.figure_view.figure.cut_texts[:6]] == [False] * 3 + [True] * 3
    tab.top_k_slider.value = 0
    tab.top_p_slider.value = 0.5
    # Sorted probabilities 0.452, 0.274, ...: the first alone is below 0.5, two reach it.
    assert tab.state.cut_by() == {"top-k": [], "top-p": [2, 3, 4, 5], "min-p": []}
    tab.top_p_slider.value = 1.0
    tab.min_p_slider.value = 0.3
    kept = scipy.special.softmax(np.array(tab.state.logits))
    assert tab.state.cut_by()["min-p"] == [int(i) for i in np.flatnonzero(kept < 0.3 * kept.max())]
    # Every draw lands on a kept token.
    assert set(np.unique(tab.state.draws())) <= set(np.flatnonzero(tab.state.probabilities > 0))


def test_draw_again_moves_to_the_next_seed_and_redraws():
    tab = SamplingTab(seed=0)
    before = tab.figure_view.figure.drawn_bars[0].get_height()
    image = tab.image.value
    tab.draw_button.click()
    assert tab.state.seed == 1 and tab.seed_box.value == "1"
    expected = np.bincount(numerics.sample(np.array(tab.state.logits), size=200, rng=1), minlength=6) / 200
    np.testing.assert_allclose(visible_heights(tab.figure_view.figure.drawn_bars, 6), expected)
    assert tab.image.value != image or expected[0] == before


def test_many_draws_approach_the_exact_distribution():
    tab = SamplingTab()
    tab.temperature_slider.value = 0.5
    tab.draws_slider.value = 2000
    exact = scipy.special.softmax(np.array(tab.state.logits) / tab.temperature_slider.value)
    gap = 0.5 * np.abs(tab.state.frequencies() - exact).sum()
    assert gap < 0.05


# --------------------------------------------------------------------------- tab 3: cross-entropy


@pytest.mark.parametrize("true_class, smoothing", [(0, 0.0), (2, 0.0), (1, 0.1), (2, 0.5)])
def test_cross_entropy_loss_and_gradient_match_torch(true_class, smoothing):
    tab = CrossEntropyTab()
    tab.true_class.buttons[true_class].click()
    tab.smoothing_slider.value = smoothing
    logits = torch.tensor([[2.0, 1.0, 0.1]], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([true_class]), label_smoothing=smoothing)
    loss.backward()
    assert tab.state.loss == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(tab.state.gradient, logits.grad.numpy()[0], rtol=1e-12, atol=1e-15)
    figure = tab.figure_view.figure
    np.testing.assert_allclose(visible_heights(figure.gradient_bars, 3), logits.grad.numpy()[0], atol=1e-15)
    np.testing.assert_allclose(visible_heights(figure.y_bars, 3), tab.state.target)
    assert f"loss = {loss.item():.3f} nats = {loss.item() / math.log(2):.3f} bits" in tab.readout.value


def test_cross_entropy_true_class_follows_the_number_of_classes():
    tab = CrossEntropyTab()
    picker = tab.true_class
    picker.buttons[2].click()
    assert (picker.shown, picker.selected) == ([0, 1, 2], [2])
    tab.editor.classes_slider.value = 2
    assert tab.state.true_class == 1
    assert (picker.shown, picker.selected) == ([0, 1], [1])  # never a button of a class that is gone
    assert picker.buttons[1].description == "1 ✓" and picker.buttons[0].description == "0"
    tab.editor.text.value = "0, 0, 0, 0, 5"
    assert picker.shown == [0, 1, 2, 3, 4]
    tab.editor.text.value = "0, 5"
    assert (picker.shown, picker.selected) == ([0, 1], [1])
    tab.editor.text.value = "0, 0, 0, 5"
    assert picker.shown == [0, 1, 2, 3]
    picker.buttons[3].click()
    assert tab.state.loss == pytest.approx(float(torch.nn.functional.cross_entropy(
        torch.tensor([[0.0, 0.0, 0.0, 5.0]], dtype=torch.float64), torch.tensor([3]))))


def test_cross_entropy_minimum_loss_is_the_target_entropy():
    tab = CrossEntropyTab()
    tab.smoothing_slider.value = 0.2
    assert tab.state.minimum_loss == pytest.approx(scipy.stats.entropy(tab.state.target))
    assert tab.state.loss > tab.state.minimum_loss


# --------------------------------------------------------------------------- tab 4: attention


@pytest.mark.parametrize("d, scaled, causal", [(16, True, False), (16, False, False), (4, True, True), (256, False, True)])
def test_attention_weights_match_torch_scaled_dot_product_attention(d, scaled, causal):
    tab = AttentionTab()
    tab.d_slider.value = d
    tab.scaled_toggle.value = scaled
    tab.causal_toggle.value = causal
    queries, keys = (torch.tensor(a) for a in tab.state.queries_and_keys)
    n = queries.shape[0]
    # With the identity as values, attention's output is its weight matrix.
    weights = torch.nn.functional.scaled_dot_product_attention(
        queries[None], keys[None], torch.eye(n, dtype=torch.float64)[None], is_causal=causal,
        scale=1 / math.sqrt(d) if scaled else 1.0)[0]
    np.testing.assert_allclose(tab.state.weights, weights.numpy(), rtol=1e-10, atol=1e-12)
    shown = tab.figure_view.figure.image.get_array()
    np.testing.assert_allclose(np.ma.filled(shown, np.nan)[tab.state.mask], weights.numpy()[tab.state.mask],
                               rtol=1e-10, atol=1e-12)
    if causal:
        assert np.all(tab.state.weights[~tab.state.mask] == 0)


def test_without_the_scale_attention_saturates_as_d_grows():
    tab = AttentionTab()
    tab.d_slider.value = 256
    tab.scaled_toggle.value = False
    saturated = tab.state.row_entropy_bits.mean()
    tab.scaled_toggle.value = True
    assert saturated < 0.5 < tab.state.row_entropy_bits.mean()
    assert f"mean entropy per query: {tab.state.row_entropy_bits.mean():.2f} bits" in tab.readout.value


def test_new_queries_button_changes_the_heatmap():
    tab = AttentionTab()
    image = tab.image.value
    weights = tab.state.weights
    tab.new_button.click()
    assert tab.state.seed == 1
    assert not np.allclose(tab.state.weights, weights)
    assert tab.image.value != image


# --------------------------------------------------------------------------- the app and the CLI


def test_build_app_has_the_four_tabs_and_builds_them_when_selected():
    app = build_app()
    assert app.titles == ("1 · Temperature & logits", "2 · Sampling", "3 · Cross-entropy", "4 · Attention")
    assert app.explorer_tabs.built == [True, False, False, False]
    assert app.children[0].children == (app.explorer_tabs[0].widget,)
    app.selected_index = 3
    assert app.explorer_tabs.built == [True, False, False, True]
    assert app.children[3].children == (app.explorer_tabs._tabs[3].widget,)
    assert [type(tab).__name__ for tab in app.explorer_tabs] == ["TemperatureTab", "SamplingTab", "CrossEntropyTab",
                                                                  "AttentionTab"]
    assert [child.children for child in app.children] == [(tab.widget,) for tab in app.explorer_tabs]
    assert all(bytes(tab.image.value).startswith(b"\x89PNG") for tab in app.explorer_tabs)
    assert build_app(lazy=False).explorer_tabs.built == [True] * 4


def test_dark_theme_changes_the_figure_background():
    light, dark = TemperatureTab(theme="light"), TemperatureTab(theme="dark")
    assert light.figure_view.figure.figure.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert max(dark.figure_view.figure.figure.get_facecolor()[:3]) < 0.2
    with pytest.raises(ValueError, match="theme"):
        build_app(theme="sepia")


def test_the_dashboard_imports_neither_torch_nor_sympy():
    code = ("import sys; from softmax_teach.dashboard import build_app; build_app(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sympy')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_voila_command_serves_on_loopback_with_sources_stripped_and_a_preheated_kernel():
    command = voila_command("notebooks/dashboard.ipynb", port=9999, theme="dark")
    assert command[1:4] == ["-m", "voila", "notebooks/dashboard.ipynb"]
    for flag in ["--port=9999", "--Voila.ip=127.0.0.1", "--strip_sources=True", "--theme=dark",
                 "--preheat_kernel=True", "--pool_size=1", "--no-browser"]:
        assert flag in command
    assert "--preheat_kernel=True" not in voila_command(preheat=False)
    assert f"--template={DASHBOARD_TEMPLATE}" in command
    with pytest.raises(ValueError, match="port"):
        voila_command(port=70000)
    with pytest.raises(ValueError, match="theme"):
        voila_command(theme="blue")


def test_cli_prints_the_command_and_rejects_bad_arguments(capsys):
    assert main(["dashboard", "--host", "0.0.0.0", "--port", "9000", "--print-command"]) == 0
    printed = capsys.readouterr().out
    assert "--Voila.ip=0.0.0.0" in printed and "--port=9000" in printed
    with pytest.raises(SystemExit):
        main(["dashboard", "--theme", "blue"])
    assert dashboard_url("::1", 8866) == "http://[::1]:8866/"
    assert dashboard_url("127.0.0.1", 8866) == "http://127.0.0.1:8866/"
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and not is_loopback("0.0.0.0")


def test_the_environment_lets_voila_find_the_dashboard_template():
    template = DASHBOARD_JUPYTER_PATH / "voila" / "templates" / DASHBOARD_TEMPLATE
    assert (template / "index.html.j2").is_file() and (template / "conf.json").is_file()
    environment = dashboard_environment("dark", base={"JUPYTER_PATH": "/elsewhere", "PATH": "/bin"})
    assert environment["JUPYTER_PATH"].split(os.pathsep) == [str(DASHBOARD_JUPYTER_PATH), "/elsewhere"]
    assert environment["SOFTMAX_TEACH_THEME"] == "dark" and environment["PATH"] == "/bin"
    assert dashboard_environment(base={})["JUPYTER_PATH"] == str(DASHBOARD_JUPYTER_PATH)


def test_loading_preview_is_the_first_tabs_own_figure_marked_for_the_template():
    import base64
    import re

    app = build_app(theme="light")
    bundle, metadata = loading_preview(app)._repr_html_()
    assert metadata == {PREVIEW_METADATA_KEY: True}
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', bundle).group(1))
    assert png == bytes(app.explorer_tabs[0].image.value)
    assert png == bytes(TemperatureTab(theme="light").image.value)  # the default state, freshly drawn
