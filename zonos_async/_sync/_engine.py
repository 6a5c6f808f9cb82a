"""The sync: keep a store of record in step with Zonos, every order once, followed until final.

One run, in order:

1. **Lease.** Take the store's lease in the database (or raise :class:`LeaseHeldError`);
   renew it while running; every write transaction checks it, so a run that lost it
   cannot commit.
2. **Plan.** Re-list a trailing window (``trailing_days`` before the newest placement day
   held, through today, the last window open-ended), plus the days that still hold orders
   that are not final, from the horizon on; open orders older than the horizon are
   counted, not followed. Each listing asks for ``statuses``.
3. **Fetch while listing.** Every listed order the store does not hold, or holds with
   another status or merchant order id, goes to ``concurrency`` ``orderDetail`` workers as
   soon as its window answers (bounded streams: a slow store slows the calls down).
4. **Write.** Fetched orders are written in batches; one transaction stores the orders,
   their history rows and the lease check. An order is done exactly when its row is
   committed, so a failed or killed run loses nothing the next run will not fetch again.
5. **Deliver.** After each commit, the history rows it wrote become :class:`Change` events
   for your code (at least once: undelivered ones come again on the next run).

Filters (``test_orders``, ``statuses``) decide which changes are handed to you, never what
is stored.
"""

from __future__ import annotations

import inspect
import math
import os
import socket
import uuid
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager, suppress
from datetime import date, datetime, timedelta, timezone
from functools import partial
from typing import Final, Protocol

import anyio
import attrs
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from attrs import Factory, define, frozen

from .._errors import InvalidRequestError, ZonosError
from .._models import _EMPTY, OrderSummary
from .._status import OrderStatus
from ._model import (
    Change,
    Fetched,
    Held,
    Store,
    SyncResult,
    SyncState,
)
from ._pipeline import (
    DEFAULT_CONCURRENCY,
    DEFAULT_WINDOW_CONCURRENCY,
    DEFAULT_WINDOW_DAYS,
    OrderSource,
    TestOrders,
    _leaves,
    _sole_error,
)

__all__ = [
    "ChangeStream",
    "OnChange",
    "SyncSource",
    "SyncStats",
    "sync",
    "sync_changes",
]

DEFAULT_TRAILING_DAYS: Final = 2
DEFAULT_HORIZON_DAYS: Final = 60
DEFAULT_LEASE_SECONDS: Final = 30.0
_BATCH: Final = 64  # orders per write transaction at most
_CHANGES_PAGE: Final = 500
_RELEASE_SECONDS: Final = 10.0  # the lease's release after a run, at most
# The most orders one orderNumbers call should answer (~5 KB of memory each, parsed).
_ORDERS_PER_CALL: Final = 2_000
# Orders listed and not yet handed to the fetchers, per fetcher, before the next listing
# starts: enough work to cover a listing call (16 x 32 = 512 orders, 0.8 s at 50 ms, C=32).
_LOW_WATER_PER_WORKER: Final = 16

OnChange = Callable[[Change], "Awaitable[None] | None"]
"""Your callback for each change; the change counts as delivered when it returns."""


class SyncSource(OrderSource, Protocol):
    """What a sync needs from a :class:`~zonos_async.Session`."""

    @property
    def store(self) -> int: ...


@frozen
class SyncStats:
    """Progress of a running sync (a snapshot; ``on_progress`` receives these).

    Attributes:
        windows: ``orderNumbers`` calls planned; ``windows_listed``: answered.
        listed: Distinct orders listed so far.
        to_fetch: Orders found to fetch so far (new or changed); ``fetched``: fetched.
        written: Orders committed to the store.
        elapsed: Seconds since the run started.
    """

    windows: int
    windows_listed: int
    listed: int
    to_fetch: int
    fetched: int
    written: int
    elapsed: float

    @property
    def listing_done(self) -> bool:
        """Every window is listed: ``to_fetch`` is final."""
        return self.windows_listed >= self.windows > 0


