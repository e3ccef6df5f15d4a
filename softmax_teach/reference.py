"""References to check the fast code against: mpmath (50 digits), ULP error, central differences.

Slow by design: use it on small arrays to *measure* the fast functions in
:mod:`softmax_teach.numerics` (and derivatives by hand or by sympy), never in place of them.

Every ``mp_*`` reference rounds its 50-digit value **once** to the dtype asked for
(``dtype=np.float64`` by default; ``np.float32`` and ``np.float16`` too), subnormals included:
:func:`round_once` rounds the exact binary value to the nearest number of the dtype, ties to
even, where ``float(mpf)`` would round to 53 bits first and again into the subnormal range.
``dtype=object`` returns the unrounded mpmath numbers, so that :func:`ulp_error` can measure an
error in fractions of an ULP (0.5012 ULP, not "1 ULP").
"""

from __future__ import annotations

import numpy as np

from softmax_teach import _validation

DIGITS = 50


def round_once(value, dtype=np.float64):
    """The number of ``dtype`` nearest to the mpmath number ``value`` (ties to even), as a float.

    One rounding, subnormals included: the quantum is ``2**(e - p)`` for a value in
    ``[2**(e-1), 2**e)`` with ``p`` significant bits, and never below the smallest subnormal.
    Values at or beyond the overflow threshold give ``inf``.

    Examples
    --------
    >>> import mpmath
    >>> with mpmath.workdps(50):  # just above half of the smallest subnormal, 5e-324
    ...     tiny = mpmath.ldexp(mpmath.mpf(0.5) + mpmath.ldexp(1, -60), -1074)
    >>> float(tiny), round_once(tiny)  # float() rounds to 53 bits first, then to 0
    (0.0, 5e-324)
    """
    import mpmath

    info = np.finfo(dtype)
    if not isinstance(value, mpmath.mpf):
        value = mpmath.mpf(value)  # a float or an int: exact at mpmath's default 53 bits
    if not mpmath.isfinite(value) or value == 0:
        return float(value)
    bits = info.nmant + 1
    # Work with every bit of value's mantissa, so nothing below is rounded but the one rounding.
    with mpmath.workprec(int(value._mpf_[3]) + 64):
        _, exponent = mpmath.frexp(abs(value))
        quantum = max(int(exponent) - bits, int(info.minexp) - bits + 1)
        rounded = mpmath.ldexp(mpmath.nint(mpmath.ldexp(abs(value), -quantum)), quantum)
        magnitude = float(rounded) if rounded <= float(info.max) else float("inf")
    return magnitude if value > 0 else -magnitude


def _finish(values, shape, dtype):
    """An array of ``shape`` from a flat list of mpmath numbers, each rounded once to ``dtype``."""
    if np.dtype(dtype) == object:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out.reshape(shape)
    return np.array([round_once(v, dtype) for v in values], dtype=np.float64).astype(dtype).reshape(shape)


def _mp_rows(x, transform, *, name, finite_only, digits):
    """Apply ``transform`` (a list of mpf -> list of mpf) to every row of ``x`` (last axis)."""
    import mpmath

    array = np.asarray(x, dtype=float)
    if finite_only and not np.isfinite(array).all():
        raise ValueError(f"{name} is the reference for finite logits only")
    values = []
    with mpmath.workdps(digits):
        for index in np.ndindex(array.shape[:-1]):
            values.extend(transform([mpmath.mpf(float(v)) for v in array[index]]))
    return array, values


def mp_softmax(x, *, temperature=1.0, digits=DIGITS, dtype=np.float64):
    """Softmax of each row (last axis) computed with ``digits`` significant digits.

    Parameters
    ----------
    x : array_like
        Finite logits, any shape with the classes on the last axis.
    temperature : float, optional
        ``> 0``.
    digits : int, optional
        mpmath working precision in decimal digits.
    dtype : numpy dtype or object, optional
        The exact softmax is rounded once to this dtype (float16/32/64), or left as mpmath
        numbers with ``object``.

    Returns
    -------
    ndarray of ``dtype``
    """
    import mpmath

    def row_softmax(row):
        t = mpmath.mpf(temperature)
        row = [v / t for v in row]
        top = max(row)
        weights = [mpmath.exp(v - top) for v in row]
        total = mpmath.fsum(weights)
        return [w / total for w in weights]

    array, values = _mp_rows(x, row_softmax, name="mp_softmax", finite_only=True, digits=digits)
    return _finish(values, array.shape, dtype)


