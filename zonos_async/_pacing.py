"""How many requests run at once, and how fast they start.

A session's :class:`Throttle` admits a request in two steps: first the pace (at
most ``rate`` starts per second), then a slot (at most ``max_in_flight`` at
once). The pace is waited for *before* a slot is taken, so a request that must
wait for its turn never holds a slot another one could use. A start is claimed
only once the slot is held: a request cancelled while it waits has booked
nothing, and several slots freeing at once still let the requests start one
pace apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
from attrs import define, field

from ._errors import InvalidRequestError

__all__ = ["RatePacer", "Throttle"]


@define
class RatePacer:
    """Spaces request starts to at most ``rate`` per second; halves the pace on 429.

    After a 429 the pace recovers by a twentieth of ``rate`` per successful call.
    Pure: the caller says what time it is and does the waiting.
    """

    rate: float
    current: float = field(init=False)
    _next_start: float = field(init=False, default=0.0)

    def __attrs_post_init__(self) -> None:
        if not self.rate > 0:  # also refuses NaN
            raise InvalidRequestError(f"rate_limit must be a positive number, not {self.rate!r}")
        self.current = self.rate

    def delay(self, now: float) -> float:
        """How long until the next start is allowed (books nothing)."""
        return max(0.0, self._next_start - now)

    def try_start(self, now: float) -> bool:
        """Claim a start now if the pace allows one; the next is due a pace later."""
        if now < self._next_start:
            return False
        self._next_start = now + 1 / self.current
        return True

    def slow_down(self) -> None:
        """Halve the pace (not below a sixteenth of ``rate``): Zonos said 429."""
        self.current = max(self.rate / 16, self.current / 2)

    def speed_up(self) -> None:
        """Win back a twentieth of ``rate``: a call went through."""
        self.current = min(self.rate, self.current + self.rate / 20)


class Throttle:
    """Admits requests: ``max_in_flight`` at once, started at the ``pacer``'s pace.

    Cancel-safe: a request cancelled while it waits holds nothing and has
    booked nothing, so a burst of cancelled callers leaves the pace as it was.
    """

    def __init__(
        self,
        max_in_flight: int,
        pacer: RatePacer | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = anyio.current_time,
    ) -> None:
        self._limiter = anyio.CapacityLimiter(max_in_flight)
        self._pacer = pacer
        self._sleep = sleep
        self._clock = clock

    @property
    def max_in_flight(self) -> int:
        """How many requests may run at once."""
        return int(self._limiter.total_tokens)

    @property
    def pace(self) -> float | None:
        """Starts per second allowed now (lower for a while after a 429), or ``None``."""
        return None if self._pacer is None else self._pacer.current

    async def acquire(self) -> None:
        """Wait for the pace, then for a slot; claim the start only while holding it."""
        pacer = self._pacer
        while True:
            if pacer is not None:
                pause = pacer.delay(self._clock())
                if pause > 0:
                    await self._sleep(pause)
            try:
                # A free slot is taken without the two scheduling round trips that anyio's
                # ``async with`` costs (measured: 19 µs against 1 µs); a busy one is awaited.
                self._limiter.acquire_nowait()
            except anyio.WouldBlock:
                await self._limiter.acquire()
            if pacer is None or pacer.try_start(self._clock()):
                return
            # Another request took this turn while we waited: give the slot back, wait again.
            self._limiter.release()

    def release(self) -> None:
        """Give the slot back."""
        self._limiter.release()

    def slow_down(self) -> None:
        """Zonos answered 429: halve the pace (if there is one)."""
        if self._pacer is not None:
            self._pacer.slow_down()

    def speed_up(self) -> None:
        """A call went through: recover the pace a little (if there is one)."""
        if self._pacer is not None:
            self._pacer.speed_up()
