"""The Softmax Explorer in a real browser: the static page, Voila and JupyterLab.

Playwright drives Debian's chromium (never ``playwright install``); without it the module is
skipped, except under ``CI=true``. One browser serves the whole module.

- The static page (``export_explorer``) is served by a loopback static file server, and every
  request that is not for 127.0.0.1 is aborted (and counted): the page needs no internet.
- Voila serves ``notebooks/dashboard.ipynb`` (the same app, with links read from the address).
- JupyterLab runs the inline tab cells of notebooks 01 and 10 (copied into a scratch notebook).

Every interaction checks what the learner sees: the figure's visible text alternative and its
bars' geometry, not only the state (a past bug had the state right and the browser wrong).
Screenshots at 1280×720 and 1920×1080 go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from browser import AXE_RUN, LOOPBACK, ensure_axe, launched_chromium, serving_folder
from voila_server import require_chromium

from softmax_teach import numerics
from softmax_teach.explorer import export_explorer

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"
TABS = ["temperature", "sampling", "cross-entropy", "attention", "generate"]

require_chromium(pytest)
sync_api = pytest.importorskip("playwright.sync_api")


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def static_site(tmp_path_factory):
    """The exported folder, served on a free port of 127.0.0.1 by a plain static file server."""
    folder = tmp_path_factory.mktemp("explorer-site")
    index = export_explorer(folder)
    assert index == folder / "index.html"
    with serving_folder(folder) as url:
        yield url


def offline_page(browser, url, *, viewport=(1366, 900), color_scheme="light"):
    """A page where every non-loopback request is aborted (recorded in ``page.aborted``)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, color_scheme=color_scheme)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.aborted = []
    page.js_errors = []

    def route(request_route):
        host = urlsplit(request_route.request.url).hostname or ""
        if request_route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            request_route.continue_()
        else:
            page.aborted.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.goto(url)
    page.get_by_role("tab", name=re.compile("Temperature")).wait_for()
    page.locator(".softmax-explorer-tab >> visible=true").first.wait_for()
    return page


@pytest.fixture()
def static_page(browser, static_site):
    page = offline_page(browser, static_site)
    yield page
    assert page.aborted == [], f"the static page asked the internet for {page.aborted}"
    assert page.js_errors == [], page.js_errors
    page.context.close()


# --------------------------------------------------------------------------- what the learner sees
def panel(page):
    """The shown tab panel."""
    return page.locator("[role=tabpanel]:not([hidden])")


def figure(page, css_class):
    """(visible text alternative, bar heights) of a figure in the shown panel."""
    root = panel(page).locator(f"figure.{css_class}")
    caption = root.locator("figcaption").inner_text()
    heights = root.locator("rect.bar[data-series='0']").evaluate_all("rs => rs.map(r => +r.getAttribute('height'))")
    return caption, heights


def accessible_figure_name(page, css_class):
    """The figure's accessible name is its caption (role=img, aria-labelledby)."""
    svg = panel(page).locator(f"figure.{css_class} svg")
    assert svg.get_attribute("role") == "img"
    caption_id = svg.get_attribute("aria-labelledby")
    return page.locator(f"#{caption_id}").inner_text()


def press(locator, key, times):
    locator.focus()
    for _ in range(times):
        locator.press(key)


def select_tab(page, name):
    page.get_by_role("tab", name=re.compile(name, re.IGNORECASE)).click()
    panel(page).locator(".softmax-explorer-tab").wait_for()


def numbers_after(text, marker):
    """The comma-separated numbers that follow ``marker`` in ``text``."""
    tail = text.split(marker, 1)[1]
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?|nan", tail.split(";")[0].split(")")[0])]


# --------------------------------------------------------------------------- the static page
def test_tabs_render_and_follow_the_keyboard(static_page):
    page = static_page
    first = page.get_by_role("tab", name=re.compile("Temperature"))
    first.focus()
    for name in TABS[1:]:
        page.keyboard.press("ArrowRight")
        selected = page.locator("[role=tab][aria-selected=true]")
        assert name.replace("-", " ") in selected.inner_text().lower().replace("-", " ")
        assert selected.evaluate("el => el === document.activeElement")
        panel(page).locator(".softmax-explorer-tab").wait_for()
        for svg in panel(page).locator("svg[role=img]").all():
            name_id = svg.get_attribute("aria-labelledby")
            assert re.search(r"\d", page.locator(f"#{name_id}").inner_text())
    page.keyboard.press("Home")
    assert "Temperature" in page.locator("[role=tab][aria-selected=true]").inner_text()


