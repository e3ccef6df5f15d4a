"""Measure the Softmax Explorer as a learner meets it: in a real browser, against a real Voila.

In one run:
- the time from navigation to the first drawn figure (preheated kernel), as the median of three
  page loads: the static loading preview (the moment its pixels were painted, from the browser's
  Element Timing), and the interactive figure once the widgets are live;
- the median and 95th percentile of the time from a temperature-slider change (a key press on
  its handle) to the redrawn figure, over 50 changes to values not seen before (no cache hits);
- the resident memory of the kernel serving the page (psutil);
- in this process, for reference: one in-place redraw against a naive rebuild of the figure with
  pyplot (a new figure, bars, savefig), the way a first version typically does it.

Timings depend on the machine's load (other jobs on the same cores inflate them); the load
average is printed with the figures. Nothing is asserted: this prints figures beside targets.

Usage: python bench/bench_dashboard.py
"""

from __future__ import annotations

import io
import os
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test machinery it shares

from voila_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_FIGURE_JS,
    FIRST_PICTURE_JS,
    WATCH_FIGURE_JS,
    VoilaServer,
)

from softmax_teach import numerics
from softmax_teach.dashboard import TemperatureTab

SLIDER_CHANGES = 50


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q))


def first_figure_times(page, url):
    """Navigate and return (first picture of any kind, first interactive figure), in ms."""
    page.goto(url, wait_until="commit")
    picture = page.wait_for_function(FIRST_PICTURE_JS, timeout=60_000, polling="raf").json_value()
    figure = page.wait_for_function(FIRST_FIGURE_JS, timeout=60_000, polling="raf").json_value()
    return picture, figure


def browser_measurements(page_loads=3):
    from playwright.sync_api import sync_playwright

    with VoilaServer(preheat=True) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pictures, figures = [], []
            for _ in range(page_loads):
                # A fresh page each time, on a kernel that has finished preheating.
                server.wait_until_kernels_idle(120)
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                picture, figure = first_figure_times(page, server.url)
                pictures.append(picture)
                figures.append(figure)
                if len(figures) < page_loads:
                    page.close()
            kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', page.content()).group(1)
            kernel = server.kernel_processes()[kernel_id]
            page.evaluate(WATCH_FIGURE_JS)
            handle = page.locator(".temperature-tab .temperature-slider .noUi-handle")
            handle.focus()
            delays = []
            for _ in range(SLIDER_CHANGES):
                seen = page.evaluate("window.__figureChanges.length")
                start = page.evaluate("performance.now()")
                page.keyboard.press("ArrowRight")
                page.wait_for_function(f"window.__figureChanges.length > {seen}", timeout=30_000)
                delays.append(page.evaluate(f"window.__figureChanges[{seen}]") - start)
            readout = page.locator(".temperature-tab .temperature-slider .widget-readout").inner_text()
            memory = kernel.memory_full_info()
            return {
                "pictures": pictures,
                "figures": figures,
                "delays": delays,
                "final_temperature": readout,
                "kernel_rss_mb": memory.rss / 2**20,
                "kernel_uss_mb": getattr(memory, "uss", 0) / 2**20,
            }
        finally:
            browser.close()


def in_process_redraws(repeats=30):
    """Median seconds of an in-place redraw (this package) and of a naive pyplot rebuild."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tab = TemperatureTab()
    temperatures = np.geomspace(0.2, 5.0, repeats)
    in_place = []
    for temperature in temperatures:
        start = time.perf_counter()
        tab.temperature_slider.value = float(temperature)
        in_place.append(time.perf_counter() - start)
    naive = []
    logits = np.array([2.0, 1.0, 0.1])
    for temperature in temperatures:
        start = time.perf_counter()
        figure, ax = plt.subplots(figsize=(9.0, 4.2))
        p = numerics.softmax(logits, temperature=float(temperature))
        ax.bar(range(p.size), p)
        for i, value in enumerate(p):
            ax.text(i, value, f"{value:.3f}", ha="center", va="bottom")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        plt.close(figure)
        naive.append(time.perf_counter() - start)
    return statistics.median(in_place), statistics.median(naive)


def main():
    load = os.getloadavg()
    print(
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores "
        "(other jobs on these cores inflate every timing below)"
    )
    in_place, naive = in_process_redraws()
    print(
        f"in-process redraw (kernel side): in place {in_place * 1e3:.1f} ms, naive pyplot rebuild "
        f"{naive * 1e3:.1f} ms, ratio {naive / in_place:.1f}x"
    )
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} not found: browser measurements skipped")
        return 1
    result = browser_measurements()
    delays = result["delays"]
    pictures, figures = result["pictures"], result["figures"]
    print(
        f"first figure painted (preview):  {statistics.median(pictures):7.0f} ms   (target < 1000 ms, preheated "
        f"kernel; median of {len(pictures)} loads: {', '.join(f'{t:.0f}' for t in pictures)})"
    )
    print(
        f"first interactive figure:        {statistics.median(figures):7.0f} ms   (widgets synced; "
        f"{', '.join(f'{t:.0f}' for t in figures)}; bare ipywidgets page without preheating ~3900 ms)"
    )
    print(f"slider -> figure, median:        {statistics.median(delays):7.1f} ms   (target < 100 ms; naive ~220 ms)")
    print(
        f"slider -> figure, 95th pct:      {percentile(delays, 95):7.1f} ms   (over {len(delays)} changes, "
        f"T ended at {result['final_temperature']})"
    )
    print(
        f"kernel memory (RSS):             {result['kernel_rss_mb']:7.1f} MB   (target < 200 MB; "
        f"USS {result['kernel_uss_mb']:.1f} MB)"
    )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
