"""The default transport: keep-alive POSTs on asyncio's transports or trio's streams.

A general client pays on every call for what Zonos never needs (URL objects,
cookie jars, redirects, a task per request): aiohttp's share alone was 155 µs a
call (``benchmarks/``). So the connection handling here is our own and
small, and every byte of an answer is framed by httptools, the binding of
llhttp (Node's parser, the one uvicorn uses); nothing here parses HTTP by hand.

- one idle pool for the session's origin; a connection goes back to it only
  after a whole answer, and is polled before reuse, so one the server closed
  (or talked on out of turn) is dropped before anything is written to it;
- no pool queue: the session's limiter never lets in more calls than
  ``max_connections``;
- heads bounded (:data:`MAX_HEAD_BYTES`), bodies bounded by :class:`BodyReader`;
- TLS as httpx sets it up (``httpx.create_ssl_context()``); no proxies (the
  session sends through httpx when the environment names one);
- under trio the same pool and framing on trio's streams (:class:`_TrioConnection`):
  reads are pulled there rather than pushed by a protocol.
"""

from __future__ import annotations

import asyncio
import math
import select
import ssl
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import httptools
import httpx

from ._transport import (
    BodyReader,
    RawResponse,
    TransportFailure,
    remember_connection,
    running_under_trio,
)

if TYPE_CHECKING:
    import trio

__all__ = ["MAX_HEAD_BYTES", "FastTransport"]

MAX_HEAD_BYTES: Final = 64 * 1024
"""The status line and headers of an answer may not be longer than this."""


class _Refused(Exception):
    """The server's bytes are not an answer we accept; the message says why."""


class _Answer:
    """httptools' callbacks for one response: status, headers, a bounded body."""

    def __init__(self, limit: int) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.limit = limit
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body: BodyReader | None = None
        self.head_bytes = 0
        self.done = False
        self.keep_alive = False
        self.until_close = False  # the body ends when the server closes the connection

    def feed(self, data: bytes) -> None:
        self.parser.feed_data(data)
        if self.body is None:  # still in the head after this piece, so all of it was head
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                raise _Refused(f"an answer head longer than {MAX_HEAD_BYTES:,} bytes")

    def on_message_begin(self) -> None:
        if self.done:
            raise _Refused("a second answer to one request")

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers = self.headers
        headers[key] = f"{headers[key]}, {text}" if key in headers else text

    def on_headers_complete(self) -> None:
        parser, headers = self.parser, self.headers
        status = parser.get_status_code()
        if status < 200:
            if status == 101 or status < 100:
                raise _Refused(f"a status we did not ask for: {status:03d}")
            self.headers = {}  # 100 Continue and friends: the real answer follows
            return
        if status > 599:
            raise _Refused(f"not an HTTP status: {status}")
        self.status = status
        self.keep_alive = parser.should_keep_alive()
        encoding = headers.get("transfer-encoding")
        if encoding is not None and encoding.strip().lower() != "chunked":
            raise _Refused(f"a transfer coding we do not speak: {encoding[:40]!r}")
        self.body = BodyReader(status, headers.get("content-encoding"), self.limit, headers)
        length = headers.get("content-length")
        self.body.announce(int(length) if length is not None else None)  # llhttp checked it
        self.until_close = length is None and encoding is None and status not in (204, 304)

    def on_body(self, data: bytes) -> None:
        assert self.body is not None
        self.body.feed(data)

    def on_message_complete(self) -> None:
        if self.body is not None:  # not the end of a 1xx
            self.done = True

    def eof(self) -> None:
        """The server closed: the end of a close-delimited body, else an error."""
        if self.done:
            return
        if self.until_close:
            self.done = True
            return
        where = "a body" if self.body is not None else "the answer's head"
        raise _Refused(f"the server closed the connection in the middle of {where}")

    def response(self) -> RawResponse:
        assert self.body is not None
        # The parser holds this object (its callbacks) and this object the parser: a cycle
        # that, left to the garbage collector, keeps the body's pieces alive until a full
        # collection (measured: the RSS of a long sync grew with the number of calls).
        del self.parser
        return RawResponse(self.status, self.headers, self.body.content())


