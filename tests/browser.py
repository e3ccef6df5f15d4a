"""Browser test machinery shared by the Explorer's and the website's chromium tests (not the package).

- :func:`launched_chromium`: Debian's chromium through Playwright, always closed;
- :func:`serving_folder`: a folder served by a plain static file server on a free loopback port;
- :data:`LOOPBACK`: the hosts a test page may reach (every other request is aborted);
- :func:`ensure_axe` and :data:`AXE_RUN`: axe-core from npm and the WCAG rules both suites check.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

from voila_server import CHROMIUM, CHROMIUM_ARGS

TESTS = Path(__file__).resolve().parent
AXE = TESTS / "node_modules" / "axe-core" / "axe.min.js"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

AXE_RUN = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 200))}));
}"""


@contextlib.contextmanager
def launched_chromium():
    """Debian's chromium, headless with the project's flags; closed however the block ends."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving_folder(folder):
    """Serve ``folder`` on a free port of 127.0.0.1 and yield its URL (ending in ``/``); always stopped."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def ensure_axe(fail):
    """axe-core from npm (tests/package.json, pinned by its lockfile), installed with ``npm ci``.

    ``fail`` is ``pytest.fail``: without npm the accessibility tests fail with a message.
    """
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            fail("npm is needed to install axe-core for the accessibility tests", pytrace=False)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=TESTS, check=True, timeout=600)
    return AXE
