"""The ``zonos-async`` command: the scheduled import job, and the four endpoints by hand.

Needs the ``cli`` extra (click and rich); ``zonos_async`` itself never imports this
module. Rules every command keeps: credentials come from ``--store``/``--secret``
or ``$ZONOS_STORE_ID``/``$ZONOS_SECRET`` and are never printed; bad input and
Zonos errors print one red line and exit non-zero, never a traceback; Ctrl-C
stops cleanly (an import saves its checkpoint first) and exits 130.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final, TypeVar

import anyio
import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ._checkpoint import FileCheckpoint, JsonLinesSink, dumps_exact
from ._errors import ZonosError
from ._models import Order
from ._pipeline import ImportStats, OrderStream, TestOrders, _leaves, import_orders
from ._reconcile import reconcile
from ._session import DEFAULT_BASE_URL, Session
from ._status import OrderStatus

__all__ = ["cli", "main"]

EXIT_INTERRUPTED: Final = 130
DEMO_OUT: Final = "zonos-demo-orders.jsonl"
FLUSH_EVERY: Final = 500
FLUSH_SECONDS: Final = 1.0
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
            _error_line(str(exc))
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
    """Import and manage Zonos orders.

    Credentials: --store/--secret or $ZONOS_STORE_ID/$ZONOS_SECRET. Try it with no
    account at all: zonos-async import --demo
    """


def main(argv: Sequence[str] | None = None) -> None:
    """The console script ``zonos-async`` (and ``python -m zonos_async``)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="zonos-async")


# --- Shared pieces ----------------------------------------------------------------------------


def _credentials(function: F) -> F:
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
    return Session(store, secret, base_url=base_url)


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


# --- import -----------------------------------------------------------------------------------


@cli.command("import")
@_credentials
@click.option(
    "--since", type=click.DateTime(_DATE_FORMATS), help="First UTC day (first run; YYYY-MM-DD)."
)
@click.option("--until", type=click.DateTime(_DATE_FORMATS), help="Last UTC day [today].")
@click.option("--since-order-id", help="Instead of dates: the orders after this one.")
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"JSON Lines file to append to [orders.jsonl; {DEMO_OUT} with --demo].",
)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Checkpoint file [OUT.checkpoint.json].",
)
@click.option("--no-checkpoint", is_flag=True, help="Neither read nor save a checkpoint.")
@click.option("--concurrency", type=click.IntRange(1, 512), default=32, show_default=True)
@click.option("--window-days", type=click.IntRange(1, 366), default=7, show_default=True)
@click.option(
    "--test-orders",
    type=click.Choice(["include", "skip", "only"]),
    default="include",
    show_default=True,
)
@click.option("--status", "statuses", multiple=True, help="Only this status (repeatable).")
@click.option("--missing-merchant-id", is_flag=True, help="Only orders with no merchant id.")
@click.option("--ordered", is_flag=True, help="Write in id order.")
@click.option("--demo", is_flag=True, help="Import from a built-in fake Zonos; no account needed.")
@click.option("--demo-orders", type=click.IntRange(1, 1_000_000), default=3000, show_default=True)
@click.option("--demo-latency-ms", type=click.FloatRange(0, 10_000), default=50, show_default=True)
@click.option(
    "--commit-every",
    type=click.IntRange(1),
    default=FLUSH_EVERY,
    show_default=True,
    help="Sync the file and save the checkpoint every N orders (and every second).",
)
@click.option("--progress/--no-progress", default=None, help="Progress bar [when a terminal].")
def import_command(
    store: str | None,
    secret: str | None,
    base_url: str,
    since: datetime | None,
    until: datetime | None,
    since_order_id: str | None,
    out: Path | None,
    checkpoint: Path | None,
    no_checkpoint: bool,
    concurrency: int,
    window_days: int,
    test_orders: TestOrders,
    statuses: tuple[str, ...],
    missing_merchant_id: bool,
    ordered: bool,
    demo: bool,
    demo_orders: int,
    demo_latency_ms: float,
    commit_every: int,
    progress: bool | None,
) -> int:
    """Import orders (since a day, or from where the checkpoint left off) into JSON Lines.

    Each order's detail is appended to OUT once, however often the job is killed
    and rerun: the file is deduplicated by order id and the checkpoint is only
    saved after the file is synced. Run it from cron with the same arguments.
    """
    out = out or Path(DEMO_OUT if demo else "orders.jsonl")
    checkpoint_path = None if no_checkpoint else (checkpoint or Path(f"{out}.checkpoint.json"))
    if since_order_id is not None and since is not None:
        raise click.UsageError("pass --since or --since-order-id, not both")
    fake_since: date | None = None
    if demo:
        fake_since = datetime.now(timezone.utc).date() - timedelta(days=61)
    elif not (since or since_order_id or missing_merchant_id) and not (
        checkpoint_path is not None and checkpoint_path.exists()
    ):
        raise click.UsageError(
            "nothing to resume: give --since YYYY-MM-DD (or --since-order-id) for the first run"
        )
    show_progress = _err.is_terminal if progress is None else progress

    async def body() -> int:
        if demo:
            from .testing import FakeZonos, Faults

            fake = FakeZonos.seeded(orders=demo_orders, seed=0, days=60)
            fake.faults = Faults(seed=0, latency=demo_latency_ms / 1000)
            session = Session(fake.store, fake.secret, transport=fake.transport())
            _err.print(
                f"[dim]demo: a fake Zonos with {demo_orders} orders and "
                f"{demo_latency_ms:g} ms per call, in this process[/]"
            )
        else:
            session = _session(store, secret, base_url)
        first = _day(since)
        if first is None and fake_since is not None and not _has_state(checkpoint_path):
            first = fake_since
        return await _import(
            session,
            out=out,
            checkpoint_path=checkpoint_path,
            since=first,
            until=_day(until),
            since_order_id=since_order_id,
            concurrency=concurrency,
            window_days=window_days,
            test_orders=test_orders,
            statuses=[OrderStatus(s.strip().upper()) for s in statuses] or None,
            missing_merchant_order_id=missing_merchant_id,
            ordered=ordered,
            commit_every=commit_every,
            show_progress=show_progress,
        )

    return _run(body)


