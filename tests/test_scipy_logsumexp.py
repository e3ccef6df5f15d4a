"""scipy's own tests of softmax, log_softmax and logsumexp, run against softmax_teach.numerics.

The test file is imported from the installed scipy (``scipy.special.tests.test_logsumexp``),
never copied: its classes are collected here, and a fixture swaps the three functions it tests
for the kit's. Every test that fails against the kit is listed in ``EXPECTED_FAILURES`` with the
documented difference that explains it (the module docstring of ``softmax_teach.numerics``); a
listed test runs as a strict ``xfail``, so a failure that is not listed fails the suite, and so
does a listed test that passes (the list stays honest).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy._lib._array_api import array_namespace
from scipy.special.tests import test_logsumexp as scipy_tests

from softmax_teach import numerics

# Collected here: every test of scipy's file.
TestLogSumExp = scipy_tests.TestLogSumExp
TestSoftmax = scipy_tests.TestSoftmax
TestLogSoftmax = scipy_tests.TestLogSoftmax
test_wrap_radians = scipy_tests.test_wrap_radians

DEFAULT_AXIS = "the default axis is the last one (as in torch), scipy's is None (the whole array)"
COMPLEX = "complex input is refused with a ValueError: the kit is about real logits"

# (test name without parameters, predicate on the parameters or None for all) -> reason
EXPECTED_FAILURES = {
    ("test_logsumexp", None): DEFAULT_AXIS,  # logsumexp(logX) of a (2, 1e6) array, and axis=(-1, -2)
    ("test_logsumexp_b", None): DEFAULT_AXIS,  # logsumexp(logX, b=B) of a (2, 1e5) array
    ("test_logsumexp_complex_sign", None): COMPLEX,
    ("test_dtypes_a", lambda p: "complex" in p["dtype"]): COMPLEX,
    ("test_dtypes_ab", lambda p: "complex" in p["dtype_a"] or "complex" in p["dtype_b"]): COMPLEX,
    ("test_gh21610", None): COMPLEX,
    ("test_gh21709_small_imaginary", None): COMPLEX,
    ("test_gh22601_infinite_elements", lambda p: isinstance(p["x"], complex) or isinstance(p["y"], complex)): COMPLEX,
    ("test_device", lambda p: isinstance(p["x_raw"], complex)): COMPLEX,
    ("test_softmax_fixtures", None): DEFAULT_AXIS,  # softmax of a (2, 2) array over all elements
    ("test_log_softmax_noneaxis", None): DEFAULT_AXIS,
}


def expected_failure(item):
    """The documented reason ``item`` fails against the kit, or None."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    for (name, predicate), reason in EXPECTED_FAILURES.items():
        if item.originalname == name and (predicate is None or predicate(params)):
            return reason
    return None


@pytest.fixture
def xp():
    """scipy's ``xp`` fixture, for numpy only (the kit is a numpy kit)."""
    return array_namespace(np.empty(0))


@pytest.fixture
def devices():
    return [None]


@pytest.fixture(autouse=True)
def the_kits_functions(monkeypatch, request):
    """Swap scipy's softmax, log_softmax and logsumexp for the kit's in scipy's test module."""
    for name in ("softmax", "log_softmax", "logsumexp"):
        monkeypatch.setattr(scipy_tests, name, getattr(numerics, name))
    reason = expected_failure(request.node)
    if reason is not None:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def test_the_list_names_only_tests_that_exist():
    names = {
        name for cls in (TestLogSumExp, TestSoftmax, TestLogSoftmax) for name in dir(cls) if name.startswith("test_")
    }
    names.add("test_wrap_radians")
    assert {name for name, _ in EXPECTED_FAILURES} <= names


def with_scipy_default_axis(function):
    def call(x, axis=None, *args, **kwargs):
        return function(x, axis, *args, **kwargs)

    return call


DEFAULT_AXIS_TESTS = [
    (cls, name)
    for (name, _), reason in EXPECTED_FAILURES.items()
    if reason == DEFAULT_AXIS
    for cls in (TestLogSumExp, TestSoftmax, TestLogSoftmax)
    if hasattr(cls, name)
]


@pytest.mark.parametrize(("cls", "name"), DEFAULT_AXIS_TESTS, ids=[name for _, name in DEFAULT_AXIS_TESTS])
def test_the_default_axis_is_the_whole_reason(cls, name, xp, monkeypatch):
    """The tests listed for the default axis pass once the kit is called with scipy's default."""
    for function in ("softmax", "log_softmax", "logsumexp"):
        monkeypatch.setattr(scipy_tests, function, with_scipy_default_axis(getattr(numerics, function)))
    getattr(cls(), name)(xp)
