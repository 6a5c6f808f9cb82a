# ruff: noqa: RUF001, RUF002
"""The importer targets of issue 6, run by ``run.py`` (its "importer" part, ``--no-importer``).

- **Wall**: 2,000 orders at 50 ms per call, ``concurrency=32``, the median of fresh processes
  (``_import_driver.py``) against the fake over HTTP; within 1.15× of the bound.
- **Memory**: every order of a fake holding 10,000, then 100,000 orders (a server per size, so
  the import covers exactly the seeded orders) into a JSON Lines file at latency 0; peak RSS
  growth ≤ 60 MB for both, and the two within ±10% of each other (memory must not grow with
  the order count). The targets are judged on a store that takes the same number of orders a
  day (1,000) in both, so 100,000 orders span ten times the days; an importer holds a few
  listing windows, so its memory follows the orders *per window*, which a fixed span of 60 days
  would grow tenfold as well. That second series (60 days for both sizes) is shown too.

The importer always talks to the fake (``_fake_server.py --answers fake``): it lists before it
fetches, and a canned fixture would not list the orders it is then asked for.
"""

from __future__ import annotations

import http.client
import json
import math
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from benchmarks._common import HEADERS, SECRET, STORE, run_pinned

__all__ = [
    "ImportPlan",
    "ImportResults",
    "import_plan",
    "importer_target_rows",
    "measure_importer",
    "render_importer",
    "render_importer_only",
]

WALL_LIMIT: Final = 1.15
RSS_LIMIT_MB: Final = 60.0
RSS_SPREAD: Final = 0.10
# Below this growth, 10% of it is smaller than the run-to-run noise of RSS itself (allocator
# arenas and pages), so the ±10% rule is judged as an absolute difference of at most this much.
RSS_NOISE_MB: Final = 1.0
TIMEOUT_S: Final = 900.0
MB: Final = 1024 * 1024

Serve = Callable[..., AbstractContextManager[Any]]
"""``run.serve``: (kind, latency ms, orders, server CPUs, *, days) -> a running server."""
SPAN_DAYS: Final = 60  # FakeZonos.seeded's default span


@dataclass(frozen=True)
class ImportPlan:
    """What the importer part measures."""

    wall_orders: int
    latency_ms: float
    concurrency: int
    wall_repeats: int
    rss_orders: tuple[int, int]
    rss_repeats: int
    window_days: int | None = None  # None: the importer's default, what users get
    quick: bool = False
    orders_per_day: float = 150.0

    def density_days(self, orders: int) -> int:
        return max(1, math.ceil(orders / self.orders_per_day))

    @property
    def latency_s(self) -> float:
        return self.latency_ms / 1000


def import_plan(quick: bool, repeats: int) -> ImportPlan:
    """The issue's sizes, or tiny ones for ``--quick`` (the smoke test only proves it runs)."""
    if quick:
        return ImportPlan(200, 10, 8, 1, (500, 2_000), 1, quick=True, orders_per_day=100)
    # The wall figure is a median, so at least 3 processes whatever ``--repeats`` says.
    return ImportPlan(2_000, 50, 32, max(3, repeats), (10_000, 100_000), repeats)


@dataclass
class ImportResults:
    """Each driver's JSON line (or ``{"error": ...}``), and what the servers cost to start."""

    plan: ImportPlan
    wall: list[dict[str, Any]] = field(default_factory=list)
    rss: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # same orders per day
    rss_span: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # same 60 days
    server_start_s: dict[int, float] = field(default_factory=dict)
    window_probe: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: str | None = None

    def ok(self, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in runs if "error" not in r]

    def median(self, runs: list[dict[str, Any]], what: Callable[[dict[str, Any]], float]) -> float:
        values = [what(r) for r in self.ok(runs)]
        return statistics.median(values) if values else math.nan

    def failed(self) -> bool:
        """Some figure has no successful run (the smoke test's failure)."""
        if self.skipped:
            return False
        groups = [self.wall, *(self.rss.get(n, []) for n in self.plan.rss_orders)]
        return any(not self.ok(runs) for runs in groups)

    def backends(self) -> list[str]:
        """The session's HTTP backends the drivers reported (one, unless the code changed)."""
        every = [*self.rss.values(), *self.rss_span.values()]
        runs = [*self.wall, *(r for runs in every for r in runs)]
        return sorted({str(r.get("backend", "?")) for r in self.ok(runs)})

    def bounds(self) -> tuple[float, float]:
        """(bound with every listing call, stricter bound with one), from the median run."""
        plan = self.plan
        calls = self.stat(self.wall, "windows")
        detail = plan.wall_orders * plan.latency_s / plan.concurrency
        return detail + calls * plan.latency_s, detail + plan.latency_s

    def growth_mb(self, orders: int, span: bool = False) -> float:
        return self.median((self.rss_span if span else self.rss).get(orders, []), _growth_mb)

    def stat(self, runs: list[dict[str, Any]], key: str) -> float:
        """The median of one number the drivers printed."""
        return self.median(runs, lambda r: float(r[key]))


