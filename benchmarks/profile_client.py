"""Where a client's CPU goes per call: profile one client against the fake, in one process.

    python benchmarks/profile_client.py --client zonos --c 10 --n 3000
    python benchmarks/profile_client.py --client proto_direct --c 100 --tool cprofile

Starts the server like ``run.py`` (pinned to the second CPU), pins itself to the first, warms
the client up, measures the unprofiled CPU per call, then profiles the same batch and prints
the self time per component (httpx, httpcore, h11, anyio, aiohttp, the event loop, JSON,
structuring, our code, ...) as a share and as µs per call scaled to the unprofiled figure.
``pyinstrument`` (sampling, default) distorts less; ``cprofile`` also gives exact call counts.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import os
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import AsyncCall, order_ids
from benchmarks.clients import CLIENTS
from benchmarks.run import _cpus, serve

__all__ = ["component", "main"]

# (substring of the file path or of a C function's name, component); first match wins.
_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("<cattrs generated", "structuring (cattrs + our hooks)"),
    ("<attrs generated", "structuring (cattrs + our hooks)"),
    ("/cattrs/", "structuring (cattrs + our hooks)"),
    ("zonos_async/_converter.py", "structuring (cattrs + our hooks)"),
    ("zonos_async/_models.py", "structuring (cattrs + our hooks)"),
    ("zonos_async/_status.py", "structuring (cattrs + our hooks)"),
    ("/attr/", "structuring (cattrs + our hooks)"),
    ("httptools", "httptools (llhttp framing)"),
    ("zonos_async/", "zonos_async (session, protocol, transports)"),
    ("/httpx2/", "httpx2"),
    ("/httpcore2/", "httpcore2"),
    ("/httpx/", "httpx"),
    ("/httpcore/", "httpcore"),
    ("/h11/", "h11"),
    ("/anyio/", "anyio"),
    ("/sniffio/", "sniffio"),
    ("/trio/", "trio"),
    ("/aiohttp/", "aiohttp + yarl + multidict"),
    ("/yarl/", "aiohttp + yarl + multidict"),
    ("/multidict/", "aiohttp + yarl + multidict"),
    ("/propcache/", "aiohttp + yarl + multidict"),
    ("/json/", "JSON (json.loads/dumps)"),
    ("_json", "JSON (json.loads/dumps)"),
    ("/decimal.py", "JSON (json.loads/dumps)"),
    ("/asyncio/", "asyncio event loop + sockets"),
    ("/selectors.py", "asyncio event loop + sockets"),
    ("/socket.py", "asyncio event loop + sockets"),
    ("select.epoll", "asyncio event loop + sockets"),
    ("_socket.socket", "asyncio event loop + sockets"),
    ("/ssl.py", "asyncio event loop + sockets"),
    ("/idna/", "httpx"),
    ("/urllib/", "stdlib urllib/re/typing/..."),
    ("/re/", "stdlib urllib/re/typing/..."),
    ("/typing.py", "stdlib urllib/re/typing/..."),
    ("/enum.py", "stdlib urllib/re/typing/..."),
    ("/contextlib.py", "stdlib urllib/re/typing/..."),
    ("benchmarks/", "benchmark driver"),
)


def component(where: str) -> str:
    """The component a file path (or a C function's description) belongs to."""
    for needle, name in _COMPONENTS:
        if needle in where:
            return name
    return "other (builtins, gc, ...)"


async def _batch(call: AsyncCall, ids: list[str], concurrency: int) -> None:
    async def worker(start: int) -> None:
        for i in range(start, len(ids), concurrency):
            await call(ids[i])

    await asyncio.gather(*(worker(k) for k in range(concurrency)))


def _split_cprofile(profile: cProfile.Profile) -> tuple[dict[str, float], list[str]]:
    stats = pstats.Stats(profile)
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    split: dict[str, float] = defaultdict(float)
    rows = []
    for (filename, line, name), (_, calls, self_s, cum_s, _) in table.items():
        where = f"{name}" if filename == "~" else filename
        split[component(where)] += self_s
        rows.append((self_s, calls, cum_s, f"{Path(filename).name}:{line}({name})"))
    rows.sort(reverse=True)
    top = [
        f"{s * 1e3:9.1f} ms self {c:>9} calls {cu * 1e3:9.1f} ms cum  {w}" for s, c, cu, w in rows
    ]
    return split, top[:30]


def _split_pyinstrument(session: Any) -> tuple[dict[str, float], list[str]]:
    split: dict[str, float] = defaultdict(float)
    per_function: dict[str, float] = defaultdict(float)

    def walk(frame: Any) -> None:
        own = frame.total_self_time
        where = frame.file_path or frame.function or ""
        split[component(where)] += own
        per_function[f"{Path(where).name}:{frame.line_no}({frame.function})"] += own
        for child in frame.children:
            if not child.is_synthetic:  # "[self]" children are already in total_self_time
                walk(child)

    root = session.root_frame()
    if root is not None:
        walk(root)
    rows = sorted(per_function.items(), key=lambda kv: -kv[1])[:30]
    return split, [f"{s * 1e3:9.1f} ms self  {w}" for w, s in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", default="zonos", choices=sorted(CLIENTS))
    parser.add_argument("--c", type=int, default=10, help="concurrency")
    parser.add_argument("--n", type=int, default=3000, help="calls profiled")
    parser.add_argument("--tool", choices=("pyinstrument", "cprofile"), default="pyinstrument")
    parser.add_argument("--server", choices=("fake", "standin"), default="fake")
    parser.add_argument("--top", action="store_true", help="also print the top 30 functions")
    args = parser.parse_args(argv)
    client_cpus, server_cpus = _cpus()
    if client_cpus is not None:
        os.sched_setaffinity(0, client_cpus)
    module = importlib.import_module(CLIENTS[args.client])
    ids = order_ids(args.n, 1000)

    async def body(base_url: str) -> tuple[float, Callable[[], tuple[dict[str, float], list[str]]]]:
        async with module.open_client(base_url, 100) as call:
            await _batch(call, ids[: max(200, 2 * args.c)], args.c)
            started = time.process_time()
            await _batch(call, ids, args.c)
            plain = (time.process_time() - started) / args.n * 1e6
            if args.tool == "cprofile":
                profile = cProfile.Profile(time.process_time)
                profile.enable()
                await _batch(call, ids, args.c)
                profile.disable()
                return plain, lambda: _split_cprofile(profile)
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002, async_mode="disabled")
            profiler.start()
            await _batch(call, ids, args.c)
            session = profiler.stop()
            return plain, lambda: _split_pyinstrument(session)

    with serve(args.server, 0, 1000, server_cpus) as server:
        plain_us, split_of = asyncio.run(body(server.base_url))
    split, top = split_of()
    total = sum(split.values()) or 1.0
    print(
        f"### {module.LABEL}: C={args.c}, N={args.n:,}, {args.tool}; "
        f"unprofiled client CPU {plain_us:,.0f} µs/call\n"
    )
    print("| component | share of self time | ≈ µs/call |")
    print("|---|---:|---:|")
    for name, seconds in sorted(split.items(), key=lambda kv: -kv[1]):
        share = seconds / total
        if share >= 0.005:
            print(f"| {name} | {share:.1%} | {share * plain_us:,.0f} |")
    if args.top:
        print("\nTop functions by self time (profiled run):\n")
        print("\n".join(top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
