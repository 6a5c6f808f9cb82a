"""The default path under asyncio: HTTP/1.1 keep-alive POSTs on asyncio's own transports.

Zonos needs one thing from HTTP: POST a small JSON body to one origin and read
the answer. A general client pays for much more on every call (URL objects,
header multidicts, cookie jars, redirect and proxy machinery, a task per
request): aiohttp's share alone was 155 µs per call, and with it a session
reached only 1.24x the latency bound at C=100, where the same steps on a bare
asyncio protocol reached 1.08x (``benchmarks/``, issue 5). So this module speaks
just the HTTP/1.1 a JSON API needs, and says no to the rest:

- responses framed by ``Content-Length``, ``Transfer-Encoding: chunked`` or the
  end of the connection; ``1xx`` answers skipped; gzip bodies decompressed;
- one idle pool per backend (the session's origin); a connection goes back to
  it only after a whole answer was read, so a cancelled or failed call never
  hands a half-read connection to the next one;
- no pool queue: the session's limiter never lets more calls in than
  ``max_connections``;
- TLS as httpx sets it up (``httpx.create_ssl_context()``); no proxies (the
  session sends through httpx when the environment names one).
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

import httpx

from ._backends import RawResponse, TransportFailure

__all__ = ["NativeBackend"]

MAX_HEAD_BYTES: Final = 64 * 1024
"""The status line and headers of an answer may not be longer than this."""

_BODYLESS: Final = frozenset({204, 304})


class _ProtocolError(Exception):
    """The server's bytes are not an HTTP/1.1 answer we can read."""


class _Answer:
    """Reads one HTTP/1.1 response from the bytes fed to it, in as many pieces as they come."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.keep_alive = True
        self.until_close = False  # the body ends when the server closes the connection
        self._buffer = bytearray()
        self._head_done = False
        self._remaining = 0  # Content-Length bytes still expected
        self._chunked = False
        self._chunk_left = -1  # -1: a chunk-size line is next; -2: the trailer is next
        self._body = bytearray()
        self.done = False

    def feed(self, data: bytes) -> bytes:
        """Take bytes; return any that arrived after the end of this answer."""
        self._buffer += data
        while not self.done:
            if not self._head_done:
                if not self._read_head():
                    return b""
            elif self._chunked:
                if not self._read_chunks():
                    return b""
            elif self.until_close:
                self._body += self._buffer
                self._buffer.clear()
                return b""
            else:
                take = min(self._remaining, len(self._buffer))
                self._body += self._buffer[:take]
                del self._buffer[:take]
                self._remaining -= take
                if self._remaining:
                    return b""
                self.done = True
        extra = bytes(self._buffer)
        self._buffer.clear()
        return extra

    def eof(self) -> None:
        """The server closed the connection: the end of a close-delimited body, else an error."""
        if self.done:
            return
        if self._head_done and self.until_close:
            self.done = True
            return
        where = "a body" if self._head_done else "the answer's head"
        raise _ProtocolError(f"the server closed the connection in the middle of {where}")

    def body(self) -> bytes:
        encoding = self.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("identity", ""):
            return bytes(self._body)
        if encoding in ("gzip", "x-gzip", "deflate"):
            try:  # wbits 47: a gzip or a zlib header, whichever it is
                return zlib.decompress(self._body, 47)
            except zlib.error as exc:
                raise _ProtocolError(f"a {encoding} body that does not decompress: {exc}") from None
        raise _ProtocolError(f"an answer in an encoding we did not ask for: {encoding!r}")

    def _read_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise _ProtocolError(f"an answer head longer than {MAX_HEAD_BYTES} bytes")
            return False
        lines = self._buffer[:end].decode("latin-1").split("\r\n")
        del self._buffer[: end + 4]
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit() or rest[3:4] not in ("", " "):
            raise _ProtocolError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise _ProtocolError(f"a malformed header line: {line[:80]!r}")
            key, value = name.lower(), value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        status = int(code)
        if status < 200:  # 100 Continue and friends: the real answer follows
            return True
        self.status, self.headers, self._head_done = status, headers, True
        connection = headers.get("connection", "").lower()
        self.keep_alive = (
            "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection
        )
        if status in _BODYLESS:
            self.done = True
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self._chunked = True
        elif "content-length" in headers:
            length = headers["content-length"]
            if not length.isdigit():
                raise _ProtocolError(f"a bad Content-Length: {length[:40]!r}")
            self._remaining = int(length)
            self.done = self._remaining == 0
        else:
            self.until_close, self.keep_alive = True, False
        return True

    def _read_chunks(self) -> bool:
        while True:
            if self._chunk_left >= 0:
                take = min(self._chunk_left, len(self._buffer))
                self._body += self._buffer[:take]
                del self._buffer[:take]
                self._chunk_left -= take
                if self._chunk_left or len(self._buffer) < 2:
                    return False
                if self._buffer[:2] != b"\r\n":
                    raise _ProtocolError("a chunk that does not end with CRLF")
                del self._buffer[:2]
                self._chunk_left = -1
            end = self._buffer.find(b"\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEAD_BYTES:
                    raise _ProtocolError("a chunk-size or trailer line that never ends")
                return False
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 2]
            if self._chunk_left == -2:  # trailer lines, ended by an empty one
                if not line:
                    self.done = True
                    return True
                continue
            size = line.split(b";", 1)[0].strip()
            try:
                self._chunk_left = int(size, 16)
            except ValueError:
                raise _ProtocolError(f"a bad chunk size: {size[:20]!r}") from None
            if self._chunk_left == 0:
                self._chunk_left = -2


class _Connection(asyncio.Protocol):
    """One keep-alive connection; at most one request on it at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self._answer: _Answer | None = None
        self._waiter: asyncio.Future[_Answer] | None = None
        self._read_timeout: float | None = None
        self._last_data = 0.0
        self._timer: asyncio.TimerHandle | None = None

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def exchange(self, request: bytes, read_timeout: float | None) -> asyncio.Future[_Answer]:
        """Send one request; the future holds its whole answer."""
        assert self.transport is not None
        self._answer = _Answer()
        self._waiter = self._loop.create_future()
        self._read_timeout = read_timeout
        self._last_data = self._loop.time()
        if read_timeout is not None:
            self._timer = self._loop.call_at(self._last_data + read_timeout, self._check_timeout)
        self.transport.write(request)
        return self._waiter

    def data_received(self, data: bytes) -> None:
        answer = self._answer
        if answer is None:  # nothing asked: a server that talks out of turn is not reused
            self.close()
            return
        self._last_data = self._loop.time()
        try:
            extra = answer.feed(data)
        except _ProtocolError as exc:
            self._fail(exc)
            return
        if answer.done:
            if extra or not answer.keep_alive:
                answer.keep_alive = False
                self.close()
            self._finish(answer)

    def eof_received(self) -> bool:
        answer = self._answer
        if answer is not None:
            try:
                answer.eof()
            except _ProtocolError as exc:
                self._fail(exc)
                return False
            answer.keep_alive = False
            self._finish(answer)
        return False  # let asyncio close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self._answer is not None:
            reason = exc or _ProtocolError("the server closed the connection before answering")
            self._fail(reason)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def _check_timeout(self) -> None:
        assert self._read_timeout is not None
        due = self._last_data + self._read_timeout
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._check_timeout)
            return
        self._timer = None
        self._fail(TimeoutError(f"no bytes of the answer for {self._read_timeout:g} s"))
        self.close()

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
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        waiter, self._waiter, self._answer = self._waiter, None, None
        return waiter