class _Connection(asyncio.Protocol):
    """One keep-alive connection; at most one request on it at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self._poll: select.poll | None = None
        self._answer: _Answer | None = None
        self._waiter: asyncio.Future[_Answer] | None = None
        self._read_timeout: float | None = None
        self._last_data = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self.reusable = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and hasattr(select, "poll"):
            self._poll = select.poll()
            self._poll.register(sock.fileno(), select.POLLIN)

    def fresh(self) -> bool:
        """Open, and nothing (not even a FIN) waiting to be read: safe to write a request on."""
        if self.transport is None or self.transport.is_closing():
            return False
        return not (self._poll is not None and self._poll.poll(0))

    def exchange(
        self, request: bytes, limit: int, read_timeout: float | None
    ) -> asyncio.Future[_Answer]:
        """Send one request; the future holds its whole answer."""
        assert self.transport is not None
        self._answer = _Answer(limit)
        self._waiter = self._loop.create_future()
        self._read_timeout = read_timeout
        self._last_data = self._loop.time()
        if read_timeout is not None:
            # One timer per connection, re-armed when it fires, not one per request: at
            # C=100 a timer per request was a heap of hundreds of cancelled handles.
            due, timer = self._last_data + read_timeout, self._timer
            if timer is None or timer.when() > due:
                if timer is not None:
                    timer.cancel()
                self._timer = self._loop.call_at(due, self._check_timeout)
        self.transport.write(request)
        return self._waiter

    def data_received(self, data: bytes) -> None:
        answer = self._answer
        if answer is None:  # nothing asked: a server that talks out of turn is not reused
            self.close()
            return
        self._last_data = self._loop.time()
        try:
            answer.feed(data)
        except httptools.HttpParserUpgrade:
            self._fail(_Refused("an upgrade we did not ask for"))
            return
        except Exception as exc:  # any refusal, however the parser wraps it
            if not answer.done:
                self._fail(_refusal(exc))
                return
            self.reusable = False  # bytes after the answer: it is still the answer
        if answer.done:
            if not self.reusable or not answer.keep_alive:
                self.reusable = False
                self.close()
            self._finish(answer)

    def eof_received(self) -> bool:
        answer = self._answer
        if answer is not None:
            try:
                answer.eof()
            except _Refused as exc:
                self._fail(exc)
                return False
            self.reusable = False
            self._finish(answer)
        return False  # let asyncio close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self._answer is not None:
            self._fail(exc or _Refused("the server closed the connection before answering"))

    def close(self) -> None:
        self.reusable = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def _check_timeout(self) -> None:
        self._timer = None
        if self._answer is None or self._read_timeout is None:  # idle now: nothing to time
            return
        due = self._last_data + self._read_timeout
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._check_timeout)
            return
        self._fail(TimeoutError(f"no bytes of the answer for {self._read_timeout:g} s"))

    def _finish(self, answer: _Answer) -> None:
        waiter = self._settle()
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

    def _fail(self, exc: BaseException) -> None:
        waiter = self._settle()
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def _settle(self) -> asyncio.Future[_Answer] | None:
        waiter, self._waiter, self._answer = self._waiter, None, None
        return waiter


class _TrioConnection:
    """The same connection on trio's streams: reads pulled, rather than pushed by a protocol."""

    def __init__(self, stream: trio.abc.Stream, sock: trio.socket.SocketType) -> None:
        self._stream, self._socket = stream, sock
        self.idle_since = 0.0
        self.reusable = True
        self._poll: select.poll | None = None
        if hasattr(select, "poll"):
            self._poll = select.poll()
            self._poll.register(sock.fileno(), select.POLLIN)

    @property
    def transport(self) -> object | None:  # "open", as on the asyncio connection
        return self._socket if self._socket.fileno() >= 0 else None

    def fresh(self) -> bool:
        return self.transport is not None and not (self._poll is not None and self._poll.poll(0))

    async def exchange(self, request: bytes, limit: int, read_timeout: float | None) -> _Answer:
        import trio

        await self._stream.send_all(request)
        answer = _Answer(limit)
        silence = math.inf if read_timeout is None else read_timeout
        while True:
            with trio.move_on_after(silence) as scope:
                data = await self._stream.receive_some(65536)
            if scope.cancelled_caught:
                raise TimeoutError(f"no bytes of the answer for {read_timeout:g} s")
            if not data:
                answer.eof()
                self.reusable = False
                break
            try:
                answer.feed(bytes(data))
            except httptools.HttpParserUpgrade:
                raise _Refused("an upgrade we did not ask for") from None
            except Exception as exc:
                if not answer.done:
                    raise _refusal(exc) from None
                self.reusable = False  # bytes after the answer: it is still the answer
            if answer.done:
                break
        if not answer.keep_alive:
            self.reusable = False
        return answer

    def close(self) -> None:
        self.reusable = False
        self._socket.close()  # trio's close is synchronous, and wakes any task waiting on it


def _refusal(exc: Exception) -> Exception:
    """What the parser (or a callback under it) refused, as the error to report."""
    if isinstance(exc, (_Refused, TransportFailure)):
        return exc
    cause = exc.__cause__ or exc.__context__  # a callback's error, wrapped by httptools
    if isinstance(cause, (_Refused, TransportFailure)):
        return cause
    return _Refused(f"not an HTTP/1.1 answer ({type(exc).__name__}: {exc})")


