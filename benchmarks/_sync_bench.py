# ruff: noqa: RUF001, RUF002
"""The sync targets, run by ``run.py`` (its "sync" part; ``--sync-only``).

- **First sync**: every order of a fake holding 10,000, then 100,000 orders (a server per size,
  1,000 orders a day, so 100,000 span 100 days) at 50 ms per call, ``concurrency=32``, into a
  new SQLite file and into a new PostgreSQL database (a throwaway cluster, ``tests/_postgres.py``).
  Wall within 1.15× of the latency bound (orders × latency / C + listing calls × latency); peak
  RSS growth ≤ 60 MB at both sizes and the two within ±10% (or 1 MB, the noise of RSS itself).
- **Follow-up**: a store that holds 100,000 orders of which the newest 5,000 are open (not
  final); since the first sync, 500 of those changed status. The goal is one ``orderNumbers``
  call per window that holds open orders (here one 7-day window: the open orders span 5 days)
  and one ``orderDetail`` call per changed order; the figures are the calls made and the wall.
  The store is filled by a first sync at latency 0 against a fake with a frozen clock; the
  follow-up runs at 50 ms against a second fake with the same clock, orders and 500 changes,
  without ``since`` (as a later run needs none: an explicit ``since`` re-lists from there).

One fresh process (``_sync_driver.py``) per figure: a 100,000-order run at 50 ms is 2.5 minutes
by itself, so there are no repeats.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from benchmarks._common import ROOT, run_pinned

__all__ = [
    "SyncPlan",
    "SyncResults",
    "measure_sync",
    "render_sync",
    "render_sync_only",
    "sync_plan",
    "sync_target_rows",
]

WALL_LIMIT: Final = 1.15
RSS_LIMIT_MB: Final = 60.0
RSS_SPREAD: Final = 0.10
RSS_NOISE_MB: Final = 1.0
TIMEOUT_S: Final = 1800.0
MB: Final = 1024 * 1024
WINDOW_DAYS: Final = 7  # the sync's default window

Serve = Callable[..., AbstractContextManager[Any]]
"""``run.serve``: (kind, latency ms, orders, server CPUs, *, days, settle) -> a running server."""


@dataclass(frozen=True)
class SyncPlan:
    """What the sync part measures."""

    sizes: tuple[int, int] = (10_000, 100_000)
    latency_ms: float = 50.0
    concurrency: int = 32
    orders_per_day: float = 1_000.0
    follow_orders: int = 100_000
    follow_open: int = 5_000
    follow_changed: int = 500
    backends: tuple[str, ...] = ("sqlite", "postgresql")
    quick: bool = False

    def days(self, orders: int) -> int:
        return max(1, math.ceil(orders / self.orders_per_day))

    @property
    def latency_s(self) -> float:
        return self.latency_ms / 1000

    @property
    def follow_goal_windows(self) -> int:
        """Windows that hold open orders: the open orders' days (and the trailing two)."""
        open_days = max(self.days(self.follow_open), 3)
        return math.ceil(open_days / WINDOW_DAYS)


def sync_plan(quick: bool, repeats: int) -> SyncPlan:
    """The issue's sizes, or tiny ones for ``--quick`` (the smoke test only proves it runs)."""
    del repeats  # one process per figure, see the module docstring
    if quick:
        return SyncPlan((300, 1_000), 10.0, 8, 200.0, 1_000, 200, 20, quick=True)
    return SyncPlan()