def test_temperature_slider_key_press_redraws_the_figure(static_page):
    page = static_page
    caption, heights = figure(page, "probability-plot")
    assert "gives probabilities 0.659, 0.242, 0.0986" in caption
    slider = page.get_by_role("slider", name="temperature T")
    press(slider, "ArrowLeft", 30)  # log10 T from 0 to -0.3: T = 0.5
    assert page.get_by_role("textbox", name="T", exact=True).input_value() == "0.5"
    new_caption, new_heights = figure(page, "probability-plot")
    expected = numerics.softmax(np.array([2.0, 1.0, 0.1]), temperature=0.5)
    shown = numbers_after(new_caption, "gives probabilities")
    np.testing.assert_allclose(shown, expected, rtol=2e-3)
    assert new_heights[0] > heights[0] and new_heights[2] < heights[2]
    assert accessible_figure_name(page, "probability-plot") == new_caption
    assert slider.get_attribute("aria-valuetext") == "T = 0.5"


def test_logit_sliders_and_classes_follow_the_keyboard(static_page):
    page = static_page
    _, heights = figure(page, "probability-plot")
    press(page.get_by_role("slider", name="logit 2"), "ArrowRight", 30)  # 0.1 -> 3.1
    caption, new_heights = figure(page, "probability-plot")
    assert "logits 2, 1, 3.1" in caption
    assert new_heights[2] > heights[2]
    assert page.get_by_role("textbox", name="logits", exact=True).input_value() == "2, 1, 3.1"
    press(page.get_by_role("slider", name="classes"), "ArrowRight", 2)
    caption, new_heights = figure(page, "probability-plot")
    assert "logits 2, 1, 3.1, 0, 0" in caption and len(new_heights) == 5
    assert page.get_by_role("slider", name="logit 4").is_visible()
    assert page.get_by_role("slider", name="logit 7").count() == 0  # hidden: not in the accessibility tree


def test_bad_text_shows_a_message_next_to_the_box_and_keeps_the_state(static_page):
    page = static_page
    caption, heights = figure(page, "probability-plot")
    box = page.get_by_role("textbox", name="logits", exact=True)
    box.fill("2, x, 1")
    box.press("Enter")
    message = page.locator(f"#{box.get_attribute('aria-describedby')}")
    assert message.inner_text() == "'x' is not a number: type numbers like 2, 1, 0.1"
    assert box.get_attribute("aria-invalid") == "true"
    assert figure(page, "probability-plot") == (caption, heights)
    t_box = page.get_by_role("textbox", name="T", exact=True)
    t_box.fill("0")
    t_box.press("Enter")
    assert "out of range" in page.locator(f"#{t_box.get_attribute('aria-describedby')}").inner_text()
    assert figure(page, "probability-plot") == (caption, heights)
    assert "Traceback" not in page.content()
    # Another control moves: the refused text and its message stay until the logits change.
    press(page.get_by_role("slider", name="temperature T"), "ArrowLeft", 1)
    assert box.input_value() == "2, x, 1" and message.inner_text().startswith("'x' is not a number")
    page.get_by_role("button", name="reset").click()
    assert box.input_value() == "2, 1, 0.1" and message.inner_text() == "" and t_box.input_value() == "1"
    box.fill("3, 1")
    box.press("Enter")
    assert message.inner_text() == "" and box.get_attribute("aria-invalid") is None
    assert "logits 3, 1 " in figure(page, "probability-plot")[0]


@pytest.mark.parametrize("logits", ["1000, 2000, 3000", "709, 709, 709"])
def test_unstable_formula_shows_the_overflow(static_page, logits):
    page = static_page
    page.get_by_role("checkbox", name="stable: subtract the max first").uncheck()
    box = page.get_by_role("textbox", name="logits", exact=True)
    box.fill(logits)
    box.press("Enter")
    caption, heights = figure(page, "probability-plot")
    assert "overflow" in caption and heights == ([] if logits.startswith("1000") else [0, 0, 0])
    stats = panel(page).locator(".stats-readout").inner_text()
    assert "overflow: Σ exp(z / T) passed 1.8e308" in stats
    assert "Something went wrong" not in page.content()
    page.get_by_role("checkbox", name="stable: subtract the max first").check()
    caption, _ = figure(page, "probability-plot")
    assert "overflow" not in caption and "arg-max" in caption


