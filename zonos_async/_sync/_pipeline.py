"""The batch importer: ``orderNumbers`` windows feed ``orderDetail`` calls feed your loop.

Why it is shaped this way:

- **Windows.** Zonos has no paging, so a long range is cut into date windows
  (``sinceDate``/``throughDate``, whole UTC days, both inclusive) and several are
  listed at once; a window's ids are dispatched as soon as it and every window
  before it have answered, so detail calls start long before the listing ends.
- **Bounded everything.** Ids go to the detail workers through a memory object
  stream of ``concurrency`` slots, orders come back through another, and the
  number of orders dispatched but not yet taken by the consumer is capped. A
  slow consumer therefore stops the detail calls instead of piling up orders;
  at most one window's id list (per listing slot) is held in memory.
- **Import order.** Orders are dispatched by placement day, then by order number
  (Zonos numbers orders as they are placed, so this is id order). That order is
  what ``ordered=True`` yields.
- **Errors.** Retrying is the session's job. A call that still fails stops the
  import: the other calls are cancelled, the orders already fetched are still
  handed out, then the loop raises that call's typed error.
- **No async generator owns a task group** (see STYLE.md): ``import_orders`` is an
  async context manager and the loop reads from a stream wrapper.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Final, Literal, Protocol

import anyio
import attrs
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from attrs import define, frozen

from .._errors import InvalidRequestError
from .._models import Order, OrderNumbersPage, OrderSummary
from .._status import OrderStatus
from ..protocol import DateTypes

__all__ = [
    "ImportStats",
    "OrderLister",
    "OrderSource",
    "OrderStream",
    "TestOrders",
    "import_orders",
]

TestOrders = Literal["include", "skip", "only"]
"""What to do with test orders: import them too, leave them out, or import nothing else."""

DEFAULT_CONCURRENCY: Final = 32
DEFAULT_WINDOW_DAYS: Final = 7
DEFAULT_WINDOW_CONCURRENCY: Final = 4
# Orders dispatched but not yet handed to the consumer, per detail worker. In id order the
# head order may be slow while later ones finish; this is how far ahead the others may run.
_ORDERED_AHEAD_PER_WORKER: Final = 4
_UNORDERED_AHEAD_PER_WORKER: Final = 32
_UNORDERED_AHEAD_MIN: Final = 1024

_NUMBER = re.compile(r"(\d+)$")


class OrderLister(Protocol):
    """A :class:`~zonos_async.Session`'s ``order_numbers``: what every job that lists needs."""

    async def order_numbers(
        self,
        *,
        since_date: DateTypes | None = ...,
        through_date: DateTypes | None = ...,
        since_order_id: str | int | None = ...,
        missing_merchant_order_id: bool = ...,
        statuses: bool = ...,
    ) -> OrderNumbersPage: ...


class OrderSource(OrderLister, Protocol):
    """What the importer needs from a :class:`~zonos_async.Session` (so tests may wrap one)."""

    async def order_detail(
        self, order_id: str | int | None = ..., *, reference_id: str | None = ...
    ) -> Order: ...


@frozen
class ImportStats:
    """A snapshot of an import's progress (``orders.stats``).

    Attributes:
        windows: Listing calls planned (date windows, or 1).
        windows_listed: Listing calls answered.
        listing_done: Every window is listed and dispatched; ``listed`` is final.
        listed: Distinct orders listed so far.
        duplicates: Listed again (a repeated id, or windows that overlap) and dropped.
        skipped: Left out by a filter (test orders, statuses, ``skip_ids``, merchant id).
        fetched: ``orderDetail`` calls that succeeded.
        yielded: Orders handed to your loop.
        in_flight: ``orderDetail`` calls running now; ``peak_in_flight`` the most at once.
        ready: Orders fetched and waiting for your loop; ``peak_ready`` the most at once.
        elapsed: Seconds since the import started.
    """

    windows: int
    windows_listed: int
    listing_done: bool
    listed: int
    duplicates: int
    skipped: int
    fetched: int
    yielded: int
    in_flight: int
    peak_in_flight: int
    ready: int
    peak_ready: int
    elapsed: float

    @property
    def to_fetch(self) -> int:
        """Orders this import will yield, as far as the listing has told so far."""
        return self.listed - self.skipped

    @property
    def remaining(self) -> int:
        """``to_fetch`` minus what was yielded."""
        return self.to_fetch - self.yielded

    @property
    def rate(self) -> float:
        """Orders yielded per second."""
        return self.yielded / self.elapsed if self.elapsed > 0 else 0.0