@dataclass
class SyncResults:
    """Each driver's JSON line (or ``{"error": ...}``), by (backend, orders) and backend."""

    plan: SyncPlan
    first: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    follow: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)  # backend -> why not

    def failed(self) -> bool:
        """Some figure has no successful run (the smoke test's failure)."""
        runs = [*self.first.values(), *(run for pair in self.follow.values() for run in pair)]
        return any("error" in run for run in runs)

    def growth_mb(self, backend: str, orders: int) -> float:
        run = self.first.get((backend, orders), {})
        if "rss_peak" not in run:
            return math.nan
        return float(run["rss_peak"] - run["rss_baseline"]) / MB

    def bound(self, backend: str, orders: int) -> tuple[float, float]:
        """(bound with every listing call, stricter bound with one)."""
        plan = self.plan
        run = self.first.get((backend, orders), {})
        detail = orders * plan.latency_s / plan.concurrency
        return detail + run.get("windows", math.nan) * plan.latency_s, detail + plan.latency_s


@contextlib.contextmanager
def _databases(plan: SyncPlan, workdir: Path, log: Callable[[str], None]) -> Iterator[Any]:
    """``new(backend)``: a fresh, empty database of that backend (PostgreSQL: one cluster)."""
    with contextlib.ExitStack() as stack:
        cluster: Any = None
        counter = iter(range(1, 1_000_000))

        def new(backend: str) -> str:
            nonlocal cluster
            if backend == "sqlite":
                return str(workdir / f"store-{next(counter)}.db")
            if cluster is None:
                sys.path.insert(0, str(ROOT / "tests"))
                from _postgres import running_cluster  # the test suite's throwaway cluster

                cluster = stack.enter_context(running_cluster())
                log(f"PostgreSQL cluster at 127.0.0.1:{cluster.port}")
            return str(cluster.url(cluster.create_database()))

        yield new


def _postgres_missing() -> str | None:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from _postgres import PG_BIN
    except ImportError as exc:
        return f"tests/_postgres.py cannot be imported: {exc}"
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return "asyncpg is not installed"
    if not (PG_BIN / "initdb").is_file():
        return f"no PostgreSQL server binaries in {PG_BIN}"
    return None


def measure_sync(
    plan: SyncPlan, serve: Serve, cpus: tuple[set[int] | None, set[int] | None],
    log: Callable[[str], None], workdir: Path,
) -> SyncResults:  # fmt: skip
    """The first syncs (both sizes, each backend), then the follow-ups."""
    client_cpus, server_cpus = cpus
    results = SyncResults(plan)
    started = time.perf_counter()
    backends = list(plan.backends)
    if "postgresql" in backends and (why := _postgres_missing()) is not None:
        results.skipped["postgresql"] = why
        backends.remove("postgresql")

    def drive(spec: dict[str, Any]) -> dict[str, Any]:
        return run_pinned("benchmarks._sync_driver", spec, client_cpus, TIMEOUT_S)

    with _databases(plan, workdir, log) as new_db:
        for backend in backends:
            for orders in plan.sizes:
                days = plan.days(orders)
                with serve("fake", plan.latency_ms, orders, server_cpus, days=days) as server:
                    run = drive({"base_url": server.base_url, "db": new_db(backend),
                                 "since_days": days + 1, "concurrency": plan.concurrency,
                                 "expect": orders})  # fmt: skip
                results.first[backend, orders] = run
                log(f"sync {orders:,} orders into {backend} at {plan.latency_ms:g} ms, "
                    f"C={plan.concurrency}: " + _brief(run))  # fmt: skip
        for backend in backends:
            orders, days = plan.follow_orders, plan.days(plan.follow_orders)
            now = datetime.now(timezone.utc).isoformat()
            db = new_db(backend)
            spec = {"db": db, "since_days": days + 1, "concurrency": plan.concurrency}
            fill = f"{now},{plan.follow_open},0"
            with serve("fake", 0, orders, server_cpus, days=days, settle=fill) as server:
                first = drive({**spec, "base_url": server.base_url, "expect": orders})
            moved = f"{now},{plan.follow_open},{plan.follow_changed}"
            with serve("fake", plan.latency_ms, orders, server_cpus, days=days,
                       settle=moved) as server:  # fmt: skip
                # No since: the store knows where it started (an explicit since re-lists from
                # there on every run).
                again = drive({**spec, "since_days": None, "base_url": server.base_url,
                               "expect": orders})  # fmt: skip
            results.follow[backend] = (first, again)
            log(f"follow-up over {orders:,} held ({plan.follow_open:,} open, "
                f"{plan.follow_changed:,} changed) in {backend}: " + _brief(again))  # fmt: skip
    results.seconds = time.perf_counter() - started
    return results


