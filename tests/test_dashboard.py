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
    [
        ("2, 1, 0.1", (2.0, 1.0, 0.1)),
        ("[2 1 0.1]", (2.0, 1.0, 0.1)),
        (" 3;-1 ; 1e2 ", (3.0, -1.0, 100.0)),
        ("(0, 0)", (0.0, 0.0)),
        ("1,2,3,4,5,6,7,8", tuple(float(i) for i in range(1, 9))),
    ],
)
def test_parse_logits_reads_pasted_lists(text, expected):
    assert parse_logits(text) == expected


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "at least 2"),
        ("   ", "at least 2"),
        ("abc", "'abc' is not a number"),
        ("2, x, 1", "'x' is not a number"),
        ("1, nan", "not a finite"),
        ("inf, 1", "not a finite"),
        ("1e400, 1", "not a finite"),
        ("5", "at least 2 numbers, got 1"),
        ("1,2,3,4,5,6,7,8,9", "At most 8 classes, got 9"),
    ],
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
    np.testing.assert_allclose(
        visible_heights(tab.figure_view.figure.bars, 3), scipy.special.softmax(np.array(randomised) / 4.0)
    )
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
    np.testing.assert_allclose(
        visible_heights(tab.figure_view.figure.bars, 3), scipy.special.softmax(np.array([2.0, 1.0, 0.1]) / 3.0)
    )


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
    assert tab.state.loss == pytest.approx(
        float(
            torch.nn.functional.cross_entropy(
                torch.tensor([[0.0, 0.0, 0.0, 5.0]], dtype=torch.float64), torch.tensor([3])
            )
        )
    )


def test_cross_entropy_minimum_loss_is_the_target_entropy():
    tab = CrossEntropyTab()
    tab.smoothing_slider.value = 0.2
    assert tab.state.minimum_loss == pytest.approx(scipy.stats.entropy(tab.state.target))
    assert tab.state.loss > tab.state.minimum_loss


# --------------------------------------------------------------------------- tab 4: attention


@pytest.mark.parametrize(
    "d, scaled, causal", [(16, True, False), (16, False, False), (4, True, True), (256, False, True)]
)
def test_attention_weights_match_torch_scaled_dot_product_attention(d, scaled, causal):
    tab = AttentionTab()
    tab.d_slider.value = d
    tab.scaled_toggle.value = scaled
    tab.causal_toggle.value = causal
    queries, keys = (torch.tensor(a) for a in tab.state.queries_and_keys)
    n = queries.shape[0]
    # With the identity as values, attention's output is its weight matrix.
    weights = torch.nn.functional.scaled_dot_product_attention(
        queries[None],
        keys[None],
        torch.eye(n, dtype=torch.float64)[None],
        is_causal=causal,
        scale=1 / math.sqrt(d) if scaled else 1.0,
    )[0]
    np.testing.assert_allclose(tab.state.weights, weights.numpy(), rtol=1e-10, atol=1e-12)
    shown = tab.figure_view.figure.image.get_array()
    np.testing.assert_allclose(
        np.ma.filled(shown, np.nan)[tab.state.mask], weights.numpy()[tab.state.mask], rtol=1e-10, atol=1e-12
    )
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


def test_build_app_has_the_five_tabs_and_builds_them_when_selected():
    app = build_app()
    assert app.titles == (
        "1 · Temperature & logits",
        "2 · Sampling",
        "3 · Cross-entropy",
        "4 · Attention",
        "5 · Generate",
    )
    assert app.explorer_tabs.built == [True, False, False, False, False]
    assert app.children[0].children == (app.explorer_tabs[0].widget,)
    app.selected_index = 3
    assert app.explorer_tabs.built == [True, False, False, True, False]
    assert app.children[3].children == (app.explorer_tabs._tabs[3].widget,)
    assert [type(tab).__name__ for tab in app.explorer_tabs] == [
        "TemperatureTab",
        "SamplingTab",
        "CrossEntropyTab",
        "AttentionTab",
        "GenerateTab",
    ]
    assert [child.children for child in app.children] == [(tab.widget,) for tab in app.explorer_tabs]
    assert all(bytes(tab.image.value).startswith(b"\x89PNG") for tab in app.explorer_tabs)
    assert build_app(lazy=False).explorer_tabs.built == [True] * 5


