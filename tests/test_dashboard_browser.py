"""The dashboard in a real browser: Playwright drives Debian's chromium against a real Voila.

Never runs ``playwright install``: the browser is /usr/bin/chromium. Without it the module is
skipped, except under ``CI=true`` where a missing browser is a failure. Screenshots are kept in
test-artifacts/ (gitignored) so a person can look at what a class would see.

Each bug of issue 13 has a test here that failed before its fix: the front end echoes slider
values back to the kernel (snapped, clamped to a stale range, or late), so every test checks not
only that the page shows the right state but that it *stays* right once the echoes are in.
"""

import base64
import json
import math
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from servers import wait_until
from voila_server import CHROMIUM, CHROMIUM_ARGS, FIRST_FIGURE_JS, VoilaServer, require_chromium, stays

from softmax_teach import numerics
from softmax_teach.dashboard import TemperatureTab
from softmax_teach.dashboard.state import SamplingState

pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
TESTS = Path(__file__).resolve().parent
AXE = TESTS / "node_modules" / "axe-core" / "axe.min.js"
TAB1 = ".temperature-tab"
TAB_NAMES = ["temperature", "sampling", "cross-entropy", "attention", "generate"]
TAB_ROOTS = [".temperature-tab", ".sampling-tab", ".cross-entropy-tab", ".attention-tab", ".generate-tab"]
FIGURES = ["probability-plot", "sampling-plot", "cross-entropy-plot", "attention-plot", "generate-plot"]

require_chromium(pytest)

sync_api = pytest.importorskip("playwright.sync_api")


# --------------------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def server():
    with VoilaServer(preheat=True, startup_timeout=240) as voila:
        yield voila


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser, url, viewport=(1366, 900)):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.set_default_timeout(120_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="commit")
    page.wait_for_function(FIRST_FIGURE_JS, timeout=180_000, polling="raf")
    page.js_errors = errors
    return page


@pytest.fixture()
def page(server, browser):
    page = open_page(browser, server.url)
    yield page
    page.close()


def probabilities_text(logits, temperature=1.0):
    p = numerics.softmax(np.asarray(logits, dtype=float), temperature=temperature)
    return "p = [" + ", ".join(f"{value:.3f}" for value in p) + "]"


def figure_src(page, root=TAB1, css="probability-plot"):
    return page.locator(f"{root} img.{css}").get_attribute("src")


def wait_for_text(page, selector, text, timeout=90_000):
    page.wait_for_function(
        "([selector, text]) => { const e = document.querySelector(selector);"
        " return e !== null && e.innerText.includes(text); }",
        arg=[selector, text],
        timeout=timeout,
    )


def wait_for_value(page, selector, value, timeout=90_000):
    page.wait_for_function(
        "([selector, value]) => { const e = document.querySelector(selector);"
        " return e !== null && e.value === value; }",
        arg=[selector, value],
        timeout=timeout,
    )


def readouts(page, root, n):
    return [page.locator(f"{root} .logit-slider-{i} .widget-readout").inner_text().replace("−", "-") for i in range(n)]


def paste(page, root, text):
    box = page.locator(f"{root} .logits-text input")
    box.fill(text)
    box.press("Enter")


def type_into(page, selector, text):
    box = page.locator(f"{selector} input")
    box.fill(text)
    box.press("Enter")


def open_tab(page, index):
    page.locator(".softmax-explorer .lm-TabBar-tab").nth(index).click()
    page.locator(f"img.{FIGURES[index]}").wait_for(state="visible", timeout=120_000)
    page.wait_for_function(
        "(c) => { const i = document.querySelector('img.' + c); return i && i.complete && i.naturalWidth > 0; }",
        arg=FIGURES[index],
        timeout=120_000,
    )


def handle(page, selector):
    return page.locator(f"{selector} .noUi-handle")


def press(page, selector, key, times=1):
    handle(page, selector).focus()
    for _ in range(times):
        page.keyboard.press(key)


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


