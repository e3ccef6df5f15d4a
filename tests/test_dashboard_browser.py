"""The dashboard in a real browser: Playwright drives Debian's chromium against a real Voila.

Never runs ``playwright install``: the browser is /usr/bin/chromium. Without it the module is
skipped, except under ``CI=true`` where a missing browser is a failure. Screenshots are kept in
test-artifacts/ (gitignored) so a person can look at what a class would see.
"""

import base64
import os
from pathlib import Path

import numpy as np
import pytest

from softmax_teach import numerics
from softmax_teach.dashboard import TemperatureTab
from softmax_teach.dashboard.server import CHROMIUM, CHROMIUM_ARGS, FIRST_FIGURE_JS, VoilaServer

pytestmark = pytest.mark.timeout(420)

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
TAB1 = ".temperature-tab"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests (apt-get install chromium)",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed, so the browser tests cannot run here", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server():
    with VoilaServer(preheat=True, startup_timeout=180) as voila:
        yield voila


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url, wait_until="commit")
    page.wait_for_function(FIRST_FIGURE_JS, timeout=120_000, polling="raf")
    page.js_errors = errors
    yield page
    page.close()


def probabilities_text(logits, temperature=1.0):
    p = numerics.softmax(np.asarray(logits, dtype=float), temperature=temperature)
    return "p = [" + ", ".join(f"{value:.3f}" for value in p) + "]"


def figure_src(page):
    return page.locator(f"{TAB1} img.probability-plot").get_attribute("src")


def wait_for_text(page, selector, text, timeout=60_000):
    page.wait_for_function("([selector, text]) => { const e = document.querySelector(selector);"
                           " return e !== null && e.innerText.includes(text); }", arg=[selector, text],
                           timeout=timeout)


def test_the_first_figure_is_painted_before_any_widget_javascript_runs(server, browser):
    # Voila's JavaScript (which starts the widgets) is refused: what shows is what the page's HTML
    # alone gives a learner while the widget front end loads.
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.route("**/voila/static/voila.js", lambda route: route.abort())
        page.goto(server.url, wait_until="load")
        preview = page.locator("img.probability-plot-preview")
        preview.wait_for(state="visible", timeout=60_000)
        page.wait_for_function("() => { const i = document.querySelector('img.probability-plot-preview');"
                               " return i.complete && i.naturalWidth > 0; }", timeout=60_000)
        box = preview.bounding_box()
        assert box["width"] > 400 and box["height"] > 200 and box["y"] + box["height"] < 900  # in view
        assert page.locator(".softmax-explorer").count() == 0  # the widgets are not live
        # It is the starting figure itself: the PNG of a fresh first tab in the default state.
        src = preview.get_attribute("src")
        assert base64.b64decode(src.split(",", 1)[1]) == bytes(TemperatureTab(theme="light").image.value)
        assert "Explore softmax" in page.locator("#rendered_cells").inner_text()
        assert "Traceback" not in page.content()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-before-widgets.png"), full_page=True)
    finally:
        page.close()


def test_temperature_slider_updates_readout_and_figure(page):
    readout = page.locator(f"{TAB1} .probabilities-readout")
    assert readout.inner_text() == probabilities_text([2.0, 1.0, 0.1])
    assert page.locator(".explorer-preview").is_hidden()  # the loading preview went away
    before = figure_src(page)
    page.locator(f"{TAB1} .temperature-slider .noUi-handle").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    # Five steps of 0.01 on the log10 scale: T = 10 ** 0.05.
    expected = probabilities_text([2.0, 1.0, 0.1], 10**0.05)
    wait_for_text(page, f"{TAB1} .probabilities-readout", expected)
    page.wait_for_function("(before) => document.querySelector('.temperature-tab img.probability-plot').src !== before",
                           arg=before, timeout=60_000)
    assert page.locator(f"{TAB1} .temperature-slider .widget-readout").inner_text() == "1.12"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-temperature.png"), full_page=True)
    assert page.js_errors == []


