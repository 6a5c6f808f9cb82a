"""``SqlStore`` on SQLite and on a real PostgreSQL: the same behaviour, the same tests.

Lease, fencing, rollback of a failed write, migrations run twice or at once, a schema of the
user's, and the trio decision (a synchronous engine in worker threads; an async one refused).
"""

from __future__ import annotations

import socket
import sys
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sync_support import NOW, fake_at, run_sync, session_for

from zonos_async import (
    Change,
    LeaseHeldError,
    LeaseLostError,
    SqlStore,
    StoreError,
    sync,
)
from zonos_async._sync import _sql

pytestmark = pytest.mark.anyio
SINCE = (NOW - timedelta(days=31)).date()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[SqlStore]:
    async with SqlStore.open(db_url) as opened:
        yield opened


async def scalar_rows(store: SqlStore, sql: str) -> list[tuple[Any, ...]]:
    engine = store._engine
    assert isinstance(engine, AsyncEngine)
    async with engine.connect() as connection:
        return [tuple(row) for row in (await connection.execute(text(sql))).all()]


async def test_sync_and_follow_up_on_either_database(store: SqlStore) -> None:
    fake = fake_at(orders=80)
    first = await run_sync(fake, store, [], since=SINCE)
    assert first.new == 80
    target = fake.order_ids()[3]
    fake.clock.advance(timedelta(hours=1))
    fake.set_status(target, "IGLOBAL_ORDER_CANCELLED")
    changes: list[Change] = []
    second = await run_sync(fake, store, changes)
    assert second.status_changed == 1 and second.fetched == 1
    assert [(c.kind, c.order_id, str(c.new_status)) for c in changes] == [
        ("status", target, "IGLOBAL_ORDER_CANCELLED")
    ]
    counts = await scalar_rows(store, "select count(*), count(distinct order_id) from zonos_orders")
    assert counts == [(80, 80)]
    kinds = await scalar_rows(
        store, "select kind, count(*) from zonos_order_history group by kind order by kind"
    )
    assert kinds == [("new", 80), ("status", 1)]


async def test_a_second_run_is_refused_while_the_lease_is_held(store: SqlStore) -> None:
    fake = fake_at(orders=10)
    await store.migrate()
    await store.acquire(999, "elsewhere:1:a", since=SINCE, now=NOW, lease_seconds=30)
    with pytest.raises(LeaseHeldError) as held:
        await run_sync(fake, store, since=SINCE)
    assert held.value.holder == "elsewhere:1:a"
    assert fake.calls == []
    # 31 s later the lease has expired by itself: the next run takes it.
    fake.clock.advance(timedelta(seconds=31))
    result = await run_sync(fake, store)
    assert result.new == 10


async def test_a_dead_process_on_this_machine_frees_its_lease_at_once(store: SqlStore) -> None:
    done = await anyio.run_process([sys.executable, "-c", "import os; print(os.getpid())"])
    dead = f"{socket.gethostname()}:{done.stdout.decode().strip()}:killed-run"
    await store.migrate()
    await store.acquire(999, dead, since=SINCE, now=NOW, lease_seconds=600)
    result = await run_sync(fake_at(orders=5), store)
    assert result.new == 5


async def test_a_run_that_lost_its_lease_cannot_write(store: SqlStore) -> None:
    await store.migrate()
    await store.acquire(999, "me:1:a", since=SINCE, now=NOW, lease_seconds=1)
    later = NOW + timedelta(seconds=5)
    await store.acquire(999, "other:2:b", since=SINCE, now=later, lease_seconds=60)
    fake = fake_at(orders=1)
    async with session_for(fake) as session:
        order = await session.order_detail(fake.order_ids()[0])
        page = await session.order_numbers(since_date=SINCE, statuses=True)
    with pytest.raises(LeaseLostError):
        await store.write(
            999,
            "me:1:a",
            "run-a",
            [_sql.Fetched(page.orders[0], order)],
            now=later,
            lease_seconds=1,
            delivered_through=0,
        )
    assert await scalar_rows(store, "select count(*) from zonos_orders") == [(0,)]


async def test_an_order_twice_in_one_batch_is_stored_once(store: SqlStore) -> None:
    fake = fake_at(orders=1)
    await store.migrate()
    await store.acquire(999, "me:1:a", since=SINCE, now=NOW, lease_seconds=30)
    async with session_for(fake) as session:
        order = await session.order_detail(fake.order_ids()[0])
        page = await session.order_numbers(since_date=SINCE, statuses=True)
    twice = [_sql.Fetched(page.orders[0], order)] * 2
    counts = await store.write(
        999, "me:1:a", "run-a", twice, now=NOW, lease_seconds=30, delivered_through=0
    )
    assert counts == (1, 0, 0, 0)
    assert await scalar_rows(store, "select count(*) from zonos_order_history") == [(1,)]


