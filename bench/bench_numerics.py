"""Speed, memory and accuracy of ``softmax_teach.numerics.softmax`` against its references.

Run with ``.venv/bin/python bench/bench_numerics.py`` (or ``make bench``). Everything is reported
as ratios to references measured in the same process, so the figures mean something on any
machine. This is a measurement, not a test: nothing here asserts, because timings on a shared
machine vary.

Printed:

* **speed on two CPU lanes**: for float32 and float64 at (1000, 1000), (4096, 1000), (64, 32000)
  and (1024, 32000), the time of ``scipy.special.softmax`` divided by ours (above 1: we are
  faster), next to the ceiling ``scipy / np.exp`` (the time scipy would need if every pass but
  ``exp`` were free: no numpy softmax can skip ``exp``). The table is measured natively and again
  under the AVX2 emulation (``scripts/cpu-lane avx2``, one child process per lane, since the CPU
  variables are read at import). Fairness: single thread (numpy's ufuncs are single-threaded,
  torch is set to 1 thread), every contender runs twice before timing so that each finds the
  allocator in the state its own buffers leave it (a cold first call pays page faults that a
  loop of calls does not), contenders take turns within each round so a busy spell slows all
  alike, and the best of N rounds of CPU time (``time.process_time``) is kept;
* peak extra memory while computing, traced by ``tracemalloc`` (numpy reports its buffers to it),
  as a multiple of the output's size: the output itself counts 1.0;
* the largest error in ULPs against a 50-digit mpmath reference on small rows of N(0, 1) times
  1 ... 1e4, for scipy, torch, the default and ``precise=True`` softmax (elements whose exact
  value underflows to 0 are left out; subnormal results count in subnormal ULPs, see
  :func:`softmax_teach.reference.max_ulp_error`).
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import scipy.special
import torch

from softmax_teach import numerics
from softmax_teach.numerics import softmax
from softmax_teach.reference import max_ulp_error, mp_softmax, ulp_error

ROOT = Path(__file__).resolve().parents[1]
SHAPES = [(1000, 1000), (4096, 1000), (64, 32000), (1024, 32000)]
DTYPES = [np.float32, np.float64]
ULP_SCALES = (1.0, 10.0, 100.0, 1e3, 1e4)
TARGET_SPEEDUP_OVER_SCIPY = 1.3
TARGET_MEMORY = 1.0
ELEMENTS_PER_ROUND = 2e8  # repeats scale with the array so that every case takes similar time


def best_times(functions, repeats, clock=time.process_time):
    """The fastest of ``repeats`` rounds of each function, in seconds, after two warm-up calls each.

    The functions take turns within each round, so a busy spell on a shared machine slows all
    of them alike instead of whichever happened to be running.
    """
    for function in functions.values():
        function()
        function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = clock()
            function()
            times[name].append(clock() - start)
    return {name: min(values) for name, values in times.items()}


def speed_table():
    """``{"dtype shape": {"scipy/ours": r, "ceiling": c}}`` on this process's CPU lane."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    table = {}
    for dtype in DTYPES:
        for shape in SHAPES:
            x = rng.standard_normal(shape).astype(dtype)
            shifted = x - x.max(axis=-1, keepdims=True)
            buffer = np.empty_like(x)
            repeats = int(np.clip(ELEMENTS_PER_ROUND / x.size, 3, 60))
            times = best_times(
                {
                    "ours": lambda x=x: softmax(x),
                    "scipy": lambda x=x: scipy.special.softmax(x, axis=-1),
                    "np.exp": lambda shifted=shifted, buffer=buffer: np.exp(shifted, out=buffer),
                },
                repeats,
            )
            table[f"{np.dtype(dtype).name} {shape}"] = {
                "scipy/ours": times["scipy"] / times["ours"],
                "ceiling": times["scipy"] / times["np.exp"],
                "ours_ms": times["ours"] * 1e3,
            }
    return table


def lane_tables():
    """The speed table natively and, on x86-64, under the AVX2 emulation, each from a child process."""
    lanes = {"native": [sys.executable, __file__, "--speed-json"]}
    if platform.machine() in ("x86_64", "AMD64"):
        lanes["avx2"] = [str(ROOT / "scripts" / "cpu-lane"), "avx2", sys.executable, __file__, "--speed-json"]
    tables = {}
    for lane, command in lanes.items():
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        tables[lane] = json.loads(output.strip().splitlines()[-1])
    return tables


def print_speed(tables):
    print("Speed: scipy.special.softmax time / ours (> 1: ours is faster); ceiling = scipy / np.exp")
    print(
        f"  target: >= 1.0 everywhere, >= {TARGET_SPEEDUP_OVER_SCIPY} where the ceiling is above it "
        f"(softmax block {numerics._BLOCK_BYTES // 1024} KiB)"
    )
    lanes = list(tables)
    print(
        f"  {'case':22s} " + "  ".join(f"{lane + ' speed-up':>15s} {'ceiling':>7s} {'ours ms':>8s}" for lane in lanes)
    )
    for case in tables[lanes[0]]:
        cells = []
        for lane in lanes:
            row = tables[lane][case]
            goal = TARGET_SPEEDUP_OVER_SCIPY if row["ceiling"] >= TARGET_SPEEDUP_OVER_SCIPY else 1.0
            verdict = "ok" if row["scipy/ours"] >= goal else "MISS"
            cells.append(f"{row['scipy/ours']:10.2f} {verdict:>4s} {row['ceiling']:7.2f} {row['ours_ms']:8.2f}")
        print(f"  {case:22s} " + "  ".join(cells))


def memory():
    rng = np.random.default_rng(0)
    print("\nPeak memory while computing (tracemalloc), in outputs (the output itself is 1.0)")
    for dtype, shape in ((np.float32, (1024, 32000)), (np.float64, (1000, 1000))):
        x = rng.standard_normal(shape).astype(dtype)
        ours = peak_memory(lambda x=x: softmax(x), x.nbytes)
        theirs = peak_memory(lambda x=x: scipy.special.softmax(x, axis=-1), x.nbytes)
        print(
            f"  {np.dtype(dtype).name} {shape}: softmax {ours:.3f}, scipy {theirs:.3f} "
            f"(target <= {TARGET_MEMORY:.1f} + small)"
        )


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
            errors = np.array(
                [
                    max_ulp_error(theirs, exact),
                    max_ulp_error(torch.softmax(torch.from_numpy(x), dim=-1).numpy(), exact),
                    max_ulp_error(ours, exact),
                    max_ulp_error(softmax(x, precise=True), exact),
                ]
            )
            overall = np.maximum(overall, errors)
            measurable = exact.astype(dtype) != 0
            measured += measurable.sum()
            worse_than_scipy += (ulp_error(ours, exact) > ulp_error(theirs, exact))[measurable].sum()
            print(f"  {np.dtype(dtype).name:8} {scale:6g} " + " ".join(f"{e:8.1f}" for e in errors))
        bound = 1 if dtype == np.float32 else 4
        print(
            f"  {np.dtype(dtype).name:8} {'all':>6} "
            + " ".join(f"{e:8.1f}" for e in overall)
            + f"   (precise target <= {bound} ULP)"
        )
        print(
            f"  {'':8} default less accurate than scipy on {worse_than_scipy} of {measured} measured "
            "elements (target 0)"
        )


def main():
    if sys.argv[1:] == ["--speed-json"]:
        print(json.dumps(speed_table()))
        return
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, torch {torch.__version__}, {platform.machine()}")
    print_speed(lane_tables())
    memory()
    accuracy()


if __name__ == "__main__":
    main()