# --------------------------------------------------------------------------- what the page shows first
def test_the_first_figure_is_painted_before_any_widget_javascript_runs(server, browser):
    # Voila's JavaScript (which starts the widgets) is refused: what shows is what the page's HTML
    # alone gives a learner while the widget front end loads.
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.route("**/voila/static/voila.js", lambda route: route.abort())
        page.goto(server.url, wait_until="load")
        preview = page.locator("img.probability-plot-preview")
        preview.wait_for(state="visible", timeout=120_000)
        page.wait_for_function(
            "() => { const i = document.querySelector('img.probability-plot-preview');"
            " return i.complete && i.naturalWidth > 0; }",
            timeout=60_000,
        )
        box = preview.bounding_box()
        assert box["width"] > 400 and box["height"] > 200 and box["y"] + box["height"] < 900  # in view
        assert page.locator(".softmax-explorer").count() == 0  # the widgets are not live
        # It is the starting figure itself: the PNG of a fresh first tab in the default state.
        src = preview.get_attribute("src")
        assert base64.b64decode(src.split(",", 1)[1]) == bytes(TemperatureTab(theme="light").image.value)
        assert "probabilities 0.659, 0.242, 0.099" in preview.get_attribute("alt")  # its text alternative
        text = page.locator("#rendered_cells").inner_text()
        assert "Explore softmax" in text and "make dashboard" not in text and "Voila" not in text
        assert "Traceback" not in page.content()
        screenshot(page, "dashboard-before-widgets")
    finally:
        page.close()


def test_temperature_slider_updates_box_readout_and_figure(page):
    readout = page.locator(f"{TAB1} .probabilities-readout")
    assert readout.inner_text() == probabilities_text([2.0, 1.0, 0.1])
    assert page.locator(".explorer-preview").is_hidden()  # the loading preview went away
    before = figure_src(page)
    press(page, f"{TAB1} .temperature-slider", "ArrowRight", 5)
    # Five steps of 0.01 on the log10 scale: T = 10 ** 0.05 = 1.12 (3 significant digits).
    wait_for_text(page, f"{TAB1} .probabilities-readout", probabilities_text([2.0, 1.0, 0.1], 1.12))
    page.wait_for_function(
        "(before) => document.querySelector('.temperature-tab img.probability-plot').src !== before",
        arg=before,
        timeout=60_000,
    )
    assert page.locator(f"{TAB1} .temperature-text input").input_value() == "1.12"
    assert page.js_errors == []


# --------------------------------------------------------------------------- bug: pasted logits lost to the echo
def test_pasted_800_with_stable_off_stays_800_and_overflows_then_1000_2000_3000(page):
    page.locator(f"{TAB1} .stable-toggle input").uncheck()
    wait_for_text(page, f"{TAB1} .stats-readout", "entropy")
    paste(page, TAB1, "800, 1, 0.1")
    wait_for_text(page, f"{TAB1} .stats-readout", "overflow → nan")
    box = page.locator(f"{TAB1} .logits-text input")

    def first():
        shown = (
            box.input_value(),
            readouts(page, TAB1, 3),
            page.locator(f"{TAB1} .probabilities-readout").inner_text(),
            "overflow → nan" in page.locator(f"{TAB1} .stats-readout").inner_text(),
        )
        return True if shown == ("800, 1, 0.1", ["800.00", "1.00", "0.10"], "p = [nan, 0.000, 0.000]", True) else shown

    assert stays(first) is None
    paste(page, TAB1, "1000, 2000, 3000")
    wait_for_text(page, f"{TAB1} .logit-slider-2 .widget-readout", "3000.00")

    def second():
        shown = (
            box.input_value(),
            readouts(page, TAB1, 3),
            "overflow → nan" in page.locator(f"{TAB1} .stats-readout").inner_text(),
        )
        return True if shown == ("1000, 2000, 3000", ["1000.00", "2000.00", "3000.00"], True) else shown

    assert stays(second) is None
    page.locator(f"{TAB1} .stable-toggle input").check()
    wait_for_text(page, f"{TAB1} .probabilities-readout", "p = [0.000, 0.000, 1.000]")
    assert page.js_errors == []


# --------------------------------------------------------------------------- bug: ranges, huge values
def test_huge_logits_get_a_message_and_every_slider_keeps_working(page):
    paste(page, TAB1, "-1e308, 1e308")
    wait_for_text(page, f"{TAB1} .logits-message", "out of range")
    assert readouts(page, TAB1, 3) == ["2.00", "1.00", "0.10"]  # never NaN, never 1e+308
    assert page.locator(f"{TAB1} .probabilities-readout").inner_text() == probabilities_text([2, 1, 0.1])
    paste(page, TAB1, "2, 1, 0.1")
    wait_for_text(page, f"{TAB1} .probabilities-readout", probabilities_text([2, 1, 0.1]))
    page.wait_for_function("() => document.querySelector('.temperature-tab .logits-message').innerText.trim() === ''")
    press(page, f"{TAB1} .logit-slider-1", "ArrowRight")
    wait_for_value(page, f"{TAB1} .logits-text input", "2, 1.1, 0.1")
    assert readouts(page, TAB1, 3) == ["2.00", "1.10", "0.10"]
    assert page.js_errors == []


