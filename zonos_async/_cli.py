"""The ``zonos-async`` command: the scheduled sync, its store, and the four endpoints by hand.

Needs the ``cli`` extra (click and rich); ``zonos_async`` itself never imports this
module. Rules every command keeps: credentials come from ``--store``/``--secret``
or ``$ZONOS_STORE_ID``/``$ZONOS_SECRET`` and are never printed; bad input and
Zonos errors print one red line and exit non-zero, never a traceback; Ctrl-C
stops cleanly (what a sync committed stays) and exits 130.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO, TypeVar

import anyio
import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ._errors import InvalidRequestError, ZonosError
from ._models import Order
from ._reconcile import reconcile
from ._session import DEFAULT_BASE_URL, Session
from ._status import OrderStatus
from ._sync._engine import (
    DEFAULT_HORIZON_DAYS,
    DEFAULT_LEASE_SECONDS,
    DEFAULT_TRAILING_DAYS,
    SyncSource,
    SyncStats,
    _Run,
    sync,
)
from ._sync._json import dumps_exact
from ._sync._memory import fix_mmap_threshold
from ._sync._model import FINAL_STATUSES, Change, LeaseHeldError, SyncResult
from ._sync._pipeline import TestOrders, _leaves
from ._sync._sql import DEFAULT_DB, SqlStore, StoreSummary, database_url

if TYPE_CHECKING:
    from .testing import FakeZonos

__all__ = ["cli", "main"]

EXIT_INTERRUPTED: Final = 130
_DATE_FORMATS: Final = ["%Y-%m-%d", "%Y%m%d"]

F = TypeVar("F", bound=Callable[..., Any])

_err = Console(stderr=True, highlight=False)


def _out() -> Console:
    # Made per call so that click's test runner (which swaps sys.stdout) sees the output.
    return Console(highlight=False, soft_wrap=True)


def _error_line(message: str) -> None:
    text = " ".join(message.split())  # one line, whatever the message held
    _err.print(f"[bold red]error:[/] {escape(text)}", soft_wrap=True)


class _Group(click.Group):
    """A group that turns every expected failure into one red line and an exit status."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            _error_line("interrupted")
            code = EXIT_INTERRUPTED
        except click.ClickException as exc:
            _error_line(exc.format_message())
            code = exc.exit_code
        except ZonosError as exc:
            _error_line(" ".join([str(exc), *getattr(exc, "__notes__", ())]))
            code = 1
        except OSError as exc:
            _error_line(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
            code = 1
        except KeyboardInterrupt:
            _error_line("interrupted")
            code = EXIT_INTERRUPTED
        else:
            code = result if isinstance(result, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zonos-async", prog_name="zonos-async")
def cli() -> None:
    """Sync Zonos orders into a store of record, and manage them.

    Credentials: --store/--secret or $ZONOS_STORE_ID/$ZONOS_SECRET. Try it with no
    account at all: zonos-async sync --demo
    """


def main(argv: Sequence[str] | None = None) -> None:
    """The console script ``zonos-async`` (and ``python -m zonos_async``)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="zonos-async")


# --- Shared pieces ----------------------------------------------------------------------------


_NO_VALIDATE_SECRET = "zonos_async.no_validate_secret"


def _credentials(function: F) -> F:
    function = click.option(
        "--no-validate-secret",
        is_flag=True,
        expose_value=False,
        callback=lambda ctx, _, value: ctx.meta.__setitem__(_NO_VALIDATE_SECRET, value),
        help="Send a secret that is not a GUID as it is (Zonos documents a GUID).",
    )(function)
    function = click.option(
        "--base-url",
        envvar="ZONOS_BASE_URL",
        default=DEFAULT_BASE_URL,
        show_default=True,
        help="Where Zonos lives (or $ZONOS_BASE_URL); http:// only for loopback.",
    )(function)
    function = click.option(
        "--secret",
        envvar="ZONOS_SECRET",
        show_envvar=True,
        help="API secret (or $ZONOS_SECRET). Never printed.",
    )(function)
    return click.option(
        "--store",
        envvar="ZONOS_STORE_ID",
        show_envvar=True,
        help="Store id (or $ZONOS_STORE_ID).",
    )(function)


def _session(store: str | None, secret: str | None, base_url: str) -> Session:
    if not store:
        raise click.UsageError("no store id: pass --store or set ZONOS_STORE_ID")
    if not secret:
        raise click.UsageError("no API secret: pass --secret or set ZONOS_SECRET")
    validate = not click.get_current_context().meta.get(_NO_VALIDATE_SECRET, False)
    try:
        return Session(store, secret, base_url=base_url, validate_secret=validate)
    except InvalidRequestError as exc:  # a bad argument like any other: exit 2, nothing created
        hint = str(exc).replace("validate_secret=False", "--no-validate-secret")
        raise click.UsageError(hint) from None


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _run(body: Callable[[], Awaitable[int]]) -> int:
    """Run ``body`` under anyio; SIGINT/SIGTERM cancel it (its cleanup runs) and give 130."""
    interrupted = False

    async def guarded() -> int:
        nonlocal interrupted
        result = EXIT_INTERRUPTED
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                nonlocal interrupted
                try:
                    receiver = anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM)
                except NotImplementedError:  # Windows: KeyboardInterrupt does the job
                    return
                with receiver as signals:
                    async for _ in signals:
                        interrupted = True
                        tg.cancel_scope.cancel()
                        return

            tg.start_soon(watch)
            result = await body()
            tg.cancel_scope.cancel()
        return EXIT_INTERRUPTED if interrupted else result

    async def unwrapped() -> int:
        try:
            return await guarded()
        except BaseException as exc:  # the task group wraps the body's error in a group
            leaves = _leaves(exc)
            if len(leaves) != 1 or leaves[0] is exc:
                raise
            error = leaves[0]
        raise error

    try:
        return anyio.run(unwrapped)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


# --- sync, status, export ---------------------------------------------------------------------

EXIT_LEASE_HELD: Final = 75
DEMO_DB: Final = "zonos-demo.db"


def _db_option(function: F) -> F:
    function = click.option(
        "--schema", help="Database schema for the tables (PostgreSQL) [the default one]."
    )(function)
    return click.option(
        "--db",
        default=DEFAULT_DB,
        show_default=True,
        help="SQLite file, or a SQLAlchemy URL (sqlite+aiosqlite:///..., postgresql+asyncpg://...).",
    )(function)


def _open_store(db: str, schema: str | None, *, must_exist: bool = False) -> SqlStore:
    try:
        url = database_url(db)
    except InvalidRequestError as exc:
        raise click.BadParameter(str(exc).removeprefix("--db: "), param_hint="--db") from None
    file = url.database if url.get_backend_name() == "sqlite" else None
    if must_exist and file and file != ":memory:" and not Path(file).exists():
        raise click.BadParameter(f"no such database: {file}", param_hint="--db")
    return SqlStore.open(db, schema=schema)


@cli.command("sync")
@_credentials
@click.option(
    "--since",
    type=click.DateTime(_DATE_FORMATS),
    help="First UTC day, YYYY-MM-DD (a store's first run only; earlier later: a backfill).",
)
@_db_option
@click.option(
    "--changes",
    "changes_to",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Append each change (new order, status, detail) as a JSON line here; - for stdout.",
)
@click.option(
    "--test-orders",
    type=click.Choice(["include", "skip", "only"]),
    default="include",
    show_default=True,
    help="Which orders' changes to hand over (all are stored).",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    help="Hand over only changes to this status (repeatable; all orders are stored).",
)
@click.option("--allow-unknown-status", is_flag=True, help="Accept --status names not documented.")
@click.option(
    "--trailing-days",
    type=click.IntRange(0, 366),
    default=DEFAULT_TRAILING_DAYS,
    show_default=True,
    help="Days re-listed before the newest day held.",
)
@click.option(
    "--horizon-days",
    type=click.IntRange(1, 3660),
    default=DEFAULT_HORIZON_DAYS,
    show_default=True,
    help="Follow orders that are not final this long after placement.",
)
@click.option("--concurrency", type=click.IntRange(1, 512), default=32, show_default=True)
@click.option("--window-days", type=click.IntRange(1, 366), default=7, show_default=True)
@click.option(
    "--lease-seconds",
    type=click.FloatRange(1, 3600),
    default=DEFAULT_LEASE_SECONDS,
    show_default=True,
    help="A killed run's lease is free after this long.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON line.")
@click.option("--progress/--no-progress", default=None, help="Progress display [on a terminal].")
@click.option("--demo", is_flag=True, help="Two runs against a built-in fake Zonos; no account.")
@click.option("--demo-orders", type=click.IntRange(1, 1_000_000), default=3000, show_default=True)
@click.option("--demo-latency-ms", type=click.FloatRange(0, 10_000), default=50, show_default=True)
def sync_command(
    store: str | None,
    secret: str | None,
    base_url: str,
    since: datetime | None,
    db: str,
    schema: str | None,
    changes_to: Path | None,
    test_orders: TestOrders,
    statuses: tuple[str, ...],
    allow_unknown_status: bool,
    trailing_days: int,
    horizon_days: int,
    concurrency: int,
    window_days: int,
    lease_seconds: float,
    as_json: bool,
    progress: bool | None,
    demo: bool,
    demo_orders: int,
    demo_latency_ms: float,
) -> int:
    """Bring the store of record (--db) in step with Zonos: new orders, and open ones followed.

    Every order is stored once, however often the job is killed or overlaps; orders are
    followed until cancelled or complete. Run it from cron with the same arguments.
    Exit status: 0 done, 1 Zonos, network or database failure, 2 bad arguments, 75
    another run holds the store's lease, 130 interrupted (what was committed stays).
    """
    if changes_to is not None and str(changes_to) != "-" and not changes_to.parent.is_dir():
        raise click.BadParameter(
            f"the directory {changes_to.parent} does not exist", param_hint="--changes"
        )
    demo_default_db = demo and db == DEFAULT_DB
    if demo_default_db:
        db = DEMO_DB
    store_of_record = _open_store(db, schema)
    session = None if demo else _session(store, secret, base_url)
    options: dict[str, Any] = {
        "test_orders": test_orders,
        "statuses": list(statuses) or None,
        "allow_unknown_statuses": allow_unknown_status,
        "trailing_days": trailing_days,
        "horizon_days": horizon_days,
        "concurrency": concurrency,
        "window_days": window_days,
        "lease_seconds": lease_seconds,
    }
    try:
        # Every argument checked now, before any file or table exists.
        _check_options(options)
    except InvalidRequestError as exc:
        raise click.UsageError(str(exc)) from None
    show_progress = (_err.is_terminal if progress is None else progress) and not as_json
    fix_mmap_threshold()  # a long run's memory stays flat (see _sync/_memory.py)
    summary_console = _err if changes_to is not None and str(changes_to) == "-" else _out()

    async def body() -> int:
        async with store_of_record:
            if session is None:
                return await _demo(
                    store_of_record, db, demo_default_db, demo_orders, demo_latency_ms, options
                )
            async with session:
                return await _sync_once(
                    session,
                    store_of_record,
                    since=_day(since),
                    changes_to=changes_to,
                    options=options,
                    show_progress=show_progress,
                    as_json=as_json,
                    console=summary_console,
                )

    return _run(body)


def _check_options(options: Mapping[str, Any]) -> None:
    """Raise what ``sync`` would raise for these options, touching nothing."""
    _Run(
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        since=None,
        on_change=None,
        on_progress=None,
        clock=None,
        window_concurrency=4,
        **options,
    )


async def _sync_once(
    session: SyncSource,
    store: SqlStore,
    *,
    since: date | None,
    changes_to: Path | None,
    options: Mapping[str, Any],
    show_progress: bool,
    as_json: bool,
    console: Console,
    clock: Callable[[], datetime] | None = None,
    on_change: Callable[[Change], None] | None = None,
) -> int:
    progress = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        disable=not show_progress,
        transient=True,
    )
    listing = progress.add_task("listing", total=None)
    details = progress.add_task("details", total=None)

    def on_progress(stats: SyncStats) -> None:
        progress.update(listing, completed=stats.windows_listed, total=stats.windows or None)
        # details fetched of details known so far (the total grows while windows answer)
        progress.update(details, completed=stats.fetched, total=stats.to_fetch or None)

    writer = _ChangeWriter(changes_to) if changes_to is not None else None
    deliver = writer.write if writer is not None else on_change
    try:
        with progress:
            result = await sync(
                session,
                store,
                since=since,
                on_change=deliver,
                on_progress=on_progress if show_progress else None,
                clock=clock,
                **options,
            )
    except LeaseHeldError as exc:
        _error_line(str(exc))
        return EXIT_LEASE_HELD
    except InvalidRequestError as exc:
        raise click.UsageError(str(exc)) from None
    except anyio.get_cancelled_exc_class():
        _err.print(
            "[yellow]interrupted:[/] every order committed so far is kept; "
            "run the same command again to go on"
        )
        raise
    finally:
        if writer is not None:
            writer.close()
    if as_json:
        console.print(json.dumps(result.to_json()), markup=False, highlight=False)
    else:
        console.print(escape(_summary_line(result)), highlight=False)
    return 0


def _summary_line(result: SyncResult) -> str:
    return (
        f"synced store {result.store}: {result.listed} listed, {result.new} new, "
        f"{result.status_changed} status changes, {result.detail_changed} detail changes, "
        f"{result.fetched} details fetched in {result.windows} windows; "
        f"{result.open_orders} open ({result.beyond_horizon} past the horizon); "
        f"{result.delivered} changes handed over; {result.elapsed:.1f} s "
        f"[run {result.run_id[:12]}]"
    )


class _ChangeWriter:
    """Changes as JSON Lines, each flushed before it counts as delivered (fsynced at the end)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stdout = str(path) == "-"
        self._handle: TextIO | None = sys.stdout if self._stdout else None

    def write(self, change: Change) -> None:
        if self._handle is None:  # opened on the first change: a refused run creates no file
            self._handle = self._path.open("a", encoding="utf-8")
        self._handle.write(dumps_exact(change.to_json()) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._stdout or self._handle is None:
            return
        try:
            os.fsync(self._handle.fileno())
        finally:
            self._handle.close()


async def _demo(
    store: SqlStore,
    db: str,
    fresh: bool,
    orders: int,
    latency_ms: float,
    options: Mapping[str, Any],
) -> int:
    from .testing import FakeZonos, Faults, Lifecycle

    if fresh:  # the demo's own file: start from nothing each time
        for suffix in ("", "-wal", "-shm", "-journal"):
            await anyio.Path(db + suffix).unlink(missing_ok=True)
    # Zonos' side goes on living between the runs: arrivals, fraud reviews that clear or are
    # cancelled, later cancellations, a status the vendor never documented, late orders.
    lifecycle = Lifecycle(orders_per_hour=max(1.0, orders / (60 * 24)), settle_hours=(1, 12))
    fake = FakeZonos.seeded(orders=orders, seed=0, days=60, lifecycle=lifecycle)
    fake.faults = Faults(seed=0, latency=latency_ms / 1000)
    since = fake.clock.now().date() - timedelta(days=61)
    console = _out()
    console.print(
        f"[dim]demo: a fake Zonos with {orders} orders and {latency_ms:g} ms per call, "
        f"in this process; the store of record is {escape(db)}[/]"
    )
    async with Session(fake.store, fake.secret, transport=fake.transport()) as session:
        console.print(f"[bold]run 1[/]: the first sync, since {since}")
        code = await _sync_once(
            session,
            store,
            since=since,
            changes_to=None,
            options=options,
            show_progress=_err.is_terminal,
            as_json=False,
            console=console,
            clock=fake.clock.now,
            on_change=lambda change: None,  # every order is new: not worth printing
        )
        if code:
            return code
        changes_before, orders_before = len(fake.status_changes()), len(fake.order_ids())
        fake.clock.advance(timedelta(hours=12))
        console.print(
            f"[bold]twelve hours later at Zonos[/]: "
            f"{escape(_demo_story(fake, changes_before, orders_before))}"
        )
        console.print("[bold]run 2[/]: the same command; the changes it stores:")
        shown: list[Change] = []
        code = await _sync_once(
            session,
            store,
            since=None,
            changes_to=None,
            options=options,
            show_progress=_err.is_terminal,
            as_json=False,
            console=console,
            clock=fake.clock.now,
            on_change=shown.append,
        )
        _show_changes(console, shown)
    console.print(
        f"[dim]next: zonos-async status --db {escape(db)}; "
        f"zonos-async export --db {escape(db)} --out orders.jsonl[/]"
    )
    return code


def _show_changes(console: Console, changes: list[Change]) -> None:
    """The status changes first (the point of following orders), then the rest, briefly."""
    by_kind = {kind: [c for c in changes if c.kind == kind] for kind in ("status", "new", "detail")}
    for kind, limit in (("status", 15), ("new", 5), ("detail", 5)):
        for change in by_kind[kind][:limit]:
            before = f"{change.old_status} -> " if change.old_status is not None else ""
            console.print(f"  {kind:<7} {change.order_id}  {before}{change.new_status}")
        if len(by_kind[kind]) > limit:
            console.print(f"  ... and {len(by_kind[kind]) - limit} more {kind} changes")


def _demo_story(fake: FakeZonos, since_changes: int, orders_before: int) -> str:
    """What the fake's lifecycle did between the two runs, counted from its own record."""
    moves: dict[tuple[str, str], int] = {}
    for change in fake.status_changes()[since_changes:]:
        moves[change.old, change.new] = moves.get((change.old, change.new), 0) + 1
    told = [f"{n} {old} -> {new}" for (old, new), n in sorted(moves.items(), key=lambda m: -m[1])]
    arrived = len(fake.order_ids()) - orders_before
    return f"{arrived} orders became visible (new, late or out of order); " + (
        ", ".join(told) if told else "no status changed"
    )


@cli.command("status")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def status_command(db: str, schema: str | None, as_json: bool) -> int:
    """Show the store of record: orders by status, open orders, last run, lease holder."""
    store_of_record = _open_store(db, schema, must_exist=True)

    async def body() -> int:
        async with store_of_record:
            summaries = await store_of_record.summaries()
        if as_json:
            click.echo(json.dumps([_summary_json(s) for s in summaries], default=str))
            return 0
        if not summaries:
            _out().print(f"no store has been synced into {escape(db)} yet")
            return 0
        for summary in summaries:
            _print_summary(summary)
        return 0

    return _run(body)


def _summary_json(summary: StoreSummary) -> dict[str, Any]:
    state = summary.state
    return {
        "store": summary.store,
        "since": state.since.isoformat(),
        "orders": sum(summary.by_status.values()),
        "by_status": dict(summary.by_status),
        "open_orders": summary.open_orders,
        "history_rows": summary.history_rows,
        "last_run": {
            "id": state.last_run_id,
            "started": state.last_run_started.isoformat() if state.last_run_started else None,
            "finished": state.last_run_finished.isoformat() if state.last_run_finished else None,
            "result": state.last_run_result,
        },
        "lease": {
            "holder": state.lease_holder,
            "expires": state.lease_expires.isoformat() if state.lease_expires else None,
        },
        "changes_delivered_through": state.delivered_through,
    }


def _print_summary(summary: StoreSummary) -> None:
    state = summary.state
    table = Table(title=f"store {summary.store}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    rows = [
        ("orders", str(sum(summary.by_status.values()))),
        ("open (followed)", str(summary.open_orders)),
        ("synced since", state.since.isoformat()),
        ("history rows", str(summary.history_rows)),
        ("last run", f"{state.last_run_finished or '-'}  {state.last_run_result or 'never'}"),
        (
            "lease",
            f"held by {state.lease_holder} until {state.lease_expires}"
            if state.lease_holder
            else "free",
        ),
    ]
    for what, value in rows:
        table.add_row(what, escape(value))
    for status, count in summary.by_status.items():
        final = " (final)" if OrderStatus(status) in FINAL_STATUSES else ""
        table.add_row(f"  {status}{final}", str(count))
    _out().print(table)


@cli.command("export")
@_db_option
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="JSON Lines file to write (replaced whole, atomically); - for stdout.",
)
@click.option("--store", "store_id", type=int, help="Only this store's orders [all].")
def export_command(db: str, schema: str | None, out: Path, store_id: int | None) -> int:
    """Write every order held, one JSON object per line: Zonos' own keys, money exact."""
    to_stdout = str(out) == "-"
    if not to_stdout and not out.parent.is_dir():
        raise click.BadParameter(f"the directory {out.parent} does not exist", param_hint="--out")
    store_of_record = _open_store(db, schema, must_exist=True)

    async def body() -> int:
        async with store_of_record:
            if to_stdout:
                count = 0
                async for line in store_of_record.export(store_id):
                    sys.stdout.write(line + "\n")
                    count += 1
                sys.stdout.flush()
            else:
                count = await _export_file(store_of_record, out, store_id)
        _err.print(f"[dim]{count} orders exported[/]")
        return 0

    return _run(body)


async def _export_file(store: SqlStore, out: Path, store_id: int | None) -> int:
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            async for line in store.export(store_id):
                handle.write(line + "\n")
                count += 1
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)
    return count


# --- orders, order ----------------------------------------------------------------------------


@cli.command("orders")
@_credentials
@click.option("--since", type=click.DateTime(_DATE_FORMATS), help="First UTC day.")
@click.option("--until", type=click.DateTime(_DATE_FORMATS), help="Last UTC day.")
@click.option("--since-order-id", help="The orders after this one.")
@click.option("--missing-merchant-id", is_flag=True, help="Orders with no merchant id (14 days).")
@click.option("--statuses", is_flag=True, help="Also show status and merchant id.")
@click.option("--json", "as_json", is_flag=True, help="Print Zonos' answer as JSON.")
def orders_command(
    store: str | None,
    secret: str | None,
    base_url: str,
    since: datetime | None,
    until: datetime | None,
    since_order_id: str | None,
    missing_merchant_id: bool,
    statuses: bool,
    as_json: bool,
) -> int:
    """List order numbers (orderNumbers) as a table, or as JSON."""
    if not (since or since_order_id or missing_merchant_id):
        raise click.UsageError("give --since, --since-order-id or --missing-merchant-id")
    session = _session(store, secret, base_url)

    async def body() -> int:
        async with session:
            page = await session.order_numbers(
                since_date=_day(since),
                through_date=_day(until),
                since_order_id=since_order_id,
                missing_merchant_order_id=missing_merchant_id,
                statuses=statuses,
            )
        if as_json:
            click.echo(dumps_exact(page.raw))
            return 0
        table = Table(
            title=f"{page.total_count} orders ({page.test_order_count} test)",
            title_justify="left",
        )
        for column in ("id", "placed (UTC)", "test"):
            table.add_column(column)
        if statuses:
            for column in ("status", "merchant order id", "status changed (UTC)"):
                table.add_column(column)
        for summary in page.orders:
            row = [summary.id, f"{summary.placed_at:%Y-%m-%d %H:%M:%S}", _yes(summary.test_order)]
            if statuses:
                changed = summary.status_changed_at
                row += [
                    str(summary.status or ""),
                    summary.merchant_order_id or "",
                    f"{changed:%Y-%m-%d %H:%M:%S}" if changed else "",
                ]
            table.add_row(*(escape(cell) for cell in row))
        _out().print(table)
        return 0

    return _run(body)


def _yes(value: bool) -> str:
    return "yes" if value else ""


@cli.command("order")
@_credentials
@click.argument("order_id")
@click.option("--json", "as_json", is_flag=True, help="Print the order as Zonos sent it.")
def order_command(
    store: str | None, secret: str | None, base_url: str, order_id: str, as_json: bool
) -> int:
    """Show one order (orderDetail)."""
    session = _session(store, secret, base_url)

    async def body() -> int:
        async with session:
            order = await session.order_detail(order_id)
        if as_json:
            click.echo(dumps_exact(order.raw))
        else:
            _print_order(order)
        return 0

    return _run(body)


def _print_order(order: Order) -> None:
    console = _out()
    facts = Table(title=f"order {order.id}", show_header=False, title_justify="left")
    facts.add_column("field", style="bold")
    facts.add_column("value")
    rows: Mapping[str, object] = {
        "status": f"{order.status} ({order.status.description or 'unknown status'})",
        "test order": _yes(order.test_order) or "no",
        "merchant order id": order.merchant_order_id,
        "reference id": order.reference_id,
        "ship to": _address(order.name, order.address1, order.city, order.country_code),
        "email": order.email,
        "shipping": order.customer_selected_shipping_name or order.shipping_carrier_service_level,
        "items total": order.items_total,
        "shipping total": order.shipping_total,
        "duties and taxes": order.duty_taxes_total,
        "grand total": order.grand_total,
        "shopper currency": order.foreign_currency_code,
    }
    for name, value in rows.items():
        if value not in (None, ""):
            facts.add_row(name, escape(str(value)))
    console.print(facts)
    if order.items:
        items = Table(title="items", title_justify="left")
        for column in ("qty", "sku", "description", "unit price", "line total"):
            items.add_column(column, justify="right" if column != "description" else "left")
        for item in order.items:
            items.add_row(
                str(item.quantity),
                escape(item.sku or ""),
                escape(item.description or ""),
                str(item.unit_price),
                str(item.line_total),
            )
        console.print(items)


def _address(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)


# --- updates ----------------------------------------------------------------------------------


@cli.command("set-status")
@_credentials
@click.argument("order_id")
@click.argument("status")
def set_status_command(
    store: str | None, secret: str | None, base_url: str, order_id: str, status: str
) -> int:
    """Set an order's vendor status (updateVendorOrderStatus), e.g. VENDOR_SHIPMENT_READY."""
    session = _session(store, secret, base_url)

    async def body() -> int:
        async with session:
            result = await session.update_vendor_order_status(order_id, status.strip().upper())
        _out().print(f"[green]ok:[/] {escape(result.message)}")
        return 0

    return _run(body)


@cli.command("set-merchant-id")
@_credentials
@click.argument("order_id")
@click.argument("merchant_order_id")
def set_merchant_id_command(
    store: str | None, secret: str | None, base_url: str, order_id: str, merchant_order_id: str
) -> int:
    """Attach your own order number to a Zonos order (updateMerchantOrderId)."""
    session = _session(store, secret, base_url)

    async def body() -> int:
        async with session:
            result = await session.update_merchant_order_id(order_id, merchant_order_id)
        _out().print(f"[green]ok:[/] {escape(result.message)}")
        return 0

    return _run(body)


# --- reconcile --------------------------------------------------------------------------------


def _read_known(path: Path) -> set[str]:
    """Ids from a file: one a line, or JSON Lines orders (an import's output)."""
    known: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            text = line.strip()
            if not text:
                continue
            if text.startswith("{"):
                try:
                    value = json.loads(text).get("orderId")
                except (ValueError, AttributeError):
                    raise click.BadParameter(
                        f"{path}: a line is not JSON", param_hint="--known"
                    ) from None
                if value is not None:
                    known.add(str(value))
            else:
                known.add(text.split(",")[0].strip())
    return known


def _read_merchant_ids(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = [part.strip() for part in text.split(",")]
            if len(parts) != 2 or not all(parts):
                raise click.BadParameter(
                    f"{path}:{number}: expected 'ZONOS_ORDER_ID,MERCHANT_ORDER_ID'",
                    param_hint="--merchant-ids",
                )
            found[parts[0]] = parts[1]
    return found


@cli.command("reconcile")
@_credentials
@click.option("--since", type=click.DateTime(_DATE_FORMATS), required=True, help="First UTC day.")
@click.option("--until", type=click.DateTime(_DATE_FORMATS), help="Last UTC day [today].")
@click.option(
    "--known",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The order ids your system has: one a line, or an import's JSON Lines file.",
)
@click.option(
    "--merchant-ids",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV lines 'ZONOS_ORDER_ID,MERCHANT_ORDER_ID' to push back.",
)
@click.option("--push", is_flag=True, help="Send missing merchant ids with updateMerchantOrderId.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def reconcile_command(
    store: str | None,
    secret: str | None,
    base_url: str,
    since: datetime,
    until: datetime | None,
    known: Path,
    merchant_ids: Path | None,
    push: bool,
    as_json: bool,
) -> int:
    """Compare Zonos' orders with yours; optionally push merchant ids back."""
    if push and merchant_ids is None:
        raise click.UsageError("--push needs --merchant-ids")
    known_ids = _read_known(known)
    mapping = _read_merchant_ids(merchant_ids) if merchant_ids is not None else None
    session = _session(store, secret, base_url)

    async def body() -> int:
        async with session:
            report = await reconcile(
                session,
                since=since.date(),
                until=_day(until),
                known_ids=known_ids,
                merchant_ids=mapping,
                push=push,
            )
        if as_json:
            click.echo(
                dumps_exact(
                    {
                        "since": report.since.isoformat(),
                        "until": report.until.isoformat(),
                        "listed": report.listed,
                        "missing_here": list(report.missing_here),
                        "missing_merchant_id": list(report.missing_merchant_id),
                        "pushed": list(report.pushed),
                        "failures": {k: str(v) for k, v in report.failures.items()},
                    }
                )
            )
        else:
            console = _out()
            table = Table(
                title=f"reconcile {report.since} .. {report.until}",
                show_header=False,
                title_justify="left",
            )
            table.add_column("what", style="bold")
            table.add_column("count", justify="right")
            table.add_column("ids")
            for what, ids in (
                ("missing here", report.missing_here),
                ("no merchant id at Zonos", report.missing_merchant_id),
                ("merchant ids pushed", report.pushed),
                ("push failures", tuple(report.failures)),
            ):
                shown = ", ".join(ids[:10]) + (f" (+{len(ids) - 10})" if len(ids) > 10 else "")
                table.add_row(what, str(len(ids)), escape(shown))
            table.add_row("listed by Zonos", str(report.listed), "")
            console.print(table)
            for order_id, error in report.failures.items():
                _error_line(f"{order_id}: {error}")
        return 1 if report.failures else 0

    return _run(body)
