"""One importer process: every seeded order into a JSON Lines file, timed and RSS-sampled.

    python -m benchmarks._import_driver '{"base_url": "http://127.0.0.1:8080", "orders": 2000,
                                         "concurrency": 32}'

The job is the one ``docs/importer.md`` tells users to write: a default ``Session``, a
``JsonLinesSink`` and a ``FileCheckpoint`` in a temporary directory, and per 500 orders
"flush the sink, then commit". It imports the whole range the fake seeded (``FakeZonos.seeded``
spreads orders over the ``days`` before the server started), then checks the file holds every
seeded order exactly once, so a broken importer fails loudly instead of looking fast.

Memory: ``baseline`` is VmRSS just before the import starts (after the imports, the session and
sink opening, and one warm-up call per endpoint, so lazy one-offs such as the first connection
and the converters' generated code are not counted as the import's). ``peak`` is the kernel's
high-water mark (VmHWM), reset at the baseline through ``/proc/self/clear_refs``, so it sees
peaks inside blocking code too; where that reset is refused, the highest 10 ms sample taken by
a task on the same event loop. Prints one JSON line.

With ``"tracemalloc": true`` in the spec (a diagnosis, several times slower), it also prints to
stderr the top allocations of the largest heap it saw (snapshots at most once a second).
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import json
import os
import re
import sys
import tempfile
import time
import tracemalloc
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

import zonos_async
from benchmarks._common import FIRST_ORDER_NUMBER, SECRET, STORE
from zonos_async import FileCheckpoint, JsonLinesSink

__all__ = ["main"]

SEEDED_DAYS: Final = 60  # FakeZonos.seeded's default span, which benchmarks/_fake_server.py uses
COMMIT_EVERY: Final = 500  # as in docs/importer.md
SAMPLE_S: Final = 0.010
_PAGE: Final = os.sysconf("SC_PAGE_SIZE")
_LINE_ID: Final = re.compile(rb'^\{"orderId":"([^"]+)"')


def rss_bytes() -> int:
    """Resident set size now (second field of /proc/self/statm, in pages)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE


def _status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise LookupError(name)


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmHWM") * 1024 <= rss_bytes() + 4 * _PAGE
    except (OSError, LookupError):
        return False


@dataclass
class _Sampler:
    """RSS and detail calls in flight every 10 ms, from a task on the import's own loop."""

    stream: Any = None
    peak: int = 0
    in_flight: list[int] = field(default_factory=list)
    snapshot: tracemalloc.Snapshot | None = None
    snapshot_bytes: int = 0
    snapshot_at: float = 0.0

    async def run(self) -> None:
        while True:
            self.peak = max(self.peak, rss_bytes())
            if self.stream is not None:
                self.in_flight.append(self.stream.stats.in_flight)
            if tracemalloc.is_tracing() and time.monotonic() - self.snapshot_at >= 1.0:
                traced = tracemalloc.get_traced_memory()[0]
                if traced > self.snapshot_bytes:
                    self.snapshot, self.snapshot_bytes = tracemalloc.take_snapshot(), traced
                    self.snapshot_at = time.monotonic()
            await asyncio.sleep(SAMPLE_S)

    def report(self, baseline: tracemalloc.Snapshot | None) -> None:
        """The biggest traced heap's top allocations, as growth over the baseline, to stderr."""
        if self.snapshot is None or baseline is None:
            return
        lines = [f"tracemalloc: largest heap {self.snapshot_bytes / 2**20:.1f} MB"]
        for stat in self.snapshot.compare_to(baseline, "traceback")[:12]:
            lines.append(f"{stat.size_diff / 2**20:+7.2f} MB {stat.count_diff:+8,} blocks")
            lines += ["    " + line.strip() for line in stat.traceback.format(limit=4)]
        print("\n".join(lines), file=sys.stderr)


def _default(name: str) -> Any:
    """The importer's default for ``name``: the table says what a default job does."""
    return inspect.signature(zonos_async.Session.import_orders).parameters[name].default


