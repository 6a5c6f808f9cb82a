"""The SQL store of record: SQLAlchemy Core on SQLite (the default) or PostgreSQL, one code path.

Every operation is a plain function of a SQLAlchemy ``Connection`` run in one transaction:
through ``AsyncConnection.run_sync`` on an async engine (aiosqlite, asyncpg; asyncio only),
or in a worker thread on a synchronous engine (``sqlite:///...``; works under trio too).
A transaction that has started is never cancelled half-way: it commits or rolls back.

SQLite is opened in WAL mode with ``synchronous=FULL`` (a commit survives power loss), a
30 s busy timeout, and ``BEGIN IMMEDIATE`` transactions, so that runs for other stores
sharing the file queue instead of failing. PostgreSQL migrations take an advisory lock, so
that several first runs at once create the schema once.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TypeVar

import anyio.to_thread
import attrs
from attrs import frozen
from sqlalchemy import (
    URL,
    Connection,
    Engine,
    RowMapping,
    create_engine,
    event,
    func,
    insert,
    inspect,
    make_url,
    select,
    update,
)
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .._errors import InvalidRequestError
from .._status import OrderStatus
from .._transport import running_under_trio
from ..protocol import parse_order
from ._json import dumps_exact, loads_exact
from ._model import (
    FINAL_STATUSES,
    Change,
    ChangeKind,
    Fetched,
    Held,
    LeaseHeldError,
    LeaseLostError,
    PlanFacts,
    StoreError,
    SyncState,
)
from ._schema import SCHEMA_HEAD, VERSION_TABLE, Tables, tables

__all__ = ["DEFAULT_DB", "SqlStore", "StoreSummary", "database_url"]

DEFAULT_DB: Final = "zonos-orders.db"
MIGRATIONS: Final = Path(__file__).with_name("migrations")
_CHUNK: Final = 512  # ids per IN (...) query: well under every backend's parameter limit
_PG_MIGRATION_LOCK: Final = 0x5A6F6E6F  # "Zono": serialises first runs creating the schema
_WRITES: Final = "zonos_writes"
_FINAL: Final = tuple(sorted(str(status) for status in FINAL_STATUSES))
_CLOSE_SECONDS: Final = 10.0  # closing the engine's connections, at most

T = TypeVar("T")


def _id_chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    """``ids`` in pieces for ``IN (...)``, each padded (with its last id) to a power of two.

    Each number of ids is another statement text to the driver, and the drivers keep
    prepared statements per connection (sqlite3: 128, asyncpg: 100): unpadded, a long sync
    filled those caches with every batch size it met and its memory grew with its length.
    """
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        size = 1 << (len(chunk) - 1).bit_length()
        yield chunk + chunk[-1:] * (size - len(chunk))


def database_url(db: str | os.PathLike[str]) -> URL:
    """``--db``'s value as a SQLAlchemy URL: a file path is an aiosqlite SQLite file.

    Raises:
        InvalidRequestError: Not a URL SQLAlchemy can read, or a file in a missing directory.
    """
    text = os.fspath(db)
    if "://" in text:
        try:
            url = make_url(text)
            url.get_dialect()
        except (ArgumentError, ValueError) as exc:
            raise InvalidRequestError(f"--db: not a database URL SQLAlchemy knows: {exc}") from None
        except ImportError as exc:
            raise InvalidRequestError(f"--db: the driver is not installed: {exc}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise InvalidRequestError(
                f"--db: {url.get_backend_name()} is not supported; use SQLite or PostgreSQL"
            )
        path = _sqlite_file(url)
    else:
        if not text:
            raise InvalidRequestError("--db: empty path")
        path = Path(text).expanduser().absolute()
        url = URL.create("sqlite+aiosqlite", database=str(path))
    if path is not None:
        if path.is_dir():
            raise InvalidRequestError(f"--db: {path} is a directory")
        if not path.parent.is_dir():
            raise InvalidRequestError(f"--db: the directory {path.parent} does not exist")
    return url


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database).expanduser().absolute()


def _make_engine(url: URL) -> AsyncEngine | Engine:
    # pre-ping: after a lost connection (a restarted server, pg_terminate_backend) the next
    # transaction, such as the lease's release, gets a live one instead of failing too.
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        options["connect_args"] = {"timeout": 30}
        # One connection per store: SQLite writes one transaction at a time anyway, and each
        # connection costs a thread (aiosqlite) with its own page cache and malloc arena; with
        # the default pool a long sync's memory grew with the file. A caller waits for it at
        # most as long as SQLite's own busy timeout, and then some. (A database in memory
        # has SQLAlchemy's one-connection pool already.)
        if url.database not in (None, "", ":memory:") and url.query.get("mode") != "memory":
            options.update(pool_size=1, max_overflow=0, pool_timeout=60)
    if url.get_dialect().is_async:
        return create_async_engine(url, **options)
    return create_engine(url, **options)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (below): the driver's own deferred BEGIN cannot be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        # Writers take the write lock up front (no deadlock upgrading a read lock later);
        # readers begin deferred and, in WAL mode, never wait for a writer.
        writes = connection.get_execution_options().get(_WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _describe(exc: BaseException) -> str:
    if getattr(exc, "connection_invalidated", False):
        return "the connection to the database was lost"
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {text}" if text else type(original).__name__


def _holder_is_dead_here(holder: str) -> bool:
    """A lease whose holder is a process of this machine that no longer runs is free at once."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not reaped yet
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


