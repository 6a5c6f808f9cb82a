"""One sync process: ``zonos_async.sync`` of the fake's orders into a store of record, timed and
RSS-sampled.

    python -m benchmarks._sync_driver '{"base_url": "http://127.0.0.1:8080", "db": "/tmp/o.db",
                                        "since_days": 101, "concurrency": 32, "expect": 100000}'

The job is what ``zonos-async sync`` does: glibc's mmap threshold fixed for the process
(``zonos_async/_sync/_memory.py``), a default ``Session`` and ``SqlStore.open(db)``, one ``sync``
run from ``since_days`` ago. Afterwards it checks the store holds ``expect`` orders (when
given), so a broken sync fails loudly instead of looking fast. It prints one JSON line: the
run's own counts (``windows`` = ``orderNumbers`` calls, ``fetched`` = ``orderDetail`` calls), wall
and CPU seconds, and memory.

Memory: ``baseline`` is VmRSS just before the run (after the imports, opening the session and the
store, which creates the tables, and one warm-up listing call). ``peak`` is the kernel's
high-water mark (VmHWM), reset at the baseline through ``/proc/self/clear_refs``, so it sees
peaks inside blocking code and worker threads too; only where that reset is refused, the
highest 10 ms sample (the sampler costs memory of its own: see ``_sampling``).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

import zonos_async
from benchmarks._common import SECRET, STORE
from zonos_async import SqlStore, sync
from zonos_async._sync._memory import fix_mmap_threshold

__all__ = ["main"]

SAMPLE_S: Final = 0.010
_PAGE: Final = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident set size now (second field of /proc/self/statm, in pages)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE


def _status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise LookupError(name)


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmHWM") * 1024 <= rss_bytes() + 4 * _PAGE
    except (OSError, LookupError):
        return False


async def _sample(peak: list[int]) -> None:
    while True:
        peak[0] = max(peak[0], rss_bytes())
        await asyncio.sleep(SAMPLE_S)


@asynccontextmanager
async def _sampling(peak: list[int], *, unless: bool) -> AsyncIterator[None]:
    """Sample RSS into ``peak`` every 10 ms, only where the kernel's exact peak is refused.

    The sampler is not free. This module's imports and this loop alone, idling, gained a
    fully resident 1 MiB mapping after about 150 s (Python 3.11, glibc; twice of twice), and
    the same process without the loop did not; in 100,000-order syncs the step came at
    80-95 s (three runs of three) and was most of what looked like growth from 10,000 orders.
    """
    if unless:
        yield
        return
    sampling = asyncio.create_task(_sample(peak))
    try:
        yield
    finally:
        sampling.cancel()
        with suppress(asyncio.CancelledError):
            await sampling


async def _run(spec: dict[str, Any]) -> dict[str, Any]:
    today = datetime.now(timezone.utc).date()
    since_days = spec.get("since_days")  # None: a later run, as cron runs it after the first
    since = None if since_days is None else today - timedelta(days=int(since_days))
    result: dict[str, Any] = {
        "rss_start": rss_bytes(),
        "mmap_threshold_fixed": fix_mmap_threshold(),
    }
    async with (
        zonos_async.Session(store=STORE, secret=SECRET, base_url=spec["base_url"]) as zonos,
        SqlStore.open(spec["db"]) as store,
    ):
        await zonos.order_numbers(since_date=today, through_date=today)  # warm-up
        gc.collect()
        result["rss_baseline"] = rss_bytes()
        exact_peak = _reset_peak()
        peak = [result["rss_baseline"]]
        async with _sampling(peak, unless=exact_peak):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            run = await sync(zonos, store, since=since, concurrency=int(spec["concurrency"]))
            result["wall"] = time.perf_counter() - wall0
            result["cpu"] = time.process_time() - cpu0
        peak[0] = max(peak[0], rss_bytes())
        hwm = _status_kb("VmHWM") * 1024 if exact_peak else 0
        result["rss_peak"] = max(hwm, peak[0])
        result["peak_source"] = "VmHWM" if exact_peak else "10 ms samples"
        summary = next((one for one in await store.summaries() if one.store == STORE), None)
        held = sum(summary.by_status.values()) if summary is not None else 0
    result.update(run.to_json())
    result["held"] = held
    expect = spec.get("expect")
    if expect is not None and held != expect:
        raise SystemExit(f"the sync is wrong: {expect:,} orders seeded, {held:,} held")
    return result


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    result = asyncio.run(_run(json.loads(args[0])))
    print(json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()