def _has_state(path: Path | None) -> bool:
    return path is not None and path.exists()


async def _import(
    session: Session,
    *,
    out: Path,
    checkpoint_path: Path | None,
    since: date | None,
    until: date | None,
    since_order_id: str | None,
    concurrency: int,
    window_days: int,
    test_orders: TestOrders,
    statuses: list[OrderStatus] | None,
    missing_merchant_order_id: bool,
    ordered: bool,
    commit_every: int,
    show_progress: bool,
) -> int:
    checkpoint = FileCheckpoint(checkpoint_path) if checkpoint_path is not None else None
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>6.0f} orders/s"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        console=_err,
        disable=not show_progress,
        transient=False,
    )
    stats: ImportStats | None = None
    resumed = False
    interrupted = False
    sink = JsonLinesSink(out)
    try:
        async with (
            session,
            sink,
            import_orders(
                session,
                since=since,
                until=until,
                since_order_id=since_order_id,
                concurrency=concurrency,
                window_days=window_days,
                test_orders=test_orders,
                statuses=statuses,
                missing_merchant_order_id=missing_merchant_order_id,
                ordered=ordered,
                checkpoint=checkpoint,
            ) as orders,
        ):
            resumed = orders.resumed_from is not None
            with progress:
                task = progress.add_task("listing", total=None, rate=0.0)
                try:
                    async with anyio.create_task_group() as ui:
                        ui.start_soon(_tick, orders, progress, task)
                        await _write_all(orders, sink, commit_every)
                        ui.cancel_scope.cancel()
                except anyio.get_cancelled_exc_class():
                    interrupted = True
                    raise
                finally:
                    stats = orders.stats
                    _show(progress, task, stats)
    finally:
        if stats is not None:
            _summary(stats, sink, out, checkpoint_path, resumed, interrupted)
    return 0


async def _write_all(orders: OrderStream, sink: JsonLinesSink, commit_every: int) -> None:
    """Write, and every so often sync the file *then* save the checkpoint (never the reverse)."""
    last_flush = anyio.current_time()
    try:
        async for order in orders:
            sink.write(order)
            now = anyio.current_time()
            if sink.pending >= commit_every or now - last_flush >= FLUSH_SECONDS:
                await sink.flush()
                await orders.commit()
                last_flush = now
    finally:
        # Everything received is written (write() does not await): make it durable, then say so.
        with anyio.CancelScope(shield=True):
            await sink.flush()
            await orders.commit()


async def _tick(orders: OrderStream, progress: Progress, task: TaskID) -> None:
    while True:
        _show(progress, task, orders.stats)
        await anyio.sleep(0.1)


def _show(progress: Progress, task: TaskID, stats: ImportStats) -> None:
    if stats.listing_done:
        description = "importing"
    else:
        description = f"listing {stats.windows_listed}/{stats.windows or '?'}"
    progress.update(
        task,
        description=description,
        total=stats.to_fetch if stats.listing_done or stats.to_fetch else None,
        completed=stats.yielded,
        rate=stats.rate,
    )


def _summary(
    stats: ImportStats,
    sink: JsonLinesSink,
    out: Path,
    checkpoint_path: Path | None,
    resumed: bool,
    interrupted: bool,
) -> None:
    table = Table(title="zonos-async import", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    rows: list[tuple[str, str]] = [
        ("orders listed", f"{stats.listed}"),
        ("left out by filters", f"{stats.skipped}"),
        ("done in an earlier run", f"{stats.already_done}"),
        ("details fetched", f"{stats.fetched}"),
        ("written to the file", f"{sink.written}"),
        ("already in the file", f"{sink.duplicates}"),
        ("elapsed", f"{stats.elapsed:.2f} s"),
        ("rate", f"{stats.rate:.0f} orders/s"),
        ("output", str(out)),
        (
            "checkpoint",
            f"{checkpoint_path}{' (resumed)' if resumed else ''}" if checkpoint_path else "none",
        ),
    ]
    for what, value in rows:
        table.add_row(what, escape(value))
    _out().print(table)
    if interrupted:
        _err.print(
            "[yellow]interrupted:[/] what was written is saved; "
            "run the same command again to resume"
        )


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


# --- fake-server ------------------------------------------------------------------------------


@cli.command("fake-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--orders", type=click.IntRange(0, 10_000_000), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--days", type=click.FloatRange(0.001), default=60, show_default=True)
@click.option("--latency-ms", type=click.FloatRange(0), default=0, show_default=True)
def fake_server_command(
    host: str, port: int, orders: int, seed: int, days: float, latency_ms: float
) -> int:
    """Serve the built-in fake Zonos over HTTP (needs the fake-server extra).

    Store 999 and the vendor's documentation secret; point --base-url at it.
    """
    from .testing.__main__ import main as fake_main

    argv = ["serve", "--host", host, "--port", str(port), "--orders", str(orders)]
    argv += ["--seed", str(seed), "--days", str(days), "--latency-ms", str(latency_ms)]
    return fake_main(argv)