@frozen
class StoreSummary:
    """What ``zonos-async status`` shows for one store."""

    store: int
    state: SyncState
    by_status: Mapping[str, int]
    open_orders: int
    history_rows: int


class SqlStore:
    """The store of record in a SQL database, through SQLAlchemy 2 Core.

    Args:
        engine: Your engine: async (``sqlite+aiosqlite``, ``postgresql+asyncpg``; asyncio
            only) or synchronous (``sqlite:///...``, any backend; run in worker threads, so
            it also works under trio). The store never disposes of an engine you pass.
        schema: The database schema to keep the tables in (PostgreSQL; ``None``: the
            default one). Created if missing.

    Example::

        async with SqlStore.open("orders.db") as store, Session() as zonos:
            result = await sync(zonos, store, since=date(2026, 11, 1))
    """

    def __init__(self, engine: AsyncEngine | Engine, *, schema: str | None = None) -> None:
        self._engine = engine
        self._sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
        self._schema = schema
        self._tables: Tables = tables(schema)
        self._owned = False
        self._file = _sqlite_file(self._sync_engine.url)
        if self._sync_engine.dialect.name == "sqlite":
            _tune_sqlite(self._sync_engine)

    @classmethod
    def open(
        cls, db: str | os.PathLike[str] = DEFAULT_DB, *, schema: str | None = None
    ) -> SqlStore:
        """A store on a new engine for ``db`` (a file path, or a URL); closed by :meth:`aclose`.

        Nothing is created before the first operation that writes.
        """
        store = cls(_make_engine(database_url(db)), schema=schema)
        store._owned = True
        return store

    def __repr__(self) -> str:
        url = self._sync_engine.url.render_as_string(hide_password=True)
        return f"<SqlStore {url}{f' schema={self._schema}' if self._schema else ''}>"

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return str(self._sync_engine.dialect.name)

    async def __aenter__(self) -> SqlStore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Dispose of the engine if :meth:`open` made it."""
        if not self._owned:
            return
        # Shielded but bounded: a connection on a failed disk or server may never close.
        with anyio.move_on_after(_CLOSE_SECONDS, shield=True):
            if isinstance(self._engine, AsyncEngine):
                await self._engine.dispose()
            else:
                await anyio.to_thread.run_sync(self._engine.dispose)

    # --- Running a transaction -----------------------------------------------------------

    async def _run(
        self, operation: Callable[[Connection], T], *, write: bool = True, shield: bool = True
    ) -> T:
        try:
            if write and shield:
                with anyio.CancelScope(shield=True):
                    return await self._transaction(operation, write)
            return await self._transaction(operation, write)
        except (LeaseHeldError, LeaseLostError, StoreError):
            raise
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"the store failed ({self.dialect}): {_describe(exc)}") from exc

    async def _transaction(self, operation: Callable[[Connection], T], write: bool) -> T:
        engine = self._engine
        options = {_WRITES: write}
        if isinstance(engine, AsyncEngine):
            if running_under_trio():
                raise StoreError(
                    "an async SQLAlchemy engine runs under asyncio only; under trio, "
                    "pass a synchronous engine (e.g. SqlStore.open('sqlite:///orders.db'))"
                )
            async with engine.connect() as connection:
                await connection.execution_options(**options)
                async with connection.begin():
                    return await connection.run_sync(operation)

        def run() -> T:
            with engine.connect().execution_options(**options) as connection, connection.begin():
                return operation(connection)

        return await anyio.to_thread.run_sync(run)

    # --- The schema ----------------------------------------------------------------------

    async def peek(self, store: int) -> SyncState | None:
        """The store's state without creating anything: no file, no table."""
        if self._file is not None and not self._file.exists():
            return None
        state = self._tables.state

        def operation(connection: Connection) -> SyncState | None:
            if not inspect(connection).has_table(state.name, schema=self._schema):
                return None
            row = connection.execute(select(state).where(state.c.store == store)).first()
            return _state(row._mapping) if row is not None else None

        return await self._run(operation, write=False)

    async def migrate(self) -> None:
        """Bring the schema to this library's version with Alembic (idempotent, concurrent-safe)."""
        from alembic.config import Config
        from alembic.runtime.environment import EnvironmentContext
        from alembic.script import ScriptDirectory

        schema = self._schema
        postgres = self.dialect == "postgresql"

        def operation(connection: Connection) -> None:
            if postgres:
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
                if schema is not None:
                    quoted = connection.dialect.identifier_preparer.quote_schema(schema)
                    connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            script = ScriptDirectory.from_config(config)

            def upgrade(revision: Any, _context: Any) -> Any:
                return script._upgrade_revs(SCHEMA_HEAD, revision)

            with EnvironmentContext(
                config, script, fn=upgrade, destination_rev=SCHEMA_HEAD
            ) as environment:
                environment.configure(
                    connection=connection,
                    version_table=VERSION_TABLE,
                    version_table_schema=schema,
                    zonos_schema=schema,
                )
                with environment.begin_transaction():
                    environment.run_migrations()

        try:
            await self._run(operation)
        except StoreError as exc:
            if "Can't locate revision" in str(exc.__cause__ or ""):
                raise StoreError(
                    "the database's schema is newer than this version of zonos-async: upgrade it"
                ) from exc
            raise

    # --- The lease -----------------------------------------------------------------------

    async def acquire(
        self, store: int, holder: str, *, since: date | None, now: datetime, lease_seconds: float
    ) -> SyncState:
        state = self._tables.state
        expires = now + timedelta(seconds=lease_seconds)

        def operation(connection: Connection) -> SyncState:
            row = connection.execute(select(state).where(state.c.store == store)).first()
            if row is None:
                if since is None:
                    raise InvalidRequestError(
                        f"store {store} was never synced: give since (--since) for its first run"
                    )
                values = {"store": store, "since": since, "lease_holder": holder}
                connection.execute(insert(state).values(**values, lease_expires=expires))
                return SyncState(store, since, holder, expires)
            current = _state(row._mapping)
            busy = current.lease_holder is not None and (
                current.lease_expires is not None and current.lease_expires > now
            )
            if (
                busy
                and current.lease_holder is not None
                and not _holder_is_dead_here(current.lease_holder)
            ):
                raise _held(store, current)
            was = (
                state.c.lease_holder.is_(None)
                if current.lease_holder is None
                else state.c.lease_holder == current.lease_holder
            )
            first = min(since, current.since) if since is not None else current.since
            taken = connection.execute(
                update(state)
                .where(state.c.store == store, was)
                .values(lease_holder=holder, lease_expires=expires, since=first)
            )
            if taken.rowcount != 1:
                fresh = connection.execute(select(state).where(state.c.store == store)).one()
                raise _held(store, _state(fresh._mapping))
            return attrs.evolve(current, since=first, lease_holder=holder, lease_expires=expires)

        try:
            return await self._run(operation)
        except StoreError as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            return await self._run(operation)  # another first run inserted the row first

    async def renew(self, store: int, holder: str, *, now: datetime, lease_seconds: float) -> None:
        state = self._tables.state

        def operation(connection: Connection) -> None:
            _fence(connection, state, store, holder, now + timedelta(seconds=lease_seconds))

        await self._run(operation)

    async def release(
        self,
        store: int,
        holder: str,
        *,
        run_id: str,
        started: datetime,
        now: datetime,
        result: str,
        delivered_through: int,
    ) -> None:
        state = self._tables.state

        def operation(connection: Connection) -> None:
            connection.execute(
                update(state)
                .where(state.c.store == store, state.c.lease_holder == holder)
                .values(
                    lease_holder=None,
                    lease_expires=None,
                    last_run_id=run_id,
                    last_run_started=started,
                    last_run_finished=now,
                    last_run_result=result,
                    delivered_through=delivered_through,
                )
            )

        # Not shielded here: the sync bounds it (a failed disk may never answer), and the
        # lease expires by itself if this is cancelled.
        await self._run(operation, shield=False)

    # --- Reading -------------------------------------------------------------------------

    async def plan_facts(self, store: int, *, horizon: date) -> PlanFacts:
        orders = self._tables.orders
        open_ = orders.c.status.not_in(_FINAL)

        def operation(connection: Connection) -> PlanFacts:
            newest = connection.execute(
                select(func.max(orders.c.placed_day)).where(orders.c.store == store)
            ).scalar()
            days = connection.execute(
                select(orders.c.placed_day)
                .distinct()
                .where(
                    orders.c.store == store,
                    open_,
                    orders.c.placed_day >= horizon,
                )
                .order_by(orders.c.placed_day)
            ).scalars()
            beyond = connection.execute(
                select(func.count())
                .select_from(orders)
                .where(orders.c.store == store, open_, orders.c.placed_day < horizon)
            ).scalar()
            return PlanFacts(newest, tuple(days), int(beyond or 0))

        return await self._run(operation, write=False)

    async def held(self, store: int, order_ids: Sequence[str]) -> Mapping[str, Held]:
        orders = self._tables.orders

        def operation(connection: Connection) -> dict[str, Held]:
            found: dict[str, Held] = {}
            for chunk in _id_chunks(order_ids):
                rows = connection.execute(
                    select(
                        orders.c.order_id,
                        orders.c.status,
                        orders.c.merchant_order_id,
                        orders.c.status_date,
                    ).where(
                        orders.c.store == store,
                        orders.c.order_id.in_(chunk),
                    )
                )
                for order_id, status, merchant_order_id, status_date in rows:
                    found[order_id] = Held(status, merchant_order_id, status_date)
            return found

        if not order_ids:
            return {}
        return await self._run(operation, write=False)

    async def open_count(self, store: int) -> int:
        orders = self._tables.orders

        def operation(connection: Connection) -> int:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(orders)
                    .where(orders.c.store == store, orders.c.status.not_in(_FINAL))
                ).scalar()
                or 0
            )

        return await self._run(operation, write=False)

    async def changes(self, store: int, *, after: int, limit: int) -> Sequence[Change]:
        history, orders = self._tables.history, self._tables.orders

        def operation(connection: Connection) -> list[Change]:
            rows = connection.execute(
                select(history, orders.c.order_json)
                .join(
                    orders,
                    (orders.c.store == history.c.store) & (orders.c.order_id == history.c.order_id),
                )
                .where(history.c.store == store, history.c.id > after)
                .order_by(history.c.id)
                .limit(limit)
            )
            return [_change(row._mapping) for row in rows]

        return await self._run(operation, write=False)

    async def summaries(self) -> list[StoreSummary]:
        """Every store's counts and state (for ``zonos-async status``); ``[]`` if none."""
        if self._file is not None and not self._file.exists():
            return []
        t = self._tables

        def operation(connection: Connection) -> list[StoreSummary]:
            if not inspect(connection).has_table(t.state.name, schema=self._schema):
                return []
            found = []
            for row in connection.execute(select(t.state).order_by(t.state.c.store)):
                state = _state(row._mapping)
                by_status = {
                    status: int(count)
                    for status, count in connection.execute(
                        select(t.orders.c.status, func.count())
                        .where(t.orders.c.store == state.store)
                        .group_by(t.orders.c.status)
                        .order_by(t.orders.c.status)
                    )
                }
                history_rows = connection.execute(
                    select(func.count())
                    .select_from(t.history)
                    .where(t.history.c.store == state.store)
                ).scalar()
                open_orders = sum(n for s, n in by_status.items() if s not in _FINAL)
                found.append(
                    StoreSummary(state.store, state, by_status, open_orders, int(history_rows or 0))
                )
            return found

        return await self._run(operation, write=False)

    async def export(self, store: int | None = None, *, chunk: int = 1000) -> AsyncIterator[str]:
        """Each order held as Zonos' own JSON text (one line each), by store then order id."""
        if self._file is not None and not self._file.exists():
            return
        orders = self._tables.orders

        def exists(connection: Connection) -> bool:
            return bool(inspect(connection).has_table(orders.name, schema=self._schema))

        if not await self._run(exists, write=False):
            return
        after: tuple[int, str] | None = None
        while True:
            query = select(orders.c.store, orders.c.order_id, orders.c.order_json)
            if store is not None:
                query = query.where(orders.c.store == store)
            if after is not None:
                query = query.where(
                    (orders.c.store > after[0])
                    | ((orders.c.store == after[0]) & (orders.c.order_id > after[1]))
                )
            query = query.order_by(orders.c.store, orders.c.order_id).limit(chunk)

            def page(connection: Connection, query: Any = query) -> list[tuple[int, str, str]]:
                return [(row[0], row[1], row[2]) for row in connection.execute(query)]

            rows = await self._run(page, write=False)
            if not rows:
                return
            for _, _, text in rows:
                yield text
            after = (rows[-1][0], rows[-1][1])

    # --- Writing -------------------------------------------------------------------------

    async def write(
        self,
        store: int,
        holder: str,
        run_id: str,
        fetched: Sequence[Fetched],
        *,
        now: datetime,
        lease_seconds: float,
        delivered_through: int,
    ) -> tuple[int, int, int, int]:
        t = self._tables
        # One row per order: an order fetched twice in a batch is stored once (the last copy).
        rows = list(
            {row["order_id"]: row for row in (_row(store, i, now) for i in fetched)}.values()
        )

        def operation(connection: Connection) -> tuple[int, int, int, int]:
            _fence(
                connection,
                t.state,
                store,
                holder,
                now + timedelta(seconds=lease_seconds),
                delivered_through=delivered_through,
            )
            ids = [row["order_id"] for row in rows]
            stored: dict[str, tuple[str, str, datetime | None]] = {}
            columns = (t.orders.c.order_id, t.orders.c.status, t.orders.c.order_json)
            for chunk in _id_chunks(ids):
                for order_id, status, text, status_date in connection.execute(
                    select(*columns, t.orders.c.status_date).where(
                        t.orders.c.store == store,
                        t.orders.c.order_id.in_(chunk),
                    )
                ):
                    stored[order_id] = (status, text, status_date)
            inserts: list[dict[str, Any]] = []
            history: list[dict[str, Any]] = []
            counts = {"new": 0, "status": 0, "detail": 0, "same": 0}
            for row in rows:
                before = stored.get(row["order_id"])
                kind: ChangeKind
                if before is None:
                    kind, old_status = "new", None
                    inserts.append(row)
                elif before[0] != row["status"]:
                    kind, old_status = "status", before[0]
                elif before[1] != row["order_json"]:
                    kind, old_status = "detail", before[0]
                else:
                    counts["same"] += 1
                    if row["status_date"] is not None and row["status_date"] != before[2]:
                        # Zonos' date for a status already stored (first stored without one,
                        # because the status moved between the listing and the detail)
                        connection.execute(
                            update(t.orders)
                            .where(
                                t.orders.c.store == store, t.orders.c.order_id == row["order_id"]
                            )
                            .values(status_date=row["status_date"])
                        )
                    continue
                counts[kind] += 1
                if kind != "new":
                    changed = {k: v for k, v in row.items() if k not in ("store", "order_id")}
                    del changed["first_seen"]
                    connection.execute(
                        update(t.orders)
                        .where(t.orders.c.store == store, t.orders.c.order_id == row["order_id"])
                        .values(**changed)
                    )
                history.append(
                    {
                        "store": store,
                        "order_id": row["order_id"],
                        "kind": kind,
                        "from_status": old_status,
                        "to_status": row["status"],
                        "status_date": row["status_date"],
                        "observed_at": now,
                        "run_id": run_id,
                    }
                )
            if inserts:
                connection.execute(insert(t.orders), inserts)
            if history:
                connection.execute(insert(t.history), history)
            return counts["new"], counts["status"], counts["detail"], counts["same"]

        return await self._run(operation)


