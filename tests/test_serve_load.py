"""A small class at once: eight protocol-level students against one server (the bench runs thirty).

Each does what a browser's widget front end does (page, kernel channel with the v1 subprotocol,
widget state, a temperature change, the new figure). Functional assertions only: every student
is served, by a kernel of their own, and gets a redrawn figure. Timings are the bench's business
(``bench/bench_classroom.py``).
"""

import asyncio

import pytest
from servers import running_voila
from widget_client import PageError, arrive_and_move

pytestmark = pytest.mark.timeout(420)

STUDENTS = 8


async def arrive_like_a_student(url, temperature):
    """A student whose page says the kernel could not start does what the page asks: reload, once."""
    try:
        return await arrive_and_move(url, temperature)
    except PageError as error:
        if error.status != 200:
            raise  # a refusal (class full, cross-site) is not a failed start
        return await arrive_and_move(url, temperature)


def test_eight_students_at_once_are_each_served_and_each_slider_redraws_their_figure():
    with running_voila(class_size=STUDENTS, cull_after=0, startup_timeout=300) as server:

        async def lesson():
            temperatures = [1.5 + 0.25 * i for i in range(STUDENTS)]  # all different from the start, T = 1
            students = await asyncio.gather(*(arrive_like_a_student(server.url, t) for t in temperatures))
            # Then everyone moves the slider once more, at the same time.
            again = await asyncio.gather(*(s.move_and_wait_for_figure(s.slider, 0.4, s.figure) for s in students))
            for s in students:
                await s.close_tab()
            return students, again

        students, again = asyncio.run(lesson())
        assert len({s.kernel_id for s in students}) == STUDENTS, "each student needs a kernel of their own"
        pngs = [s.png for s in students]
        assert all(png.startswith(b"\x89PNG") for png in pngs)
        assert len(set(pngs)) == STUDENTS, "each temperature draws its own figure"
        assert {png for _, png in again} and all(png.startswith(b"\x89PNG") for _, png in again)
        assert len({png for _, png in again}) == 1  # the same state everywhere gives the same figure
        assert "Timeout waiting for IOPub output" not in server.log_text()