@define
class _Counters:
    started: float
    windows: int = 0
    windows_listed: int = 0
    listed: int = 0
    to_fetch: int = 0
    fetched: int = 0
    written: int = 0
    new: int = 0
    status_changed: int = 0
    detail_changed: int = 0
    unchanged: int = 0
    delivered: int = 0

    def snapshot(self) -> SyncStats:
        return SyncStats(
            self.windows,
            self.windows_listed,
            self.listed,
            self.to_fetch,
            self.fetched,
            self.written,
            anyio.current_time() - self.started,
        )


@frozen
class _Window:
    start: date
    end: date | None  # None: open-ended (through now)


@define(eq=False)  # identity: a slot is a CapacityLimiter borrower
class _Slot:
    window: _Window
    ready: anyio.Event
    wanted: list[OrderSummary] = Factory(list)


@define
class _Backlog:
    """When the next listing call may start, so that memory does not grow with the run.

    A listed window's orders wait for the fetchers until they are sent, and a listing's
    answer (thousands of summaries for a busy store's week) is parsed whole. So a listing
    starts only while the orders waiting plus what the listings running are expected to
    bring (the largest window so far) stay within ``low_water``: dense windows are listed
    one at a time, just before the fetchers run out of work; sparse ones (a follow-up's open
    days) up to ``window_concurrency`` at once.
    """

    low_water: int
    waiting: int = 0
    running: int = 0
    largest: int | None = None  # orders listed in one window, the most so far
    _changed: anyio.Event = Factory(anyio.Event)

    def _has_room(self) -> bool:
        expected = self.low_water + 1 if self.largest is None else self.largest
        return self.waiting + self.running * expected <= self.low_water

    async def room(self) -> None:
        while not self._has_room():
            await self._changed.wait()

    def listed(self, listed: int, wanted: int) -> None:
        self.running -= 1
        self.waiting += wanted
        self.largest = max(self.largest or 0, listed)
        self._notify()

    def sent(self) -> None:
        self.waiting -= 1
        if self.waiting <= self.low_water:
            self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()


class _CallSizer:
    """How many days the next ``orderNumbers`` call lists: about ``_ORDERS_PER_CALL`` orders.

    Zonos has no paging: a call answers its whole date range at once, parsed whole, so a
    busy store's week would make memory grow with the store's size (and, past
    ``max_response_bytes``, fail every run). A run lists each planned window whole while
    its answers stay small; once one is larger, the next calls cover as many days as hold
    about ``_ORDERS_PER_CALL`` at the density seen (at least one day). A first run, whose
    range is long and unknown, starts with one day and at most doubles the range per call.
    """

    def __init__(self, window_days: int, *, first_day_only: bool) -> None:
        self.window_days = window_days
        self.days = 1 if first_day_only else window_days

    def observe(self, days: int, listed: int) -> None:
        most = min(self.window_days, max(self.days, 2 * days))
        fits = days * _ORDERS_PER_CALL // listed if listed else most
        self.days = max(1, min(most, fits))


def _slim(orders: Sequence[OrderSummary], first_day: date) -> list[OrderSummary]:
    """A window's summaries without their JSON (a third of the memory), once each, from
    ``first_day`` on (UTC placement day)."""
    found: dict[str, OrderSummary] = {}
    for summary in orders:
        if summary.placed_at.astimezone(timezone.utc).date() >= first_day:
            found[summary.id] = attrs.evolve(summary, raw=_EMPTY)
    return list(found.values())


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _chunks(first: date, last: date, days: int) -> Iterator[tuple[date, date]]:
    start = first
    while start <= last:
        end = min(start + timedelta(days=days - 1), last)
        yield start, end
        start = end + timedelta(days=1)


