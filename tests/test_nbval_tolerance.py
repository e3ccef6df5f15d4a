"""The nbval tolerance plugin: numbers may move within a cell's tolerance, nothing else may."""

import math
import re
from pathlib import Path

import nbformat
import pytest
from nbval_tolerance import Tolerance, cell_tolerance, check_source_has_no_markers, compare_text, tokenize

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent


def test_words_and_numbers_are_separate_tokens():
    assert tokenize("T = 2.044, float16 x1 4.7x [ 1.  -5e-04] 50,360.98") == [
        ("word", "T ="),
        ("number", "2.044"),
        ("word", ", float16 x1"),
        ("number", "4.7"),
        ("word", "x ["),
        ("number", "1."),
        ("number", "-5e-04"),
        ("word", "]"),
        ("number", "50,360.98"),
    ]


def test_whitespace_runs_do_not_count():
    # numpy pads columns to the widest number, so one changed digit count moves spaces
    assert compare_text("[ 1.  2.]\n", "[1. 2.]") == []


def test_a_number_inside_the_tolerance_passes():
    assert compare_text("loss 0.1226", "loss 0.1291", Tolerance(rtol=0.06)) == []
    assert compare_text("3 ULP", "4 ULP", Tolerance(atol=1)) == []


def test_a_number_outside_the_tolerance_fails_with_a_readable_line():
    [problem] = compare_text("loss 0.1226\nT = 2.04", "loss 0.1226\nT = 2.09", Tolerance(rtol=0.01))
    assert "2.04 is now 2.09" in problem and "T = 2.09" in problem


def test_the_default_tolerance_is_tight():
    assert compare_text("0.1234567890123", "0.1234567890124") == []
    assert compare_text("0.1234", "0.1235") != []
    assert compare_text("3", "4") != []
    assert compare_text("0", "1e-17") != []


def test_a_changed_word_fails_whatever_the_tolerance():
    [problem] = compare_text("loss falls to 0.5", "loss rises to 0.5", Tolerance(rtol=10, atol=10))
    assert "word 'loss falls to'" in problem and "'loss rises to'" in problem


def test_a_missing_or_extra_number_fails():
    assert compare_text("[1 2 3]", "[1 2]", Tolerance(atol=10))
    assert compare_text("[1 2]", "[1 2 3]", Tolerance(atol=10))
    assert compare_text("done", "done 3", Tolerance(atol=10))


def test_nan_and_infinities_must_match_exactly():
    assert compare_text("nan", "nan") == []
    assert compare_text("inf", "-inf") != []
    assert not Tolerance(atol=1).allows(math.inf, 1e308)
    assert not Tolerance(atol=1).allows(math.nan, 0.0)


def test_a_cell_declares_its_tolerance_in_its_metadata():
    assert cell_tolerance({}) == Tolerance()
    declared = {"nbval_tolerance": {"rtol": 0.05, "reason": "trained weights vary by CPU"}}
    assert cell_tolerance(declared) == Tolerance(rtol=0.05)
    declared = {"nbval_tolerance": {"atol": 2, "rtol": 1e-3, "reason": "ULP counts"}}
    assert cell_tolerance(declared) == Tolerance(rtol=1e-3, atol=2)


@pytest.mark.parametrize(
    "declared",
    [
        {"reason": "no numbers"},
        {"rtl": 0.1, "reason": "a typo"},
        {"rtol": 0.1},
        {"rtol": -1, "reason": "negative"},
        {"rtol": "0.1", "reason": "a string"},
        {"atol": True, "reason": "a bool"},
        "rtol=0.1",
    ],
)
def test_a_malformed_declaration_is_an_error_not_the_default(declared):
    with pytest.raises(ValueError, match="nbval_tolerance"):
        cell_tolerance({"nbval_tolerance": declared})


@pytest.mark.parametrize("marker", ["# NBVAL_TOLERANCE rtol=0.1", "#NBVAL_IGNORE_OUTPUT", "  # NBVAL_SKIP"])
def test_an_old_comment_marker_in_the_source_is_refused(marker):
    with pytest.raises(ValueError, match="metadata"):
        check_source_has_no_markers(f"x = 1\n{marker}\nprint(x)")
    check_source_has_no_markers("print('NBVAL_TOLERANCE is a word here')")


def _cell(source, *outputs, rtol=None, atol=None):
    cell = nbformat.v4.new_code_cell(source)
    declared = {name: value for name, value in (("rtol", rtol), ("atol", atol)) if value is not None}
    if declared:
        cell.metadata["nbval_tolerance"] = {**declared, "reason": "a test case"}
    cell.execution_count = 1
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=text) if isinstance(text, str) else text
        for text in outputs
    ]
    return cell


def test_nbval_runs_compare_through_the_plugin(pytester, monkeypatch):
    """A real nbval run: one kernel, one notebook whose stored outputs each test one rule."""
    result_value = nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)
    cells = [
        _cell("print('loss 1.000')", "loss 1.005\n", rtol=0.01),  # inside: passes
        _cell("print('loss 1.000')", "loss 1.05\n", rtol=0.01),  # outside: fails
        _cell("print('loss 1.000')", "loss 1.0000000000001\n"),  # default, noise: passes
        _cell("print('loss 1.000')", "loss 1.001\n"),  # default is tight: fails
        _cell("print('loss is 1.0')", "loss was 1.0\n", rtol=1, atol=1),  # a word: fails
        _cell("print('1.0')", "1.0\n", result_value, atol=1),  # missing output: fails
        _cell("print('1.0'); 2", atol=1),  # extra output: fails
        _cell("print('[1 2]')", "[1 2 3]\n", atol=1),  # missing number: fails
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, pytester.path / "cases.ipynb")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = pytester.runpytest_subprocess(
        "-p", "nbval_tolerance", "--nbval", "--nbval-current-env", "-v", "-p", "no:cacheprovider", "cases.ipynb"
    )
    verdicts = dict(re.findall(r"cases\W+ipynb::Cell (\d+) (PASSED|FAILED)", "\n".join(result.outlines)))
    assert [verdicts[str(i)] for i in range(len(cells))] == [
        "PASSED",
        "FAILED",
        "PASSED",
        "FAILED",
        "FAILED",
        "FAILED",
        "FAILED",
        "FAILED",
    ], result.outlines
    text = "\n".join(result.outlines)
    assert "number 1.05 is now 1.000" in text  # the diff a contributor reads
    assert "'loss was'" in text and "'loss is'" in text
