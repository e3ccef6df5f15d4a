"""Exact, stable softmax numerics in plain numpy.

Every function here is checked against a reference library in ``tests/test_numerics.py``
(scipy.special, torch, and a 50-digit mpmath reference in :mod:`softmax_teach.reference`);
``tests/test_scipy_logsumexp.py`` runs scipy's own test file against ``softmax``,
``log_softmax`` and ``logsumexp``. Nothing here imports torch. The row kernels, the cache
blocking and the wide (precise) paths live in the private module ``softmax_teach._kernels``;
every argument check goes through ``softmax_teach._validation``.

Conventions shared by every function
------------------------------------
``axis`` names the class axis. Its default is the last axis, as in ``torch.softmax(dim=-1)``
and in a batch of logit rows. **scipy's default is different**: ``scipy.special.softmax``,
``log_softmax`` and ``logsumexp`` default to ``axis=None``, the whole array as one
distribution. Pass ``axis=None`` here for scipy's behaviour; ``softmax``, ``log_softmax`` and
``logsumexp`` also take a tuple of axes, as scipy does.

Edge cases, decided once (each row has a test in ``tests/test_numerics.py``):

=============================  =============================================================
input                          result
=============================  =============================================================
integer or bool array          computed and returned as float64
float32 / float64              the same dtype comes back, computed in that dtype
float16                        computed in float32 (as torch does), rounded once to float16
complex, object, strings       ``ValueError`` naming ``x``
0-d input (a scalar)           a 0-d result: ``softmax`` 1, ``log_softmax`` 0,
                               ``logsumexp`` the value (``axis`` -1, 0, ``()`` or ``None``)
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
``logsumexp`` weights ``b``    ``log(sum(b * exp(x)))``; a weight of 0 removes its entry (even
                               ``inf`` or ``nan``); a negative total is ``nan``, or its
                               ``log(abs)`` with sign -1 when ``return_sign=True``; a total of 0
                               is ``-inf`` with sign 0
``temperature=0``              the arg-max limit: ties at the maximum share the mass evenly
``temperature`` < 0, nan, inf  ``ValueError`` naming ``temperature`` and the value
``top_p`` outside (0, 1]       ``ValueError``; ``top_k`` < 1 too (``top_k`` > n keeps all)
``target`` class out of range  ``ValueError`` naming the class and the range
shapes that do not match       ``ValueError`` with both shapes
any other bad argument         ``ValueError`` naming it and the value (``axis``, ``b``,
                               ``block_size``, ``min_p``, ``label_smoothing``,
                               ``reduction``, ``base``, ``size``, ``rng``,
                               ``n_classes``, ``labels``); numpy integers count as integers,
                               bools never do
any input at all               no numpy ``RuntimeWarning``
=============================  =============================================================

Notes
-----
A fully masked row has three conventions in the wild: ``nan`` (``scipy.special.softmax``,
``torch.softmax``), zeros (JAX's ``softmax(where=...)``, torch's fused attention kernels), or
an error. This package returns zeros: a masked query then contributes nothing downstream
instead of spreading ``nan`` through a whole batch, and ``cross_entropy`` still reports such a
row honestly as an infinite loss.

Accuracy is measured in ULPs against a 50-digit mpmath reference rounded once to the result's
dtype (``tests/test_numerics.py``, ``bench/bench_numerics.py``): an exact value that underflows
to 0 in the dtype is not measured, a subnormal one counts in subnormal ULPs (see
:func:`softmax_teach.reference.max_ulp_error`).

* Default, float32 and float64: ``softmax`` and ``log_softmax`` do scipy's operations (shift by
  the max, ``exp``, sum, divide or subtract the log) in the order numpy's memory layout gives
  scipy, so the result equals scipy's bit for bit, in C or Fortran order, on strided views and
  along any axis: never less accurate than scipy on any element. Shift-and-divide loses
  accuracy where ``x - max`` is large: its rounding error becomes a relative error of ``exp``
  (hundreds of ULPs near underflow, in scipy and torch alike).
* Default, float16: computed in float32 and rounded once, within 1 ULP (scipy, computing in
  float16, is up to about 9 ULP off).
* ``precise=True``: computed in a wider type (float64 for float16/float32, the platform's long
  double for float64) and rounded once; ``log_softmax`` subtracts ``log1p`` of the rest and
  rounds to odd before the last rounding, so a halfway case rounds the right way.
  float16/float32: correctly rounded on every element measured (``tests/test_numerics.py``:
  rows of 124 to 4,476 classes at three scales). float64: faithfully rounded, within 1 ULP;
  on x86-64 (80-bit long double), on the tests' 12 long rows (16,800 elements) 9 softmax
  elements and no log_softmax element are the neighbour of the correctly rounded value, with a
  largest error of 0.5007 ULP against the exact value; on other rows of that kind up to
  0.511 ULP (softmax) and 0.50003 ULP (log_softmax) was measured, so the tests allow 0.52 ULP
  and at most 1 element in 1,000 not correctly rounded.
  Where long double is float64 (Windows, macOS on arm64) float64 gains nothing.
"""

