"""``softmax-teach dashboard`` works from the wheel however pip installs it: a venv, ``--user``, ``--target``.

The wheel is built once per session from this repository. Each kind of install puts it somewhere
new, far from any checkout, without its dependencies; those come from the test's own environment
through a ``.pth`` line, so nothing is downloaded. The command then runs from a temporary folder,
finds the dashboard notebook and the Voila template as package data (``importlib.resources``)
wherever pip put them, and serves a page on a free 127.0.0.1 port. Before issue 17 the notebook
was looked for only under ``sys.prefix/share``, which ``--user`` and ``--target`` never fill.

The wheel asks pip for no exact version (torch has a lower bound only), and a venv that gets
``pip install --no-index 'softmax_teach-….whl[dashboard]'`` with only what that extra needs in reach
(see ``dashboard_only``) serves the dashboard too.
"""

from __future__ import annotations

import email
import importlib.metadata
import json
import os
import shutil
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
from voila_server import free_port, notebook_code_lines

ROOT = Path(__file__).resolve().parents[1]
CHECKOUT_NOTEBOOK = ROOT / "notebooks" / "dashboard.ipynb"
KINDS = ("venv", "user", "target")

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    """The wheel, built once from a copy of the checkout's files (tracked or new, not ignored): no stale
    ``build/`` folder can leak into it, and none is left in the checkout."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        origin, copy = ROOT / name, source / name
        if not origin.exists() and not origin.is_symlink():
            continue  # deleted but not yet committed
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, copy, follow_symlinks=False)  # the notebook link stays a link
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(folder),
        ],
        check=True,
        capture_output=True,
    )
    [built] = folder.glob("softmax_teach-*.whl")
    return built


def _venv(folder, system_site_packages=False):
    """A new venv (see :func:`_add_dependencies`)."""
    venv = folder / "venv"
    command = [sys.executable, "-m", "venv", str(venv)]
    if system_site_packages:
        command.append("--system-site-packages")  # a venv lets pip install --user only then
    subprocess.run(command, check=True)
    return venv


def _add_dependencies(venv):
    """The venv's dependencies (numpy, voila, ...) from this environment, through a .pth file.

    Added after the install (pip would otherwise find this environment's softmax-teach and install
    nothing). This environment's editable install of the package is not seen, because .pth files
    inside an added directory are not processed.
    """
    [venv_site] = (venv / "lib").glob("python3.*/site-packages")
    (venv_site / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")


def _base_environment():
    """This environment without the checkout on any path and without a user site of its own, plus the
    Jupyter data files (Voila's base templates) of the environment the dependencies come from: a real
    install has them in its own prefix, and only the package itself comes from the wheel here."""
    drop = ("PYTHONPATH", "JUPYTER_PATH", "PYTHONUSERBASE", "PYTHONNOUSERSITE")
    environment = {key: value for key, value in os.environ.items() if key not in drop}
    environment["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return environment


@pytest.fixture(scope="module", params=KINDS)
def installed(request, wheel, tmp_path_factory):
    """``(command, environment, where, folder)``: the installed ``softmax-teach``, how to run it, and
    the folder the package must come from."""
    kind = request.param
    folder = tmp_path_factory.mktemp(f"install-{kind}")
    environment = _base_environment()
    # The environment has no PYTHONPATH: pip would take a checkout's build metadata for an install.
    pip = ["-m", "pip", "install", "--no-deps", "--no-index", "-q"]
    if kind == "venv":
        venv = _venv(folder)
        subprocess.run(
            [str(venv / "bin" / "python"), *pip, str(wheel)], check=True, capture_output=True, env=environment
        )
        command, where = venv / "bin" / "softmax-teach", venv
    elif kind == "user":
        venv = _venv(folder, system_site_packages=True)
        environment["PYTHONUSERBASE"] = str(folder / "userbase")
        subprocess.run(
            [str(venv / "bin" / "python"), *pip, "--user", str(wheel)], check=True, capture_output=True, env=environment
        )
        command, where = folder / "userbase" / "bin" / "softmax-teach", folder / "userbase"
    else:
        venv = _venv(folder)
        target = folder / "target"
        subprocess.run(
            [str(venv / "bin" / "python"), *pip, "--target", str(target), str(wheel)],
            check=True,
            capture_output=True,
            env=environment,
        )
        environment["PYTHONPATH"] = str(target)
        command, where = target / "bin" / "softmax-teach", target
    assert command.is_file(), f"pip put no softmax-teach command at {command}"
    _add_dependencies(venv)
    return command, environment, where, folder, venv / "bin" / "python"


def test_the_installed_package_finds_its_notebook_and_template_where_pip_put_them(installed):
    command, environment, where, folder, python = installed
    code = (
        "import json, softmax_teach, softmax_teach.cli as c\n"
        "print(json.dumps([softmax_teach.__file__, str(c.DASHBOARD_NOTEBOOK), str(c.DASHBOARD_JUPYTER_PATH)]))"
    )
    package, notebook, jupyter = json.loads(
        subprocess.run(
            [str(python), "-c", code], cwd=folder, env=environment, capture_output=True, text=True, check=True
        ).stdout
    )
    for path in (package, notebook, jupyter):
        assert Path(path).is_relative_to(where), f"{path} is not inside {where}"
    # The packaged notebook is the one notebook of the repository, byte for byte.
    assert Path(notebook).read_bytes() == CHECKOUT_NOTEBOOK.read_bytes()
    assert (Path(jupyter) / "voila" / "templates" / "softmax-explorer" / "index.html.j2").is_file()


def test_the_installed_command_serves_the_dashboard(installed):
    command, environment, where, folder, _ = installed
    printed = subprocess.run(
        [str(command), "dashboard", "--print-command"], cwd=folder, env=environment, capture_output=True, text=True
    )
    assert printed.returncode == 0, printed.stderr
    assert str(where) in printed.stdout

    page = _served_page(command, folder, environment)
    assert 'id="explorer-failed"' in page  # our template, found in the installed package
    assert '"kernelId"' in page and "Traceback" not in page
    leaked = [line for line in notebook_code_lines(CHECKOUT_NOTEBOOK) if line in page]
    assert leaked == [], "the notebook's code reached the page"


def test_the_installed_command_exports_the_static_explorer(installed):
    command, environment, where, folder, _ = installed
    target = folder / "static-explorer"
    done = subprocess.run(
        [str(command), "export-explorer", str(target)], cwd=folder, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (target / "index.html").is_file()
    # Every ES module the page imports came with the installed package.
    assert {"core.js", "app.js", "host.js", "temperature.js"} <= {p.name for p in (target / "js").iterdir()}


def _served_page(command, cwd, environment):
    """The first whole page that ``command dashboard`` serves on a free port (the server is then stopped)."""
    port = free_port()
    server = subprocess.Popen(
        [str(command), "dashboard", "--port", str(port), "--no-preheat"],
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
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
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


def _metadata(wheel):
    archive = zipfile.ZipFile(wheel)
    name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    return email.message_from_bytes(archive.read(name))


def test_the_wheel_names_torch_with_a_lower_bound_only_and_no_exact_version(wheel):
    metadata = _metadata(wheel)
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
def dashboard_only(wheel, tmp_path_factory):
    """A fresh venv where ``pip install --no-index 'softmax_teach-….whl[dashboard]'`` succeeds with only
    the distributions that softmax-teach[dashboard] needs: each file of each of them (RECORD) is
    linked from this environment into a folder the venv sees, and nothing else is. pip resolves the
    wheel's requirements against them (offline), so a requirement missing from [dashboard] fails
    here, and so does a module the dashboard imports without declaring it."""
    folder = tmp_path_factory.mktemp("dashboard-only")
    packages, share = folder / "site-packages", folder / "share"
    wheel_requirements = [
        line
        for line in _metadata(wheel).get_all("Requires-Dist")
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
        env=_base_environment(),
    )
    assert result.returncode == 0, f"pip install '.[dashboard]' with only its own requirements:\n{result.stderr}"
    return venv, folder, share, closure


def test_dashboard_extra_needs_neither_jupyterlab_nor_the_test_tools(dashboard_only):
    *_, closure = dashboard_only
    assert {"voila", "numpy", "anywidget", "torch"} <= set(closure)
    assert not {"jupyterlab", "pytest", "playwright", "jupyter-book"} & set(closure)


def test_softmax_teach_dashboard_extra_alone_serves_the_dashboard(dashboard_only):
    venv, folder, share, _ = dashboard_only
    environment = _base_environment()
    environment["JUPYTER_PATH"] = str(share / "jupyter")  # only the Jupyter data files of [dashboard]
    page = _served_page(venv / "bin" / "softmax-teach", folder, environment)
    assert 'id="explorer-failed"' in page  # our template, found in the installed package