def test_slider_ranges_follow_the_state_both_ways(page):
    limit = f"{TAB1} .logit-slider-1 .noUi-handle"
    paste(page, TAB1, "1000, 2000, 3000")
    page.wait_for_function(
        "(s) => document.querySelector(s).getAttribute('aria-valuemax') === '5000.0'"
        " || document.querySelector(s).getAttribute('aria-valuemax') === '5000'",
        arg=limit,
    )
    page.locator(f"{TAB1} .reset-button").click()
    wait_for_value(page, f"{TAB1} .logits-text input", "2, 1, 0.1")
    page.wait_for_function(
        "(s) => parseFloat(document.querySelector(s).getAttribute('aria-valuemax')) === 10", arg=limit
    )
    # Dragging logit 1 by 10 px on the ±10 range moves it by well under 1 (it jumped to 161.1).
    box = page.locator(limit).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 10, y, steps=5)
    page.mouse.up()
    page.wait_for_function("() => document.querySelector('.temperature-tab .logits-text input').value !== '2, 1, 0.1'")
    box = page.locator(f"{TAB1} .logits-text input")
    settled = box.input_value()
    while stays(lambda s=settled: True if box.input_value() == s else box.input_value(), seconds=1.0) is not None:
        settled = box.input_value()  # the drag's last moves are still arriving: a paste now could be overwritten
    moved = float(settled.split(",")[1])
    assert 1.0 < moved < 2.0, moved
    paste(page, TAB1, "1000, 2000, 3000")
    page.wait_for_function(
        "(s) => parseFloat(document.querySelector(s).getAttribute('aria-valuemax')) === 5000", arg=limit
    )
    page.locator(f"{TAB1} .randomise-button").click()
    page.wait_for_function(
        "(s) => parseFloat(document.querySelector(s).getAttribute('aria-valuemax')) === 10", arg=limit
    )
    # The range and the box are separate widgets: on a busy machine the box can arrive later.
    page.wait_for_function(
        "() => document.querySelector('.temperature-tab .logits-text input').value !== '1000, 2000, 3000'"
    )
    values = [float(v) for v in page.locator(f"{TAB1} .logits-text input").input_value().split(",")]
    assert all(abs(v) < 10 for v in values), values
    assert page.js_errors == []


def test_two_quick_randomise_clicks_leave_sliders_box_and_state_in_step(page):
    button = page.locator(f"{TAB1} .randomise-button")
    button.click()
    button.click()
    button.click()
    box = page.locator(f"{TAB1} .logits-text input")

    def consistent():
        values = box.input_value().split(", ")
        shown = readouts(page, TAB1, len(values))
        expected = [f"{float(v):.2f}" for v in values]
        return True if shown == expected else (values, shown)

    page.wait_for_function("() => document.querySelector('.temperature-tab .logits-text input').value !== '2, 1, 0.1'")
    time.sleep(1.0)  # let the three clicks' echoes come back
    assert stays(consistent, seconds=3.0) is None
    values = [float(v) for v in box.input_value().split(", ")]
    wait_for_text(page, f"{TAB1} .probabilities-readout", probabilities_text(values))


# --------------------------------------------------------------------------- bug: round temperatures
@pytest.mark.parametrize("typed", ["0.5", "0.1", "2", "5"])
def test_typed_round_temperatures_are_exact(page, typed):
    type_into(page, f"{TAB1} .temperature-text", typed)
    temperature = float(typed)
    wait_for_text(page, f"{TAB1} .probabilities-readout", probabilities_text([2, 1, 0.1], temperature))

    def exact():
        shown = (
            page.locator(f"{TAB1} .temperature-text input").input_value(),
            page.locator(f"{TAB1} .probabilities-readout").inner_text(),
        )
        return True if shown == (typed, probabilities_text([2, 1, 0.1], temperature)) else shown

    assert stays(exact) is None
    if typed == "0.5":
        assert probabilities_text([2, 1, 0.1], 0.5) == "p = [0.864, 0.117, 0.019]"  # not 0.863 (T = 0.501)
    # The keyboard lands on round values too: 30 steps of 0.01 in log10 T from 0.5 is T = 1 exactly.
    if typed == "0.5":
        press(page, f"{TAB1} .temperature-slider", "ArrowRight", 30)
        wait_for_value(page, f"{TAB1} .temperature-text input", "1")
        wait_for_text(page, f"{TAB1} .probabilities-readout", "p = [0.659, 0.242, 0.099]")