async def test_a_failed_write_rolls_back_and_the_next_run_completes(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_at(orders=40)
    victim = fake.order_ids()[-1]
    row = _sql._row

    def refused(store_id: int, item: Any, now: Any) -> dict[str, Any]:
        values = row(store_id, item, now)
        if values["order_id"] == victim:
            values["status"] = None  # NOT NULL: the database refuses, mid-transaction
        return values

    monkeypatch.setattr(_sql, "_row", refused)
    with pytest.raises(StoreError, match="store failed"):
        await run_sync(fake, store, since=SINCE, concurrency=1, window_days=366)
    stored = await scalar_rows(
        store, f"select count(*) from zonos_orders where order_id='{victim}'"
    )
    assert stored == [(0,)]  # nothing of the failed transaction counts as done
    state = await scalar_rows(store, "select lease_holder, last_run_result from zonos_sync_state")
    assert state[0][0] is None and str(state[0][1]).startswith("failed: StoreError")

    (before,) = await scalar_rows(store, "select count(*) from zonos_orders")
    monkeypatch.setattr(_sql, "_row", row)
    result = await run_sync(fake, store)
    counts = await scalar_rows(store, "select count(*), count(distinct order_id) from zonos_orders")
    assert counts == [(40, 40)]
    assert result.new == 40 - before[0]  # the rolled-back orders, fetched again


async def test_an_order_that_cannot_be_stored_is_a_store_error_and_nothing_is_kept(
    store: SqlStore,
) -> None:
    fake = fake_at(orders=3)
    bad = fake.add_order(placed_at=NOW - timedelta(hours=1), detail={"weird": float("nan")})
    with pytest.raises(StoreError, match=bad):
        await run_sync(fake, store, since=SINCE, concurrency=1)
    rows = await scalar_rows(store, f"select count(*) from zonos_orders where order_id='{bad}'")
    assert rows == [(0,)]


async def test_many_first_runs_at_once_migrate_once_and_one_takes_the_lease(db_url: str) -> None:
    outcomes: list[str] = []

    async def one(n: int) -> None:
        async with SqlStore.open(db_url) as store:
            await store.migrate()
            try:
                await store.acquire(999, f"h:{n}:r", since=SINCE, now=NOW, lease_seconds=30)
            except LeaseHeldError:
                outcomes.append("held")
            else:
                outcomes.append("took")

    async with anyio.create_task_group() as tg:
        for n in range(5):
            tg.start_soon(one, n)
    assert sorted(outcomes) == ["held"] * 4 + ["took"]


async def test_a_schema_of_the_users_own(postgres_url: str) -> None:
    async with SqlStore.open(postgres_url, schema="shop_zonos") as store:
        result = await run_sync(fake_at(orders=12), store, since=SINCE)
        assert result.new == 12
        rows = await scalar_rows(store, "select count(*) from shop_zonos.zonos_orders")
    assert rows == [(12,)]


async def test_nothing_is_created_until_a_run_may_start(tmp_path: Path) -> None:
    db = tmp_path / "orders.db"
    async with SqlStore.open(str(db)) as store:
        assert await store.peek(999) is None
        assert await store.summaries() == []
        assert [line async for line in store.export()] == []
    assert not db.exists()


def test_trio_works_with_a_synchronous_engine_in_worker_threads(tmp_path: Path) -> None:
    fake = fake_at(orders=30)

    async def main() -> int:
        store = SqlStore(create_engine(f"sqlite:///{tmp_path / 'orders.db'}"))
        async with session_for(fake) as session:
            result = await sync(session, store, since=SINCE, clock=fake.clock.now)
        return result.new

    assert anyio.run(main, backend="trio") == 30


def test_an_async_engine_under_trio_is_refused_plainly(tmp_path: Path) -> None:
    async def main() -> None:
        store = SqlStore(create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'o.db'}"))
        async with session_for(fake_at(orders=1)) as session:
            await sync(session, store, since=date(2026, 11, 1))

    with pytest.raises(StoreError, match="asyncio only"):
        anyio.run(main, backend="trio")


@pytest.mark.parametrize(
    ("url", "one_connection"),
    [
        ("sqlite+aiosqlite:///{dir}/o.db", True),
        ("sqlite:///{dir}/o.db", True),
        ("sqlite+aiosqlite:///file:{dir}/o.db?uri=true", True),
        ("sqlite+aiosqlite://", False),  # in memory: SQLAlchemy's own single-connection pool
        ("sqlite+aiosqlite:///:memory:", False),
        ("sqlite://", False),
    ],
)
def test_a_sqlite_file_is_written_through_one_connection(
    url: str, one_connection: bool, tmp_path: Path
) -> None:
    # Each aiosqlite connection is a thread with its own page cache and malloc arena: with the
    # default pool of five, a long sync's memory grew with the file (measured, issue 12).
    from sqlalchemy.engine import make_url

    engine = _sql._make_engine(make_url(url.format(dir=tmp_path)))
    pool = engine.pool if not isinstance(engine, AsyncEngine) else engine.sync_engine.pool
    if one_connection:
        assert (pool.size(), pool._max_overflow) == (1, 0)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("count", "sizes"),
    [
        (1, [1]),
        (3, [4]),
        (64, [64]),
        (65, [128]),
        (512, [512]),
        (513, [512, 1]),
        (1100, [512, 512, 128]),
    ],
)
def test_id_lookups_use_few_statement_texts(count: int, sizes: list[int]) -> None:
    # Every size of IN (...) is a statement the driver prepares and keeps per connection.
    ids = [f"999-{n}" for n in range(count)]
    chunks = list(_sql._id_chunks(ids))
    assert [len(chunk) for chunk in chunks] == sizes
    assert [i for chunk in chunks for i in dict.fromkeys(chunk)] == ids


def test_the_sync_command_keeps_glibcs_mmap_threshold_fixed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zonos_async._sync import _memory

    if sys.platform.startswith("linux"):  # glibc on every machine this suite runs on in CI
        assert _memory.fix_mmap_threshold() is True
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")  # the user's own choice wins
    assert _memory.fix_mmap_threshold() is False