def mp_logsumexp(x, *, digits=DIGITS, dtype=np.float64):
    """``log(sum(exp(x)))`` over the last axis with ``digits`` digits, rounded once to ``dtype``.

    Computed as ``max + log1p(rest)``, where ``rest`` sums the other terms relative to one
    maximal term, so a result near 0 (``log(1 + 1e-161)``) keeps its digits too: at 50 digits,
    ``1 + 1e-161`` itself would round to 1. The final addition is exact, so a tiny ``log1p``
    still decides the rounding of a ``max`` that lies halfway between two floats.
    """
    import mpmath

    def row_logsumexp(row):
        top, rest = _mp_top_and_rest(row)
        return [_exact_sum(top, mpmath.log1p(rest))]

    array, values = _mp_rows(x, row_logsumexp, name="mp_logsumexp", finite_only=False, digits=digits)
    return _finish(values, array.shape[:-1], dtype)


def _exact_sum(a, b):
    """``a + b`` without rounding, for :func:`round_once` to round once.

    A ``b`` far below ``a``'s last bit and below half the smallest float64 subnormal cannot
    change how ``a + b`` rounds to any float, only its sign can: it is replaced by a same-signed
    stand-in just below both (an exact sum with ``exp(-1e308)`` would not fit in memory).
    """
    import mpmath

    if a == 0 or b == 0:
        return a + b
    last_bit = int(a._mpf_[2])  # mpmath keeps mantissas odd: the exponent is a's last bit
    limit = min(last_bit, -1075) - 64
    if abs(b) < mpmath.ldexp(1, limit):
        b = mpmath.ldexp(mpmath.sign(b), limit)
    return mpmath.fadd(a, b, exact=True)


def _mp_top_and_rest(row):
    """The row's max and ``sum(exp(v - max))`` over every entry but one maximal one."""
    import mpmath

    top_index = max(range(len(row)), key=lambda i: row[i])
    top = row[top_index]
    rest = mpmath.fsum(mpmath.exp(v - top) for i, v in enumerate(row) if i != top_index)
    return top, rest


def mp_log_softmax(x, *, temperature=1.0, digits=DIGITS, dtype=np.float64):
    """Log-softmax of each row (last axis) with ``digits`` digits, rounded once to ``dtype``.

    Parameters
    ----------
    x : array_like
        Finite logits, classes on the last axis.
    temperature : float, optional
        ``> 0``.
    digits : int, optional
        mpmath working precision in decimal digits.
    dtype : numpy dtype or object, optional
        As in :func:`mp_softmax`.

    Returns
    -------
    ndarray of ``dtype``
    """
    import mpmath

    def row_log_softmax(row):
        t = mpmath.mpf(temperature)
        row = [v / t for v in row]
        top, rest = _mp_top_and_rest(row)
        # log1p keeps a tiny rest (see mp_logsumexp). The subtractions are exact (unrounded):
        # (v - top) is often halfway between two floats, and a log_rest of 1e-60 must still
        # decide which way it rounds, which 50 digits would not see.
        log_rest = mpmath.log1p(rest)
        return [_exact_sum(mpmath.fsub(v, top, exact=True), -log_rest) for v in row]

    array, values = _mp_rows(x, row_log_softmax, name="mp_log_softmax", finite_only=True, digits=digits)
    return _finish(values, array.shape, dtype)


def mp_sigmoid(x, *, digits=DIGITS, dtype=np.float64):
    """``1 / (1 + exp(-x))`` element-wise with ``digits`` digits, rounded once to ``dtype``."""
    import mpmath

    array = np.asarray(x, dtype=float)
    values = []
    with mpmath.workdps(digits):
        for index in np.ndindex(array.shape):
            values.append(1 / (1 + mpmath.exp(-mpmath.mpf(float(array[index])))))
    return _finish(values, array.shape, dtype)


