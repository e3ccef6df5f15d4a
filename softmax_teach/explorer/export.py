"""The static Explorer: a folder any static file server can publish, with no kernel and no internet.

:func:`export_explorer` writes ``index.html``, the Explorer's ES modules and stylesheet (the same
files Voila and JupyterLab run), a small host (``js/host.js``) that gives those modules anywidget's
model interface, and ``state.json``: every widget's starting state, taken from the Python
widgets' synced traits, so the page starts exactly where a fresh ``build_explorer()`` does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from softmax_teach.explorer import _assets

# The host page's own files (in js/ next to the widgets' modules).
PAGE_FILES = ("index.html", "main.js", "host.js", "page.css", "explorer.css")
# Traits that are anywidget's or ipywidgets' machinery, not a tab's state.
_MACHINERY = {"_esm", "_css", "_anywidget_id", "layout", "tabbable", "tooltip", "comm", "keys", "log"}


def _state(widget, name, target):
    """The widget's synced state as JSON-able values (its traits' own serialisers applied).

    A binary value (the Generate tab's weights) is written to ``js/<name>.<key>.bin`` and its
    state holds that file's URL, which the module fetches (``charlm.js`` accepts bytes or a URL).
    """
    state = widget.get_state()
    out = {}
    for key, value in state.items():
        if key in _MACHINERY or key.startswith("_model_") or key.startswith("_view_") or key == "_dom_classes":
            continue
        if isinstance(value, (bytes, bytearray, memoryview)):
            file_name = f"js/{name}.{key}.bin"
            if target is not None:
                (target / file_name).write_bytes(bytes(value))
            value = file_name
        out[key] = value
    json.dumps(out)  # fail here, with the widget's name in the traceback, not in the browser
    return out


def explorer_state(app=None, target=None):
    """``{"root": id, "widgets": {id: {"module": "js/<tab>.js", "state": {...}}}}`` for ``app``.

    Binary values are written under ``target`` (a folder with ``js/``) when it is given.
    """
    from softmax_teach.explorer.app import TABS, build_explorer

    app = app if app is not None else build_explorer(read_location=True)
    widgets = {"app": {"module": "js/app.js", "state": _state(app, "app", target)}}
    for name, trait, _ in TABS:
        tab = getattr(app, trait)
        widgets[name] = {"module": f"js/{_module(tab)}", "state": _state(tab, name, target)}
        widgets["app"]["state"][trait] = f"anywidget:{name}"
    return {"root": "app", "widgets": widgets}


def _module(tab):
    """The file name of a tab's ES module: ``TemperatureTab`` -> ``temperature.js``."""
    from softmax_teach.explorer.app import TABS

    cls = tab if isinstance(tab, type) else type(tab)
    for name, _, factory in TABS:
        if issubclass(cls, factory):
            return name.replace("-", "_") + ".js"
    raise ValueError(f"{cls.__name__} is not one of the Explorer's tabs")


def export_explorer(directory):
    """Write the static Explorer into ``directory`` (created if needed) and return its index.html.

    The folder holds ``index.html``, ``state.json`` and ``js/`` (the ES modules, the stylesheet
    and any data they load). Serve it from any static host: every file is local, nothing is
    fetched from the internet, and no kernel runs.

    Examples
    --------
    >>> export_explorer("public/explorer")  # doctest: +SKIP
    PosixPath('public/explorer/index.html')
    """
    from softmax_teach.explorer.app import TABS

    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise ValueError(f"{target} exists and is not a folder")
    (target / "js").mkdir(parents=True, exist_ok=True)
    state = explorer_state(target=target)
    needed = set()
    for _, _, factory in TABS:
        needed |= _assets.dependencies(_module(factory))
    needed |= _assets.dependencies("app.js") | _assets.dependencies("main.js")
    needed |= set(PAGE_FILES) - {"index.html"}
    source = _assets.js_dir()
    for name in sorted(needed):
        with (source / name).open("rb") as src, open(target / "js" / name, "wb") as dst:
            shutil.copyfileobj(src, dst)
    # Every module the first view imports, fetched at once rather than one import level at a time.
    first = sorted(
        _assets.dependencies("main.js") | _assets.dependencies("app.js") | _assets.dependencies("temperature.js")
    )
    preloads = "".join(f'    <link rel="modulepreload" href="js/{name}">\n' for name in first)
    marker = "    <!-- modulepreload: the ES modules the first tab needs, listed by export_explorer -->\n"
    (target / "index.html").write_text(_assets.read_js("index.html").replace(marker, preloads), encoding="utf-8")
    (target / "state.json").write_text(json.dumps(state, separators=(",", ":")), encoding="utf-8")
    return target / "index.html"
