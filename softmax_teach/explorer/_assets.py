"""The Explorer's front-end files (``js/``), read as package data, and their wiring into anywidget.

anywidget loads a widget's ``_esm`` from a string (a blob: URL), where a relative import such as
``import … from "./core.js"`` cannot resolve. :func:`esm` therefore gives a module's source with
each relative import replaced by a ``data:`` URL of that module (recursively): the same files,
unchanged and unbundled, run in Voila and JupyterLab this way and on the static page as plain
files (:mod:`softmax_teach.explorer.export`). The same source always gives the same URL, so a
module shared by two importers is evaluated once.
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources

# Static imports of a sibling file: `from "./x.js"` and `import "./x.js"`.
_RELATIVE_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*)(["'])\./([A-Za-z0-9_\-]+\.js)\2""")


def js_dir():
    """The ``js`` folder inside the installed package (a Traversable)."""
    return resources.files(__package__) / "js"


def read_js(name):
    """The text of ``js/<name>``."""
    return (js_dir() / name).read_text(encoding="utf-8")


@functools.cache
def _data_url(name):
    source = esm(name)
    return "data:text/javascript;base64," + base64.b64encode(source.encode("utf-8")).decode("ascii")


@functools.cache
def esm(name):
    """``js/<name>`` with every relative import inlined as a ``data:`` URL (for ``_esm``)."""
    source = read_js(name)
    return _RELATIVE_IMPORT.sub(lambda m: f"{m.group(1)}{m.group(2)}{_data_url(m.group(3))}{m.group(2)}", source)


def dependencies(name, seen=None):
    """Every file ``js/<name>`` imports, directly or not, with ``name`` itself (sorted)."""
    seen = set() if seen is None else seen
    if name in seen:
        return seen
    seen.add(name)
    for match in _RELATIVE_IMPORT.finditer(read_js(name)):
        dependencies(match.group(3), seen)
    return seen


@functools.cache
def css():
    """The Explorer's stylesheet (for ``_css``)."""
    return read_js("explorer.css")
