"""The built course website (``make site``) in Debian's chromium, served from a loopback port, with
every request that leaves the machine aborted and recorded: the landing page, a lesson (its figures
decoded, its math typeset by the vendored MathJax), the teachers' page and the Explorer page (the
static Explorer in a frame: key presses on its temperature slider change the bars). axe-core
reports no serious or critical violation. Screenshots at 1280×720 and on a 390×844 phone go to
``test-artifacts/``, and the pages' load times to ``test-artifacts/site-timings.json``.

Without a built site (``_build/html``) the module is skipped locally and fails in CI.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser import AXE_RUN, LOOPBACK, ensure_axe, launched_chromium, serving_folder
from voila_server import require_chromium

require_chromium(pytest)


ROOT = Path(__file__).resolve().parents[1]
BUILT = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "test-artifacts"
LESSON = "notebooks/01_introduction.html"
VIEWPORTS = {"desktop": {"width": 1280, "height": 720}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def site_url():
    if not (BUILT / "index.html").is_file():
        message = "no built site in _build/html: run make site first"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (.ci/run runs it before make test)", pytrace=False)
        pytest.skip(message)
    with serving_folder(BUILT) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def timings():
    found = {}
    yield found
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "site-timings.json").write_text(json.dumps(found, indent=1) + "\n")


class Visit:
    """A page in a fresh context: requests beyond loopback aborted and listed, failed local requests
    and script errors listed."""

    def __init__(self, browser, viewport):
        self.context = browser.new_context(viewport=viewport)
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # A request the page itself cancelled (ERR_ABORTED: the Explorer page points its frame at a link
        # with settings while the plain one loads) is no failure; requests beyond loopback are in outside.
        self.page.on(
            "requestfailed",
            lambda request: "ERR_ABORTED" not in (request.failure or "") and self.failed.append(request.url),
        )
        self.page.on(
            "response",
            lambda r: (
                r.status >= 400 and self.failed.append(f"{r.status} {r.url} from {r.request.headers.get('referer')}")
            ),
        )

    def _route(self, route):
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, url):
        self.page.goto(url, wait_until="load")
        return self.page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return {domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }"
        )

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def open_visit(viewport="desktop"):
        opened.append(Visit(browser, VIEWPORTS[viewport]))
        return opened[-1]

    yield open_visit
    for item in opened:
        item.close()


def _axe_serious(page):
    """Serious and critical axe violations. Run it after checking the page's own requests: axe reads
    style sheets itself, and resolves an @import in _static/styles against the page (a 404 of its own)."""
    page.add_script_tag(path=str(ensure_axe(pytest.fail)))
    return [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]


def _screenshots(browser, url, name, ready=None):
    for viewport, size in VIEWPORTS.items():
        item = Visit(browser, size)
        try:
            item.open(url)
            if ready:
                ready(item.page)
            ARTIFACTS.mkdir(exist_ok=True)
            item.page.screenshot(path=str(ARTIFACTS / f"site-{name}-{viewport}.png"))
        finally:
            item.close()


WAIT_FOR_MATH = """async () => {
  await MathJax.startup.promise;
  return {typeset: document.querySelectorAll('mjx-container').length,
          source: document.querySelectorAll('.math').length,
          errors: document.querySelectorAll('mjx-merror').length,
          at: performance.now()};
}"""


def _show_math_and_a_figure(page):
    """Scroll to the first figure that follows typeset math, so the screenshot shows both."""
    page.evaluate(WAIT_FOR_MATH)
    page.evaluate(
        "() => { const m = document.querySelector('mjx-container[display=\"true\"]') ||"
        " document.querySelector('mjx-container'); m.scrollIntoView({block: 'start'}); window.scrollBy(0, -80); }"
    )


def test_the_landing_page_works_offline_and_is_accessible(site_url, visit, browser, timings):
    item = visit()
    timings["landing"] = item.open(site_url)  # index.html at the root redirects to nothing else
    page = item.page
    assert page.title().startswith("Softmax")
    assert page.get_by_role("heading", name="The lessons, in order").is_visible()
    rows = page.locator("table").first.locator("tbody tr")
    assert rows.count() == 15
    assert rows.nth(0).locator("a").get_attribute("href") == "notebooks/01_introduction.html"
    assert item.outside == [] and item.failed == [] and item.errors == []
    assert _axe_serious(page) == []
    _screenshots(browser, site_url, "landing")


def test_a_lesson_shows_its_figures_and_typesets_its_math_offline(site_url, visit, browser, timings):
    item = visit()
    timings["lesson"] = item.open(site_url + LESSON)
    page = item.page
    math = page.evaluate(WAIT_FOR_MATH)
    timings["lesson"]["mathTypeset"] = math["at"]
    assert math["source"] >= 10 and math["typeset"] >= math["source"] and math["errors"] == 0, math
    figures = page.evaluate(
        "() => [...document.querySelectorAll('.cell_output img')].map(i => [i.complete && i.naturalWidth, i.alt])"
    )
    assert len(figures) >= 3 and all(width > 0 for width, _ in figures), figures
    launch = page.locator(".dropdown-launch-buttons a")
    labels = {launch.nth(i).inner_text().strip() for i in range(launch.count())}
    assert {"Binder", "Colab", "JupyterHub"} <= labels, labels
    assert item.outside == [] and item.failed == [] and item.errors == [], (item.outside, item.failed, item.errors)
    assert _axe_serious(page) == []
    _screenshots(browser, site_url + LESSON, "lesson", ready=_show_math_and_a_figure)


def test_search_runs_in_the_page_with_sphinx_own_index(site_url, visit):
    item = visit()
    item.open(site_url + "search.html?q=temperature")
    results = item.page.locator("#search-results li")
    results.first.wait_for(timeout=30_000)
    assert results.count() >= 3
    assert item.outside == [] and item.failed == []


def test_the_teachers_page_is_accessible_and_offline(site_url, visit, timings):
    item = visit()
    timings["teachers"] = item.open(site_url + "teachers.html")
    assert item.page.get_by_role("heading", name="Which lessons fit a session").is_visible()
    assert item.outside == [] and item.failed == [] and item.errors == []
    assert _axe_serious(item.page) == []
    assert item.outside == []


def _explorer_frame(page):
    frame = page.frame_locator("#softmax-explorer-frame")
    frame.get_by_role("slider", name="temperature T").wait_for(timeout=30_000)
    return frame


def _bar_heights(frame):
    bars = frame.locator("[role=tabpanel]:not([hidden]) figure.probability-plot rect.bar[data-series='0']")
    return bars.evaluate_all("rs => rs.map(r => +r.getAttribute('height'))")


def test_the_explorer_page_embeds_the_static_explorer_and_a_slider_moves_the_bars(site_url, visit, browser, timings):
    item = visit()
    timings["explorer"] = item.open(site_url + "explorer.html")
    page = item.page
    frame = _explorer_frame(page)
    timings["explorer"]["explorerReady"] = page.evaluate("() => performance.now()")
    before = _bar_heights(frame)
    slider = frame.get_by_role("slider", name="temperature T")
    slider.focus()
    for _ in range(30):  # log10 T from 0 to -0.3: T = 0.5, a sharper distribution
        slider.press("ArrowLeft")
    assert frame.get_by_role("textbox", name="T", exact=True).input_value() == "0.5"
    after = _bar_heights(frame)
    assert len(before) == len(after) == 3
    assert after[0] > before[0] and after[2] < before[2], (before, after)
    width = page.evaluate("() => document.getElementById('softmax-explorer-frame').getBoundingClientRect().width")
    column = page.evaluate("() => document.querySelector('.bd-main').getBoundingClientRect().width")
    assert width >= column - 2 * 48, (width, column)  # the whole main column, less its padding
    assert page.get_by_role("link", name="Open the Explorer on its own page").get_attribute("href") == (
        "explorer/index.html"
    )
    assert item.outside == [] and item.failed == [] and item.errors == [], (item.outside, item.failed, item.errors)
    page.frame(url=re.compile(r"/explorer/index\.html")).add_script_tag(path=str(ensure_axe(pytest.fail)))
    assert _axe_serious(page) == []
    assert item.outside == []
    _screenshots(browser, site_url + "explorer.html", "explorer", ready=_explorer_frame)


def test_a_link_to_the_explorer_page_opens_the_tab_with_its_settings(site_url, visit):
    item = visit()
    item.open(site_url + "explorer.html?tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9")
    frame = item.page.frame_locator("#softmax-explorer-frame")
    selected = frame.locator("[role=tab][aria-selected=true]")
    selected.wait_for(timeout=30_000)
    assert "Sampling" in selected.inner_text()
    top_p = frame.get_by_role("slider", name="top-p").get_attribute("aria-valuetext")
    assert float(re.findall(r"\d+(?:\.\d+)?", top_p)[-1]) == 0.9, top_p
    assert item.outside == [] and item.failed == [] and item.errors == []
