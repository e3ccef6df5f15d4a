"""Private machinery behind :mod:`softmax_teach.numerics`: row kernels, cache blocking, wide paths.

Three ways to compute a softmax (or log-softmax) along a set of axes:

* **scipy's operations, in scipy's layout** (``_scipy_ops``): ``max``, ``x - max``, ``exp``,
  ``sum``, divide, on the array as given. Used for float32/float64 when the rows are not the
  trailing axes of a C-contiguous array (Fortran order, strided views, other axes, tuples).
  numpy sums a reduced axis in an order set by the memory layout, so doing the same operations
  on the same layout gives scipy's result bit for bit.
* **the same operations in cache-sized blocks of rows** (``_blocked``): when the rows are the
  trailing axes of a C-contiguous array. Each row is still summed by numpy's pairwise sum over
  contiguous memory, as in scipy, so the result is again bit-identical; the five passes over
  one block hit the cache instead of memory.
* **a wider type, rounded once** (``_wide``): float16 input is computed in float32 (as torch
  does on CPU), ``precise=True`` computes float16/float32 in float64 and float64 in the
  platform's long double. Rows are copied to the wide type block by block.
"""

from __future__ import annotations

import numpy as np

# Rows are processed in blocks of about this many bytes so that the max, subtract, exp, sum and
# divide passes over one block hit the cache instead of memory. Measured by CPU time on a
# 2-core AMD EPYC (512 KiB L2 per core, 32 MiB L3), natively (AVX-512) and under the AVX2
# emulation: 1 to 4 MiB are about equally good; smaller blocks pay numpy's per-call overhead
# more often (256 KiB is 5-15% slower, 64 KiB up to 25%), and float32 rows of 1,000 lose most.
BLOCK_BYTES = 2 * 1024 * 1024


def work_dtype(dtype, precise):
    """The dtype a softmax of ``dtype`` input is computed in."""
    dtype = np.dtype(dtype)
    if precise:
        return np.dtype(np.longdouble) if dtype.itemsize >= 8 else np.dtype(np.float64)
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def softmax_along(x, axes, temperature, *, log, precise):
    """Softmax (``log=False``) or log-softmax of float array ``x`` over ``axes`` (a sorted tuple)."""
    out = np.empty(x.shape, dtype=x.dtype)
    if x.size == 0:
        return out
    work = work_dtype(x.dtype, precise)
    trailing = axes == tuple(range(x.ndim - len(axes), x.ndim))
    with np.errstate(all="ignore"):  # every non-finite case is handled explicitly
        if work == x.dtype and not (trailing and x.flags.c_contiguous):
            return _scipy_ops(x, axes, temperature, log)
        if trailing and x.flags.c_contiguous:
            n = int(np.prod(x.shape[x.ndim - len(axes) :]))
            _blocked(x.reshape(-1, n), out.reshape(-1, n), work, temperature, log)
            return out
        # Any other layout on a wide path: copy the rows to the end (the copy is needed anyway).
        kept = [a for a in range(x.ndim) if a not in axes]
        order = kept + list(axes)
        moved = np.transpose(x, order)
        n = int(np.prod([x.shape[a] for a in axes]))
        rows = np.ascontiguousarray(moved).reshape(-1, n)
        rows_out = np.empty(rows.shape, dtype=x.dtype)
        _blocked(rows, rows_out, work, temperature, log)
        np.transpose(out, order)[...] = rows_out.reshape(moved.shape)
    return out


