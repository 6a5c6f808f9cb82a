# ruff: noqa: E501
"""A hostile or broken server, on loopback raw sockets, against both transports.

Each row of issue 13's table (and connect refused, TLS failure, a bad port, a reset
mid-body) against the default (fast) transport and the httpx one: only ``ZonosError``
subclasses come out, nothing reachable from them holds the secret or the request body,
memory stays bounded, and the session's pool still works after each.
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import httpx
import pytest
import respx
import trustme
from conftest import SECRET, STORE, load

import zonos_async
from zonos_async import Session
from zonos_async._httpx_transport import HttpxTransport

TRANSPORTS = ["fast", "httpx"]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every row under both loops: the fast transport has a connection for each."""
    return str(request.param)


LIMIT = 4 * 1024 * 1024  # max_response_bytes in the memory rows


class Peer:
    """One accepted connection, as a script sees it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = b""

    def request(self) -> bytes | None:
        """The next request's body (tests may parse crudely; the package may not)."""
        while b"\r\n\r\n" not in self._buffer:
            data = self.sock.recv(65536)
            if not data:
                return None
            self._buffer += data
        head, _, rest = self._buffer.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        while len(rest) < length:
            data = self.sock.recv(65536)
            if not data:
                return None
            rest += data
        self._buffer = rest[length:]
        return rest[:length]

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)


Script = Callable[[Peer, int], bool]
"""(peer, number of the request on the whole server) -> keep the connection open?"""


def order_json(order_id: str) -> bytes:
    data = load("orderDetail-response-minimal.json")
    data["order"]["orderId"] = order_id
    return json.dumps(data, default=str).encode()


def answer(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def echo(peer: Peer, body: bytes) -> None:
    peer.send(answer(order_json(json.loads(body)["orderId"])))


class Hostile:
    """A loopback server: for each request, ``script`` decides; a thread per connection."""

    def __init__(
        self,
        script: Script,
        on_accept: Callable[[Peer, int], bool] | None = None,
        tls: ssl.SSLContext | None = None,
    ):
        self.script = script
        self.tls = tls
        self.on_accept = on_accept
        self.connections = 0
        self.requests = 0
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._stopped = False

    def start(self) -> None:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stopped = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        if self.tls is not None:
            try:
                sock = self.tls.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError):
                sock.close()
                return
        peer = Peer(sock)
        with self._lock:
            number = self.connections
            self.connections += 1
        try:
            if self.on_accept is not None and not self.on_accept(peer, number):
                return
            while True:
                body = peer.request()
                if body is None:
                    return
                with self._lock:
                    n = self.requests
                    self.requests += 1
                    self.bodies.append(body)
                if not self.script(peer, n):
                    return
        except OSError:
            pass
        finally:
            sock.close()


@contextmanager
def hostile(
    script: Script, on_accept: Callable[[Peer, int], bool] | None = None
) -> Iterator[Hostile]:
    server = Hostile(script, on_accept)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def session(kind: str, url: str, **options: Any) -> AsyncIterator[Session]:
    if kind == "httpx":
        options["transport"] = httpx.AsyncHTTPTransport()
    options.setdefault("retry", None)
    options.setdefault("timeout", httpx.Timeout(2.0))
    async with Session(STORE, SECRET, base_url=url, **options) as zonos:
        expected = "FastTransport" if kind == "fast" else "HttpxTransport"
        assert f"via {expected}" in repr(zonos)
        yield zonos


