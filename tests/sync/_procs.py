"""Helpers of the real-process sync tests: a living fake over loopback HTTP, ``zonos-async``
processes (exec'd, or forked from a preloaded zygote for the kill loops), and a reading of the
store of record that the tests compare with the fake.

The tests use the command line's contract only (issue 12): ``zonos-async sync`` with
``--db``/``--since``, credentials and base URL from ``ZONOS_STORE_ID``/``ZONOS_SECRET``/
``ZONOS_BASE_URL``, exit codes 0/1/2/75/130, ``--json``; ``zonos-async export --db --out``. To
check the history they read the documented tables (``zonos_orders``, ``zonos_order_history``,
``zonos_sync_state``) with plain SQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio.from_thread

from zonos_async.testing import FakeClock, FakeZonos, Faults, Lifecycle, StatusChange

REPO = Path(__file__).resolve().parents[2]
ZYGOTE = Path(__file__).with_name("_zygote.py")
SECRET = "5d1f0c00-7e57-4000-8000-5ec2e7000001"  # not the docs': tests look for it in output
RUNNING = {"code": None, "signal": None}  # what Zygote.wait says of a run that goes on
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LEASE_HELD, EXIT_INTERRUPTED = 0, 1, 2, 75, 130
UTC = timezone.utc
FINAL = frozenset({"IGLOBAL_ORDER_CANCELLED", "VENDOR_END_OF_DAY_COMPLETE"})

# A lifecycle in seconds rather than hours: the CLI's "today" is the real UTC day, so the fake's
# clock runs in real time (speed 1) and the story has to happen while the test watches.
SECOND = 1 / 3600
BUSY = Lifecycle(
    orders_per_hour=20 * 3600,  # twenty new orders a second
    fraud_review=0.3,
    fraud_cleared=0.6,
    review_hours=(0.2 * SECOND, 3 * SECOND),
    cancelled=0.15,
    added_status=0.05,
    settle_hours=(0.5 * SECOND, 6 * SECOND),
    late=0.0,
    out_of_order=0.1,
    out_of_order_minutes=(0.5 * SECOND * 60, 2 * SECOND * 60),
)


# --- The fake, served over loopback ---------------------------------------------------------


@contextlib.contextmanager
def living_fake(
    *,
    orders: int,
    seed: int,
    lifecycle: Lifecycle | None = BUSY,
    latency: float = 0.005,
    days: float = 4,
    store: int = 999,
    day_start_hour: int = 0,
    start: datetime | None = None,
    ticking: bool = True,
) -> Iterator[tuple[FakeZonos, str]]:
    """A seeded fake whose clock is the real one (or ``start``, frozen), served in a thread."""
    clock = FakeClock(start, ticking=ticking)
    fake = FakeZonos.seeded(
        orders=orders,
        seed=seed,
        store=store,
        secret=SECRET,
        days=days,
        clock=clock,
        faults=Faults(latency=latency) if latency else None,
        lifecycle=lifecycle,
        day_start_hour=day_start_hour,
    )
    with fake.serve_in_thread() as url:
        yield fake, url


def visible_orders(fake: FakeZonos, since: date) -> dict[str, dict[str, Any]]:
    """What Zonos lists from ``since`` (its days, its hour) through far ahead, by id."""
    body = {
        "store": fake.store,
        "secret": SECRET,
        "sinceDate": (since - timedelta(days=1)).strftime("%Y%m%d"),
        "statuses": True,
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    answer = fake.handle("POST", "/v1/orderNumbers", headers, json.dumps(body).encode()).json()
    first = datetime(since.year, since.month, since.day, tzinfo=UTC)
    return {
        order["id"]: order
        for order in answer["orders"]
        if datetime.fromisoformat(order["timestamp"][:19] + "+00:00") >= first
    }


# --- zonos-async processes --------------------------------------------------------------------


def cli_env(fake: FakeZonos, url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ZONOS_") and "PROXY" not in key.upper()
    }
    env.update(
        ZONOS_STORE_ID=str(fake.store),
        ZONOS_SECRET=SECRET,
        ZONOS_BASE_URL=url,
        NO_PROXY="127.0.0.1,localhost",
        NO_COLOR="1",
        PYTHONPATH=str(REPO),
        COLUMNS="200",
    )
    env.update(extra)
    return env


def sync_args(db: str, since: date | None, *extra: str) -> list[str]:
    args = ["sync", "--db", db, "--json", "--no-progress"]
    if since is not None:
        args += ["--since", since.isoformat()]
    return [*args, *extra]


@dataclass
class Outcome:
    code: int | None  # None: killed by a signal
    stdout: str
    stderr: str

    def summary(self) -> dict[str, Any]:
        """The ``--json`` summary line."""
        for line in reversed(self.stdout.splitlines()):
            if line.startswith("{"):
                data: dict[str, Any] = json.loads(line)
                return data
        raise AssertionError(f"no JSON summary in stdout:\n{self.stdout}\n{self.stderr}")

    def __str__(self) -> str:
        return f"exit {self.code}\nstdout:\n{self.stdout[-2000:]}\nstderr:\n{self.stderr[-3000:]}"


def command(args: Sequence[str]) -> list[str]:
    """``zonos-async ARGS`` as the console script of this interpreter's environment runs it."""
    script = Path(sys.executable).with_name("zonos-async")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "zonos_async", *args]


