"""Tests for softmax_teach.numerics: every edge-case row, agreement with references, accuracy.

Sections
--------
1. The edge-case table of the module docstring, one test (or more) per row.
2. Agreement with scipy.special, torch and the 50-digit mpmath reference on random and
   adversarial inputs.
3. Hypothesis properties (sums to 1, shift invariance, order, log/sigmoid identities, Jacobian,
   online softmax, sampling filters).
4. Accuracy in ULPs against mpmath (default never worse than scipy on any element; precise
   within 1 ULP for float16/float32 and 4 ULP for float64).
5. The doctests of the module.

Every test turns RuntimeWarnings into errors (``pytestmark`` below): no function may warn.
Reference libraries are called inside ``np.errstate(all="ignore")`` where *they* would warn.
"""

from __future__ import annotations

import doctest
import re
import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import softmax_teach.numerics as numerics
from softmax_teach.numerics import (
    cross_entropy,
    entropy,
    log_softmax,
    logsumexp,
    one_hot,
    online_softmax,
    sample,
    sampling_probabilities,
    sigmoid,
    softmax,
    softmax_jacobian,
)
from softmax_teach.reference import (
    max_ulp_error,
    mp_log_softmax,
    mp_logsumexp,
    mp_sigmoid,
    mp_softmax,
    round_once,
    ulp_error,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

FLOAT_DTYPES = [np.float16, np.float32, np.float64]
INF = np.inf
FAST = settings(max_examples=40, deadline=None)

# Functions that map logits to an array of the same shape along the last axis.
ELEMENTWISE_ROW_FUNCTIONS = {
    "softmax": softmax,
    "softmax_precise": lambda x: softmax(x, precise=True),
    "log_softmax": log_softmax,
    "online_softmax": lambda x: online_softmax(x, block_size=2),
}


def quiet():
    """Silence numpy for a *reference* call that warns on purpose (e.g. scipy on -inf rows)."""
    return np.errstate(all="ignore")


def rel_tol(dtype):
    """A few units of rounding for a result of ``dtype`` (n-term sums included)."""
    return {np.float16: 4e-3, np.float32: 4e-6, np.float64: 1e-13}[np.dtype(dtype).type]


# =========================================================================== 1. edge cases


class TestDtypes:
    @pytest.mark.parametrize("name", sorted(ELEMENTWISE_ROW_FUNCTIONS))
    @pytest.mark.parametrize("values", [[1, 2, 3], [True, False, True]])
    def test_integer_and_bool_input_give_float64(self, name, values):
        function = ELEMENTWISE_ROW_FUNCTIONS[name]
        result = function(values)
        assert result.dtype == np.float64
        np.testing.assert_array_equal(result, function(np.asarray(values, dtype=np.float64)))

    def test_integer_input_for_the_other_functions(self):
        assert logsumexp([1, 2, 3]).dtype == np.float64
        assert sigmoid(np.arange(3, dtype=np.int8)).dtype == np.float64
        assert softmax_jacobian([1, 2]).dtype == np.float64
        assert cross_entropy([[1, 2]], [0]).dtype == np.float64
        assert entropy(np.array([1, 0], dtype=np.uint8)).dtype == np.float64

    @pytest.mark.parametrize("dtype", FLOAT_DTYPES)
    def test_float_dtypes_are_kept(self, dtype):
        x = np.array([[0.5, -1.0, 2.0], [3.0, 3.0, -INF]], dtype=dtype)
        for name, function in ELEMENTWISE_ROW_FUNCTIONS.items():
            assert function(x).dtype == dtype, name
        assert softmax(x, temperature=0).dtype == dtype
        assert softmax(x, temperature=0.3).dtype == dtype
        assert logsumexp(x).dtype == dtype
        assert logsumexp(x, axis=None).dtype == dtype
        assert sigmoid(x).dtype == dtype
        assert softmax_jacobian(x).dtype == dtype
        assert cross_entropy(x[:, :2], np.array([0, 1])).dtype == dtype
        assert entropy(softmax(x)).dtype == dtype

    @pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array(["a", "b"]), np.array([1.0, None], dtype=object)])
    def test_non_real_input_raises_naming_x_and_the_dtype(self, bad):
        for function in (softmax, log_softmax, logsumexp, sigmoid, online_softmax, softmax_jacobian):
            with pytest.raises(ValueError, match=rf"x must be real.*{bad.dtype}"):
                function(bad)
        with pytest.raises(ValueError, match="logits must be real"):
            cross_entropy(bad, [0])
        with pytest.raises(ValueError, match="p must be real"):
            entropy(bad)


class TestEmptyAxis:
    @pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 3), (2, 0, 4)])
    def test_softmax_family_keeps_the_empty_shape(self, shape):
        x = np.zeros(shape)
        for name, function in ELEMENTWISE_ROW_FUNCTIONS.items():
            result = function(x)
            assert result.shape == shape and result.dtype == np.float64, name
        assert softmax(x, axis=0).shape == shape
        assert softmax(x, axis=None).shape == shape

    def test_logsumexp_of_an_empty_axis_is_minus_inf(self):
        assert logsumexp([]) == -INF
        np.testing.assert_array_equal(logsumexp(np.zeros((3, 0))), [-INF] * 3)
        assert logsumexp(np.zeros((3, 0)), keepdims=True).shape == (3, 1)
        # An empty batch of non-empty rows reduces to an empty result, like scipy.
        assert logsumexp(np.zeros((0, 3))).shape == (0,)
        with quiet():
            np.testing.assert_array_equal(
                logsumexp(np.zeros((3, 0))), scipy.special.logsumexp(np.zeros((3, 0)), axis=-1)
            )

    def test_an_empty_row_is_not_a_distribution(self):
        with pytest.raises(ValueError, match="sum to 1"):
            entropy(np.zeros((2, 0)))
        with pytest.raises(ValueError, match="non-empty"):
            sampling_probabilities([])
        with pytest.raises(ValueError, match=r"non-empty 1-D array, got shape \(0,\)"):
            sample([], rng=0)

    def test_cross_entropy_of_an_empty_batch(self):
        assert np.isnan(cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int)))
        assert cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int), reduction="sum") == 0
        assert cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int), reduction="none").shape == (0,)


