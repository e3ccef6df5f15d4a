"""The served dashboard in front of a class (issue 12): kernel lifetime, the cap, cross-site requests, no freeze.

One real server (``softmax-teach dashboard``'s command) on a free port of 127.0.0.1, with one
preheated kernel and a cap of three kernels, is started for the module and always stopped; no
process it started may outlive it. Students are protocol-level clients (``widget_client``): what
a browser's widget front end sends, without a browser. Kernels are counted as processes.
"""

import asyncio
import time

import psutil
import pytest
from servers import running_voila, wait_until
from widget_client import PageError, WidgetClient, close_code_after_sending, explorer_tab, fetch, forged_v1_frames

pytestmark = pytest.mark.timeout(420)

CAP = 3


@pytest.fixture(scope="module")
def server():
    with running_voila(class_size=1, max_kernels=CAP, cull_after=0, startup_timeout=180) as voila:
        yield voila


@pytest.fixture()
def quiet(server):
    """The server back to its resting state after the test: only the preheated kernel alive."""
    yield server
    wait_until(lambda: len(server.kernel_processes()) == 1, 60, message="back to the one preheated kernel")
    server.wait_until_kernels_idle(60)


def run(coroutine):
    return asyncio.run(coroutine)


def kernels(server):
    return set(server.kernel_processes())


async def student(server, connect=True):
    client = WidgetClient(server.url)
    await client.fetch_page()
    if connect:
        await client.connect()
    return client


def test_closing_a_tab_frees_its_kernel_and_the_shutdown_still_needs_the_xsrf_value(quiet):
    server = quiet

    async def scenario():
        client = await student(server)
        assert "_xsrf=" in client.cookies, "the page must set the cookie the tab's shutdown request sends"
        assert client.kernel_id in kernels(server)
        # A forged request (no _xsrf value, as a cross-site form would send) is refused: CSRF protection kept.
        assert await client.close_tab(with_xsrf=False) == 403
        assert client.kernel_id in kernels(server)
        # What the page sends on beforeunload.
        assert await client.close_tab() == 204
        return client.kernel_id

    kernel_id = run(scenario())
    wait_until(lambda: kernel_id not in kernels(server), 30, message="the closed tab's kernel gone")
    status, _, _ = fetch(f"{server.url}api/kernels/{kernel_id}")
    assert status == 404


def test_beyond_the_cap_the_class_is_full_page_and_no_new_kernel(quiet):
    server = quiet

    async def scenario():
        students = [await student(server, connect=False) for _ in range(CAP)]
        assert len({s.kernel_id for s in students}) == CAP
        wait_until(lambda: len(kernels(server)) == CAP, 60, message=f"{CAP} kernels")
        before = kernels(server)
        status, page, _ = await asyncio.to_thread(fetch, server.url)
        time.sleep(1.0)  # a kernel started by that request would show up by now
        assert kernels(server) == before
        # A place freed (a tab closed) is a place for the next student, preheated again.
        assert await students[0].close_tab() == 204
        latecomer = await student(server, connect=False)
        for s in students[1:] + [latecomer]:
            assert await s.close_tab() == 204
        return status, page

    status, page = run(scenario())
    assert status == 503
    assert "The class is full" in page and "Retry in a minute" in page
    assert "kernelId" not in page


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"},  # fetch(..., no-cors)
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
        {"Origin": "http://elsewhere.example"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},  # a followed link
    ],
    ids=["no-cors-fetch", "iframe", "foreign-origin", "link"],
)
def test_a_cross_site_request_starts_no_kernel(quiet, headers):
    server = quiet
    before = kernels(server)
    assert len(before) == 1
    status, page, _ = fetch(server.url, headers=headers)
    time.sleep(1.0)
    assert kernels(server) == before, "a cross-site request started a kernel"
    assert "kernelId" not in page
    if headers.get("Sec-Fetch-Dest") == "document":
        # A link from a course page still works: the answer reloads itself as a same-origin request.
        assert status == 200 and "location.replace" in page
    else:
        assert status == 403 and "another web site" in page
    # The preheated kernel is still there for the next real visitor.
    client = run(student(server, connect=False))
    assert client.kernel_id in before
    assert run(client.close_tab()) == 204


