"""The server process stays a server: importing softmax_teach.serve loads no widgets and no matplotlib.

Each check runs in a fresh interpreter (this test process has imported everything already) and
reads its ``sys.modules`` after the imports that ``softmax-teach dashboard`` and the extension's
server perform. Before issue 17, importing the kernel cap loaded about 500 modules more than
needed, matplotlib and ipywidgets among them, into the process that serves the whole class.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER_MODULES = [
    "softmax_teach.cli",
    "softmax_teach.serve",
    "softmax_teach.serve.resources",
    "softmax_teach.serve.kernels",
    "softmax_teach.serve.pages",
    "softmax_teach.serve.websocket",
    "softmax_teach.serve.extension",
    "softmax_teach.serve.voila_app",
]
# Top-level packages that belong to kernels and browsers, never to the server process.
FORBIDDEN = ["matplotlib", "ipywidgets", "anywidget", "ipykernel", "torch", "sympy", "PIL"]
FORBIDDEN_OURS = ["softmax_teach.explorer", "softmax_teach.dashboard", "softmax_teach.plots"]


def modules_after_importing(*modules):
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout)


def forbidden_among(loaded):
    return sorted(
        name
        for name in loaded
        if name.split(".")[0] in FORBIDDEN
        or any(name == ours or name.startswith(ours + ".") for ours in FORBIDDEN_OURS)
    )


def test_the_server_modules_import_no_widgets_and_no_matplotlib():
    loaded = modules_after_importing(*SERVER_MODULES)  # one interpreter: each import costs seconds
    assert set(SERVER_MODULES) <= set(loaded)
    assert forbidden_among(loaded) == []


def test_the_check_sees_a_widget_import():
    # The same check fails on a module that does import the widgets, so it is not vacuous.
    assert "ipywidgets" in forbidden_among(modules_after_importing("softmax_teach.serve.voila_app", "ipywidgets"))


def test_runtime_code_does_not_use_unittest_mock():
    package = ROOT / "softmax_teach"
    users = []
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "unittest.mock" in text or "from unittest import mock" in text:
            users.append(str(path.relative_to(ROOT)))
    assert users == []