def test_dark_theme_changes_the_figure_background():
    light, dark = TemperatureTab(theme="light"), TemperatureTab(theme="dark")
    assert light.figure_view.figure.figure.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert max(dark.figure_view.figure.figure.get_facecolor()[:3]) < 0.2
    with pytest.raises(ValueError, match="theme"):
        build_app(theme="sepia")


def test_the_dashboard_imports_neither_torch_nor_sympy():
    code = (
        "import sys; from softmax_teach.dashboard import build_app; build_app(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sympy')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_voila_command_serves_on_loopback_with_sources_stripped_and_a_preheated_kernel():
    command = voila_command("notebooks/dashboard.ipynb", port=9999, theme="dark")
    assert command[1] == "-m" and "voila" in command[2] and command[3] == "notebooks/dashboard.ipynb"
    for flag in [
        "--port=9999",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--theme=dark",
        "--preheat_kernel=True",
        "--pool_size=1",
        "--no-browser",
    ]:
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


# --------------------------------------------------------------------------- controls that never desync (issue 13)
from softmax_teach.dashboard import apply_query  # noqa: E402
from softmax_teach.dashboard.state import (  # noqa: E402
    MAX_ABS_LOGIT,
    SamplingState,
    format_query,
    parse_query,
    parse_seed,
    parse_temperature,
    round_temperature,
)
from softmax_teach.dashboard.views import FloatSlider, slider_limit  # noqa: E402


def test_a_slider_sends_its_range_before_its_value_in_one_message():
    # hold_sync sends a set of keys in set order; value before max made the browser clamp 800 to 10.
    slider = FloatSlider(min=-10, max=10, step=0.1)
    sent = []
    slider._send = lambda message, buffers=None: sent.append(list(message["state"]))
    with slider.hold_sync():
        slider.max = 1000.0
        slider.min = -1000.0
        slider.value = 800.0
    assert sent == [["min", "max", "value"]]


def test_pasted_logits_survive_the_browsers_echo_of_the_slider():
    tab = TemperatureTab()
    tab.stable_toggle.value = False
    tab.editor.text.value = "800, 1, 0.1"
    assert tab.editor.sliders[0].max == 1000 and tab.state.logits == (800.0, 1.0, 0.1)
    # The browser sends back what its grid shows: 800.0000000001, 0.09999999999999964: no change.
    for i, echo in [(0, 800.0000000001), (1, 1.0000000000002), (2, 0.09999999999999964)]:
        tab.editor.sliders[i].value = echo
    assert tab.state.logits == (800.0, 1.0, 0.1) and tab.editor.text.value == "800, 1, 0.1"
    assert tab.state.overflowed and "overflow → nan" in tab.stats_readout.value
    # A late echo of the value slider 0 showed before the paste is put back, not used.
    tab.editor.sliders[0].value = 2.0
    assert tab.state.logits == (800.0, 1.0, 0.1) and tab.editor.sliders[0].value == 800.0
    tab.editor.text.value = "1000, 2000, 3000"
    assert [s.value for s in tab.editor.sliders[:3]] == [1000.0, 2000.0, 3000.0]
    assert tab.editor.text.value == "1000, 2000, 3000"


def test_an_off_grid_pasted_logit_is_kept_exactly():
    tab = TemperatureTab()
    tab.editor.text.value = "2, 1, 0.123"
    tab.editor.sliders[2].value = 0.1  # the browser's grid shows 0.123 at 0.1
    assert tab.state.logits == (2.0, 1.0, 0.123)
    tab.editor.sliders[2].value = 0.2  # a real move
    assert tab.state.logits == (2.0, 1.0, 0.2)


@pytest.mark.parametrize(
    "logits, limit",
    [((2, 1, 0.1), 10), ((800, 1, 0.1), 1000), ((1000, 2000, 3000), 5000), ((12, 0), 20), ((-1e4, 0), 1e4)],
)
def test_slider_limit_is_the_next_round_number(logits, limit):
    assert slider_limit(logits) == limit


def test_slider_ranges_follow_the_state_both_ways():
    tab = TemperatureTab(seed=1)
    tab.editor.text.value = "1000, 2000, 3000"
    assert {(s.min, s.max) for s in tab.editor.sliders} == {(-5000, 5000)}
    tab.reset_button.click()
    assert {(s.min, s.max) for s in tab.editor.sliders} == {(-10, 10)}
    tab.editor.text.value = "1000, 2000, 3000"
    tab.randomise_button.click()
    assert {(s.min, s.max) for s in tab.editor.sliders} == {(-10, 10)}


@pytest.mark.parametrize("text", ["-1e308, 1e308", "10001, 0", "2, -20000"])
def test_logits_beyond_the_bound_get_a_message_and_change_nothing(text):
    tab = TemperatureTab()
    tab.editor.text.value = text
    assert "out of range" in tab.editor.message.value and f"{MAX_ABS_LOGIT:g}" in tab.editor.message.value
    assert tab.state.logits == (2.0, 1.0, 0.1)
    assert [s.value for s in tab.editor.sliders[:3]] == [2.0, 1.0, 0.1]
    with pytest.raises(ValueError, match="between"):
        TemperatureState((1e308, 0.0))


@pytest.mark.parametrize("value", [0.01, 0.1, 0.2, 0.5, 1.0, 1.5, 2.0, 2.5, 5.0, 7.0, 10.0, 50.0, 100.0])
def test_the_log_slider_position_of_a_round_temperature_is_that_temperature(value):
    position = round(math.log10(value), 2)
    assert round_temperature(position) == value
    tab = TemperatureTab()
    tab.temperature_slider.value = 10**position  # what the browser sends: 10 ** -0.30 = 0.501 for 0.5
    assert tab.state.temperature == value and tab.temperature_text.value == f"{value:g}"


def test_a_typed_temperature_is_exact_and_the_slider_echo_keeps_it():
    tab = TemperatureTab()
    tab.temperature_text.value = "0.5"
    assert tab.state.temperature == 0.5
    tab.temperature_slider.value = 10**-0.30  # the browser's echo
    assert tab.state.temperature == 0.5
    assert "p = [0.864, 0.117, 0.019]" in tab.probabilities_readout.value
    tab.temperature_text.value = "0.37"  # not round, still exact
    tab.temperature_slider.value = 10**-0.43
    assert tab.state.temperature == 0.37
    for bad, fragment in [("abc", "not a number"), ("0", "out of range"), ("nan", "out of range")]:
        tab.temperature_text.value = bad
        assert fragment in tab.temperature.message.value and tab.state.temperature == 0.37


@pytest.mark.parametrize("bad", ["3.7", "1e3", "-1", "seven", "", "4294967296"])
def test_seed_boxes_refuse_what_is_not_a_whole_number(bad):
    with pytest.raises(ValueError, match="whole number"):
        parse_seed(bad)
    for tab, control in [(SamplingTab(), "seed"), (AttentionTab(), "seed")]:
        image = tab.image.value
        getattr(tab, control).text.value = bad
        assert "whole number" in getattr(tab, control).message.value
        assert tab.state.seed == 0 and tab.image.value == image
        getattr(tab, control).text.value = "12"
        assert tab.state.seed == 12 and getattr(tab, control).message.value == ""
    assert parse_seed(" 12 ") == 12 and parse_temperature("0.5") == 0.5


def test_a_link_shows_exactly_its_state_and_round_trips():
    link = "tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9"
    app = build_app(query=link)
    tab = app.explorer_tabs[1]
    assert app.selected_index == 1
    assert (tab.state.logits, tab.state.temperature, tab.state.top_p) == ((3.0, 2.5, 2.0, 1.0), 0.7, 0.9)
    assert tab.temperature_text.value == "0.7" and tab.top_p_slider.value == 0.9
    assert tab.editor.text.value == "3, 2.5, 2, 1"
    expected = SamplingState((3, 2.5, 2, 1), temperature=0.7, top_p=0.9)
    np.testing.assert_array_equal(tab.state.probabilities, expected.probabilities)
    assert app.link_bar.query == link  # state -> link gives the same link back
    tab.temperature_text.value = "1.5"
    assert app.link_bar.query == "tab=sampling&logits=3,2.5,2,1&T=1.5&top_p=0.9"
    assert "T=1.5" in app.link_bar.script.value  # the page's URL follows (history.replaceState)
    app.selected_index = 2
    assert app.link_bar.query == "tab=cross-entropy&logits=2,1,0.1"
    app.link_bar.button.click()
    assert "?tab=cross-entropy&amp;logits=2,1,0.1" in app.link_bar.link.value


@pytest.mark.parametrize(
    "query, key, fragment",
    [
        ("tab=sampling&logits=2,abc", "logits", "'abc' is not a number"),
        ("tab=sampling&T=0", "T", "out of range"),
        ("tab=sampling&seed=3.7", "seed", "got '3.7'"),
        ("tab=sampling&top_p=2", "top_p", "from 0.01 to 1"),
        ("tab=sampling&top_k=1.5", "top_k", "whole number"),
        ("tab=cross-entropy&true=7", "true", "from 0 to 2"),
        ("tab=attention&d=3", "d", "one of"),
        ("tab=temperature&stable=maybe", "stable", "1 (on) or 0 (off)"),
        ("tab=nope", "tab", "one of temperature"),
    ],
)
def test_bad_link_values_get_the_messages_of_bad_typed_values(query, key, fragment):
    app = build_app()
    errors = apply_query(app, query)
    assert [k for k, _ in errors] == [key] and fragment in errors[0][1]
    assert fragment.replace("'", "&#x27;") in app.link_bar.message.value
    if key in ("logits", "T", "seed"):
        tab = app.explorer_tabs[app.selected_index]
        message = {"logits": tab.editor.message, "T": tab.temperature.message, "seed": tab.seed.message}[key]
        assert fragment.replace("'", "&#x27;") in message.value


def test_every_tab_round_trips_its_settings_through_a_link():
    for query in [
        "tab=temperature&logits=800,1,0.1&T=0.5&stable=0&predict=1",
        "tab=sampling&logits=1,2&T=2&top_k=1&min_p=0.2&draws=500&seed=4",
        "tab=cross-entropy&logits=1,2,3,4&true=3&smoothing=0.1",
        "tab=attention&d=64&scaled=0&causal=1&seed=9",
    ]:
        app = build_app(query=query)
        assert app.link_bar.query == query
        assert format_query(parse_query(query).items()) == query


def test_the_tab_registry_is_the_one_place_tabs_are_listed():
    from softmax_teach.dashboard.app import TAB_NAMES, TAB_SPECS, TabSpec
    from softmax_teach.dashboard.generate import GenerateTab

    assert [spec.factory for spec in TAB_SPECS] == [
        TemperatureTab,
        SamplingTab,
        CrossEntropyTab,
        AttentionTab,
        GenerateTab,
    ]
    assert TAB_NAMES == ("temperature", "sampling", "cross-entropy", "attention", "generate")
    assert isinstance(TAB_SPECS[0], TabSpec)


def test_figures_have_text_alternatives_with_their_numbers():
    tab = TemperatureTab()
    assert "0.659, 0.242, 0.099" in tab.figure_view.description and "arg-max" in tab.figure_view.description
    assert "0.659, 0.242, 0.099" in tab.figure_view.text.value
    sampling = SamplingTab()
    assert "cumulative" not in sampling.figure_view.description and "→" in sampling.figure_view.description
    assert "p − y" in CrossEntropyTab().figure_view.description
    assert "the:" in AttentionTab().figure_view.description


def test_attention_readout_states_the_scale_plainly():
    tab = AttentionTab()
    assert "scores = q·k ÷ √16, and √16 = 4" in tab.readout.value
    tab.d_slider.value = 2
    assert "√2 = 1.41" in tab.readout.value