def _brief(run: dict[str, Any]) -> str:
    if "error" in run:
        return f"error: {run['error']}"
    growth = (run["rss_peak"] - run["rss_baseline"]) / MB
    return (f"wall {run['wall']:.2f} s, CPU {run['cpu']:.2f} s, {run['windows']} orderNumbers, "
            f"{run['fetched']} orderDetail, RSS +{growth:.1f} MB")  # fmt: skip


def _fmt(value: float, digits: int = 0) -> str:
    return "–" if math.isnan(value) else f"{value:,.{digits}f}"


def _check(ok: bool | None) -> str:
    return "–" if ok is None else ("PASS" if ok else "**FAIL**")


def _spread(results: SyncResults, backend: str) -> tuple[float, float, float, bool | None]:
    small, large = (results.growth_mb(backend, n) for n in results.plan.sizes)
    diff = abs(large - small)
    if math.isnan(diff):
        return small, large, diff, None
    return small, large, diff, diff <= max(RSS_SPREAD * small, RSS_NOISE_MB)


def sync_target_rows(results: SyncResults) -> list[tuple[str, str, bool | None]]:
    """The sync's rows of the Targets table: (target, measured, pass)."""
    plan = results.plan
    rows: list[tuple[str, str, bool | None]] = []
    small_n, large_n = plan.sizes
    for backend in plan.backends:
        if backend in results.skipped:
            continue
        run = results.first.get((backend, large_n), {})
        bound, strict = results.bound(backend, large_n)
        wall = float(run.get("wall", math.nan))
        small, large, diff, spread_ok = _spread(results, backend)
        sizes_ok = None if math.isnan(small + large) else max(small, large) <= RSS_LIMIT_MB
        rows += [
            (f"sync {large_n:,} orders into {backend} at {plan.latency_ms:g} ms, "
             f"C={plan.concurrency}: wall ≤ {WALL_LIMIT:.2f}× bound (orders × latency / C + "
             "listing calls × latency)",
             f"{_fmt(wall, 1)} / {_fmt(bound, 1)} s = {_fmt(wall / bound, 2)}× "
             f"(vs one listing call: {_fmt(wall / strict, 2)}×)",
             None if math.isnan(wall / bound) else wall / bound <= WALL_LIMIT),
            (f"sync {large_n:,} orders into {backend}: peak RSS growth ≤ {RSS_LIMIT_MB:.0f} MB "
             f"(and at {small_n:,})", f"{_fmt(large, 1)} MB ({_fmt(small, 1)} MB)", sizes_ok),
            (f"sync into {backend}: RSS growth at {small_n:,} and {large_n:,} orders "
             f"({plan.orders_per_day:,.0f} a day) within ±10% (or ≤ {RSS_NOISE_MB:g} MB apart)",
             f"{_fmt(small, 1)} vs {_fmt(large, 1)} MB: Δ {_fmt(diff, 1)} MB", spread_ok),
        ]  # fmt: skip
        pair = results.follow.get(backend)
        if pair is not None and "error" not in pair[1]:
            again = pair[1]
            ok = (again["windows"] <= plan.follow_goal_windows
                  and again["fetched"] == plan.follow_changed)  # fmt: skip
            rows.append((
                f"sync follow-up over {plan.follow_orders:,} held ({plan.follow_open:,} open, "
                f"{plan.follow_changed:,} changed) in {backend}: orderNumbers calls = windows "
                f"with open orders ({plan.follow_goal_windows}), orderDetail calls = changed",
                f"{again['windows']} orderNumbers, {again['fetched']:,} orderDetail, "
                f"{again['wall']:.2f} s", ok,
            ))  # fmt: skip
    return rows


