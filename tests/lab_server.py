"""JupyterLab on a free loopback port for the browser tests and the Explorer benchmark.

It serves a scratch folder holding one notebook built from the given code cells, with a token,
its own settings (every cell kept in the DOM: no windowing) and ``PYTHONPATH`` set to this
checkout, so the kernel imports this copy of ``softmax_teach``. Always stopped (terminate, then
kill the process group).
"""

from __future__ import annotations

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

from voila_server import free_port

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_NAME = "explorer_cells.ipynb"

# In the page: true once the notebook's kernel is up and idle (run-all on a starting kernel runs nothing).
KERNEL_IDLE_JS = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k && k.status === 'idle'; }"""
RUN_ALL_JS = "window.jupyterapp.commands.execute('notebook:run-all-cells')"


def notebook_of(sources):
    """A notebook (dict) with one code cell per source string."""
    cells = [
        {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}
        for source in sources
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": cells, "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}


class JupyterLabServer:
    """``jupyter lab`` on a scratch notebook of ``sources``; ``url`` opens that notebook."""

    def __init__(self, sources, startup_timeout=180.0):
        self.sources = list(sources)
        self.startup_timeout = startup_timeout
        self.folder = None
        self.process = None
        self._log = None

    def start(self):
        self.folder = Path(tempfile.mkdtemp(prefix="softmax-lab-"))
        (self.folder / NOTEBOOK_NAME).write_text(json.dumps(notebook_of(self.sources)), encoding="utf-8")
        settings = self.folder / "settings" / "@jupyterlab" / "notebook-extension"
        settings.mkdir(parents=True)
        (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        self.port, self.token = free_port(), secrets.token_hex(16)
        self._log = open(self.folder / "lab.log", "w+")
        environment = dict(
            os.environ,
            JUPYTERLAB_SETTINGS_DIR=str(self.folder / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.folder / "workspaces"),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                f"--port={self.port}",
                "--ServerApp.ip=127.0.0.1",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.folder}",
                "--LabApp.expose_app_in_browser=True",
                "--ServerApp.open_browser=False",
                "--allow-root",
            ],
            cwd=self.folder,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/status?token={self.token}", timeout=5)
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = self.log_text()
                    self.stop()
                    raise RuntimeError(f"jupyter lab did not start:\n{log[-3000:]}") from None
                time.sleep(0.5)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/lab/tree/{NOTEBOOK_NAME}?token={self.token}"

    def log_text(self):
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # jupyter shuts its kernels down on SIGTERM
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(10)
        if self._log is not None:
            self._log.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def open_and_run(self, page, timeout=240_000):
        """Open the notebook in ``page``, wait for an idle kernel and run every cell."""
        page.goto(self.url)
        page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout)
        page.evaluate(RUN_ALL_JS)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
