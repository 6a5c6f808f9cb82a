"""Both transports over loopback HTTP to the fake: the same answers, the same typed failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from conftest import SECRET, free_port

import zonos_async
from zonos_async import OrderStatus, Session
from zonos_async.testing import FakeZonos, Faults

pytestmark = pytest.mark.asyncio

TRANSPORTS = ["fast", "httpx"]


def options(kind: str) -> dict[str, Any]:
    """The fast transport is the default; the httpx one is what ``transport=`` gets."""
    return {"transport": httpx.AsyncHTTPTransport()} if kind == "httpx" else {}


@asynccontextmanager
async def served() -> AsyncIterator[tuple[FakeZonos, str]]:
    # A context manager, not a fixture: the server's task group must exit in the task that
    # entered it, and pytest-asyncio runs fixture teardown in another.
    fake = FakeZonos.seeded(orders=50, seed=5)
    async with fake.serve() as base_url:
        yield fake, base_url


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_the_same_answers_either_way(kind: str) -> None:
    async with (
        served() as (fake, base_url),
        Session(fake.store, fake.secret, base_url=base_url, retry=None, **options(kind)) as zonos,
    ):
        assert f"via {kind.title()}Transport" in repr(zonos)
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


async def test_a_proxy_in_the_environment_sends_https_through_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with Session(999, SECRET) as zonos:
        assert "via HttpxTransport" in repr(zonos)
    async with Session(999, SECRET, base_url="http://127.0.0.1:9") as zonos:
        assert "via FastTransport" in repr(zonos)  # plain http is loopback: never proxied


async def test_a_small_response_limit_is_the_sessions_own() -> None:
    async with served() as (fake, base_url):
        for kind in TRANSPORTS:
            async with Session(
                fake.store, fake.secret, base_url=base_url, retry=None,
                max_response_bytes=100, **options(kind),
            ) as zonos:  # fmt: skip
                with pytest.raises(zonos_async.ResponseTooLargeError) as info:
                    await zonos.order_detail(fake.order_ids()[0])
                assert info.value.limit == 100 and info.value.status_code == 200
                response = info.value.response  # the answer's head was read: it is shown
                assert response is not None and response.status_code == 200
                assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("limit", [0, -1, 1.5, True])
async def test_a_bad_response_limit_is_refused(limit: Any) -> None:
    with pytest.raises(zonos_async.InvalidRequestError):
        Session(999, SECRET, max_response_bytes=limit)


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_connection_refused(kind: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with Session(999, SECRET, base_url=url, retry=None, **options(kind)) as zonos:
        with pytest.raises(zonos_async.ZonosConnectionError) as info:
            await zonos.order_detail(1)
    assert "orderDetail for 999-1" in str(info.value)
    assert info.value.request_sent is False


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_read_timeout(kind: str) -> None:
    fake = FakeZonos.seeded(orders=3, faults=Faults(hang_rate=1.0, hang_seconds=30))
    async with fake.serve() as base_url, Session(
        fake.store, fake.secret, base_url=base_url, retry=None,
        timeout=httpx.Timeout(0.2, connect=2), **options(kind),
    ) as zonos:  # fmt: skip
        with pytest.raises(zonos_async.ZonosTimeoutError):
            await zonos.order_detail(fake.order_ids()[0])


@pytest.mark.parametrize(("drop", "truncate", "garbage"), [(1.0, 0, 0), (0, 1.0, 0), (0, 0, 1.0)])
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_broken_answers_are_typed(
    kind: str, drop: float, truncate: float, garbage: float
) -> None:
    faults = Faults(drop_rate=drop, truncate_rate=truncate, garbage_rate=garbage)
    fake = FakeZonos.seeded(orders=3, faults=faults)
    async with (
        fake.serve() as base_url,
        Session(fake.store, fake.secret, base_url=base_url, retry=None, **options(kind)) as zonos,
    ):
        with pytest.raises((zonos_async.ZonosConnectionError, zonos_async.ResponseParseError)):
            await zonos.order_detail(fake.order_ids()[0])
