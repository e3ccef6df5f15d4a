"""Idle kernels are culled: a page whose tab went away without saying so loses its kernel after the timeout.

A server with a 4 s cull timeout on a free port of 127.0.0.1, always stopped. A page that never
connects (a tab closed before its widgets started, a laptop lid shut) is culled; a connected page
is kept however idle, and the preheated kernel is never culled.
"""

import asyncio
import time

import pytest
from servers import running_voila, wait_until
from widget_client import WidgetClient

pytestmark = pytest.mark.timeout(300)


def test_idle_kernels_without_a_page_are_culled_and_connected_ones_kept():
    with running_voila(class_size=1, cull_after=4, startup_timeout=180) as server:

        async def scenario():
            gone = WidgetClient(server.url)
            await gone.fetch_page()  # never connects
            kept = WidgetClient(server.url)
            await kept.fetch_page()
            await kept.connect()
            await kept.request_states()
            return gone, kept

        loop = asyncio.new_event_loop()
        try:
            gone, kept = loop.run_until_complete(scenario())
            wait_until(
                lambda: gone.kernel_id not in server.kernel_processes(),
                60,
                message="the abandoned page's kernel culled",
            )
            time.sleep(6)  # longer than the timeout: the connected page's kernel must still be there
            kernels = server.kernel_processes()
            assert kept.kernel_id in kernels
            assert len(kernels) == 2  # kept + the preheated kernel (refilled, never culled)
            assert "Culling kernels with idle durations > 4 seconds" in server.log_text()
            loop.run_until_complete(kept.close_tab())
        finally:
            loop.close()
