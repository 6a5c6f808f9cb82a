"""The throttle: the pace first, then a slot; never a slot held while waiting for the pace."""

from __future__ import annotations

import anyio
import pytest

import zonos_async
from zonos_async._pacing import RatePacer, Throttle

pytestmark = pytest.mark.anyio


def test_rate_pacer_spaces_starts_and_slows_on_429() -> None:
    pacer = RatePacer(10.0)
    assert pacer.delay(100.0) == 0
    assert pacer.try_start(100.0)
    assert pacer.delay(100.0) == pytest.approx(0.1)
    assert not pacer.try_start(100.05)  # too early: nothing claimed
    assert pacer.delay(100.05) == pytest.approx(0.05)
    assert pacer.try_start(100.1)
    assert pacer.delay(100.1) == pytest.approx(0.1)
    pacer.slow_down()
    assert pacer.current == 5.0
    for _ in range(10):
        pacer.slow_down()
    assert pacer.current == 10.0 / 16
    pacer.current = 5.0
    pacer.speed_up()
    assert pacer.current == 5.5
    for _ in range(100):
        pacer.speed_up()
    assert pacer.current == 10.0


@pytest.mark.parametrize("rate", [0, -1.0, float("nan")])
def test_a_pace_that_would_stall_is_refused(rate: float) -> None:
    with pytest.raises(zonos_async.InvalidRequestError, match="rate_limit"):
        RatePacer(rate)


class VirtualTime:
    """A clock and a sleep that moves it: pacing tested without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await anyio.lowlevel.checkpoint()


async def test_starts_are_paced() -> None:
    time = VirtualTime()
    throttle = Throttle(10, RatePacer(4.0), sleep=time.sleep, clock=time.clock)
    starts = []
    for _ in range(5):
        await throttle.acquire()
        starts.append(time.now)
        throttle.release()
    assert starts == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert throttle.pace == 4.0
    throttle.slow_down()
    assert throttle.pace == 2.0


async def test_no_slot_is_held_while_waiting_for_the_pace() -> None:
    time = VirtualTime()
    throttle = Throttle(1, RatePacer(1.0), sleep=time.sleep, clock=time.clock)
    await throttle.acquire()  # the first start is free, and takes the only slot
    paused = anyio.Event()

    async def second() -> None:
        await throttle.acquire()  # must sleep a second for the pace, holding nothing
        throttle.release()

    original_sleep = time.sleep

    async def sleep(seconds: float) -> None:
        # While the second request waits for its pace, the only slot is still the first's:
        # the second holds none.
        assert throttle._limiter.borrowed_tokens == 1
        paused.set()
        await original_sleep(seconds)

    throttle._sleep = sleep
    async with anyio.create_task_group() as tg:
        tg.start_soon(second)
        await paused.wait()
        throttle.release()
    assert time.slept == [1.0]
    assert throttle._limiter.borrowed_tokens == 0


async def test_a_request_cancelled_while_waiting_holds_nothing() -> None:
    throttle = Throttle(1)
    await throttle.acquire()

    async def impatient() -> None:
        with anyio.move_on_after(0.01):
            await throttle.acquire()
            raise AssertionError("the slot was taken")

    async with anyio.create_task_group() as tg:
        tg.start_soon(impatient)
    throttle.release()
    await throttle.acquire()  # the slot is free again
    throttle.release()
    assert throttle.max_in_flight == 1
    assert throttle.pace is None
    throttle.slow_down()  # no pace: nothing to slow
    throttle.speed_up()


async def test_callers_cancelled_while_waiting_for_the_pace_book_nothing() -> None:
    # A burst of callers cut off by a deadline while they wait must not push the
    # next start out by their turns: that stalled a session for good (rate 2, deadline 2).
    time = VirtualTime()
    throttle = Throttle(10, RatePacer(1.0), sleep=time.sleep, clock=time.clock)
    await throttle.acquire()  # the first start, at 0
    throttle.release()

    async def stuck(seconds: float) -> None:
        await anyio.sleep_forever()

    throttle._sleep = stuck
    with anyio.move_on_after(0.01):
        async with anyio.create_task_group() as tg:
            for _ in range(100):
                tg.start_soon(throttle.acquire)
    throttle._sleep = time.sleep
    await throttle.acquire()
    assert time.now == 1.0  # one pace after the first start, not a hundred
    throttle.release()


async def test_slots_freeing_at_once_still_start_requests_a_pace_apart() -> None:
    time = VirtualTime()
    throttle = Throttle(2, RatePacer(1.0), sleep=time.sleep, clock=time.clock)
    free = anyio.Event()
    starts: list[float] = []

    async def request(hold: bool) -> None:
        await throttle.acquire()
        starts.append(time.now)
        if hold:
            await free.wait()
        throttle.release()

    async with anyio.create_task_group() as tg:
        for _ in range(2):
            tg.start_soon(request, True)  # both slots taken, starts at 0 and 1
            await anyio.wait_all_tasks_blocked()
        tg.start_soon(request, False)
        tg.start_soon(request, False)
        await anyio.wait_all_tasks_blocked()
        time.now = 5.0  # both waiters are long past their pace when the slots free
        free.set()
    assert starts[:2] == [0.0, 1.0]
    assert starts[3] - starts[2] >= 1.0