def plan_windows(
    *,
    start: date,
    today: date,
    open_days: Collection[date],
    window_days: int,
) -> list[_Window]:
    """The listing windows: ``start`` through now, plus each open day earlier (one day each side).

    A day either side covers Zonos days that begin at another hour than midnight UTC.
    Nearby open days share a window, so a follow-up costs one call per cluster of days, and
    a cluster that reaches ``start`` joins the range from there (never more calls: the days
    are listed either way, in fewer windows when they fit).
    """
    spans: list[tuple[date, date]] = []
    for day in sorted(open_days):
        low, high = day - timedelta(days=1), min(day + timedelta(days=1), start - timedelta(days=1))
        if high < low:
            continue
        if spans and low <= spans[-1][1] + timedelta(days=1):
            if (high - spans[-1][0]).days < window_days:
                spans[-1] = (spans[-1][0], max(spans[-1][1], high))
                continue
            low = max(low, spans[-1][1] + timedelta(days=1))
        spans.append((low, high))
    while spans and spans[-1][1] >= start - timedelta(days=1):
        start = spans.pop()[0]
    windows = [_Window(a, b) for a, b in _chunks(start, max(start, today), window_days)]
    windows[-1] = _Window(windows[-1].start, None)
    return [_Window(a, b) for a, b in spans] + windows


def _status_set(
    statuses: Collection[OrderStatus | str] | None, allow_unknown: bool
) -> frozenset[OrderStatus] | None:
    if statuses is None:
        return None
    if isinstance(statuses, str):
        raise InvalidRequestError("statuses must be a collection of statuses, not one string")
    found = set()
    for value in statuses:
        if not isinstance(value, str) or not value.strip():
            raise InvalidRequestError(f"not a status: {value!r}")
        status = OrderStatus(value.strip().upper()) if not isinstance(value, OrderStatus) else value
        if not status.is_known and not allow_unknown:
            raise InvalidRequestError(
                f"unknown status {str(status)!r} in the filter (a typo?); "
                "pass allow_unknown_statuses=True (--allow-unknown-status) if Zonos really uses it"
            )
        found.add(status)
    return frozenset(found)