def test_bad_typed_temperatures_get_a_message(page):
    for bad, fragment in [("abc", "not a number"), ("0", "out of range"), ("1000", "out of range")]:
        type_into(page, f"{TAB1} .temperature-text", bad)
        wait_for_text(page, f"{TAB1} .temperature-message", fragment)
        assert page.locator(f"{TAB1} .probabilities-readout").inner_text() == probabilities_text([2, 1, 0.1])
    type_into(page, f"{TAB1} .temperature-text", "2")
    wait_for_text(page, f"{TAB1} .probabilities-readout", probabilities_text([2, 1, 0.1], 2.0))
    assert page.locator(f"{TAB1} .temperature-message").inner_text().strip() == ""


# --------------------------------------------------------------------------- bug: seeds
@pytest.mark.parametrize(
    "tab, root, box", [(1, ".sampling-tab", ".seed-box"), (3, ".attention-tab", ".attention-seed")]
)
def test_seed_boxes_refuse_what_is_not_a_whole_number(page, tab, root, box):
    open_tab(page, tab)
    before = figure_src(page, root, FIGURES[tab])
    for bad in ["3.7", "1e3", "-1", "seven"]:
        type_into(page, f"{root} {box}", bad)
        wait_for_text(page, f"{root} {box}-message", f"whole number from 0 to 4294967295, got '{bad}'")
        assert figure_src(page, root, FIGURES[tab]) == before
    type_into(page, f"{root} {box}", "12")
    page.wait_for_function(f"() => document.querySelector('{root} {box}-message').innerText.trim() === ''")
    page.wait_for_function(
        "([s, before]) => document.querySelector(s).src !== before", arg=[f"{root} img.{FIGURES[tab]}", before]
    )
    if tab == 1:
        wait_for_text(page, f"{root} .sampling-readout", "draws vs exact")
    assert page.locator(f"{root} {box} input").input_value() == "12"


# --------------------------------------------------------------------------- bug: the true class
def test_true_class_buttons_always_match_the_class_count(page):
    open_tab(page, 2)
    root = ".cross-entropy-tab"

    def buttons():
        return page.evaluate("""() => Array.from(document.querySelectorAll('.cross-entropy-tab .true-class-button'))
            .filter(b => b.offsetParent !== null).map(b => [b.innerText.trim(), b.classList.contains('selected')])""")

    page.locator(f"{root} .true-class-2").click()
    page.wait_for_function("() => document.querySelector('.cross-entropy-tab .true-class-2').innerText.includes('✓')")
    # A button's label and its highlight are separate widget updates: wait for both, then see them hold.
    wait_until(lambda: buttons() == [["0", False], ["1", False], ["2 ✓", True]], 60, message="class 2 selected")
    assert stays(lambda: True if buttons() == [["0", False], ["1", False], ["2 ✓", True]] else buttons()) is None
    press(page, f"{root} .classes-slider", "ArrowLeft")  # 3 -> 2 classes
    page.wait_for_function("() => document.querySelector('.cross-entropy-tab .true-class-2').offsetParent === null")
    assert stays(lambda: True if buttons() == [["0", False], ["1 ✓", True]] else buttons()) is None
    paste(page, root, "1, 2, 3, 4, 5")
    page.wait_for_function("() => document.querySelector('.cross-entropy-tab .true-class-4').offsetParent !== null")
    paste(page, root, "2, 1")
    page.wait_for_function("() => document.querySelector('.cross-entropy-tab .true-class-2').offsetParent === null")
    assert stays(lambda: True if [b[0].split()[0] for b in buttons()] == ["0", "1"] else buttons()) is None
    # The keyboard picks a class too (Tab to a button, Enter).
    page.locator(f"{root} .true-class-0").focus()
    page.keyboard.press("Enter")
    wait_for_text(page, f"{root} .cross-entropy-readout", "p(true class 0)")
    wait_until(lambda: buttons() == [["0 ✓", True], ["1", False]], 60, message="class 0 selected")
    assert page.js_errors == []


