"""Every way of moving bytes (native, aiohttp, httpx, httpcore2) over loopback HTTP to the fake."""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

import zonos_async
from zonos_async import OrderStatus, Session
from zonos_async.testing import FakeZonos, Faults

pytestmark = pytest.mark.asyncio

# httpcore2 needs Python 3.11: on 3.10 the package does not install it (trio uses httpx there).
NO_HTTPCORE2 = pytest.mark.skipif(
    importlib.util.find_spec("httpcore2") is None, reason="httpcore2 needs Python >= 3.11"
)
BACKENDS = ["native", "aiohttp", "httpx", pytest.param("httpcore2", marks=NO_HTTPCORE2)]


@asynccontextmanager
async def served() -> AsyncIterator[tuple[FakeZonos, str]]:
    # A context manager, not a fixture: the server's task group must exit in the task that
    # entered it, and pytest-asyncio runs fixture teardown in another.
    fake = FakeZonos.seeded(orders=50, seed=5)
    async with fake.serve() as base_url:
        yield fake, base_url


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_same_answers_either_way(backend: zonos_async.HttpBackendName) -> None:
    async with (
        served() as (fake, base_url),
        Session(
            fake.store, fake.secret, base_url=base_url, http_backend=backend, retry=None
        ) as zonos,
    ):
        assert f"via {backend.title()}Backend" in repr(zonos)
        first = fake.order_ids()[0]
        page = await zonos.order_numbers(since_order_id=first, statuses=True)
        assert list(page.ids) == fake.order_ids()[1:]
        order = await zonos.order_detail(page.ids[0])
        assert order.id == page.ids[0]
        fresh = fake.add_order()
        await zonos.update_merchant_order_id(fresh, "M-9")
        await zonos.update_vendor_order_status(fresh, OrderStatus.VENDOR_PREPARING_ORDER)
        assert fake.status_updates(fresh) == ["VENDOR_PREPARING_ORDER"]
        with pytest.raises(zonos_async.OrderNotFoundError):
            await zonos.order_detail("999-1")


async def test_auto_picks_the_native_client_under_asyncio() -> None:
    async with (
        served() as (fake, base_url),
        Session(fake.store, fake.secret, base_url=base_url) as zonos,
    ):
        assert "NativeBackend" in repr(zonos)
        await zonos.order_detail(fake.order_ids()[0])


async def test_auto_leaves_a_proxy_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with Session(999, FakeZonos().secret) as zonos:
        assert "via HttpxBackend" in repr(zonos)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize("backend", BACKENDS)
async def test_connection_refused(backend: zonos_async.HttpBackendName) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with Session(
        999, FakeZonos().secret, base_url=url, http_backend=backend, retry=None
    ) as zonos:
        with pytest.raises(zonos_async.ZonosConnectionError) as info:
            await zonos.order_detail(1)
    assert "orderDetail for 999-1" in str(info.value)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_read_timeout(backend: zonos_async.HttpBackendName) -> None:
    fake = FakeZonos.seeded(orders=3, faults=Faults(hang_rate=1.0, hang_seconds=30))
    async with fake.serve() as base_url, Session(
        fake.store, fake.secret, base_url=base_url, http_backend=backend, retry=None,
        timeout=httpx.Timeout(0.2, connect=2),
    ) as zonos:  # fmt: skip
        with pytest.raises(zonos_async.ZonosTimeoutError):
            await zonos.order_detail(fake.order_ids()[0])


@pytest.mark.parametrize(("drop", "truncate", "garbage"), [(1.0, 0, 0), (0, 1.0, 0), (0, 0, 1.0)])
@pytest.mark.parametrize("backend", BACKENDS)
async def test_broken_answers_are_typed(
    backend: zonos_async.HttpBackendName, drop: float, truncate: float, garbage: float
) -> None:
    faults = Faults(drop_rate=drop, truncate_rate=truncate, garbage_rate=garbage)
    fake = FakeZonos.seeded(orders=3, faults=faults)
    async with (
        fake.serve() as base_url,
        Session(
            fake.store, fake.secret, base_url=base_url, http_backend=backend, retry=None
        ) as zonos,
    ):
        with pytest.raises((zonos_async.ZonosConnectionError, zonos_async.ResponseParseError)):
            await zonos.order_detail(fake.order_ids()[0])
