"""The dashboard through Voila's Jupyter server extension (``/voila/render/...``, as on Binder and JupyterHub).

A ``jupyter server`` with Voila's extension and the dashboard's settings
(:mod:`softmax_teach.serve.extension`) runs on a free port of 127.0.0.1 with a token; the
page must use our template, hide the code, and come alive in chromium. The server is always
stopped, and no kernel may outlive it.
"""

import os
from pathlib import Path

import pytest
from servers import ExtensionServer, processes_alive, wait_until
from voila_server import CHROMIUM, CHROMIUM_ARGS, FIRST_FIGURE_JS
from widget_client import fetch

pytestmark = pytest.mark.timeout(420)


@pytest.fixture(scope="module")
def server():
    with ExtensionServer() as jupyter:
        kernels = []
        try:
            yield jupyter
        finally:
            kernels = jupyter.kernel_pids()
    wait_until(lambda: not processes_alive(kernels), 20, message="the extension server's kernels gone")


def test_the_render_path_serves_our_template_without_code(server):
    status, page, _ = fetch(server.dashboard_url, timeout=120)
    assert status == 200
    assert "probability-plot-preview" in page  # the loading preview written by our template
    assert 'id="explorer-failed"' in page
    assert "import build_app" not in page  # strip_sources
    assert "Traceback" not in page
    # Without the token, no page (and no kernel): jupyter_server asks to log in.
    status, page, _ = fetch(server.url + "voila/render/notebooks/dashboard.ipynb", timeout=60)
    assert status in (200, 302, 403) and '"kernelId"' not in page


@pytest.fixture(scope="module")
def sync_api():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests", pytrace=False)
        pytest.skip(f"{CHROMIUM} is not installed")
    return pytest.importorskip("playwright.sync_api")


def test_the_widgets_come_alive_in_chromium(server, sync_api):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server.dashboard_url, wait_until="commit")
            tab = ".temperature-tab"
            page.locator(f"{tab} .temperature-slider .noUi-handle").wait_for(state="visible", timeout=180_000)
            page.wait_for_timeout(2000)
            before = page.locator(f"{tab} .probabilities-readout").inner_text()
            page.locator(f"{tab} .temperature-slider .noUi-handle").focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "(before) => document.querySelector('.temperature-tab .probabilities-readout').innerText !== before",
                arg=before,
                timeout=60_000,
            )
            assert page.locator(".explorer-failed").is_hidden()
            assert errors == []
            page.wait_for_function(FIRST_FIGURE_JS, timeout=30_000, polling="raf")
        finally:
            browser.close()


@pytest.mark.xfail(
    reason="intermittent: on the extension path the figure's first PNG (in the widget manager's bulk "
    "update_states reply) is sometimes not shown until the first change (see the test above)",
    strict=False,
)
def test_the_first_figure_shows_before_any_change(server, sync_api):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(server.dashboard_url, wait_until="commit")
            page.locator(".temperature-tab .temperature-slider .noUi-handle").wait_for(state="visible", timeout=180_000)
            page.wait_for_function(FIRST_FIGURE_JS, timeout=20_000, polling="raf")
        finally:
            browser.close()