def ulp_error(approx, exact):
    """Element-wise error of ``approx`` in units in the last place of its own dtype.

    Parameters
    ----------
    approx : ndarray of float16/32/64
        The result to measure.
    exact : array_like
        The reference: mpmath numbers (``dtype=object`` from an ``mp_*`` function: the true
        error, in fractions of an ULP), or floats (a reference rounded once to ``approx``'s
        dtype, or float64 for a narrower ``approx``).

    Returns
    -------
    ndarray of float64
        ``|approx - exact| / spacing(exact rounded to approx.dtype)``: a correctly rounded result
        scores at most 0.5 against mpmath numbers and 0 against a reference in its own dtype;
        subnormal results are measured in the subnormal spacing, which is what ``np.spacing``
        returns there.
    """
    approx = np.asarray(approx)
    dtype = approx.dtype
    exact = np.asarray(exact)
    if exact.dtype == object:
        return _ulp_error_exact(approx, exact)
    exact = exact.astype(np.float64)
    reference = exact.astype(dtype)
    spacing = np.spacing(np.abs(reference)).astype(np.float64)
    return np.abs(approx.astype(np.float64) - exact) / spacing


def _ulp_error_exact(approx, exact):
    import mpmath

    errors = np.empty(approx.shape, dtype=np.float64)
    with mpmath.workdps(DIGITS):
        for index in np.ndindex(approx.shape):
            value = exact[index]
            reference = approx.dtype.type(round_once(value, approx.dtype))
            spacing = mpmath.mpf(float(np.spacing(np.abs(reference))))
            errors[index] = float(abs(mpmath.mpf(float(approx[index])) - value) / spacing)
    return errors


def _rounded(exact, dtype):
    """``exact`` (floats or mpmath numbers) rounded once to ``dtype``."""
    exact = np.asarray(exact)
    if exact.dtype == object:
        return _finish(list(exact.ravel()), exact.shape, dtype)
    return exact.astype(np.float64).astype(dtype)


def max_ulp_error(approx, exact):
    """The largest :func:`ulp_error` over the elements whose exact value does not underflow.

    How zeros and subnormals count (the convention of ``tests/test_numerics.py`` and
    ``bench/bench_numerics.py``):

    * an exact value that rounds to a normal or a subnormal number of ``approx.dtype`` is
      measured in the spacing of that number, so a subnormal result is measured in units of the
      smallest subnormal (its absolute accuracy; relative accuracy is lost there by design);
    * an exact value that rounds to 0 in ``approx.dtype`` (it underflowed) is left out: there is
      no last place to count. Such elements can still be checked separately, e.g. that the
      result is 0 or the smallest subnormal.

    Parameters
    ----------
    approx : ndarray of float16/32/64
        The result to measure.
    exact : array_like
        The reference, as for :func:`ulp_error`.

    Returns
    -------
    float
        The maximum error in ULP, or 0.0 when every exact value underflows.
    """
    approx = np.asarray(approx)
    exact = np.asarray(exact)
    measurable = _rounded(exact, approx.dtype) != 0
    if not measurable.any():
        return 0.0
    return float(ulp_error(approx[measurable], exact[measurable]).max())


def central_difference(function, x, *, step=1e-6):
    """The derivative of ``function`` at ``x`` by central differences, the classic gradient check.

    Column ``j`` is ``(f(x + h e_j) - f(x - h e_j)) / (2h)``: its error shrinks like ``h**2``
    until rounding (about ``eps / h``) takes over, so ``h = 1e-6`` gives roughly 1e-9 in float64.

    Parameters
    ----------
    function : callable
        Maps a float array of the shape of ``x`` to a number or an array.
    x : array_like
        The point (1-D or n-D; every entry is perturbed in turn).
    step : float, optional
        ``h > 0``.

    Returns
    -------
    ndarray
        Shape ``f(x).shape + x.shape``: the gradient for a scalar ``f``, the Jacobian
        ``J[i, j] = d f_i / d x_j`` for a vector ``f``.

    Examples
    --------
    >>> np.round(central_difference(lambda v: v[0] ** 2 + 3 * v[1], [2.0, 5.0]), 6)
    array([4., 3.])
    """
    if not callable(function):
        raise ValueError(f"function must be callable, got {function!r}")
    step = _validation.positive_real(step, "step")
    x = np.asarray(x, dtype=float)
    columns = []
    for index in np.ndindex(x.shape):
        shift = np.zeros_like(x)
        shift[index] = step
        upper = np.asarray(function(x + shift), dtype=float)
        lower = np.asarray(function(x - shift), dtype=float)
        columns.append((upper - lower) / (2 * step))
    stacked = np.stack(columns, axis=-1)
    return stacked.reshape(stacked.shape[:-1] + x.shape)
