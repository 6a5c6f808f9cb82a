"""10,000 calls cancelled at random moments under pool contention leave the session usable.

The shape of encode/httpcore#1093 (cancelled waiters leak pool slots). Runs under asyncio
(the fast and the httpx transport) and trio (the fast one), against the fake served by a separate
process.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import anyio
import httpx
import pytest

from zonos_async import Session

CALLS = int(os.environ.get("ZONOS_CANCEL_CALLS", "10000"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "zonos_async.testing", "serve", "--port", str(port),
         "--orders", "20", "--latency-ms", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("the fake server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def storm(zonos: Session, seed: int) -> int:
    """Start CALLS order_detail calls, each cancelled at a random moment; count the finished."""
    rng = random.Random(seed)
    finished = 0

    async def one(delay: float) -> None:
        nonlocal finished
        with anyio.move_on_after(delay):
            await zonos.order_detail("999-100001")
            finished += 1

    batch = 200
    for start in range(0, CALLS, batch):
        async with anyio.create_task_group() as tg:
            for _ in range(min(batch, CALLS - start)):
                # Mostly early (before or while sending), some late enough to finish.
                late = rng.random() < 0.1
                tg.start_soon(one, rng.uniform(0.01, 0.3) if late else rng.uniform(0, 0.01))
    return finished


async def still_works(zonos: Session, connections: int) -> None:
    """As many calls at once as the pool has connections: a leaked slot would time out."""
    results: list[str] = []

    async def one() -> None:
        results.append((await zonos.order_detail("999-100002", timeout=5)).id)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for _ in range(connections * 3):
                tg.start_soon(one)
    assert results == ["999-100002"] * connections * 3


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("anyio_backend", "http_backend"),
    [("asyncio", "fast"), ("asyncio", "httpx"), ("trio", "fast")],
    indirect=["anyio_backend"],
)
async def test_cancel_storm_leaves_the_pool_usable(
    server_url: str, anyio_backend: str, http_backend: str
) -> None:
    connections = 4
    # 200 tasks at a time on 4 connections. The session asks for 10,000 in flight; on its own
    # httpx pool it still queues in its cancel-safe limiter rather than in httpcore's pool.
    async with Session(
        999,
        "f5bde245-f55e-414d-b722-80b25161c12c",
        base_url=server_url,
        transport=httpx.AsyncHTTPTransport() if http_backend == "httpx" else None,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        max_concurrency=10_000,
        timeout=httpx.Timeout(5.0),
        retry=None,
    ) as zonos:
        finished = await storm(zonos, seed=1093)
        print(f"{http_backend}/{anyio_backend}: {finished} of {CALLS} finished before cancel")
        assert 0 < finished < CALLS  # some calls were cancelled, some were not
        await still_works(zonos, connections)
