"""Notebook 01's inline Temperature tab in a real JupyterLab (its widget manager is not Voila's).

``jupyter lab`` runs on a free port of 127.0.0.1 with a token, on a copy of notebook 01 in a
temporary folder (the repository's file is never touched). Chromium opens it, runs every cell,
and pastes logits into the tab: the issue's bug was that JupyterLab's front end echoed the
slider's old, clamped value back (``800, 1, 0.1`` became ``10, 1, 0.1``; then ``1000, 2000,
3000`` became ``800, 10, 10``).
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from servers import wait_until
from voila_server import CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium, stays

pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01_introduction.ipynb"
TAB = ".temperature-tab"

require_chromium(pytest)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def lab():
    folder = Path(tempfile.mkdtemp(prefix="softmax-lab-"))
    shutil.copy(NOTEBOOK, folder / NOTEBOOK.name)
    # Every cell in the DOM (no windowing), so the widget is there to find once the notebook ran.
    settings = folder / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = free_port(), secrets.token_hex(16)
    log = open(folder / "lab.log", "w+")
    environment = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(folder / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(folder / "workspaces"),
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={folder}",
            "--LabApp.expose_app_in_browser=True",
            "--ServerApp.open_browser=False",
            "--allow-root",
        ],
        cwd=folder,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"jupyter lab did not start:\n{log.read()[-3000:]}") from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK.name}?token={token}"
    finally:
        process.terminate()  # jupyter shuts its kernels down on SIGTERM
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
    assert NOTEBOOK.stat().st_size > 0  # the repository's notebook is untouched (it was copied)


def test_pasted_logits_survive_jupyterlab_echo_and_the_overflow_shows(lab):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(180_000)
            page.goto(lab)
            page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=240_000)
            # The notebook's kernel is up and idle before anything runs (run-all on a kernel still
            # starting runs nothing).
            page.wait_for_function(
                """() => { const w = window.jupyterapp.shell.currentWidget;
                const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
                return k && k.status === 'idle'; }""",
                timeout=240_000,
            )
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            box = page.locator(f"{TAB} .logits-text input")
            try:
                box.wait_for(state="attached", timeout=600_000)
            except Exception:
                (ROOT / "test-artifacts").mkdir(exist_ok=True)
                page.screenshot(path=str(ROOT / "test-artifacts" / "jupyterlab-notebook01-timeout.png"))
                errors = page.evaluate(
                    "() => Array.from(document.querySelectorAll("
                    "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]'))"
                    ".map(e => e.innerText.slice(0, 500))"
                )
                raise AssertionError(f"notebook 01's Temperature tab never appeared; error outputs: {errors}") from None
            page.wait_for_function(
                "(s) => document.querySelector(s) && document.querySelector(s).innerText.includes('p = [')",
                arg=f"{TAB} .probabilities-readout",
                timeout=300_000,
            )
            box.scroll_into_view_if_needed()
            page.locator(f"{TAB} .stable-toggle input").uncheck()

            def readouts():
                return [page.locator(f"{TAB} .logit-slider-{i} .widget-readout").inner_text() for i in range(3)]

            box.fill("800, 1, 0.1")
            box.press("Enter")
            page.wait_for_function(
                f"() => document.querySelector('{TAB} .stats-readout').innerText.includes('overflow → nan')"
            )

            def first():
                shown = (
                    box.input_value(),
                    readouts(),
                    "overflow → nan" in page.locator(f"{TAB} .stats-readout").inner_text(),
                )
                return True if shown == ("800, 1, 0.1", ["800.00", "1.00", "0.10"], True) else shown

            # Each readout is its own widget: wait until all of them show the paste, then see it hold.
            wait_until(lambda: first() is True, 60, message="the pasted 800, 1, 0.1 shown everywhere")
            assert stays(first, seconds=3.0) is None
            box.fill("1000, 2000, 3000")
            box.press("Enter")
            page.wait_for_function(
                f"() => document.querySelector('{TAB} .logit-slider-2 .widget-readout').innerText === '3000.00'"
            )

            def second():
                shown = (
                    box.input_value(),
                    readouts(),
                    "overflow → nan" in page.locator(f"{TAB} .stats-readout").inner_text(),
                    page.locator(f"{TAB} .probabilities-readout").inner_text(),
                )
                return (
                    True
                    if shown == ("1000, 2000, 3000", ["1000.00", "2000.00", "3000.00"], True, "p = [nan, nan, nan]")
                    else shown
                )

            wait_until(lambda: second() is True, 60, message="the pasted 1000, 2000, 3000 shown everywhere")
            assert stays(second, seconds=3.0) is None
            (ROOT / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(ROOT / "test-artifacts" / "jupyterlab-notebook01-overflow.png"))
        finally:
            browser.close()