def _growth_mb(run: dict[str, Any]) -> float:
    return float(run["rss_peak"] - run["rss_baseline"]) / MB


def _drive(spec: dict[str, Any], cpus: set[int] | None) -> dict[str, Any]:
    """One fresh, pinned ``_import_driver`` process; never raises (a failure is ``error``)."""
    return run_pinned("benchmarks._import_driver", spec, cpus, TIMEOUT_S)


def _probe_window(base_url: str, days: int) -> dict[str, Any]:
    """Time one ``orderNumbers`` call over the last ``days`` days: a full importer window."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    today = datetime.now(timezone.utc).date()
    payload = {
        "store": str(STORE), "secret": SECRET,
        "sinceDate": (today - timedelta(days=days - 1)).strftime("%Y%m%d"),
        "throughDate": today.strftime("%Y%m%d"),
    }  # fmt: skip
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        started = time.perf_counter()
        conn.request("POST", "/v1/orderNumbers", body=json.dumps(payload), headers=HEADERS)
        body = conn.getresponse().read()
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    return {"days": days, "orders": len(json.loads(body).get("orders", [])),
            "bytes": len(body), "ms": seconds * 1000}  # fmt: skip


def measure_importer(
    plan: ImportPlan, serve: Serve, cpus: tuple[set[int] | None, set[int] | None],
    log: Callable[[str], None],
) -> ImportResults:  # fmt: skip
    """Target A's runs, then target B's, each size against its own server."""
    client_cpus, server_cpus = cpus
    results = ImportResults(plan)
    started = time.perf_counter()
    base = {"concurrency": plan.concurrency, "window_days": plan.window_days}
    with serve("fake", plan.latency_ms, plan.wall_orders, server_cpus) as server:
        for repeat in range(plan.wall_repeats):
            run = _drive({**base, "base_url": server.base_url, "orders": plan.wall_orders},
                         client_cpus)  # fmt: skip
            results.wall.append(run)
            log(f"[{repeat + 1}/{plan.wall_repeats}] importer {plan.wall_orders:,} orders at "
                f"{plan.latency_ms:g} ms, C={plan.concurrency}: " + _brief(run))  # fmt: skip
    for span in (False, True):
        for orders in plan.rss_orders:
            days = SPAN_DAYS if span else plan.density_days(orders)
            starting = time.perf_counter()
            with serve("fake", 0, orders, server_cpus, days=days) as server:
                if not span:
                    results.server_start_s[orders] = time.perf_counter() - starting
                if span and orders == max(plan.rss_orders):
                    # The window the drivers used (the importer's default 7 if none reported).
                    window = next((r["window_days"] for r in results.ok(results.wall)), None)
                    results.window_probe = _probe_window(server.base_url, window or 7)
                spec = {**base, "base_url": server.base_url, "orders": orders, "days": days}
                for repeat in range(plan.rss_repeats):
                    run = _drive(spec, client_cpus)
                    (results.rss_span if span else results.rss).setdefault(orders, []).append(run)
                    log(f"[{repeat + 1}/{plan.rss_repeats}] importer {orders:,} orders over "
                        f"{days} days at 0 ms: " + _brief(run))  # fmt: skip
    results.seconds = time.perf_counter() - started
    return results


def _brief(run: dict[str, Any]) -> str:
    if "error" in run:
        return f"error: {run['error']}"
    growth = (run["rss_peak"] - run["rss_baseline"]) / MB
    return (f"wall {run['wall']:.2f} s, CPU {run['cpu']:.2f} s, {run['windows']} listings, "
            f"RSS +{growth:.1f} MB ({run.get('backend')})")  # fmt: skip


def _fmt(value: float, digits: int = 0) -> str:
    return "–" if math.isnan(value) else f"{value:,.{digits}f}"


def _check(ok: bool | None) -> str:
    return "–" if ok is None else ("PASS" if ok else "**FAIL**")


def _spread(results: ImportResults) -> tuple[float, float, float, bool | None]:
    """(small growth, large growth, |difference| MB, within the ±10% rule)."""
    small, large = (results.growth_mb(n) for n in results.plan.rss_orders)
    diff = abs(large - small)
    if math.isnan(diff):
        return small, large, diff, None
    allowed = max(RSS_SPREAD * small, RSS_NOISE_MB)
    return small, large, diff, diff <= allowed


def importer_target_rows(results: ImportResults) -> list[tuple[str, str, bool | None]]:
    """The importer's rows of the Targets table: (target, measured, pass)."""
    if results.skipped:
        return []
    plan = results.plan
    wall = results.stat(results.wall, "wall")
    bound, strict = results.bounds()
    ratio = wall / bound
    small_n, large_n = plan.rss_orders
    small, large, diff, spread_ok = _spread(results)
    sizes_ok = None if math.isnan(small + large) else max(small, large) <= RSS_LIMIT_MB
    relative = diff / small * 100 if small > 0 else math.nan
    return [
        (f"import {plan.wall_orders:,} orders at {plan.latency_ms:g} ms, "
         f"C={plan.concurrency}: wall ≤ {WALL_LIMIT:.2f}× bound (orders × latency / C + "
         "listing calls × latency)",
         f"{_fmt(wall, 2)} / {_fmt(bound, 2)} s = {_fmt(ratio, 2)}× "
         f"(vs one listing call: {_fmt(wall / strict, 2)}×)",
         None if math.isnan(ratio) else ratio <= WALL_LIMIT),
        (f"import {large_n:,} orders into JSON Lines: peak RSS growth ≤ "
         f"{RSS_LIMIT_MB:.0f} MB (and at {small_n:,})",
         f"{_fmt(large, 1)} MB ({_fmt(small, 1)} MB)", sizes_ok),
        (f"importer: RSS growth at {small_n:,} and {large_n:,} orders "
         f"({plan.orders_per_day:,.0f} a day) within ±10% "
         f"(or ≤ {RSS_NOISE_MB:g} MB apart when 10% is below that)",
         f"{_fmt(small, 1)} vs {_fmt(large, 1)} MB: Δ {_fmt(diff, 1)} MB "
         f"({_fmt(relative, 0)}%)", spread_ok),
    ]  # fmt: skip


