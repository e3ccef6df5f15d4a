"""Every worked solution passes its own check, and so does every rounded value it quotes.

For each lesson notebook this finds the *On your own* exercises (a bold statement such as
``**1. Scores for a given distribution.**``, a code cell that calls a ``check_…`` function, then a
``<details><summary>Worked solution</summary>`` block with ```` ```python ```` code), and runs the
notebook once in a real kernel (from ``notebooks/``, as ``scripts/execute_notebooks.py`` does)
with extra cells after each exercise cell: the worked solution's code, then the check (the
solution's own call if it makes one, else the exercise cell's call).

Rounded values follow one convention, which this test enforces: a solution that quotes a rounded
value writes it on the assignment line, as a comment ``my_temperature = ...  # about 0.432``. The
test then also

- runs the check with the quoted value in place of the computed one (as a float and as a 0-d
  numpy array): a learner who types the number the solution shows must pass;
- checks the quote itself: the computed value rounds to it at the quoted number of decimals.

Prose in a solution may repeat the number (``≈ 1.461``, ``about 0.43``), but only if the code
quotes it that way too; a rounded value quoted anywhere else (a comment on a check line, prose
alone) fails, so no quote escapes the two checks above.

The wrong answers each check must reject live in ``tests/test_exercise_checks.py`` (plain pytest,
no kernel).
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

SECTION_START = re.compile(r"^## On your own\b", re.M)
SECTION_END = re.compile(r"^## Further reading\b", re.M)
# A solution block: <details> (optionally on the same line as its summary) ... </details>.
SOLUTION = re.compile(r"<details>\s*<summary>\s*Worked solution\s*</summary>(?P<body>.*?)</details>", re.S)
PYTHON_BLOCK = re.compile(r"```python\n(?P<code>.*?)```", re.S)
# An exercise statement starts a paragraph with bold text: "**1. The Jacobian in numpy.**".
STATEMENT = re.compile(r"^\*\*(?P<title>[^*\n]+)\*\*", re.M)
NUMBER = r"[-+]?\d+(?:\.\d+)?"
# The convention: `name = ...  # ... about 0.432 ...` (the quoted value of `name`).
QUOTE = re.compile(rf"^(?P<name>[A-Za-z_]\w*)\s*=[^#\n]*#[^\n]*?\babout\s+(?P<value>{NUMBER})\b")
# Any rounded value quoted anywhere in a solution (code comment or prose).
ANY_QUOTE = re.compile(rf"(?:≈|\\approx|\babout)\s*\$?\s*(?P<value>{NUMBER})\b")

MARKER = "__worked_solution__"


# --------------------------------------------------------------------------- finding exercises


@dataclass
class Exercise:
    """One exercise of a notebook's *On your own* section."""

    title: str
    exercise_cells: list = field(default_factory=list)  # indices of code cells calling a check
    solution_cell: int | None = None
    solution_text: str | None = None  # the body of the <details> block

    @property
    def solution_code(self):
        if self.solution_text is None:
            return ""
        return "\n".join(m.group("code").rstrip() for m in PYTHON_BLOCK.finditer(self.solution_text))

    @property
    def solution_prose(self):
        return PYTHON_BLOCK.sub("", self.solution_text or "")