def run_cli(args: Sequence[str], env: Mapping[str, str], timeout: float = 120) -> Outcome:
    result = subprocess.run(
        command(args), env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )
    return Outcome(result.returncode, result.stdout, result.stderr)


def start_cli(args: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(args),
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> Outcome:
    stdout, stderr = process.communicate(timeout=timeout)
    code = process.returncode
    return Outcome(code if code >= 0 else None, stdout, stderr)


class Zygote:
    """Forks ``zonos-async`` runs from a process that imported everything once (see _zygote)."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._process = subprocess.Popen(
            [sys.executable, str(ZYGOTE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        self._runs = 0
        self._lock = threading.Lock()  # one question, one answer: workers may share the zygote
        assert self._ask(None) == {"ready": True}

    def _ask(self, message: dict[str, Any] | None) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        with self._lock:
            if message is not None:
                self._process.stdin.write(json.dumps(message) + "\n")
                self._process.stdin.flush()
            line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the zygote died")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def start(
        self, args: Sequence[str], env: Mapping[str, str], *, fsize: int | None = None
    ) -> tuple[int, Path, Path]:
        """Fork a run; returns its pid and the files its stdout and stderr go to."""
        with self._lock:
            self._runs += 1
            run = self._runs
        out = self._workdir / f"run-{run}.out"
        err = self._workdir / f"run-{run}.err"
        answer = self._ask(
            {"run": list(args), "env": dict(env), "out": str(out), "err": str(err), "fsize": fsize}
        )
        return int(answer["pid"]), out, err

    def run(
        self, args: Sequence[str], env: Mapping[str, str], *, fsize: int | None = None
    ) -> Outcome:
        """A whole run: ``zonos-async ARGS`` to its end."""
        pid, out, err = self.start(args, env, fsize=fsize)
        code = self.wait_for(pid)
        return Outcome(code, out.read_text(), err.read_text())

    def wait(self, pid: int, timeout: float | None) -> dict[str, int | None]:
        return self._ask({"wait": pid, "timeout": timeout})

    def wait_for(self, pid: int, timeout: float = 120) -> int | None:
        """The run's exit status (``None``: killed), without blocking other callers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.wait(pid, 0)
            if status["code"] is not None or status["signal"] is not None:
                return status["code"]
            time.sleep(0.02)
        self.kill(pid)
        raise AssertionError(f"run {pid} did not end within {timeout} s")

    def kill(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            assert self._process.stdin is not None
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


# --- The store of record, read with plain SQL -------------------------------------------------


def reading_url(db: str) -> str:
    return db if "://" in db else f"sqlite+aiosqlite:///{db}"


@dataclass
class History:
    id: int
    order_id: str
    kind: str
    from_status: str | None
    to_status: str
    status_date: datetime | None
    run_id: str


@dataclass
class Snapshot:
    """One store's rows in the database."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicated: list[str] = field(default_factory=list)
    history: list[History] = field(default_factory=list)
    state: dict[str, Any] | None = None


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def _read(db: str, store: int) -> Snapshot:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(reading_url(db))
    snapshot = Snapshot()
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT order_id, status, status_date, order_json, placed_at FROM zonos_orders"
                    " WHERE store = :store"
                ),
                {"store": store},
            )
            seen: set[str] = set()
            for order_id, status, status_date, order_json, placed_at in rows:
                if order_id in seen:
                    snapshot.duplicated.append(order_id)
                seen.add(order_id)
                snapshot.orders[order_id] = {
                    "status": status,
                    "status_date": _aware(status_date),
                    "json": json.loads(order_json),
                    "placed_at": _aware(placed_at),
                }
            rows = await connection.execute(
                text(
                    "SELECT id, order_id, kind, from_status, to_status, status_date, run_id"
                    " FROM zonos_order_history WHERE store = :store ORDER BY id"
                ),
                {"store": store},
            )
            snapshot.history = [
                History(row[0], row[1], row[2], row[3], row[4], _aware(row[5]), row[6])
                for row in rows
            ]
            state = await connection.execute(
                text("SELECT * FROM zonos_sync_state WHERE store = :store"), {"store": store}
            )
            found = state.mappings().first()
            snapshot.state = dict(found) if found is not None else None
    finally:
        await engine.dispose()
    return snapshot


def read_store(db: str, store: int = 999) -> Snapshot:
    return asyncio.run(_read(db, store))


class HistoryCounter:
    """Counts a store's history rows through one connection kept open (cheap enough to ask
    after every kill): how the kill test knows a killed run had committed something."""

    def __init__(self, db: str) -> None:
        self._db = db
        self._stack = contextlib.ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        self._engine: Any = None

    def __enter__(self) -> HistoryCounter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._engine is not None:
            self._portal.call(self._engine.dispose)
        self._stack.close()

    async def _count(self) -> int:
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError
        from sqlalchemy.ext.asyncio import create_async_engine

        if self._engine is None:
            self._engine = create_async_engine(reading_url(self._db))
        try:
            async with self._engine.connect() as connection:
                rows = await connection.execute(text("SELECT count(*) FROM zonos_order_history"))
                return int(rows.scalar_one())
        except DBAPIError:  # no tables before the first run made them
            return 0

    def __call__(self) -> int:
        return self._portal.call(self._count)


# --- What a finished sync must hold -----------------------------------------------------------


def _states(fake: FakeZonos, order_id: str, current: str) -> list[tuple[str, datetime | None]]:
    """The order's successive (status, status date) on the Zonos side; the first date unknown."""
    changes: list[StatusChange] = fake.status_changes(order_id)
    if not changes:
        return [(current, None)]
    return [(changes[0].old, None), *((change.new, change.at) for change in changes)]


def problems(snapshot: Snapshot, fake: FakeZonos, since: date) -> list[str]:
    """Every way the store differs from what a correct sync of ``fake`` holds (empty: none).

    - every order Zonos lists from ``since`` is held exactly once, and nothing else is;
    - its stored status and status date are Zonos' current ones;
    - its history (rows ``new`` and ``status``) is one chain: ``new`` first, each row starting
      where the last one ended, ending at the stored status, and each row one of the order's
      real states on the Zonos side (its status, and its status date where the row has one),
      in order, none twice.
    """
    found: list[str] = []
    expected = visible_orders(fake, since)
    if snapshot.duplicated:
        found.append(f"orders held twice: {sorted(snapshot.duplicated)[:10]}")
    missing = sorted(expected.keys() - snapshot.orders.keys())
    extra = sorted(snapshot.orders.keys() - expected.keys())
    first = datetime(since.year, since.month, since.day, tzinfo=UTC)
    early = [order_id for order_id in extra if snapshot.orders[order_id]["placed_at"] < first]
    extra = [order_id for order_id in extra if order_id not in early]
    if missing:
        found.append(f"{len(missing)} orders missing, e.g. {missing[:10]}")
    if extra:
        found.append(f"{len(extra)} orders held that Zonos does not list, e.g. {extra[:10]}")
    if early:
        found.append(f"{len(early)} orders placed before --since {since}, e.g. {early[:5]}")
    history: dict[str, list[History]] = {}
    for row in snapshot.history:
        if row.kind in ("new", "status"):
            history.setdefault(row.order_id, []).append(row)
    for order_id in sorted(expected.keys() & snapshot.orders.keys()):
        listed, held = expected[order_id], snapshot.orders[order_id]
        if held["status"] != listed["orderStatus"]:
            found.append(f"{order_id}: stored {held['status']}, Zonos {listed['orderStatus']}")
        if held["json"].get("orderStatus") != listed["orderStatus"]:
            found.append(f"{order_id}: the stored detail says {held['json'].get('orderStatus')}")
        zonos_date = datetime.fromtimestamp(listed["orderStatusDate"] / 1000, UTC)
        if held["status_date"] != zonos_date:
            found.append(f"{order_id}: status date {held['status_date']}, Zonos {zonos_date}")
        found.extend(_chain_problems(order_id, history.get(order_id, []), held, fake))
    return found


def _chain_problems(
    order_id: str, rows: list[History], held: dict[str, Any], fake: FakeZonos
) -> list[str]:
    if not rows:
        return [f"{order_id}: no history"]
    found: list[str] = []
    if rows[0].kind != "new" or rows[0].from_status is not None:
        found.append(f"{order_id}: history does not start with 'new': {rows[0]}")
    if any(row.kind == "new" for row in rows[1:]):
        found.append(f"{order_id}: 'new' recorded {sum(r.kind == 'new' for r in rows)} times")
    for before, after in itertools.pairwise(rows):
        if after.from_status != before.to_status:
            found.append(f"{order_id}: history jumps {before.to_status} -> {after.from_status}")
        if after.from_status == after.to_status:
            found.append(f"{order_id}: a change to the same status {after}")
    if rows[-1].to_status != held["status"]:
        found.append(f"{order_id}: history ends at {rows[-1].to_status}, stored {held['status']}")
    states = _states(fake, order_id, held["status"])
    position = -1
    for row in rows:
        later = [
            index
            for index in range(position + 1, len(states))
            if states[index][0] == row.to_status
            and (None in (states[index][1], row.status_date) or states[index][1] == row.status_date)
        ]
        if not later:
            found.append(
                f"{order_id}: history row {row.kind} {row.from_status}->{row.to_status} "
                f"({row.status_date}) is no later state of the order on Zonos: {states}"
            )
            break
        position = later[0]
    return found
