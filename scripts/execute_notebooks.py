"""Re-execute notebooks in place so their stored outputs are what nbval will compare.

Usage: python scripts/execute_notebooks.py notebooks/01_introduction.ipynb [...]

Runs each notebook top to bottom in a fresh kernel of this interpreter, from the notebooks/
folder, and prints how long each took (every notebook must stay under 30 s).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("PYTHONHASHSEED", "0")


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        record_timing=False,  # wall-clock stamps in cell metadata would change every run
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    nbformat.write(notebook, path)
    return elapsed


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__)
        return 2
    for name in paths:
        elapsed = execute(Path(name))
        print(f"{name}: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
