"""The Explorer's seeded random numbers in Python, bit for bit those of ``js/core.js``.

A page draws in the browser with a tiny documented generator (mulberry32, 32-bit integer
arithmetic) instead of numpy's, so every browser gives the same draws for a seed; this module
lets a notebook reproduce them (``tab.draws`` equals what the page shows).
``tests/test_explorer_js.py`` checks that the two agree.
"""

from __future__ import annotations

import math

_MASK = 0xFFFFFFFF


def _imul(a, b):
    """JavaScript's ``Math.imul`` as unsigned: the low 32 bits of the product."""
    return (a * b) & _MASK


def fmix32(h):
    """MurmurHash3's 32-bit finaliser: a bijection that spreads every input bit (seeds 0, 1, 2 … start far apart)."""
    h &= _MASK
    h = _imul(h ^ (h >> 16), 0x85EBCA6B)
    h = _imul(h ^ (h >> 13), 0xC2B2AE35)
    return h ^ (h >> 16)


class Random:
    """mulberry32 (Tommy Ettinger, public domain): uniform numbers in [0, 1), multiples of 2**-32.

    Parameters
    ----------
    seed : int
        0 to 2**32 - 1.
    stream : int, optional
        0 to 2**32 - 1: a separate sequence for the same seed (the Generate tab uses the text's
        length, so each next character has its own draw).

    Notes
    -----
    The state starts at ``fmix32(seed ^ fmix32(stream ^ 0x9e3779b9))``. Period 2**32; ample for
    histograms of a few thousand draws, not for cryptography or simulation studies.

    Examples
    --------
    >>> random = Random(0)
    >>> 0 <= random() < 1
    True
    """

    def __init__(self, seed, stream=0):
        self._state = fmix32((seed & _MASK) ^ fmix32((stream & _MASK) ^ 0x9E3779B9))

    def __call__(self):
        self._state = (self._state + 0x6D2B79F5) & _MASK
        state = self._state
        t = _imul(state ^ (state >> 15), 1 | state)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & _MASK) ^ t
        return (t ^ (t >> 14)) / 4294967296


def draw(probabilities, n, seed, stream=0):
    """``n`` class indices by inverse transform, as ``core.js``'s ``draw``.

    The cumulative shares are the running sum divided by the total; a draw is the first class
    whose share exceeds a uniform number, so a class of probability 0 is never drawn.

    Returns
    -------
    list of int
    """
    running, total = [], 0.0
    for value in probabilities:
        total += float(value)
        running.append(total)
    cdf = [value / total for value in running]
    random = Random(seed, stream)
    out = []
    for _ in range(n):
        u = random()
        i = 0
        while i < len(cdf) - 1 and not u < cdf[i]:
            i += 1
        out.append(i)
    return out


def normal(random):
    """One N(0, 1) number by Box–Muller from two uniforms: ``sqrt(-2 ln(1 - u1)) cos(2 pi u2)``."""
    u1, u2 = random(), random()
    return math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)


def _round_half_up(value):
    """``Math.round``: the nearest integer, halves up (``-2.5`` gives ``-2``)."""
    whole = math.floor(value)
    return whole + 1 if value - whole >= 0.5 else whole


def random_logits(n, seed):
    """The "randomise" button's logits: N(0, 2²) rounded to one decimal, as ``core.js``."""
    random = Random(seed)
    return [_round_half_up(2 * normal(random) * 10) / 10 + 0.0 for _ in range(n)]


def queries_and_keys(n_tokens, d, seed):
    """The Attention tab's queries and keys: N(0, 1) entries, all queries row by row, then the keys."""
    random = Random(seed)
    queries = [[normal(random) for _ in range(d)] for _ in range(n_tokens)]
    keys = [[normal(random) for _ in range(d)] for _ in range(n_tokens)]
    return queries, keys