def _fence(
    connection: Connection,
    state: Any,
    store: int,
    holder: str,
    expires: datetime,
    *,
    delivered_through: int | None = None,
) -> None:
    """Renew the lease inside this transaction, or abort it: a run that lost it writes nothing."""
    values: dict[str, Any] = {"lease_expires": expires}
    if delivered_through is not None:
        values["delivered_through"] = delivered_through
    renewed = connection.execute(
        update(state).where(state.c.store == store, state.c.lease_holder == holder).values(**values)
    )
    if renewed.rowcount != 1:
        raise LeaseLostError(
            f"store {store}: this run's lease expired and another run took it; "
            "nothing more was written (raise lease_seconds if runs stall this long)"
        )


def _row(store: int, item: Fetched, now: datetime) -> dict[str, Any]:
    order, summary = item.order, item.summary
    try:
        text = dumps_exact(order.raw)
    except (ValueError, TypeError) as exc:
        raise StoreError(f"order {order.id}: the store cannot take it: {exc}") from exc
    placed = summary.placed_at.astimezone(timezone.utc)
    for name, value in (
        ("order id", order.id),
        ("reference id", order.reference_id),
        ("merchant order id", order.merchant_order_id),
        ("status", str(order.status)),
    ):
        if value is not None and "\x00" in value:  # PostgreSQL text cannot hold one
            raise StoreError(f"order {order.id}: the store cannot take it: a NUL in its {name}")
    return {
        "store": store,
        "order_id": order.id,
        "reference_id": order.reference_id,
        "merchant_order_id": order.merchant_order_id,
        "status": str(order.status),
        "status_date": summary.status_changed_at if summary.status == order.status else None,
        "test_order": order.test_order,
        "placed_at": placed,
        "placed_day": placed.date(),
        "order_json": text,
        "first_seen": now,
        "last_changed": now,
    }


