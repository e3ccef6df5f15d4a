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
from voila_server import CHROMIUM, CHROMIUM_ARGS, notebook_code_lines
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
    assert 'id="explorer-failed"' in page  # our template
    assert [line for line in notebook_code_lines() if line in page] == []  # strip_sources
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


def temperature_figure_caption(page):
    """The text alternative of the shown Temperature figure (an SVG, role=img, named by its caption)."""
    svg = page.locator("[role=tabpanel]:not([hidden]) figure svg[role=img]").first
    return page.locator(f"#{svg.get_attribute('aria-labelledby')}").inner_text()


def test_the_explorer_comes_alive_in_chromium_and_answers_the_keyboard(server, sync_api):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server.dashboard_url, wait_until="commit")
            slider = page.get_by_role("slider", name="temperature T")
            slider.wait_for(state="visible", timeout=180_000)
            # The first figure is drawn in the browser, before any change.
            before = temperature_figure_caption(page)
            assert "probabilities" in before
            box = page.get_by_role("textbox", name="T", exact=True)
            assert box.input_value() == "1"
            slider.focus()
            slider.press("ArrowRight")
            page.wait_for_function(
                "(before) => {"
                " const svg = document.querySelector('[role=tabpanel]:not([hidden]) figure svg[role=img]');"
                " return document.getElementById(svg.getAttribute('aria-labelledby')).innerText !== before; }",
                arg=before,
                timeout=10_000,
            )
            assert box.input_value() != "1"
            assert page.locator("#explorer-failed").is_hidden()
            # What the template's 90-second check looks for to know the page reached its kernel.
            assert page.locator(".softmax-explorer").count() == 1
            assert errors == []
        finally:
            browser.close()
