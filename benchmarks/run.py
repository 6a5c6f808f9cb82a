# ruff: noqa: RUF001
"""Benchmark ``zonos_async`` against hand-written peers over real HTTP, and print Markdown.

    python benchmarks/run.py                      # the full run (~10 minutes on 2 cores)
    python benchmarks/run.py --quick              # tiny N, one repeat: proves it runs (CI smoke)
    python benchmarks/run.py --out docs/performance.md
    python benchmarks/run.py --sync-only          # just the sync targets
    python benchmarks/run.py --sync-only --sync-into docs/performance.json   # onto the page

The server (the fake's answers behind a minimal HTTP server, see ``_fake_server.py`` and
``--server``) runs in its own process pinned to the second CPU; every client run is a fresh
process pinned to the first. Each figure is the median of ``--repeats`` fresh client processes.
A client process warms up (opening its connections), then measures its own CPU time
(``time.process_time``) and the wall time around N calls made by C concurrent workers.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    FIXTURES,
    ORDER_DETAIL_PATH,
    ROOT,
    detail_body,
    order_ids,
    pinned,
    run_pinned,
)
from benchmarks._sync_bench import (
    SyncPlan,
    SyncResults,
    measure_sync,
    render_sync,
    render_sync_only,
    sync_plan,
    sync_target_rows,
)
from benchmarks.clients import CLIENTS

__all__ = ["main"]

LATENCY_S: Final = 0.050
BOUND_S: Final = 1.0
CLIENT_TIMEOUT_S: Final = 600.0
PACKAGES: Final = (
    "zonos-async", "httpx", "httpcore", "h11", "anyio", "sniffio", "attrs", "cattrs",
    "aiohttp", "requests", "urllib3", "httpx2", "httpcore2", "trio", "uvicorn",
    "httptools", "uvloop", "orjson", "msgspec",
)  # fmt: skip

ASYNCIO_CLIENTS: Final = (
    "zonos", "zonos_httpx", "httpx", "aiohttp", "requests", "httpx2", "floor",
)  # fmt: skip
TRIO_CLIENTS: Final = ("zonos", "zonos_httpx", "httpx", "httpx2")
# The prototypes that chose the session's transports (``--clients proto_wire,...`` runs them):
# proto_wire became the fast transport; proto_httpcore2 was the trio path until the fast
# transport ran on trio too (issue 13); proto_direct (aiohttp) and proto_transport (an httpx
# transport on aiohttp) lost to them.
PROTOTYPES: Final = ("proto_direct", "proto_transport", "proto_httpcore2", "proto_wire")
QUICK_CLIENTS: Final = ("zonos", "httpx")


@dataclass(frozen=True)
class Plan:
    """What one run measures."""

    asyncio_clients: tuple[str, ...]
    trio_clients: tuple[str, ...]
    cpu_concurrency: tuple[int, ...]
    wall_concurrency: tuple[int, ...]
    cpu_calls: int
    bound_s: float
    repeats: int
    orders: int
    parse_iterations: int
    big_orders: int
    big_rounds: int
    quick: bool = False
    importer: SyncPlan | None = None  # the sync part (benchmarks/_sync_bench.py); None: not run

    def wall_calls(self, concurrency: int) -> int:
        """N for the latency table: the smallest multiple of C whose bound is >= bound_s."""
        return concurrency * math.ceil(self.bound_s / LATENCY_S)


def _runs_on(client: str, backend: str) -> bool:
    try:
        module = importlib.import_module(CLIENTS[client])
    except ImportError:
        return True  # its cells then say why
    return backend in module.BACKENDS or (client == "requests" and backend == "asyncio")


def _plan(args: argparse.Namespace) -> Plan:
    def pick(names: Sequence[str], backend: str = "asyncio") -> tuple[str, ...]:
        if not args.clients:
            return tuple(names)
        wanted = args.clients.split(",")
        known = dict.fromkeys((*names, *PROTOTYPES))
        return tuple(n for n in known if n in wanted and _runs_on(n, backend))

    if args.quick:
        return Plan(
            asyncio_clients=pick(QUICK_CLIENTS),
            trio_clients=pick(("zonos",), "trio"),
            cpu_concurrency=(1, 10),
            wall_concurrency=(10,),
            cpu_calls=50,
            bound_s=0.2,
            repeats=1,
            orders=100,
            parse_iterations=200,
            big_orders=10_000,
            big_rounds=1,
            quick=True,
        )
    return Plan(
        asyncio_clients=pick(ASYNCIO_CLIENTS),
        trio_clients=pick(TRIO_CLIENTS, "trio") if not args.no_trio else (),
        cpu_concurrency=(1, 10, 100),
        wall_concurrency=(1, 10, 50, 100),
        cpu_calls=args.calls,
        bound_s=BOUND_S,
        repeats=args.repeats,
        orders=1000,
        parse_iterations=3000,
        big_orders=100_000,
        big_rounds=3,
    )


# --- Processes -------------------------------------------------------------------------------


def _cpus() -> tuple[set[int] | None, set[int] | None]:
    """(client CPUs, server CPUs): one core each where there are two, else no pinning."""
    try:
        available = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return None, None
    if len(available) < 2:
        return None, None
    return {available[0]}, {available[1]}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _fake_available() -> bool:
    try:
        return importlib.util.find_spec("zonos_async.testing") is not None
    except ImportError:
        return False


@dataclass
class Server:
    """A running server process and what it answers."""

    kind: str
    base_url: str
    process: subprocess.Popen[bytes]
    detail_body: bytes

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far (from /proc; 0 where unavailable)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _post_detail(port: int, order_id: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        conn.request("POST", ORDER_DETAIL_PATH, body=detail_body(order_id), headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def serve(
    kind: str,
    latency_ms: float,
    orders: int,
    cpus: set[int] | None,
    *,
    memo_reads: bool = False,
    days: float | None = None,
    settle: str | None = None,
) -> Iterator[Server]:
    """Start the fake (or the stand-in) on a free loopback port; always stop it.

    ``memo_reads``: the raw server answers each distinct ``orderDetail`` from memory after the
    fake computed it once (see ``_fake_server.py``), so the server is not the bottleneck.
    """
    port = _free_port()
    if kind == "fake-cli":
        command = [sys.executable, "-m", "zonos_async.testing", "serve"]
    else:
        http, answers = {
            "fake": ("raw", "fake"), "fake-uvicorn": ("uvicorn", "fake"),
            "standin": ("raw", "fixture"),
        }[kind]  # fmt: skip
        command = [sys.executable, "-m", "benchmarks._fake_server", "--http", http]
        command += ["--answers", answers]
    command += ["--host", "127.0.0.1", "--port", str(port), "--orders", str(orders)]
    command += ["--latency-ms", f"{latency_ms:g}", "--seed", "1"]
    if memo_reads and kind in ("fake", "standin"):
        command.append("--memo-reads")
    if days is not None and kind == "fake":
        command += ["--days", f"{days:g}"]
    if settle is not None and kind == "fake":  # the sync's follow-up (_sync_bench.py)
        command += ["--settle", settle]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            preexec_fn=pinned(cpus),
        )  # fmt: skip
        try:
            body = _wait_ready(process, port, log)
            yield Server(kind, f"http://127.0.0.1:{port}", process, body)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: Any) -> bytes:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            tail = log.read()[-2000:].decode(errors="replace")
            raise RuntimeError(f"the server exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(OSError):
            status, body = _post_detail(port, order_ids(1, 1)[0])
            if status == 200:
                return body
            raise RuntimeError(f"the server answered orderDetail with HTTP {status}: {body!r}")
        time.sleep(0.1)
    raise RuntimeError("the server did not answer within 30 s")


@dataclass
class Run:
    """One fresh client process's numbers (or its error)."""

    cpu_s: float = math.nan
    wall_s: float = math.nan
    n: int = 0
    server_cpu_s: float = math.nan
    error: str | None = None