def render_importer(results: ImportResults) -> list[str]:
    """The "importer" section: Markdown lines."""
    plan = results.plan
    out = ["### The importer (`Session.import_orders` → `JsonLinesSink`)", ""]
    if results.skipped:
        return [*out, f"Not run: {results.skipped}.", ""]
    first = next(iter(results.ok(results.wall)), None) or next(
        (r for runs in results.rss.values() for r in results.ok(runs)), {}
    )
    window_days = first.get("window_days", "?")
    out += [
        "Each row: a fresh process (`benchmarks/_import_driver.py`) runs the job "
        "`docs/importer.md` describes (default `Session`, `import_orders` over the whole seeded "
        f"range with `window_days={window_days}`"
        + (" (the importer's default)" if plan.window_days is None else "")
        + " into a "
        "`JsonLinesSink` with a `FileCheckpoint`, flushing and committing every 500 orders) "
        "against the fake over HTTP, and checks the file holds every seeded order exactly once. "
        "The fake places its orders evenly: over 60 days for the wall row, over the days each "
        "memory row names. "
        f"Session HTTP backend: {', '.join(f'`{b}`' for b in results.backends()) or '–'}"
        + (
            " (**more than one: the package changed during the run; the figures do not compare**)."
            if len(results.backends()) > 1
            else "."
        ),
        "",
    ]
    wall = results.stat(results.wall, "wall")
    bound, strict = results.bounds()
    calls = results.stat(results.wall, "windows")
    detail = plan.wall_orders * plan.latency_s / plan.concurrency
    out += [
        f"**Wall** ({plan.wall_orders:,} orders at {plan.latency_ms:g} ms per call, "
        f"`concurrency={plan.concurrency}`, median of {len(results.ok(results.wall))} "
        f"process(es)). bound = {plan.wall_orders:,} × {plan.latency_ms:g} ms / "
        f"{plan.concurrency} = {detail:.3f} s of detail calls + {_fmt(calls)} listing calls × "
        f"{plan.latency_ms:g} ms = {_fmt(bound, 3)} s (every `orderNumbers` window counted as "
        f"one round trip); the stricter bound counts one listing call: {_fmt(strict, 3)} s.",
        "",
        "| wall | bound | wall/bound | wall/stricter bound | client CPU | detail calls in "
        "flight (mean of 10 ms samples / peak) |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {_fmt(wall, 2)} s | {_fmt(bound, 2)} s | {_fmt(wall / bound, 2)}× | "
        f"{_fmt(wall / strict, 2)}× | {_fmt(results.stat(results.wall, 'cpu'), 2)} s "
        f"| {_fmt(results.stat(results.wall, 'mean_in_flight'), 1)} / "
        f"{_fmt(results.stat(results.wall, 'peak_in_flight'))} |",
        "",
    ]
    small, large, diff, _ = _spread(results)
    probe = results.window_probe
    out += [
        f"**Memory** (latency 0, `concurrency={plan.concurrency}`, a fake per size, median of "
        f"{plan.rss_repeats} process(es) each). Baseline: RSS just before the import, after "
        "opening the session and the sink and one warm-up call per endpoint; peak: the kernel's "
        "high-water mark (VmHWM, reset at the baseline) during the import; growth = peak − "
        f"baseline. Rule: both ≤ {RSS_LIMIT_MB:.0f} MB, and |Δ| ≤ 10% of the smaller import's "
        f"growth, or ≤ {RSS_NOISE_MB:g} MB while that growth is under "
        f"{RSS_NOISE_MB / RSS_SPREAD:g} MB (10% of it is then below RSS run-to-run noise). "
        f"The target rows use a store taking {plan.orders_per_day:,.0f} orders a day at both "
        f"sizes; the last rows place both sizes over {SPAN_DAYS} days.",
        "",
        "| orders | placed over | fake start | listing calls (mean orders each) | wall "
        "| of which flush + commit | orders/s | client CPU µs/order | RSS before import "
        "| baseline | peak | growth |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    series = [(False, n, results.rss.get(n, [])) for n in plan.rss_orders]
    series += [(True, n, results.rss_span.get(n, [])) for n in plan.rss_orders]
    for span, orders, runs in series:
        days = f"{SPAN_DAYS if span else plan.density_days(orders)} days" + (
            " (information)" if span else " (the target)"
        )
        errors = [r["error"] for r in runs if "error" in r]
        if errors and not results.ok(runs):
            out.append(f"| {orders:,} | {days} | error: {errors[0]} |" + " |" * 9)
            continue
        windows = results.stat(runs, "windows")
        mb = [_fmt(results.stat(runs, key) / MB, 1) for key in ("rss_start", "rss_baseline")]
        mb.append(_fmt(results.stat(runs, "rss_peak") / MB, 1))
        start = "" if span else f"{results.server_start_s.get(orders, math.nan):.1f} s"
        out.append(
            f"| {orders:,} | {days} | {start} "
            f"| {_fmt(windows)} ({_fmt(orders / windows)}) "
            f"| {_fmt(results.stat(runs, 'wall'), 1)} s "
            f"| {_fmt(results.stat(runs, 'sync'), 1)} s "
            f"| {_fmt(results.median(runs, lambda r: r['orders'] / r['wall']))} "
            f"| {_fmt(results.median(runs, lambda r: r['cpu'] / r['orders'] * 1e6))} "
            f"| {mb[0]} MB | {mb[1]} MB | {mb[2]} MB "
            f"| **{_fmt(results.growth_mb(orders, span), 1)} MB** |"
        )
    out += [
        "",
        f"Growth at the same orders per day: {_fmt(small, 1)} MB vs {_fmt(large, 1)} MB: "
        f"Δ {_fmt(diff, 1)} MB"
        + (f" ({diff / small * 100:.0f}% of the smaller)" if small > 0 else "")
        + f". Over the same {SPAN_DAYS} days, {plan.rss_orders[1]:,} orders put ten times the "
        "orders in each listing window, and the importer holds a few windows' ids at once "
        "(id, sort key, day, filter verdict: about 0.2 KB an order), so that growth follows "
        "the window size, not the number of orders: pick `window_days` so that a window holds "
        "1,000-10,000 orders (docs/importer.md)"
        + '. "Fake start" is the server\'s start-up including seeding; "flush + commit" is the '
        "time the loop spent in `sink.flush()` and `orders.commit()` (fsyncs), reading nothing."
        + (
            f" One full window of the largest fake ({probe['days']} days, "
            f"{probe['orders']:,} orders, {probe['bytes'] / 1e6:.1f} MB of JSON) answered in "
            f"{probe['ms']:.0f} ms over HTTP."
            if probe
            else ""
        ),
        "",
    ]
    return out


def render_importer_only(results: ImportResults, machine: list[str]) -> str:
    """The whole report of ``run.py --importer-only``: the machine, table 5 and its targets."""
    smoke = " (**smoke run: tiny N: not a measurement**)" if results.plan.quick else ""
    out = [f"Run {time.strftime('%Y-%m-%d %H:%M %Z')}, {results.seconds:.0f} s, importer part "
           f"only{smoke}", "", *machine, "", *render_importer(results)]  # fmt: skip
    out += ["### Targets (issue 6)", "", "| target | measured | |", "|---|---:|---|"]
    out += [f"| {name} | {measured} | {_check(ok)} |"
            for name, measured, ok in importer_target_rows(results)]  # fmt: skip
    return "\n".join(out) + "\n"