class TestNonFiniteRows:
    def test_nan_poisons_its_row_only(self):
        x = np.array([[0.0, np.nan, 1.0], [0.0, 1.0, 2.0], [np.nan, INF, -INF]])
        clean = x[1:2]
        for name, function in ELEMENTWISE_ROW_FUNCTIONS.items():
            result = function(x)
            assert np.isnan(result[[0, 2]]).all(), name
            np.testing.assert_array_equal(result[1:2], function(clean), err_msg=name)
        for temperature in (0, 0.5):
            assert np.isnan(softmax(x, temperature=temperature)[[0, 2]]).all()
            assert np.isnan(log_softmax(x, temperature=temperature)[[0, 2]]).all()
        lse = logsumexp(x)
        assert np.isnan(lse[[0, 2]]).all() and lse[1] == logsumexp(clean)[0]
        assert np.isnan(softmax_jacobian(x)[[0, 2]]).all()
        assert np.isnan(sigmoid([np.nan]))
        assert np.isnan(cross_entropy(x[:2], [0, 1], reduction="none")[0])
        assert np.isnan(entropy([[0.5, np.nan]])).all()

    def test_nan_along_another_axis(self):
        x = np.array([[0.0, 1.0], [np.nan, 2.0]])
        result = softmax(x, axis=0)
        assert np.isnan(result[:, 0]).all()
        np.testing.assert_allclose(result[:, 1], scipy.special.softmax([1.0, 2.0]))

    def test_plus_inf_entries_share_the_mass(self):
        x = np.array([[INF, 1.0, INF, -INF], [INF, -3.0, 1e308, 0.0]])
        expected = np.array([[0.5, 0.0, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0]])
        for name in ("softmax", "softmax_precise", "online_softmax"):
            np.testing.assert_array_equal(ELEMENTWISE_ROW_FUNCTIONS[name](x), expected, err_msg=name)
        with quiet():
            np.testing.assert_array_equal(log_softmax(x), np.log(expected))
        np.testing.assert_array_equal(logsumexp(x), [INF, INF])
        np.testing.assert_array_equal(softmax(x, temperature=0), expected)
        np.testing.assert_array_equal(softmax(x, temperature=7.0), expected)
        assert sigmoid(INF) == 1.0 and sigmoid(-INF) == 0.0
        np.testing.assert_array_equal(sampling_probabilities([INF, 1.0, INF]), [0.5, 0.0, 0.5])

    def test_a_fully_masked_row(self):
        x = np.array([[-INF, -INF, -INF], [0.0, -INF, 1.0]])
        for name in ("softmax", "softmax_precise", "online_softmax"):
            result = ELEMENTWISE_ROW_FUNCTIONS[name](x)
            np.testing.assert_array_equal(result[0], [0.0, 0.0, 0.0], err_msg=name)
            np.testing.assert_allclose(result[1], scipy.special.softmax([0.0, -INF, 1.0]))
        np.testing.assert_array_equal(softmax(x, temperature=0)[0], [0.0, 0.0, 0.0])
        np.testing.assert_array_equal(log_softmax(x)[0], [-INF] * 3)
        np.testing.assert_array_equal(log_softmax(x, temperature=0)[0], [-INF] * 3)
        assert logsumexp(x)[0] == -INF
        np.testing.assert_array_equal(softmax_jacobian(x)[0], np.zeros((3, 3)))
        # The loss of a masked row is honestly infinite, with or without smoothing.
        assert cross_entropy(x, [0, 2], reduction="none")[0] == INF
        assert cross_entropy(x, [0, 2], reduction="none", label_smoothing=0.1)[0] == INF
        with pytest.raises(ValueError, match="every logit is -inf"):
            sampling_probabilities(x[0])
        # The documented contrast: scipy and torch return nan for such a row.
        with quiet():
            assert np.isnan(scipy.special.softmax(x[0])).all()
        assert torch.softmax(torch.from_numpy(x[0]), dim=-1).isnan().all()

    @pytest.mark.parametrize("dtype", FLOAT_DTYPES)
    def test_huge_finite_values_do_not_overflow(self, dtype):
        big = np.finfo(dtype).max
        x = np.array([big, -big, 0.0, big], dtype=dtype)
        np.testing.assert_array_equal(softmax(x), np.array([0.5, 0, 0, 0.5], dtype=dtype))
        np.testing.assert_array_equal(softmax(x, precise=True), np.array([0.5, 0, 0, 0.5], dtype=dtype))
        np.testing.assert_array_equal(online_softmax(x, block_size=1), softmax(x))
        assert log_softmax(x)[0] == dtype(-np.log(2))
        assert log_softmax(x)[1] == -INF  # exactly -2 * max - log 2: itself out of range
        # big + log(2) rounds back to big: the naive log(sum(exp(x))) would be inf.
        assert logsumexp(x) == big
        with quiet():
            assert np.log(np.sum(np.exp(x))) == INF
        np.testing.assert_array_equal(softmax([1000, 2000, 3000]), [0.0, 0.0, 1.0])
        np.testing.assert_array_equal(log_softmax([0.0, -1000.0]), [0.0, -1000.0])


class TestTemperature:
    def test_zero_is_the_arg_max_limit_with_ties_split_evenly(self):
        x = np.array([[1.0, 3.0, 3.0, 2.0], [0.0, 5.0, 1.0, 5.0 - 1e-12], [4.0, 4.0, 4.0, 4.0]])
        expected = np.array([[0, 0.5, 0.5, 0], [0, 1, 0, 0], [0.25] * 4])
        np.testing.assert_array_equal(softmax(x, temperature=0), expected)
        np.testing.assert_array_equal(softmax(x, temperature=0, precise=True), expected)
        with quiet():
            np.testing.assert_array_equal(log_softmax(x, temperature=0), np.log(expected))
        # It is the limit of small temperatures (where the limit is reached in floating point).
        np.testing.assert_array_equal(softmax(x[:1], temperature=1e-3), expected[:1])
        np.testing.assert_array_equal(sampling_probabilities(x[0], temperature=0), expected[0])
        draws = sample(x[0], temperature=0, size=400, rng=0)
        assert set(np.unique(draws)) == {1, 2}
        assert sample([0.0, 2.0, 1.0], temperature=0) == 1

    @pytest.mark.parametrize("dtype", [np.float16, np.float32])
    def test_tiny_and_huge_temperatures_in_narrow_dtypes(self, dtype):
        # Regression: T used to be rounded to the input dtype, so 1e-300 became 0 (a nan row)
        # and 1e39 became inf (a uniform row in float32).
        x = np.array([1.0, 2.0, 3.0], dtype=dtype)
        np.testing.assert_array_equal(softmax(x, temperature=1e-300), [0, 0, 1])
        assert log_softmax(x, temperature=1e-300)[2] == 0
        for temperature in (1e5, 1e39):
            expected = scipy.special.softmax(np.float64(x) / temperature)
            np.testing.assert_allclose(softmax(x, temperature=temperature), expected, rtol=rel_tol(dtype))

    def test_temperature_equals_scaling_the_logits(self):
        x = np.random.default_rng(1).standard_normal((5, 7)) * 4
        for temperature in (0.25, 0.5, 2.0, 10.0):
            np.testing.assert_allclose(
                softmax(x, temperature=temperature), scipy.special.softmax(x / temperature, axis=-1), rtol=1e-13
            )
            np.testing.assert_allclose(
                log_softmax(x, temperature=temperature), scipy.special.log_softmax(x / temperature, axis=-1), rtol=1e-13
            )
            torch_result = torch.softmax(torch.from_numpy(x) / temperature, dim=-1).numpy()
            np.testing.assert_allclose(softmax(x, temperature=temperature, precise=True), torch_result, rtol=1e-13)
        np.testing.assert_allclose(mp_softmax(x, temperature=0.5), softmax(x, temperature=0.5), rtol=1e-13)

    @pytest.mark.parametrize("bad", [-1.0, -1e-300, np.nan, INF, -INF, "1", None, True, 1j])
    def test_bad_temperature_raises_naming_it_and_the_value(self, bad):
        calls = [
            lambda: softmax([1.0, 2.0], temperature=bad),
            lambda: softmax([1.0, 2.0], temperature=bad, precise=True),
            lambda: log_softmax([1.0, 2.0], temperature=bad),
            lambda: sampling_probabilities([1.0, 2.0], temperature=bad),
            lambda: sample([1.0, 2.0], temperature=bad, rng=0),
        ]
        for call in calls:
            with pytest.raises(ValueError, match=rf"temperature must be .*got {re.escape(repr(bad))}"):
                call()


