"""Helpers for the pipeline and sync tests: a seeded fake, a recording session, a store."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import anyio

from zonos_async import Change, Order, OrderNumbersPage, Session, SqlStore, SyncResult, sync
from zonos_async.testing import FakeClock, FakeZonos

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
DAYS = 30
SINCE = (NOW - timedelta(days=DAYS + 1)).date()
UNTIL = NOW.date()


def make_fake(orders: int = 200, seed: int = 1) -> FakeZonos:
    return FakeZonos.seeded(orders=orders, seed=seed, now=NOW, days=DAYS)


def session_for(fake: FakeZonos) -> Session:
    return Session(fake.store, fake.secret, transport=fake.transport())


def number(order_id: str) -> int:
    return int(order_id.rsplit("-", 1)[1])


class Recorder:
    """Wraps a session: counts detail calls in flight, and can delay, fail or rewrite answers."""

    def __init__(
        self,
        session: Session,
        *,
        delay: Callable[[str], float] | None = None,
        fail: dict[str, BaseException] | None = None,
        listing: Callable[[OrderNumbersPage], OrderNumbersPage] | None = None,
        listing_error: BaseException | None = None,
    ) -> None:
        self.session = session
        self.delay = delay
        self.fail = fail or {}
        self.listing = listing
        self.listing_error = listing_error
        self.in_flight = 0
        self.peak_in_flight = 0
        self.started = 0
        self.completed = 0
        self.detail_ids: list[str] = []
        self.listing_calls: list[dict[str, object]] = []

    @property
    def store(self) -> int:
        return self.session.store

    async def order_numbers(
        self,
        *,
        since_date: object = None,
        through_date: object = None,
        since_order_id: str | int | None = None,
        missing_merchant_order_id: bool = False,
        statuses: bool = False,
    ) -> OrderNumbersPage:
        call: dict[str, object] = {
            "since_date": since_date,
            "through_date": through_date,
            "since_order_id": since_order_id,
            "missing_merchant_order_id": missing_merchant_order_id,
            "statuses": statuses,
        }
        self.listing_calls.append(call)
        if self.listing_error is not None:
            raise self.listing_error
        page = await self.session.order_numbers(
            since_date=since_date,
            through_date=through_date,
            since_order_id=since_order_id,
            missing_merchant_order_id=missing_merchant_order_id,
            statuses=statuses,
        )
        call["answered"] = len(page.orders)
        return self.listing(page) if self.listing is not None else page

    async def order_detail(
        self, order_id: str | int | None = None, *, reference_id: str | None = None
    ) -> Order:
        assert isinstance(order_id, str)
        self.started += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.delay is not None:
                await anyio.sleep(self.delay(order_id))
            if order_id in self.fail:
                raise self.fail[order_id]
            order = await self.session.order_detail(order_id)
        finally:
            self.in_flight -= 1
        self.completed += 1
        self.detail_ids.append(order_id)
        return order


def jitter(seed: int, low: float = 0.0, high: float = 0.004) -> Callable[[str], float]:
    """A seeded per-id delay, so details finish out of order."""
    rng = random.Random(seed)
    table: dict[str, float] = {}

    def delay(order_id: str) -> float:
        if order_id not in table:
            table[order_id] = rng.uniform(low, high)
        return table[order_id]

    return delay


def day(value: datetime) -> date:
    return value.astimezone(timezone.utc).date()


# --- The sync's tests: a store on a temporary SQLite file, a fake with a clock --------------


def store_at(path: object) -> SqlStore:
    return SqlStore.open(str(path))


def rows(path: object, query: str) -> list[tuple[object, ...]]:
    """Read the SQLite store directly, as a user's own query would."""
    with sqlite3.connect(str(path)) as connection:
        return connection.execute(query).fetchall()


def fake_at(now: datetime = NOW, orders: int = 200, seed: int = 1) -> FakeZonos:
    return FakeZonos.seeded(orders=orders, seed=seed, now=now, days=DAYS, clock=FakeClock(now))


async def run_sync(
    fake: FakeZonos, store: SqlStore, changes: list[Change] | None = None, **options: Any
) -> SyncResult:
    async with session_for(fake) as session:
        if changes is not None:
            options["on_change"] = changes.append
        return await sync(session, store, clock=fake.clock.now, **options)
