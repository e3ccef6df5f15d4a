"""``softmax-teach dashboard`` works from a wheel installed in a fresh venv, far from any checkout.

The wheel is built from this repository and installed without its dependencies into a new venv;
the dependencies come from the test's own environment through a ``.pth`` line, so nothing is
downloaded. The command then runs from a temporary folder, finds the dashboard notebook and the
Voila template that the wheel installed, and serves a page on a free 127.0.0.1 port.
"""

from __future__ import annotations

import os
import signal
import site
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from voila_server import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(folder)],
        check=True,
        capture_output=True,
    )
    [wheel] = folder.glob("softmax_teach-*.whl")
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    # The dependencies (numpy, voila, ...) from this environment; its editable install of the
    # package is not seen, because .pth files inside an added directory are not processed.
    [venv_site] = (venv / "lib").glob("python3.*/site-packages")
    (venv_site / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv, folder


def _environment():
    """This environment without the checkout on any path, plus the Jupyter data files (Voila's base
    templates) of the environment the dependencies come from: a real install has them in its own
    prefix, and only the package itself comes from the wheel here."""
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "JUPYTER_PATH")}
    environment["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return environment


def _run(venv, *arguments, cwd):
    return subprocess.run(
        [str(venv / "bin" / "softmax-teach"), *arguments],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    venv, folder = installed
    code = "import softmax_teach, softmax_teach.cli as c; print(softmax_teach.__file__); print(c.DASHBOARD_NOTEBOOK)"
    lines = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert Path(lines[0]).is_relative_to(venv), lines[0]
    assert Path(lines[1]) == venv / "share" / "softmax-teach" / "dashboard.ipynb" and Path(lines[1]).is_file()


def test_the_installed_command_serves_the_dashboard(installed):
    venv, folder = installed
    printed = _run(venv, "dashboard", "--print-command", cwd=folder)
    assert printed.returncode == 0, printed.stderr
    assert str(venv / "share" / "softmax-teach" / "dashboard.ipynb") in printed.stdout

    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "softmax-teach"), "dashboard", "--port", str(port), "--no-preheat"],
        cwd=folder,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        page = None
        deadline = time.monotonic() + 120
        while page is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                    page = response.read().decode()
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        assert page is not None, "no page within 120 s"
        assert "softmax-explorer" in page or "Softmax Explorer" in page  # our template, found in the wheel
        assert "build_app()" not in page  # the code is hidden
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
