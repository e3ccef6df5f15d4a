"""``softmax-teach dashboard`` works from a wheel installed in a fresh venv, far from any checkout,
and the wheel asks pip for no exact version (torch has a lower bound only).

The wheel is built from this repository and installed without its dependencies into a new venv;
the dependencies come from the test's own environment through a ``.pth`` line, so nothing is
downloaded. The command then runs from a temporary folder, finds the dashboard notebook and the
Voila template that the wheel installed, and serves a page on a free 127.0.0.1 port.

A second venv gets ``pip install --no-index 'softmax_teach-….whl[dashboard]'`` with only what that
extra needs in reach (see ``dashboard_only``), and serves the dashboard too.
"""

from __future__ import annotations

import email
import importlib.metadata
import os
import signal
import site
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
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

    page = _served_page(venv, folder, _environment())
    assert "softmax-explorer" in page or "Softmax Explorer" in page  # our template, found in the wheel
    assert "build_app()" not in page  # the code is hidden


def _served_page(venv, cwd, environment):
    """The first page ``softmax-teach dashboard`` of ``venv`` serves on a free port (the server is stopped)."""
    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "softmax-teach"), "dashboard", "--port", str(port), "--no-preheat"],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    page, log = None, ""
    try:
        deadline = time.monotonic() + 120
        while page is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                    chunks = []  # Voila streams the page while the kernel runs: read it against the deadline
                    while chunk := response.read1(65536):
                        chunks.append(chunk)
                        if time.monotonic() > deadline:
                            break
                    else:
                        page = b"".join(chunks).decode()
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            log = server.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            log = server.communicate()[0].decode(errors="replace")
    assert page is not None, f"no whole page within 120 s; the server said:\n{log[-4000:]}"
    return page


# ---------------------------------------------------------------------------------------------
# What the wheel asks pip for, and whether softmax-teach[dashboard] alone is enough to serve


def _metadata(venv):
    [dist_info] = (venv / "lib").glob("python3.*/site-packages/softmax_teach-*.dist-info")
    return email.message_from_string((dist_info / "METADATA").read_text())


def test_the_wheel_names_torch_with_a_lower_bound_only_and_no_exact_version(installed):
    venv, _ = installed
    metadata = _metadata(venv)
    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist")]
    [torch] = [r for r in requirements if r.name == "torch" and r.marker is None]
    assert torch.specifier and all(spec.operator == ">=" for spec in torch.specifier), str(torch)
    pinned = [str(r) for r in requirements if any(spec.operator in ("==", "===", "~=") for spec in r.specifier)]
    assert pinned == [], f"exact versions belong in constraints.txt, not in the wheel: {pinned}"
    assert {"dashboard", "lab", "site", "dev"} <= set(metadata.get_all("Provides-Extra"))
    dashboard = {r.name for r in requirements if r.marker is not None and r.marker.evaluate({"extra": "dashboard"})}
    assert "voila" in dashboard and "jupyterlab" not in dashboard


def _closure(names_with_extras):
    """The distributions of this environment that ``names_with_extras`` needs, transitively
    (markers evaluated here, extras followed): ``{normalised name: Distribution}``."""
    found = {}
    todo = [Requirement(r) for r in names_with_extras]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        distribution = importlib.metadata.distribution(requirement.name)  # PackageNotFoundError: missing here
        first = name not in found
        found[name] = distribution
        for line in distribution.requires or []:
            needed = Requirement(line)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras):
                if first or needed.marker is not None:
                    todo.append(needed)
    return found


@pytest.fixture(scope="module")
def dashboard_only(installed, tmp_path_factory):
    """A fresh venv where ``pip install --no-index 'softmax_teach-….whl[dashboard]'`` succeeds with only
    the distributions that softmax-teach[dashboard] needs: each file of each of them (RECORD) is
    linked from this environment into a folder the venv sees, and nothing else is. pip resolves the
    wheel's requirements against them (offline), so a requirement missing from [dashboard] fails
    here, and so does a module the dashboard imports without declaring it."""
    _, wheel_folder = installed
    [wheel] = wheel_folder.glob("softmax_teach-*.whl")
    folder = tmp_path_factory.mktemp("dashboard-only")
    packages, share = folder / "site-packages", folder / "share"
    wheel_requirements = [
        line
        for line in email.message_from_bytes(zipfile.ZipFile(wheel).read(_wheel_metadata_name(wheel))).get_all(
            "Requires-Dist"
        )
        if Requirement(line).marker is None or Requirement(line).marker.evaluate({"extra": "dashboard"})
    ]
    closure = _closure(wheel_requirements)
    for distribution in closure.values():
        base = Path(distribution.locate_file(""))
        for file in distribution.files or []:
            parts = Path(file).parts
            if parts[0] == "..":
                relative = Path(os.path.normpath(base / file)).relative_to(Path(sys.prefix))
                if relative.parts[:2] != ("share", "jupyter"):
                    continue  # scripts in bin/ and other data: not needed to serve
                target = folder / relative  # folder/share/jupyter/...
            else:
                target = packages / file
            origin = base / file
            if origin.exists() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(origin)
    venv = folder / "venv"
    # No pip or setuptools of its own (a venv's old setuptools would shadow torch's requirement): this
    # environment's pip installs into it (--python).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [venv_site] = (venv / "lib").glob("python3.*/site-packages")
    (venv_site / "dependencies.pth").write_text(f"{packages}\n")
    install = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-index"]
    result = subprocess.run(
        [*install, "--no-build-isolation", "-q", f"{wheel}[dashboard]"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"pip install '.[dashboard]' with only its own requirements:\n{result.stderr}"
    return venv, folder, share, closure


def _wheel_metadata_name(wheel):
    return next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA"))


def test_dashboard_extra_needs_neither_jupyterlab_nor_the_test_tools(dashboard_only):
    *_, closure = dashboard_only
    assert {"voila", "numpy", "anywidget", "torch"} <= set(closure)
    assert not {"jupyterlab", "pytest", "playwright", "jupyter-book"} & set(closure)


def test_softmax_teach_dashboard_extra_alone_serves_the_dashboard(dashboard_only):
    venv, folder, share, _ = dashboard_only
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "JUPYTER_PATH")}
    environment["JUPYTER_PATH"] = str(share / "jupyter")
    page = _served_page(venv, folder, environment)
    assert "softmax-explorer" in page or "Softmax Explorer" in page