class TestInvalidArguments:
    @pytest.mark.parametrize("top_p", [0, 0.0, -0.1, 1.0000001, 1.5, np.nan, INF, True, "0.9"])
    def test_top_p_outside_zero_one(self, top_p):
        with pytest.raises(ValueError, match=rf"top_p must be a number in \(0, 1\].*got {re.escape(repr(top_p))}"):
            sampling_probabilities([1.0, 2.0], top_p=top_p)
        with pytest.raises(ValueError, match="top_p"):
            sample([1.0, 2.0], top_p=top_p)

    def test_top_p_of_one_and_top_k_above_n_keep_everything(self):
        base = softmax([1.0, 2.0, 0.5])
        np.testing.assert_array_equal(sampling_probabilities([1.0, 2.0, 0.5], top_p=1.0), base)
        np.testing.assert_array_equal(sampling_probabilities([1.0, 2.0, 0.5], top_k=50), base)

    @pytest.mark.parametrize("top_k", [0, -1, 1.5, True, "2"])
    def test_top_k_must_be_a_positive_integer(self, top_k):
        with pytest.raises(ValueError, match=rf"top_k must be a positive integer.*got {re.escape(repr(top_k))}"):
            sampling_probabilities([1.0, 2.0], top_k=top_k)

    @pytest.mark.parametrize("min_p", [-0.1, 1.1, np.nan, True])
    def test_min_p_must_be_in_zero_one(self, min_p):
        with pytest.raises(ValueError, match="min_p must be a number in"):
            sampling_probabilities([1.0, 2.0], min_p=min_p)

    def test_sampling_needs_a_clean_1d_row(self):
        with pytest.raises(ValueError, match=r"1-D array, got shape \(1, 2\)"):
            sampling_probabilities([[1.0, 2.0]])
        with pytest.raises(ValueError, match="nan"):
            sampling_probabilities([1.0, np.nan])

    @pytest.mark.parametrize("size", [-1, (2, -1), 2.5, "3", True])
    def test_sample_size_must_be_a_shape(self, size):
        with pytest.raises(ValueError, match=rf"size must be .*got {re.escape(repr(size))}"):
            sample([1.0, 2.0], size=size, rng=0)

    @pytest.mark.parametrize("rng", [-3, "abc", 1.5, True])
    def test_sample_rng_must_be_a_generator_or_a_seed(self, rng):
        with pytest.raises(ValueError, match=rf"rng must be .*got {re.escape(repr(rng))}"):
            sample([1.0, 2.0], rng=rng)

    def test_sample_accepts_every_documented_rng_and_size(self):
        assert sample([1.0, 2.0], size=(2, 0), rng=0).shape == (2, 0)
        assert sample([1.0, 2.0], size=np.int64(3), rng=np.int64(4)).shape == (3,)
        assert sample([1.0, 2.0], size=[2], rng=np.random.default_rng(1)).shape == (2,)
        assert sample([1.0, 2.0], rng=np.random.SeedSequence(5)) in (0, 1)
        assert sample([1.0, 2.0]) in (0, 1)

    @pytest.mark.parametrize("target", [[2], [-1], [0, 7]])
    def test_target_class_out_of_range(self, target):
        logits = np.zeros((len(target), 2))
        bad = [t for t in target if not 0 <= t < 2][0]
        with pytest.raises(ValueError, match=rf"target class {bad} is out of range: classes are 0 to 1"):
            cross_entropy(logits, np.array(target))

    def test_shape_mismatches_name_both_shapes(self):
        with pytest.raises(ValueError, match=r"shape \(3,\).*\(3, 4\).*got shape \(2,\)"):
            cross_entropy(np.zeros((3, 4)), np.array([0, 1]))
        with pytest.raises(ValueError, match=r"\(3, 4\), got \(3, 5\)"):
            cross_entropy(np.zeros((3, 4)), np.full((3, 5), 0.2))
        with pytest.raises(ValueError, match=r"\(1, 2\), got \(2,\)"):
            cross_entropy([[1.0, 2.0]], [0.5, 0.5])

    def test_cross_entropy_arguments(self):
        with pytest.raises(ValueError, match="target class 0.5|probability rows"):
            cross_entropy([[1.0, 2.0]], [0.5])
        with pytest.raises(ValueError, match=r"sum to 1 .*1\.2"):
            cross_entropy([[1.0, 2.0]], [[0.7, 0.5]])
        with pytest.raises(ValueError, match="probabilities"):
            cross_entropy([[1.0, 2.0]], [[1.5, -0.5]])
        with pytest.raises(ValueError, match="dtype <U1"):
            cross_entropy([[1.0, 2.0]], np.array(["a"]))
        for smoothing in (-0.1, 1.5, np.nan, True):
            with pytest.raises(ValueError, match=rf"label_smoothing must be a number in \[0, 1\], got {smoothing!r}"):
                cross_entropy([[1.0, 2.0]], [0], label_smoothing=smoothing)
        with pytest.raises(ValueError, match="reduction must be one of .* got 'avg'"):
            cross_entropy([[1.0, 2.0]], [0], reduction="avg")
        with pytest.raises(ValueError, match="logits must have a class axis, got a scalar"):
            cross_entropy(1.0, 0)

    def test_axis_and_block_size(self):
        with pytest.raises(ValueError, match="axis=2 is out of range .* 2 dimensions"):
            softmax(np.zeros((2, 2)), axis=2)
        with pytest.raises(ValueError, match=r"axis must be an integer, a tuple of integers or None, got 1\.0"):
            log_softmax(np.zeros((2, 2)), axis=1.0)
        for axis in (True, np.True_, "0", [0]):
            with pytest.raises(ValueError, match=rf"^axis must be an integer.*got {re.escape(repr(axis))}$"):
                softmax(np.zeros((2, 2)), axis=axis)
        with pytest.raises(ValueError, match=r"axis=\(1, -1\) names an axis twice"):
            logsumexp(np.zeros((2, 2)), axis=(1, -1))
        with pytest.raises(ValueError, match="axis=1 is out of range for a 0-d array"):
            softmax(3.0, axis=1)
        with pytest.raises(ValueError, match="^axis must be an integer, got None$"):
            online_softmax([1.0], axis=None)
        for block_size in (0, -3, 2.0, True):
            with pytest.raises(ValueError, match=rf"^block_size must be a positive integer, got {block_size!r}$"):
                online_softmax([1.0, 2.0], block_size=block_size)
        np.testing.assert_array_equal(online_softmax([1.0, 2.0], block_size=np.int64(1)), softmax([1.0, 2.0]))
        with pytest.raises(ValueError, match="softmax_jacobian needs at least one dimension"):
            softmax_jacobian(1.0)
        for flag in (1, 0, "yes", None):
            with pytest.raises(ValueError, match=rf"^precise must be True or False, got {flag!r}$"):
                softmax([1.0], precise=flag)

    def test_cross_entropy_needs_one_class_axis(self):
        """Regression: axis=None reached np.moveaxis and raised a TypeError."""
        with pytest.raises(ValueError, match="^axis must be an integer, got None$"):
            cross_entropy(np.zeros((2, 3)), [0, 1], axis=None)
        for axis in ((0, 1), 1.0, True):
            with pytest.raises(ValueError, match="^axis must be an integer, got"):
                cross_entropy(np.zeros((2, 3)), [0, 1], axis=axis)
        assert cross_entropy(np.zeros((2, 3)), [0, 1], axis=np.int64(-1)) == pytest.approx(np.log(3))

    def test_entropy_arguments(self):
        with pytest.raises(ValueError, match="logits instead of probabilities"):
            entropy([1.0, 2.0])
        with pytest.raises(ValueError, match="finite, >= 0"):
            entropy([1.5, -0.5])
        for base in (1, 0, -2.0, np.nan, INF, True):
            with pytest.raises(ValueError, match=rf"base must be .* got {base!r}"):
                entropy([0.5, 0.5], base=base)


# Inputs that once made (or could make) numpy warn: overflow, 0/0, log(0), underflow.
WARNING_ZOO = [
    np.array([]),
    np.zeros((2, 0)),
    np.array([np.nan]),
    np.array([INF, INF]),
    np.array([-INF, -INF]),
    np.array([[INF, -INF, np.nan], [-INF, -INF, -INF], [0.0, 1.0, -INF]]),
    np.array([1e308, -1e308, 0.0]),
    np.array([5e-324, -5e-324, 0.0]),
    np.array([0.0, -744.0, -746.0, -1e4]),
    np.array([65504.0, -65504.0, 0.0], dtype=np.float16),
    np.array([3e38, -3e38, 1e-45], dtype=np.float32),
    np.array([[-100.0, 0.0, -87.0, -104.0]], dtype=np.float32),
    np.array([7, -3, 2]),
    np.array([True, False]),
    np.linspace(-800, 800, 24).reshape(2, 3, 4),
]