@define
class _Counters:
    started: float
    windows: int = 0
    windows_listed: int = 0
    listing_done: bool = False
    listed: int = 0
    duplicates: int = 0
    skipped: int = 0
    fetched: int = 0
    yielded: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    ready: int = 0
    peak_ready: int = 0
    finished: float | None = None

    def snapshot(self) -> ImportStats:
        end = self.finished if self.finished is not None else anyio.current_time()
        counts = attrs.asdict(self, recurse=False, filter=lambda a, _: a.name in _STAT_NAMES)
        return ImportStats(**counts, elapsed=end - self.started)


_STAT_NAMES: Final = frozenset(a.name for a in attrs.fields(ImportStats)) - {"elapsed"}
"""The counters a snapshot copies as they are; every other stat is derived."""


Key = tuple[int, int, str]


@define(eq=False)  # identity: an entry is a CapacityLimiter borrower
class _Entry:
    id: str
    key: Key
    day: date | None
    seq: int = -1
    handed: bool = False


def _number(order_id: str) -> int:
    match = _NUMBER.search(order_id)
    return int(match.group(1)) if match else -1


class _Tracker:
    """Entries dispatched but not yet handed out, in dispatch order.

    The limiter caps how many may wait, which bounds memory: a slow consumer
    stops the dispatch instead of piling up orders.
    """

    def __init__(self, bound: int) -> None:
        self._entries: deque[_Entry] = deque()
        self._limiter = anyio.CapacityLimiter(bound)

    async def add(self, entry: _Entry, *, handed: bool) -> None:
        await self._limiter.acquire_on_behalf_of(entry)
        entry.handed = handed
        self._entries.append(entry)
        if handed:
            self._advance()

    def hand(self, entry: _Entry) -> None:
        entry.handed = True
        self._advance()

    def _advance(self) -> None:
        entries = self._entries
        while entries and entries[0].handed:
            self._limiter.release_on_behalf_of(entries.popleft())


@frozen
class _Window:
    start: date
    end: date


def _windows(since: date, until: date, days: int) -> Iterator[_Window]:
    start = since
    while start <= until:
        end = min(start + timedelta(days=days - 1), until)
        yield _Window(start, end)
        start = end + timedelta(days=1)


_Listed = tuple[Key, date, str, bool]
"""One listed order as the importer keeps it: (sort key, UTC day, id, wanted by the filters).

Four small fields instead of the whole summary with its JSON: what a window
costs to hold until it is dispatched (measured: 483 + 228 bytes an order before).
"""


@define(eq=False)
class _Slot:
    window: _Window
    ready: anyio.Event
    listed: list[_Listed] | None = None


def _utc_day(value: object, name: str) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidRequestError(f"{name} is a naive datetime; pass a date or an aware one")
        return value.astimezone(timezone.utc).date()
    if isinstance(value, date):
        return value
    raise InvalidRequestError(f"{name} must be a datetime.date, got {type(value).__name__}")


def _today() -> date:
    return datetime.now(timezone.utc).date()


@frozen
class _Plan:
    """What to list, resolved from the arguments."""

    mode: Literal["dates", "since_order_id", "missing"]
    list_from: date | None  # dates mode
    list_until: date | None
    list_after: str | None  # since_order_id mode


def _resolve(
    *, since: date | None, until: date | None, since_order_id: str | None, missing: bool
) -> _Plan:
    if since is not None and since_order_id is not None:
        raise InvalidRequestError("pass since or since_order_id, not both")
    if since_order_id is not None and until is not None:
        raise InvalidRequestError("until only applies to a date range (since=...)")
    if since is not None:
        last_day = until if until is not None else _today()
        if last_day < since:
            raise InvalidRequestError(f"until {last_day} is before since {since}")
        return _Plan("dates", since, last_day, None)
    if since_order_id is not None:
        return _Plan("since_order_id", None, None, since_order_id)
    if not missing:
        raise InvalidRequestError("pass since, since_order_id or missing_merchant_order_id=True")
    return _Plan("missing", None, None, None)


