"""One client process: warm up, then time N ``orderDetail`` calls at concurrency C.

    python -m benchmarks._driver '{"client": "zonos", "backend": "asyncio", "base_url": ...}'

Prints one JSON line: calls, CPU seconds of this process (``time.process_time``, all threads)
and wall seconds, both around the timed calls only. Each of the C workers makes every C-th call,
so a perfect client at latency L needs exactly ``N / C * L``.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import sys
import time
from typing import Any

from benchmarks._common import AsyncCall, order_ids
from benchmarks.clients import CLIENTS

__all__ = ["main"]


async def _asyncio_batch(call: AsyncCall, ids: list[str], concurrency: int) -> None:
    async def worker(start: int) -> None:
        for i in range(start, len(ids), concurrency):
            await call(ids[i])

    await asyncio.gather(*(worker(k) for k in range(concurrency)))


async def _trio_batch(call: AsyncCall, ids: list[str], concurrency: int) -> None:
    import trio

    async def worker(start: int) -> None:
        for i in range(start, len(ids), concurrency):
            await call(ids[i])

    async with trio.open_nursery() as nursery:
        for k in range(concurrency):
            nursery.start_soon(worker, k)


def _measure(spec: dict[str, Any]) -> dict[str, Any]:
    module = importlib.import_module(CLIENTS[spec["client"]])
    backend: str = spec["backend"]
    if backend not in module.BACKENDS:
        raise SystemExit(f"{spec['client']} does not run on {backend}")
    n, concurrency = int(spec["n"]), int(spec["c"])
    ids = order_ids(n, int(spec["orders"]))
    warm = order_ids(int(spec["warmup"]), int(spec["orders"]))
    result: dict[str, Any] = {}

    def timed_start() -> None:
        gc.collect()
        result["cpu0"], result["wall0"] = time.process_time(), time.perf_counter()

    def timed_stop() -> None:
        result["cpu"] = time.process_time() - result.pop("cpu0")
        result["wall"] = time.perf_counter() - result.pop("wall0")

    if backend == "sync":
        with module.open_sync(spec["base_url"]) as sync_call:
            for order_id in warm:
                sync_call(order_id)
            timed_start()
            for order_id in ids:
                last = sync_call(order_id)
            timed_stop()
    else:
        batch = _asyncio_batch if backend == "asyncio" else _trio_batch

        async def body() -> None:
            async with module.open_client(spec["base_url"], int(spec["limit"])) as call:
                await batch(call, warm, concurrency)
                timed_start()
                await batch(call, ids, concurrency)
                timed_stop()
                result["sample"] = type(await call(ids[0])).__name__

        if backend == "asyncio":
            asyncio.run(body())
        else:
            import trio

            trio.run(body)
    if backend == "sync":
        result["sample"] = type(last).__name__
    return {"client": spec["client"], "backend": backend, "n": n, "c": concurrency, **result}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    print(json.dumps(_measure(json.loads(args[0]))), flush=True)


if __name__ == "__main__":
    main()
