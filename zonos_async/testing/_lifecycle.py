"""The fake's lifecycle: orders that arrive, leave fraud review, get cancelled, or show up late.

A :class:`Lifecycle` says *how often* things happen; a :class:`Schedule` turns it, a seed and a
start time into one stream of events in fake-clock time. The stream is a pure function of
``(lifecycle, seed, start, initial orders)``: the fake asks for the events due "now" whenever it
answers, so two fakes with the same seed agree at every moment, however often (or rarely) a client
calls them, and a clock that jumps three days ahead sees three days' worth of events at once.

What happens (shares are probabilities, times are drawn uniformly from the ranges):

* New orders arrive at ``orders_per_hour`` (a Poisson process). A share ``fraud_review`` start in
  ``IGLOBAL_FRAUD_REVIEW``, the rest in ``IGLOBAL_ORDER_IN_PROCESS`` (seed "Retrieve an order").
* Fraud review ends after ``review_hours``: cleared to ``IGLOBAL_ORDER_IN_PROCESS`` (share
  ``fraud_cleared``) or ``IGLOBAL_ORDER_CANCELLED``. ``IGLOBAL_ORDER_ON_HOLD`` is released to in
  process after the same time.
* An in-process order is later (``settle_hours``) cancelled by Zonos (share ``cancelled``), or
  moved to ``IGLOBAL_LABELS_PROCESSING`` (share ``added_status``), a status the vendor's status
  table does not list: the case of a status Zonos adds.
* Visibility: an order's id is taken when it is placed, but a share ``out_of_order`` only shows
  in ``orderNumbers``/``orderDetail`` ``out_of_order_minutes`` later (a lower id visible after a
  higher one), and a share ``late`` only ``late_days`` later, with its old placement time. The same
  rule holds for orders generated before the start: some of those placed in the last days are
  still hidden and show up during the run.

Every change is guarded by the status it expects: an order a test (or the merchant) has moved
elsewhere is left alone, and a cancelled or completed order never changes again.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterable, Iterator
from typing import Final

from attrs import field, frozen

from ._data import OrderRecord

__all__ = ["Lifecycle", "Move", "Schedule", "Show"]

FRAUD_REVIEW: Final = "IGLOBAL_FRAUD_REVIEW"
IN_PROCESS: Final = "IGLOBAL_ORDER_IN_PROCESS"
ON_HOLD: Final = "IGLOBAL_ORDER_ON_HOLD"
CANCELLED: Final = "IGLOBAL_ORDER_CANCELLED"
ADDED_STATUS: Final = "IGLOBAL_LABELS_PROCESSING"
_FINAL: Final = frozenset({CANCELLED, "IGLOBAL_ORDER_CANCELED", "VENDOR_END_OF_DAY_COMPLETE"})
_HOUR_MS: Final = 3_600_000
_DAY_MS: Final = 24 * _HOUR_MS
_MINUTE_MS: Final = 60_000


def _share(instance: object, attribute: object, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"a share must be between 0 and 1, got {value!r}")


def _span(instance: object, attribute: object, value: tuple[float, float]) -> None:
    low, high = value
    if not 0.0 <= low <= high or math.isinf(high):
        raise ValueError(f"a range must be (low, high) with 0 <= low <= high, got {value!r}")


@frozen(kw_only=True)
class Lifecycle:
    """How orders move on the Zonos side over the fake's time (see the module docstring).

    Example::

        fake = FakeZonos.seeded(orders=300, seed=4, lifecycle=Lifecycle(orders_per_hour=20))
        fake.clock.advance(timedelta(hours=6))  # 6 hours of arrivals, reviews, cancellations
    """

    orders_per_hour: float = field(default=0.0)
    fraud_review: float = field(default=0.16, validator=_share)
    fraud_cleared: float = field(default=0.75, validator=_share)
    review_hours: tuple[float, float] = field(default=(0.25, 12.0), validator=_span)
    cancelled: float = field(default=0.05, validator=_share)
    added_status: float = field(default=0.02, validator=_share)
    settle_hours: tuple[float, float] = field(default=(1.0, 48.0), validator=_span)
    late: float = field(default=0.02, validator=_share)
    late_days: tuple[float, float] = field(default=(1.0, 4.0), validator=_span)
    out_of_order: float = field(default=0.05, validator=_share)
    out_of_order_minutes: tuple[float, float] = field(default=(1.0, 30.0), validator=_span)

    def __attrs_post_init__(self) -> None:
        if not 0.0 <= self.orders_per_hour < math.inf:
            raise ValueError(f"orders_per_hour must be >= 0, got {self.orders_per_hour!r}")
        if self.cancelled + self.added_status > 1.0:
            raise ValueError("cancelled + added_status must not exceed 1")

    def visible_after_ms(self, rng: random.Random) -> int:
        """How long after its placement an order shows (0 for most)."""
        roll = rng.random()
        if roll < self.late:
            return _draw(rng, self.late_days, _DAY_MS)
        if roll < self.late + self.out_of_order:
            return _draw(rng, self.out_of_order_minutes, _MINUTE_MS)
        return 0


def _draw(rng: random.Random, span: tuple[float, float], unit_ms: int) -> int:
    low, high = span
    return max(1, round((low + rng.random() * (high - low)) * unit_ms))


@frozen
class Show:
    """An order becomes visible."""

    record: OrderRecord


@frozen
class Move:
    """Zonos moves order ``number`` to ``status`` at ``at_ms``, if it is still in ``expect``."""

    number: int
    at_ms: int
    status: str
    expect: frozenset[str] | None  # None: any status that is not final


_Event = Show | Move | None  # None: the next arrival
_NOT_FINAL: Final = None


class Schedule:
    """The event stream of one fake (not thread-safe: the fake calls it under its lock).

    Args:
        lifecycle: the rates.
        seed: the fake's seed; every draw derives from it.
        start_ms: when the lifecycle starts (the fake's clock at creation).
        visible: the orders visible at the start; the open ones get their futures.
        hidden: orders placed before the start that show later, with when they show.
    """

    def __init__(
        self,
        lifecycle: Lifecycle,
        seed: int,
        start_ms: int,
        visible: Iterable[OrderRecord],
        hidden: Iterable[tuple[int, OrderRecord]] = (),
    ) -> None:
        self.lifecycle = lifecycle
        self._seed = seed
        self._heap: list[tuple[int, int, _Event]] = []
        self._sequence = 0
        self._arrivals = random.Random(f"zonos-fake-arrivals:{seed}")
        for record in visible:
            self._plan(record, start_ms)
        for show_ms, record in hidden:
            self._push(show_ms, Show(record))
        if lifecycle.orders_per_hour > 0:
            self._push(start_ms + self._gap_ms(), None)

    def __repr__(self) -> str:
        return f"<Schedule {self.lifecycle!r} pending={len(self._heap)}>"

    @property
    def pending(self) -> int:
        """Events not yet due (arrivals count one)."""
        return len(self._heap)

    def due(self, now_ms: int, allocate: Callable[[], int]) -> Iterator[Show | Move]:
        """The events up to ``now_ms``, in time order; ``allocate`` gives a new order's number."""
        heap = self._heap
        while heap and heap[0][0] <= now_ms:
            at_ms, _, event = heapq.heappop(heap)
            if event is None:
                self._push(at_ms + self._gap_ms(), None)
                record = self._arrival(at_ms, allocate())
                delay = self.lifecycle.visible_after_ms(self._arrivals)
                if delay:
                    self._push(at_ms + delay, Show(record))
                    continue
                event = Show(record)
            if isinstance(event, Show):
                self._plan(event.record, at_ms)
            yield event

    # ------------------------------------------------------------------------------------------

    def _push(self, at_ms: int, event: _Event) -> None:
        self._sequence += 1
        heapq.heappush(self._heap, (at_ms, self._sequence, event))

    def _gap_ms(self) -> int:
        return max(1, round(self._arrivals.expovariate(self.lifecycle.orders_per_hour) * _HOUR_MS))

    def _arrival(self, at_ms: int, number: int) -> OrderRecord:
        rng = self._arrivals
        status = FRAUD_REVIEW if rng.random() < self.lifecycle.fraud_review else IN_PROCESS
        return OrderRecord(
            number=number,
            placed_ms=at_ms,
            test_order=rng.random() < 0.05,
            status=status,
            status_ms=at_ms,
        )

    def _plan(self, record: OrderRecord, from_ms: int) -> None:
        """Push the future of ``record`` as seen at ``from_ms`` (drawn from its own generator)."""
        life = self.lifecycle
        rng = random.Random(f"zonos-fake-lifecycle:{self._seed}:{record.number}")
        status = record.status
        at_ms = from_ms
        if status in (FRAUD_REVIEW, ON_HOLD):
            at_ms += _draw(rng, life.review_hours, _HOUR_MS)
            cleared = status == ON_HOLD or rng.random() < life.fraud_cleared
            outcome = IN_PROCESS if cleared else CANCELLED
            self._push(at_ms, Move(record.number, at_ms, outcome, frozenset({status})))
            if not cleared:
                return
            status = IN_PROCESS
        if status != IN_PROCESS:
            return
        roll = rng.random()
        at_ms += _draw(rng, life.settle_hours, _HOUR_MS)
        if roll < life.cancelled:
            self._push(at_ms, Move(record.number, at_ms, CANCELLED, _NOT_FINAL))
        elif roll < life.cancelled + life.added_status:
            self._push(at_ms, Move(record.number, at_ms, ADDED_STATUS, frozenset({IN_PROCESS})))


def applies(move: Move, current: str) -> bool:
    """Whether ``move`` still applies to an order now in ``current``."""
    if move.expect is None:
        return current not in _FINAL and current != move.status
    return current in move.expect