class _Run:
    """One sync run; made (and its arguments checked) before anything is touched."""

    def __init__(
        self,
        session: SyncSource,
        store: Store,
        *,
        since: date | None,
        on_change: OnChange | None,
        on_progress: Callable[[SyncStats], None] | None,
        test_orders: TestOrders,
        statuses: Collection[OrderStatus | str] | None,
        allow_unknown_statuses: bool,
        trailing_days: int,
        horizon_days: int,
        window_days: int,
        concurrency: int,
        window_concurrency: int,
        lease_seconds: float,
        clock: Callable[[], datetime] | None,
    ) -> None:
        if since is not None and (isinstance(since, datetime) or not isinstance(since, date)):
            raise InvalidRequestError(f"since must be a datetime.date, got {since!r}")
        if min(window_days, concurrency, window_concurrency, horizon_days) < 1:
            raise InvalidRequestError(
                "window_days, concurrency, window_concurrency and horizon_days must be >= 1"
            )
        if trailing_days < 0:
            raise InvalidRequestError("trailing_days must be >= 0")
        if not lease_seconds > 0:
            raise InvalidRequestError("lease_seconds must be > 0")
        if test_orders not in ("include", "skip", "only"):
            raise InvalidRequestError(
                f"test_orders must be 'include', 'skip' or 'only', got {test_orders!r}"
            )
        self._statuses = _status_set(statuses, allow_unknown_statuses)
        self._session = session
        self._store = store
        self._since = since
        self._on_change = on_change
        self._on_progress = on_progress
        self._test_orders = test_orders
        self._trailing = timedelta(days=trailing_days)
        self._horizon = timedelta(days=horizon_days)
        self._window_days = window_days
        self._concurrency = concurrency
        self._window_concurrency = window_concurrency
        self._lease_seconds = float(lease_seconds)
        self._now = clock or _utc_now
        self.run_id = uuid.uuid4().hex
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{self.run_id}"
        self._counters = _Counters(started=0.0)  # (restarted by run())
        self._store_id = 0
        self._emitted = 0
        self._acked = 0
        self._open_orders = 0
        self._beyond_horizon = 0
        self._first_day = date.min
        self._backfill_from: date | None = None

    @property
    def stats(self) -> SyncStats:
        return self._counters.snapshot()

    def _progress(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self._counters.snapshot())

    def _wanted(self, change: Change) -> bool:
        test = change.order.test_order
        if (self._test_orders == "skip" and test) or (self._test_orders == "only" and not test):
            return False
        return self._statuses is None or change.new_status in self._statuses

    # --- The run -------------------------------------------------------------------------

    async def run(self) -> SyncResult:
        store, self._store_id = self._store, int(self._session.store)
        self._counters = _Counters(started=anyio.current_time())
        state = await store.peek(self._store_id)
        if state is None and self._since is None:
            raise InvalidRequestError(
                f"store {self._store_id} was never synced into this database: "
                "give since (--since YYYY-MM-DD) for its first run"
            )
        # since re-lists from there only when it is new: the first run, or earlier (a backfill);
        # the cron line's unchanged --since is the same day and changes nothing.
        backfill = self._since is not None and (state is None or self._since < state.since)
        self._backfill_from = self._since if backfill else None
        await store.migrate()
        started = self._now()
        state = await store.acquire(
            self._store_id,
            self._holder,
            since=self._since,
            now=started,
            lease_seconds=self._lease_seconds,
        )
        self._emitted = self._acked = state.delivered_through
        outcome = "failed"
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._heartbeat)
                await self._deliver()  # what an earlier run committed but did not hand over
                await self._sync(state)
                await self._deliver()
                tg.cancel_scope.cancel()
            outcome = "ok"
        except anyio.get_cancelled_exc_class():
            outcome = "interrupted"
            raise
        except BaseException as exc:
            error = _sole_error(exc)
            outcome = f"failed: {type(error).__name__}: {error}"[:500]
            if error is not exc:
                raise error from None
            raise
        finally:
            # Shielded (an interrupted run still hands the lease back) but bounded: on a full
            # disk or a dead server the release may never answer, and the run must still end
            # with its own error. Unreleased, the lease expires by itself.
            with anyio.move_on_after(_RELEASE_SECONDS, shield=True):
                with suppress(Exception):
                    await store.release(
                        self._store_id,
                        self._holder,
                        run_id=self.run_id,
                        started=started,
                        now=self._now(),
                        result=outcome,
                        delivered_through=self._acked,
                    )
        self._open_orders = await store.open_count(self._store_id)
        today = self._now().astimezone(timezone.utc).date()
        facts = await store.plan_facts(self._store_id, horizon=today - self._horizon)
        self._beyond_horizon = facts.beyond_horizon
        counters = self._counters
        return SyncResult(
            run_id=self.run_id,
            store=self._store_id,
            windows=counters.windows,
            listed=counters.listed,
            new=counters.new,
            status_changed=counters.status_changed,
            detail_changed=counters.detail_changed,
            unchanged=counters.unchanged,
            fetched=counters.fetched,
            open_orders=self._open_orders,
            beyond_horizon=self._beyond_horizon,
            delivered=counters.delivered,
            elapsed=anyio.current_time() - counters.started,
        )

    async def _heartbeat(self) -> None:
        while True:
            await anyio.sleep(self._lease_seconds / 3)
            await self._store.renew(
                self._store_id, self._holder, now=self._now(), lease_seconds=self._lease_seconds
            )

    async def _sync(self, state: SyncState) -> None:
        today = self._now().astimezone(timezone.utc).date()
        facts = await self._store.plan_facts(self._store_id, horizon=today - self._horizon)
        self._beyond_horizon = facts.beyond_horizon
        start = facts.newest_day - self._trailing if facts.newest_day else state.since
        if self._backfill_from is not None:
            start = min(start, self._backfill_from)
        start = max(start, state.since)
        self._first_day = state.since  # orders placed (UTC) before it are not the store's
        if start == state.since:  # listing from the store's first day: a Zonos day may begin
            start -= timedelta(days=1)  # hours after midnight UTC, so list the day before too
        windows = plan_windows(
            start=start, today=today, open_days=facts.open_days, window_days=self._window_days
        )
        self._counters.windows = len(windows)
        self._progress()
        ids_tx, ids_rx = anyio.create_memory_object_stream[OrderSummary](self._concurrency)
        # Room for a whole batch beside the one being written: fetching goes on during a commit.
        out_tx, out_rx = anyio.create_memory_object_stream[Fetched](2 * _BATCH)
        async with anyio.create_task_group() as tg:
            tg.start_soon(
                partial(self._list, today=today, first_run=facts.newest_day is None),
                windows,
                ids_tx,
            )
            with ids_rx, out_tx:
                for _ in range(self._concurrency):
                    tg.start_soon(self._fetch, ids_rx.clone(), out_tx.clone())
            tg.start_soon(self._write, out_rx)

    async def _list(
        self,
        windows: list[_Window],
        ids_tx: MemoryObjectSendStream[OrderSummary],
        *,
        today: date,
        first_run: bool,
    ) -> None:
        # No run-wide set of ids: memory stays flat however many orders a run lists. The
        # windows do not overlap; an order listed twice anyway (Zonos' days at another hour)
        # costs one more detail call, and the write keeps it once. Calls are handed over in
        # plan order, each started only when the backlog leaves room for it (_Backlog), each
        # as many days as _CallSizer says.
        backlog = _Backlog(_LOW_WATER_PER_WORKER * self._concurrency)
        sizer = _CallSizer(self._window_days, first_day_only=first_run)
        limiter = anyio.CapacityLimiter(self._window_concurrency)
        slots_tx, slots_rx = anyio.create_memory_object_stream[_Slot](math.inf)
        counters = self._counters

        async def list_one(slot: _Slot) -> None:
            window = slot.window
            page = await self._session.order_numbers(
                since_date=window.start, through_date=window.end, statuses=True
            )
            listed = len(page.orders)
            fresh = _slim(page.orders, self._first_day)
            del page  # thousands of summaries with their JSON, for a busy store's week
            counters.listed += len(fresh)
            held = await self._store.held(self._store_id, [s.id for s in fresh])
            slot.wanted = [summary for summary in fresh if _needs_fetch(summary, held)]
            del fresh, held
            counters.to_fetch += len(slot.wanted)
            counters.windows_listed += 1
            limiter.release_on_behalf_of(slot)
            sizer.observe(((window.end or today) - window.start).days + 1, listed)
            backlog.listed(listed, len(slot.wanted))
            slot.ready.set()
            self._progress()

        async def start(tg: TaskGroup) -> None:
            async with slots_tx:
                for window in windows:
                    first, end = window.start, window.end or today
                    while True:
                        slot = _Slot(window, anyio.Event())
                        await limiter.acquire_on_behalf_of(slot)
                        await backlog.room()
                        last = first + timedelta(days=sizer.days - 1)
                        cut = last < end
                        slot.window = _Window(first, last if cut else window.end)
                        if cut:  # one call more than planned, at least
                            counters.windows += 1
                        backlog.running += 1
                        slots_tx.send_nowait(slot)
                        tg.start_soon(list_one, slot)
                        if not cut:
                            break
                        first = last + timedelta(days=1)

        async with ids_tx, slots_rx, anyio.create_task_group() as tg:
            tg.start_soon(start, tg)
            async for slot in slots_rx:
                await slot.ready.wait()
                wanted, slot.wanted = slot.wanted, []
                wanted.reverse()  # handed over oldest first, each let go of once sent
                while wanted:
                    await ids_tx.send(wanted.pop())
                    backlog.sent()

    async def _fetch(
        self,
        ids_rx: MemoryObjectReceiveStream[OrderSummary],
        out_tx: MemoryObjectSendStream[Fetched],
    ) -> None:
        async with ids_rx, out_tx:
            async for summary in ids_rx:
                try:
                    order = await self._session.order_detail(summary.id)
                except ZonosError as exc:  # keep its type; say which order it was
                    notes = [*getattr(exc, "__notes__", ()), f"(order {summary.id})"]
                    exc.__notes__ = notes  # type: ignore[attr-defined,unused-ignore]  # add_note: 3.11+
                    raise
                self._counters.fetched += 1
                await out_tx.send(Fetched(summary, order))

    async def _write(self, out_rx: MemoryObjectReceiveStream[Fetched]) -> None:
        counters = self._counters
        async with out_rx:
            async for first in out_rx:
                batch = [first]
                while len(batch) < _BATCH:
                    try:
                        batch.append(out_rx.receive_nowait())
                    except (anyio.WouldBlock, anyio.EndOfStream):
                        break
                new, status, detail, same = await self._store.write(
                    self._store_id,
                    self._holder,
                    self.run_id,
                    batch,
                    now=self._now(),
                    lease_seconds=self._lease_seconds,
                    delivered_through=self._acked,
                )
                counters.new += new
                counters.status_changed += status
                counters.detail_changed += detail
                counters.unchanged += same
                counters.written += len(batch)
                self._progress()
                await self._deliver()

    async def _deliver(self) -> None:
        """Hand over the committed history rows not yet handed over, oldest first."""
        if self._on_change is None:
            return
        while True:
            changes = await self._store.changes(
                self._store_id, after=self._emitted, limit=_CHANGES_PAGE
            )
            if not changes:
                return
            for change in changes:
                self._emitted = change.seq
                if self._wanted(change):
                    outcome = self._on_change(change)
                    if inspect.isawaitable(outcome):
                        await outcome
                    self._counters.delivered += 1
                self._acked = change.seq


