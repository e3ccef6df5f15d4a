"""A small class at once: eight protocol-level students against one server (the bench runs thirty).

Each does what a browser's widget front end does (page, kernel channel with the v1 subprotocol,
widget state, a temperature change saved to the kernel). Functional assertions only: every student
is served, by a kernel of their own, which holds that student's setting. Timings are the bench's
business (``bench/bench_classroom.py``).
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


def test_eight_students_at_once_are_each_served_and_each_kernel_holds_its_students_setting():
    with running_voila(class_size=STUDENTS, cull_after=0, startup_timeout=300) as server:

        async def lesson():
            temperatures = [1.5 + 0.25 * i for i in range(STUDENTS)]  # all different from the start, T = 1
            students = await asyncio.gather(*(arrive_like_a_student(server.url, t) for t in temperatures))
            held = await asyncio.gather(*(s.widget_state(s.slider) for s in students))
            # Then everyone moves the slider once more, at the same time.
            await asyncio.gather(*(s.update_and_settle(s.slider, {"temperature": 0.4}) for s in students))
            again = await asyncio.gather(*(s.widget_state(s.slider) for s in students))
            for s in students:
                await s.close_tab()
            return students, temperatures, held, again

        students, temperatures, held, again = asyncio.run(lesson())
        assert len({s.kernel_id for s in students}) == STUDENTS, "each student needs a kernel of their own"
        assert not any(s.old for s in students), "the dashboard notebook serves the Explorer"
        assert [state["temperature"] for state in held] == temperatures
        assert [state["temperature"] for state in again] == [0.4] * STUDENTS
        assert "Timeout waiting for IOPub output" not in server.log_text()
