"""The fake over HTTP: in-memory transport, ASGI, uvicorn, the CLI, and injected faults."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from zonos_async.testing import DOC_SECRET, FakeZonos, Faults

BASE = "https://api.iglobalstores.com"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
JSON = {"Content-Type": "application/json", "Accept": "application/json"}
ON, OD2 = "/v1/orderNumbers", "/v2/orderDetail"
UMO, UVOS = "/v1/updateMerchantOrderId", "/v1/updateVendorOrderStatus"
REPO = Path(__file__).resolve().parents[2]

Outcome = tuple[int, str, Any]


def creds(**fields: object) -> dict[str, object]:
    return {"store": "999", "secret": DOC_SECRET, **fields}


def make_fake(faults: Faults | None = None) -> FakeZonos:
    fake = FakeZonos.seeded(orders=40, seed=3, now=NOW, faults=faults)
    fake.add_order(order_id=500000, placed_at=NOW)
    return fake


def in_memory(fake: FakeZonos, timeout: float | None = 5.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=fake.transport(), base_url=BASE, timeout=timeout)


async def scenario(http: httpx.AsyncClient) -> list[Outcome]:
    """A little of everything; returns (status, media type, JSON or None) per call."""
    outcomes: list[Outcome] = []

    async def send(
        path: str, body: dict[str, object], headers: dict[str, str] = JSON, method: str = "POST"
    ) -> None:
        response = await http.request(method, path, content=json.dumps(body), headers=headers)
        media = response.headers.get("content-type", "").split(";")[0]
        data = response.json() if media == "application/json" else None
        outcomes.append((response.status_code, media, data))

    await send(ON, creds(sinceDate="20261001", statuses=True))
    await send(ON, creds(missingMerchantOrderId=True))
    await send(OD2, creds(orderId="999-100010"))
    await send(UMO, creds(orderId="999-500000", merchantOrderId="M-1"))
    await send(UVOS, creds(orderId="500000", orderStatus="VENDOR_PREPARING_ORDER"))
    await send(UVOS, creds(orderId="500000", orderStatus="VENDOR_PREPARING_ORDER"))
    await send(OD2, creds(orderId=500000))
    await send(OD2, creds(orderId="nope"))
    await send(UVOS, {"store": 999, "secret": "wrong"})
    await send(ON, creds(sinceDate="20261001"), {**JSON, "Accept": "x/y"})
    await send(ON, creds(sinceDate="20261001"), {"Content-Type": "text/plain"})
    await send("/v2/orderNumbers", creds(sinceDate="20261001"))
    await send(ON, {}, method="GET")
    return outcomes


@pytest.mark.asyncio
async def test_transport_asgi_and_server_agree() -> None:
    via_transport, via_asgi, via_server = make_fake(), make_fake(), make_fake()
    async with in_memory(via_transport) as http:
        first = await scenario(http)
    asgi = httpx.ASGITransport(app=via_asgi.asgi_app)
    async with httpx.AsyncClient(transport=asgi, base_url=BASE) as http:
        second = await scenario(http)
    async with via_server.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=5) as http:
            third = await scenario(http)
    assert first == second == third
    statuses = [status for status, _, _ in first]
    assert statuses == [200, 200, 200, 200, 200, 200, 200, 400, 200, 406, 415, 404, 405]
    assert first[4][2] == {
        "success": "Updated Order: 500000 to new order status: VENDOR_PREPARING_ORDER"
    }
    assert first[6][2]["order"]["merchantOrderId"] == "M-1"
    for fake in (via_transport, via_asgi, via_server):
        assert fake.status_updates("999-500000") == ["VENDOR_PREPARING_ORDER"]
        assert [call.status for call in fake.calls] == statuses


@pytest.mark.asyncio
async def test_server_stops_on_exit() -> None:
    fake = make_fake()
    async with (
        fake.serve(port=0) as url,
        httpx.AsyncClient(base_url=url, trust_env=False) as http,
    ):
        response = await http.post(ON, json=creds(sinceDate="20000101"))
        assert response.json()["totalCount"] == 41
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=2) as http:
        with pytest.raises(httpx.ConnectError):
            await http.post(ON, json=creds(sinceDate="20000101"))


def test_transport_runs_under_trio() -> None:
    async def main() -> list[Outcome]:
        fake = make_fake(Faults(latency={"orderDetail": 0.001}))
        async with in_memory(fake) as http:
            return await scenario(http)

    async def reference() -> list[Outcome]:
        async with in_memory(make_fake()) as http:
            return await scenario(http)

    assert anyio.run(main, backend="trio") == anyio.run(reference, backend="asyncio")


# ---------------------------------------------------------------------------------------------
# Faults


def test_fault_decisions_are_seeded() -> None:
    def faults(seed: int) -> Faults:
        return Faults(
            seed=seed,
            error_rate=0.2,
            drop_rate=0.1,
            hang_rate=0.1,
            truncate_rate=0.1,
            garbage_rate=0.1,
            apply_after="either",
        )

    one, two, other = faults(9), faults(9), faults(10)
    endpoints = ["orderNumbers", "orderDetail", "updateVendorOrderStatus"] * 70
    first = [one.decide(endpoint) for endpoint in endpoints]
    assert first == [two.decide(endpoint) for endpoint in endpoints]
    assert first != [other.decide(endpoint) for endpoint in endpoints]
    one.reset()
    assert first == [one.decide(endpoint) for endpoint in endpoints]
    kinds = {decision.kind for decision in first}
    assert kinds == {"none", "error", "drop", "hang", "truncate", "garbage"}
    assert {decision.after for decision in first if decision.kind == "drop"} == {True, False}
    assert {d.status for d in first if d.kind == "error"} == {500, 502, 503, 429}
    assert all(d.after for d in first if d.kind == "truncate")


def test_fault_defaults_and_validation() -> None:
    decisions = [Faults(seed=1, error_rate=0.5, drop_rate=0.5).decide("x") for _ in range(1)]
    assert decisions[0].kind in {"error", "drop"}
    plain = Faults(seed=4, error_rate=0.3, drop_rate=0.3, hang_rate=0.2, garbage_rate=0.2)
    for _ in range(100):
        decision = plain.decide("orderDetail")
        assert decision.after is (decision.kind in {"drop", "hang", "garbage"})
    forced = Faults(seed=4, error_rate=0.5, drop_rate=0.5, apply_after=True)
    assert all(forced.decide("x").after for _ in range(20))
    assert Faults(latency={"orderDetail": 0.5}).latency_for("orderNumbers") == 0.0
    assert Faults(latency=0.25).latency_for("orderNumbers") == 0.25
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        Faults(error_rate=1.5)
    with pytest.raises(ValueError, match="more than 1"):
        Faults(error_rate=0.6, drop_rate=0.6)


async def outcomes_with(faults: Faults, calls: int) -> list[str]:
    fake = make_fake(faults)
    seen: list[str] = []
    async with in_memory(fake, timeout=0.01) as http:
        for index in range(calls):
            body = creds(orderId=f"999-{100021 + index}")  # half of them unknown
            try:
                response = await http.post(OD2, json=body)
            except httpx.TransportError as exc:
                seen.append(type(exc).__name__)
                continue
            try:
                response.json()
                seen.append(str(response.status_code))
            except ValueError:
                seen.append(f"{response.status_code}-unparseable")
    return seen


@pytest.mark.asyncio
async def test_same_seed_same_faults_end_to_end() -> None:
    def faults() -> Faults:
        return Faults(seed=21, error_rate=0.15, drop_rate=0.1, truncate_rate=0.1, garbage_rate=0.1)

    first = await outcomes_with(faults(), 40)
    assert first == await outcomes_with(faults(), 40)
    assert {"200", "400", "200-unparseable"} <= set(first)
    assert {"RemoteProtocolError", "ReadError"} & set(first)


@pytest.mark.asyncio
async def test_error_faults_strike_before_the_update() -> None:
    fake = make_fake(Faults(seed=2, error_rate=1.0))
    statuses = set()
    async with in_memory(fake) as http:
        for _ in range(12):
            body = creds(orderId="999-500000", orderStatus="VENDOR_PREPARING_ORDER")
            response = await http.post(UVOS, json=body)
            statuses.add(response.status_code)
            if response.status_code == 429:
                assert response.headers["retry-after"] == "1"
            assert response.headers["content-type"].startswith("text/html")
    assert statuses == {500, 502, 503, 429}
    assert fake.status_updates("999-500000") == []
    assert {call.fault for call in fake.calls} == {"error"}
    assert all(call.body and "secret" not in call.body for call in fake.calls)


@pytest.mark.asyncio
async def test_a_dropped_answer_after_the_update_landed() -> None:
    fake = make_fake(Faults(seed=3, drop_rate=1.0))
    body = creds(orderId="999-500000", orderStatus="VENDOR_SHIPMENT_READY")
    async with in_memory(fake) as http:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await http.post(UVOS, json=body)
        assert fake.status_updates("999-500000") == ["VENDOR_SHIPMENT_READY"]
        assert fake.calls[-1].fault == "drop"
        fake.faults = None
        retry = await http.post(UVOS, json=body)
    assert retry.json() == {
        "error": "OrderId: 999-500000 already has current status: VENDOR_SHIPMENT_READY"
    }
    assert fake.status_updates("999-500000") == ["VENDOR_SHIPMENT_READY"]


@pytest.mark.asyncio
async def test_a_drop_before_handling_changes_nothing() -> None:
    fake = make_fake(Faults(seed=3, drop_rate=1.0, apply_after=False))
    async with in_memory(fake) as http:
        with pytest.raises(httpx.TransportError):
            await http.post(UVOS, json=creds(orderId=500000, orderStatus="VENDOR_SHIPMENT_READY"))
    assert fake.status_updates(500000) == []
    assert fake.order_json(500000)["orderStatus"] == "IGLOBAL_ORDER_IN_PROCESS"


@pytest.mark.asyncio
async def test_truncated_and_garbage_answers() -> None:
    clean = make_fake()
    full = clean.handle("POST", OD2, JSON, json.dumps(creds(orderId=100005)).encode()).body
    for faults in (Faults(truncate_rate=1.0), Faults(garbage_rate=1.0)):
        fake = make_fake(faults)
        async with in_memory(fake) as http:
            response = await http.post(OD2, json=creds(orderId=100005))
        assert response.status_code == 200
        with pytest.raises(ValueError):
            response.json()
        if faults.truncate_rate:
            assert response.content == full[: len(full) // 2]
        else:
            assert response.headers["content-type"].startswith("text/html")
            assert response.content.startswith(b"<!DOCTYPE html>")


@pytest.mark.asyncio
async def test_a_hang_trips_the_client_timeout() -> None:
    body = creds(orderId="999-500000", orderStatus="VENDOR_LABELS_PRINTED_DATE")
    landed = make_fake(Faults(hang_rate=1.0))
    async with in_memory(landed, timeout=0.02) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.post(UVOS, json=body)
    assert landed.status_updates(500000) == ["VENDOR_LABELS_PRINTED_DATE"]

    lost = make_fake(Faults(hang_rate=1.0, apply_after=False))
    async with in_memory(lost, timeout=None) as http:
        with pytest.raises(TimeoutError):
            with anyio.fail_after(0.02):
                await http.post(UVOS, json=body)
    assert lost.status_updates(500000) == []


@pytest.mark.asyncio
async def test_latency_per_endpoint() -> None:
    fake = make_fake(Faults(latency={"orderNumbers": 30.0, "orderDetail": 0.001}))
    async with in_memory(fake, timeout=0.02) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.post(ON, json=creds(sinceDate="20000101"))
        response = await http.post(OD2, json=creds(orderId=500000))
    assert response.status_code == 200


@pytest.mark.asyncio
async def test_asgi_error_fault() -> None:
    fake = make_fake(Faults(seed=1, error_rate=1.0))
    transport = httpx.ASGITransport(app=fake.asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        response = await http.post(ON, json=creds(sinceDate="20000101"))
    assert response.status_code in {500, 502, 503, 429}


@pytest.mark.asyncio
async def test_served_drop_and_hang() -> None:
    fake = make_fake(Faults(seed=5, drop_rate=1.0))
    body = creds(orderId="999-500000", orderStatus="VENDOR_SHIPMENT_READY")
    async with (
        fake.serve() as url,
        httpx.AsyncClient(base_url=url, trust_env=False, timeout=0.3) as http,
    ):
        with pytest.raises(httpx.TransportError):
            await http.post(UVOS, json=body)
        assert fake.status_updates(500000) == ["VENDOR_SHIPMENT_READY"]
        fake.faults = Faults(hang_rate=1.0)
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            await http.post(ON, json=creds(sinceDate="20000101"))
        assert time.monotonic() - started < 3
        fake.faults = None
        response = await http.post(ON, json=creds(sinceDate="20000101"))
        assert response.status_code == 200


# ---------------------------------------------------------------------------------------------
# python -m zonos_async.testing serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def poll(check: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    with anyio.move_on_after(seconds):
        while True:
            try:
                if await check():
                    return True
            except httpx.TransportError:
                pass
            await anyio.sleep(0.05)
    return False


@pytest.mark.asyncio
async def test_cli_serves() -> None:
    port = free_port()
    secret = "cli-secret-1"
    command = [
        sys.executable,
        "-m",
        "zonos_async.testing",
        "serve",
        "--port",
        str(port),
        "--orders",
        "25",
        "--seed",
        "4",
        "--store",
        "321",
        "--secret",
        secret,
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(  # noqa: ASYNC220 - short-lived, stopped below
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        answers: list[dict[str, Any]] = []
        async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=1) as http:

            async def ready() -> bool:
                body = {"store": 321, "secret": secret, "sinceDate": "20000101"}
                response = await http.post(ON, json=body)
                answers.append(response.json())
                return response.status_code == 200

            assert await poll(ready, 10), "the CLI server did not answer"
        assert answers[-1]["totalCount"] == 25
        assert answers[-1]["orders"][0]["id"] == "321-100001"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}" in output
    assert f"secret={secret}" in output  # the fake's own, printed for the client to send


def test_serve_refuses_trio_clearly() -> None:
    async def main() -> None:
        async with make_fake().serve():
            pass  # pragma: no cover - never reached

    with pytest.raises(RuntimeError, match="needs asyncio"):
        anyio.run(main, backend="trio")