def test_predict_reveal_reset_randomise(static_page):
    page = static_page
    page.get_by_role("checkbox", name="predict, then reveal").check()
    caption, _ = figure(page, "probability-plot")
    assert "hidden until you reveal" in caption
    page.get_by_role("button", name="reveal").click()
    assert "gives probabilities" in figure(page, "probability-plot")[0]
    page.get_by_role("button", name="randomise").click()
    randomised = figure(page, "probability-plot")[0]
    assert "logits 2, 1, 0.1 " not in randomised
    page.get_by_role("button", name="reset").click()
    assert "logits 2, 1, 0.1 at T = 1 " in figure(page, "probability-plot")[0]


def test_link_sets_the_tab_and_its_values(browser, static_site):
    page = offline_page(browser, static_site + "?tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9")
    try:
        assert "Sampling" in page.locator("[role=tab][aria-selected=true]").inner_text()
        assert page.get_by_role("textbox", name="logits", exact=True).input_value() == "3, 2.5, 2, 1"
        assert page.get_by_role("textbox", name="T", exact=True).input_value() == "0.7"
        assert page.get_by_role("slider", name="top-p").input_value() == "0.9"
        caption, _ = figure(page, "filter-plot")
        expected = numerics.sampling_probabilities(np.array([3, 2.5, 2, 1.0]), temperature=0.7, top_p=0.9)
        np.testing.assert_allclose(numbers_after(caption, "min-p off:"), expected, atol=6e-4)
        link = page.get_by_role("textbox", name="link to this view")
        assert link.input_value().endswith("?tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9")
        press(page.get_by_role("slider", name="top-k"), "ArrowRight", 2)
        assert "top_k=2" in link.input_value()
        assert page.aborted == [] and page.js_errors == []
    finally:
        page.context.close()
    page = offline_page(browser, static_site + "?tab=cross-entropy&logits=1,2,3&true=7&smoothing=0.1")
    try:
        assert "Cross-entropy" in page.locator("[role=tab][aria-selected=true]").inner_text()
        message = page.locator(".explorer-link-message").inner_text()
        assert "true: true (the true class) must be a whole number from 0 to 2, got '7'" in message
        assert "smoothing 0.10" in figure(page, "cross-entropy-plot")[0]
        assert "p = 0.09, 0.245, 0.665" in figure(page, "cross-entropy-plot")[0]
    finally:
        page.context.close()


def test_sampling_controls(static_page):
    page = static_page
    select_tab(page, "Sampling")
    caption, _ = figure(page, "filter-plot")
    assert "nothing cut" in caption
    press(page.get_by_role("slider", name="top-k"), "ArrowRight", 2)
    caption, after = figure(page, "filter-plot")
    assert "cut: cat, dog, sat, zebra" in caption
    press(page.get_by_role("slider", name="min-p"), "ArrowRight", 90)
    assert "cut:" in figure(page, "filter-plot")[0]
    draws_caption, _ = figure(page, "draws-plot")
    press(page.get_by_role("slider", name="draws"), "ArrowRight", 3)
    assert "Bar chart of 230 seeded draws" in figure(page, "draws-plot")[0]
    seed = page.get_by_role("textbox", name="seed")
    seed.fill("1.5")
    seed.press("Enter")
    assert "seed must be a whole number" in page.locator(f"#{seed.get_attribute('aria-describedby')}").inner_text()
    seed.fill("7")
    seed.press("Enter")
    assert "(seed 7)" in figure(page, "draws-plot")[0]
    page.get_by_role("button", name="draw again").click()
    assert "(seed 8)" in figure(page, "draws-plot")[0]
    assert seed.input_value() == "8"
    assert draws_caption != figure(page, "draws-plot")[0]


