"""The same session under asyncio and trio (anyio's pytest plugin runs both)."""

from __future__ import annotations

import httpx
import pytest
from conftest import SECRET, STORE, order_answer, raw

import zonos_async
from zonos_async import Session


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"], indirect=True)
async def test_runs_under_asyncio_and_trio(anyio_backend: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v2/orderDetail":
            return order_answer(request, "orderDetail-response-full.json")
        if path == "/v1/orderNumbers":
            return httpx.Response(200, content=raw("orderNumbers-response.json"))
        return httpx.Response(200, json={"error": "Invalid security credentials"})

    async with Session(STORE, SECRET, transport=httpx.MockTransport(handler)) as zonos:
        assert (await zonos.order_numbers(since_order_id=1)).total_count == 6
        assert (await zonos.order_detail(1)).grand_total is not None
        with pytest.raises(zonos_async.InvalidCredentialsError):
            await zonos.update_merchant_order_id(1, "m")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("anyio_backend", "expected"),
    [("asyncio", "FastTransport"), ("trio", "FastTransport")],
    indirect=["anyio_backend"],
)
async def test_the_default_transport_of_each_loop(anyio_backend: str, expected: str) -> None:
    async with Session(STORE, SECRET) as zonos:
        assert f"via {expected}" in repr(zonos)
    async with Session(STORE, SECRET, transport=httpx.MockTransport(order_answer)) as zonos:
        assert "via HttpxTransport" in repr(zonos)
