"""Measure the served Softmax Explorer as a learner meets it: a real browser against a real Voila.

In one run, with a preheated kernel (``softmax-teach dashboard``'s command on a free port of
127.0.0.1), over several fresh page loads:
- first paint: the browser's ``first-contentful-paint`` (the page's title and frame);
- interactive: the moment the Temperature tab's slider ("temperature T") and its SVG figure are in
  the page (the figure is computed and drawn in the browser, so a drawn figure answers the keyboard);
- the resident memory (RSS and USS) of the kernel serving the page, and whether it has loaded
  matplotlib (it must not: the kernel draws nothing).

Each figure is printed beside its target (issue 17) and beside the figure measured on the old
dashboard (matplotlib PNGs drawn in the kernel), recorded with the previous version of this script
at commit 18fee6f on this machine type. The key press -> redrawn figure times of the three hosts
are ``bench/bench_explorer.py``'s. Timings depend on the machine's load (other jobs on the same
cores inflate them): the load average is printed with the figures. Nothing is asserted.

Usage: python bench/bench_dashboard.py [--loads 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test machinery it shares

from voila_server import CHROMIUM, CHROMIUM_ARGS, VoilaServer  # noqa: E402

# The old dashboard, measured by this script's previous version at commit 18fee6f (load average
# 0.4 before, 2.3 after): first picture = its static PNG preview painted, interactive = the first
# widget figure shown; the kernel imported matplotlib and drew PNGs.
BEFORE = {
    "first_paint_ms": 480,
    "interactive_ms": 3888,
    "kernel_rss_mb": 109.1,
    "kernel_uss_mb": 78.5,
    "slider_p95_ms": 136.2,
}
TARGETS = {"first_paint_ms": 300, "interactive_ms": 1000, "kernel_rss_mb": 80}

FIRST_PAINT_JS = """() => {
  const entry = performance.getEntriesByName('first-contentful-paint')[0];
  return entry ? entry.startTime : null;
}"""
INTERACTIVE_JS = """() => {
  const panel = document.querySelector('[role=tabpanel]:not([hidden])');
  const slider = panel && panel.querySelector('input[type=range]');
  const figure = panel && panel.querySelector('figure svg[role=img]');
  return slider && figure && figure.getBoundingClientRect().width > 0 ? performance.now() : null;
}"""


def browser_measurements(page_loads):
    from playwright.sync_api import sync_playwright

    with VoilaServer(preheat=True) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            paints, interactive = [], []
            for load in range(page_loads):
                server.wait_until_kernels_idle(120)  # a fresh page each time, on a kernel done preheating
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                page.goto(server.url, wait_until="commit")
                interactive.append(page.wait_for_function(INTERACTIVE_JS, timeout=180_000, polling="raf").json_value())
                paints.append(page.wait_for_function(FIRST_PAINT_JS, timeout=180_000).json_value())
                page.get_by_role("slider", name="temperature T").wait_for()
                if load < page_loads - 1:
                    page.goto("about:blank")  # leaving the page frees its kernel, as a closed tab does
                    page.close()
            kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', page.content()).group(1)
            kernel = server.kernel_processes()[kernel_id]
            memory = kernel.memory_full_info()
            matplotlib = any("/matplotlib/" in m.path for m in kernel.memory_maps())
            return {
                "paints": paints,
                "interactive": interactive,
                "kernel_rss_mb": memory.rss / 2**20,
                "kernel_uss_mb": getattr(memory, "uss", 0) / 2**20,
                "matplotlib": matplotlib,
            }
        finally:
            browser.close()


def line(label, value, unit, key, fmt="{:7.0f}", extra=""):
    target = f"target <= {TARGETS[key]} {unit}" if key in TARGETS else ""
    before = f"before: {BEFORE[key]} {unit}" if key in BEFORE else ""
    print(f"{label:<34}{fmt.format(value)} {unit:<3} ({'; '.join(filter(None, [target, before, extra]))})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5, help="page loads to take the median of")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores "
        "(other jobs on these cores inflate every timing below)"
    )
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} not found: nothing measured")
        return 1
    result = browser_measurements(args.loads)
    paints, interactive = result["paints"], result["interactive"]
    line(
        "first paint (preheated kernel):",
        statistics.median(paints),
        "ms",
        "first_paint_ms",
        extra=f"median of {len(paints)}: {', '.join(f'{t:.0f}' for t in paints)}",
    )
    line(
        "interactive (slider and figure):",
        statistics.median(interactive),
        "ms",
        "interactive_ms",
        extra=f"{', '.join(f'{t:.0f}' for t in interactive)}",
    )
    line(
        "kernel memory (RSS):",
        result["kernel_rss_mb"],
        "MB",
        "kernel_rss_mb",
        fmt="{:7.1f}",
        extra=f"USS {result['kernel_uss_mb']:.1f} MB, before {BEFORE['kernel_uss_mb']} MB",
    )
    print(f"kernel has loaded matplotlib:     {'yes (it must not)' if result['matplotlib'] else 'no'}")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
