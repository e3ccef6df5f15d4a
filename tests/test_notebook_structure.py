"""Every teaching notebook has the shape CONTRIBUTING.md describes and clean, ordered, stored outputs."""

import ast
import importlib.util
import json
import pkgutil
import re
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

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
    assert numbers == list(range(1, 16)), numbers  # one lesson per slide of the deck


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


# The deck's own code, reproduced as written because the lesson is about what it gets wrong.
SLIDE_CODE = {
    ("06_softmax_vs_sigmoid.ipynb", "sigmoid"),
    ("06_softmax_vs_sigmoid.ipynb", "softmax"),
    ("07_cross_entropy.ipynb", "softmax"),
}


def _package_definitions():
    """Public top-level functions and classes of every softmax_teach module."""
    import softmax_teach

    names = set()
    for module in pkgutil.walk_packages(softmax_teach.__path__, "softmax_teach."):
        source = Path(importlib.util.find_spec(module.name).origin).read_text(encoding="utf-8")
        names |= {
            node.name
            for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
        }
    return names


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_does_not_redefine_package_code(path):
    package = _package_definitions()
    redefined = []
    for cell in _code_cells(_load(path)):
        # IPython's own transformer turns magics (the Colab cell's %pip) into the Python they run.
        source = TransformerManager().transform_cell("".join(cell["source"]))
        for node in ast.parse(source).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in package:
                if (path.name, node.name) not in SLIDE_CODE:
                    redefined.append(node.name)
    assert not redefined, f"{path.name} redefines {redefined}: import them from softmax_teach instead"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_names_the_module_that_checks_its_exercises(path):
    notebook = _load(path)
    sources = "\n".join("".join(c["source"]) for c in notebook["cells"])
    modules = set(re.findall(r"from softmax_teach\.exercises\.(\w+) import", sources))
    assert modules, "no exercise check is imported"
    markdown = _markdown(notebook)
    for module in modules:
        assert f"softmax_teach.exercises.{module}`](../softmax_teach/exercises/{module}.py)" in markdown, module


@pytest.mark.parametrize("path", [*LESSONS, NOTEBOOKS / "dashboard.ipynb"], ids=lambda p: p.name)
def test_test_machinery_lives_in_cell_metadata_not_in_the_code_learners_read(path):
    from nbval_tolerance import cell_tolerance, check_source_has_no_markers

    for index, cell in enumerate(_code_cells(_load(path))):
        try:
            check_source_has_no_markers("".join(cell["source"]))
            cell_tolerance(cell.get("metadata", {}))
        except ValueError as error:
            pytest.fail(f"code cell {index}: {error}", pytrace=False)