from __future__ import annotations

import numpy as np

from softmax_teach import _kernels
from softmax_teach import _validation as check

__all__ = [
    "softmax",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "cross_entropy",
    "exp_limits",
    "one_hot",
    "softmax_jacobian",
    "online_softmax",
    "entropy",
    "sampling_probabilities",
    "sample",
]


def softmax(x, axis=-1, *, temperature=1.0, precise=False):
    r"""Softmax along ``axis``: ``exp(x / T) / sum(exp(x / T))``, computed stably.

    Parameters
    ----------
    x : array_like
        Logits (scores). Integer input is computed in float64; float16/32/64 keep their dtype
        (float16 is computed in float32).
    axis : int, tuple of int or None, optional
        The class axis (default: the last; scipy's default is ``None``). A tuple normalises over
        several axes, ``None`` over all elements.
    temperature : float, optional
        ``T >= 0``; ``T < 1`` sharpens, ``T > 1`` flattens, ``T = 0`` is the arg-max limit
        (ties share the mass evenly).
    precise : bool, optional
        Compute in a wider type and round once (see the module's Notes for the measured
        bounds): float16/float32 correctly rounded on every element measured, float64 within
        1 ULP (at most 0.511 ULP measured). Slower: float64 goes through long double, whose
        ``exp`` numpy does not vectorise. The default does scipy's operations, so it equals
        ``scipy.special.softmax`` bit for bit in float32/float64 (never less accurate), in
        cache-sized blocks where the rows are contiguous.

    Returns
    -------
    ndarray
        Probabilities of the same shape, summing to 1 along ``axis`` (a fully masked row of all
        ``-inf`` gives zeros; a row with ``nan`` gives ``nan``). A 0-d ``x`` gives a 0-d result.

    Raises
    ------
    ValueError
        For a non-real ``x``, an ``axis`` out of range or a bad ``temperature`` or ``precise``.

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
    return _softmax_family(x, axis, temperature, precise, log=False)


def log_softmax(x, axis=-1, *, temperature=1.0, precise=False):
    r"""Logarithm of :func:`softmax`, computed as ``z - logsumexp(z)`` with ``z = (x - max) / T``.

    Unlike ``np.log(softmax(x))`` it stays finite where a probability underflows to 0:
    ``log_softmax([0, -1000])`` is ``[0, -1000]``, not ``[0, -inf]``.

    Parameters
    ----------
    x : array_like
        Logits; integers become float64, float dtypes are kept (float16 is computed in float32).
    axis : int, tuple of int or None, optional
        The class axis (default: the last; scipy's default is ``None``).
    temperature : float, optional
        As in :func:`softmax`; at ``T = 0`` the arg-max entries get ``-log(ties)``, the rest
        ``-inf``.
    precise : bool, optional
        As in :func:`softmax`: computed in a wider type as ``z - log1p(rest)``, where ``rest``
        sums every term but one maximal one, and rounded once.

    Returns
    -------
    ndarray
        Log-probabilities, same shape and dtype as ``x``. A fully masked row gives ``-inf``;
        a row with ``nan`` gives ``nan``. A 0-d ``x`` gives a 0-d result.

    Examples
    --------
    >>> from softmax_teach import log_softmax
    >>> log_softmax([0.0, -1000.0])
    array([    0., -1000.])
    """
    return _softmax_family(x, axis, temperature, precise, log=True)


def _softmax_family(x, axis, temperature, precise, *, log):
    x = check.float_array(x)
    axes = check.axes(axis, x.ndim)
    temperature = check.temperature(temperature)
    precise = check.flag(precise, "precise")
    if x.ndim == 0:
        return _kernels.softmax_along(x.reshape(1), (0,), temperature, log=log, precise=precise).reshape(())[()]
    return _kernels.softmax_along(x, axes, temperature, log=log, precise=precise)


def logsumexp(x, axis=-1, b=None, keepdims=False, return_sign=False):
    r"""``log(sum(b * exp(x)))`` along ``axis`` without overflow: ``m + log(sum(b * exp(x - m)))``.

    The signature is ``scipy.special.logsumexp``'s, except for the default axis.

    Parameters
    ----------
    x : array_like
        Values; integers become float64, float dtypes are kept (float16 is computed in float32).
    axis : int, tuple of int or None, optional
        Axes to reduce (default: the last; scipy's default is ``None``, everything).
    b : array_like, optional
        Weights broadcastable to ``x``, negative ones too (signed sums, log-mean-exp with
        ``b = 1 / n``). A weight of 0 removes its entry, even an ``inf`` or ``nan``.
    keepdims : bool, optional
        Keep the reduced axes with length 1, as in numpy.
    return_sign : bool, optional
        Return ``(log(abs(sum)), sign(sum))``; without it a negative sum gives ``nan``.

    Returns
    -------
    ndarray or numpy scalar, or a pair of them with ``return_sign``
        ``-inf`` for an empty axis or a row of all ``-inf`` (sign 0); ``+inf`` if a row holds
        ``+inf``; ``nan`` if it holds ``nan``. The dtype is ``x``'s and ``b``'s common float type.

    Examples
    --------
    >>> from softmax_teach import logsumexp
    >>> float(logsumexp([1000.0, 1000.0]))  # 1000 + log 2, where np.log(np.sum(np.exp(x))) is inf
    1000.6931471805599
    >>> value, sign = logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True)  # log|e - e^2|
    >>> round(float(value), 6), float(sign)
    (1.541325, -1.0)
    """
    x = check.float_array(x)
    keepdims = check.flag(keepdims, "keepdims")
    return_sign = check.flag(return_sign, "return_sign")
    weights = None
    if b is not None:
        weights = check.float_array(b, "b")
        dtype = np.result_type(x.dtype, weights.dtype)
        try:
            x, weights = np.broadcast_arrays(x.astype(dtype, copy=False), weights.astype(dtype, copy=False))
        except ValueError:
            raise ValueError(f"b of shape {weights.shape} does not broadcast to x of shape {x.shape}") from None
    axes = check.axes(axis, x.ndim)
    if x.ndim == 0:
        x, axes = x.reshape(1), (0,)
        weights = None if weights is None else weights.reshape(1)
        keepdims = False
    kept = [a for a in range(x.ndim) if a not in axes]
    kept_shape = tuple(x.shape[a] for a in kept)
    n = int(np.prod([x.shape[a] for a in axes]))

    def as_rows(array):
        return np.transpose(array, kept + list(axes)).reshape(-1, n)

    work = _kernels.work_dtype(x.dtype, precise=False)
    if n == 0 or x.size == 0:
        result = np.full(kept_shape, -np.inf if n == 0 else np.nan, dtype=x.dtype)
        sign = np.zeros(kept_shape, dtype=x.dtype)
    else:
        rows = as_rows(x).astype(work, copy=False)
        row_weights = None if weights is None else as_rows(weights).astype(work, copy=False)
        result, sign = _kernels.logsumexp_rows(rows, row_weights, return_sign=return_sign)
        result = result.astype(x.dtype).reshape(kept_shape)
        sign = sign.astype(x.dtype).reshape(kept_shape)
    if keepdims:
        full = tuple(1 if a in axes else x.shape[a] for a in range(x.ndim))
        result, sign = result.reshape(full), sign.reshape(full)
    return (result[()], sign[()]) if return_sign else result[()]


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
    x = check.float_array(x)
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
    logits = check.float_array(logits, "logits")
    if logits.ndim == 0:
        raise ValueError("logits must have a class axis, got a scalar")
    axis = check.axis(axis, logits.ndim)
    check.choice(reduction, "reduction", _REDUCTIONS)
    eps = check.real_in(label_smoothing, "label_smoothing", 0.0, 1.0)
    logits = np.moveaxis(logits, axis, -1)
    n_classes = logits.shape[-1]
    target_probabilities = _target_as_probabilities(np.asarray(target), logits, axis)
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
    n_classes = check.positive_int(n_classes, "n_classes")
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
    x = check.float_array(x)
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
    x = check.float_array(x)
    axis = check.axis(axis, x.ndim)
    block_size = check.positive_int(block_size, "block_size")
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
        _kernels.fix_special_rows(rows, out, running_max, log=False)
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
    p = check.float_array(p, "p")
    if axis is None:
        return entropy(p.reshape(-1), base=base)
    axis = check.axis(axis, p.ndim)
    if base is not None and (check.positive_real(base, "base") == 1.0):
        raise ValueError(f"base must be a finite number > 0 other than 1, got {base!r}")
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
    check.optional(check.positive_int, top_k, "top_k")
    check.optional(check.real_in, top_p, "top_p", 0.0, 1.0, low_open=True)
    check.optional(check.real_in, min_p, "min_p", 0.0, 1.0)


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
    logits = check.float_array(logits, "logits").astype(np.float64)
    temperature = check.temperature(temperature)
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
    """``None``, a non-negative integer or a tuple (or list) of them, numpy integers included."""
    if size is None:
        return None
    dims = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    try:
        checked = tuple(check.integer(d, "size", minimum=0) for d in dims)
    except ValueError:
        raise ValueError(f"size must be None, a non-negative integer or a tuple of them, got {size!r}") from None
    return checked if isinstance(size, (tuple, list)) else checked[0]


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
    size = _check_size(size)
    generator = check.generator(rng)
    probabilities = sampling_probabilities(logits, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)
    draws = generator.choice(probabilities.size, size=size, p=probabilities)
    return int(draws) if size is None else draws.astype(np.int64)