def _top_level_check_calls(source):
    """The source of each top-level statement ``check_…(...)``, with its line span, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in tree.body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id.startswith("check_")
        ):
            calls.append((ast.get_source_segment(source, node.value), node.lineno, node.end_lineno))
    return calls


def _calls_a_check(source):
    return re.search(r"\bcheck_\w+\s*\(", source) is not None


def section_bounds(notebook):
    """(first, last) cell indices of the *On your own* section, both inclusive."""
    cells = notebook.cells
    start = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and SECTION_START.search(c.source))
    end = next(
        i for i, c in enumerate(cells) if i >= start and c.cell_type == "markdown" and SECTION_END.search(c.source)
    )
    return start, end


def find_exercises(notebook):
    """The exercises of a notebook, in order, and a list of structural problems found on the way."""
    start, end = section_bounds(notebook)
    exercises, problems = [], []
    for index in range(start, end + 1):
        cell = notebook.cells[index]
        text = cell.source
        if cell.cell_type == "markdown":
            if index == start:
                text = text[SECTION_START.search(text).start() :]
            if index == end:
                text = text[: SECTION_END.search(text).start()]
            # Walk statements and solution blocks in the order they appear in the cell.
            events = [
                (m.start(), "statement", m)
                for m in STATEMENT.finditer(SOLUTION.sub(lambda s: " " * len(s.group(0)), text))
            ]
            events += [(m.start(), "solution", m) for m in SOLUTION.finditer(text)]
            for _, kind, match in sorted(events, key=lambda e: e[0]):
                if kind == "statement":
                    exercises.append(Exercise(match.group("title").strip()))
                elif not exercises:
                    problems.append(f"cell {index}: a worked solution before any exercise statement")
                elif exercises[-1].solution_text is not None:
                    problems.append(f"cell {index}: exercise {exercises[-1].title!r} has two worked solutions")
                else:
                    exercises[-1].solution_cell, exercises[-1].solution_text = index, match.group("body")
        elif cell.cell_type == "code" and _calls_a_check(text):
            if not exercises:
                problems.append(f"cell {index}: a check call before any exercise statement")
            else:
                exercises[-1].exercise_cells.append(index)
    if not exercises:
        problems.append("the On your own section has no exercise (a paragraph starting with **bold**)")
    for exercise in exercises:
        name = f"exercise {exercise.title!r}"
        if not exercise.exercise_cells:
            problems.append(f"{name} has no exercise cell (a code cell that calls a check_… function)")
        elif len(exercise.exercise_cells) > 1:
            problems.append(f"{name} has {len(exercise.exercise_cells)} cells calling a check; expected one")
        if exercise.solution_text is None:
            problems.append(f"{name} has no worked solution (<details><summary>Worked solution</summary>)")
        elif not exercise.solution_code.strip():
            problems.append(f"{name}: its worked solution has no ```python code")
        elif not _top_level_check_calls(exercise.solution_code) and not (
            exercise.exercise_cells and _top_level_check_calls(notebook.cells[exercise.exercise_cells[-1]].source)
        ):
            problems.append(
                f"{name}: no check call to run (neither the solution nor the exercise cell ends with check_…(...))"
            )
        problems += [f"{name}: {p}" for p in quote_problems(exercise)]
    return exercises, problems


def quoted_values(exercise):
    """``[(name, text)]``: the values the solution quotes by the convention ``name = ...  # about X``."""
    return [
        (m.group("name"), m.group("value")) for line in exercise.solution_code.splitlines() if (m := QUOTE.match(line))
    ]


def quote_problems(exercise):
    """Rounded values quoted outside the convention (so the test could not check them)."""
    declared = {value for _, value in quoted_values(exercise)}
    problems = []
    for line in exercise.solution_code.splitlines():
        if QUOTE.match(line):
            continue
        for match in ANY_QUOTE.finditer(line.partition("#")[2]):
            problems.append(
                f"the code quotes 'about {match.group('value')}' in a comment that is not on an assignment line: "
                f"write it as `name = ...  # about {match.group('value')}` so the test can check it ({line.strip()!r})"
            )
    for match in ANY_QUOTE.finditer(exercise.solution_prose):
        if match.group("value") not in declared:
            problems.append(
                f"the prose quotes {match.group(0)!r}, but no assignment line of the solution quotes it as "
                f"`name = ...  # about {match.group('value')}`"
            )
    return problems


# --------------------------------------------------------------------------- running them


_PRELUDE = f"""
def {MARKER}record(key, result, **extra):
    import json as _json
    passed = bool(getattr(result, "passed", False))
    print({MARKER!r} + _json.dumps(dict(key=key, cls=type(result).__name__, passed=passed, repr=repr(result), **extra)))
    return result
"""


def _solution_cell(code, key, fallback_call):
    """The solution's code with each top-level check call recorded (or the exercise's call appended)."""
    lines = code.splitlines()
    calls = _top_level_check_calls(code)
    for number, (segment, first, last) in reversed(list(enumerate(calls))):
        lines[first - 1 : last] = [f"{MARKER}record({key!r} + '#{number}', {segment})"]
    if not calls:
        lines.append(f"{MARKER}record({key!r} + '#0', {fallback_call})")
    return "\n".join(lines)


def _rounded_cell(name, value, key, call):
    """Run the check with the quoted value (a float, then a 0-d array) in place of ``name``."""
    return textwrap.dedent(
        f"""
        {MARKER}saved = {name}
        {MARKER}record({key!r} + '#computed', {MARKER}saved, value=float({MARKER}saved))
        {name} = {value}
        {MARKER}record({key!r} + '#float', {call})
        {name} = __import__("numpy").asarray({value})
        {MARKER}record({key!r} + '#array', {call})
        {name} = {MARKER}saved
        """
    )


@dataclass
class Run:
    """What one kernel run of a notebook with its solutions inserted recorded."""

    exercises: list
    problems: list
    records: dict  # key -> the recorded dict
    errors: list  # (what, error text)


