"""Speed, memory and accuracy of ``softmax_teach.numerics.softmax`` against its references.

Run with ``.venv/bin/python bench/bench_numerics.py`` (or ``make bench``). Everything is reported
as ratios to references measured in the same process, so the figures mean something on any
machine. This is a measurement, not a test: nothing here asserts, because timings on a shared
machine vary.

Printed:

* **speed on three CPU lanes**: for float16, float32 and float64 at (1000, 1000), (4096, 1000),
  (64, 32000) and (1024, 32000), the time of ``scipy.special.softmax`` divided by ours (above 1:
  we are faster). The table is measured natively and again under ``scripts/cpu-lane avx2`` and
  ``scripts/cpu-lane baseline`` (one child process per lane, since the CPU variables are read at
  import). Targets: within 5% of scipy (ratio >= 0.95) on the cache-sized arrays, >= 1.5 on the
  largest shape, and float16 never more than 2x scipy's time (ratio >= 0.5). Fairness: single
  thread (numpy's ufuncs are single-threaded, torch is set to 1 thread), every contender runs
  twice before timing so that each finds the allocator in the state its own buffers leave it,
  contenders take turns within each round so a busy spell slows all alike, and the best of N
  rounds of CPU time (``time.process_time``) is kept;
* peak extra memory while computing, traced by ``tracemalloc`` (numpy reports its buffers to it),
  as a multiple of the output's size: the output itself counts 1.0;
* the largest error in ULPs against the exact value (50-digit mpmath, unrounded, so a correctly
  rounded result scores at most 0.5) for float16, float32 and float64, C and Fortran order, of
  scipy, torch, the default and ``precise=True`` softmax and log_softmax, on rows of 256 N(0, 1)
  times 1e-3 ... 1e3 and rows spread down to exp's underflow (elements whose exact value
  underflows to 0 are left out; subnormal results count in subnormal ULPs, see
  :func:`softmax_teach.reference.max_ulp_error`), and how many elements the default gets less
  accurately than scipy.
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

from softmax_teach import _kernels
from softmax_teach.numerics import log_softmax, softmax
from softmax_teach.reference import max_ulp_error, mp_log_softmax, mp_softmax, ulp_error

ROOT = Path(__file__).resolve().parents[1]
SHAPES = [(1000, 1000), (4096, 1000), (64, 32000), (1024, 32000)]
CACHE_SIZED = {(1000, 1000), (64, 32000)}  # up to 16 MB: within the 32 MB L3 of the machine measured
LARGEST = (1024, 32000)
DTYPES = [np.float16, np.float32, np.float64]
ULP_SCALES = (1e-3, 1.0, 30.0, 1e3)
TARGET_CACHE_SIZED = 0.95
TARGET_LARGEST = 1.5
TARGET_FLOAT16 = 0.5
TARGET_MEMORY = 1.0
ELEMENTS_PER_ROUND = 2e8  # repeats scale with the array so that every case takes similar time
LANES = ("avx2", "baseline")


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
    """``{"dtype shape": {"scipy/ours": r, "ours_ms": t}}`` on this process's CPU lane."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    table = {}
    for dtype in DTYPES:
        for shape in SHAPES:
            x = rng.standard_normal(shape).astype(dtype)
            repeats = int(np.clip(ELEMENTS_PER_ROUND / x.size, 3, 60))
            times = best_times(
                {"ours": lambda x=x: softmax(x), "scipy": lambda x=x: scipy.special.softmax(x, axis=-1)}, repeats
            )
            table[f"{np.dtype(dtype).name} {shape}"] = {
                "scipy/ours": times["scipy"] / times["ours"],
                "ours_ms": times["ours"] * 1e3,
            }
    return table


def lane_tables():
    """The speed table natively and, on x86-64, on each emulated lane, each from a child process."""
    lanes = {"native": [sys.executable, __file__, "--speed-json"]}
    if platform.machine() in ("x86_64", "AMD64"):
        for lane in LANES:
            lanes[lane] = [str(ROOT / "scripts" / "cpu-lane"), lane, sys.executable, __file__, "--speed-json"]
    tables = {}
    for lane, command in lanes.items():
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        tables[lane] = json.loads(output.strip().splitlines()[-1])
    return tables