@pytest.mark.parametrize("x", WARNING_ZOO, ids=[f"zoo{i}" for i in range(len(WARNING_ZOO))])
def test_no_function_emits_a_runtime_warning(x):
    """Every public function on every awkward input: ValueError is fine, a warning is not.

    Run with numpy's error state set to warn on *everything* (underflow too), stricter than
    numpy's default.
    """
    calls = [
        lambda: softmax(x),
        lambda: softmax(x, precise=True),
        lambda: softmax(x, axis=0),
        lambda: softmax(x, axis=None),
        lambda: log_softmax(x),
        lambda: logsumexp(x),
        lambda: logsumexp(x, axis=None, keepdims=True),
        lambda: sigmoid(x),
        lambda: softmax_jacobian(x),
        lambda: online_softmax(x, block_size=1),
        lambda: entropy(softmax(x)),
        lambda: cross_entropy(np.atleast_2d(x), np.zeros(np.atleast_2d(x).shape[:-1], dtype=int)),
        lambda: cross_entropy(np.atleast_2d(x), softmax(np.atleast_2d(x)), label_smoothing=0.2),
        lambda: sampling_probabilities(x, top_k=2, top_p=0.5, min_p=0.1),
        lambda: sample(x, size=3, rng=0),
    ]
    for temperature in (0, 1e-300, 1e-3, 0.7, 1e300):
        calls.append(lambda t=temperature: softmax(x, temperature=t))
        calls.append(lambda t=temperature: log_softmax(x, temperature=t))
        calls.append(lambda t=temperature: sampling_probabilities(x, temperature=t, top_p=0.9))
    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error")
        for call in calls:
            try:
                call()
            except ValueError:
                pass  # a documented refusal (e.g. sampling a fully masked row)


# =========================================================================== 2. agreement


def random_and_adversarial_rows(dtype):
    """Named 2-D arrays of finite logits: random rows plus the cases that break naive code."""
    rng = np.random.default_rng(7)
    big = float(np.finfo(dtype).max)
    # Offsets near exp's underflow in the dtype, where shift-and-divide loses the most.
    edge = {np.float16: 15.0, np.float32: 100.0, np.float64: 740.0}[np.dtype(dtype).type]
    rows = {
        "normal": rng.standard_normal((6, 9)),
        "wide": rng.standard_normal((4, 33)) * 30,
        "one_dominant": np.array([[50.0, 0.0, 0.1, -0.1], [0.0, 0.0, 0.0, 60.0]]),
        "constant": np.full((2, 5), 3.25),
        "shifted": rng.standard_normal((3, 8)) + 1000.0,
        "huge": np.array([[big, big / 2, -big, 0.0]]),
        "tiny": np.array([[1e-30, -1e-30, 0.0, 2e-30]]),
        "near_underflow": np.array([[0.0, -edge / 2, -edge, -edge - 3]]),
        "single_class": np.array([[4.0], [-2.0]]),
    }
    return {name: np.asarray(row, dtype=dtype) for name, row in rows.items()}


ROW_CASES = [(dtype, name) for dtype in (np.float32, np.float64) for name in random_and_adversarial_rows(np.float64)]


