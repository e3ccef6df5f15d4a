"""The Explorer's app widget, its front-end wiring and the static export, without a browser.

The browser side is tests/test_explorer_browser.py; here: the app's tabs and settings, each
``_esm`` being its file with the relative imports inlined, the link keys of ``js/links.js`` naming
real traits of the Python tabs (checked under node), the slider keys' arithmetic, and what
``export_explorer`` writes (every file local, the Python widgets' defaults, under 1.5 MB).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import pytest
import traitlets
from explorer_node import JS_DIR, NODE, require_node

from softmax_teach.explorer import (
    ExplorerApp,
    GenerateTab,
    SamplingTab,
    TemperatureTab,
    _assets,
    build_explorer,
    charlm,
    export_explorer,
)
from softmax_teach.explorer.app import TABS

DATA_IMPORT = re.compile(r"""from\s*"data:text/javascript;base64,([A-Za-z0-9+/=]+)\"""")


def run_node(script):
    require_node()
    result = subprocess.run(
        [NODE, "--input-type=module", "-e", script], cwd=JS_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_build_explorer_holds_five_fresh_tabs():
    app = build_explorer()
    assert isinstance(app, ExplorerApp)
    assert len(app.tabs) == 5
    assert all(isinstance(tab, factory) for tab, (_, _, factory) in zip(app.tabs, TABS))
    assert app.selected == "temperature" and app.read_location is False
    mine = TemperatureTab(logits=[1.0, 2.0])
    app = build_explorer(read_location=True, selected="generate", temperature_tab=mine)
    assert app.temperature_tab is mine and app.selected == "generate" and app.read_location
    # The front end gets the tabs as widget references.
    assert app.get_state()["sampling_tab"] == f"anywidget:{app.sampling_tab.model_id}"


def test_build_explorer_refuses_what_it_cannot_show():
    with pytest.raises(ValueError, match="unknown tabs \\['plot_tab'\\]"):
        build_explorer(plot_tab=TemperatureTab())
    app = build_explorer()
    with pytest.raises(traitlets.TraitError, match="selected must be one of temperature, sampling"):
        app.selected = "histogram"
    assert app.selected == "temperature"


@pytest.mark.parametrize("name", ["app.js", "temperature.js", "generate.js"])
def test_esm_is_the_file_with_its_imports_inlined(name):
    source = _assets.esm(name)
    assert 'from "./' not in source
    # Stripping the data: URLs back to relative imports gives the file as written.
    inlined = DATA_IMPORT.findall(source)
    assert inlined, f"{name} imports nothing?"
    for encoded in inlined:
        module = base64.b64decode(encoded).decode("utf-8")
        assert 'from "./' not in module
    restored = source
    for encoded in inlined:
        module = base64.b64decode(encoded).decode("utf-8")
        match = next(n for n in sorted(_assets.dependencies(name)) if _assets.esm(n) == module)
        restored = restored.replace(f"data:text/javascript;base64,{encoded}", f"./{match}")
    assert restored == _assets.read_js(name)
    assert TemperatureTab()._esm == _assets.esm("temperature.js")


def test_link_keys_name_the_python_tabs_traits():
    keys = run_node(
        'const m = await import("./links.js");'
        "console.log(JSON.stringify({tabs: m.TABS, keys: Object.fromEntries("
        "Object.entries(m.KEYS).map(([tab, ks]) => [tab, ks.map((k) => k[1])]))}));"
    )
    assert [(tab["name"], tab["trait"]) for tab in keys["tabs"]] == [(name, trait) for name, trait, _ in TABS]
    for name, _, factory in TABS:
        synced = set(factory().trait_names(sync=True))
        assert set(keys["keys"][name]) <= synced, (name, set(keys["keys"][name]) - synced)


def test_slider_keys_move_by_a_step_and_stop_at_the_ends():
    moves = run_node(
        'const { keyedValue } = await import("./controls.js");'
        "const input = (value, min, max, step) => ({ value: String(value), min: String(min), max: String(max),"
        " step: String(step) });"
        "console.log(JSON.stringify(["
        'keyedValue(input(0, -2, 2, 0.01), "ArrowLeft"),'
        'keyedValue(input(-0.29, -2, 2, 0.01), "ArrowLeft"),'
        'keyedValue(input(2, -2, 2, 0.01), "ArrowRight"),'
        'keyedValue(input(0.1, -10, 10, 0.1), "ArrowUp"),'
        'keyedValue(input(200, 10, 2000, 10), "PageUp"),'
        'keyedValue(input(5, 0, 8, 1), "Home"),'
        'keyedValue(input(5, 0, 8, 1), "End"),'
        'keyedValue(input(5, 0, 8, 1), "a")]));'
    )
    assert moves == [-0.01, -0.3, 2, 0.2, 400, 0, 8, None]


def test_export_writes_every_file_locally(tmp_path):
    index = export_explorer(tmp_path / "site")
    folder = index.parent
    assert index == tmp_path / "site" / "index.html"
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    modules = {name for name in files if name.endswith(".js")}
    for name in modules:  # every relative import of every module is in the folder
        for imported in re.findall(r"""from\s*["']\./([\w-]+\.js)["']""", files[name].read_text(encoding="utf-8")):
            assert f"js/{imported}" in files, (name, imported)
    html = index.read_text(encoding="utf-8")
    for reference in re.findall(r"""(?:src|href)="([^"]+)\"""", html):
        assert reference in files, reference
    assert not re.search(r"https?://", html)
    assert sum(p.stat().st_size for p in files.values()) < 1_500_000
    state = json.loads(files["state.json"].read_text(encoding="utf-8"))
    widgets = state["widgets"]
    assert widgets["app"]["state"]["read_location"] is True
    assert widgets["app"]["state"]["temperature_tab"] == "anywidget:temperature"
    assert widgets["sampling"]["module"] == "js/sampling.js"
    defaults = SamplingTab()
    for key, value in widgets["sampling"]["state"].items():
        assert getattr(defaults, key) == value, key
    weights = widgets["generate"]["state"]["weights"]
    assert files[weights].read_bytes() == charlm.weights_bytes() == bytes(GenerateTab().weights)


def test_export_refuses_a_file_as_its_folder(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        export_explorer(target)
    assert Path(target).read_text() == "not a folder"


def test_the_pages_limits_are_the_python_tabs_limits():
    from softmax_teach.explorer import attention, generate, sampling

    limits = run_node(
        "const [a, g, s] = await Promise.all(["
        'import("./attention.js"), import("./generate.js"), import("./sampling.js")]);'
        "console.log(JSON.stringify({d: a.D_CHOICES, topK: g.MAX_TOP_K, draws: s.MAX_DRAWS}));"
    )
    assert limits == {"d": list(attention.D_CHOICES), "topK": generate.MAX_TOP_K, "draws": sampling.MAX_DRAWS}
