"""The one seam between a session and the network, and the choice of what sits behind it.

A session needs one thing from HTTP: POST a small JSON body to one origin, get
the status, headers and body back. Two transports do that:

- :class:`~zonos_async._fast.FastTransport`, the default: keep-alive
  connections on asyncio's transports or trio's streams, framed by httptools
  (llhttp);
- :class:`~zonos_async._httpx_transport.HttpxTransport`: everything httpx
  offers a caller (``client=``, ``transport=``, respx, ``MockTransport``,
  proxies).

Both read bodies through :class:`BodyReader`, so a response size limit holds
the same way on both, while reading and while decompressing, and both raise
only :class:`TransportFailure`, which holds no request and no body.
"""

from __future__ import annotations

import sys
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Final, Protocol

import httpcore
import httpx
from attrs import frozen

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "BodyReader",
    "RawResponse",
    "ResponseTooLarge",
    "Transport",
    "TransportFailure",
    "drop_last_connection",
    "environment_proxy",
    "httpx_is_mocked",
    "running_under_trio",
]

DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
"""64 MiB: an ``orderNumbers`` answer of ~280,000 orders with statuses (~230 B each)."""


@frozen
class RawResponse:
    """An answer before the protocol reads it; ``headers`` answers lower-case names."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


class Transport(Protocol):
    """POST bytes to the session's origin; chosen once, when the session opens."""

    async def post(
        self, url: str, content: bytes, headers: Mapping[str, str], timeout: httpx.Timeout
    ) -> RawResponse: ...

    async def aclose(self) -> None: ...


class TransportFailure(Exception):
    """No usable answer arrived; the session turns this into a ``ZonosError``.

    Built from the failing library's class name and text only (never raised
    while that error is being handled), so nothing reachable from it holds the
    request or its body. ``sent`` is False only when the request provably never
    left (a failed connect, a connection found dead before writing).
    """

    def __init__(self, *, timed_out: bool, kind: str, detail: str, sent: bool = True) -> None:
        super().__init__(f"{kind}: {detail}")
        self.timed_out = timed_out
        self.kind = kind
        self.detail = detail
        self.sent = sent


class ResponseTooLarge(TransportFailure):
    """The answer (announced, read, or decompressed) is larger than the session allows."""

    def __init__(
        self,
        *,
        status_code: int,
        limit: int,
        detail: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(timed_out=False, kind="ResponseTooLarge", detail=detail)
        self.status_code = status_code
        self.limit = limit
        self.headers: Mapping[str, str] = headers or {}


_STEP: Final = 64 * 1024


class BodyReader:
    """Collects a body piece by piece, decompressing gzip, never holding more than ``limit``."""

    __slots__ = (
        "_decompressor", "_encoding", "_headers", "_limit", "_parts", "_raw", "_size", "_status",
    )  # fmt: skip

    def __init__(
        self,
        status_code: int,
        content_encoding: str | None,
        limit: int,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        self._status, self._limit, self._encoding = status_code, limit, encoding
        self._headers = headers  # for the error, should the answer be too large
        self._parts: list[bytes] = []
        self._size = self._raw = 0
        self._decompressor: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            self._decompressor = zlib.decompressobj(47)  # a gzip or a zlib header
        elif encoding not in ("identity", ""):
            raise TransportFailure(
                timed_out=False, kind="DecodingError",
                detail=f"an answer in an encoding we did not ask for: {encoding[:40]!r}",
            )  # fmt: skip

    def announce(self, length: int | None) -> None:
        """Refuse a ``Content-Length`` over the limit before reading any of it."""
        if length is not None and length > self._limit:
            self._too_large(f"the answer announces {length:,} bytes")

    def feed(self, data: bytes) -> None:
        self._raw += len(data)
        if self._raw > self._limit:
            self._too_large("the answer is longer")
        if self._decompressor is None:
            self._take(data)
            return
        while True:  # in small steps: a bomb never gets far past the limit
            try:
                piece = self._decompressor.decompress(data, _STEP)
            except zlib.error as exc:
                self._bad_encoding(str(exc))
            self._take(piece)
            data = self._decompressor.unconsumed_tail
            if not data and len(piece) < _STEP:
                return

    def _take(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            self._too_large(f"the {self._encoding} answer is longer")
        if data:
            self._parts.append(data)

    def content(self) -> bytes:
        if self._decompressor is not None and not self._decompressor.eof:
            self._bad_encoding("the compressed data ends early")
        parts = self._parts
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _too_large(self, what: str) -> None:
        raise ResponseTooLarge(
            status_code=self._status,
            limit=self._limit,
            detail=f"{what} than the limit of {self._limit:,} bytes (max_response_bytes)",
            headers=self._headers,
        )

    def _bad_encoding(self, why: str) -> None:
        raise TransportFailure(
            timed_out=False, kind="DecodingError",
            detail=f"a {self._encoding} body that does not decompress: {why}",
        )  # fmt: skip


# --- Dropping the connection an unusable answer came on -----------------------------------------

_last_connection: ContextVar[Callable[[], None] | None] = ContextVar(
    "zonos_async_last_connection", default=None
)


def remember_connection(drop: Callable[[], None] | None) -> None:
    """A transport notes how to drop the connection of the answer it is returning."""
    _last_connection.set(drop)


def drop_last_connection() -> None:
    """Drop the connection the current task's last answer came on (a desynchronised one)."""
    drop = _last_connection.get()
    _last_connection.set(None)
    if drop is not None:
        drop()


# --- Choosing -----------------------------------------------------------------------------------


def environment_proxy(base_url: str) -> str | None:
    """The proxy ``$HTTPS_PROXY``/``$HTTP_PROXY`` names for ``base_url`` (``$NO_PROXY`` wins)."""
    url = httpx.URL(base_url)
    if urllib.request.proxy_bypass_environment(url.host):  # type: ignore[attr-defined]
        return None
    return urllib.request.getproxies_environment().get(url.scheme)


def running_under_trio() -> bool:
    """Whether the current task runs on trio (checked without importing asyncio or sniffio)."""
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return False
    return True


_POOL_METHOD = httpcore.AsyncConnectionPool.handle_async_request
_TRANSPORT_METHOD = httpx.AsyncHTTPTransport.handle_async_request


def httpx_is_mocked() -> bool:
    """Whether respx (or a similar tool) has patched httpx's default transport right now."""
    return (
        httpcore.AsyncConnectionPool.handle_async_request is not _POOL_METHOD
        or httpx.AsyncHTTPTransport.handle_async_request is not _TRANSPORT_METHOD
    )