def _needs_fetch(summary: OrderSummary, held: Mapping[str, Held]) -> bool:
    known = held.get(summary.id)
    if known is None:
        return True
    if summary.status is None:
        return False
    listed_date = summary.status_changed_at
    return (
        known.status != str(summary.status)
        or (known.merchant_order_id or None) != (summary.merchant_order_id or None)
        or (listed_date is not None and known.status_date != listed_date)
    )


async def sync(
    session: SyncSource,
    store: Store,
    *,
    since: date | None = None,
    on_change: OnChange | None = None,
    on_progress: Callable[[SyncStats], None] | None = None,
    test_orders: TestOrders = "include",
    statuses: Collection[OrderStatus | str] | None = None,
    allow_unknown_statuses: bool = False,
    trailing_days: int = DEFAULT_TRAILING_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    window_days: int = DEFAULT_WINDOW_DAYS,
    concurrency: int = DEFAULT_CONCURRENCY,
    window_concurrency: int = DEFAULT_WINDOW_CONCURRENCY,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    clock: Callable[[], datetime] | None = None,
) -> SyncResult:
    """Bring ``store`` in step with Zonos for ``session``'s store: one run (see the module doc).

    Args:
        session: An open :class:`~zonos_async.Session`.
        store: Where orders are kept: a :class:`~zonos_async.SqlStore` (or your own
            :class:`~zonos_async.Store`).
        since: First UTC day; needed on the store's first run only. Later, an earlier
            day re-lists from there once (a backfill).
        on_change: Called (or awaited) with each :class:`Change` after the commit that
            stored it, oldest first; a change counts as delivered once this returns. At
            least once: a crash before that delivers it again on the next run that has an
            ``on_change``. Without one, changes are only recorded.
        on_progress: Called with a :class:`SyncStats` as windows and writes complete.
        test_orders: Hand over changes of ``"include"`` / ``"skip"`` / ``"only"`` test orders.
        statuses: Hand over only changes *to* these statuses. Every order is stored and
            followed whatever the filters.
        allow_unknown_statuses: Accept status names this library does not know in
            ``statuses`` (otherwise refused as a likely typo).
        trailing_days: Days re-listed before the newest placement day held.
        horizon_days: Orders not final are followed this many days after placement.
        window_days: Days per ``orderNumbers`` call at most: fewer where that many
            would answer more than about 2,000 orders (a first run starts with one).
        concurrency: ``orderDetail`` calls at once.
        window_concurrency: ``orderNumbers`` calls at once, at most. A listing starts
            only while few listed orders wait for the ``orderDetail`` calls, so windows
            with many orders are listed one at a time, just ahead of those calls (memory
            stays flat however long the run); sparse ones, several at once.
        lease_seconds: How long the lease lasts unless renewed (every third of it);
            a killed run's lease is free after this, at once for a dead process on the
            same machine.
        clock: Returns the current aware UTC time (tests pass a fake clock's ``now``).

    Returns:
        A :class:`SyncResult`.

    Raises:
        InvalidRequestError: Bad arguments, or a first run without ``since``: before
            anything is created.
        LeaseHeldError: Another run syncs this store now; nothing was done.
        StoreError: The store failed; the transaction rolled back.
        ZonosError: A call failed after the session's retries. Everything committed
            before stays, and the next run goes on from there.
    """
    run = _Run(
        session,
        store,
        since=since,
        on_change=on_change,
        on_progress=on_progress,
        test_orders=test_orders,
        statuses=statuses,
        allow_unknown_statuses=allow_unknown_statuses,
        trailing_days=trailing_days,
        horizon_days=horizon_days,
        window_days=window_days,
        concurrency=concurrency,
        window_concurrency=window_concurrency,
        lease_seconds=lease_seconds,
        clock=clock,
    )
    return await run.run()