def _blocked(rows, rows_out, work, temperature, log):
    """Fill ``rows_out`` (R, n) from ``rows`` block by block, in ``work`` dtype."""
    n = rows.shape[1]
    step = max(1, BLOCK_BYTES // (n * max(work.itemsize, rows.itemsize)))
    row_max = np.empty((min(step, rows.shape[0]), 1), dtype=work)
    same = work == rows.dtype
    buffer = None if same else np.empty((min(step, rows.shape[0]), n), dtype=work)
    kernel = _log_softmax_rows if log else _softmax_rows
    for start in range(0, rows.shape[0], step):
        block = slice(start, start + step)
        block_in, block_out = rows[block], rows_out[block]
        m = row_max[: block_in.shape[0]]
        if same:
            kernel(block_in, block_out, temperature, m)
            fix_special_rows(block_in, block_out, m, log=log)
        else:
            wide_in = block_in.astype(work)
            wide_out = buffer[: block_in.shape[0]]
            wide_kernel = _log_softmax_rows_wide if log else _softmax_rows
            wide_kernel(wide_in, wide_out, temperature, m)
            fix_special_rows(wide_in, wide_out, m, log=log)
            round_into(wide_out, block_out)  # the one rounding to the input's dtype


def round_into(values, out):
    """``out[...] = values`` (one rounding to ``out``'s dtype), fast for float16 subnormals too.

    numpy's float32 -> float16 conversion takes about 90 ns for each result that is subnormal
    or 0 (a slow hardware or software path), 20 times its normal cost, and a float16 softmax of
    many classes is mostly such results (1/32000 is below float16's smallest normal, 6.1e-5).
    Those are rounded here by integer arithmetic instead: a float16 subnormal is a count of
    ``2**-24``, so ``rint(|v| * 2**24)`` (ties to even) is its bit pattern, and 1024 is exactly
    the smallest normal's. Same result, bit for bit, as the conversion.
    """
    if out.dtype != np.float16:
        out[...] = values
        return
    with np.errstate(all="ignore"):  # nan and inf take the conversion's path; their quanta are unused
        _round_into_float16(values, out)


def _round_into_float16(values, out):
    magnitude = np.abs(values)
    tiny = magnitude < np.float16(2.0**-14)
    bits = out.view(np.uint16)
    bits[...] = np.where(tiny, 1.0, values).astype(np.float16).view(np.uint16)
    quanta = np.rint(np.minimum(magnitude, 2.0**-14) * 2.0**24).astype(np.uint16)
    quanta |= np.where(np.signbit(values), np.uint16(0x8000), np.uint16(0))
    np.copyto(bits, quanta, where=tiny)


def _shift_and_scale(x, row_max, out, temperature):
    """Write ``(x - row_max) / temperature`` into ``out``.

    The temperature stays a float64 scalar (numpy would otherwise round a Python float to
    ``x``'s dtype): in float16/float32 a tiny ``T`` would become 0 (and the row ``nan``), a huge
    one ``inf``, and any other would carry a rounding error into every shifted logit.
    """
    np.subtract(x, row_max, out=out)
    if temperature != 1.0:
        np.divide(out, np.float64(temperature), out=out)


def _arg_max_limit(x, row_max, axis):
    """The ``temperature = 0`` limit: ties at the maximum share the mass evenly."""
    is_top = x == row_max
    return is_top / is_top.sum(axis=axis, keepdims=True)


def _softmax_rows(x, out, temperature, row_max):
    """Softmax of finite rows (last axis) into ``out``; ``row_max`` receives each row's max.

    Rows whose max is not finite come out wrong here and are fixed afterwards by
    :func:`fix_special_rows` (cheaper than checking every row first).
    """
    np.max(x, axis=-1, keepdims=True, out=row_max)
    if temperature == 0.0:
        out[...] = _arg_max_limit(x, row_max, -1)
        return
    _shift_and_scale(x, row_max, out, temperature)
    np.exp(out, out=out)
    np.divide(out, out.sum(axis=-1, keepdims=True), out=out)


def _log_softmax_rows(x, out, temperature, row_max):
    """Log-softmax of finite rows as scipy computes it: ``z - log(sum(exp(z)))``, ``z = x - max``."""
    np.max(x, axis=-1, keepdims=True, out=row_max)
    if temperature == 0.0:
        np.log(_arg_max_limit(x, row_max, -1), out=out)
        return
    _shift_and_scale(x, row_max, out, temperature)
    np.subtract(out, np.log(np.exp(out).sum(axis=-1, keepdims=True)), out=out)


def _log_softmax_rows_wide(x, out, temperature, row_max):
    """Log-softmax of finite rows as ``z - log1p(rest)``, ``rest`` summing all but one maximal term.

    One maximal entry contributes exactly ``exp(0) = 1``: leaving it out of the sum and adding it
    back with ``log1p`` keeps the digits of a small ``rest`` that ``1 + rest`` would round away
    (the log-probability of a dominant class, ``-1e-20``, instead of 0).
    """
    np.max(x, axis=-1, keepdims=True, out=row_max)
    if temperature == 0.0:
        np.log(_arg_max_limit(x, row_max, -1), out=out)
        return
    _shift_and_scale(x, row_max, out, temperature)
    terms = np.exp(out)
    terms[np.arange(x.shape[0]), np.argmax(x, axis=-1)] = 0
    log_rest = np.log1p(terms.sum(axis=-1, keepdims=True))
    total = out - log_rest
    # Round to odd (Boldo & Melquiond): the caller rounds this wide result once more, to the
    # input's dtype. A difference that is exactly halfway between two numbers of that dtype
    # (z is often such a number, and log_rest tiny) would then be rounded to even, perhaps the
    # wrong way; making the wide result odd whenever the subtraction was inexact keeps the
    # second rounding correct. The exact error of the subtraction comes from TwoSum.
    back = total - out
    error = (out - (total - back)) + (-log_rest - back)
    # A rest that underflowed to 0 in the wide type is still > 0 when the row has another entry
    # above -inf: the exact result then lies just below ``total``.
    lost = (log_rest == 0) & ((x > -np.inf).sum(axis=-1, keepdims=True) > 1)
    error = np.where((error == 0) & lost, -1.0, error)
    mantissa, _ = np.frexp(total)
    even = np.fmod(np.ldexp(mantissa, np.finfo(total.dtype).nmant + 1), 2) == 0
    nudge = (error != 0) & even
    if nudge.any():
        total[nudge] = np.nextafter(total[nudge], np.copysign(np.inf, error[nudge]).astype(total.dtype))
    out[...] = total


def _scipy_ops(x, axes, temperature, log):
    """scipy.special's softmax / log_softmax operations on ``x`` as laid out, plus the edge cases."""
    row_max = np.max(x, axis=axes, keepdims=True)
    if temperature == 0.0:
        result = _arg_max_limit(x, row_max, axes).astype(x.dtype)
        if log:
            np.log(result, out=result)
    elif log:
        shift = np.where(np.isfinite(row_max), row_max, 0).astype(x.dtype)  # as scipy does
        shifted = x - shift
        if temperature != 1.0:
            np.divide(shifted, np.float64(temperature), out=shifted)
        result = shifted - np.log(np.sum(np.exp(shifted), axis=axes, keepdims=True))
    else:
        result = x - row_max
        if temperature != 1.0:
            np.divide(result, np.float64(temperature), out=result)
        np.exp(result, out=result)
        np.divide(result, np.sum(result, axis=axes, keepdims=True), out=result)
    _fix_special(x, result, row_max, axes, log=log)
    return result


def _limit(x, axis, log):
    """The limit of rows whose max is not finite: ``nan`` rows, ``+inf`` shares, all ``-inf`` zeros."""
    has_nan = np.isnan(x).any(axis=axis, keepdims=True)
    is_top = x == np.inf
    count = is_top.sum(axis=axis, keepdims=True)
    probability = np.where(count > 0, is_top / np.maximum(count, 1), 0.0)
    value = np.log(probability) if log else probability
    return np.where(has_nan, np.nan, value)


def fix_special_rows(x, out, row_max, log):
    """Overwrite rows (last axis) whose max is not finite (nan, +inf or all -inf) with their limit."""
    special = ~np.isfinite(row_max[..., 0])
    if special.any():
        out[special] = _limit(x[special], -1, log)


def _fix_special(x, out, row_max, axes, log):
    """:func:`fix_special_rows` for rows over any tuple of axes (``row_max`` has ``keepdims``)."""
    special = ~np.isfinite(row_max)
    if special.any():
        np.copyto(out, _limit(x, axes, log), where=np.broadcast_to(special, out.shape), casting="unsafe")


def logsumexp_rows(rows, weights, *, return_sign):
    """``log(|sum(w exp(a))|)`` and its sign for each row of ``rows`` (R, n), in ``rows.dtype``.

    ``weights`` is ``None`` or an (R, n) array. Follows scipy's algorithm: the largest term is
    taken out of the sum and added back with ``log1p`` (so a tiny rest keeps its digits), a zero
    weight removes its entry even if it is ``inf`` or ``nan``, and rows whose result is not finite
    fall back on the direct ``log(sum(w exp(a)))``, which gives each infinite case its limit.
    """
    a = rows if weights is None else np.where(weights == 0, -np.inf, rows).astype(rows.dtype)
    with np.errstate(all="ignore"):
        index = np.argmax(a, axis=-1)[:, None]
        a_max = np.take_along_axis(a, index, axis=-1)
        terms = np.exp(a - a_max)
        top = np.ones_like(a_max) if weights is None else np.take_along_axis(weights, index, axis=-1)
        if weights is not None:
            terms = terms * weights
        np.put_along_axis(terms, index, 0, axis=-1)
        rest = terms.sum(axis=-1, keepdims=True)
        rest = np.where(rest == 0, rest, rest / top)
        sign = np.sign(rest + 1) * np.sign(top)
        rest = np.where(rest < -1, -rest - 2, rest)
        result = np.log1p(rest) + np.log(np.abs(top)) + a_max
        finite = np.isfinite(result)
        if not finite.all():
            direct = np.exp(a) if weights is None else weights * np.exp(a)
            total = direct.sum(axis=-1, keepdims=True)
            result = np.where(finite, result, np.log(np.abs(total)))
            sign = np.where(finite, sign, np.sign(total))
    result, sign = result[:, 0].astype(rows.dtype), sign[:, 0].astype(rows.dtype)
    if not return_sign:
        result[sign < 0] = np.nan
    return result, sign