def run_client(
    client: str, backend: str, server: Server, n: int, concurrency: int, warmup: int,
    orders: int, cpus: set[int] | None,
) -> Run:  # fmt: skip
    """One fresh, pinned client process; never raises (a failure becomes ``Run.error``)."""
    spec = {
        "client": client, "backend": backend, "base_url": server.base_url, "n": n,
        "c": concurrency, "warmup": warmup, "orders": orders, "limit": 100,
    }  # fmt: skip
    server_before = server.cpu_seconds()
    result = run_pinned("benchmarks._driver", spec, cpus, CLIENT_TIMEOUT_S)
    server_cpu = server.cpu_seconds() - server_before
    if "error" in result:
        print(f"  ! {client}/{backend} C={concurrency}: {result['error']}", file=sys.stderr)
        return Run(error=result["error"])
    return Run(result["cpu"], result["wall"], n, server_cpu / (n + warmup + 1))


# --- Measuring -------------------------------------------------------------------------------


@dataclass
class Results:
    """Every run, keyed by (backend, latency ms, client, C)."""

    runs: dict[tuple[str, int, str, int], list[Run]] = field(default_factory=dict)
    parse: dict[str, Any] = field(default_factory=dict)
    servers: dict[int, str] = field(default_factory=dict)
    body_bytes: int = 0
    seconds: float = 0.0
    load: list[str] = field(default_factory=list)
    importer: SyncResults | None = None  # the sync part

    def add(self, key: tuple[str, int, str, int], run: Run) -> None:
        self.runs.setdefault(key, []).append(run)

    def median(self, key: tuple[str, int, str, int], what: Callable[[Run], float]) -> float:
        values = [what(r) for r in self.runs.get(key, []) if r.error is None]
        return statistics.median(values) if values else math.nan

    def cpu_us(self, backend: str, latency: int, client: str, c: int) -> float:
        return self.median((backend, latency, client, c), lambda r: r.cpu_s / r.n * 1e6)

    def rate(self, backend: str, latency: int, client: str, c: int) -> float:
        return self.median((backend, latency, client, c), lambda r: r.n / r.wall_s)

    def ratio(self, backend: str, client: str, c: int) -> float:
        return self.median((backend, 50, client, c), lambda r: r.wall_s / (r.n / c * LATENCY_S))

    def server_us(self, latency: int) -> float:
        values = [
            r.server_cpu_s * 1e6
            for (_, lat, _, _), runs in self.runs.items()
            if lat == latency
            for r in runs
            if r.error is None
        ]
        return statistics.median(values) if values else math.nan