class ChangeStream:
    """The changes of a running sync: ``async for change in changes`` (see :func:`sync_changes`).

    A change counts as delivered when you ask for the next one (or leave the ``async with``
    without an error): at least once, so deduplicate on :attr:`Change.id`.
    """

    def __init__(self, receive: MemoryObjectReceiveStream[tuple[Change, anyio.Event]]) -> None:
        self._rx = receive
        self._pending: anyio.Event | None = None
        self.result: SyncResult | None = None
        """The run's result, once the loop has ended."""

    def __repr__(self) -> str:
        return f"<ChangeStream result={self.result!r}>"

    def __aiter__(self) -> ChangeStream:
        return self

    def _ack(self) -> None:
        if self._pending is not None:
            self._pending.set()
            self._pending = None

    async def __anext__(self) -> Change:
        self._ack()
        try:
            change, done = await self._rx.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise StopAsyncIteration from None
        self._pending = done
        return change


@asynccontextmanager
async def sync_changes(
    session: SyncSource,
    store: Store,
    *,
    since: date | None = None,
    test_orders: TestOrders = "include",
    statuses: Collection[OrderStatus | str] | None = None,
    allow_unknown_statuses: bool = False,
    trailing_days: int = DEFAULT_TRAILING_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    window_days: int = DEFAULT_WINDOW_DAYS,
    concurrency: int = DEFAULT_CONCURRENCY,
    window_concurrency: int = DEFAULT_WINDOW_CONCURRENCY,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[ChangeStream]:
    """Run a sync and iterate over its changes as they are committed.

    The arguments are :func:`sync`'s. Leaving the ``async with`` early stops the run (what
    it committed stays; changes not yet taken come again next run). The run's errors are
    raised from the loop's ``async with``.

    Example::

        async with sync_changes(zonos, store, since=date(2026, 11, 1)) as changes:
            async for change in changes:
                if change.kind == "status" and change.new_status == "IGLOBAL_ORDER_CANCELLED":
                    await stop_shipment(change.order_id)
        print(changes.result)
    """
    send, receive = anyio.create_memory_object_stream[tuple[Change, anyio.Event]](0)
    stream = ChangeStream(receive)

    async def on_change(change: Change) -> None:
        done = anyio.Event()
        await send.send((change, done))
        await done.wait()

    run = _Run(
        session,
        store,
        since=since,
        on_change=on_change,
        on_progress=None,
        test_orders=test_orders,
        statuses=statuses,
        allow_unknown_statuses=allow_unknown_statuses,
        trailing_days=trailing_days,
        horizon_days=horizon_days,
        window_days=window_days,
        concurrency=concurrency,
        window_concurrency=window_concurrency,
        lease_seconds=lease_seconds,
        clock=clock,
    )

    async def main() -> None:
        async with send:
            stream.result = await run.run()

    raised: BaseException | None = None
    try:
        async with anyio.create_task_group() as tg, receive:
            tg.start_soon(main)
            try:
                yield stream
            except BaseException:
                tg.cancel_scope.cancel()
                raise
            stream._ack()
            if stream.result is None:  # left the loop early: stop the run
                tg.cancel_scope.cancel()
    except BaseException as exc:
        leaves = _leaves(exc)
        if leaves == [exc] or len(leaves) != 1:
            raise
        raised = leaves[0]
    if raised is not None:
        raise raised
