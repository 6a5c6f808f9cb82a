"""The fast transport against a scripted server: framing, keep-alive, TLS, failures.

The hostile rows of issue 13 (both transports) are in ``test_hostile_server.py``.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
import trustme

from zonos_async._fast import FastTransport
from zonos_async._transport import TransportFailure

pytestmark = pytest.mark.asyncio

LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=5, keepalive_expiry=5.0)
TIMEOUT = httpx.Timeout(2.0)
LIMIT = 1024 * 1024
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}

Script = Callable[[bytes], list[bytes] | None]
"""The request's bytes -> the pieces to write back (each a separate write), or None: close."""
CLOSE = b""
"""As the last piece of a script's answer: close the connection after writing the rest."""


class Scripted:
    """A loopback server that answers every request with what the script says."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                pieces = self.script(request)
                if pieces is None:
                    break
                for piece in pieces:
                    if not piece:  # CLOSE
                        return
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.001)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def scripted(
    script: Script, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[Scripted, str]]:
    server = Scripted(script)
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=ssl_context)
    port = listening.sockets[0].getsockname()[1]
    scheme = "https" if ssl_context else "http"
    try:
        yield server, f"{scheme}://127.0.0.1:{port}"
    finally:
        listening.close()
        await listening.wait_closed()


def answer(body: bytes = b'{"ok":true}', *headers: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def post(backend: FastTransport, base_url: str, timeout: httpx.Timeout = TIMEOUT) -> bytes:
    raw = await backend.post(base_url + "/v1/x", b'{"a":1}', HEADERS, timeout)
    assert raw.status_code == 200
    return raw.content


async def test_keep_alive_reuses_one_connection_and_sends_a_proper_request() -> None:
    async with scripted(lambda r: [answer()]) as (server, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        for _ in range(5):
            assert await post(backend, url) == b'{"ok":true}'
        await backend.aclose()
    assert server.connections == 1
    first = server.requests[0].decode()
    assert first.startswith("POST /v1/x HTTP/1.1\r\n")
    assert f"Host: {url.removeprefix('http://')}\r\n" in first
    assert "Content-Type: application/json\r\n" in first
    assert "Content-Length: 7\r\n\r\n" in first
    assert first.endswith('{"a":1}')


async def test_an_answer_is_freed_when_taken_not_left_to_the_garbage_collector() -> None:
    # The parser and its callbacks refer to each other; left as a cycle, every answer's body
    # waited for a full collection (a long sync's memory grew with its number of calls).
    body = b'{"big":"' + b"x" * 100_000 + b'"}'
    async with scripted(lambda r: [answer(body)]) as (_, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        gc.collect()
        gc.disable()
        try:
            before = sum(1 for o in gc.get_objects() if type(o).__name__ == "_Answer")
            for _ in range(20):
                assert await post(backend, url) == body
            after = sum(1 for o in gc.get_objects() if type(o).__name__ == "_Answer")
        finally:
            gc.enable()
        await backend.aclose()
    assert after - before <= 1


@pytest.mark.parametrize(
    "pieces",
    [
        # one byte at a time
        [bytes([b]) for b in answer(b'{"n":12345}')],
        # chunked, with an extension and a trailer
        [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"4;ext=1\r\n",
            b'{"n"',
            b"\r\n7\r\n:12345}\r\n",
            b"0\r\nX-Trailer: 1\r\n\r\n",
        ],
        # a 100 Continue before the answer
        [b"HTTP/1.1 100 Continue\r\n\r\n", answer(b'{"n":12345}')],
    ],
    ids=["bytewise", "chunked", "continue"],
)
async def test_framing(pieces: list[bytes]) -> None:
    async with scripted(lambda r: pieces) as (server, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        assert await post(backend, url) == b'{"n":12345}'
        assert await post(backend, url) == b'{"n":12345}'  # and the connection is reusable
        await backend.aclose()
    assert server.connections == 1


async def test_gzip_bodies_are_decompressed() -> None:
    body = gzip.compress(b'{"zipped":true}')
    async with scripted(lambda r: [answer(body, "Content-Encoding: gzip")]) as (_, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        assert await post(backend, url) == b'{"zipped":true}'
        await backend.aclose()


@pytest.mark.parametrize(
    "pieces",
    [
        [answer(b"{}", "Connection: close")],
        [b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}"],
    ],
    ids=["connection-close", "http-1.0"],
)
async def test_answers_that_end_the_connection_are_not_reused(pieces: list[bytes]) -> None:
    async with scripted(lambda r: pieces) as (server, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        assert await post(backend, url) == b"{}"
        assert await post(backend, url) == b"{}"
        await backend.aclose()
    assert server.connections == 2


async def test_a_body_delimited_by_the_end_of_the_connection() -> None:
    pieces = [b"HTTP/1.1 200 OK\r\n\r\n", b'{"till":', b'"close"}', CLOSE]
    async with scripted(lambda r: pieces) as (server, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        assert await post(backend, url) == b'{"till":"close"}'
        assert await post(backend, url) == b'{"till":"close"}'
        await backend.aclose()
    assert server.connections == 2


@pytest.mark.parametrize(
    ("pieces", "kind"),
    [
        ([b"SMTP ready\r\n\r\n"], "RemoteProtocolError"),
        ([b"HTTP/1.1 200 OK\r\nBad header line\r\n\r\n"], "RemoteProtocolError"),
        ([b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"], "RemoteProtocolError"),
        ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"], "RemoteProtocolError"),
        ([b"HTTP/1.1 200 OK\r\n" + b"X-Long: " + b"a" * 70_000], "RemoteProtocolError"),
        ([answer(b"not gzip", "Content-Encoding: gzip")], "DecodingError"),
        ([answer(b"{}", "Content-Encoding: br")], "DecodingError"),
    ],
    ids=["not-http", "bad-header", "bad-length", "bad-chunk", "huge-head", "bad-gzip", "brotli"],
)
async def test_garbled_answers_fail_typed(pieces: list[bytes], kind: str) -> None:
    async with scripted(lambda r: pieces) as (_, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        with pytest.raises(TransportFailure) as info:
            await post(backend, url)
        assert info.value.kind == kind
        assert not info.value.timed_out
        await backend.aclose()


@pytest.mark.parametrize(
    ("then", "timed_out"), [([], True), ([CLOSE], False)], ids=["goes-quiet", "closes"]
)
async def test_an_answer_cut_short_fails_and_the_next_call_reconnects(
    then: list[bytes], timed_out: bool
) -> None:
    def script(request: bytes) -> list[bytes] | None:
        if len(server.requests) == 1:
            return [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", *then]
        return [answer()]

    async with scripted(script) as (server, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        with pytest.raises(TransportFailure) as info:
            await post(backend, url, httpx.Timeout(0.3))
        assert info.value.timed_out is timed_out
        assert info.value.sent  # written, and part of an answer came: it may have landed
        assert await post(backend, url) == b'{"ok":true}'
        await backend.aclose()
    assert server.connections == 2


async def test_the_server_closing_before_answering_is_a_connection_failure() -> None:
    async with scripted(lambda r: None) as (_, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        with pytest.raises(TransportFailure) as info:
            await post(backend, url)
        assert not info.value.timed_out
        await backend.aclose()


async def test_a_cancelled_call_never_hands_its_connection_on() -> None:
    # The first answer stops half-way (the rest never comes), so the cancel lands mid-answer
    # however slow the machine; the next request gets a whole answer.
    half = [b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", b'{"ok":']
    pieces = iter([half, [answer()]])
    asked = asyncio.Event()

    def script(request: bytes) -> list[bytes]:
        asked.set()
        return next(pieces)

    async with scripted(script) as (server, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        task = asyncio.ensure_future(post(backend, url))
        await asked.wait()
        await asyncio.sleep(0.02)  # the half answer is on its way or read
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await post(backend, url) == b'{"ok":true}'  # a fresh connection, whole answer
        await backend.aclose()
    assert server.connections == 2


async def test_idle_connections_expire() -> None:
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=5, keepalive_expiry=0.05)
    async with scripted(lambda r: [answer()]) as (server, url):
        backend = FastTransport(limits, url, LIMIT)
        await post(backend, url)
        await asyncio.sleep(0.1)
        await post(backend, url)
        await backend.aclose()
    assert server.connections == 2


async def test_connect_failures_are_typed() -> None:
    async with scripted(lambda r: [answer()]) as (_, url):
        pass  # closed again: nothing listens on that port now
    backend = FastTransport(LIMITS, url, LIMIT)
    with pytest.raises(TransportFailure) as info:
        await post(backend, url)
    assert info.value.kind == "ConnectError"
    assert info.value.sent is False  # a retry can never repeat what never left
    await backend.aclose()


async def test_tls_as_httpx_sets_it_up(monkeypatch: pytest.MonkeyPatch) -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    with authority.cert_pem.tempfile() as ca_file:
        monkeypatch.setenv("SSL_CERT_FILE", ca_file)
        async with scripted(lambda r: [answer()], server_context) as (server, url):
            backend = FastTransport(LIMITS, url, LIMIT)
            assert await post(backend, url) == b'{"ok":true}'
            assert await post(backend, url) == b'{"ok":true}'
            await backend.aclose()
            monkeypatch.delenv("SSL_CERT_FILE")
            untrusting = FastTransport(LIMITS, url, LIMIT)  # certifi's roots do not know our CA
            with pytest.raises(TransportFailure) as info:
                await post(untrusting, url)
            assert info.value.kind == "ConnectError"
            await untrusting.aclose()
    assert server.connections >= 1


async def test_a_call_that_ends_after_aclose_closes_its_connection() -> None:
    slow = [b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", b'{"ok":', b"true}"]
    async with scripted(lambda r: slow) as (_, url):
        backend = FastTransport(LIMITS, url, LIMIT)
        task = asyncio.ensure_future(post(backend, url))
        await asyncio.sleep(0.0015)
        await backend.aclose()
        assert await task == b'{"ok":true}'
        assert backend._idle == []  # not parked in a pool nobody will close
