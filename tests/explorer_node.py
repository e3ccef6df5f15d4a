"""Run the Explorer's ES modules under node, one process per batch of calls (test machinery).

``call_js("core.js", [("softmax", [2, 1, 0.1]), ...])`` imports
``softmax_teach/explorer/js/core.js`` in one ``node`` process, calls each named export with its
arguments and returns the results. Values cross as JSON; a non-finite number travels as
``{"$number": "NaN"}`` (or ``"Infinity"``, ``"-Infinity"``) and comes back as a float, and
``{"$file": path}`` arrives in JavaScript as the file's bytes (a ``Uint8Array``).

Without ``/usr/bin/node`` the tests that need it are skipped, except in CI (``CI=true``), where
they fail: the same gate as chromium in ``tests/voila_server.py``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE = "/usr/bin/node"
JS_DIR = Path(__file__).resolve().parent.parent / "softmax_teach" / "explorer" / "js"

_RUNNER = r"""
import { pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
const request = JSON.parse(readFileSync(0, "utf8"));
const module = await import(pathToFileURL(request.module).href);
const revive = (value) => Array.isArray(value) ? value.map(revive)
  : value !== null && typeof value === "object" && "$number" in value ? Number(value.$number)
  : value !== null && typeof value === "object" && "$file" in value ? new Uint8Array(readFileSync(value.$file)) : value;
const out = [];
for (const [name, ...args] of request.calls) {
  if (typeof module[name] !== "function") throw new Error(`${request.module} exports no function ${name}`);
  out.push(module[name](...args.map(revive)));
}
const replace = (key, value) => typeof value === "number" && !Number.isFinite(value) ? { $number: String(value) }
  : ArrayBuffer.isView(value) ? Array.from(value) : value;
process.stdout.write(JSON.stringify(out, replace));
"""


def require_node():
    """Skip the calling test module without node, except in CI, where it must run."""
    if os.path.exists(NODE) or shutil.which("node") == NODE:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{NODE} is missing: CI must run the JavaScript tests (apt-get install nodejs)", pytrace=False)
    pytest.skip(f"{NODE} is not installed, so the Explorer's JavaScript cannot be tested here", allow_module_level=True)


def _revive(value):
    if isinstance(value, list):
        return [_revive(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$number"}:
            return float(value["$number"].lower().replace("infinity", "inf"))
        return {key: _revive(v) for key, v in value.items()}
    return value


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return {"$number": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    return value


def call_js(module, calls, *, timeout=120):
    """Results of ``[(function_name, *args), ...]`` from ``js/<module>``, in one node process."""
    request = {"module": str(JS_DIR / module), "calls": [[name, *map(_jsonable, args)] for name, *args in calls]}
    result = subprocess.run(
        [NODE, "--input-type=module", "-e", _RUNNER],
        input=json.dumps(request, allow_nan=False),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"node failed on {module}:\n{result.stderr[-3000:]}")
    return _revive(json.loads(result.stdout))