@pytest.mark.parametrize(("dtype", "case"), ROW_CASES, ids=[f"{d.__name__}-{c}" for d, c in ROW_CASES])
class TestAgreement:
    def test_softmax(self, dtype, case):
        x = random_and_adversarial_rows(dtype)[case]
        with quiet():  # scipy's x - max overflows on the "huge" rows (to -inf: harmless there)
            expected = scipy.special.softmax(x, axis=-1)
            expected_axis0 = scipy.special.softmax(x, axis=0)
            expected_none = scipy.special.softmax(x, axis=None)
        tiny = np.finfo(dtype).tiny
        for result in (softmax(x), softmax(x, precise=True), online_softmax(x, block_size=3)):
            np.testing.assert_allclose(result, expected, rtol=rel_tol(dtype), atol=tiny)
            np.testing.assert_allclose(
                result, torch.softmax(torch.from_numpy(x), dim=-1).numpy(), rtol=rel_tol(dtype), atol=tiny
            )
        np.testing.assert_allclose(softmax(x, precise=True), mp_softmax(x), rtol=rel_tol(dtype), atol=tiny)
        # Other axes and axis=None go through the same kernels.
        np.testing.assert_allclose(softmax(x, axis=0), expected_axis0, rtol=rel_tol(dtype), atol=tiny)
        np.testing.assert_allclose(softmax(x, axis=None), expected_none, rtol=rel_tol(dtype), atol=tiny)

    def test_log_softmax(self, dtype, case):
        x = random_and_adversarial_rows(dtype)[case]
        result = log_softmax(x)
        with quiet():
            expected = scipy.special.log_softmax(x, axis=-1)
            expected_axis0 = scipy.special.log_softmax(x, axis=0)
        np.testing.assert_allclose(result, expected, rtol=rel_tol(dtype))
        np.testing.assert_allclose(result, torch.log_softmax(torch.from_numpy(x), dim=-1).numpy(), rtol=rel_tol(dtype))
        exact = mp_log_softmax(x)
        with quiet():
            finite = np.isfinite(exact.astype(dtype))  # -2 * float32 max overflows float32: -inf is right
        np.testing.assert_allclose(result[finite], exact[finite], rtol=rel_tol(dtype), atol=rel_tol(dtype))
        assert (result[~finite] == -INF).all()
        np.testing.assert_allclose(log_softmax(x, axis=0), expected_axis0, rtol=rel_tol(dtype))

    def test_logsumexp(self, dtype, case):
        x = random_and_adversarial_rows(dtype)[case]
        result = logsumexp(x)
        assert result.dtype == dtype
        with quiet():
            expected = scipy.special.logsumexp(x, axis=-1)
            expected_axis0 = scipy.special.logsumexp(x, axis=0, keepdims=True)
            expected_all = scipy.special.logsumexp(x)
        # Relative agreement, including results near 0 (log1p keeps them, as in scipy).
        np.testing.assert_allclose(result, expected, rtol=rel_tol(dtype))
        np.testing.assert_allclose(
            result, torch.logsumexp(torch.from_numpy(x), dim=-1).numpy(), rtol=rel_tol(dtype), atol=rel_tol(dtype)
        )
        np.testing.assert_allclose(result, mp_logsumexp(x), rtol=rel_tol(dtype))
        np.testing.assert_allclose(logsumexp(x, axis=0, keepdims=True), expected_axis0, rtol=rel_tol(dtype))
        np.testing.assert_allclose(logsumexp(x, axis=None), expected_all, rtol=rel_tol(dtype))

    def test_sigmoid(self, dtype, case):
        x = random_and_adversarial_rows(dtype)[case]
        result = sigmoid(x)
        tiny = np.finfo(dtype).tiny
        np.testing.assert_allclose(result, scipy.special.expit(x), rtol=rel_tol(dtype), atol=tiny)
        np.testing.assert_allclose(result, torch.sigmoid(torch.from_numpy(x)).numpy(), rtol=rel_tol(dtype), atol=tiny)
        np.testing.assert_allclose(result, mp_sigmoid(x), rtol=rel_tol(dtype), atol=tiny)

    def test_softmax_jacobian_matches_torch_autograd(self, dtype, case):
        x = random_and_adversarial_rows(dtype)[case]
        if not np.isfinite(x).all() or np.abs(x).max() > 1e30:
            pytest.skip("autograd through huge logits is not the point here")
        result = softmax_jacobian(x)
        assert result.shape == x.shape + x.shape[-1:]
        for row, jacobian in zip(x, result):
            expected = torch.autograd.functional.jacobian(
                lambda t: torch.softmax(t, dim=-1), torch.from_numpy(row.copy())
            )
            # Absolute tolerance: the diagonal s(1 - s) cancels when s is near 1, in torch too.
            np.testing.assert_allclose(jacobian, expected.numpy(), rtol=rel_tol(dtype), atol=8 * np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_every_float_dtype_agrees_with_torch(dtype):
    x = np.random.default_rng(3).standard_normal((4, 6)).astype(dtype) * 3
    tensor = torch.from_numpy(x)
    np.testing.assert_allclose(softmax(x), torch.softmax(tensor, -1).numpy(), rtol=rel_tol(dtype), atol=1e-4)
    np.testing.assert_allclose(log_softmax(x), torch.log_softmax(tensor, -1).numpy(), rtol=rel_tol(dtype), atol=1e-3)
    np.testing.assert_allclose(logsumexp(x), torch.logsumexp(tensor, -1).numpy(), rtol=rel_tol(dtype))
    np.testing.assert_allclose(sigmoid(x), torch.sigmoid(tensor).numpy(), rtol=rel_tol(dtype), atol=1e-4)


def test_blocked_rows_and_layouts_equal_scipy_bit_for_bit():
    """Arrays larger than any cache block (many blocks with a remainder, one row larger than a
    block), views, Fortran order, every axis of a 3-D array, tuples of axes and ``None``: the
    default does scipy's operations, so float64 and float32 results are scipy's, bit for bit."""
    rng = np.random.default_rng(11)
    arrays = [
        rng.standard_normal((1100, 1000)),  # 8.8 MB: several cache blocks and a remainder
        rng.standard_normal((2, 600_000)),  # 4.8 MB rows: each larger than a block
        np.asfortranarray(rng.standard_normal((40, 30))),
        rng.standard_normal((40, 60))[::2, ::3],
        rng.standard_normal((30, 50)).astype(np.float32)[::-1],
    ]
    for x in arrays:
        np.testing.assert_array_equal(softmax(x), scipy.special.softmax(x, axis=-1))
        np.testing.assert_array_equal(log_softmax(x), scipy.special.log_softmax(x, axis=-1))
    x3 = rng.standard_normal((3, 4, 5))
    for axis in (0, 1, 2, -2, (0, 2), (1, 2), None):
        for layout in (x3, np.asfortranarray(x3), x3.transpose(1, 0, 2)):
            np.testing.assert_array_equal(softmax(layout, axis=axis), scipy.special.softmax(layout, axis=axis))
            np.testing.assert_array_equal(log_softmax(layout, axis=axis), scipy.special.log_softmax(layout, axis=axis))
            np.testing.assert_allclose(
                logsumexp(layout, axis=axis), scipy.special.logsumexp(layout, axis=axis), rtol=1e-14
            )
    for axis in (0, 1, 2, -2):
        np.testing.assert_allclose(
            online_softmax(x3, axis=axis, block_size=2), scipy.special.softmax(x3, axis=axis), rtol=1e-13
        )
        np.testing.assert_allclose(
            entropy(softmax(x3, axis=axis), axis=axis),
            scipy.stats.entropy(softmax(x3, axis=axis), axis=axis),
            rtol=1e-13,
        )


def test_non_finite_rows_in_every_block_get_their_limit():
    """Rows needing the limit (nan, +inf, all -inf) scattered over an array of many cache blocks."""
    rng = np.random.default_rng(12)
    n = 50
    x = rng.standard_normal((24_000, n))  # 9.6 MB
    nan_rows, inf_rows, masked_rows = rng.choice(x.shape[0], size=(3, 6), replace=False)
    x[nan_rows, 7] = np.nan
    x[inf_rows, 3] = x[inf_rows, n - 1] = INF
    x[masked_rows] = -INF
    special = np.zeros(x.shape[0], dtype=bool)
    special[np.concatenate([nan_rows, inf_rows, masked_rows])] = True
    for name, function in ELEMENTWISE_ROW_FUNCTIONS.items():
        result = function(x)
        np.testing.assert_array_equal(result[special], np.array([function(row) for row in x[special]]), err_msg=name)
        assert np.isnan(result[nan_rows]).all(), name
    probabilities = softmax(x)
    np.testing.assert_array_equal(probabilities[inf_rows][:, [3, n - 1]], 0.5)
    assert probabilities[inf_rows].sum() == len(inf_rows)
    np.testing.assert_array_equal(probabilities[masked_rows], 0.0)
    # The ordinary rows around them are untouched: scipy's values, bit for bit.
    np.testing.assert_array_equal(probabilities[~special], scipy.special.softmax(x[~special], axis=-1))
    np.testing.assert_array_equal(log_softmax(x)[~special], scipy.special.log_softmax(x[~special], axis=-1))


class TestCrossEntropyAgainstTorch:
    @pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 1.0])
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_class_index_targets(self, reduction, label_smoothing, dtype):
        rng = np.random.default_rng(5)
        logits = (rng.standard_normal((7, 5)) * 4).astype(dtype)
        target = rng.integers(0, 5, size=7)
        ours = cross_entropy(logits, target, label_smoothing=label_smoothing, reduction=reduction)
        theirs = torch.nn.functional.cross_entropy(
            torch.from_numpy(logits), torch.from_numpy(target), label_smoothing=label_smoothing, reduction=reduction
        )
        assert np.shape(ours) == tuple(theirs.shape) and np.asarray(ours).dtype == dtype
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=rel_tol(dtype))

    @pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
    def test_probability_targets(self, reduction, label_smoothing):
        rng = np.random.default_rng(6)
        logits = rng.standard_normal((6, 4)) * 3
        target = softmax(rng.standard_normal((6, 4)))
        target[0] = [0, 1, 0, 0]  # a one-hot row among soft rows
        ours = cross_entropy(logits, target, label_smoothing=label_smoothing, reduction=reduction)
        theirs = torch.nn.functional.cross_entropy(
            torch.from_numpy(logits), torch.from_numpy(target), label_smoothing=label_smoothing, reduction=reduction
        )
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-13)

    def test_class_axis_one_with_extra_dimensions(self):
        # torch's layout (N, C, d1): our axis=1.
        rng = np.random.default_rng(8)
        logits = rng.standard_normal((3, 4, 5))
        target = rng.integers(0, 4, size=(3, 5))
        for reduction in ("mean", "none"):
            ours = cross_entropy(logits, target, axis=1, reduction=reduction, label_smoothing=0.05)
            theirs = torch.nn.functional.cross_entropy(
                torch.from_numpy(logits), torch.from_numpy(target), reduction=reduction, label_smoothing=0.05
            )
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-13)
        soft = softmax(rng.standard_normal((3, 4, 5)), axis=1)
        ours = cross_entropy(logits, soft, axis=1, reduction="none")
        theirs = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(soft), reduction="none")
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-13)

    def test_equals_minus_the_mpmath_log_probability(self):
        logits = np.array([[2.0, 1.0, 0.1], [0.3, 3.0, 1.0], [-700.0, 0.0, 40.0]])
        target = np.array([0, 1, 0])
        expected = -mp_log_softmax(logits)[np.arange(3), target]
        np.testing.assert_allclose(cross_entropy(logits, target, reduction="none"), expected, rtol=1e-15)
        assert cross_entropy(logits, target, reduction="none")[2] == 740.0  # finite, no log(0)


def test_entropy_agrees_with_scipy():
    rng = np.random.default_rng(9)
    p = softmax(rng.standard_normal((5, 8)) * 3)
    p[0] = [1, 0, 0, 0, 0, 0, 0, 0]
    np.testing.assert_allclose(entropy(p), scipy.special.entr(p).sum(axis=-1), rtol=1e-14)
    np.testing.assert_allclose(entropy(p), scipy.stats.entropy(p, axis=-1), rtol=1e-14)
    np.testing.assert_allclose(entropy(p, base=2), scipy.stats.entropy(p, base=2, axis=-1), rtol=1e-14)
    np.testing.assert_allclose(entropy(p.T, axis=0), scipy.stats.entropy(p.T, axis=0), rtol=1e-14)
    assert entropy(p[0]) == 0.0
    assert entropy(np.full(8, 1 / 8)) == pytest.approx(np.log(8), rel=1e-15)


# =========================================================================== 3. properties

