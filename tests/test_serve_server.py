"""The dashboard as Voila serves it: a real server on a free port of 127.0.0.1.

The server runs the command of ``softmax-teach dashboard`` (built by
``softmax_teach.cli.voila_command``) and is always stopped in the fixture's teardown, which
also checks that no kernel outlives it. Voila 0.5 streams the page and fills in the cell outputs
as JSON (the widgets themselves are drawn later by the browser), so the checks look at those
outputs: a widget view, no error or stderr output, no code; the loading preview alone is plain
HTML (the dashboard's Voila template).
"""

import concurrent.futures
import json
import re

import psutil
import pytest
from voila_server import VoilaServer

pytestmark = pytest.mark.timeout(420)

OUTPUT_BLOCK = re.compile(r'<script type="application/vnd\.voila\.cell-output\+json">\s*(\{.*?\})\s*</script>', re.S)
PREVIEW_IMG = re.compile(
    r'<img class="probability-plot-preview" [^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"'
)


@pytest.fixture(scope="module")
def server():
    voila = VoilaServer(preheat=True, startup_timeout=180)
    voila.start()
    started = [voila.process.pid]
    try:
        yield voila
    finally:
        # Every kernel the tests caused, including the ten of the concurrent loads.
        started += [p.pid for p in psutil.Process(voila.process.pid).children(recursive=True)]
        voila.stop()
    alive = [pid for pid in started if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"processes left running after the server stopped: {alive}"


def cell_outputs(page):
    return [json.loads(block) for block in OUTPUT_BLOCK.findall(page)]


def check_complete_dashboard_page(status, page):
    assert status == 200
    assert page.rstrip().endswith("</html>"), "the streamed page was cut short"
    outputs = cell_outputs(page)
    kinds = [sorted(output.get("data", {})) for output in outputs]
    assert ["application/vnd.jupyter.widget-view+json", "text/plain"] in kinds, kinds
    # The loading preview is plain HTML in the page (the dashboard's template), not an output
    # left for the JavaScript to render: the browser paints it before any script has run.
    assert "probability-plot-preview" not in "".join(OUTPUT_BLOCK.findall(page))
    assert PREVIEW_IMG.search(OUTPUT_BLOCK.sub("", page)), "the loading preview is missing"
    for output in outputs:
        assert output["output_type"] != "error", output
        assert output.get("name") != "stderr", output
    assert "Traceback" not in page
    assert '"kernelId"' in page


def test_page_renders_the_app_without_errors_and_without_code(server):
    status, page = server.fetch()
    check_complete_dashboard_page(status, page)
    assert "Explore softmax" in page  # the markdown title, rendered by the server
    assert "probability-plot-preview" in page
    # --strip_sources: the notebook's code never reaches the page.
    assert "import build_app" not in page and "loading_preview(app)" not in page
    assert f"http://127.0.0.1:{server.port}/" in server.log_text()


def test_ten_concurrent_page_loads_are_all_served(server):
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: server.fetch(timeout=300), range(10)))
    for status, page in results:
        check_complete_dashboard_page(status, page)
    kernel_ids = {re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1) for _, page in results}
    assert len(kernel_ids) == 10, "each visitor must get a kernel of their own"


def test_the_served_kernels_never_load_torch(server):
    # torch's shared libraries would be mapped into the kernel's memory once imported (sympy, pure
    # Python, is checked through sys.modules in test_dashboard.py).
    kernels = server.kernel_processes()
    assert kernels
    for kernel in kernels.values():
        mapped = [m.path for m in kernel.memory_maps()]
        assert not [path for path in mapped if "/torch/" in path]
        assert any("numpy" in path for path in mapped)  # the check sees the kernel's libraries
