"""The throttle: the pace first, then a slot; never a slot held while waiting for the pace."""

from __future__ import annotations

import anyio
import pytest

import zonos_async
from zonos_async._pacing import RatePacer, Throttle

pytestmark = pytest.mark.anyio


def test_rate_pacer_spaces_starts_and_slows_on_429() -> None:
    pacer = RatePacer(10.0)
    assert pacer.reserve(100.0) == 0
    assert pacer.reserve(100.0) == pytest.approx(0.1)
    assert pacer.reserve(100.0) == pytest.approx(0.2)
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