finite_rows = hnp.arrays(
    np.float64,
    st.integers(1, 24),
    elements=st.floats(allow_nan=False, allow_infinity=False),
)
moderate_rows = hnp.arrays(np.float64, st.integers(1, 24), elements=st.floats(-1e3, 1e3))


@FAST
@given(finite_rows)
def test_sums_to_one_for_any_finite_row(x):
    for result in (softmax(x), softmax(x, precise=True), online_softmax(x, block_size=4)):
        assert (result >= 0).all() and (result <= 1).all()
        assert abs(result.sum() - 1) <= 4 * x.size * np.finfo(np.float64).eps


@FAST
@given(moderate_rows, st.floats(-1e3, 1e3))
def test_shift_invariance(x, shift):
    np.testing.assert_allclose(softmax(x + shift), softmax(x), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(logsumexp(x + shift), logsumexp(x) + shift, rtol=1e-12, atol=1e-9)


@FAST
@given(finite_rows)
def test_order_is_kept(x):
    order = np.argsort(x, kind="stable")
    for result in (softmax(x), softmax(x, precise=True), log_softmax(x)):
        ordered = result[order]
        assert (ordered[1:] >= ordered[:-1]).all()  # compare, not diff: -inf - -inf is nan


@FAST
@given(hnp.arrays(np.float64, st.integers(1, 24), elements=st.floats(-1e4, 1e4)))
def test_log_softmax_is_the_log_of_softmax_where_that_is_finite(x):
    probabilities = softmax(x)
    usable = probabilities >= np.finfo(np.float64).tiny  # log of a subnormal has lost digits
    with quiet():
        expected = np.log(probabilities)
    np.testing.assert_allclose(log_softmax(x)[usable], expected[usable], rtol=1e-12, atol=1e-12)


@FAST
@given(st.floats(allow_nan=False) | st.floats(-50, 50))
def test_softmax_of_x_and_zero_is_sigmoid(x):
    np.testing.assert_array_max_ulp(softmax([x, 0.0])[0], sigmoid(x), maxulp=1)
    with quiet():
        x32 = np.float32(x)
    if np.isfinite(x32):
        np.testing.assert_array_max_ulp(softmax(np.array([x32, 0], dtype=np.float32))[0], sigmoid(x32), maxulp=1)


@FAST
@given(hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-30, 30)))
def test_jacobian_equals_torch_autograd(x):
    expected = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=-1), torch.from_numpy(x.copy()))
    jacobian = softmax_jacobian(x)
    np.testing.assert_allclose(jacobian, expected.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(jacobian.sum(axis=-1), 0, atol=1e-15)
    np.testing.assert_array_equal(jacobian, jacobian.T)


special_values = st.sampled_from([INF, -INF, np.nan, 1e308, -1e308, 0.0])


@FAST
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 3), st.integers(1, 40)), elements=st.floats(-800, 800) | special_values
    ),
    st.integers(1, 50),
)
def test_online_softmax_equals_softmax_for_any_block_size(x, block_size):
    np.testing.assert_allclose(online_softmax(x, block_size=block_size), softmax(x), rtol=1e-12, atol=1e-300)


logit_lists = hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(-10, 10))


@FAST
@given(logit_lists, st.integers(1, 14), st.sampled_from([0.5, 1.0, 2.0]))
def test_top_k_keeps_the_k_most_probable_and_ties(logits, k, temperature):
    base = softmax(logits, temperature=temperature)
    result = sampling_probabilities(logits, top_k=k, temperature=temperature)
    kth = np.sort(base)[::-1][min(k, base.size) - 1]
    kept = result > 0
    np.testing.assert_array_equal(kept, base >= kth)
    np.testing.assert_allclose(result[kept], base[kept] / base[kept].sum(), rtol=1e-12)


@FAST
@given(logit_lists, st.floats(1e-6, 1.0))
def test_top_p_keeps_the_smallest_most_probable_set_reaching_p(logits, top_p):
    base = softmax(logits)
    result = sampling_probabilities(logits, top_p=top_p)
    kept = result > 0
    assert kept.any()
    mass = base[kept].sum()
    assert mass >= top_p * (1 - 1e-9)  # it reaches p
    assert mass - base[kept].min() < top_p * (1 + 1e-9)  # and no kept class is spare
    if (~kept).any():
        assert base[kept].min() >= base[~kept].max()  # the most probable classes
    np.testing.assert_allclose(result[kept], base[kept] / mass, rtol=1e-12)


@FAST
@given(logit_lists, st.floats(0.0, 1.0))
def test_min_p_keeps_classes_near_the_top(logits, min_p):
    base = softmax(logits)
    result = sampling_probabilities(logits, min_p=min_p)
    kept = result > 0
    np.testing.assert_array_equal(kept, base >= min_p * base.max())
    np.testing.assert_allclose(result[kept], base[kept] / base[kept].sum(), rtol=1e-12)


def test_filters_apply_in_the_documented_order():
    """Temperature, then top-k, then top-p, then min-p, renormalising after each filter."""
    logits = np.array([3.0, 2.5, 2.0, 1.0, 0.0])
    # T = 0.5 doubles the logits: [6, 5, 4, 2, 0]. Top-3 keeps [6, 5, 4], with masses
    # [0.665, 0.245, 0.090]; top-p 0.8 then needs the first two (0.665 < 0.8 <= 0.910), and
    # renormalised they are softmax([6, 5]) = [sigmoid(1), sigmoid(-1)] = [0.731, 0.269].
    two_kept = [sigmoid(1.0), sigmoid(-1.0), 0.0, 0.0, 0.0]
    np.testing.assert_allclose(
        sampling_probabilities(logits, temperature=0.5, top_k=3, top_p=0.8), two_kept, rtol=1e-12
    )
    # min-p 0.3 keeps both (0.269 >= 0.3 * 0.731); min-p 0.5 drops the second.
    np.testing.assert_allclose(
        sampling_probabilities(logits, temperature=0.5, top_k=3, top_p=0.8, min_p=0.3), two_kept, rtol=1e-12
    )
    np.testing.assert_array_equal(
        sampling_probabilities(logits, temperature=0.5, top_k=3, top_p=0.8, min_p=0.5), [1.0, 0, 0, 0, 0]
    )
    # Top-p before top-k would give something else: top-p 0.8 alone also keeps two here, but
    # top-k 1 after it must leave only the first.
    np.testing.assert_array_equal(
        sampling_probabilities(logits, temperature=0.5, top_k=1, top_p=0.8), [1.0, 0, 0, 0, 0]
    )


@pytest.mark.parametrize(
    "filters",
    [{}, {"temperature": 0.5}, {"temperature": 3.0}, {"top_k": 3}, {"top_p": 0.8}, {"min_p": 0.1}, {"temperature": 0}],
    ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "plain",
)
def test_sample_frequencies_match_sampling_probabilities(filters):
    logits = np.array([2.0, 1.0, 0.1, 2.0, -1.0, 0.5])
    probabilities = sampling_probabilities(logits, **filters)
    draws = sample(logits, size=20_000, rng=np.random.default_rng(2024), **filters)
    assert draws.dtype == np.int64 and draws.shape == (20_000,)
    counts = np.bincount(draws, minlength=logits.size)
    assert (counts[probabilities == 0] == 0).all()
    possible = probabilities > 0
    assert possible.sum() >= 2  # every setting here leaves a real choice (T=0 has a tie)
    # Seeded, so deterministic; a wrong distribution gives p-values around 1e-100 at this size.
    assert scipy.stats.chisquare(counts[possible], probabilities[possible] * draws.size).pvalue > 1e-4
    assert isinstance(sample(logits, rng=1, **filters), int)
    np.testing.assert_array_equal(
        sample(logits, size=(2, 3), rng=5, **filters), sample(logits, size=(2, 3), rng=5, **filters)
    )


# =========================================================================== 4. accuracy (ULP)