class OrderStream:
    """The orders of a running import: ``async for order in orders``.

    Made by :func:`import_orders`; each order comes once. Read ``stats`` at any
    time. Nothing is remembered between imports: to keep a store of record in
    step with Zonos, use :func:`~zonos_async.sync` instead.
    """

    def __init__(
        self,
        source: OrderSource,
        plan: _Plan,
        *,
        receive: MemoryObjectReceiveStream[tuple[_Entry, Order]],
        window_days: int,
        concurrency: int,
        window_concurrency: int,
        wanted: Callable[[OrderSummary], bool],
        need_statuses: bool,
        ordered: bool,
    ) -> None:
        self._source = source
        self._plan = plan
        self._rx = receive
        self._window_days = window_days
        self._concurrency = concurrency
        self._window_concurrency = window_concurrency
        self._wanted = wanted
        self._need_statuses = need_statuses
        self._ordered = ordered
        self._counters = _Counters(started=anyio.current_time())
        per_worker = _ORDERED_AHEAD_PER_WORKER if ordered else _UNORDERED_AHEAD_PER_WORKER
        bound = per_worker * concurrency
        if not ordered:
            bound = max(bound, _UNORDERED_AHEAD_MIN)
        self._tracker = _Tracker(bound)
        self._next_seq = 0
        self._error: BaseException | None = None
        self._error_delivered = False

    def __repr__(self) -> str:
        stats = self.stats
        return f"<OrderStream yielded={stats.yielded} listed={stats.listed}>"

    @property
    def stats(self) -> ImportStats:
        """Progress so far (a frozen snapshot)."""
        return self._counters.snapshot()

    def __aiter__(self) -> OrderStream:
        return self

    async def __anext__(self) -> Order:
        error: BaseException | None = None
        try:
            entry, order = await self._rx.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            if self._error is None:
                raise StopAsyncIteration from None
            error = self._error
        if error is not None:
            self._error_delivered = True
            raise error
        counters = self._counters
        counters.ready -= 1
        counters.yielded += 1
        self._tracker.hand(entry)
        return order

    # --- The machinery ---------------------------------------------------------------------

    async def _run(self, out_tx: MemoryObjectSendStream[tuple[_Entry, Order]]) -> None:
        try:
            async with anyio.create_task_group() as tg:
                ids_tx, ids_rx = anyio.create_memory_object_stream[_Entry](self._concurrency)
                results_tx: MemoryObjectSendStream[tuple[_Entry, Order]]
                if self._ordered:
                    results_tx, results_rx = anyio.create_memory_object_stream[
                        tuple[_Entry, Order]
                    ](self._concurrency)
                    tg.start_soon(self._reorder, results_rx, out_tx)
                else:
                    results_tx = out_tx
                with ids_rx, results_tx:  # each worker holds its own clones
                    for _ in range(self._concurrency):
                        tg.start_soon(self._work, ids_rx.clone(), results_tx.clone())
                tg.start_soon(self._list, ids_tx)
        except Exception as exc:
            self._error = _sole_error(exc)
        finally:
            out_tx.close()
            self._counters.finished = anyio.current_time()

    async def _list(self, ids_tx: MemoryObjectSendStream[_Entry]) -> None:
        plan = self._plan
        async with ids_tx:
            if plan.mode == "dates":
                assert plan.list_from is not None
                assert plan.list_until is not None
                await self._list_windows(ids_tx, plan.list_from, plan.list_until)
            else:
                self._counters.windows = 1
                if plan.mode == "since_order_id":
                    page = await self._source.order_numbers(
                        since_order_id=plan.list_after, statuses=self._need_statuses
                    )
                else:
                    page = await self._source.order_numbers(
                        missing_merchant_order_id=True, statuses=True
                    )
                self._counters.windows_listed = 1
                await self._dispatch(self._listed(page.orders), ids_tx, set(), set())
            self._counters.listing_done = True

    async def _list_windows(
        self, ids_tx: MemoryObjectSendStream[_Entry], first: date, last: date
    ) -> None:
        windows = list(_windows(first, last, self._window_days))
        self._counters.windows = len(windows)
        # One token per window listed or waiting to be dispatched: bounds the id lists held.
        limiter = anyio.CapacityLimiter(self._window_concurrency)
        slots_tx, slots_rx = anyio.create_memory_object_stream[_Slot](self._window_concurrency)

        async def fetch(slot: _Slot) -> None:
            page = await self._source.order_numbers(
                since_date=slot.window.start,
                through_date=slot.window.end,
                statuses=self._need_statuses,
            )
            slot.listed = self._listed(page.orders)
            self._counters.windows_listed += 1
            slot.ready.set()

        async def start(tg: TaskGroup) -> None:
            async with slots_tx:
                for window in windows:
                    slot = _Slot(window, anyio.Event())
                    await limiter.acquire_on_behalf_of(slot)
                    await slots_tx.send(slot)
                    tg.start_soon(fetch, slot)

        previous: set[str] = set()
        async with anyio.create_task_group() as tg:
            tg.start_soon(start, tg)
            async with slots_rx:
                async for slot in slots_rx:
                    await slot.ready.wait()
                    assert slot.listed is not None
                    listed, slot.listed = slot.listed, None
                    current: set[str] = set()
                    await self._dispatch(listed, ids_tx, previous, current)
                    previous = current
                    limiter.release_on_behalf_of(slot)

    def _key(self, summary: OrderSummary) -> tuple[Key, date]:
        day = summary.placed_at.astimezone(timezone.utc).date()
        ordinal = day.toordinal() if self._plan.mode == "dates" else 0
        return (ordinal, _number(summary.id), summary.id), day

    def _listed(self, orders: Sequence[OrderSummary]) -> list[_Listed]:
        """A page as the importer keeps it, in import order; the page itself can go."""
        listed = [(*self._key(summary), summary.id, self._wanted(summary)) for summary in orders]
        listed.sort(key=_by_key)
        return listed

    async def _dispatch(
        self,
        listed: list[_Listed],
        ids_tx: MemoryObjectSendStream[_Entry],
        previous: set[str],
        current: set[str],
    ) -> None:
        counters = self._counters
        for key, day, order_id, wanted in listed:
            if order_id in current or order_id in previous:
                counters.duplicates += 1
                continue
            current.add(order_id)
            counters.listed += 1
            entry = _Entry(order_id, key, day)
            if not wanted:
                counters.skipped += 1
                await self._tracker.add(entry, handed=True)
            else:
                entry.seq = self._next_seq
                self._next_seq += 1
                await self._tracker.add(entry, handed=False)
                await ids_tx.send(entry)

    async def _work(
        self,
        ids_rx: MemoryObjectReceiveStream[_Entry],
        results_tx: MemoryObjectSendStream[tuple[_Entry, Order]],
    ) -> None:
        counters = self._counters
        async with ids_rx, results_tx:
            async for entry in ids_rx:
                counters.in_flight += 1
                counters.peak_in_flight = max(counters.peak_in_flight, counters.in_flight)
                try:
                    order = await self._source.order_detail(entry.id)
                finally:
                    counters.in_flight -= 1
                counters.fetched += 1
                counters.ready += 1
                counters.peak_ready = max(counters.peak_ready, counters.ready)
                await results_tx.send((entry, order))

    async def _reorder(
        self,
        results_rx: MemoryObjectReceiveStream[tuple[_Entry, Order]],
        out_tx: MemoryObjectSendStream[tuple[_Entry, Order]],
    ) -> None:
        # Held here at most: the tracker's bound, since nothing past it is dispatched.
        waiting: dict[int, tuple[_Entry, Order]] = {}
        next_seq = 0
        async with results_rx, out_tx:
            async for item in results_rx:
                waiting[item[0].seq] = item
                while next_seq in waiting:
                    await out_tx.send(waiting.pop(next_seq))
                    next_seq += 1