def _state(row: RowMapping | Mapping[str, Any]) -> SyncState:
    return SyncState(
        store=int(row["store"]),
        since=row["since"],
        lease_holder=row["lease_holder"],
        lease_expires=row["lease_expires"],
        delivered_through=int(row["delivered_through"] or 0),
        last_run_id=row["last_run_id"],
        last_run_started=row["last_run_started"],
        last_run_finished=row["last_run_finished"],
        last_run_result=row["last_run_result"],
    )


def _held(store: int, state: SyncState) -> LeaseHeldError:
    holder = state.lease_holder or "?"
    until = f" until {state.lease_expires:%Y-%m-%d %H:%M:%S} UTC" if state.lease_expires else ""
    return LeaseHeldError(
        f"store {store}: another run ({holder}) holds the lease{until}; this run did nothing",
        holder=holder,
        expires=state.lease_expires,
    )


def _change(row: RowMapping) -> Change:
    raw = loads_exact(row["order_json"])
    assert isinstance(raw, dict)
    old = row["from_status"]
    return Change(
        id=f"{row['store']}:{row['id']}",
        seq=int(row["id"]),
        store=int(row["store"]),
        kind=row["kind"],
        order_id=row["order_id"],
        old_status=OrderStatus(old) if old else None,
        new_status=OrderStatus(row["to_status"]),
        status_date=row["status_date"],
        observed_at=row["observed_at"],
        run_id=row["run_id"],
        order=parse_order({"order": raw}, str),
    )
