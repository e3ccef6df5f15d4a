"""References to check the fast code against: mpmath (50 digits), ULP error, central differences.

Slow by design: use it on small arrays to *measure* the fast functions in
:mod:`softmax_teach.numerics` (and derivatives by hand or by sympy), never in place of them.
"""

from __future__ import annotations

import numpy as np

from softmax_teach import _validation

DIGITS = 50


def mp_softmax(x, *, temperature=1.0, digits=DIGITS):
    """Softmax of each row (last axis) computed with ``digits`` significant digits.

    Parameters
    ----------
    x : array_like
        Finite logits, any shape with the classes on the last axis.
    temperature : float, optional
        ``> 0``.
    digits : int, optional
        mpmath working precision in decimal digits.

    Returns
    -------
    ndarray of float64
        The exact softmax rounded once to float64 (the value every float64 result is measured
        against). Round it to float32 with ``astype`` for float32 comparisons: a double rounding
        that can only matter at exact ties.
    """
    import mpmath

    array = np.asarray(x, dtype=float)
    if not np.isfinite(array).all():
        raise ValueError("mp_softmax is the reference for finite logits only")
    out = np.empty(array.shape, dtype=np.float64)
    with mpmath.workdps(digits):
        t = mpmath.mpf(temperature)
        for index in np.ndindex(array.shape[:-1]):
            row = [mpmath.mpf(float(v)) / t for v in array[index]]
            top = max(row)
            weights = [mpmath.exp(v - top) for v in row]
            total = mpmath.fsum(weights)
            out[index] = [float(w / total) for w in weights]
    return out


def mp_logsumexp(x, *, digits=DIGITS):
    """``log(sum(exp(x)))`` over the last axis with ``digits`` digits, rounded to float64.

    Computed as ``max + log1p(rest)``, where ``rest`` sums the other terms relative to one
    maximal term, so a result near 0 (``log(1 + 1e-161)``) keeps its digits too: at 50 digits,
    ``1 + 1e-161`` itself would round to 1.
    """
    import mpmath

    array = np.asarray(x, dtype=float)
    out = np.empty(array.shape[:-1], dtype=np.float64)
    with mpmath.workdps(digits):
        for index in np.ndindex(array.shape[:-1]):
            top, rest = _mp_top_and_rest([mpmath.mpf(float(v)) for v in array[index]])
            out[index] = float(top + mpmath.log1p(rest))
    return out


def _mp_top_and_rest(row):
    """The row's max and ``sum(exp(v - max))`` over every entry but one maximal one."""
    import mpmath

    top_index = max(range(len(row)), key=lambda i: row[i])
    top = row[top_index]
    rest = mpmath.fsum(mpmath.exp(v - top) for i, v in enumerate(row) if i != top_index)
    return top, rest


def mp_log_softmax(x, *, temperature=1.0, digits=DIGITS):
    """Log-softmax of each row (last axis) with ``digits`` digits, rounded once to float64.

    Parameters
    ----------
    x : array_like
        Finite logits, classes on the last axis.
    temperature : float, optional
        ``> 0``.
    digits : int, optional
        mpmath working precision in decimal digits.

    Returns
    -------
    ndarray of float64
    """
    import mpmath

    array = np.asarray(x, dtype=float)
    if not np.isfinite(array).all():
        raise ValueError("mp_log_softmax is the reference for finite logits only")
    out = np.empty(array.shape, dtype=np.float64)
    with mpmath.workdps(digits):
        t = mpmath.mpf(temperature)
        for index in np.ndindex(array.shape[:-1]):
            row = [mpmath.mpf(float(v)) / t for v in array[index]]
            top, rest = _mp_top_and_rest(row)
            # (v - top) is exact at this precision; log1p keeps a tiny rest (see mp_logsumexp).
            log_rest = mpmath.log1p(rest)
            out[index] = [float((v - top) - log_rest) for v in row]
    return out


def mp_sigmoid(x, *, digits=DIGITS):
    """``1 / (1 + exp(-x))`` element-wise with ``digits`` digits, rounded once to float64."""
    import mpmath

    array = np.asarray(x, dtype=float)
    out = np.empty(array.shape, dtype=np.float64)
    with mpmath.workdps(digits):
        for index in np.ndindex(array.shape):
            out[index] = float(1 / (1 + mpmath.exp(-mpmath.mpf(float(array[index])))))
    return out


def ulp_error(approx, exact):
    """Element-wise error of ``approx`` in units in the last place of its own dtype.

    Parameters
    ----------
    approx : ndarray of float16/32/64
        The result to measure.
    exact : array_like
        The reference (float64 or wider), rounded to ``approx.dtype`` before measuring so that
        a correctly rounded result scores 0.

    Returns
    -------
    ndarray of float64
        ``|approx - exact| / spacing(exact)``; subnormal results are measured in the subnormal
        spacing, which is what ``np.spacing`` returns there.
    """
    approx = np.asarray(approx)
    dtype = approx.dtype
    exact = np.asarray(exact, dtype=np.float64)
    reference = exact.astype(dtype)
    spacing = np.spacing(np.abs(reference)).astype(np.float64)
    return np.abs(approx.astype(np.float64) - exact) / spacing


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
        The reference (float64 or wider).

    Returns
    -------
    float
        The maximum error in ULP, or 0.0 when every exact value underflows.
    """
    approx = np.asarray(approx)
    exact = np.asarray(exact, dtype=np.float64)
    measurable = exact.astype(approx.dtype) != 0
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
