"""The dashboard through Voila's Jupyter server extension (``/voila/render/...``, as on Binder and JupyterHub).

A ``jupyter server`` with Voila's extension and the dashboard's settings
(:mod:`softmax_teach.serve.extension`) runs on a free port of 127.0.0.1 with a token; the
page must use our template, hide the code, and come alive in chromium. The server is always
stopped, and no kernel may outlive it.
"""

import asyncio
import os
import time
from pathlib import Path

import pytest
from servers import ExtensionServer, processes_alive, wait_until
from voila_server import CHROMIUM, CHROMIUM_ARGS, FIRST_FIGURE_JS
from widget_client import WidgetClient, close_code_after_sending, fetch, forged_v1_frames

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


def test_forged_v1_frames_close_that_client_and_the_server_keeps_answering(server):
    """The extension's server uses the bounded connection class too (issue 17, item 8)."""
    from softmax_teach.serve.extension import RENDER_PATH

    async def scenario():
        owner = WidgetClient(server.url, RENDER_PATH, token=server.token)
        await owner.fetch_page()
        outcomes = {}
        for name in ("count 2**62", "offset past the end", "empty frame"):
            attacker = WidgetClient(server.url)
            attacker.kernel_id, attacker.cookies = owner.kernel_id, owner.cookies
            await attacker.connect()
            code = await close_code_after_sending(attacker, forged_v1_frames()[name], timeout=5.0)
            started = time.perf_counter()
            status, _, _ = await asyncio.to_thread(
                fetch, f"{server.url}api/kernels/{owner.kernel_id}?token={server.token}", None, 2.0
            )
            outcomes[name] = (code, status, time.perf_counter() - started)
            await attacker.close()
        return outcomes

    for name, (code, status, seconds) in asyncio.run(scenario()).items():
        assert code == 1008, f"{name}: the server did not close the websocket (close code {code})"
        assert status == 200 and seconds < 2.0, f"{name}: the next request took {seconds:.1f} s (HTTP {status})"
    assert "malformed v1 frame" in server.log_text()


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