def test_cross_entropy_controls(static_page):
    page = static_page
    select_tab(page, "Cross-entropy")
    caption, _ = figure(page, "cross-entropy-plot")
    loss = float(re.search(r"loss ([\d.]+) nats", caption).group(1))
    assert loss == pytest.approx(float(numerics.cross_entropy(np.array([[2.0, 1, 0.1]]), np.array([0]))), abs=1e-4)
    page.get_by_role("radio", name="true class 2").check()
    caption, _ = figure(page, "cross-entropy-plot")
    assert "true class 2" in caption
    assert float(re.search(r"loss ([\d.]+) nats", caption).group(1)) > loss
    gradient, heights = figure(page, "gradient-plot")
    assert numbers_after(gradient, "p − y:")[2] < 0
    press(page.get_by_role("slider", name="label smoothing"), "ArrowRight", 10)
    assert "smoothing 0.10" in figure(page, "cross-entropy-plot")[0]
    assert figure(page, "gradient-plot")[1] != heights


def test_attention_controls(static_page):
    page = static_page
    select_tab(page, "Attention")
    caption, _ = figure(page, "attention-plot")
    assert "scaled by 1/√d" in caption and "no mask" in caption
    page.get_by_role("checkbox", name="causal mask").check()
    caption = figure(page, "attention-plot")[0]
    assert "causal mask" in caption and "the: 1.00 0.00" in caption
    assert panel(page).locator("rect.heat-masked").count() == 15
    page.get_by_role("checkbox", name="scale by 1/√d").uncheck()
    assert "not scaled" in figure(page, "attention-plot")[0]


def test_generate_controls(static_page):
    page = static_page
    select_tab(page, "Generate")
    text = page.get_by_role("textbox", name="text", exact=True)
    start = text.input_value()
    caption, heights = figure(page, "generate-plot")
    assert len(heights) == 8
    page.get_by_role("button", name="next character").click()
    assert len(text.input_value()) == len(start) + 1
    assert figure(page, "generate-plot")[0] != caption
    page.get_by_role("button", name="generate 40").click()
    assert len(text.input_value()) == len(start) + 41
    assert "perplexity" in panel(page).locator(".generate-readout").inner_text()
    text.fill("Hello")
    text.press("Enter")
    message = page.locator(f"#{text.get_attribute('aria-describedby')}").inner_text()
    assert "the model does not know 'H'" in message