async def _import(spec: dict[str, Any], directory: Path) -> dict[str, Any]:
    orders, concurrency = int(spec["orders"]), int(spec["concurrency"])
    options: dict[str, Any] = {"concurrency": concurrency}
    if spec.get("window_days"):
        options["window_days"] = int(spec["window_days"])
    today = datetime.now(timezone.utc).date()
    since = today - timedelta(days=int(spec.get("days", SEEDED_DAYS)) + 1)
    out = directory / "orders.jsonl"
    checkpoint = FileCheckpoint(directory / "orders.jsonl.checkpoint.json")
    result: dict[str, Any] = {"rss_start": rss_bytes()}
    sampler = _Sampler()
    async with (
        zonos_async.Session(store=STORE, secret=SECRET, base_url=spec["base_url"]) as zonos,
        JsonLinesSink(out) as sink,
    ):
        await zonos.order_detail(f"{STORE}-{FIRST_ORDER_NUMBER}")  # warm-up, see the docstring
        await zonos.order_numbers(since_date=today, through_date=today)
        gc.collect()
        sampling = asyncio.create_task(sampler.run())
        await asyncio.sleep(0)
        result["rss_baseline"] = sampler.peak = rss_bytes()
        exact_peak = _reset_peak()
        if spec.get("tracemalloc"):
            tracemalloc.start(8)
        traced_baseline = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
        sync_s = 0.0  # the loop's time in flush + commit (fsyncs), during which nothing is read
        cpu0, wall0 = time.process_time(), time.perf_counter()
        async with zonos.import_orders(
            since=since, until=today, checkpoint=checkpoint, **options
        ) as stream:
            sampler.stream = stream
            async for order in stream:
                sink.write(order)
                if sink.pending >= COMMIT_EVERY:
                    syncing = time.perf_counter()
                    await sink.flush()  # 1. append, flush, fsync
                    await stream.commit()  # 2. only then: mark them done
                    sync_s += time.perf_counter() - syncing
            syncing = time.perf_counter()
            await sink.flush()
            await stream.commit()
            sync_s += time.perf_counter() - syncing
        result["wall"] = time.perf_counter() - wall0
        result["cpu"] = time.process_time() - cpu0
        result["sync"] = sync_s
        sampler.peak = max(sampler.peak, rss_bytes())
        sampling.cancel()
        with suppress(asyncio.CancelledError):
            await sampling
        sampler.report(traced_baseline)
        tracemalloc.stop()
        result["rss_peak_sampled"] = sampler.peak
        # VmHWM and statm may differ by a few pages (per-thread counters); take the larger.
        hwm = _status_kb("VmHWM") * 1024 if exact_peak else 0
        result["rss_peak"] = max(hwm, sampler.peak)
        result["peak_source"] = "VmHWM" if exact_peak else "10 ms samples"
        written = sink.written
        # Which HTTP path the default session took (the table says it; a run mixing two fails).
        result["backend"] = type(getattr(zonos, "_backend", None)).__name__
    stats = stream.stats
    samples = sampler.in_flight or [0]
    lines = out.read_bytes().splitlines()
    ids = {m.group(1) for m in map(_LINE_ID.match, lines) if m}
    result.update(
        orders=stats.yielded, written=written, file_lines=len(lines), file_ids=len(ids),
        windows=stats.windows, windows_listed=stats.windows_listed,
        window_days=options.get("window_days", _default("window_days")),
        concurrency=concurrency, peak_in_flight=stats.peak_in_flight,
        mean_in_flight=sum(samples) / len(samples), peak_ready=stats.peak_ready,
        file_bytes=out.stat().st_size,
    )  # fmt: skip
    if not (result["file_ids"] == result["file_lines"] == written == stats.yielded == orders):
        raise SystemExit(
            f"the import is wrong: {orders:,} orders seeded, {stats.yielded:,} yielded, "
            f"{result['file_lines']:,} lines and {result['file_ids']:,} distinct ids in the file"
        )
    return result


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    spec = json.loads(args[0])
    with tempfile.TemporaryDirectory(prefix="zonos-import-bench-") as directory:
        result = asyncio.run(_import(spec, Path(directory)))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
