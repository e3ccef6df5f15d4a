"""Process helpers for the server tests and ``bench/bench_classroom.py`` (test machinery, not the package).

- :func:`running_voila`: a :class:`voila_server.VoilaServer` that is always
  stopped, and whose kernels are checked to be gone afterwards;
- :class:`ExtensionServer`: ``jupyter server`` with Voila's extension, serving the dashboard at
  ``/voila/render/notebooks/dashboard.ipynb`` (the Binder / JupyterHub path);
- :func:`wait_until`, :func:`processes_alive`, :func:`tree_rss`.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
from voila_server import VoilaServer, free_port

from softmax_teach.cli import dashboard_environment
from softmax_teach.serve.extension import RENDER_PATH, jupyter_server_command

ROOT = Path(__file__).resolve().parents[1]
_KERNEL_FILE = re.compile(r"kernel-([0-9a-f-]+)\.json")


def wait_until(condition, timeout, interval=0.2, message="condition"):
    """Poll ``condition()`` until it is truthy; returns its value, or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{message} not reached within {timeout:.0f} s")
        time.sleep(interval)


def processes_alive(pids):
    """The pids among ``pids`` that still run (zombies count as gone)."""
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def tree_rss(pid):
    """``(server RSS, {kernel_id: RSS})`` in bytes for a server process and its kernels."""
    server = psutil.Process(pid)
    kernels = {}
    for child in server.children(recursive=True):
        try:
            match = _KERNEL_FILE.search(" ".join(child.cmdline()))
            if match:
                kernels[match.group(1)] = child.memory_info().rss
        except psutil.Error:
            continue
    return server.memory_info().rss, kernels


@contextlib.contextmanager
def running_voila(**options):
    """A started :class:`VoilaServer`; on exit it is stopped and no process it started may survive."""
    server = VoilaServer(**options)
    server.start()
    started = [server.process.pid]
    try:
        yield server
    finally:
        with contextlib.suppress(psutil.Error):
            started += [p.pid for p in psutil.Process(server.process.pid).children(recursive=True)]
        server.stop()
    try:
        wait_until(lambda: not processes_alive(started), 20, message="every process of the server gone")
    except TimeoutError:
        raise AssertionError(f"processes left running after the server stopped: {processes_alive(started)}") from None


class ExtensionServer:
    """``jupyter server`` + Voila's extension on a free port of 127.0.0.1 (context manager)."""

    def __init__(self, startup_timeout=120.0):
        self.host = "127.0.0.1"
        self.port = free_port(self.host)
        self.token = secrets.token_hex(16)
        self.command = jupyter_server_command(ROOT, port=self.port, host=self.host, token=self.token)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self.command.append("--ServerApp.allow_root=True")  # CI containers run as root
        self._runtime = tempfile.TemporaryDirectory(prefix="jupyter-runtime-")
        self.startup_timeout = startup_timeout
        self.process = None
        self._log = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}/"

    @property
    def dashboard_url(self):
        return f"{self.url}{RENDER_PATH}?token={self.token}"

    def log_text(self):
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace") if self._log else ""

    def start(self):
        self._log = tempfile.NamedTemporaryFile(prefix="jupyter-server-", suffix=".log", delete=False)
        # Its own runtime directory: connection files and cookie secret never land in ~/.local.
        environment = {**dashboard_environment(), "JUPYTER_RUNTIME_DIR": self._runtime.name}
        self.process = subprocess.Popen(
            self.command,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            wait_until(
                lambda: self.process.poll() is not None or "is running at" in self.log_text(),
                self.startup_timeout,
                message="jupyter server running",
            )
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter server exited:\n{self.log_text()[-3000:]}")
        except BaseException:
            self.stop()
            raise
        return self

    def kernel_pids(self):
        pids = []
        for child in psutil.Process(self.process.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if _KERNEL_FILE.search(" ".join(child.cmdline())):
                    pids.append(child.pid)
        return pids

    def stop(self):
        if self.process is None:
            return
        children = []
        with contextlib.suppress(psutil.Error):
            children = psutil.Process(self.process.pid).children(recursive=True)
        if self.process.poll() is None:
            self.process.terminate()  # jupyter_server shuts its kernels down on SIGTERM
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()
        self.process = None
        if self._log is not None:
            self._log.close()
        self._runtime.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