def secret_free(error: BaseException, body: bytes | None = None) -> None:
    """Walk everything reachable from ``error``: no secret, no request body anywhere."""
    needles: list[Any] = [SECRET, SECRET.encode()]
    if body:
        needles.append(body)
    seen: set[int] = set()
    stack: list[tuple[Any, str]] = [(error, "error")]
    while stack:
        obj, path = stack.pop()
        if id(obj) in seen or obj is None:
            continue
        seen.add(id(obj))
        if isinstance(obj, (str, bytes, bytearray, memoryview)):
            data = bytes(obj) if not isinstance(obj, str) else obj
            for needle in needles:
                if type(needle) is type(data) and needle in data:
                    raise AssertionError(f"the secret or the request body is at {path}")
            continue
        if isinstance(obj, (int, float, bool, type)) or (
            callable(obj) and not hasattr(obj, "__dict__")
        ):
            continue
        if isinstance(obj, BaseException):
            stack += [
                (obj.__cause__, path + ".__cause__"),
                (obj.__context__, path + ".__context__"),
            ]
            stack += [(a, f"{path}.args[{i}]") for i, a in enumerate(obj.args)]
        if isinstance(obj, dict):
            stack += [(k, f"{path}[key]") for k in obj]
            stack += [(v, f"{path}[{k!r}]") for k, v in obj.items()]
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack += [(v, f"{path}[{i}]") for i, v in enumerate(obj)]
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack += [(v, f"{path}.{k}") for k, v in vars(obj).items()]
        for slot in getattr(type(obj), "__slots__", ()):
            if isinstance(slot, str) and hasattr(obj, slot):
                stack.append((getattr(obj, slot), f"{path}.{slot}"))


async def fails_typed(
    zonos: Session,
    server: Hostile | None,
    expected: type[BaseException] | tuple[type[BaseException], ...],
    settle: float = 0.05,
) -> BaseException:
    """The first call fails with ``expected`` (a ZonosError); the next one works."""
    with anyio.fail_after(10):
        with pytest.raises(zonos_async.ZonosError) as info:
            await zonos.order_detail("999-41")
    assert isinstance(info.value, expected), repr(info.value)
    body = server.bodies[0] if server is not None and server.bodies else None
    secret_free(info.value, body)
    if server is not None:
        await anyio.sleep(settle)  # whatever the server closed, it has closed by now
        with anyio.fail_after(10):
            assert (await zonos.order_detail("999-42")).id == "999-42"  # the pool still works
    return info.value


@contextmanager
def serving(
    bad: Callable[[Peer], bool], on_accept: Callable[[Peer, int], bool] | None = None
) -> Iterator[Hostile]:
    holder: list[Hostile] = []

    def script(peer: Peer, n: int) -> bool:
        if n == 0:
            return bad(peer)
        echo(peer, holder[0].bodies[-1])
        return True

    with hostile(script, on_accept) as server:
        holder.append(server)
        yield server


def sends(data: bytes, *, close: bool = True) -> Callable[[Peer], bool]:
    def bad(peer: Peer) -> bool:
        peer.send(data)
        return not close

    return bad


# --- The rows ---------------------------------------------------------------------------------

GARBLED = {
    "content-length-superscript": "HTTP/1.1 200 OK\r\nContent-Length: ²\r\n\r\n{}".encode(),
    "status-superscript": "HTTP/1.1 2²0 OK\r\nContent-Length: 2\r\n\r\n{}".encode(),
    "content-length-4301-digits": b"HTTP/1.1 200 OK\r\nContent-Length: "
    + b"9" * 4301
    + b"\r\n\r\n{}",
    "chunk-size-negative": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n",
    "chunk-size-0x": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x10\r\n"
    + b"{}" * 8
    + b"\r\n0\r\n\r\n",
    "chunk-size-underscore": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1_0\r\n"
    + b"{}" * 8
    + b"\r\n0\r\n\r\n",
    "chunk-size-plus": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+8\r\n{}{}{}{}\r\n0\r\n\r\n",
    "transfer-encoding-notchunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: notchunked\r\n\r\n{}",
    "nul-in-header": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\n{}",
    "bare-lf-in-header": b"HTTP/1.1 200 OK\r\nX-A: b\nContent-Length: 2\r\n\r\n{}",
    "status-000": b"HTTP/1.1 000 OK\r\nContent-Length: 2\r\n\r\n{}",
    "unrequested-101": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
    "not-http": b"SMTP ready\r\n\r\n",
    "bad-gzip": answer(b"not gzip at all", "Content-Encoding: gzip"),
    "brotli": answer(b"{}", "Content-Encoding: br"),
}


