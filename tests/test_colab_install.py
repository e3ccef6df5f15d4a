"""Every lesson's first code cell installs the kit only where it is missing (a lesson opened in Colab).

The cell's text comes from ``site/build.py`` (``install_cell_source``), built from the repository
URL in ``site/_config.yml`` that the launch buttons use; ``python site/build.py --install-cells``
writes it into the lessons.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("site_build", ROOT / "site" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)
LESSONS = build.lesson_paths()


def _first_code_cell(path):
    return next(cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_the_first_code_cell_of_every_lesson_is_the_guarded_install(path):
    assert _first_code_cell(path).source == build.configured_install_cell(), (
        f"{path.name}: run `python site/build.py --install-cells`, then re-execute the lesson"
    )


class _Shell:
    """Stands in for IPython's shell: records the magics a cell runs."""

    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line, *args):
        self.magics.append((name, line))


def _run(source, kit_importable):
    shell = _Shell()
    code = TransformerManager().transform_cell(source)
    saved = sys.modules.get("softmax_teach")
    if not kit_importable:
        sys.modules["softmax_teach"] = None  # import softmax_teach now raises ImportError
    try:
        exec(compile(code, "<install cell>", "exec"), {"get_ipython": lambda: shell})
    finally:
        if saved is not None:
            sys.modules["softmax_teach"] = saved
        else:
            sys.modules.pop("softmax_teach", None)
    return shell.magics


def test_the_install_cell_does_nothing_where_the_kit_is_installed():
    assert _run(build.install_cell_source("https://github.com/someone/softmax-teach", "main"), True) == []


def test_the_install_cell_installs_the_kit_from_the_repository_where_it_is_missing():
    magics = _run(build.install_cell_source("https://github.com/someone/softmax-teach", "main"), False)
    assert magics == [("pip", 'install --quiet "softmax-teach @ git+https://github.com/someone/softmax-teach@main"')]
    # Only the kit is named: its requirements have no exact versions (Colab keeps its torch).
    assert "torch" not in magics[0][1] and "-U" not in magics[0][1].split()


def test_writing_the_install_cells_is_idempotent_and_changes_nothing_else(tmp_path):
    copies = []
    for path in LESSONS[:3]:
        shutil.copy2(path, tmp_path / path.name)
        copies.append(tmp_path / path.name)
    before = {p.name: nbformat.read(p, as_version=4) for p in copies}
    build.install_cells(copies)
    assert build.install_cells(copies) == []
    for path in copies:
        after = nbformat.read(path, as_version=4)
        old = before[path.name]
        assert _first_code_cell(path).source == build.configured_install_cell()
        others = [c for c in after.cells if c.get("id") != build.INSTALL_CELL_ID]
        originals = [c for c in old.cells if c.get("id") != build.INSTALL_CELL_ID]
        assert [(c.cell_type, c.source, c.get("outputs")) for c in others] == [
            (c.cell_type, c.source, c.get("outputs")) for c in originals
        ]
        assert len(after.cells) == len(originals) + 1
