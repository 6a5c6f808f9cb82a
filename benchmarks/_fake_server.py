"""The server the benchmark talks to: the fake Zonos over real HTTP/1.1 on loopback.

    python -m benchmarks._fake_server --port 8080 --orders 1000 --latency-ms 50 [--http raw]

``--answers fake`` (default): every answer comes from ``zonos_async.testing.FakeZonos.respond``,
the fake's own data and rules (``FakeZonos.seeded(orders, seed)``, a ticking clock).
``--answers fixture``: a canned ``tests/fixtures`` answer per endpoint (works without the fake).

``--memo-reads``: ``orderDetail`` answers are computed by the fake once per distinct request
(the same JSON, whatever its spacing) and then served from memory; every seeded order's answer is
computed before the server starts listening. The bench reads only, so the answers are the fake's
own, byte for byte; without the memo the fake's ~300 µs per answer, paid serially for a burst of
C requests, made the *server* the bottleneck of the wall-time table (the raw-protocol floor
reached 1.13x the bound at C=50).

``--http raw`` (default): a minimal asyncio ``Protocol`` HTTP/1.1 server (keep-alive,
Content-Length bodies), the answer computed after ``--latency-ms``. It costs ~40 µs of server CPU
per call on top of the fake's own ~180 µs, so one server core sustains ~4,000 calls/s.
``--http uvicorn``: ``FakeZonos.asgi_app`` under uvicorn (no access log). uvicorn with h11 costs
~600 µs per call more, so one core saturates near 1,200 calls/s: below what C=100 at 50 ms
needs (2,000 calls/s), which would make the *server* the bottleneck of the wall-time table.

(``python -m zonos_async.testing serve``, the fake's own CLI, is ``run.py --server fake-cli``. It
binds a socket created without ``proto=IPPROTO_TCP``, so asyncio skips ``TCP_NODELAY``; uvicorn
writes the status line and the body in two sends, and Nagle + the client's delayed ACK add
~40 ms to every answer after the first on a connection. It also logs every request.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from benchmarks._common import FIXTURES, HEADERS, ORDER_DETAIL_PATH, detail_body, order_ids

__all__ = ["main"]

_LENGTH: Final = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_MAX_HEAD: Final = 64 * 1024
_REASONS: Final = {200: "OK", 400: "Bad Request", 404: "Not Found", 406: "Not Acceptable"}

Answer = Callable[[str, str, dict[str, str], bytes], bytes | None]
"""(method, path, headers, body) -> the whole HTTP response, or None to drop the connection."""


def _response(status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _fixture_answers() -> Answer:
    json_type = [("Content-Type", "application/json;charset=UTF-8")]
    canned = {
        "/v2/orderDetail": _response(
            200, json_type, (FIXTURES / "orderDetail-response-full.json").read_bytes()
        ),
        "/v1/orderNumbers": _response(
            200, json_type, (FIXTURES / "orderNumbers-response-statuses.json").read_bytes()
        ),
    }
    missing = _response(404, json_type, b'{"error":"no such endpoint"}')
    return lambda method, path, headers, body: canned.get(path, missing)


def _fake_answers(
    orders: int, seed: int, days: float, story: tuple[datetime, int, int] | None = None
) -> Answer:
    from zonos_async.testing import FakeClock, FakeZonos, FaultDecision

    if story is None:
        fake = FakeZonos.seeded(orders=orders, seed=seed, days=days, clock=FakeClock(ticking=True))
    else:  # the sync's follow-up: a frozen clock, so two servers hold the same orders
        fake = FakeZonos.seeded(orders=orders, seed=seed, days=days, clock=FakeClock(story[0]))
        _settle(fake, open_orders=story[1], changed=story[2])
    no_fault = FaultDecision()

    def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes | None:
        got = fake.respond(method, path, headers, body, no_fault)
        if got is None:
            return None
        fake.calls.clear()  # the fake keeps a call log; a long run must not grow it unbounded
        return _response(got.status, list(got.headers.items()), got.body)

    return answer


def _settle(fake: Any, open_orders: int, changed: int) -> None:
    """Every order final but the newest ``open_orders``; then ``changed`` of those cancelled."""
    query = {"store": fake.store, "secret": fake.secret, "sinceDate": "20000101", "statuses": 1}
    listed = fake.handle("POST", "/v1/orderNumbers", HEADERS, json.dumps(query).encode())
    status = {order["id"]: order["orderStatus"] for order in listed.json()["orders"]}
    ids = fake.order_ids()
    final = ("VENDOR_END_OF_DAY_COMPLETE", "IGLOBAL_ORDER_CANCELLED")
    cut = max(0, len(ids) - open_orders)
    for order_id in ids[:cut]:
        if status[order_id] not in final:
            fake.set_status(order_id, "VENDOR_END_OF_DAY_COMPLETE")
    for order_id in ids[cut:]:
        if status[order_id] in final:
            fake.set_status(order_id, "IGLOBAL_ORDER_IN_PROCESS")
    step = max(1, (len(ids) - cut) // changed) if changed else 0
    for order_id in ids[cut::step][:changed] if changed else ():
        fake.set_status(order_id, "IGLOBAL_ORDER_CANCELLED")


def _memoized_reads(answer: Answer, orders: int) -> Answer:
    """Serve each distinct ``orderDetail`` request's answer from memory after the first."""
    memo: dict[tuple[str, str], bytes] = {}
    headers = {name.lower(): value for name, value in HEADERS.items()}

    def key(path: str, body: bytes) -> tuple[str, str] | None:
        if path != ORDER_DETAIL_PATH:
            return None
        try:
            return path, json.dumps(json.loads(body), sort_keys=True)
        except ValueError:
            return None

    def memoized(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes | None:
        at = key(path, body) if method == "POST" else None
        if at is not None and (known := memo.get(at)) is not None:
            return known
        got = answer(method, path, headers, body)
        if at is not None and got is not None and got.startswith(b"HTTP/1.1 200 "):
            memo[at] = got
        return got

    for order_id in order_ids(orders, orders):
        memoized("POST", ORDER_DETAIL_PATH, headers, detail_body(order_id))
    return memoized


class _Connection(asyncio.Protocol):
    def __init__(self, answer: Answer, latency: float) -> None:
        self._answer = answer
        self._latency = latency
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _MAX_HEAD:
                    self._transport.close()
                return
            head = self._buffer[:end]
            match = _LENGTH.search(head)
            total = end + 4 + (int(match.group(1)) if match else 0)
            if len(self._buffer) < total:
                return
            body, self._buffer = self._buffer[end + 4 : total], self._buffer[total:]
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _ = [*request_line.split(" ", 2), "", ""][:3]
            headers: dict[str, str] = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if self._latency > 0:
                asyncio.get_running_loop().call_later(
                    self._latency, self._respond, method, path, headers, body
                )
            else:
                self._respond(method, path, headers, body)

    def _respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        if self._transport is None:
            return
        answer = self._answer(method, path, headers, body)
        if answer is None:
            self._transport.close()
        else:
            self._transport.write(answer)


async def _serve_raw(host: str, port: int, answer: Answer, latency: float) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    server = await loop.create_server(
        lambda: _Connection(answer, latency), host, port, backlog=1024
    )
    async with server:
        await stop.wait()


def _serve_uvicorn(host: str, port: int, orders: int, seed: int, latency: float) -> None:
    import uvicorn

    from zonos_async.testing import FakeClock, FakeZonos, Faults

    fake = FakeZonos.seeded(
        orders=orders,
        seed=seed,
        clock=FakeClock(ticking=True),
        faults=Faults(latency=latency) if latency else None,
    )
    config = uvicorn.Config(
        fake.asgi_app, host=host, port=port, lifespan="on", log_level="warning",
        access_log=False, timeout_graceful_shutdown=1,
    )  # fmt: skip
    uvicorn.Server(config).run()  # binds host:port itself, so TCP_NODELAY is set


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--days", type=float, default=60.0, help="orders placed over these days")
    parser.add_argument("--http", choices=("raw", "uvicorn"), default="raw")
    parser.add_argument("--answers", choices=("fake", "fixture"), default="fake")
    parser.add_argument("--memo-reads", action="store_true", help="see the module docstring")
    parser.add_argument(
        "--settle", metavar="NOW,OPEN,CHANGED",
        help="the sync's follow-up: a frozen clock at NOW (ISO), every order final but the "
        "newest OPEN, and CHANGED of those cancelled",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the benchmark serves loopback only")
    latency = args.latency_ms / 1000
    if args.http == "uvicorn":
        if args.answers != "fake":
            parser.error("--http uvicorn serves the fake's ASGI app only")
        _serve_uvicorn(args.host, args.port, args.orders, args.seed, latency)
        return
    if args.answers == "fake":
        story = None
        if args.settle:
            now, open_orders, changed = args.settle.split(",")
            story = (datetime.fromisoformat(now), int(open_orders), int(changed))
        answer = _fake_answers(args.orders, args.seed, args.days, story)
    else:
        answer = _fixture_answers()
    if args.memo_reads:
        answer = _memoized_reads(answer, args.orders)
    asyncio.run(_serve_raw(args.host, args.port, answer, latency))


if __name__ == "__main__":
    main()