# --------------------------------------------------------------------------- links (URL state)
def test_a_link_opens_exactly_that_state_and_a_reload_keeps_it(server, browser):
    link = server.url + "?tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9"
    page = open_page(browser, link)
    try:
        root = ".sampling-tab"
        page.locator(f"{root} img.sampling-plot").wait_for(state="visible")
        expected = SamplingState((3, 2.5, 2, 1), temperature=0.7, top_p=0.9)
        kept = [expected.labels[i] for i in np.flatnonzero(expected.probabilities > 0)]

        def shown():
            return (
                page.locator(".lm-TabBar-tab.lm-mod-current").inner_text().strip(),
                page.locator(f"{root} .temperature-text input").input_value(),
                page.locator(f"{root} .top-p-slider .widget-readout").inner_text(),
                page.locator(f"{root} .logits-text input").input_value(),
                page.locator(f"{root} .sampling-readout").inner_text().splitlines()[0],
            )

        wanted = ("2 · Sampling", "0.7", "0.90", "3, 2.5, 2, 1", f"kept: {', '.join(kept)}")
        page.wait_for_function("() => document.querySelector('.sampling-tab .sampling-readout') !== null")
        assert stays(lambda: True if shown() == wanted else shown()) is None
        # The URL follows the page; a reload (a new kernel) shows the same state.
        type_into(page, f"{root} .temperature-text", "1.5")
        page.wait_for_function("() => window.location.search.includes('T=1.5')")
        assert "tab=sampling" in page.url and "top_p=0.9" in page.url and "logits=3,2.5,2,1" in page.url
        page.reload(wait_until="commit")
        page.locator(f"{root} img.sampling-plot").wait_for(state="visible", timeout=180_000)
        wanted = ("2 · Sampling", "1.5", "0.90", "3, 2.5, 2, 1")
        page.wait_for_function(
            "() => { const b = document.querySelector('.sampling-tab .temperature-text input');"
            " return b && b.value === '1.5'; }",
            timeout=180_000,
        )
        assert stays(lambda: True if shown()[:4] == wanted else shown()) is None
        # "copy link" shows the link of what is on the page.
        page.locator(".copy-link-button").click()
        page.wait_for_function(
            "() => { const a = document.querySelector('.explorer-link-text');"
            " return a && a.textContent.startsWith('http'); }"
        )
        shown_link = page.locator(".explorer-link-text").inner_text()
        assert shown_link == page.url, (shown_link, page.url)
        screenshot(page, "dashboard-link-sampling")
        assert page.js_errors == []
    finally:
        page.close()


def test_bad_link_values_get_the_messages_of_bad_typed_values(server, browser):
    page = open_page(browser, server.url + "?tab=sampling&logits=2,abc&T=0&seed=3.7&top_p=2")
    try:
        root = ".sampling-tab"
        page.locator(f"{root} img.sampling-plot").wait_for(state="visible")
        wait_for_text(page, ".link-message", "could not be used")
        message = page.locator(".link-message").inner_text()
        for fragment in ["'abc' is not a number", "T = 0 is out of range", "got '3.7'", "top_p must be from 0.01 to 1"]:
            assert fragment in message, message
        wait_for_text(page, f"{root} .logits-message", "'abc' is not a number")
        wait_for_text(page, f"{root} .temperature-message", "out of range")
        wait_for_text(page, f"{root} .seed-box-message", "got '3.7'")
        # Everything else is the default state, and the page works.
        assert page.locator(f"{root} .logits-text input").input_value() == "3, 2.5, 2, 1, 0.5, -1"
        assert page.js_errors == []
    finally:
        page.close()


# --------------------------------------------------------------------------- every tab, accessibility, layout
def test_every_tab_opens_and_draws(page):
    tabs = page.locator(".softmax-explorer .lm-TabBar-tab")
    assert tabs.count() == 5
    for index in range(1, 5):
        open_tab(page, index)
    open_tab(page, 3)
    before = page.locator("img.attention-plot").get_attribute("src")
    page.locator(".causal-toggle input").check()
    page.wait_for_function(
        "(before) => document.querySelector('img.attention-plot').src !== before", arg=before, timeout=60_000
    )
    # The picture and its text alternative arrive as separate widget updates.
    page.wait_for_function("() => document.querySelector('img.attention-plot').alt.includes('masked')", timeout=60_000)
    text = page.locator(".attention-readout").inner_text()
    assert "scores = q·k ÷ √16, and √16 = 4" in text and "= ÷" not in text
    assert page.js_errors == []