SCALES = (1e-3, 1.0, 30.0, 1e3)
ROWS_PER_SCALE, ROW_LENGTH = 4, 256
LONG_ROW_LENGTHS = (124, 1000, 4476)
# precise=True, float64: faithfully rounded (the error is below 1 ULP by construction: the long
# double computation's error is far below half a float64 ULP); measured against the exact value,
# 0.5007 ULP on the long rows below, up to 0.511 ULP on others (softmax_teach.numerics's Notes).
PRECISE_FLOAT64_MEASURED_ULP = 0.52
LONG_DOUBLE_IS_WIDER = np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant


def ulp_rows(dtype):
    """N(0,1) rows times each scale, plus rows spread down to exp's underflow (subnormal results)."""
    rng = np.random.default_rng(1234)
    scales = np.repeat(SCALES, ROWS_PER_SCALE)[:, None]
    rows = rng.standard_normal((scales.size, ROW_LENGTH)) * scales
    floor = {np.float16: -18.0, np.float32: -104.0, np.float64: -745.0}[dtype]
    underflow = rng.uniform(floor, 0.0, size=(4, ROW_LENGTH))
    underflow[:, 0] = 0.0
    return np.clip(np.concatenate([rows, underflow]), -6e4, 6e4).astype(dtype)


def layouts(rows):
    """The same rows in every memory layout: ``(name, array, axis, back)``, ``back`` mapping the
    result to the rows' layout again."""
    n_rows, n = rows.shape
    strided = np.zeros((2 * n_rows, 3 * n), dtype=rows.dtype)
    strided[::2, ::3] = rows
    three_d = np.ascontiguousarray(rows.reshape(n_rows // 2, 2, n).transpose(0, 2, 1))
    return [
        ("C order", rows, -1, lambda r: r),
        ("Fortran order", np.asfortranarray(rows), -1, lambda r: r),
        ("strided view", strided[::2, ::3], -1, lambda r: r),
        ("reversed view", rows[:, ::-1], -1, lambda r: r[:, ::-1]),
        ("axis 0, C order", np.ascontiguousarray(rows.T), 0, lambda r: r.T),
        ("axis 0, Fortran order", rows.T, 0, lambda r: r.T),
        ("3-D, middle axis", three_d, 1, lambda r: r.transpose(0, 2, 1).reshape(n_rows, n)),
    ]


@pytest.fixture(scope="module", params=FLOAT_DTYPES, ids=lambda d: d.__name__)
def ulp_case(request):
    dtype = request.param
    x = ulp_rows(dtype)
    x64 = x.astype(np.float64)
    return dtype, x, mp_softmax(x64), mp_log_softmax(x64)


LAYOUT_NAMES = [name for name, *_ in layouts(np.zeros((2, 2)))]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_default_is_never_less_accurate_than_scipy_on_any_element(ulp_case, layout):
    """Element by element against the mpmath reference, in every memory layout and along any
    axis (the kit once summed Fortran-ordered rows in another order than scipy: 585 of 2,000
    elements worse, by up to 7 ULP)."""
    dtype, rows, exact, exact_log = ulp_case
    _, x, axis, back = next(item for item in layouts(rows) if item[0] == layout)
    measurable = exact.astype(dtype) != 0
    assert measurable.sum() > 0.5 * x.size  # the comparison covers many elements
    for ours, theirs, reference, name in (
        (softmax(x, axis=axis), scipy.special.softmax(x, axis=axis), exact, "softmax"),
        (log_softmax(x, axis=axis), scipy.special.log_softmax(x, axis=axis), exact_log, "log_softmax"),
    ):
        ours, theirs = back(ours), back(theirs)
        if dtype != np.float16:  # scipy's operations in scipy's order: the same bits
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{name}, {layout}")
        keep = measurable if name == "softmax" else np.isfinite(reference.astype(dtype))
        worse = ulp_error(ours, reference)[keep] > ulp_error(theirs, reference)[keep]
        assert not worse.any(), f"{name}, {layout}: {worse.sum()} elements less accurate than scipy"
    # Underflowed exact values: at most the smallest subnormal comes out.
    smallest = np.finfo(dtype).smallest_subnormal
    assert (np.abs(back(softmax(x, axis=axis))[~measurable]) <= smallest).all()


@pytest.mark.parametrize("layout", ["C order", "Fortran order", "axis 0, C order"])
def test_float16_is_computed_in_float32_and_within_one_ulp(layout):
    """float16 used to be computed in float16 (softmax 8.9 ULP off, log_softmax 18.6)."""
    rows = ulp_rows(np.float16)
    _, x, axis, back = next(item for item in layouts(rows) if item[0] == layout)
    x64 = rows.astype(np.float64)
    exact, exact_log = mp_softmax(x64, dtype=np.float16), mp_log_softmax(x64, dtype=np.float16)
    exact_lse = mp_logsumexp(x64, dtype=np.float16)
    ours = back(softmax(x, axis=axis))
    assert ours.dtype == np.float16
    assert max_ulp_error(ours, exact) <= 1.0
    assert max_ulp_error(back(log_softmax(x, axis=axis)), exact_log) <= 1.0
    assert max_ulp_error(logsumexp(x, axis=axis), exact_lse) <= 1.0
    # In float16 itself (scipy) the errors are several ULP; torch accumulates in float32 too.
    assert max_ulp_error(scipy.special.softmax(rows, axis=-1), exact) > 2.0
    torch_result = torch.softmax(torch.from_numpy(rows), dim=-1).numpy()
    assert max_ulp_error(torch_result, exact) <= 1.0


def long_rows(dtype):
    rng = np.random.default_rng(2026)
    rows = [rng.standard_normal(n) * scale for n in LONG_ROW_LENGTHS for scale in SCALES[1:]]
    return [np.clip(row, -6e4, 6e4).astype(dtype) for row in rows]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("function", ["softmax", "log_softmax"])
def test_precise_bound_on_long_rows(dtype, function):
    """The documented bound of ``precise=True``, on rows of 124 to 4,476 classes: float16/float32
    correctly rounded on every element; float64 within its measured bound."""
    ours_function, reference = {"softmax": (softmax, mp_softmax), "log_softmax": (log_softmax, mp_log_softmax)}[
        function
    ]
    if dtype == np.float64 and not LONG_DOUBLE_IS_WIDER:
        pytest.skip("this platform's long double is float64: precise float64 is not wider here")
    not_correctly_rounded = total = 0
    for x in long_rows(dtype):
        ours = ours_function(x, precise=True)
        exact = reference(x.astype(np.float64), dtype=object)  # mpmath numbers, not rounded
        correctly_rounded = np.array([round_once(v, dtype) for v in exact]).astype(dtype)
        wrong = ours != correctly_rounded
        total += x.size
        not_correctly_rounded += wrong.sum()
        if wrong.any():
            errors = ulp_error(ours[wrong], exact[wrong])
            assert errors.max() <= PRECISE_FLOAT64_MEASURED_ULP, errors.max()
    if dtype == np.float64:
        assert not_correctly_rounded <= total / 1000
    else:
        assert not_correctly_rounded == 0


def test_precise_softmax_with_a_temperature():
    x = np.random.default_rng(4).standard_normal((4, 64)).astype(np.float32) * 30
    exact = mp_softmax(x.astype(np.float64), temperature=0.7, dtype=np.float32)
    np.testing.assert_array_equal(softmax(x, temperature=0.7, precise=True), exact)
    exact_log = mp_log_softmax(x.astype(np.float64), temperature=0.7, dtype=np.float32)
    np.testing.assert_array_equal(log_softmax(x, temperature=0.7, precise=True), exact_log)


def test_precise_matters_where_the_default_loses_accuracy():
    """Why precise exists: shift-and-divide (scipy's and the default) is hundreds of ULP off at
    large scales, and log_softmax of a dominant class loses every digit."""
    x = ulp_rows(np.float64)
    exact = mp_softmax(x)
    assert max_ulp_error(softmax(x), exact) > 50
    assert max_ulp_error(softmax(x, precise=True), exact) <= 1
    dominant = np.array([0.0, -50.0])
    assert log_softmax(dominant)[0] == 0.0  # -exp(-50) rounded away, as in scipy
    assert log_softmax(dominant, precise=True)[0] == mp_log_softmax(dominant)[0] == -np.exp(-50.0)


# =========================================================================== 5. doctests


def test_module_doctests_pass():
    failures, attempted = doctest.testmod(numerics, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted >= 10 and failures == 0


def test_one_hot_matches_torch_and_names_bad_labels():
    labels = np.array([[2, 0], [1, 1]])
    np.testing.assert_array_equal(one_hot(labels, 3), torch.nn.functional.one_hot(torch.tensor(labels), 3).numpy())
    assert one_hot([1], 2, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="label 3 is out of range: classes are 0 to 2"):
        one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="integer class indices"):
        one_hot([0.5], 3)
    with pytest.raises(ValueError, match="n_classes"):
        one_hot([0], True)


# =========================================================================== 6. scipy's features, 0-d input


class TestZeroDimensionalInput:
    """A scalar used to raise with the default axis; scipy and torch return a value."""

    @pytest.mark.parametrize("axis", [-1, 0, None, ()])
    def test_a_scalar_gives_a_scalar(self, axis):
        assert softmax(3.0, axis=axis) == 1.0 and np.ndim(softmax(3.0, axis=axis)) == 0
        assert log_softmax(3.0, axis=axis) == 0.0 and np.ndim(log_softmax(3.0, axis=axis)) == 0
        assert logsumexp(3.0, axis=axis) == 3.0 and np.ndim(logsumexp(3.0, axis=axis)) == 0

    def test_like_torch_and_scipy_and_with_the_edge_cases(self):
        for value in (-2.5, 0.0, 700.0):
            tensor = torch.tensor(value, dtype=torch.float64)
            assert softmax(value) == torch.softmax(tensor, dim=-1).item() == scipy.special.softmax(value)
            assert log_softmax(value) == torch.log_softmax(tensor, dim=-1).item()
            assert logsumexp(value) == torch.logsumexp(tensor, dim=-1).item() == scipy.special.logsumexp(value)
        assert softmax(np.float32(2.0)).dtype == np.float32 and logsumexp(np.float16(2.0)).dtype == np.float16
        assert np.isnan(softmax(np.nan)) and np.isnan(log_softmax(np.nan)) and np.isnan(logsumexp(np.nan))
        assert softmax(INF) == 1.0 and log_softmax(INF) == 0.0 and logsumexp(INF) == INF
        assert softmax(-INF) == 0.0 and log_softmax(-INF) == -INF and logsumexp(-INF) == -INF  # fully masked
        assert softmax(5.0, temperature=0) == 1.0
        assert logsumexp(2.0, b=-3.0, return_sign=True) == (2.0 + np.log(3.0), -1.0)


class TestLogsumexpLikeScipy:
    """Tuple axes, weights ``b`` (negative too) and ``return_sign``, as in scipy.special.logsumexp."""

    @pytest.mark.parametrize("axis", [0, 1, 2, -1, (0, 1), (0, 2), (1, 2), (2, 0, 1), None])
    @pytest.mark.parametrize("keepdims", [False, True])
    def test_axes_and_weights_match_scipy(self, axis, keepdims):
        rng = np.random.default_rng(13)
        x = rng.standard_normal((3, 4, 5)) * 5
        b = rng.uniform(0.1, 2.0, size=(3, 4, 5))
        expected = scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)
        ours = logsumexp(x, axis=axis, keepdims=keepdims)
        assert np.shape(ours) == np.shape(expected)
        np.testing.assert_allclose(ours, expected, rtol=1e-14)
        np.testing.assert_allclose(
            logsumexp(x, axis=axis, b=b, keepdims=keepdims),
            scipy.special.logsumexp(x, axis=axis, b=b, keepdims=keepdims),
            rtol=1e-14,
        )
        np.testing.assert_allclose(
            logsumexp(x, axis, b[0], keepdims), scipy.special.logsumexp(x, axis, b[0], keepdims), rtol=1e-14
        )

    def test_signed_sums_and_log_mean_exp(self):
        rng = np.random.default_rng(14)
        x = rng.standard_normal((6, 7)) * 3
        b = rng.standard_normal((6, 7))  # negative weights: some sums are negative
        value, sign = logsumexp(x, b=b, return_sign=True)
        expected_value, expected_sign = scipy.special.logsumexp(x, axis=-1, b=b, return_sign=True)
        np.testing.assert_allclose(value, expected_value, rtol=1e-13)
        np.testing.assert_array_equal(sign, expected_sign)
        assert (sign < 0).any() and (sign > 0).any()
        exact = np.log(np.abs(np.sum(b * np.exp(x), axis=-1)))
        np.testing.assert_allclose(value, exact, rtol=1e-12)
        # Without return_sign a negative sum has no real log: nan, as in scipy.
        plain = logsumexp(x, b=b)
        np.testing.assert_array_equal(np.isnan(plain), sign < 0)
        # log-mean-exp: b = 1/n.
        np.testing.assert_allclose(logsumexp(x, b=1 / 7), np.log(np.mean(np.exp(x), axis=-1)), rtol=1e-13)

    def test_weight_edge_cases(self):
        # A zero weight removes its entry, even inf or nan (as in scipy).
        assert logsumexp([1.0, INF, np.nan], b=[1.0, 0.0, 0.0]) == 1.0
        # A sum of exactly 0: -inf with sign 0.
        assert logsumexp([1.0, 1.0], b=[1.0, -1.0], return_sign=True) == (-INF, 0.0)
        # +inf with a negative weight: log|sum| is inf, the sign -1; without return_sign, nan.
        assert logsumexp([INF], b=[-1.0], return_sign=True) == (INF, -1.0)
        assert np.isnan(logsumexp([INF], b=[-1.0]))
        assert logsumexp([], return_sign=True) == (-INF, 0.0)
        # The result's dtype is the common float type of x and b.
        assert logsumexp(np.ones(3, np.float32), b=np.ones(3, np.float32)).dtype == np.float32
        assert logsumexp(np.ones(3, np.float32), b=np.ones(3)).dtype == np.float64
        assert logsumexp(np.ones(3, np.float16), b=np.ones(3, np.float16)).dtype == np.float16

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match=r"^b of shape \(2,\) does not broadcast to x of shape \(3,\)$"):
            logsumexp([1.0, 2.0, 3.0], b=[1.0, 2.0])
        with pytest.raises(ValueError, match="^b must be real numbers"):
            logsumexp([1.0], b=[1j])
        for flag in ("return_sign", "keepdims"):
            with pytest.raises(ValueError, match=rf"^{flag} must be True or False, got 1$"):
                logsumexp([1.0], **{flag: 1})

    @pytest.mark.parametrize("axis", [(0, 1), (1, 2), None, (0, 2)])
    def test_softmax_over_a_tuple_of_axes_is_scipys(self, axis):
        x = np.random.default_rng(15).standard_normal((3, 4, 5)) * 4
        np.testing.assert_array_equal(softmax(x, axis=axis), scipy.special.softmax(x, axis=axis))
        np.testing.assert_array_equal(log_softmax(x, axis=axis), scipy.special.log_softmax(x, axis=axis))
        np.testing.assert_allclose(softmax(x, axis=axis, precise=True), scipy.special.softmax(x, axis=axis), rtol=1e-13)
        np.testing.assert_allclose(
            np.exp(logsumexp(x, axis=axis, keepdims=True)) * softmax(x, axis=axis), np.exp(x), rtol=1e-12
        )


def test_the_docstrings_state_scipys_default_axis():
    """The docstring once said the default axis was the last "as in scipy.special.softmax"."""
    assert "as in ``scipy.special.softmax``" not in numerics.__doc__
    assert "scipy's default is different" in numerics.__doc__.replace("**", "").lower()
    for function in (softmax, log_softmax, logsumexp):
        assert "scipy's default is ``None``" in function.__doc__, function.__name__