def test_the_issue_12_client_does_not_freeze_the_server(quiet):
    """Finding 1: no subprotocol, comm_info_request, then request_state to every comm."""
    server = quiet
    voila = psutil.Process(server.process.pid)

    async def scenario():
        legacy = WidgetClient(server.url, protocol="legacy")
        await legacy.fetch_page()
        with pytest.raises(Exception) as refused:
            await legacy.connect()
        assert "400" in str(refused.value)
        rss_before = voila.memory_info().rss
        # The same requests over the v1 protocol (what a browser sends) are served, buffers and all.
        browser_like = WidgetClient(server.url)
        browser_like.kernel_id, browser_like.cookies = legacy.kernel_id, legacy.cookies
        await browser_like.connect()
        states = await browser_like.request_states()
        tab = explorer_tab(states)
        # Then the server answers someone else at once.
        answered = []
        for _ in range(3):  # a frozen server answers none; a loaded machine may miss one
            started = time.perf_counter()
            try:
                status, _, _ = await asyncio.to_thread(fetch, f"{server.url}api/kernels/{legacy.kernel_id}", None, 1.0)
            except OSError:
                continue
            answered.append((status, time.perf_counter() - started))
            break
        rss_after = voila.memory_info().rss
        await browser_like.close_tab()
        return states, tab, answered, rss_before, rss_after

    states, tab, answered, rss_before, rss_after = run(scenario())
    assert len(states) >= 6 and "temperature" in states[tab]  # the app and its five tabs
    assert answered and answered[0][0] == 200 and answered[0][1] < 1.0, answered
    assert rss_after - rss_before < 100e6, f"the server grew by {(rss_after - rss_before) / 1e6:.0f} MB"
    assert "Refused a kernel websocket without the v1.kernel.websocket.jupyter.org" in server.log_text()


def test_forged_v1_frames_close_that_client_and_the_server_keeps_answering(quiet):
    """Issue 17, item 8: a client that negotiated v1 sends frames jupyter_server's parser trusts."""
    server = quiet
    voila = psutil.Process(server.process.pid)

    async def scenario():
        owner = await student(server)  # a student whose kernel the attacker connects to
        rss_before = voila.memory_info().rss
        outcomes = {}
        for name, frame in forged_v1_frames().items():
            attacker = WidgetClient(server.url)
            attacker.kernel_id, attacker.cookies = owner.kernel_id, owner.cookies
            await attacker.connect()
            code = await close_code_after_sending(attacker, frame, timeout=5.0)
            started = time.perf_counter()
            status, _, _ = await asyncio.to_thread(fetch, f"{server.url}api/kernels/{owner.kernel_id}", None, 2.0)
            outcomes[name] = (code, status, time.perf_counter() - started)
            await attacker.close()
        # The student on the same kernel is still served: their widgets answer.
        states = await owner.request_states(timeout=30)
        rss_after = voila.memory_info().rss
        await owner.close_tab()
        return outcomes, states, rss_after - rss_before

    outcomes, states, growth = run(scenario())
    for name, (code, status, seconds) in outcomes.items():
        assert code == 1008, f"{name}: the server did not close the websocket (close code {code})"
        assert status == 200 and seconds < 2.0, f"{name}: the next request took {seconds:.1f} s (HTTP {status})"
    assert len(states) > 5
    assert growth < 50e6, f"the server grew by {growth / 1e6:.0f} MB"
    log = server.log_text()
    assert "malformed v1 frame (offset count 4611686018427387904 does not fit" in log
    assert "Traceback" not in log


def test_a_page_without_kernel_says_so_rather_than_showing_a_title_only(quiet):
    # The template's notice is in every page, hidden while the app is there.
    client = run(student(quiet, connect=False))
    assert 'id="explorer-failed"' in client.page and "Reload this page" in client.page
    assert run(client.close_tab()) == 204
    with pytest.raises(PageError):
        run(WidgetClient(quiet.url, "no-such-page.ipynb").fetch_page())
