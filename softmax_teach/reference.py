"""High-precision references (mpmath, 50 digits) and ULP error, for tests, benchmarks and notebook 04.

Slow by design: use it on small arrays to *measure* the fast functions in
:mod:`softmax_teach.numerics`, never in place of them.
"""

from __future__ import annotations

import numpy as np

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
    """``log(sum(exp(x)))`` over the last axis with ``digits`` digits, rounded to float64."""
    import mpmath

    array = np.asarray(x, dtype=float)
    out = np.empty(array.shape[:-1], dtype=np.float64)
    with mpmath.workdps(digits):
        for index in np.ndindex(array.shape[:-1]):
            out[index] = float(mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in array[index])))
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