def goal(case):
    dtype, shape = case.split(" ", 1)
    if dtype == "float16":
        return TARGET_FLOAT16
    shape = tuple(int(n) for n in shape.strip("()").split(","))
    if shape == LARGEST:
        return TARGET_LARGEST
    return TARGET_CACHE_SIZED if shape in CACHE_SIZED else 1.0


def print_speed(tables):
    print("Speed: scipy.special.softmax time / ours (> 1: ours is faster)")
    print(
        f"  targets: >= {TARGET_CACHE_SIZED} on cache-sized arrays {sorted(CACHE_SIZED)}, >= {TARGET_LARGEST} on "
        f"{LARGEST}, float16 >= {TARGET_FLOAT16} (softmax block {_kernels.BLOCK_BYTES // 1024} KiB)"
    )
    lanes = list(tables)
    print(f"  {'case':22s} " + "  ".join(f"{lane:>10s} {'':4s} {'ours ms':>8s}" for lane in lanes))
    for case in tables[lanes[0]]:
        cells = []
        for lane in lanes:
            row = tables[lane][case]
            verdict = "ok" if row["scipy/ours"] >= goal(case) else "MISS"
            cells.append(f"{row['scipy/ours']:10.2f} {verdict:>4s} {row['ours_ms']:8.2f}")
        print(f"  {case:22s} " + "  ".join(cells))


def memory():
    rng = np.random.default_rng(0)
    print("\nPeak memory while computing (tracemalloc), in outputs (the output itself is 1.0)")
    for dtype, shape in ((np.float16, (1024, 32000)), (np.float32, (1024, 32000)), (np.float64, (1000, 1000))):
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


def accuracy_rows(dtype):
    rng = np.random.default_rng(1)
    rows = [rng.standard_normal((4, 256)) * scale for scale in ULP_SCALES]
    floor = {np.float16: -18.0, np.float32: -104.0, np.float64: -745.0}[dtype]
    underflow = rng.uniform(floor, 0.0, size=(4, 256))
    underflow[:, 0] = 0.0
    return np.clip(np.concatenate(rows + [underflow]), -6e4, 6e4).astype(dtype)


def accuracy():
    """Largest true error in ULPs, per dtype and layout, of scipy, torch, the default and precise."""
    print("\nLargest error in ULPs against the exact value (a correctly rounded result scores <= 0.5)")
    print(f"  rows of 256: N(0,1) x {ULP_SCALES} (4 each) and 4 rows down to exp's underflow")
    header = (
        f"  {'':12} {'dtype':8} {'order':8} {'scipy':>8} {'torch':>8} {'default':>8} {'precise':>8}  worse than scipy"
    )
    for function, reference, torch_function, scipy_function in (
        (softmax, mp_softmax, torch.softmax, scipy.special.softmax),
        (log_softmax, mp_log_softmax, torch.log_softmax, scipy.special.log_softmax),
    ):
        print(header)
        for dtype in DTYPES:
            rows = accuracy_rows(dtype)
            exact = reference(rows.astype(np.float64), dtype=object)
            for order, x in (("C", rows), ("Fortran", np.asfortranarray(rows))):
                with np.errstate(all="ignore"):
                    theirs = scipy_function(x, axis=-1)
                results = [theirs, torch_function(torch.from_numpy(x), dim=-1).numpy(), function(x)]
                results.append(function(x, precise=True))
                errors = [max_ulp_error(result, exact) for result in results]
                measurable = np.isfinite(results[2]) & (np.abs(exact.astype(float)) > 0)
                worse = (ulp_error(results[2], exact) > ulp_error(theirs, exact))[measurable].sum()
                print(
                    f"  {function.__name__:12} {np.dtype(dtype).name:8} {order:8} "
                    + " ".join(f"{e:8.3g}" for e in errors)
                    + f"  {worse} of {measurable.sum()}"
                )


def main():
    if sys.argv[1:] == ["--speed-json"]:
        print(json.dumps(speed_table()))
        return
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, torch {torch.__version__}, {platform.machine()}")
    if "--no-speed" not in sys.argv:
        print_speed(lane_tables())
        memory()
    accuracy()


if __name__ == "__main__":
    main()