def _key(number, exercise):
    return f"exercise {number} ({exercise.title})"


@functools.cache
def run_notebook(path):
    """Execute ``path`` once with every worked solution (and rounded value) inserted; cached."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    exercises, problems = find_exercises(notebook)
    _, end = section_bounds(notebook)
    inserted = {}  # original index -> [(label, new cell)]
    for number, exercise in enumerate(exercises, start=1):
        if not exercise.exercise_cells or not exercise.solution_code.strip():
            continue
        cell_index = exercise.exercise_cells[-1]
        exercise_calls = _top_level_check_calls(notebook.cells[cell_index].source)
        solution_calls = _top_level_check_calls(exercise.solution_code)
        call = (solution_calls or exercise_calls or [(None,)])[-1][0]
        if call is None:
            continue
        key = _key(number, exercise)
        cells = [(f"{key}: the worked solution", _solution_cell(exercise.solution_code, key, call))]
        for name, value in quoted_values(exercise):
            cells.append(
                (f"{key}: the quoted value {name} ≈ {value}", _rounded_cell(name, value, f"{key} {name}", call))
            )
        inserted[cell_index] = cells
    new_cells, labels = [nbformat.v4.new_code_cell(_PRELUDE)], ["the recording prelude"]
    for index, cell in enumerate(notebook.cells[: end + 1]):
        new_cells.append(cell)
        labels.append(f"original cell {index}")
        for label, source in inserted.get(index, []):
            new_cells.append(nbformat.v4.new_code_cell(source))
            labels.append(label)
    notebook.cells = new_cells
    env_before = os.environ.get("TQDM_DISABLE")
    os.environ.setdefault("TQDM_DISABLE", "1")
    try:
        client = NotebookClient(
            notebook,
            timeout=300,
            kernel_name="python3",
            allow_errors=True,  # an error in one solution must not hide the others
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    finally:
        if env_before is None:
            os.environ.pop("TQDM_DISABLE", None)
    records, errors = {}, []
    for label, cell in zip(labels, notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append((label, f"{output['ename']}: {output['evalue']}"))
            elif output.get("output_type") == "stream":
                for line in output.get("text", "").splitlines():
                    if line.startswith(MARKER):
                        record = json.loads(line[len(MARKER) :])
                        records[record["key"]] = record
    return Run(exercises, problems, records, errors)


def _name(path):
    return path.stem


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_every_exercise_has_a_check_and_a_worked_solution(path):
    """Without a kernel: each exercise has its cell, its solution, a check to run, quotes by the convention."""
    _, problems = find_exercises(nbformat.read(path, as_version=4))
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_worked_solutions_pass_their_own_checks(path):
    run = run_notebook(path)
    failures = [f"{label} raised {error}" for label, error in run.errors]
    for number, exercise in enumerate(run.exercises, start=1):
        key = _key(number, exercise)
        results = sorted((k, r) for k, r in run.records.items() if k.startswith(key + "#"))
        if not results:
            if exercise.exercise_cells and exercise.solution_text is not None:
                failures.append(f"{key}: its worked solution recorded no check result")
            continue
        for record_key, record in results:
            if record["cls"] != "Feedback":
                failures.append(f"{record_key}: the check returned a {record['cls']}, not a Feedback: {record['repr']}")
            elif not record["repr"].startswith("Correct:"):
                failures.append(f"{record_key}: the worked solution is rejected by its check: {record['repr']}")
    assert not failures, f"{path.name}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_rounded_values_in_solutions_are_right_and_pass_the_check(path):
    run = run_notebook(path)
    failures = []
    for number, exercise in enumerate(run.exercises, start=1):
        for name, value in quoted_values(exercise):
            key = f"{_key(number, exercise)} {name}"
            computed = run.records.get(key + "#computed")
            if computed is None:
                failures.append(f"{key}: the quoted value was never reached (did the solution raise?)")
                continue
            decimals = len(value.partition(".")[2])
            if round(computed["value"], decimals) != round(float(value), decimals):
                failures.append(
                    f"{key}: the solution quotes 'about {value}', but {name} is {computed['value']!r}, "
                    f"which rounds to {round(computed['value'], decimals)} at {decimals} decimals"
                )
            for kind in ("float", "array"):
                record = run.records.get(f"{key}#{kind}")
                if record is None or not record["repr"].startswith("Correct:"):
                    shown = value if kind == "float" else f"np.asarray({value})"
                    failures.append(
                        f"{key}: typing the quoted value ({name} = {shown}) is rejected by the check: "
                        f"{record['repr'] if record else 'no result'}"
                    )
    assert not failures, f"{path.name}:\n  " + "\n  ".join(failures)