def _backend_of(client: str, backend: str) -> str:
    return "sync" if client == "requests" else backend


def measure(plan: Plan, server_kind: str, log: Callable[[str], None]) -> Results:
    """Every table's runs, interleaved across clients so slow drift hits them all alike."""
    client_cpus, server_cpus = _cpus()
    results = Results()
    results.load.append(_loadavg())
    started = time.perf_counter()
    groups = [("asyncio", plan.asyncio_clients), ("trio", plan.trio_clients)]
    for latency_ms in (0, int(LATENCY_S * 1000)):
        with serve(server_kind, latency_ms, plan.orders, server_cpus, memo_reads=True) as server:
            results.servers[latency_ms] = server.kind
            if latency_ms == 0:
                results.body_bytes = len(server.detail_body)
                results.parse = _parse_cost(plan, server.detail_body, client_cpus)
            for repeat in range(plan.repeats):
                for backend, clients in groups:
                    for client in clients:
                        for c in plan.cpu_concurrency if latency_ms == 0 else plan.wall_concurrency:
                            if client == "requests" and c != 1:
                                continue
                            if latency_ms == 0:
                                n, warmup = plan.cpu_calls, max(2 * c, min(100, plan.cpu_calls))
                            else:
                                n, warmup = plan.wall_calls(c), 2 * c
                            run = run_client(
                                client, _backend_of(client, backend), server, n, c, warmup,
                                plan.orders, client_cpus,
                            )  # fmt: skip
                            results.add((backend, latency_ms, client, c), run)
                            log(
                                f"[{repeat + 1}/{plan.repeats}] {backend:7} {latency_ms:2} ms "
                                f"{client:15} C={c:<3} "
                                + (
                                    f"error: {run.error}"
                                    if run.error
                                    else f"{run.cpu_s / n * 1e6:7.0f} µs/call "
                                    f"wall {run.wall_s:6.2f} s"
                                )
                            )
    results.seconds = time.perf_counter() - started
    results.load.append(_loadavg())
    return results


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _parse_cost(plan: Plan, body: bytes, cpus: set[int] | None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as handle:
        handle.write(body)
        handle.flush()
        spec = {
            "bodies": {
                "an answer of the fake": handle.name,
                "the full fixture `orderDetail-response-full.json`": str(
                    FIXTURES / "orderDetail-response-full.json"
                ),
            },
            "iterations": plan.parse_iterations, "big_orders": plan.big_orders,
            "big_rounds": plan.big_rounds,
        }  # fmt: skip
        return run_pinned("benchmarks._parse", spec, cpus, CLIENT_TIMEOUT_S)


# --- Reporting -------------------------------------------------------------------------------


def _label(client: str) -> str:
    module = importlib.import_module(CLIENTS[client])
    return str(module.LABEL)


def _label_safe(client: str) -> str:
    try:
        return _label(client)
    except ImportError as exc:
        return f"{client} (not importable: {exc.name})"


def _fmt(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


def machine() -> list[str]:
    """The machine and the package versions, as Markdown bullet lines."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    client_cpus, server_cpus = _cpus()
    pinning = (
        f"client on CPU {min(client_cpus)}, server on CPU {min(server_cpus)}"
        if client_cpus and server_cpus
        else "not pinned (fewer than 2 CPUs)"
    )
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            if name in ("sniffio", "httptools", "uvloop", "orjson", "msgspec"):
                versions.append(f"{name} (not installed)")
    return [
        f"- Machine: {os.cpu_count()} CPUs ({model}); {pinning}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.platform()}",
        f"- Packages: {', '.join(versions)}",
    ]


def _check(ok: bool | None) -> str:
    return "–" if ok is None else ("PASS" if ok else "**FAIL**")


def _target_rows(
    results: Results, client: str, plan: Plan, parse_us: float | None
) -> list[tuple[str, str, bool | None]]:
    rows: list[tuple[str, str, bool | None]] = []
    for c in (10, 100):
        if c not in plan.cpu_concurrency:
            continue
        ours = results.cpu_us("asyncio", 0, client, c)
        peer = results.cpu_us("asyncio", 0, "aiohttp", c)
        ratio = ours / peer if peer else math.nan
        ok = None if math.isnan(ratio) else ratio <= 1.0
        rows.append((f"CPU/call ≤ 1.0× hand-written aiohttp at C={c}",
                     f"{_fmt(ours)} / {_fmt(peer)} µs = {_fmt(ratio, 2)}×", ok))  # fmt: skip
    for c, limit in ((50, 1.10), (100, 1.15)):
        if c not in plan.wall_concurrency:
            continue
        ratio = results.ratio("asyncio", client, c)
        ok = None if math.isnan(ratio) else ratio <= limit
        rows.append((f"wall ≤ {limit:.2f}× bound at 50 ms, C={c}", _fmt(ratio, 2), ok))
    if parse_us is not None:
        rows.append(("parse one orderDetail into `Order` ≤ 150 µs (the larger body below)",
                     f"{parse_us:.0f} µs",
                     parse_us <= 150))  # fmt: skip
    return rows


# --- The page --------------------------------------------------------------------------------
# Everything the page shows comes from a snapshot of the run (every run's numbers, the machine,
# the labels), saved as JSON beside the page by ``--out``; ``--render-from`` draws the page and
# its charts again from that file without measuring.

SNAPSHOT_VERSION: Final = 1
# Short client names for the charts (the tables use each client's full LABEL).
SHORT_NAMES: Final = {
    "zonos": "zonos_async",
    "zonos_httpx": "zonos_async over httpx",
    "httpx": "httpx, by hand",
    "aiohttp": "aiohttp, by hand",
    "requests": "requests (vendor style)",
    "httpx2": "httpx2, by hand",
    "floor": "floor: raw asyncio",
}
OURS: Final = ("zonos_async",)  # drawn in the site's colour
TRIO_TOLERANCE: Final = 1.05
MAX_COLUMNS: Final = 7  # a wider table is split in two: the page is ~800 px of text wide


def snapshot(plan: Plan, results: Results) -> dict[str, Any]:
    """Every run and what was around it, as JSON-able data: what the page is drawn from."""
    clients = dict.fromkeys((*plan.asyncio_clients, *plan.trio_clients))
    importer = results.importer
    return {
        "version": SNAPSHOT_VERSION,
        "when": time.strftime("%Y-%m-%d %H:%M %Z"),
        "note": None,
        "plan": {key: value for key, value in asdict(plan).items() if key != "importer"},
        "labels": {client: _label_safe(client) for client in clients},
        "machine": machine(),
        "runs": [
            {"backend": backend, "latency_ms": latency, "client": client, "c": c, **asdict(run)}
            for (backend, latency, client, c), runs in results.runs.items()
            for run in runs
        ],
        "parse": results.parse,
        "servers": {str(latency): kind for latency, kind in results.servers.items()},
        "body_bytes": results.body_bytes,
        "seconds": results.seconds,
        "load": results.load,
        "importer": None if importer is None else _sync_section(importer),
    }


def _sync_section(results: SyncResults, measured_apart: str | None = None) -> dict[str, Any]:
    """The snapshot's sync part: rendered, since the sync's runs are not drawn again."""
    lines = render_sync(results)
    if measured_apart is not None:  # --sync-into: another run than the tables above
        lines[1:1] = ["", f"Measured {measured_apart}, in a run of its own (`--sync-only`)."]
    return {"markdown": lines, "targets": sync_target_rows(results)}


def restore(snap: dict[str, Any]) -> tuple[Plan, Results]:
    """The ``Plan`` and ``Results`` a snapshot was taken of (the importer stays rendered)."""
    if snap.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"snapshot version {snap.get('version')!r}, expected {SNAPSHOT_VERSION}")
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in snap["plan"].items()}
    plan = Plan(**fields)
    results = Results(
        parse=snap["parse"],
        servers={int(latency): kind for latency, kind in snap["servers"].items()},
        body_bytes=snap["body_bytes"],
        seconds=snap["seconds"],
        load=list(snap["load"]),
    )
    for run in snap["runs"]:
        numbers = {
            k: v for k, v in run.items() if k not in ("backend", "latency_ms", "client", "c")
        }
        results.add((run["backend"], run["latency_ms"], run["client"], run["c"]), Run(**numbers))
    return plan, results


def render(plan: Plan, results: Results) -> str:
    """The whole Markdown report (without charts: those need a page to sit beside)."""
    return render_page(snapshot(plan, results))


def render_page(snap: dict[str, Any], charts: Sequence[tuple[str, str]] = ()) -> str:
    """The page: the verdict, the ``(file, caption)`` charts, the targets, then the figures."""
    plan, results = restore(snap)
    labels: dict[str, str] = snap["labels"]
    targets = _targets(plan, results, snap)
    out = ["# Performance", ""]
    out += _verdict(plan, results, targets)
    for path, caption in charts:
        out += [f"![{caption}]({path})", ""]
    out += ["## Targets", "", "| target | measured | |", "|---|---:|---|"]
    out += [f"| {name} | {measured} | {_check(ok)} |" for name, measured, ok in targets]
    out += ["", *_render_prototypes(plan, results, labels)]
    out += ["## The figures", ""]
    out += _render_client_tables(plan, results, labels)
    out += _render_parse(results.parse)
    if snap["importer"] is not None:
        out += _fit_tables(snap["importer"]["markdown"])
    out += _render_method(plan, results, snap)
    return "\n".join(out) + "\n"


def _verdict(
    plan: Plan, results: Results, targets: list[tuple[str, str, bool | None]]
) -> list[str]:
    checked = [ok for _, _, ok in targets if ok is not None]
    missed = [name for name, _, ok in targets if ok is False]
    if plan.quick:
        head = "**A smoke run (tiny N, one process): these figures are not a measurement.**"
    elif missed:
        head = f"**{len(missed)} of {len(checked)} targets missed**: " + "; ".join(missed) + "."
    else:
        head = f"**Every target holds** ({len(checked)} of {len(checked)}, table below)."
    out = [head, ""]

    def cpu(backend: str, client: str, c: int) -> float:
        return results.cpu_us(backend, 0, client, c)

    c = 10 if 10 in plan.cpu_concurrency else plan.cpu_concurrency[-1]
    ours, aiohttp, httpx = (cpu("asyncio", name, c) for name in ("zonos", "aiohttp", "httpx"))
    if not math.isnan(ours + aiohttp + httpx):
        out.append(
            f"- **CPU.** A `Session.order_detail` call (request, answer, parsed into a typed "
            f"`Order`) costs {ours:,.0f} µs of client CPU at {c} concurrent calls: "
            f"{ours / aiohttp:.2f}× hand-written aiohttp (which stops at a dict) and "
            f"{httpx / ours:.1f}× less than hand-written httpx."
        )
    top = plan.wall_concurrency[-1]
    ratios = {name: results.ratio("asyncio", name, top) for name in ("zonos", "httpx", "aiohttp")}
    if not math.isnan(ratios["zonos"]):
        peers = ", ".join(
            f"hand-written {name}: {ratio:.2f}×"
            for name, ratio in ratios.items()
            if name != "zonos" and not math.isnan(ratio)
        )
        out.append(
            f"- **Latency.** At {LATENCY_S * 1000:.0f} ms per answer, {top} concurrent calls take "
            f"{ratios['zonos']:.2f}× the time a perfect client needs"
            + (f" ({peers})." if peers else ".")
        )
    trio, trio_httpx = cpu("trio", "zonos", c), cpu("trio", "httpx", c)
    if not math.isnan(trio + trio_httpx):
        out.append(
            f"- **trio.** {trio:,.0f} µs per call at C={c}, {trio / trio_httpx:.2f}× "
            f"hand-written httpx; {results.ratio('trio', 'zonos', top):.2f}× the ideal time at "
            f"C={top}."
        )
    orders = results.parse.get("orders", {})
    if orders:
        slowest = max(one["order_us"] for one in orders.values())
        out.append(f"- **Parsing** an `orderDetail` answer into an `Order`: {slowest:.0f} µs.")
    # "import ...": a page saved before the sync replaced the importer (issue 12).
    importer = [(n, m) for n, m, _ in targets if n.startswith(("sync ", "import "))]
    if importer:
        out.append(
            (
                "- **The sync** (`zonos_async.sync` into SQLite and PostgreSQL): "
                if importer[0][0].startswith("sync ")
                else "- **The importer** (`import_orders` into a JSON Lines file): "
            )
            + "; ".join(f"{name.split(':')[0]}: {measured}" for name, measured in importer)
            + "."
        )
    out += [
        "",
        "All of it against the same fake Zonos over real HTTP on one machine, in one run: the "
        "ratios compare; the absolute figures are this machine's ([how](#how-it-was-measured)).",
        "",
    ]
    return out


def _targets(
    plan: Plan, results: Results, snap: dict[str, Any]
) -> list[tuple[str, str, bool | None]]:
    """(target, measured, pass) for every target the run can check."""
    rows: list[tuple[str, str, bool | None]] = []
    orders = results.parse.get("orders", {})
    parse_us = max((o["order_us"] for o in orders.values()), default=None)
    if "zonos" in plan.asyncio_clients:
        rows += _target_rows(results, "zonos", plan, parse_us)
    if {"zonos", "httpx"} <= set(plan.trio_clients):
        for c in plan.cpu_concurrency[1:]:
            ours = results.cpu_us("trio", 0, "zonos", c)
            peer = results.cpu_us("trio", 0, "httpx", c)
            ratio = ours / peer if peer else math.nan
            rows.append((
                f"trio: CPU/call no slower than hand-written httpx at C={c} "
                f"(≤ {TRIO_TOLERANCE:.2f}×, run-to-run noise)",
                f"{_fmt(ours)} / {_fmt(peer)} µs = {_fmt(ratio, 2)}×",
                None if math.isnan(ratio) else ratio <= TRIO_TOLERANCE,
            ))  # fmt: skip
        for c in plan.wall_concurrency[-2:]:
            ours, peer = results.ratio("trio", "zonos", c), results.ratio("trio", "httpx", c)
            rows.append((
                f"trio: wall/bound no worse than hand-written httpx at 50 ms, C={c}",
                f"{_fmt(ours, 2)} vs {_fmt(peer, 2)}",
                None if math.isnan(ours + peer) else ours <= peer * TRIO_TOLERANCE,
            ))  # fmt: skip
    rows += _transport_target_rows(plan, results)
    if snap["importer"] is not None:
        rows += [(name, measured, ok) for name, measured, ok in snap["importer"]["targets"]]
    return rows


TRIO_BEFORE: Final = {10: 0.45, 100: 0.22}
"""The trio path's CPU per call over hand-written httpx's while it was httpcore2's pool: the
fast transport on trio may not cost more."""


def _transport_target_rows(plan: Plan, results: Results) -> list[tuple[str, str, bool | None]]:
    """The session on httpx costs what httpx costs; trio no worse than before."""
    rows: list[tuple[str, str, bool | None]] = []
    for loop, clients in (("asyncio", plan.asyncio_clients), ("trio", plan.trio_clients)):
        if not {"zonos_httpx", "httpx"} <= set(clients):
            continue
        for c in (10, 100):
            if c not in plan.cpu_concurrency:
                continue
            ours = results.cpu_us(loop, 0, "zonos_httpx", c)
            peer = results.cpu_us(loop, 0, "httpx", c)
            ratio = ours / peer if peer else math.nan
            rows.append((f"{loop}: session on httpx, CPU/call ≤ 1.2× hand-written httpx at C={c}",
                         f"{_fmt(ours)} / {_fmt(peer)} µs = {_fmt(ratio, 2)}×",
                         None if math.isnan(ratio) else ratio <= 1.2))  # fmt: skip
    if {"zonos", "httpx"} <= set(plan.trio_clients):
        for c, before in TRIO_BEFORE.items():
            if c not in plan.cpu_concurrency:
                continue
            ours = results.cpu_us("trio", 0, "zonos", c)
            peer = results.cpu_us("trio", 0, "httpx", c)
            ratio = ours / peer if peer else math.nan
            rows.append((f"trio: CPU/call ≤ {before}× hand-written httpx at C={c} (as httpcore2's)",
                         f"{_fmt(ours)} / {_fmt(peer)} µs = {_fmt(ratio, 2)}×",
                         None if math.isnan(ratio) else ratio <= before))  # fmt: skip
    return rows


def _render_prototypes(plan: Plan, results: Results, labels: dict[str, str]) -> list[str]:
    protos = [p for p in PROTOTYPES if p in plan.asyncio_clients]
    if not protos or "aiohttp" not in plan.asyncio_clients:
        return []
    names = [row[0] for row in _target_rows(results, protos[0], plan, None)]
    out = [
        "The same targets for the prototypes in `benchmarks/clients/` (informational: what the "
        "session would reach with each design):",
        "",
        "| prototype | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for proto in protos:
        rows = _target_rows(results, proto, plan, None)
        out.append(f"| {labels.get(proto, proto)} | "
                   + " | ".join(f"{m} {_check(ok)}" for _, m, ok in rows) + " |")  # fmt: skip
    return [*out, ""]


def _client_table(
    clients: Sequence[str],
    labels: dict[str, str],
    columns: Sequence[int],
    cell: Callable[[str, int], str],
) -> list[str]:
    """One row per client, one ``C=`` column per concurrency."""
    return [
        "| client | " + " | ".join(f"C={c}" for c in columns) + " |",
        "|---|" + "---:|" * len(columns),
        *(
            f"| {labels.get(client, client)} | "
            + " | ".join(cell(client, c) for c in columns)
            + " |"
            for client in clients
        ),
        "",
    ]


def _render_client_tables(plan: Plan, results: Results, labels: dict[str, str]) -> list[str]:
    out: list[str] = []
    for backend, clients in (("asyncio", plan.asyncio_clients), ("trio", plan.trio_clients)):
        if clients:
            out += _render_backend_tables(backend, clients, plan, results, labels)
    return out


def _render_backend_tables(
    backend: str, clients: Sequence[str], plan: Plan, results: Results, labels: dict[str, str]
) -> list[str]:
    cs, ws = plan.cpu_concurrency, plan.wall_concurrency
    return [
        f"### Client CPU per call, µs ({backend}, latency 0, N = {plan.cpu_calls:,})",
        "",
        *_client_table(
            clients, labels, cs, lambda client, c: _fmt(results.cpu_us(backend, 0, client, c))
        ),
        f"### Calls per second ({backend}, latency 0, one client process)",
        "",
        *_client_table(
            clients, labels, cs, lambda client, c: _fmt(results.rate(backend, 0, client, c))
        ),
        f"### Wall time / ideal at {LATENCY_S * 1000:.0f} ms server latency ({backend})",
        "",
        f"ideal = N × {LATENCY_S * 1000:.0f} ms / C, the time a perfect client needs; "
        f"N = {', '.join(f'{plan.wall_calls(c):,}' for c in ws)} for "
        f"C = {', '.join(map(str, ws))} (ideal {plan.bound_s:g} s each).",
        "",
        *_client_table(
            clients, labels, ws, lambda client, c: _fmt(results.ratio(backend, client, c), 2)
        ),
    ]


def _render_parse(parse: dict[str, Any]) -> list[str]:
    out = ["### Parse cost alone (no I/O; `protocol.decode` + `parse_*`)", ""]
    if "error" in parse:
        return [*out, f"parse benchmark failed: {parse['error']}", ""]
    out += ["| what | median |", "|---|---:|"]
    for name, one in parse["orders"].items():
        out += [
            f"| orderDetail, {name} ({one['body_bytes']:,} B, {one['items']} items): "
            f"`json.loads` alone | {one['json_loads_us']:.0f} µs |",
            f"| … `decode` (JSON with `Decimal` money, error check) | {one['decode_us']:.0f} µs |",
            f"| … `parse_order` (cattrs structuring) | {one['structure_us']:.0f} µs |",
            f"| … **`decode` + `parse_order` → `Order`** | **{one['order_us']:.0f} µs** |",
        ]
    per_order = parse["big_total_ms"] * 1000 / parse["big_orders"]
    out += [
        f"| orderNumbers, {parse['big_orders']:,} orders with statuses "
        f"({parse['big_bytes'] / 1e6:.1f} MB): `decode` | {parse['big_decode_ms']:,.0f} ms |",
        f"| … `parse_order_numbers` | {parse['big_structure_ms']:,.0f} ms |",
        f"| … **total → `OrderNumbersPage`** ({per_order:.1f} µs per order) "
        f"| **{parse['big_total_ms']:,.0f} ms** |",
        "",
    ]
    return out


def _fit_tables(lines: list[str], max_columns: int = MAX_COLUMNS) -> list[str]:
    """``lines`` with every Markdown table wider than ``max_columns`` split into narrower ones."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("|"):
            out.append(lines[index])
            index += 1
            continue
        end = index
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        rows = [
            [cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in lines[index:end]
        ]
        width = len(rows[0])
        if width <= max_columns:
            out += lines[index:end]
        else:
            step = max_columns - 1
            for start in range(1, width, step):
                for row in rows:
                    row = row + [""] * (width - len(row))
                    out.append("| " + " | ".join([row[0], *row[start : start + step]]) + " |")
                if start + step < width:
                    out.append("")
        index = end
    return out


def _render_method(plan: Plan, results: Results, snap: dict[str, Any]) -> list[str]:
    server_text = {
        "fake": "the fake's answers (`FakeZonos.respond`) behind a minimal asyncio HTTP/1.1 "
        "server (`benchmarks/_fake_server.py`), each distinct `orderDetail` answer computed by "
        "the fake once, before the run, then served from memory (`--memo-reads`)",
        "fake-uvicorn": "the fake (`FakeZonos.asgi_app` under uvicorn)",
        "fake-cli": "the fake (`python -m zonos_async.testing`)",
        "standin": "a canned fixture behind a minimal asyncio HTTP/1.1 server",
    }[next(iter(results.servers.values()), "standin")]
    out = [
        "## How it was measured",
        "",
        "How much CPU a `Session.order_detail` call costs, and how close to the latency bound "
        "many concurrent calls get, beside hand-written httpx, aiohttp and the vendor's "
        "`requests` style, all against the same fake Zonos over real HTTP in one run. The "
        "harness lives in `benchmarks/` and is described in `benchmarks/run.py`.",
        "",
        f"Run {snap['when']}, {results.seconds:.0f} s. Load average (1/5/15 min) before: "
        f"{results.load[0]}, after: {results.load[-1]}; anything above ~2 (the bench's own two "
        "processes) means other work shared the cores and wall-time figures are pessimistic "
        "(CPU-per-call figures are less affected).",
        "",
        *snap["machine"],
        f"- Server: {server_text} over HTTP/1.1 on 127.0.0.1; orderDetail body "
        f"{results.body_bytes:,} bytes; server CPU ≈ {_fmt(results.server_us(0))} µs per call "
        "at latency 0",
        f"- Each figure: median of {plan.repeats} fresh client process(es); client CPU is "
        "`time.process_time()` around the timed calls only, after a warm-up that opens the "
        "connections",
        "",
    ]
    if snap.get("note"):
        out += [f"**Note.** {snap['note']}", ""]
    out += [
        "Measure again with `nox -s bench -- --out docs/performance.md` (about 15 minutes): it "
        "rewrites this page, the saved results `docs/performance.json` and the charts. Redraw "
        "the page from the saved results, measuring nothing, with "
        "`python benchmarks/run.py --render-from docs/performance.json --out docs/performance.md`"
        " (the charts need matplotlib, which `nox -s bench` installs).",
        "",
    ]
    return out


def write_page(snap: dict[str, Any], page: Path) -> str:
    """Write ``page``, its snapshot (``page.json``) and its charts (``page-*.svg``)."""
    page.parent.mkdir(parents=True, exist_ok=True)
    page.with_suffix(".json").write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n")
    text = render_page(snap, _draw_charts(snap, page))
    page.write_text(text)
    return text


def _draw_charts(snap: dict[str, Any], page: Path) -> list[tuple[str, str]]:
    """The page's charts as ``(file name, caption)``; none without matplotlib."""
    try:
        from benchmarks import _charts
    except ImportError:  # pragma: no cover - the charts are the bench session's
        return []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("note: no matplotlib, so no charts (nox -s bench installs it)", file=sys.stderr)
        return []
    plan, results = restore(snap)

    def short(client: str) -> str:
        return SHORT_NAMES.get(client, client)

    concurrent = [c for c in plan.cpu_concurrency if c > 1] or list(plan.cpu_concurrency)
    cpu = {
        short(client): {c: results.cpu_us("asyncio", 0, client, c) for c in concurrent}
        for client in plan.asyncio_clients
        if client != "requests"  # one call at a time: nothing at C > 1
    }
    walls = {
        backend: {
            short(client): {c: results.ratio(backend, client, c) for c in plan.wall_concurrency}
            for client in clients
            if client != "requests"
        }
        for backend, clients in (("asyncio", plan.asyncio_clients), ("trio", plan.trio_clients))
        if clients
    }
    cpu_svg = _charts.cpu_chart(
        cpu,
        concurrent,
        page.with_name(f"{page.stem}-cpu.svg"),
        ours=OURS,
        title="Client CPU per orderDetail call (asyncio, latency 0)",
    )
    wall_svg = _charts.wall_chart(
        walls,
        page.with_name(f"{page.stem}-wall.svg"),
        ours=OURS,
        title=f"Wall time / ideal at {LATENCY_S * 1000:.0f} ms per answer",
    )
    return [
        (cpu_svg.name, "Client CPU per call at 10 and 100 concurrent calls (log scale)"),
        (wall_svg.name, "Wall time over the ideal time, by concurrency (log scale)"),
    ]


def _measure_importer(plan: SyncPlan, log: Callable[[str], None]) -> SyncResults:
    """The sync part, against the fake only: the sync lists before it fetches."""
    if not _fake_available():
        why = "the sync needs the fake (zonos_async.testing)"
        return SyncResults(plan, skipped=dict.fromkeys(plan.backends, why))
    with tempfile.TemporaryDirectory(prefix="zonos-sync-bench-") as workdir:
        return measure_sync(plan, serve, _cpus(), log, Path(workdir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny N, one repeat (also BENCH_SMOKE=1)"
    )
    parser.add_argument("--out", type=Path, help="also write the Markdown page here")
    parser.add_argument("--repeats", type=int, default=3, help="fresh client processes per figure")
    parser.add_argument("--calls", type=int, default=1000, help="N at latency 0")
    parser.add_argument("--clients", help="comma-separated subset of: " + ", ".join(CLIENTS))
    parser.add_argument("--no-trio", action="store_true", help="skip the trio tables")
    parser.add_argument(
        "--no-sync", "--no-importer", dest="no_importer", action="store_true",
        help="skip the sync tables",
    )  # fmt: skip
    parser.add_argument(
        "--sync-only", dest="importer_only", action="store_true",
        help="only the sync tables and their targets (no client or parse tables)",
    )  # fmt: skip
    parser.add_argument(
        "--server", choices=("auto", "fake", "fake-uvicorn", "fake-cli", "standin"),
        default="auto",
        help="auto: fake if zonos_async.testing is there, else standin. fake: the fake's answers "
        "behind a minimal HTTP server; fake-uvicorn: its ASGI app under uvicorn; fake-cli: "
        "`python -m zonos_async.testing serve` as is; standin: canned fixture answers "
        "(see benchmarks/_fake_server.py)",
    )  # fmt: skip
    parser.add_argument(
        "--sync-into", type=Path, metavar="JSON",
        help="with --sync-only: put the sync tables into this saved page (and redraw the page "
        "beside it) rather than print a report of their own",
    )  # fmt: skip
    parser.add_argument(
        "--render-from", type=Path, metavar="JSON",
        help="measure nothing: draw the page (--out, default beside JSON) from saved results",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.render_from is not None:
        page = args.out or args.render_from.with_suffix(".md")
        write_page(json.loads(args.render_from.read_text()), page)
        print(f"wrote {page}", file=sys.stderr)
        return 0
    # SIGTERM unwinds like Ctrl-C, so every server and client process started is stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    args.quick = args.quick or os.environ.get("BENCH_SMOKE") == "1"
    if args.repeats < 1 or args.calls < 1:
        parser.error("--repeats and --calls must be positive")
    plan = _plan(args)
    if args.no_importer and args.importer_only:
        parser.error("--no-sync and --sync-only exclude each other")
    if not args.no_importer:
        plan = replace(plan, importer=sync_plan(args.quick, args.repeats))
    kind = args.server
    if kind == "auto":
        kind = "fake" if _fake_available() else "standin"
    if kind == "standin":
        print("note: serving canned fixtures (zonos_async.testing is missing)", file=sys.stderr)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    if args.sync_into is not None and not args.importer_only:
        parser.error("--sync-into goes with --sync-only")
    if args.importer_only:
        assert plan.importer is not None
        only = _measure_importer(plan.importer, log)
        if args.sync_into is not None:
            snap = json.loads(args.sync_into.read_text())
            snap["importer"] = _sync_section(only, time.strftime("%Y-%m-%d %H:%M %Z"))
            print(write_page(snap, args.sync_into.with_suffix(".md")))
            return 1 if args.quick and only.failed() else 0
        report = render_sync_only(only, machine())
        print(report)
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(report)
        return 1 if args.quick and only.failed() else 0
    results = measure(plan, kind, log)
    if plan.importer is not None:
        results.importer = _measure_importer(plan.importer, log)
    snap = snapshot(plan, results)
    print(render_page(snap))
    if args.out is not None:
        write_page(snap, args.out)
    failed = [key for key, runs in results.runs.items() if all(r.error for r in runs)]
    importer_failed = results.importer is not None and results.importer.failed()
    return 1 if args.quick and (failed or importer_failed) else 0


if __name__ == "__main__":
    sys.exit(main())