def test_the_generate_tab_samples_from_the_model(page):
    open_tab(page, 4)
    before = page.locator("img.generate-plot").get_attribute("src")
    page.locator(".generate-40").click()
    page.wait_for_function(
        "() => (document.querySelector('.generate-readout') || {}).innerText.includes('perplexity of the 40')",
        timeout=60_000,
    )
    page.wait_for_function(
        "(before) => document.querySelector('img.generate-plot').src !== before", arg=before, timeout=60_000
    )
    text = page.locator(".generate-text textarea").input_value()
    assert text.startswith("on monday the sky is grey") and len(text) > 100
    box = page.locator(".generate-text textarea")
    box.fill("The sky")
    box.press("Tab")  # the box sends its value when it loses focus
    page.wait_for_function(
        "() => (document.querySelector('.generate-tab') || {}).innerText.includes('does not know')", timeout=60_000
    )
    assert page.js_errors == []


def ensure_axe():
    """axe-core from npm (tests/package.json): installed with ``npm ci`` on a fresh machine."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install axe-core for the accessibility tests", pytrace=False)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=TESTS, check=True, timeout=600)
    return AXE


AXE_RUN = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 200))}));
}"""

CONTRAST_JS = """(root) => {
  function rgb(text) {
    const m = text.match(/[\\d.]+/g).map(Number);
    return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1};
  }
  function background(el) {
    let layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let out = {r: 255, g: 255, b: 255};
    for (const c of layers.reverse()) out = blend(c, out);
    return out;
  }
  function blend(c, under) {
    return {r: c.r * c.a + under.r * (1 - c.a), g: c.g * c.a + under.g * (1 - c.a), b: c.b * c.a + under.b * (1 - c.a)};
  }
  function lum(c) { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); }
  function ratio(a, b) { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); }
  const scope = document.querySelector(root);
  const out = {handles: [], tracks: [], tabs: []};
  scope.querySelectorAll('.noUi-handle').forEach(h => {
    if (h.offsetParent === null) return;
    const page = background(h.closest('.noUi-target').parentElement);
    out.handles.push(ratio(blend(rgb(getComputedStyle(h).borderTopColor), page), page));
  });
  scope.querySelectorAll('.noUi-target').forEach(t => {
    if (t.offsetParent === null) return;
    const page = background(t.parentElement);
    out.tracks.push(ratio(blend(rgb(getComputedStyle(t).backgroundColor), page), page));
  });
  document.querySelectorAll('.softmax-explorer .lm-TabBar-tab').forEach(tab => {
    const label = tab.querySelector('.lm-TabBar-tabLabel') || tab;
    const style = getComputedStyle(label);
    const under = background(tab);
    const color = blend(rgb(style.color), under);
    out.tabs.push([tab.classList.contains('lm-mod-current'), ratio(color, under) * 1 , parseFloat(style.opacity)]);
  });
  return out;
}"""


def check_accessibility(page, theme):
    """axe on every tab, slider and tab-label contrast, keyboard reach; screenshots of each tab."""
    page.add_script_tag(path=str(ensure_axe()))
    report = {}
    for index, (name, root) in enumerate(zip(TAB_NAMES, TAB_ROOTS)):
        if index:
            open_tab(page, index)
        page.wait_for_function(
            "(r) => { const i = document.querySelector(r + ' img.explorer-figure');"
            " return i && i.getAttribute('alt'); }",
            arg=root,
        )  # the text alternative is in
        violations = page.evaluate(AXE_RUN)
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        contrast = page.evaluate(CONTRAST_JS, root)
        report[name] = {"violations": violations, "contrast": contrast}
        assert serious == [], json.dumps(serious, indent=1)
        assert contrast["handles"] and min(contrast["handles"]) >= 3.0, contrast
        if contrast["tracks"]:
            assert min(contrast["tracks"]) >= 3.0, contrast
        inactive = [r for current, r, _ in contrast["tabs"] if not current]
        assert min(inactive) >= 4.5, contrast["tabs"]
        # Every control can be reached with Tab (no negative tabindex, nothing disabled).
        unreachable = page.evaluate(
            """(root) => Array.from(document.querySelector(root).querySelectorAll(
            'button, input, .noUi-handle, select')).filter(e => e.offsetParent !== null &&
            (e.tabIndex < 0 || e.disabled)).map(e => e.outerHTML.slice(0, 80))""",
            root,
        )
        assert unreachable == []
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{theme}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