def test_bad_pasted_logits_show_a_message_and_the_app_keeps_working(page):
    box = page.locator(f"{TAB1} .logits-text input")
    readout = page.locator(f"{TAB1} .probabilities-readout")
    message = page.locator(f"{TAB1} .logits-message")
    before_src, before_readout = figure_src(page), readout.inner_text()
    box.fill("2, abc, 0.1")
    box.press("Enter")
    wait_for_text(page, f"{TAB1} .logits-message", "'abc' is not a number")
    assert readout.inner_text() == before_readout
    assert figure_src(page) == before_src
    box.fill("1, 2, 3, 4, 5, 6, 7, 8, 9")
    box.press("Enter")
    wait_for_text(page, f"{TAB1} .logits-message", "At most 8 classes")
    assert "Traceback" not in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-bad-logits.png"), full_page=True)
    # Good logits afterwards: the figure, readout and sliders follow and the message goes.
    box.fill("3, 1, 0.2, -1")
    box.press("Enter")
    wait_for_text(page, f"{TAB1} .probabilities-readout", probabilities_text([3.0, 1.0, 0.2, -1.0]))
    assert message.inner_text().strip() == ""
    assert figure_src(page) != before_src
    # d3-format writes a true minus sign.
    assert page.locator(f"{TAB1} .logit-slider-3 .widget-readout").inner_text().replace("−", "-") == "-1.00"
    assert page.js_errors == []


def test_every_tab_opens_and_draws(page):
    tabs = page.locator(".softmax-explorer .lm-TabBar-tab")
    assert tabs.count() == 4
    for index, (css_class, name) in enumerate([("sampling-plot", "sampling"), ("cross-entropy-plot", "cross-entropy"),
                                               ("attention-plot", "attention")], start=1):
        tabs.nth(index).click()
        image = page.locator(f"img.{css_class}")
        image.wait_for(state="visible", timeout=60_000)
        page.wait_for_function("(c) => { const i = document.querySelector('img.' + c);"
                               " return i && i.complete && i.naturalWidth > 0; }", arg=css_class, timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
    # Tab 4: the causal mask blanks the upper triangle and says so in the picture.
    before = page.locator("img.attention-plot").get_attribute("src")
    page.locator(".causal-toggle input").check()
    page.wait_for_function("(before) => document.querySelector('img.attention-plot').src !== before",
                           arg=before, timeout=60_000)
    assert page.js_errors == []


def test_large_pasted_logits_survive_the_round_trip_and_the_overflow_shows(page):
    box = page.locator(f"{TAB1} .logits-text input")
    box.fill("1000, 2000, 3000")
    box.press("Enter")
    wait_for_text(page, f"{TAB1} .probabilities-readout", "p = [0.000, 0.000, 1.000]")
    page.locator(f"{TAB1} .stable-toggle input").uncheck()
    wait_for_text(page, f"{TAB1} .stats-readout", "overflow → nan")
    assert page.locator(f"{TAB1} .probabilities-readout").inner_text() == "p = [nan, nan, nan]"
    # The sliders' ranges widened with the values; nothing was clamped or re-snapped on the way back.
    assert box.input_value() == "1000, 2000, 3000"
    readouts = [page.locator(f"{TAB1} .logit-slider-{i} .widget-readout").inner_text() for i in range(3)]
    assert readouts == ["1000.00", "2000.00", "3000.00"]
    page.locator(f"{TAB1} .stable-toggle input").check()
    wait_for_text(page, f"{TAB1} .probabilities-readout", "p = [0.000, 0.000, 1.000]")
    assert page.js_errors == []


def test_dark_theme_darkens_page_and_figure(browser):
    with VoilaServer(preheat=False, theme="dark", startup_timeout=180) as dark_server:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        try:
            page.goto(dark_server.url, wait_until="commit")
            page.wait_for_function(FIRST_FIGURE_JS, timeout=180_000, polling="raf")
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            channels = [int(c) for c in background[background.index("(") + 1:background.index(")")].split(",")[:3]]
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
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dashboard-dark.png"), full_page=True)
        finally:
            page.close()
