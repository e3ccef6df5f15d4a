"""Measure the Softmax Explorer in a real browser: the static page, Voila and JupyterLab.

In one run, each host in Debian's chromium (headless, Playwright):
- a key press on the Temperature tab's "temperature T" slider to the redrawn figure, over 60
  presses: measured in the page, from the keydown event to the first animation frame after the
  figure's SVG changed (what the learner waits for), and, as the old dashboard's benchmark did,
  from just before Playwright sends the key to the figure's change (adds the driver's round trip);
- the static page (export_explorer, served from a loopback folder, cold cache each load): time to
  interactive (the first figure drawn and its slider in place) and bytes transferred;
- Voila with a preheated kernel (notebooks/dashboard.ipynb): first contentful paint and time to
  interactive, the median of three loads.

With ``--before DIR`` (a checkout of the previous dashboard, e.g. ``git archive <rev> | tar -x -C
DIR``) it also runs that checkout's own ``bench/bench_dashboard.py`` and prints the ratios. Timings
depend on the machine's load (printed with them). Nothing is asserted: figures beside targets.

Usage: python bench/bench_explorer.py [--before DIR]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the test machinery it shares

from lab_server import JupyterLabServer  # noqa: E402
from voila_server import CHROMIUM, CHROMIUM_ARGS, VoilaServer  # noqa: E402

from softmax_teach.explorer import export_explorer  # noqa: E402

PRESSES = 60
FIGURE = "figure.probability-plot svg"

# True (as performance.now()) once the shown Temperature tab has drawn its bars and its slider.
READY_JS = """() => {
  const bars = Array.from(document.querySelectorAll('figure.probability-plot svg rect.bar'));
  const slider = document.querySelector('.temperature-tab input[type=range]');
  return bars.some((b) => b.getBoundingClientRect().height > 0) && slider ? performance.now() : null;
}"""

# Watch one figure: each keydown on its tab's temperature slider starts a clock that stops at the
# first animation frame after the figure's SVG changed (window.__frames), and every change of the
# SVG is time-stamped (window.__changes).
WATCH_JS = """(root) => {
  const svg = root.querySelector('figure.probability-plot svg');
  const slider = root.querySelector('.temperature-slider input[type=range]');
  window.__frames = []; window.__changes = []; window.__keyAt = null;
  slider.addEventListener('keydown', () => { window.__keyAt = performance.now(); }, true);
  new MutationObserver(() => {
    const now = performance.now();
    window.__changes.push(now);
    if (window.__keyAt !== null) {
      const start = window.__keyAt;
      window.__keyAt = null;
      requestAnimationFrame(() => window.__frames.push(performance.now() - start));
    }
  }).observe(svg, {childList: true, subtree: true, characterData: true});
}"""


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q))


def press_delays(page, root):
    """(key press -> painted figure, in-page; key sent -> figure changed, driver round trip) in ms."""
    root.evaluate(WATCH_JS)
    slider = root.locator(".temperature-slider input[type=range]")
    slider.focus()
    slider.press("Home")  # T = 0.01: every following press is a new temperature
    page.wait_for_function("window.__frames.length >= 1")
    round_trips = []
    for i in range(PRESSES):
        seen = page.evaluate("window.__changes.length")
        start = page.evaluate("performance.now()")
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"window.__frames.length >= {i + 2} && window.__changes.length > {seen}")
        round_trips.append(page.evaluate(f"window.__changes[{seen}]") - start)
    frames = page.evaluate("window.__frames")[1:]
    return frames, round_trips


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def static_page(browser, loads=5):
    folder = Path(tempfile.mkdtemp(prefix="explorer-static-"))
    export_explorer(folder)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        interactive, transferred = [], []
        for _ in range(loads):
            context = browser.new_context(viewport={"width": 1366, "height": 900})  # a cold cache
            page = context.new_page()
            sizes = []
            page.on("requestfinished", lambda request, sizes=sizes: sizes.append(request.sizes()))
            page.goto(url, wait_until="commit")
            interactive.append(page.wait_for_function(READY_JS, polling="raf", timeout=60_000).json_value())
            page.wait_for_load_state("networkidle")
            transferred.append(sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes))
            context.close()
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(READY_JS, polling="raf")
        frames, round_trips = press_delays(page, page.locator(".temperature-tab"))
        context.close()
        return {
            "interactive": interactive,
            "bytes": transferred,
            "folder_bytes": size,
            "frames": frames,
            "round": round_trips,
        }
    finally:
        server.shutdown()
        server.server_close()


def voila(browser, loads=3):
    with VoilaServer(preheat=True) as server:
        paints, interactive = [], []
        for _ in range(loads):
            server.wait_until_kernels_idle(120)
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(server.url, wait_until="commit")
            interactive.append(page.wait_for_function(READY_JS, polling="raf", timeout=120_000).json_value())
            paints.append(page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"))
            if len(interactive) < loads:
                page.close()
        frames, round_trips = press_delays(page, page.locator(".temperature-tab"))
        page.close()
        return {"paint": paints, "interactive": interactive, "frames": frames, "round": round_trips}


def jupyterlab(browser):
    source = "from softmax_teach.explorer import TemperatureTab\n\nTemperatureTab(logits=[2.0, 1.0, 0.1])"
    with JupyterLabServer([source]) as lab:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(240_000)
        lab.open_and_run(page)
        page.wait_for_function(READY_JS, polling="raf")
        frames, round_trips = press_delays(page, page.locator(".jp-OutputArea .temperature-tab"))
        page.close()
        return {"frames": frames, "round": round_trips}


def before(directory):
    """Run the previous dashboard's own benchmark in its checkout; returns its output."""
    environment = dict(os.environ, PYTHONPATH=str(directory))
    result = subprocess.run(
        [sys.executable, "bench/bench_dashboard.py"],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return result.stdout + result.stderr


def show_presses(name, result):
    frames, round_trips = result["frames"], result["round"]
    print(
        f"{name:<12} key press -> painted figure: median {statistics.median(frames):5.1f} ms, "
        f"p95 {percentile(frames, 95):5.1f} ms (target <= 16 ms; {len(frames)} presses); "
        f"key sent -> figure changed: median {statistics.median(round_trips):5.1f}, "
        f"p95 {percentile(round_trips, 95):5.1f} ms"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of the previous dashboard, to compare with")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            results = {"static page": static_page(browser), "Voila": voila(browser), "JupyterLab": jupyterlab(browser)}
        finally:
            browser.close()
    static, voila_result = results["static page"], results["Voila"]
    print(
        f"static page  interactive: median {statistics.median(static['interactive']):5.0f} ms "
        f"(target <= 500 ms; {', '.join(f'{t:.0f}' for t in static['interactive'])}); transferred "
        f"{statistics.median(static['bytes']) / 1e6:.3f} MB "
        f"(target <= 1.5 MB; folder {static['folder_bytes'] / 1e6:.3f} MB)"
    )
    print(
        f"Voila        first paint: median {statistics.median(voila_result['paint']):5.0f} ms (target <= 300 ms); "
        f"interactive: median {statistics.median(voila_result['interactive']):5.0f} ms (target <= 1000 ms; "
        f"{', '.join(f'{t:.0f}' for t in voila_result['interactive'])}; preheated kernel)"
    )
    for name, result in results.items():
        show_presses(name, result)
    if args.before:
        text = before(args.before)
        print(f"--- the previous dashboard ({args.before}), its own benchmark:")
        print(text.strip())
        old = {
            key: float(m.group(1))
            for key, pattern in {
                "median": r"slider -> figure, median:\s+([\d.]+)",
                "p95": r"slider -> figure, 95th pct:\s+([\d.]+)",
                "interactive": r"first interactive figure:\s+([\d.]+)",
            }.items()
            if (m := re.search(pattern, text))
        }
        if len(old) == 3:
            new_round = voila_result["round"]
            print(
                f"ratios old/new in Voila (same measure, key sent -> figure changed): median "
                f"{old['median'] / statistics.median(new_round):.1f}x, "
                f"p95 {old['p95'] / percentile(new_round, 95):.1f}x; "
                f"first interactive figure {old['interactive'] / statistics.median(voila_result['interactive']):.1f}x"
            )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