class FastTransport:
    """Posts to one origin over a small pool of keep-alive connections (asyncio's or trio's)."""

    def __init__(self, limits: httpx.Limits, base_url: str, max_response_bytes: int) -> None:
        parts = urlsplit(base_url)
        https = parts.scheme == "https"
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if https else 80)
        host = f"[{self._host}]" if ":" in self._host else self._host
        default_port = parts.port is None or parts.port == (443 if https else 80)
        self._host_header = host if default_port else f"{host}:{self._port}"
        self._ssl: ssl.SSLContext | None = httpx.create_ssl_context() if https else None
        self._limit = max_response_bytes
        self._max_idle = limits.max_keepalive_connections
        self._keepalive_expiry = limits.keepalive_expiry
        self._idle: list[_Connection | _TrioConnection] = []
        self._closed = False
        self._heads: dict[tuple[str, tuple[tuple[str, str], ...]], bytes] = {}
        self._trio = running_under_trio()

    async def post(
        self, url: str, content: bytes, headers: Mapping[str, str], timeout: httpx.Timeout
    ) -> RawResponse:
        request = self._head(url, headers) + b"%d\r\n\r\n" % len(content) + content
        connection = await self._checkout(timeout.connect)
        if connection.transport is None:  # closed (or talked to) before we said anything
            raise TransportFailure(
                timed_out=False, kind="ConnectError", sent=False,
                detail="the server closed the connection before the request was sent",
            )  # fmt: skip
        failure: TransportFailure | None = None
        try:
            answer = await connection.exchange(request, self._limit, timeout.read)
            response = answer.response()
        except (TimeoutError, asyncio.TimeoutError) as exc:
            failure = TransportFailure(timed_out=True, kind="ReadTimeout", detail=str(exc))
        except TransportFailure as exc:
            failure = exc
        except _Refused as exc:
            failure = TransportFailure(timed_out=False, kind="RemoteProtocolError", detail=str(exc))
        except Exception as exc:  # OSError; trio's BrokenResourceError
            failure = TransportFailure(
                timed_out=False, kind="ReadError", detail=str(exc) or type(exc).__name__
            )
        except BaseException:
            connection.close()  # cancelled: it may hold half an answer
            raise
        if failure is not None:
            connection.close()
            raise failure.with_traceback(None)
        self._checkin(connection)
        remember_connection(connection.close)
        return response

    async def aclose(self) -> None:
        self._closed = True  # calls still in flight close their connections when they end
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _head(self, url: str, headers: Mapping[str, str]) -> bytes:
        """The request up to the Content-Length value; built once per URL and header set."""
        key = (url, tuple(headers.items()))
        head = self._heads.get(key)
        if head is None:
            if not url.startswith(self._origin):
                raise ValueError(f"this transport posts to {self._origin} only, not {url}")
            target = url[len(self._origin) :] or "/"
            lines = [f"POST {target} HTTP/1.1", f"Host: {self._host_header}"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            lines += ["Accept-Encoding: gzip", "Content-Length: "]
            head = self._heads[key] = "\r\n".join(lines).encode("latin-1")
        return head

    async def _checkout(self, connect_timeout: float | None) -> _Connection | _TrioConnection:
        now = time.monotonic()
        expiry = self._keepalive_expiry
        while self._idle:
            connection = self._idle.pop()
            if (expiry is None or now - connection.idle_since < expiry) and connection.fresh():
                return connection
            connection.close()
        failure: TransportFailure | None = None
        try:
            if self._trio:
                return await self._connect_trio(connect_timeout)
            loop = asyncio.get_running_loop()
            connecting = loop.create_connection(
                lambda: _Connection(loop),
                self._host,
                self._port,
                ssl=self._ssl,
                server_hostname=self._host if self._ssl else None,
            )
            _, connection = await asyncio.wait_for(connecting, connect_timeout)
        except (TimeoutError, asyncio.TimeoutError) as exc:
            detail = str(exc) or f"no connection within {connect_timeout} s"
            failure = TransportFailure(
                timed_out=True, kind="ConnectTimeout", detail=detail, sent=False
            )
        except Exception as exc:  # OSError, ssl.SSLError, trio's BrokenResourceError
            failure = TransportFailure(
                timed_out=False, kind="ConnectError", detail=str(exc) or type(exc).__name__,
                sent=False,
            )  # fmt: skip
        if failure is not None:
            raise failure
        return connection

    async def _connect_trio(self, connect_timeout: float | None) -> _TrioConnection:
        import trio

        timeout = math.inf if connect_timeout is None else connect_timeout
        with trio.move_on_after(timeout):
            tcp = await trio.open_tcp_stream(self._host, self._port)
            stream: trio.abc.Stream = tcp
            if self._ssl is not None:
                stream = trio.SSLStream(tcp, self._ssl, server_hostname=self._host)
                await stream.do_handshake()
            return _TrioConnection(stream, tcp.socket)
        raise TimeoutError(f"no connection within {connect_timeout} s") from None

    def _checkin(self, connection: _Connection | _TrioConnection) -> None:
        if (
            self._closed
            or not connection.reusable
            or connection.transport is None
            or (self._max_idle is not None and len(self._idle) >= self._max_idle)
        ):
            connection.close()
            return
        connection.idle_since = time.monotonic()
        self._idle.append(connection)