def _by_key(item: _Listed) -> Key:
    return item[0]


def _leaves(exc: BaseException) -> list[BaseException]:
    # ExceptionGroup without naming it (a builtin only from 3.11).
    inner = getattr(exc, "exceptions", None)
    if isinstance(inner, tuple) and inner and isinstance(exc, BaseException):
        found: list[BaseException] = []
        for item in inner:
            if isinstance(item, BaseException):
                found.extend(_leaves(item))
        return found
    return [exc]


def _sole_error(exc: BaseException) -> BaseException:
    """The first real error in a task group's exception group (the one that stopped it)."""
    leaves = _leaves(exc)
    for leaf in leaves:
        if not isinstance(leaf, anyio.get_cancelled_exc_class()):
            return leaf
    return leaves[0] if leaves else exc


def _is_group(exc: BaseException) -> bool:
    return isinstance(getattr(exc, "exceptions", None), tuple)


@asynccontextmanager
async def import_orders(
    session: OrderSource,
    *,
    since: date | None = None,
    until: date | None = None,
    since_order_id: str | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    concurrency: int = DEFAULT_CONCURRENCY,
    window_concurrency: int = DEFAULT_WINDOW_CONCURRENCY,
    test_orders: TestOrders = "include",
    statuses: Collection[OrderStatus | str] | None = None,
    skip_ids: Collection[str] | Callable[[str], bool] | None = None,
    missing_merchant_order_id: bool = False,
    ordered: bool = False,
) -> AsyncIterator[OrderStream]:
    """Import every order of a period: list them, fetch each one's detail, hand them to you.

    Listing and detail calls overlap: ``orderNumbers`` windows of ``window_days``
    UTC days are listed ``window_concurrency`` at a time, and ``concurrency``
    ``orderDetail`` calls run while the later windows are still listed, all over
    the session's one connection pool. A slow loop slows the calls down instead
    of buffering orders. Leaving the ``async with`` (or cancelling the task)
    stops every call in flight; the session stays usable.

    Args:
        session: An open :class:`~zonos_async.Session`.
        since: First UTC day (inclusive) of the orders to import.
        until: Last UTC day (inclusive); today (UTC) when not given.
        since_order_id: Instead of dates, the orders after this one (one listing call).
        window_days: Days per ``orderNumbers`` call.
        concurrency: ``orderDetail`` calls at once.
        window_concurrency: ``orderNumbers`` calls at once.
        test_orders: ``"include"``, ``"skip"`` or ``"only"`` test orders.
        statuses: Only orders whose listed status is one of these (lists with
            ``statuses=True``, so other orders are never fetched).
        skip_ids: Ids not to fetch (already imported by your success page): a
            collection, or a function returning ``True`` for an id to skip.
        missing_merchant_order_id: Only orders with no merchant order id yet
            (checked on the listing, for the whole range; without ``since`` or
            ``since_order_id``, Zonos' own selector: the last two weeks).
        ordered: Yield in import order (placement day, then id) instead of as
            soon as each detail arrives. Holds at most ``4 * concurrency`` orders.

    Yields:
        An :class:`OrderStream` to iterate; ``orders.stats`` tells the progress.

    Raises:
        InvalidRequestError: Conflicting or missing arguments (before any call).
        ZonosError: A listing or detail call failed (raised by the loop).

    Example::

        async with zonos.import_orders(since=date(2026, 11, 1), test_orders="skip") as orders:
            async for order in orders:
                await save(order)
        print(orders.stats.yielded, "orders in", orders.stats.elapsed, "s")
    """
    if window_days < 1 or concurrency < 1 or window_concurrency < 1:
        raise InvalidRequestError("window_days, concurrency and window_concurrency must be >= 1")
    if test_orders not in ("include", "skip", "only"):
        raise InvalidRequestError(
            f"test_orders must be 'include', 'skip' or 'only', got {test_orders!r}"
        )
    if isinstance(statuses, str):
        raise InvalidRequestError("statuses must be a collection of statuses, not one string")
    wanted_statuses = None if statuses is None else frozenset(OrderStatus(s) for s in statuses)
    since_day = _utc_day(since, "since") if since is not None else None
    until_day = _utc_day(until, "until") if until is not None else None
    if since_order_id is not None and not isinstance(since_order_id, (str, int)):
        raise InvalidRequestError("since_order_id must be an order id such as '999-45678'")
    if skip_ids is None:
        skip: Callable[[str], bool] | None = None
    elif callable(skip_ids):
        skip = skip_ids
    else:
        skip = skip_ids.__contains__

    def wanted(summary: OrderSummary) -> bool:
        if test_orders == "skip" and summary.test_order:
            return False
        if test_orders == "only" and not summary.test_order:
            return False
        if wanted_statuses is not None and summary.status not in wanted_statuses:
            return False
        if missing_merchant_order_id and summary.merchant_order_id:
            return False
        return not (skip is not None and skip(summary.id))

    plan = _resolve(
        since=since_day,
        until=until_day,
        since_order_id=str(since_order_id) if since_order_id is not None else None,
        missing=missing_merchant_order_id,
    )
    out_tx, out_rx = anyio.create_memory_object_stream[tuple[_Entry, Order]](concurrency)
    stream = OrderStream(
        session,
        plan,
        receive=out_rx,
        window_days=window_days,
        concurrency=concurrency,
        window_concurrency=window_concurrency,
        wanted=wanted,
        need_statuses=wanted_statuses is not None or missing_merchant_order_id,
        ordered=ordered,
    )
    raised: BaseException | None = None
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stream._run, out_tx)
            try:
                yield stream
            finally:
                # Done early (break, error, cancel) or done: stop whatever still runs.
                tg.cancel_scope.cancel()
                out_rx.close()
    except BaseException as exc:
        if not _is_group(exc):
            raise
        leaves = _leaves(exc)
        if len(leaves) != 1:
            raise
        raised = leaves[0]  # the loop's own exception, unwrapped from the task group's group
    if raised is not None:
        raise raised
    if stream._error is not None and not stream._error_delivered:
        stream._error_delivered = True
        raise stream._error
