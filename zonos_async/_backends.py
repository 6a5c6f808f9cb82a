"""How a session moves bytes through httpx, httpcore2 or aiohttp (the native client: _native).

The session only needs "POST these bytes, give me status, headers and body".
httpx is the public seam (``client=``, ``transport=``, respx, ``MockTransport``),
but its default transport (httpcore 1.0.9) costs several times aiohttp's CPU per
call under concurrency, and its pool does O(n²) bookkeeping (encode/httpx#3215).
So a session that was given neither a client nor a transport posts through the
native client under asyncio (``_native.py``), and through httpcore2's pool (the
maintained fork's) under trio when the ``trio`` extra installed it; aiohttp is
there on request (``http_backend="aiohttp"``); everything else goes through httpx.
All raise the library's own transport errors, so callers never see which ran.
"""

from __future__ import annotations

import sys
import urllib.request
from collections.abc import Mapping
from typing import Protocol

import httpcore
import httpx
from attrs import frozen

__all__ = [
    "AiohttpBackend",
    "Backend",
    "Httpcore2Backend",
    "HttpxBackend",
    "RawResponse",
    "TransportFailure",
    "environment_proxy",
    "httpx_is_mocked",
    "running_under_trio",
]


@frozen
class RawResponse:
    """An answer before the protocol reads it. ``headers`` looks keys up case-insensitively."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


class Backend(Protocol):
    async def post(
        self, url: str, content: bytes, headers: Mapping[str, str], timeout: httpx.Timeout
    ) -> RawResponse: ...

    async def aclose(self) -> None: ...


class TransportFailure(Exception):
    """No answer arrived; the session turns this into a ``ZonosTransportError``.

    Raised instead of the underlying library's error, which may carry the
    request (and so the secret in its body).
    """

    def __init__(self, *, timed_out: bool, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.timed_out = timed_out
        self.kind = kind
        self.detail = detail

    @classmethod
    def of(cls, exc: BaseException, *, timed_out: bool) -> TransportFailure:
        """The failure for a client library's error: its class name and text, not the error."""
        return cls(timed_out=timed_out, kind=type(exc).__name__, detail=str(exc))


class HttpxBackend:
    """Posts through an ``httpx.AsyncClient``: the caller's own, or one made from a transport."""

    def __init__(self, client: httpx.AsyncClient, *, owned: bool) -> None:
        self.client = client
        self._owned = owned

    async def post(
        self, url: str, content: bytes, headers: Mapping[str, str], timeout: httpx.Timeout
    ) -> RawResponse:
        request = self.client.build_request(
            "POST", url, content=content, headers=headers, timeout=timeout
        )
        try:
            response = await self.client.send(request)
        except httpx.TimeoutException as exc:
            raise TransportFailure.of(exc, timed_out=True) from None
        except httpx.TransportError as exc:
            raise TransportFailure.of(exc, timed_out=False) from None
        return RawResponse(response.status_code, response.headers, response.content)

    async def aclose(self) -> None:
        if self._owned:
            await self.client.aclose()


class AiohttpBackend:
    """Posts through one ``aiohttp.ClientSession``; asyncio only. Made inside the running loop."""

    def __init__(self, limits: httpx.Limits, base_url: str) -> None:
        # aiohttp is asyncio's own; on 3.10 its timeouts are asyncio.TimeoutError.
        import asyncio

        import aiohttp

        self._asyncio_timeout = asyncio.TimeoutError

        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0,
            limit_per_host=0,
            keepalive_timeout=limits.keepalive_expiry or 15.0,
        )
        self._aiohttp = aiohttp
        # Proxies from the environment, as httpx honours them, looked up once: aiohttp's
        # trust_env=True repeats the lookup on every request (measured: 2x the CPU per call).
        self._proxy = environment_proxy(base_url)
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        self._session = aiohttp.ClientSession(
            connector=connector, auto_decompress=True, raise_for_status=False
        )

    async def post(
        self, url: str, content: bytes, headers: Mapping[str, str], timeout: httpx.Timeout
    ) -> RawResponse:
        aiohttp = self._aiohttp
        key = (timeout.pool, timeout.connect, timeout.read)
        client_timeout = self._timeouts.get(key)
        if client_timeout is None:
            client_timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None,
                connect=timeout.pool,
                sock_connect=timeout.connect,
                sock_read=timeout.read,
            )
        try:
            async with self._session.post(
                url,
                data=content,
                headers=headers,
                timeout=client_timeout,
                allow_redirects=False,
                proxy=self._proxy,
            ) as response:
                body = await response.read()
                return RawResponse(response.status, response.headers, body)
        except (aiohttp.ServerTimeoutError, TimeoutError, self._asyncio_timeout) as exc:
            raise TransportFailure.of(exc, timed_out=True) from None
        except aiohttp.ClientError as exc:
            raise TransportFailure.of(exc, timed_out=False) from None

    async def aclose(self) -> None:
        await self._session.close()


class Httpcore2Backend:
    """Posts through one ``httpcore2`` pool, no httpx client on top; trio and asyncio."""

    def __init__(self, limits: httpx.Limits, base_url: str) -> None:
        import httpcore2

        proxy = environment_proxy(base_url)
        self._pool: httpcore2.AsyncConnectionPool
        if proxy:
            self._pool = httpcore2.AsyncHTTPProxy(
                proxy_url=proxy,
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
            )
        else:
            self._pool = httpcore2.AsyncConnectionPool(
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
            )
        self._timed_out = httpcore2.TimeoutException
        self._failed = (httpcore2.NetworkError, httpcore2.ProtocolError, httpcore2.ProxyError)

    async def post(
        self, url: str, content: bytes, headers: Mapping[str, str], timeout: httpx.Timeout
    ) -> RawResponse:
        extensions = {
            "timeout": {
                "connect": timeout.connect,
                "read": timeout.read,
                "write": timeout.write,
                "pool": timeout.pool,
            }
        }
        try:
            response = await self._pool.request(
                "POST", url, headers=list(headers.items()), content=content, extensions=extensions
            )
        except self._timed_out as exc:
            raise TransportFailure.of(exc, timed_out=True) from None
        except self._failed as exc:
            raise TransportFailure.of(exc, timed_out=False) from None
        # The protocol only looks headers up by their lower-case names.
        received = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in response.headers
        }
        return RawResponse(response.status, received, response.content)

    async def aclose(self) -> None:
        await self._pool.aclose()


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
    """Whether respx (or a similar tool) has patched httpx's default transport right now.

    A session on a non-httpx path then sends through httpx instead, so
    ``with respx.mock: ...`` catches its calls as it would any httpx client's.
    """
    return (
        httpcore.AsyncConnectionPool.handle_async_request is not _POOL_METHOD
        or httpx.AsyncHTTPTransport.handle_async_request is not _TRANSPORT_METHOD
    )