def test_accessibility_light_theme(page):
    check_accessibility(page, "light")


def check_layout(page, theme):
    """At 1280x720 every tab with 8 classes fits without scrolling and no label is cut; at 1920x1080
    the figure grows. Screenshots of each tab at both sizes."""
    results = {}
    for width, height in [(1280, 720), (1920, 1080)]:
        page.set_viewport_size({"width": width, "height": height})
        for index, (name, root) in enumerate(zip(TAB_NAMES, TAB_ROOTS)):
            open_tab(page, index)
            if index < 3:
                # Up to 8 classes: the tallest version of each tab.
                paste(page, root, "2, 1, 0.1, -1, 0.5, 1.5, -2, 3")
                page.wait_for_function(
                    "(r) => document.querySelector(r + ' .logit-slider-7').offsetParent !== null", arg=root
                )
                page.wait_for_function(
                    "(r) => document.querySelector(r + ' .logits-text input').value"
                    " === '2, 1, 0.1, -1, 0.5, 1.5, -2, 3'",
                    arg=root,
                )
            page.wait_for_timeout(300)  # one frame of layout after the widgets changed
            geometry = page.evaluate(
                """([root, figure]) => {
              const scroller = document.scrollingElement;
              const img = document.querySelector(root + ' img.' + figure).getBoundingClientRect();
              const controls = Array.from(document.querySelector(root).querySelectorAll(
                  '.widget-slider, .widget-text, .widget-checkbox, button')).filter(e => e.offsetParent !== null);
              const lowest = Math.max(...controls.map(e => e.getBoundingClientRect().bottom));
              const cut = Array.from(document.querySelectorAll(root + ' .widget-label, ' + root + ' button, '
                  + '.softmax-explorer .lm-TabBar-tabLabel, .copy-link-button'))
                .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
                .map(e => e.textContent.trim());
              return {scroll: scroller.scrollHeight, view: window.innerHeight, figure_bottom: img.bottom,
                      figure_width: img.width, figure_height: img.height, controls_bottom: lowest, cut: cut};
            }""",
                [root, FIGURES[index]],
            )
            results[f"{name}-{width}x{height}"] = geometry
            screenshot(page, f"dashboard-{theme}-{name}-{width}x{height}")
            assert geometry["cut"] == [], (name, width, geometry)
            if width == 1280:
                assert geometry["scroll"] <= geometry["view"] + 1, (name, geometry)
                assert geometry["figure_bottom"] <= height and geometry["controls_bottom"] <= height, (name, geometry)
            else:
                assert geometry["figure_width"] > 1000, (name, geometry)  # grows with the window (was 900 px)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"layout-{theme}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


def test_projector_layout_light_theme(page):
    check_layout(page, "light")


@pytest.fixture(scope="module")
def dark_server():
    with VoilaServer(preheat=False, theme="dark", startup_timeout=240) as voila:
        yield voila


def test_dark_theme_darkens_page_and_figure_and_passes_the_same_checks(dark_server, browser):
    page = open_page(browser, dark_server.url)
    try:
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        channels = [int(c) for c in background[background.index("(") + 1 : background.index(")")].split(",")[:3]]
        assert max(channels) < 80, background
        # The figure's own background: the PNG's top-left pixel, read through a canvas.
        pixel = page.evaluate("""() => {
            const img = document.querySelector('.temperature-tab img.probability-plot');
            const canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
            const context = canvas.getContext('2d');
            context.drawImage(img, 0, 0);
            return Array.from(context.getImageData(2, 2, 1, 1).data);
        }""")
        assert max(pixel[:3]) < 80, pixel
        check_accessibility(page, "dark")
        check_layout(page, "dark")
    finally:
        page.close()


def test_temperature_rounding_helper_matches_the_slider_grid():
    # Pure check of what the keyboard test relies on: 30 steps of 0.01 from log10(0.5) land on T = 1.
    from softmax_teach.dashboard.state import round_temperature

    assert round_temperature(round(math.log10(0.5), 2) + 0.30) == 1.0
