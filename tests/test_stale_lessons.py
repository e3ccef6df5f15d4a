"""The notebook suite catches a lesson edited without being re-executed, even in a tolerant cell.

Each case changes one parameter in a copy of a notebook (the stored outputs stay those of the old
value), runs nbval with the tolerance plugin on the copy, and expects exactly the edited cell to
fail with a diff that names the changed numbers. Cells after the edited one are dropped to keep
the run short; the cells before it must still pass.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
EDITS = {
    # name: (notebook, text in the edited cell, replacement)
    "a learning rate, in a cell with a declared tolerance": (
        "08_image_classification.ipynb",
        'optimizer="adam", lr=0.01,',
        'optimizer="adam", lr=0.02,',
    ),
    "a smoothing value": ("07_cross_entropy.ipynb", "epsilon = 0.1\n", "epsilon = 0.12\n"),
    "a top_p": ("10_temperature.ipynb", '{"temperature": 1.0, "top_p": 0.8},', '{"temperature": 1.0, "top_p": 0.85},'),
    "the learning rate of a small transformer, in a cell with a declared tolerance": (
        "14_generative_models.ipynb",
        "window=32, batches_per_epoch=24, epochs=10, lr=0.007, seed=0,",
        "window=32, batches_per_epoch=24, epochs=10, lr=0.0065, seed=0,",
    ),
    "the rows of a table, in a cell with a declared tolerance": (
        "04_numerical_stability.ipynb",
        "offsets = np.logspace(0, 4, 9)",
        "offsets = np.logspace(0, 4, 5)",
    ),
}


def _stale_copy(notebook_name, old, new, folder):
    notebook = nbformat.read(ROOT / "notebooks" / notebook_name, as_version=4)
    [index] = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and old in cell.source]
    notebook.cells[index].source = notebook.cells[index].source.replace(old, new)
    notebook.cells = notebook.cells[: index + 1]
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    path = folder / notebook_name
    nbformat.write(notebook, path)
    return path, len(code_cells) - 1  # nbval numbers the code cells from 0


def test_an_edited_parameter_fails_the_suite_with_a_readable_diff(tmp_path):
    copies = {name: _stale_copy(*edit, tmp_path) for name, edit in EDITS.items()}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "nbval_tolerance",
            "--nbval",
            "--nbval-current-env",
            "-v",
            "--nbval-sanitize-with",
            str(ROOT / "tests" / "nbval_sanitize.cfg"),
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            *(str(path) for path, _ in copies.values()),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests")},
    )
    report = completed.stdout
    verdicts = {
        (name, int(cell)): verdict
        for name, cell, verdict in re.findall(r"(\w+)\W+ipynb::Cell (\d+) (PASSED|FAILED)", report)
    }
    for case, (path, edited) in copies.items():
        stem = path.stem
        failed = [cell for (name, cell), verdict in verdicts.items() if name == stem and verdict == "FAILED"]
        assert failed == [edited], (
            f"{case}: expected only cell {edited} of {path.name} to fail, got {failed}\n{report[-3000:]}"
        )
    assert report.count("beyond the cell's tolerance") >= len(EDITS)
    assert re.search(r"number \S+ is now \S+ \(off by", report), report[-3000:]


@pytest.mark.parametrize("name", sorted(EDITS))
def test_each_edit_still_matches_its_notebook(name):
    """If a lesson is rewritten, this names the case to update rather than silently testing nothing."""
    notebook_name, old, _ = EDITS[name]
    notebook = nbformat.read(ROOT / "notebooks" / notebook_name, as_version=4)
    assert sum(old in cell.source for cell in notebook.cells if cell.cell_type == "code") == 1