def render_sync(results: SyncResults) -> list[str]:
    """The "sync" section: Markdown lines."""
    plan = results.plan
    out = ["### The sync (`zonos_async.sync` into `SqlStore`)", ""]
    out += [
        "Each row: a fresh process (`benchmarks/_sync_driver.py`) runs what `zonos-async sync` "
        "does (glibc's mmap threshold fixed, a default `Session`, `SqlStore.open(db)`, one "
        "`sync` run from the first seeded "
        "day) against the fake over HTTP, into a new SQLite file or a new database of a "
        "throwaway PostgreSQL 15 cluster on the same machine, and checks the store then holds "
        f"every seeded order. The fake places {plan.orders_per_day:,.0f} orders a day. Memory: "
        "baseline = RSS after opening the session and the store (tables created) and one "
        "warm-up call; peak = the kernel's high-water mark (VmHWM) during the run; growth = "
        "peak − baseline. One process per figure.",
        "",
    ]
    for backend, why in results.skipped.items():
        out += [f"{backend}: not run: {why}.", ""]
    out += [
        "| store | orders | wall | bound (all listing calls / one) | wall/bound | orderNumbers "
        "| orderDetail | client CPU | RSS baseline | peak | growth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (backend, orders), run in results.first.items():
        if "error" in run:
            out.append(f"| {backend} | {orders:,} | error: {run['error']} |" + " |" * 8)
            continue
        bound, strict = results.bound(backend, orders)
        out.append(
            f"| {backend} | {orders:,} | {run['wall']:.1f} s | {bound:.1f} / {strict:.1f} s "
            f"| {run['wall'] / bound:.2f}× | {run['windows']} | {run['fetched']:,} "
            f"| {run['cpu']:.1f} s | {run['rss_baseline'] / MB:.1f} MB "
            f"| {run['rss_peak'] / MB:.1f} MB "
            f"| **{(run['rss_peak'] - run['rss_baseline']) / MB:.1f} MB** |"
        )
    out += [
        "",
        f"**Follow-up**: {plan.follow_orders:,} orders held, the newest {plan.follow_open:,} "
        f"open; {plan.follow_changed:,} of those cancelled since. Filled by a first sync at "
        f"latency 0; the follow-up at {plan.latency_ms:g} ms, C={plan.concurrency}. Goal: "
        f"{plan.follow_goal_windows} orderNumbers call(s), {plan.follow_changed:,} orderDetail.",
        "",
        "| store | first sync (latency 0) | follow-up wall | orderNumbers | orderDetail "
        "| status changes recorded | open after |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, (first, again) in results.follow.items():
        if "error" in first or "error" in again:
            out.append(f"| {backend} | error: {first.get('error') or again.get('error')} |"
                       + " |" * 5)  # fmt: skip
            continue
        out.append(
            f"| {backend} | {first['wall']:.1f} s | {again['wall']:.2f} s | {again['windows']} "
            f"| {again['fetched']:,} | {again['status_changed']:,} | {again['open_orders']:,} |"
        )
    return [*out, ""]


def render_sync_only(results: SyncResults, machine: list[str]) -> str:
    """The whole report of ``run.py --sync-only``: the machine, the table and its targets."""
    smoke = " (**smoke run: tiny N: not a measurement**)" if results.plan.quick else ""
    out = [f"Run {time.strftime('%Y-%m-%d %H:%M %Z')}, {results.seconds:.0f} s, sync part "
           f"only{smoke}", "", *machine, "", *render_sync(results)]  # fmt: skip
    out += ["### Targets of the sync", "", "| target | measured | |", "|---|---:|---|"]
    out += [f"| {name} | {measured} | {_check(ok)} |"
            for name, measured, ok in sync_target_rows(results)]  # fmt: skip
    return "\n".join(out) + "\n"
