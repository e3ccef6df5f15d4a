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
from voila_server import VoilaServer, notebook_code_lines

pytestmark = pytest.mark.timeout(420)

OUTPUT_BLOCK = re.compile(r'<script type="application/vnd\.voila\.cell-output\+json">\s*(\{.*?\})\s*</script>', re.S)


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
    for output in outputs:
        assert output["output_type"] != "error", output
        assert output.get("name") != "stderr", output
    assert "Traceback" not in page
    assert '"kernelId"' in page


def test_page_renders_the_app_without_errors_and_without_code(server):
    status, page = server.fetch()
    check_complete_dashboard_page(status, page)
    assert "Explore softmax" in page  # the markdown title, rendered by the server
    assert 'id="explorer-failed"' in page  # the dashboard's template
    # --strip_sources: the notebook's code never reaches the page.
    code = notebook_code_lines()
    assert code and [line for line in code if line in page] == []
    assert f"http://127.0.0.1:{server.port}/" in server.log_text()


def test_ten_concurrent_page_loads_are_all_served(server):
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: server.fetch(timeout=300), range(10)))
    for status, page in results:
        check_complete_dashboard_page(status, page)
    kernel_ids = {re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1) for _, page in results}
    assert len(kernel_ids) == 10, "each visitor must get a kernel of their own"


def test_the_served_kernels_draw_nothing_and_load_neither_matplotlib_nor_torch(server):
    # Importing matplotlib maps its compiled modules (matplotlib/_c_internal_utils, _path, ft2font),
    # and torch its shared libraries, into the kernel's memory. Voila refuses to run code sent by a
    # client, so the kernels that served the pages above are inspected from outside.
    kernels = server.kernel_processes()
    assert len(kernels) >= 2  # the preheated one and those that served pages
    for kernel in kernels.values():
        mapped = {m.path for m in kernel.memory_maps()}
        assert [path for path in mapped if "/matplotlib/" in path or "/torch/" in path] == []
        assert any("/numpy/" in path for path in mapped)  # the check sees the kernel's libraries
        assert [path for path in mapped if "/PIL/" in path] == []  # no image library either


def test_a_page_whose_notebook_built_no_app_says_so_in_the_browser(tmp_path):
    """The template's notice: a notebook whose outputs hold no widget (a failed or timed-out kernel)."""
    import nbformat
    from voila_server import require_chromium

    require_chromium(pytest)
    from playwright.sync_api import sync_playwright
    from voila_server import CHROMIUM, CHROMIUM_ARGS

    notebook = tmp_path / "no_app.ipynb"
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell("# Explore softmax"), nbformat.v4.new_code_cell("print('no app')")]
        ),
        notebook,
    )
    with VoilaServer(notebook, preheat=False, startup_timeout=120) as voila, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(voila.url)
            notice = page.locator("#explorer-failed")
            notice.wait_for(state="visible", timeout=60_000)
            assert "could not start" in notice.inner_text() and "Reload this page" in notice.inner_text()
        finally:
            browser.close()
