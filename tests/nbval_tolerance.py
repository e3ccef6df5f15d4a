"""A pytest plugin that lets nbval compare numbers in text outputs within a tolerance.

Strict nbval compares every stored text output character by character. That is right for words,
but wrong for numbers whose last digits depend on the CPU: numpy's ``exp``, torch's kernels and
oneDNN pick code paths by instruction set, so a trained model's loss or a ULP count printed on an
AVX-512 machine differs from the one stored on an AVX2 machine.

This plugin keeps nbval and changes one thing: when nbval finds a mismatch, the outputs are
compared again token by token. Words (and whitespace-separated punctuation) must match exactly;
numbers must agree within a tolerance. The default tolerance, :data:`DEFAULT_RTOL` relative and
:data:`DEFAULT_ATOL` absolute, only absorbs the rounding noise of deterministic maths. A cell whose
numbers legitimately vary across CPUs declares a looser tolerance, with its reason, in the cell's
metadata (JupyterLab: the property inspector's "Cell Metadata"), so the code learners read carries
no test machinery::

    "metadata": {"nbval_tolerance": {"rtol": 0.05, "atol": 0.002,
                                     "reason": "trained weights differ in the last bits between CPUs"}}

``rtol`` and ``atol`` may be given alone or together; ``reason`` is required. ``git grep
nbval_tolerance notebooks/`` lists every cell that asks for more than the default. A cell whose
output truly varies (a timing, a live widget) carries nbval's own tag ``nbval-ignore-output``.

It is switched on by ``conftest.py`` at the top of the repository (``pytest_plugins``), so every
nbval run of this project uses it; ``-p nbval_tolerance`` with ``tests/`` on ``sys.path`` loads it
elsewhere.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from nbval.plugin import IPyNbCell, transform_streams_for_comparison

DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 0.0
METADATA_KEY = "nbval_tolerance"

# A number is not part of a word: "float16" and "x1" stay words, "-3.5e-04", "1,234.5" and "7." are
# numbers, and so is "4.7" in "4.7x". Thousands separators are accepted only in groups of exactly three digits.
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?"
    r"|(?<![\w.])[-+]?\.\d+(?:[eE][-+]?\d+)?"
)
# The comment markers this project used before tolerances moved to metadata: a cell that still has
# one is an error, so a copied old cell cannot silently run with the default tolerance.
_SOURCE_MARKER = re.compile(r"^\s*#\s*NBVAL_(?:TOLERANCE|IGNORE_OUTPUT|SKIP|CHECK_OUTPUT)\b", re.MULTILINE)


@dataclass(frozen=True)
class Tolerance:
    """How far a recomputed number may be from the stored one: ``|new - old| <= atol + rtol * |old|``."""

    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL

    def allows(self, stored: float, computed: float) -> bool:
        if math.isnan(stored) or math.isnan(computed):
            return math.isnan(stored) and math.isnan(computed)
        if math.isinf(stored) or math.isinf(computed):
            return stored == computed
        return abs(computed - stored) <= self.atol + self.rtol * abs(stored)


def cell_tolerance(metadata) -> Tolerance:
    """The tolerance a cell declares in its metadata under ``nbval_tolerance``, or the default.

    Raises
    ------
    ValueError
        If the entry is not a mapping, names neither ``rtol`` nor ``atol``, has an unknown key, a
        value that is not a non-negative number, or no ``reason``: a typo must not silently fall
        back to the default.
    """
    declared = metadata.get(METADATA_KEY)
    if declared is None:
        return Tolerance()
    if not isinstance(declared, dict):
        raise ValueError(f"{METADATA_KEY} must be a mapping such as {{'rtol': 0.01, 'reason': '…'}}, got {declared!r}")
    unknown = sorted(set(declared) - {"rtol", "atol", "reason"})
    if unknown:
        raise ValueError(f"{METADATA_KEY}: unknown key(s) {unknown}; use rtol, atol and reason")
    if not str(declared.get("reason", "")).strip():
        raise ValueError(f"{METADATA_KEY}: say why this cell's numbers vary ('reason')")
    options = {name: declared[name] for name in ("rtol", "atol") if name in declared}
    if not options:
        raise ValueError(f"{METADATA_KEY} needs rtol and/or atol, got {declared!r}")
    for name, value in options.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise ValueError(f"{METADATA_KEY}: {name} must be a number >= 0, got {value!r}")
    return Tolerance(**{name: float(value) for name, value in options.items()})


def check_source_has_no_markers(source: str) -> None:
    """Refuse the old ``# NBVAL_…`` comment markers: learners' code carries no test machinery."""
    match = _SOURCE_MARKER.search(source)
    if match:
        raise ValueError(
            f"{match.group().strip()!r} in a cell's source: declare it in the cell's metadata instead "
            f"({METADATA_KEY!r} for a tolerance, the tag 'nbval-ignore-output' for varying output)"
        )


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split text into ``("word", text)`` and ``("number", text)`` tokens.

    Runs of whitespace inside word tokens count as one space, and whitespace at a token's ends is
    dropped: numpy pads its columns to the widest number, so a changed digit count moves spaces.
    """
    tokens = []
    position = 0
    for match in _NUMBER.finditer(text):
        _append_words(tokens, text[position : match.start()])
        tokens.append(("number", match.group()))
        position = match.end()
    _append_words(tokens, text[position:])
    return tokens


def _append_words(tokens, text):
    words = " ".join(text.split())
    if words:
        tokens.append(("word", words))


def _value(number: str) -> float:
    return float(number.replace(",", ""))


def _context(text: str, token: str) -> str:
    for line in text.splitlines():
        if token in line:
            return line.strip()[:160]
    return text.strip()[:160]


def compare_text(stored: str, computed: str, tolerance: Tolerance = Tolerance()) -> list[str]:
    """Compare two text outputs token by token.

    Returns
    -------
    list of str
        One readable line per difference (at most 10); empty when the texts agree.
    """
    old, new = tokenize(stored), tokenize(computed)
    problems = []
    for index, ((old_kind, old_text), (new_kind, new_text)) in enumerate(zip(old, new)):
        if old_kind == new_kind == "number":
            if not tolerance.allows(_value(old_text), _value(new_text)):
                scale = abs(_value(old_text)) or 1.0
                problems.append(
                    f"number {old_text} is now {new_text} (off by {abs(_value(new_text) - _value(old_text)):.3g}, "
                    f"{abs(_value(new_text) - _value(old_text)) / scale:.3g} relative; allowed "
                    f"rtol={tolerance.rtol:g}, atol={tolerance.atol:g}) in: {_context(computed, new_text)}"
                )
        elif old_kind != new_kind or old_text != new_text:
            problems.append(
                f"changed at token {index}: stored {old_kind} {old_text!r}, now {new_kind} {new_text!r} "
                f"in: {_context(computed, new_text)}"
            )
        if len(problems) == 10:
            problems.append("(further differences not shown)")
            return problems
    if len(old) != len(new):
        longer, label = (old, "stored") if len(old) > len(new) else (new, "recomputed")
        extra = " ".join(text for _, text in longer[min(len(old), len(new)) :])[:160]
        problems.append(f"the {label} output goes on where the other ends: {extra!r}")
    return problems


def _flatten(cell, outputs, skip):
    """nbval's view of a cell's outputs: each compared key (stream name or MIME type) to its values."""
    flat = {}
    for output in transform_streams_for_comparison(outputs):
        for key, value in output.items():
            if key in skip:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in skip:
                        flat.setdefault(mime, []).append(cell.sanitize(data))
            else:
                flat.setdefault(key, []).append(cell.sanitize(value))
    return flat


def tolerant_differences(cell, computed_outputs, stored_outputs, skip) -> list[str] | None:
    """Differences that remain when numbers may vary within the cell's tolerance.

    Returns None when the outputs differ in structure (a missing or extra output, another MIME
    type): nbval's own message says that best.
    """
    stored = _flatten(cell, stored_outputs, skip)
    computed = _flatten(cell, computed_outputs, skip)
    if stored.keys() != computed.keys() or any(len(stored[k]) != len(computed[k]) for k in stored):
        return None
    tolerance = cell_tolerance(cell.cell.metadata)
    problems = []
    for key, stored_values in stored.items():
        for old, new in zip(stored_values, computed[key]):
            if isinstance(old, str) and isinstance(new, str):
                problems += [f"{key}: {line}" for line in compare_text(old, new, tolerance)]
            elif old != new:
                problems.append(f"{key}: the output changed")
    return problems


_nbval_compare_outputs = IPyNbCell.compare_outputs


def compare_outputs(self, test, ref, skip_compare=None):
    """nbval's comparison, then the tolerant one for outputs that differ only in numbers."""
    check_source_has_no_markers(self.cell.source)
    tolerance = cell_tolerance(self.cell.metadata)
    if _nbval_compare_outputs(self, test, ref, skip_compare):
        return True
    problems = tolerant_differences(self, test, ref, skip_compare or self.parent.skip_compare)
    if problems is None:
        return False  # nbval's message (a missing or extra output) stands
    if not problems:
        self.comparison_traceback = []
        return True
    self.comparison_traceback = [
        f"The recomputed output differs from the stored one beyond the cell's tolerance "
        f"(rtol={tolerance.rtol:g}, atol={tolerance.atol:g}; declare a looser one in the cell's metadata "
        f"under {METADATA_KEY!r} only if the value truly depends on the CPU, otherwise re-execute "
        f"the notebook with `make notebooks`):",
        *("  " + line for line in problems),
    ]
    return False


def pytest_configure(config):
    IPyNbCell.compare_outputs = compare_outputs


def pytest_unconfigure(config):
    IPyNbCell.compare_outputs = _nbval_compare_outputs
