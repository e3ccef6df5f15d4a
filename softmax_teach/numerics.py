"""Exact, stable softmax numerics in plain numpy.

Every function here is checked against a reference library in ``tests/test_numerics.py``
(scipy.special, torch, and a 50-digit mpmath reference in :mod:`softmax_teach.reference`).
Nothing here imports torch.

Conventions shared by every function
------------------------------------
``axis`` names the class axis (default: the last one, as in ``scipy.special.softmax`` and
``torch.softmax(dim=-1)``). ``axis=None`` treats the whole array as one distribution.

Edge cases, decided once (each row has a test in ``tests/test_numerics.py``):

=============================  =============================================================
input                          result
=============================  =============================================================
integer or bool array          computed and returned as float64
float16 / float32 / float64    the same dtype comes back
complex, object, strings       ``ValueError`` naming ``x``
an empty class axis            ``softmax``/``log_softmax``: an empty array of the same shape;
                               ``logsumexp``: ``-inf`` (the log of an empty sum);
                               ``entropy``, ``sample``: ``ValueError`` (no distribution)
``nan`` anywhere in a row      that whole row is ``nan``; other rows are unaffected
``+inf`` entries in a row      the limit: the ``+inf`` entries share the mass equally, the
                               rest get 0 (``softmax([inf, 1]) == [1, 0]``); ``logsumexp`` is
                               ``+inf``
a row of all ``-inf``          "fully masked": ``softmax`` gives zeros, ``log_softmax`` gives
                               ``-inf``, ``logsumexp`` gives ``-inf`` (see Notes)
huge finite values (1e308)     exact: the max is subtracted first, so nothing overflows but
                               a result that is itself out of range (``log_softmax`` -2e308)
``temperature=0``              the arg-max limit: ties at the maximum share the mass evenly
``temperature`` < 0, nan, inf  ``ValueError`` naming ``temperature`` and the value
``top_p`` outside (0, 1]       ``ValueError``; ``top_k`` < 1 too (``top_k`` > n keeps all)
``target`` class out of range  ``ValueError`` naming the class and the range
shapes that do not match       ``ValueError`` with both shapes
any other bad argument         ``ValueError`` naming it and the value (``axis``,
                               ``block_size``, ``min_p``, ``label_smoothing``,
                               ``reduction``, ``base``, ``size``, ``rng``,
                               ``n_classes``, ``labels``)
any input at all               no numpy ``RuntimeWarning``
=============================  =============================================================

Notes
-----
A fully masked row has three conventions in the wild: ``nan`` (``scipy.special.softmax``,
``torch.softmax``), zeros (JAX's ``softmax(where=...)``, torch's fused attention kernels), or
an error. This package returns zeros: a masked query then contributes nothing downstream
instead of spreading ``nan`` through a whole batch, and ``cross_entropy`` still reports such a
row honestly as an infinite loss.

Accuracy is measured in ULPs against a 50-digit mpmath reference (``tests/test_numerics.py``,
``bench/bench_numerics.py``): an exact value that underflows to 0 in the dtype is not measured,
a subnormal one counts in subnormal ULPs (see :func:`softmax_teach.reference.max_ulp_error`).
Shift-and-divide loses accuracy where ``x - max`` is large: its rounding error becomes a relative
error of ``exp`` (hundreds of ULPs near underflow, in scipy and torch alike); ``precise=True``
removes it.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "exp_limits",
    "one_hot",
    "softmax",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "cross_entropy",
    "softmax_jacobian",
    "online_softmax",
    "entropy",
    "sampling_probabilities",
    "sample",
]

# Rows are processed in blocks of about this many bytes so that the max, subtract, exp, sum and
# divide passes over one block hit the cache instead of memory. Measured by CPU time on a
# 2-core AMD EPYC (512 KiB L2 per core, 32 MiB L3), natively (AVX-512) and under the AVX2
# emulation: 1 to 4 MiB are about equally good; smaller blocks pay numpy's per-call overhead
# more often (256 KiB is 5-15% slower, 64 KiB up to 25%), and float32 rows of 1,000 lose most.
_BLOCK_BYTES = 2 * 1024 * 1024


# --------------------------------------------------------------------------- validation


def _as_float_array(x, name="x"):
    """Return ``x`` as a float array: integers and bools become float64, floats keep dtype."""
    array = np.asarray(x)
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise ValueError(f"{name} must be real numbers, got an array of dtype {array.dtype}")
    return array


def _check_axis(array, axis, name="axis"):
    if axis is None:
        return None
    if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
        raise ValueError(f"{name} must be an integer or None, got {axis!r}")
    if array.ndim == 0:
        raise ValueError(f"{name}={axis} needs an array with at least one dimension, got a scalar")
    if not -array.ndim <= axis < array.ndim:
        raise ValueError(f"{name}={axis} is out of range for an array with {array.ndim} dimensions")
    return int(axis) % array.ndim


def _check_temperature(temperature):
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise ValueError(f"temperature must be a real number >= 0, got {temperature!r}")
    value = float(temperature)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"temperature must be finite and >= 0, got {temperature!r}")
    return value


def _flatten_for_axis_none(function):
    """Run ``function(x_1d, axis=-1)`` on the flattened array and restore the shape."""

    def run(array, *args, **kwargs):
        return function(array.reshape(-1), *args, **kwargs).reshape(array.shape)

    return run


# --------------------------------------------------------------------------- row kernels
# Each kernel takes a float array whose class axis is the last one and fills ``out``.


def _fix_special_rows(x, out, row_max, log):
    """Overwrite rows whose max is not finite (nan, +inf or all -inf) with their limit."""
    special = ~np.isfinite(row_max[..., 0])
    if not special.any():
        return
    rows = x[special]
    has_nan = np.isnan(rows).any(axis=-1, keepdims=True)
    is_top = rows == np.inf
    count = is_top.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        probability = np.where(count > 0, is_top / np.maximum(count, 1), 0.0)
        value = np.log(probability) if log else probability
    out[special] = np.where(has_nan, np.nan, value)


def _shift_and_scale(x, row_max, out, temperature):
    """Write ``(x - row_max) / temperature`` into ``out``.

    The temperature stays a float64 scalar (numpy would otherwise round a Python float to
    ``x``'s dtype): in float16/float32 a tiny ``T`` would become 0 (and the row ``nan``), a huge
    one ``inf``, and any other would carry a rounding error into every shifted logit.
    """
    np.subtract(x, row_max, out=out)
    if temperature != 1.0:
        np.divide(out, np.float64(temperature), out=out)


def _softmax_kernel(x, out, temperature, row_max):
    """Softmax of finite rows into ``out``; ``row_max`` receives each row's max.

    Rows whose max is not finite come out wrong here and are fixed afterwards, once for the
    whole array, by :func:`_fix_special_rows` (cheaper than checking every block).
    """
    np.max(x, axis=-1, keepdims=True, out=row_max)
    if temperature == 0.0:
        is_top = x == row_max
        np.divide(is_top, is_top.sum(axis=-1, keepdims=True), out=out)
    else:
        _shift_and_scale(x, row_max, out, temperature)
        np.exp(out, out=out)
        np.divide(out, out.sum(axis=-1, keepdims=True), out=out)


def _log_softmax_kernel(x, out, temperature, row_max):
    """Log-softmax of finite rows into ``out`` (see :func:`_softmax_kernel`)."""
    np.max(x, axis=-1, keepdims=True, out=row_max)
    if temperature == 0.0:
        is_top = x == row_max
        np.log(is_top / is_top.sum(axis=-1, keepdims=True), out=out)
    else:
        _shift_and_scale(x, row_max, out, temperature)
        np.subtract(out, np.log(np.exp(out).sum(axis=-1, keepdims=True)), out=out)


def _softmax_precise_kernel(x, out, temperature, row_max):
    """Softmax in a wider type, rounded once at the end.

    The shifted logit ``x - max`` is where shift-and-divide loses accuracy: its rounding error
    becomes a relative error of the probability (about 250 ULP near exp's underflow). Doing the
    subtraction, exp, sum and division in float64 (for float16/32 input) or in the platform's
    long double (80-bit on x86-64, 128-bit on aarch64 Linux) for float64 input removes it.
    """
    wide = np.longdouble if x.dtype.itemsize >= 8 else np.float64
    wide_out = np.empty(x.shape, dtype=wide)
    wide_max = np.empty(row_max.shape, dtype=wide)
    _softmax_kernel(x.astype(wide), wide_out, temperature, wide_max)
    out[...] = wide_out
    row_max[...] = wide_max  # exact: the max of widened values is a value of x


def _apply_rowwise(kernel, x, axis, temperature, *, log):
    """Apply a last-axis kernel along ``axis``, in cache-sized row blocks where that is cheap.

    ``log`` says whether the kernel returns log-probabilities (for the non-finite rows' limit).
    """
    out = np.empty(x.shape, dtype=x.dtype)
    if x.size == 0:
        return out
    with np.errstate(all="ignore"):  # every non-finite case is handled explicitly
        if axis == x.ndim - 1 and x.flags.c_contiguous:
            n = x.shape[-1]
            rows_in = x.reshape(-1, n)
            rows_out = out.reshape(-1, n)
            row_max = np.empty((rows_in.shape[0], 1), dtype=x.dtype)
            step = max(1, _BLOCK_BYTES // (n * x.itemsize))
            for start in range(0, rows_in.shape[0], step):
                block = slice(start, start + step)
                kernel(rows_in[block], rows_out[block], temperature, row_max[block])
        else:
            rows_in = np.moveaxis(x, axis, -1)
            rows_out = np.moveaxis(out, axis, -1)
            row_max = np.empty(rows_in.shape[:-1] + (1,), dtype=x.dtype)
            kernel(rows_in, rows_out, temperature, row_max)
        _fix_special_rows(rows_in, rows_out, row_max, log=log)
    return out


# --------------------------------------------------------------------------- public API


def softmax(x, axis=-1, *, temperature=1.0, precise=False):
    r"""Softmax along ``axis``: ``exp(x / T) / sum(exp(x / T))``, computed stably.

    Parameters
    ----------
    x : array_like
        Logits (scores). Integer input is computed in float64; float16/32/64 keep their dtype.
    axis : int or None, optional
        The class axis (default: last). ``None`` normalises over all elements.
    temperature : float, optional
        ``T >= 0``; ``T < 1`` sharpens, ``T > 1`` flattens, ``T = 0`` is the arg-max limit
        (ties share the mass evenly).
    precise : bool, optional
        Compute in a wider type and round once: within 1 ULP of the exact result for
        float16/float32 (computed in float64) and 4 ULP for float64 (computed in the platform's
        long double; where that is no wider than float64, as on Windows and macOS on arm64,
        float64 gains nothing). About 3x slower for float32, 8x for float64. The default is
        shift-and-divide in the input dtype with the same operations as
        ``scipy.special.softmax``, so never less accurate than it, but in cache-sized blocks:
        about 1.5x faster for float32; for float64, where ``exp`` dominates, little faster.

    Returns
    -------
    ndarray
        Probabilities of the same shape, summing to 1 along ``axis`` (a fully masked row of all
        ``-inf`` gives zeros; a row with ``nan`` gives ``nan``).

    Raises
    ------
    ValueError
        For a non-real ``x``, an ``axis`` out of range or a bad ``temperature``.

    Notes
    -----
    The max of each row is subtracted before ``exp`` (the log-sum-exp trick), so no finite input
    overflows. See the module docstring for every edge case.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_teach import softmax
    >>> np.round(softmax([2.0, 1.0, 0.1]), 4)
    array([0.659 , 0.2424, 0.0986])
    >>> softmax([1000, 2000, 3000])
    array([0., 0., 1.])
    >>> softmax([1.0, 1.0, 0.0], temperature=0)
    array([0.5, 0.5, 0. ])
    """
    x = _as_float_array(x)
    axis = _check_axis(x, axis)
    temperature = _check_temperature(temperature)
    if axis is None:
        return _flatten_for_axis_none(softmax)(x, temperature=temperature, precise=precise)
    kernel = _softmax_precise_kernel if precise else _softmax_kernel
    return _apply_rowwise(kernel, x, axis, temperature, log=False)


def log_softmax(x, axis=-1, *, temperature=1.0):
    r"""Logarithm of :func:`softmax`, computed as ``z - logsumexp(z)`` with ``z = (x - max) / T``.

    Unlike ``np.log(softmax(x))`` it stays finite where a probability underflows to 0:
    ``log_softmax([0, -1000])`` is ``[0, -1000]``, not ``[0, -inf]``.

    Parameters
    ----------
    x : array_like
        Logits; integers become float64, float dtypes are kept.
    axis : int or None, optional
        The class axis (default: last).
    temperature : float, optional
        As in :func:`softmax`; at ``T = 0`` the arg-max entries get ``-log(ties)``, the rest
        ``-inf``.

    Returns
    -------
    ndarray
        Log-probabilities, same shape and dtype as ``x``. A fully masked row gives ``-inf``;
        a row with ``nan`` gives ``nan``.

    Examples
    --------
    >>> from softmax_teach import log_softmax
    >>> log_softmax([0.0, -1000.0])
    array([    0., -1000.])
    """
    x = _as_float_array(x)
    axis = _check_axis(x, axis)
    temperature = _check_temperature(temperature)
    if axis is None:
        return _flatten_for_axis_none(log_softmax)(x, temperature=temperature)
    return _apply_rowwise(_log_softmax_kernel, x, axis, temperature, log=True)


def logsumexp(x, axis=-1, *, keepdims=False):
    r"""``log(sum(exp(x)))`` along ``axis`` without overflow: ``m + log(sum(exp(x - m)))``.

    Parameters
    ----------
    x : array_like
        Values; integers become float64, float dtypes are kept.
    axis : int or None, optional
        Axis to reduce (default: last); ``None`` reduces everything.
    keepdims : bool, optional
        Keep the reduced axis with length 1, as in numpy.

    Returns
    -------
    ndarray or numpy scalar
        ``-inf`` for an empty axis or a row of all ``-inf``; ``+inf`` if a row holds ``+inf``;
        ``nan`` if it holds ``nan``.

    Examples
    --------
    >>> from softmax_teach import logsumexp
    >>> float(logsumexp([1000.0, 1000.0]))  # 1000 + log 2, where np.log(np.sum(np.exp(x))) is inf
    1000.6931471805599
    """
    x = _as_float_array(x)
    axis = _check_axis(x, axis)
    if axis is None:
        result = logsumexp(x.reshape(-1), axis=-1)
        return result.reshape((1,) * x.ndim) if keepdims else result
    with np.errstate(all="ignore"):
        if x.shape[axis] == 0:
            result = np.full(x.shape[:axis] + (1,) + x.shape[axis + 1 :], -np.inf, dtype=x.dtype)
        else:
            row_max = x.max(axis=axis, keepdims=True)
            finite_max = np.where(np.isfinite(row_max), row_max, 0).astype(x.dtype)
            shifted = np.exp(x - finite_max)
            # One max entry contributes exactly exp(0) = 1: leave it out of the sum and add it
            # back with log1p, so that log(1 + rest) keeps the digits of a small rest that
            # 1 + rest would round away (logsumexp([0, -370]) is 2e-161, not 0).
            np.put_along_axis(shifted, np.argmax(x, axis=axis, keepdims=True), 0, axis=axis)
            result = np.log1p(shifted.sum(axis=axis, keepdims=True)) + finite_max
            # Rows whose max is not finite have their limit: -inf (all -inf), inf, or nan.
            result = np.where(np.isfinite(row_max), result, row_max).astype(x.dtype)
    return result if keepdims else np.squeeze(result, axis=axis)[()]


def sigmoid(x):
    r"""The logistic sigmoid ``1 / (1 + exp(-x))``, without overflow for any input.

    For ``x < 0`` it uses ``exp(x) / (1 + exp(x))``, so ``exp`` only ever sees ``-|x|``.
    ``sigmoid(x) == softmax([x, 0])[0]``.

    Parameters
    ----------
    x : array_like
        Any real values; integers become float64, float dtypes are kept.

    Returns
    -------
    ndarray or numpy scalar
        Values in [0, 1]: ``sigmoid(inf) = 1``, ``sigmoid(-inf) = 0``, ``nan`` stays ``nan``.

    Examples
    --------
    >>> from softmax_teach import sigmoid
    >>> sigmoid([-1000.0, 0.0, 1000.0])
    array([0. , 0.5, 1. ])
    """
    x = _as_float_array(x)
    with np.errstate(all="ignore"):
        decay = np.exp(-np.abs(x))
        result = np.where(x >= 0, 1 / (1 + decay), decay / (1 + decay)).astype(x.dtype)
        result = np.where(np.isnan(x), np.nan, result).astype(x.dtype)
    return result[()]


_REDUCTIONS = ("mean", "sum", "none")


def cross_entropy(logits, target, *, axis=-1, label_smoothing=0.0, reduction="mean"):
    r"""Cross-entropy of ``target`` under ``softmax(logits)``, from :func:`log_softmax`.

    Matches ``torch.nn.functional.cross_entropy`` (with the class axis last by default).

    Parameters
    ----------
    logits : array_like
        Scores of shape ``(..., C)`` (the class axis is ``axis``).
    target : array_like
        Either integer class indices of the logits' shape without the class axis, or
        probability rows of the logits' shape (floats, each row non-negative and summing to 1,
        e.g. one-hot).
    axis : int, optional
        The class axis of ``logits`` (default: last).
    label_smoothing : float, optional
        ``eps`` in [0, 1]: the target becomes ``(1 - eps) * target + eps / C``.
    reduction : {"mean", "sum", "none"}, optional
        ``"none"`` returns one loss per sample. The mean of an empty batch is ``nan``.

    Returns
    -------
    float or ndarray
        In nats. A sample whose target class has probability 0 (a masked logit) has loss
        ``inf``.

    Raises
    ------
    ValueError
        For a class index out of range, a float target whose shape is not the logits' shape,
        target rows that are not probabilities, shapes that do not match, a bad
        ``label_smoothing`` or ``reduction``.

    Examples
    --------
    >>> from softmax_teach import cross_entropy
    >>> round(float(cross_entropy([[2.0, 1.0, 0.1], [0.3, 3.0, 1.0]], [0, 1])), 4)
    0.3007
    """
    logits = _as_float_array(logits, "logits")
    if logits.ndim == 0:
        raise ValueError("logits must have a class axis, got a scalar")
    axis = _check_axis(logits, axis)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if (
        isinstance(label_smoothing, bool)
        or not isinstance(label_smoothing, numbers.Real)
        or not (0.0 <= float(label_smoothing) <= 1.0)
    ):
        raise ValueError(f"label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    logits = np.moveaxis(logits, axis, -1)
    n_classes = logits.shape[-1]
    target_probabilities = _target_as_probabilities(np.asarray(target), logits, axis)
    eps = float(label_smoothing)
    if eps:
        with np.errstate(under="ignore"):  # a tiny target probability may underflow to 0: fine
            target_probabilities = (1 - eps) * target_probabilities + eps / n_classes
    log_probabilities = log_softmax(logits, axis=-1)
    with np.errstate(all="ignore"):
        # 0 * log(0) counts as 0: a class the target never names costs nothing.
        terms = np.where(target_probabilities > 0, target_probabilities * log_probabilities, 0.0)
    losses = (-terms.sum(axis=-1)).astype(logits.dtype)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return logits.dtype.type(losses.sum())
    return logits.dtype.type(losses.mean()) if losses.size else logits.dtype.type(np.nan)


def exp_limits(dtype):
    """The three x values where ``exp(x)`` changes regime in ``dtype``.

    Parameters
    ----------
    dtype : numpy floating dtype

    Returns
    -------
    dict
        ``zero_below`` (below it exp rounds to 0), ``subnormal_below`` (below it the result is
        subnormal, with fewer significant bits) and ``inf_above`` (above it exp overflows).
        The last two are the natural logs of ``np.finfo(dtype).smallest_normal`` and ``.max``.
        ``zero_below`` is ``log(smallest_subnormal / 2)``, not ``log(smallest_subnormal)``:
        rounding to nearest sends anything above half the smallest subnormal up to it, so
        ``exp(x)`` is still non-zero for about ``ln 2`` below ``log(smallest_subnormal)``.

    Examples
    --------
    >>> round(exp_limits(np.float64)["zero_below"], 2)
    -745.13
    >>> float(np.exp(-745.1)) > 0
    True
    """
    info = np.finfo(dtype)
    return {
        "zero_below": float(np.log(float(info.smallest_subnormal)) - np.log(2.0)),
        "subnormal_below": float(np.log(float(info.smallest_normal))),
        "inf_above": float(np.log(float(info.max))),
    }


def one_hot(labels, n_classes, *, dtype=float):
    """One-hot rows for integer ``labels`` in ``0 .. n_classes - 1``: row ``i`` has a 1 at ``labels[i]``.

    Parameters
    ----------
    labels : array_like of int
        Class indices, any shape.
    n_classes : int
        Number of classes (>= 1).
    dtype : numpy dtype, optional
        Of the result (default float64).

    Returns
    -------
    ndarray
        Shape ``labels.shape + (n_classes,)``.

    Raises
    ------
    ValueError
        For non-integer labels, or a label out of range (naming the label and the range).

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    from softmax_teach import _validation

    n_classes = _validation.positive_int(n_classes, "n_classes")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    out_of_range = (labels < 0) | (labels >= n_classes)
    if out_of_range.any():
        bad = labels[out_of_range].flat[0]
        raise ValueError(f"label {bad} is out of range: classes are 0 to {n_classes - 1}")
    return (labels[..., None] == np.arange(n_classes)).astype(dtype)


def _target_as_probabilities(target, logits, axis):
    n_classes = logits.shape[-1]
    if target.dtype.kind in "iu":
        expected = logits.shape[:-1]
        if target.shape != expected:
            raise ValueError(
                f"integer target (class indices) must have shape {expected}, the logits' shape "
                f"{logits.shape} without the class axis; got shape {target.shape}"
            )
        out_of_range = (target < 0) | (target >= n_classes)
        if out_of_range.any():
            bad = target[out_of_range].flat[0]
            raise ValueError(f"target class {bad} is out of range: classes are 0 to {n_classes - 1}")
        return one_hot(target, n_classes, dtype=logits.dtype)
    if target.dtype.kind == "b" or target.dtype.kind == "f":
        target = np.moveaxis(target.astype(logits.dtype), axis, -1) if target.ndim == logits.ndim else target
        if target.shape != logits.shape:
            raise ValueError(
                f"a float target holds probability rows and must have the logits' shape "
                f"{logits.shape}, got {target.shape} (class indices must be integers)"
            )
        _check_probability_rows(target, "target")
        return target.astype(logits.dtype)
    raise ValueError(f"target must be integer class indices or probability rows, got dtype {target.dtype}")


def _check_probability_rows(p, name):
    """Raise unless every row of ``p`` (last axis) is non-negative, finite and sums to 1."""
    if p.size == 0 and p.shape[-1] != 0:
        return
    finite = np.isfinite(p) | np.isnan(p)
    if not finite.all() or (p < 0).any():
        raise ValueError(
            f"{name} must hold probabilities (finite, >= 0), got values like {p[~finite | (p < 0)].flat[0]}"
        )
    totals = p.sum(axis=-1, dtype=np.float64)
    tolerance = np.sqrt(np.finfo(p.dtype).eps) * max(1.0, np.sqrt(p.shape[-1]))
    bad = ~np.isnan(totals) & (np.abs(totals - 1) > tolerance)
    if bad.any():
        raise ValueError(
            f"each row of {name} must sum to 1 along the class axis; a row sums to "
            f"{totals[bad].flat[0]:.6g} (did you pass logits instead of probabilities?)"
        )


def softmax_jacobian(x):
    r"""Jacobian of softmax over the last axis: ``J[..., i, j] = s_i (delta_ij - s_j)``.

    Parameters
    ----------
    x : array_like
        Logits of shape ``(..., n)``.

    Returns
    -------
    ndarray
        Shape ``(..., n, n)``, symmetric, each row summing to 0 (the probabilities cannot all
        grow at once). Same dtype rules as :func:`softmax`.

    Examples
    --------
    >>> from softmax_teach import softmax_jacobian
    >>> softmax_jacobian([0.0, 0.0])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    x = _as_float_array(x)
    if x.ndim == 0:
        raise ValueError("softmax_jacobian needs at least one dimension, got a scalar")
    s = softmax(x, axis=-1)
    with np.errstate(under="ignore"):  # products of tiny probabilities underflow to 0, correctly
        jacobian = -s[..., :, None] * s[..., None, :]
        diagonal = np.einsum("...ii->...i", jacobian)
        diagonal += s
    return jacobian


def online_softmax(x, axis=-1, *, block_size=128):
    r"""Softmax from one streaming pass over blocks (Milakov & Gimelshein, 2018).

    The normaliser is built block by block with a running max ``m`` and a running sum ``l``
    that is rescaled by ``exp(m_old - m_new)`` whenever the max grows, so the data is read once
    to normalise instead of twice; a second, element-wise pass writes ``exp(x - m) / l``. This
    is the idea behind FlashAttention's tiling.

    Parameters
    ----------
    x : array_like
        Logits; integers become float64, float dtypes are kept.
    axis : int, optional
        The class axis (default: last).
    block_size : int, optional
        Elements per block (>= 1).

    Returns
    -------
    ndarray
        Equal to :func:`softmax` up to rounding, with the same edge-case behaviour.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_teach import online_softmax, softmax
    >>> x = np.linspace(-3, 3, 10)
    >>> bool(np.allclose(online_softmax(x, block_size=3), softmax(x)))
    True
    """
    x = _as_float_array(x)
    axis = _check_axis(x, axis)
    if axis is None:
        raise ValueError("online_softmax needs an integer axis, got None")
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral) or block_size < 1:
        raise ValueError(f"block_size must be a positive integer, got {block_size!r}")
    rows = np.moveaxis(x, axis, -1)
    out = np.empty_like(rows)
    if x.size == 0:
        return np.moveaxis(out, -1, axis)
    with np.errstate(all="ignore"):
        running_max = np.full(rows.shape[:-1] + (1,), -np.inf, dtype=x.dtype)
        running_sum = np.zeros_like(running_max)
        for start in range(0, rows.shape[-1], block_size):
            block = rows[..., start : start + block_size]
            new_max = np.maximum(running_max, block.max(axis=-1, keepdims=True))
            # Where the max is still -inf nothing has been seen: keep the sum at 0, not nan.
            safe_max = np.where(np.isfinite(new_max), new_max, 0).astype(x.dtype)
            rescale = np.where(running_sum > 0, np.exp(running_max - safe_max), 0)
            running_sum = running_sum * rescale + np.exp(block - safe_max).sum(axis=-1, keepdims=True)
            running_max = new_max
        np.subtract(rows, running_max, out=out)
        np.exp(out, out=out)
        np.divide(out, running_sum, out=out)
        _fix_special_rows(rows, out, running_max, log=False)
    return np.moveaxis(out, -1, axis)


def entropy(p, axis=-1, *, base=None):
    r"""Shannon entropy ``-sum(p log p)`` of probability rows, with ``0 log 0 = 0``.

    Parameters
    ----------
    p : array_like
        Probabilities: non-negative, each row summing to 1 along ``axis`` (a row that does not
        raises, since entropy of logits is a common mistake).
    axis : int, optional
        The class axis (default: last).
    base : float, optional
        Logarithm base: ``None`` or ``e`` for nats, ``2`` for bits.

    Returns
    -------
    ndarray or numpy scalar
        Between 0 (one certain class) and ``log(n)`` (uniform). A row with ``nan`` gives ``nan``.

    Examples
    --------
    >>> from softmax_teach import entropy
    >>> float(entropy([0.5, 0.5], base=2))
    1.0
    """
    p = _as_float_array(p, "p")
    axis = _check_axis(p, axis)
    if axis is None:
        return entropy(p.reshape(-1), base=base)
    if base is not None:
        if (
            isinstance(base, bool)
            or not isinstance(base, numbers.Real)
            or not (np.isfinite(base) and base > 0 and base != 1)
        ):
            raise ValueError(f"base must be a positive finite number other than 1, got {base!r}")
    rows = np.moveaxis(p, axis, -1)
    _check_probability_rows(rows, "p")
    with np.errstate(all="ignore"):
        terms = np.where(rows > 0, -rows * np.log(rows), 0.0)
        terms = np.where(np.isnan(rows), np.nan, terms)
    result = terms.sum(axis=-1).astype(p.dtype)
    if base is not None:
        result = (result / np.log(base)).astype(p.dtype)
    return result[()]


def _check_filters(top_k, top_p, min_p):
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 1):
        raise ValueError(f"top_k must be a positive integer or None, got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, numbers.Real) or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be a number in (0, 1] or None, got {top_p!r}")
    if min_p is not None and (isinstance(min_p, bool) or not isinstance(min_p, numbers.Real) or not 0 <= min_p <= 1):
        raise ValueError(f"min_p must be a number in [0, 1] or None, got {min_p!r}")


def sampling_probabilities(logits, *, temperature=1.0, top_k=None, top_p=None, min_p=None):
    r"""The distribution :func:`sample` draws from, after temperature and the filters.

    Order (as in common LLM samplers): temperature, then top-k, then top-p (nucleus), then
    min-p, renormalising after each filter. Classes cut by a filter get probability 0.

    Parameters
    ----------
    logits : array_like
        1-D scores of ``n`` classes, no ``nan``, at least one entry above ``-inf``.
    temperature : float, optional
        ``>= 0``; 0 is greedy (ties share the mass evenly).
    top_k : int, optional
        Keep the ``k`` most probable classes (classes tied with the k-th are all kept;
        ``k > n`` keeps all).
    top_p : float in (0, 1], optional
        Keep the smallest set of most probable classes whose mass reaches ``top_p`` (always at
        least one).
    min_p : float in [0, 1], optional
        Keep classes whose probability is at least ``min_p`` times the largest.

    Returns
    -------
    ndarray
        float64 probabilities of shape ``(n,)`` summing to 1.

    Examples
    --------
    >>> from softmax_teach import sampling_probabilities
    >>> sampling_probabilities([2.0, 1.0, 0.1], top_k=1)
    array([1., 0., 0.])
    """
    logits = _as_float_array(logits, "logits").astype(np.float64)
    temperature = _check_temperature(temperature)
    _check_filters(top_k, top_p, min_p)
    if logits.ndim != 1 or logits.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D array, got shape {logits.shape}")
    if np.isnan(logits).any():
        raise ValueError("logits contain nan: there is no distribution to sample from")
    if np.all(logits == -np.inf):
        raise ValueError("every logit is -inf: no class has a nonzero probability")
    probabilities = softmax(logits, temperature=temperature)
    # A stable sort keeps equal probabilities in index order, so ties resolve reproducibly.
    order = np.argsort(-probabilities, kind="stable")
    if top_k is not None and top_k < logits.size:
        kth = probabilities[order[top_k - 1]]
        probabilities = np.where(probabilities >= kth, probabilities, 0.0)
        probabilities /= probabilities.sum()
    if top_p is not None:
        cumulative = np.cumsum(probabilities[order])
        # Keep every class needed to reach top_p: those whose mass before them is below it.
        keep_sorted = (cumulative - probabilities[order]) < top_p * (1 - 1e-12)
        keep = np.zeros(logits.size, dtype=bool)
        keep[order[keep_sorted]] = True
        probabilities = np.where(keep, probabilities, 0.0)
        probabilities /= probabilities.sum()
    if min_p is not None:
        probabilities = np.where(probabilities >= min_p * probabilities.max(), probabilities, 0.0)
        probabilities /= probabilities.sum()
    return probabilities


def _check_size(size):
    if size is None:
        return
    dims = (size,) if isinstance(size, numbers.Integral) else size
    valid = isinstance(dims, (tuple, list)) and all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 0 for d in dims
    )
    if isinstance(size, bool) or not valid:
        raise ValueError(f"size must be None, a non-negative integer or a tuple of them, got {size!r}")


def _as_generator(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    seed_like = (np.random.SeedSequence, np.random.BitGenerator)
    if (
        rng is None
        or isinstance(rng, seed_like)
        or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0)
    ):
        return np.random.default_rng(rng)
    raise ValueError(f"rng must be a numpy Generator, a non-negative integer seed or None, got {rng!r}")


def sample(logits, *, temperature=1.0, top_k=None, top_p=None, size=None, rng=None, min_p=None):
    r"""Draw class indices from ``softmax(logits / temperature)`` after top-k/top-p/min-p.

    Parameters
    ----------
    logits : array_like
        1-D scores (see :func:`sampling_probabilities`).
    temperature, top_k, top_p, min_p
        See :func:`sampling_probabilities`.
    size : int or tuple of int, optional
        ``None`` draws one index (a Python int); otherwise an int64 array of that shape.
    rng : numpy.random.Generator or int or None, optional
        A generator or a seed, for reproducible draws.

    Returns
    -------
    int or ndarray of int64

    Examples
    --------
    >>> from softmax_teach import sample
    >>> sample([2.0, 1.0, 0.1], temperature=0)
    0
    >>> sample([2.0, 1.0, 0.1], size=5, rng=0)
    array([0, 0, 0, 0, 1])
    """
    _check_size(size)
    generator = _as_generator(rng)
    probabilities = sampling_probabilities(logits, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)
    draws = generator.choice(probabilities.size, size=size, p=probabilities)
    return int(draws) if size is None else draws.astype(np.int64)
