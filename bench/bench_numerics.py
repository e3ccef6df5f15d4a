"""Speed, memory and accuracy of ``softmax_teach.numerics.softmax`` against its references.

Run with ``.venv/bin/python bench/bench_numerics.py``. Everything is measured in one process,
single-threaded (``torch.set_num_threads(1)``; numpy's ufuncs are single-threaded), and reported
as ratios to a reference run next to it, so the figures mean something on any machine. This is a
measurement, not a test: nothing here asserts, because timings on a shared machine vary.

Printed:

* time of ``softmax`` divided by the time of ``scipy.special.softmax``, of ``torch.softmax`` and
  of ``np.copyto`` of the same array into a ready buffer (the memory floor: read the input, write
  an output), best of N runs, for float32 (1024, 32000) and float64 (1000, 1000);
* peak extra memory while computing, traced by ``tracemalloc`` (numpy reports its buffers to it),
  as a multiple of the output's size: the output itself counts 1.0;
* how much of that is ``np.exp`` alone (float64 ``exp`` has no SIMD loop in numpy without
  AVX-512, about 5 ns an element here, so it bounds any numpy softmax);
* the largest error in ULPs against a 50-digit mpmath reference on small rows of N(0, 1) times
  1 ... 1e4, for scipy, torch, the default and ``precise=True`` softmax (elements whose exact
  value underflows to 0 are left out; subnormal results count in subnormal ULPs, see
  :func:`softmax_teach.reference.max_ulp_error`).
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import scipy.special
import torch

from softmax_teach import numerics
from softmax_teach.numerics import softmax
from softmax_teach.reference import max_ulp_error, mp_softmax, ulp_error

# float64 runs first, in a fresh process: after the 131 MB float32 arrays, glibc's allocator
# hands scipy's and torch's 8 MB temporaries out as fresh pages that fault on first touch, which
# slows them by 20-140% and would flatter our ratio (measured: scipy/ours 1.02x first, 1.31x after).
SPEED_CASES = [((1000, 1000), np.float64, 100), ((1024, 32000), np.float32, 9)]
ULP_SCALES = (1.0, 10.0, 100.0, 1e3, 1e4)
TARGET_SPEEDUP_OVER_SCIPY = 1.3
TARGET_FLOAT32_OVER_TORCH = 1.10
TARGET_MEMORY = 1.0


def best_times(functions, repeats, clock=time.perf_counter):
    """The fastest of ``repeats`` runs of each function, in seconds, after one warm-up each.

    The functions take turns within each round, so a busy spell on a shared machine slows all
    of them alike instead of whichever happened to be running. ``clock`` is wall time by
    default; ``time.process_time`` counts only this process's CPU time, which is what is left
    to compare when other jobs share the cores (single-threaded code, so the two agree on an
    idle machine).
    """
    for function in functions.values():
        function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = clock()
            function()
            times[name].append(clock() - start)
    return {name: min(values) for name, values in times.items()}


def peak_memory(function, output_bytes):
    """Peak memory allocated while ``function`` runs (its result included), in outputs."""
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return (peak - baseline) / output_bytes


def speed_and_memory():
    rng = np.random.default_rng(0)
    print("Speed (best of N, single thread) and peak memory (tracemalloc)")
    for shape, dtype, repeats in SPEED_CASES:
        x = rng.standard_normal(shape).astype(dtype)
        tensor = torch.from_numpy(x)
        buffer = np.empty_like(x)
        shifted = x - x.max(axis=-1, keepdims=True)
        functions = {
            "softmax": lambda: softmax(x),
            "scipy": lambda: scipy.special.softmax(x, axis=-1),
            "torch": lambda: torch.softmax(tensor, dim=-1),
            "np.copyto": lambda: np.copyto(buffer, x),
            "np.exp": lambda: np.exp(shifted, out=buffer),  # the one pass no numpy softmax can skip
        }
        wall = best_times(functions, repeats)
        cpu = best_times(functions, repeats, clock=time.process_time)
        print(f"\n  {np.dtype(dtype).name} {shape}, wall (CPU) ms: "
              + ", ".join(f"{k} {wall[k] * 1e3:.2f} ({cpu[k] * 1e3:.2f})" for k in functions))

        def ratio(name):
            return f"{wall['softmax'] / wall[name]:.3f} ({cpu['softmax'] / cpu[name]:.3f} CPU)"

        print(f"    softmax / scipy     = {ratio('scipy')}  "
              f"-> scipy takes {wall['scipy'] / wall['softmax']:.2f}x ({cpu['scipy'] / cpu['softmax']:.2f}x) "
              f"our time; target >= {TARGET_SPEEDUP_OVER_SCIPY}x")
        torch_target = f"target <= {TARGET_FLOAT32_OVER_TORCH:.2f}" if dtype == np.float32 else "no target"
        print(f"    softmax / torch     = {ratio('torch')}  {torch_target}")
        print(f"    softmax / np.copyto = {ratio('np.copyto')}  the memory floor would be 1.0")
        print(f"    np.exp over the array alone takes {cpu['np.exp'] / cpu['softmax']:.0%} of our CPU time; "
              f"scipy / np.exp = {cpu['scipy'] / cpu['np.exp']:.2f}x, the ceiling if every other pass were free")
        ours_memory = peak_memory(lambda: softmax(x), x.nbytes)
        scipy_memory = peak_memory(lambda: scipy.special.softmax(x, axis=-1), x.nbytes)
        print(f"    peak memory: softmax {ours_memory:.3f} outputs, scipy {scipy_memory:.3f} outputs "
              f"(target <= {TARGET_MEMORY:.1f} + small)")


def accuracy():
    rng = np.random.default_rng(1)
    print("\nLargest error in ULPs vs 50-digit mpmath (rows of 64 x N(0,1) x scale, 4 rows per scale)")
    print(f"  {'dtype':8} {'scale':>6} {'scipy':>8} {'torch':>8} {'default':>8} {'precise':>8}")
    for dtype in (np.float32, np.float64):
        overall = np.zeros(4)
        measured = worse_than_scipy = 0
        for scale in ULP_SCALES:
            x = (rng.standard_normal((4, 64)) * scale).astype(dtype)
            exact = mp_softmax(x.astype(np.float64))
            ours, theirs = softmax(x), scipy.special.softmax(x, axis=-1)
            errors = np.array([
                max_ulp_error(theirs, exact),
                max_ulp_error(torch.softmax(torch.from_numpy(x), dim=-1).numpy(), exact),
                max_ulp_error(ours, exact),
                max_ulp_error(softmax(x, precise=True), exact),
            ])
            overall = np.maximum(overall, errors)
            measurable = exact.astype(dtype) != 0
            measured += measurable.sum()
            worse_than_scipy += (ulp_error(ours, exact) > ulp_error(theirs, exact))[measurable].sum()
            print(f"  {np.dtype(dtype).name:8} {scale:6g} " + " ".join(f"{e:8.1f}" for e in errors))
        bound = 1 if dtype == np.float32 else 4
        print(f"  {np.dtype(dtype).name:8} {'all':>6} " + " ".join(f"{e:8.1f}" for e in overall)
              + f"   (precise target <= {bound} ULP)")
        print(f"  {'':8} default less accurate than scipy on {worse_than_scipy} of {measured} measured "
              "elements (target 0)")


def main():
    torch.set_num_threads(1)
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, torch {torch.__version__}, "
          f"torch threads {torch.get_num_threads()}, softmax block {numerics._BLOCK_BYTES // 1024} KiB")
    speed_and_memory()
    accuracy()


if __name__ == "__main__":
    main()