# h11 (under httpx) reads a bare LF as a line end, and takes an answer sent before the request
# as its answer: typed all the same, once the body turns out not to be an order.
LENIENT_H11 = (zonos_async.ZonosConnectionError, zonos_async.ResponseParseError)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
@pytest.mark.parametrize("name", GARBLED)
async def test_garbled_answers_are_refused_typed(kind: str, name: str) -> None:
    lenient = kind == "httpx" and name == "bare-lf-in-header"
    with serving(sends(GARBLED[name])) as server:
        async with session(kind, server.url) as zonos:
            refused = LENIENT_H11 if lenient else zonos_async.ZonosConnectionError
            await fails_typed(zonos, server, refused)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
@pytest.mark.parametrize(
    "talks", [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"], ids=["closes", "talks"]
)
async def test_a_server_that_closes_or_talks_right_after_accepting(kind: str, talks: bytes) -> None:
    def on_accept(peer: Peer, number: int) -> bool:
        if number == 0:
            if talks:
                peer.send(talks)
                time.sleep(0.01)
            return False
        return True

    with serving(lambda peer: False, on_accept) as server:
        server.requests = 1  # no request is bad: the first connection is
        async with session(kind, server.url) as zonos:
            lenient = bool(talks)  # an answer before the request: taken for its answer by both
            refused = LENIENT_H11 if lenient else zonos_async.ZonosConnectionError
            await fails_typed(zonos, server, refused, settle=0.2)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_reset_in_the_middle_of_a_body(kind: str) -> None:
    def bad(peer: Peer) -> bool:
        peer.send(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"order":')
        peer.sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )
        return False

    with serving(bad) as server:
        async with session(kind, server.url) as zonos:
            error = await fails_typed(zonos, server, zonos_async.ZonosConnectionError)
            assert error.request_sent  # type: ignore[attr-defined]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_connection_refused_is_typed_and_not_sent(kind: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    async with session(kind, url) as zonos:
        error = await fails_typed(zonos, None, zonos_async.ZonosConnectionError)
    assert error.request_sent is False  # type: ignore[attr-defined]
    verdict = zonos_async._retry.classify(error)  # type: ignore[arg-type]
    assert verdict.retry and not verdict.maybe_landed


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_tls_failure_is_typed(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    authority = trustme.CA()  # a CA nobody trusts
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]

    def accept() -> None:
        try:
            sock, _ = listener.accept()
            with context.wrap_socket(sock, server_side=True):
                pass
        except (OSError, ssl.SSLError):
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        options = {"transport": httpx.AsyncHTTPTransport()} if kind == "httpx" else {}
        async with Session(
            STORE, SECRET, base_url=f"https://127.0.0.1:{port}", retry=None, **options
        ) as zonos:
            error = await fails_typed(zonos, None, zonos_async.ZonosConnectionError)
        assert error.request_sent is False  # type: ignore[attr-defined]
    finally:
        listener.close()


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_tls_works_and_keeps_its_connection(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    holder: list[Hostile] = []

    def good(peer: Peer, n: int) -> bool:
        echo(peer, holder[0].bodies[-1])
        return True

    server = Hostile(good, tls=context)
    holder.append(server)
    server.start()
    try:
        with authority.cert_pem.tempfile() as ca_file:
            monkeypatch.setenv("SSL_CERT_FILE", ca_file)
            options = {"transport": httpx.AsyncHTTPTransport()} if kind == "httpx" else {}
            async with Session(STORE, SECRET, base_url=server.url, retry=None, **options) as zonos:
                for n in (1, 2, 3):
                    assert (await zonos.order_detail(n)).id == f"999-{n}"
    finally:
        server.stop()
    assert server.connections == 1


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:99999", "http://127.0.0.1:0", "http://127.0.0.1:x"]
)
def test_a_bad_port_is_refused_before_anything_is_sent(url: str) -> None:
    with pytest.raises(zonos_async.InvalidRequestError):
        Session(STORE, SECRET, base_url=url)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_pooled_connection_the_server_closed_is_not_reused(kind: str) -> None:
    holder: list[Hostile] = []

    def answer_then_close(peer: Peer, n: int) -> bool:
        echo(peer, holder[0].bodies[-1])  # keep-alive by the headers, but closed at once
        return False

    with hostile(answer_then_close) as server:
        holder.append(server)
        async with session(kind, server.url) as zonos:
            for n in range(20):
                await anyio.sleep(0.01)  # the FIN is queued before the next call
                assert (await zonos.order_detail(n + 1)).id == f"999-{n + 1}"
    assert server.connections == 20


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_stale_second_answer_is_caught_and_its_connection_dropped(kind: str) -> None:
    holder: list[Hostile] = []

    def desynchronised(peer: Peer, n: int) -> bool:
        if n == 1:  # on the reused connection: someone else's answer first, then the real one
            peer.send(answer(order_json("999-666")))
            time.sleep(0.05)
        echo(peer, holder[0].bodies[-1])
        return True

    with hostile(desynchronised) as server:
        holder.append(server)
        async with session(kind, server.url) as zonos:
            assert (await zonos.order_detail("999-1")).id == "999-1"
            with pytest.raises(zonos_async.OrderMismatchError) as info:
                await zonos.order_detail("999-2")
            assert (info.value.requested, info.value.received) == ("999-2", "999-666")
            assert info.value.response is not None and info.value.response.status_code == 200
            secret_free(info.value, server.bodies[1])
            await anyio.sleep(0.1)
            assert (await zonos.order_detail("999-3")).id == "999-3"
    assert server.connections == 2  # the out-of-step connection was dropped


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_mismatch_is_retried_on_a_fresh_connection(kind: str) -> None:
    holder: list[Hostile] = []

    def desynchronised(peer: Peer, n: int) -> bool:
        if n == 0:
            peer.send(answer(order_json("999-666")))
            return False
        echo(peer, holder[0].bodies[-1])
        return True

    with hostile(desynchronised) as server:
        holder.append(server)
        policy = zonos_async.RetryPolicy(wait_initial=0.001)
        async with session(kind, server.url, retry=policy) as zonos:
            assert (await zonos.order_detail("999-7")).id == "999-7"


# --- Memory -----------------------------------------------------------------------------------


def chunked_forever(peer: Peer) -> bool:
    peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    for _ in range(512 * 16):  # up to 512 MB, until the client hangs up
        peer.send(piece)
    return False


def gzip_bomb(peer: Peer) -> bool:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    peer.send(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(1024):  # 1 GiB decompressed, ~1 MB on the wire, until the client hangs up
        data = compressor.compress(zeros)
        if data:
            peer.send(b"%x\r\n%s\r\n" % (len(data), data))
    return False


def announces_10_gib(peer: Peer) -> bool:
    peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n{" % (10 * 1024**3))
    time.sleep(0.5)
    return False


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
@pytest.mark.parametrize(
    "bad", [chunked_forever, gzip_bomb, announces_10_gib], ids=lambda f: f.__name__
)
async def test_an_answer_over_the_limit_is_refused_without_reading_it_whole(
    kind: str, bad: Callable[[Peer], bool]
) -> None:
    with serving(bad) as server:
        async with session(kind, server.url, max_response_bytes=LIMIT) as zonos:
            tracemalloc.start()
            try:
                error = await fails_typed(zonos, None, zonos_async.ResponseTooLargeError)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            assert error.limit == LIMIT  # type: ignore[attr-defined]
            assert peak < 2 * LIMIT, f"peak {peak:,} bytes"  # measured: 1.1x to 1.4x
            assert (await zonos.order_detail("999-42")).id == "999-42"


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_gzip_answer_within_the_limit_is_read(kind: str) -> None:
    holder: list[Hostile] = []

    def zipped(peer: Peer, n: int) -> bool:
        body = gzip.compress(order_json(json.loads(holder[0].bodies[-1])["orderId"]))
        peer.send(answer(body, "Content-Encoding: gzip"))
        return True

    with hostile(zipped) as server:
        holder.append(server)
        async with session(kind, server.url) as zonos:
            assert (await zonos.order_detail("999-5")).id == "999-5"


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_long_head_fed_byte_by_byte_never_blocks_the_loop(kind: str) -> None:
    def trickle(peer: Peer) -> bool:
        peer.send(b"HTTP/1.1 200 OK\r\n")
        line = b"X-Pad: " + b"a" * 1000 + b"\r\n"
        for _ in range(70):  # ~70 KB of head, more than the 64 KB allowed
            for byte in line:
                peer.send(bytes([byte]))
        peer.send(b"Content-Length: 2\r\n\r\n{}")
        return False

    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await anyio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    with serving(trickle) as server:
        async with (
            session(kind, server.url, timeout=httpx.Timeout(10.0)) as zonos,
            anyio.create_task_group() as tasks,
        ):
            tasks.start_soon(ticker)
            with pytest.raises(zonos_async.ZonosError), anyio.fail_after(30):
                await zonos.order_detail("999-41")
            tasks.cancel_scope.cancel()
    assert max(gaps) < 0.5, f"the event loop was blocked for {max(gaps):.2f} s"


# --- Secrets ----------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_an_echoed_secret_is_reachable_from_no_error(kind: str) -> None:
    def echo_body(peer: Peer) -> bool:
        body = bytes(holder[0].bodies[0])
        peer.send(answer(body, status="502 Bad Gateway"))  # a proxy that echoes the request
        return True

    holder: list[Hostile] = []
    with serving(echo_body) as server:
        holder.append(server)
        async with session(kind, server.url) as zonos:
            await fails_typed(zonos, server, zonos_async.ServerError)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"], indirect=True)
async def test_plain_http_never_goes_through_a_proxy(
    anyio_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxied: list[bytes] = []

    def proxy(peer: Peer, n: int) -> bool:
        proxied.append(b"seen")
        return False

    holder: list[Hostile] = []

    def good(peer: Peer, n: int) -> bool:
        echo(peer, holder[0].bodies[-1])
        return True

    with hostile(proxy) as proxy_server, hostile(good) as server:
        holder.append(server)
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy_server.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        async with Session(STORE, SECRET, base_url=server.url, retry=None) as zonos:
            assert (await zonos.order_detail("999-9")).id == "999-9"
        # The session's own httpx client (respx, or an https proxy) ignores them for http too.
        own = HttpxTransport.of(
            None, base_url=server.url, timeout=httpx.Timeout(2.0),
            limits=zonos_async.DEFAULT_LIMITS, max_response_bytes=LIMIT,
        )  # fmt: skip
        body = json.dumps({"store": "999", "secret": SECRET, "orderId": "999-8"}).encode()
        raw = await own.post(server.url + "/v2/orderDetail", body, {}, httpx.Timeout(2.0))
        await own.aclose()
        assert json.loads(raw.content)["order"]["orderId"] == "999-8"
    assert proxied == [] and proxy_server.connections == 0


@pytest.mark.anyio
async def test_a_secret_in_the_transport_s_own_error_text_reaches_no_part_of_the_error() -> None:
    # The transport's failure text is redacted into the message; the failure itself must
    # not ride along as __context__ either.
    with respx.mock(base_url="https://api.iglobalstores.com") as mock:
        mock.post("/v2/orderDetail").mock(side_effect=httpx.ConnectError(f"refused {SECRET}"))
        async with Session(STORE, SECRET, retry=None) as zonos:
            with pytest.raises(zonos_async.ZonosConnectionError) as info:
                await zonos.order_detail("999-41")
    assert "[secret]" in str(info.value)
    secret_free(info.value)