class NativeBackend:
    """Posts to one origin over a small pool of asyncio keep-alive connections."""

    def __init__(self, limits: httpx.Limits, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        default_port = parts.port is None or parts.port == (443 if parts.scheme == "https" else 80)
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._host_header = host if default_port else f"{host}:{self._port}"
        self._ssl: ssl.SSLContext | None = (
            httpx.create_ssl_context() if parts.scheme == "https" else None
        )
        self._max_idle = limits.max_keepalive_connections
        self._keepalive_expiry = limits.keepalive_expiry
        self._idle: list[_Connection] = []
        self._closed = False
        self._heads: dict[tuple[str, tuple[tuple[str, str], ...]], bytes] = {}
        self._loop = asyncio.get_running_loop()

    async def post(
        self, url: str, content: bytes, headers: Mapping[str, str], timeout: httpx.Timeout
    ) -> RawResponse:
        request = self._head(url, headers) + b"%d\r\n\r\n" % len(content) + content
        connection = await self._checkout(timeout.connect)
        try:
            answer = await connection.exchange(request, timeout.read)
        except BaseException as exc:
            connection.close()  # a cancelled or failed exchange leaves the connection unusable
            if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
                raise TransportFailure(
                    timed_out=True, kind="ReadTimeout", detail=str(exc)
                ) from None
            if isinstance(exc, (OSError, _ProtocolError)):
                kind = "RemoteProtocolError" if isinstance(exc, _ProtocolError) else "ReadError"
                raise TransportFailure(timed_out=False, kind=kind, detail=str(exc)) from None
            raise
        try:
            body = answer.body()
        except _ProtocolError as exc:
            connection.close()
            raise TransportFailure(timed_out=False, kind="DecodingError", detail=str(exc)) from None
        if answer.keep_alive:
            self._checkin(connection)
        return RawResponse(answer.status, answer.headers, body)

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
                raise ValueError(f"this backend posts to {self._origin} only, not {url}")
            target = url[len(self._origin) :] or "/"
            lines = [f"POST {target} HTTP/1.1", f"Host: {self._host_header}"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            lines += ["Accept-Encoding: gzip", "Content-Length: "]
            head = self._heads[key] = "\r\n".join(lines).encode("latin-1")
        return head

    async def _checkout(self, connect_timeout: float | None) -> _Connection:
        now = self._loop.time()
        expiry = self._keepalive_expiry
        while self._idle:
            connection = self._idle.pop()
            if connection.usable and (expiry is None or now - connection.idle_since < expiry):
                return connection
            connection.close()
        connecting = self._loop.create_connection(
            lambda: _Connection(self._loop),
            self._host,
            self._port,
            ssl=self._ssl,
            server_hostname=self._host if self._ssl else None,
        )
        try:
            _, connection = await asyncio.wait_for(connecting, connect_timeout)
        except asyncio.TimeoutError as exc:  # TimeoutError itself from Python 3.11 on
            raise TransportFailure(
                timed_out=True, kind="ConnectTimeout", detail=str(exc) or "connect timed out"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise TransportFailure(timed_out=False, kind="ConnectError", detail=str(exc)) from None
        return connection

    def _checkin(self, connection: _Connection) -> None:
        if (
            self._closed
            or not connection.usable
            or (self._max_idle is not None and len(self._idle) >= self._max_idle)
        ):
            connection.close()
            return
        connection.idle_since = self._loop.time()
        self._idle.append(connection)
