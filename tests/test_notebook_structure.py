"""Every teaching notebook has the shape in shared/STYLE.md and clean, ordered, stored outputs."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
REQUIRED_HEADINGS = ["What you'll do", "What you'll learn", "What you'll need", "On your own", "Further reading"]


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _markdown(notebook):
    return "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")


def _code_cells(notebook):
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def _neighbour(number):
    matches = sorted(NOTEBOOKS.glob(f"{number:02d}_*.ipynb"))
    return matches[0].name if matches else None


def test_the_lessons_are_numbered_one_to_fifteen_without_gaps():
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    assert len(numbers) <= 15


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_opens_with_a_title_and_has_the_required_sections(path):
    notebook = _load(path)
    first = notebook["cells"][0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# "), "no title"
    headings = re.findall(r"^#+\s*(.+?)\s*$", _markdown(notebook), flags=re.MULTILINE)
    for required in REQUIRED_HEADINGS:
        assert any(h.startswith(required) for h in headings), f"missing heading {required!r}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_imports_the_package(path):
    sources = "\n".join("".join(c["source"]) for c in _code_cells(_load(path)))
    assert re.search(r"^\s*(from softmax_teach\b|import softmax_teach\b)", sources, re.MULTILINE)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_outputs_are_stored_in_order_without_errors(path):
    cells = _code_cells(_load(path))
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, "a code cell was never executed (nbval would not compare it)"
    assert counts == list(range(1, len(cells) + 1)), f"cells were not run top to bottom: {counts}"
    errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, f"stored error output: {errors[0].get('ename')}: {errors[0].get('evalue')}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_links_to_its_neighbours(path):
    number = int(path.name[:2])
    markdown = _markdown(_load(path))
    for neighbour in (number - 1, number + 1):
        if 1 <= neighbour <= 15:
            target = _neighbour(neighbour)
            assert target, f"notebook {neighbour:02d} does not exist yet"
            assert f"({target})" in markdown, f"no link to {target}"
