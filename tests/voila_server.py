"""Start and stop a Voila server for the dashboard from Python (tests and the benchmark).

It runs exactly the command of ``softmax-teach dashboard`` (:func:`softmax_teach.cli.voila_command`)
in a subprocess on a free port of 127.0.0.1, waits until the preheated kernel is ready, and always
stops the server and every process it started (terminate, then kill).
"""

from __future__ import annotations

import re
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from softmax_teach.cli import DASHBOARD_NOTEBOOK, dashboard_environment, dashboard_url, voila_command

_POOL_FILLED = re.compile(r"Kernel pool of \S+ is filled")
_RUNNING = re.compile(r"Voil\S* is running at")


def free_port(host="127.0.0.1"):
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class VoilaServer:
    """A Voila server for one notebook, usable as a context manager.

    Parameters
    ----------
    notebook : path-like
        Defaults to ``notebooks/dashboard.ipynb``.
    port : int, optional
        Default: a free port.
    theme : {"light", "dark"}
    preheat : bool
        Keep pre-executed kernels; :meth:`start` then waits until they are ready.
    startup_timeout : float
        Seconds to wait for the server (and the preheated kernels) before giving up.
    token : str, optional
        Require this token (``?token=``), as ``softmax-teach dashboard`` does beyond loopback.
    **serving
        ``class_size``, ``max_kernels``, ``cull_after``, ``iopub_timeout`` of
        :func:`softmax_teach.cli.voila_command`.

    Examples
    --------
    >>> with VoilaServer() as server:   # doctest: +SKIP
    ...     html = server.fetch()
    """

    def __init__(
        self,
        notebook=DASHBOARD_NOTEBOOK,
        *,
        port=None,
        theme="light",
        preheat=True,
        startup_timeout=120.0,
        token=None,
        **serving,
    ):
        self.host = "127.0.0.1"
        self.port = port or free_port(self.host)
        self.notebook = Path(notebook)
        self.theme = theme
        self.preheat = preheat
        self.token = token
        self.startup_timeout = startup_timeout
        self.command = voila_command(
            self.notebook, host=self.host, port=self.port, theme=theme, preheat=preheat, **serving
        )
        self.process = None
        self._log = None

    @property
    def url(self):
        return dashboard_url(self.host, self.port)

    def log_text(self):
        """Everything Voila and its kernels have printed so far."""
        if self._log is None:
            return ""
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def start(self):
        """Start Voila and wait until it serves (and its preheated kernel has run the notebook)."""
        self._log = tempfile.NamedTemporaryFile(prefix="voila-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            self.command,
            env=dashboard_environment(token=self.token),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        ready = _POOL_FILLED if self.preheat else _RUNNING
        deadline = time.monotonic() + self.startup_timeout
        try:
            while not ready.search(self.log_text()):
                if self.process.poll() is not None:
                    raise RuntimeError(f"Voila exited with code {self.process.returncode}:\n{self.log_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"Voila was not ready after {self.startup_timeout:.0f} s:\n{self.log_text()[-3000:]}"
                    )
                time.sleep(0.1)
            if self.preheat:
                self.wait_until_kernels_idle(deadline - time.monotonic())
        except BaseException:
            self.stop()
            raise
        return self

    def wait_until_kernels_idle(self, timeout, idle_seconds=1.0, interval=0.1):
        """Wait until every kernel of this server has used (almost) no CPU for ``idle_seconds``.

        Voila reports its pool "filled" as soon as the kernel has started, while the kernel is
        still running the notebook; a page requested then waits for that run. A preheated kernel
        is really ready once it is idle.
        """
        import psutil

        deadline = time.monotonic() + max(timeout, 0.0)
        idle_since, last_total = time.monotonic(), None
        while time.monotonic() < deadline:
            total = 0.0
            for kernel in self.kernel_processes().values():
                try:
                    times = kernel.cpu_times()
                    total += times.user + times.system
                except psutil.Error:
                    continue
            now = time.monotonic()
            if last_total is None or total - last_total > 0.02 * interval / 0.1:
                idle_since = now
            elif now - idle_since >= idle_seconds:
                return
            last_total = total
            time.sleep(interval)
        raise TimeoutError(f"the preheated kernel was still busy after {timeout:.0f} s")

    def fetch(self, path="", timeout=60.0):
        """GET a page; returns ``(status, text)``."""
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", errors="replace")

    def kernel_processes(self):
        """``{kernel_id: psutil.Process}`` of the kernels this server started."""
        import psutil

        kernels = {}
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                match = re.search(r"kernel-([0-9a-f-]+)\.json", " ".join(child.cmdline()))
            except psutil.Error:
                continue
            if match:
                kernels[match.group(1)] = child
        return kernels

    def stop(self, timeout=15.0):
        """Terminate Voila (it shuts its kernels down), kill it if it hangs, then any leftover child."""
        if self.process is None:
            return
        try:
            import psutil

            leftovers = psutil.Process(self.process.pid).children(recursive=True)
        except Exception:  # noqa: BLE001 - psutil missing or the server already gone
            leftovers = []
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        for child in leftovers:
            try:
                child.terminate()
                child.wait(5)
            except Exception:  # noqa: BLE001 - already gone, or it needs the harder signal
                try:
                    child.kill()
                except Exception:  # noqa: BLE001 - already gone
                    pass
        self.process = None
        if self._log is not None:
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


# Debian's chromium, driven by Playwright (never `playwright install`): used by the browser tests
# and bench/bench_dashboard.py.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# JavaScript run in the page: the time (ms since navigation started) at which the interactive
# probability figure (the widget) is first shown as a decoded image, or null while it is not.
FIRST_FIGURE_JS = """() => {
  const img = document.querySelector('img.probability-plot');
  return (img && img.src && img.complete && img.naturalWidth > 0) ? performance.now() : null;
}"""

# The same for the first figure of any kind, static loading preview or widget: for the preview, the
# time its pixels reached the screen (Element Timing: the preview <img> has elementtiming="first-figure",
# and buffered entries reach an observer created later); for the widget, as above.
FIRST_PICTURE_JS = """() => {
  if (!window.__firstFigureObserver) {
    window.__firstFigurePaint = null;
    window.__firstFigureObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.identifier === 'first-figure' && window.__firstFigurePaint === null) {
          window.__firstFigurePaint = entry.renderTime || entry.loadTime;
        }
      }
    });
    window.__firstFigureObserver.observe({type: 'element', buffered: true});
  }
  if (window.__firstFigurePaint !== null) return window.__firstFigurePaint;
  const img = document.querySelector('img.probability-plot');
  const painted = img && img.src && img.complete && img.naturalWidth > 0 && img.offsetParent !== null;
  return painted ? performance.now() : null;
}"""

# Records the time of every change of the figure's src in window.__figureChanges.
WATCH_FIGURE_JS = """() => {
  window.__figureChanges = [];
  const img = document.querySelector('img.probability-plot');
  new MutationObserver(() => window.__figureChanges.push(performance.now()))
    .observe(img, {attributes: true, attributeFilter: ['src']});
}"""


def notebook_code_lines(notebook=DASHBOARD_NOTEBOOK):
    """The code lines of a notebook (comments and blank lines left out): none may reach a served page."""
    import json

    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    return [
        line.strip()
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def stays(check, seconds=2.5, interval=0.1):
    """``check()`` returns True now and keeps returning it for ``seconds`` (late echoes of a front
    end come back meanwhile). Returns the first value that was not True, or None."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result is not True:
            return result
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def require_chromium(pytest):
    """Skip a browser test module without Debian's chromium, except in CI (CI=true), where it fails."""
    import os

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"{CHROMIUM} is missing: CI must run the browser tests (apt-get install chromium)", pytrace=False
            )
        pytest.skip(f"{CHROMIUM} is not installed, so the browser tests cannot run here", allow_module_level=True)
