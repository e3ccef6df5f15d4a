"""Two relatives of softmax from the reading list: sparsemax and the Gumbel-softmax.

* :func:`sparsemax` (Martins & Astudillo 2016) is the Euclidean projection of the scores onto the
  probability simplex: like softmax it returns a probability vector that keeps the order of the
  scores and ignores a common shift, but it can give classes **exactly zero** probability.
  ``sparsemax(z) = max(z - tau, 0)``, where the threshold ``tau`` (:func:`sparsemax_threshold`)
  makes the result sum to 1.
* :func:`gumbel_softmax` (Jang, Gu & Poole 2016; Maddison, Mnih & Teh 2016) adds Gumbel noise to
  the logits and takes a softmax with temperature: a differentiable, approximately one-hot sample.
  Its limit T -> 0 is the arg-max of the perturbed logits, and :func:`gumbel_max_sample` shows that
  this arg-max is an exact sample of ``softmax(logits)`` (the Gumbel-max trick).

numpy only. ``tests/test_relatives.py`` checks sparsemax against a generic constrained solver
(scipy's SLSQP projection onto the simplex) and the Gumbel-softmax against
``torch.nn.functional.gumbel_softmax`` fed the same noise.
"""

from __future__ import annotations

import numpy as np

from softmax_teach import _validation as check
from softmax_teach.numerics import softmax

__all__ = ["sparsemax", "sparsemax_threshold", "gumbel_softmax", "gumbel_max_sample"]


def sparsemax_threshold(z, axis=-1):
    """The threshold ``tau`` of :func:`sparsemax`, one per distribution (``keepdims``-shaped).

    Sort the scores in decreasing order, ``z_(1) >= z_(2) >= ...``. The support is the largest
    ``k`` with ``1 + k z_(k) > z_(1) + ... + z_(k)``, and ``tau = (z_(1) + ... + z_(k) - 1) / k``.

    Examples
    --------
    >>> float(sparsemax_threshold([1.0, 0.8, 0.1])[0])
    0.4
    """
    z = check.float_array(z, "z")
    axis = check.axis(axis, z.ndim)
    if z.shape[axis] == 0:
        raise ValueError("z has an empty class axis: there is no distribution to project onto")
    ordered = -np.sort(-z, axis=axis)
    cumulative = np.cumsum(ordered, axis=axis)
    shape = [1] * z.ndim
    shape[axis] = z.shape[axis]
    k = np.arange(1, z.shape[axis] + 1, dtype=z.dtype).reshape(shape)
    in_support = 1 + k * ordered > cumulative
    support = in_support.sum(axis=axis, keepdims=True)  # at least 1: the largest score always is
    total = np.take_along_axis(cumulative, support - 1, axis=axis)
    return (total - 1) / support


def sparsemax(z, axis=-1):
    """Sparsemax: the closest probability vector to ``z`` (Euclidean projection onto the simplex).

    Parameters
    ----------
    z : array_like
        Scores; ``axis`` is the class axis.

    Returns
    -------
    ndarray
        ``max(z - tau, 0)``: non-negative, sums to 1 along ``axis``, keeps the order of ``z``, and
        is exactly 0 for every score at or below the threshold ``tau``. For two classes
        ``[x, 0]`` the first entry is ``clip((1 + x) / 2, 0, 1)``, a "hard sigmoid".

    Examples
    --------
    >>> sparsemax([1.0, 0.8, 0.1])
    array([0.6, 0.4, 0. ])
    >>> sparsemax([2.0, 1.0, 0.1])
    array([1., 0., 0.])
    """
    z = check.float_array(z, "z")
    tau = sparsemax_threshold(z, axis=axis)
    return np.maximum(z - tau, 0.0)


def gumbel_softmax(logits, temperature=1.0, *, gumbels=None, rng=None, axis=-1):
    """A relaxed one-hot sample: ``softmax((logits + g) / temperature)`` with Gumbel noise ``g``.

    Parameters
    ----------
    logits : array_like
    temperature : float
        > 0. Small temperatures give nearly one-hot samples (with large gradient variance),
        large ones nearly uniform vectors.
    gumbels : array_like, optional
        The noise, shape of ``logits``; drawn from the standard Gumbel distribution with ``rng``
        when not given (``-log(-log(U))`` for uniform ``U``).
    rng : int or numpy Generator, optional
        Seeds the noise.

    Returns
    -------
    ndarray
        A probability vector per distribution; its arg-max is an exact sample of
        ``softmax(logits)`` whatever the temperature.

    Examples
    --------
    >>> gumbel_softmax([0.0, 0.0], 1.0, gumbels=[1.0, 0.0]).round(4)
    array([0.7311, 0.2689])
    """
    logits = check.float_array(logits, "logits")
    if check.temperature(temperature) == 0:
        raise ValueError("temperature must be > 0 for the Gumbel-softmax (T -> 0 is gumbel_max_sample)")
    if gumbels is None:
        gumbels = check.generator(rng).gumbel(size=logits.shape)
    gumbels = np.asarray(gumbels, dtype=float)
    if gumbels.shape != logits.shape:
        raise ValueError(f"gumbels of shape {gumbels.shape} does not match logits of shape {logits.shape}")
    return softmax(logits + gumbels, axis=axis, temperature=temperature)


def gumbel_max_sample(logits, size, *, rng=None):
    """Class indices sampled by the Gumbel-max trick: ``argmax(logits + g)``, ``size`` times.

    The arg-max of logits plus independent standard Gumbel noise is distributed exactly as
    ``softmax(logits)``: no exponential and no normalisation needed.

    Examples
    --------
    >>> gumbel_max_sample([0.0, 50.0, 0.0], 5, rng=0)
    array([1, 1, 1, 1, 1])
    """
    logits = check.float_array(logits, "logits")
    if logits.ndim != 1 or logits.size == 0:
        raise ValueError(f"logits must be one non-empty vector, got shape {logits.shape}")
    size = check.positive_int(size, "size")
    noise = check.generator(rng).gumbel(size=(size, logits.size))
    return np.argmax(logits + noise, axis=1)