# --------------------------------------------------------------------------- accessibility and screenshots
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_and_screenshots(browser, static_site, theme):
    ARTIFACTS.mkdir(exist_ok=True)
    report = {}
    for viewport in [(1280, 720), (1920, 1080)]:
        page = offline_page(browser, static_site, viewport=viewport, color_scheme=theme)
        try:
            page.add_script_tag(path=str(ensure_axe(pytest.fail)))
            for name in TABS:
                select_tab(page, name.replace("-", "."))
                page.screenshot(path=str(ARTIFACTS / f"explorer-static-{name}-{theme}-{viewport[0]}x{viewport[1]}.png"))
                if viewport == (1280, 720):
                    report[name] = page.evaluate(AXE_RUN)
        finally:
            page.context.close()
    (ARTIFACTS / f"explorer-axe-{theme}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    assert all(not v for v in report.values()), json.dumps(report, indent=1)


# --------------------------------------------------------------------------- Voila
@pytest.fixture(scope="module")
def voila():
    from voila_server import VoilaServer

    with VoilaServer(preheat=True, startup_timeout=240) as server:
        yield server


def voila_page(browser, url, viewport=(1366, 900)):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.set_default_timeout(120_000)
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.goto(url)
    page.locator(".softmax-explorer-tab >> visible=true").first.wait_for()
    return page


def test_voila_every_tab_works_and_links(browser, voila):
    page = voila_page(browser, voila.url + "?tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9")
    try:
        assert "Sampling" in page.locator("[role=tab][aria-selected=true]").inner_text()
        assert page.get_by_role("textbox", name="T", exact=True).input_value() == "0.7"
        caption, _ = figure(page, "filter-plot")
        expected = numerics.sampling_probabilities(np.array([3, 2.5, 2, 1.0]), temperature=0.7, top_p=0.9)
        np.testing.assert_allclose(numbers_after(caption, "min-p off:"), expected, atol=6e-4)
        press(page.get_by_role("slider", name="top-k"), "ArrowRight", 2)
        assert "cut:" in figure(page, "filter-plot")[0]
        select_tab(page, "Temperature")
        caption, heights = figure(page, "probability-plot")
        press(page.get_by_role("slider", name="temperature T"), "ArrowLeft", 30)
        new_caption, new_heights = figure(page, "probability-plot")
        assert "at T = 0.5 " in new_caption and new_heights[0] > heights[0]
        box = page.get_by_role("textbox", name="logits", exact=True)
        box.fill("2, x")
        box.press("Enter")
        assert "'x' is not a number" in page.locator(f"#{box.get_attribute('aria-describedby')}").inner_text()
        assert figure(page, "probability-plot")[0] == new_caption
        page.get_by_role("checkbox", name="stable: subtract the max first").uncheck()
        box.fill("709, 709, 709")
        box.press("Enter")
        assert "overflow" in figure(page, "probability-plot")[0]
        select_tab(page, "Cross-entropy")
        page.get_by_role("radio", name="true class 1").check()
        assert "true class 1" in figure(page, "cross-entropy-plot")[0]
        select_tab(page, "Attention")
        page.get_by_role("checkbox", name="causal mask").check()
        assert "causal mask" in figure(page, "attention-plot")[0]
        select_tab(page, "Generate")
        text = page.get_by_role("textbox", name="text", exact=True)
        start = len(text.input_value())
        page.get_by_role("button", name="generate 40").click()
        assert len(text.input_value()) == start + 40
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explorer-voila-generate.png"))
        # axe on every tab inside Voila's page too (light theme; the static page covers both themes).
        page.add_script_tag(path=str(ensure_axe(pytest.fail)))
        report = {}
        for name in TABS:
            select_tab(page, name.replace("-", "."))
            report[name] = page.evaluate(AXE_RUN)
        assert all(not v for v in report.values()), json.dumps(report, indent=1)
        assert page.js_errors == []
        assert "Traceback" not in page.content()
    finally:
        page.close()


# --------------------------------------------------------------------------- JupyterLab
LESSONS = [ROOT / "notebooks" / "01_introduction.ipynb", ROOT / "notebooks" / "10_temperature.ipynb"]


def explorer_cells():
    """The cells of notebooks 01 and 10 that show Explorer tabs (import softmax_teach.explorer, or jslink one)."""
    cells = []
    for path in LESSONS:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and ("softmax_teach.explorer" in source or "jslink" in source):
                cells.append({"cell_type": "code", "source": source})
    return cells


@pytest.fixture(scope="module")
def lab():
    """JupyterLab on a scratch notebook of the lessons' Explorer cells (the lessons stay untouched)."""
    from lab_server import JupyterLabServer

    cells = explorer_cells()
    assert len(cells) >= 3, "notebooks 01 and 10 show the Explorer inline (and one links a FloatSlider)"
    with JupyterLabServer([cell["source"] for cell in cells]) as server:
        yield server


def test_jupyterlab_inline_tabs_and_jslink(browser, lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    try:
        lab.open_and_run(page)
        tabs = page.locator(".jp-OutputArea .softmax-explorer-tab")
        n_cells = len(explorer_cells())
        page.wait_for_function(
            "(n) => document.querySelectorAll('.jp-OutputArea .softmax-explorer-tab').length >= n",
            arg=n_cells,
            timeout=240_000,
        )
        assert "Traceback" not in page.locator(".jp-Notebook").inner_text()
        # Every inline tab answers a key press with a new figure (caption and bars).
        for i in range(tabs.count()):
            tab = tabs.nth(i)
            tab.scroll_into_view_if_needed()
            caption = tab.locator("figcaption").first
            before = caption.inner_text()
            heights = tab.locator("rect.bar").first.get_attribute("height")
            slider = tab.get_by_role("slider", name="temperature T")
            press(slider, "ArrowLeft", 30)
            assert caption.inner_text() != before
            assert "T = 0.5" in caption.inner_text()
            assert tab.locator("rect.bar").first.get_attribute("height") != heights
        # The learner's own FloatSlider, linked with jslink, drives the last tab's temperature.
        handle = page.locator(".jp-OutputArea .widget-slider .noUi-handle").last
        handle.scroll_into_view_if_needed()
        linked = tabs.last
        before = linked.locator("figcaption").first.inner_text()
        press(handle, "ArrowRight", 5)
        page.wait_for_function(
            "([el, before]) => el.textContent !== before",
            arg=[linked.locator("figcaption").first.element_handle(), before],
        )
        assert linked.get_by_role("textbox", name="T", exact=True).input_value() != "0.5"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explorer-jupyterlab.png"))
    finally:
        page.close()
