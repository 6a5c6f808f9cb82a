"""Retries on the transport users get: the rules of ``test_retry.py``, over loopback HTTP.

``test_retry.py`` scripts each failure with respx, which runs the httpx transport. Here the
fake is served by uvicorn and the session has no ``client=`` or ``transport=``, so every
failure (5xx, 429, drops, hangs, cut and garbled bodies, "Could not process") reaches the
fast transport as real bytes on a real socket. Waits are not slept (``no_wait``); hangs last
one short read timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import anyio
import httpx
import pytest
from conftest import SECRET, STORE, free_port, no_wait

import zonos_async
from zonos_async import OrderStatus, RetryDetails, RetryPolicy, Session, SqlStore, sync
from zonos_async._fast import FastTransport
from zonos_async.testing import FakeClock, FakeZonos, FaultDecision, Faults
from zonos_async.testing._faults import FaultKind

pytestmark = pytest.mark.asyncio

FAST = RetryPolicy(attempts=4, deadline=10, wait_initial=0.001, wait_max=0.002, sleep=no_wait)
TIMEOUT = httpx.Timeout(0.2, connect=2)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


class Script(Faults):
    """Faults in a given order, one per call to any endpoint; then none."""

    def __init__(self, *decisions: FaultDecision) -> None:
        super().__init__()
        self.decisions = list(decisions)

    def decide(self, endpoint: str) -> FaultDecision:
        return self.decisions.pop(0) if self.decisions else FaultDecision()


def fault(kind: FaultKind, *, after: bool = False, status: int = 200) -> FaultDecision:
    return FaultDecision(kind=kind, after=after, status=status, hang_seconds=30)


@asynccontextmanager
async def served(
    *script: FaultDecision, retry: RetryPolicy = FAST, secret: str | None = None
) -> AsyncIterator[tuple[FakeZonos, Session, list[RetryDetails]]]:
    """The fake on loopback with ``script``'s faults, and a default session on it."""
    fake = FakeZonos.seeded(orders=5, seed=3, faults=Script(*script))
    retries: list[RetryDetails] = []
    async with fake.serve() as base_url, Session(
        fake.store, secret or fake.secret, base_url=base_url, retry=retry, timeout=TIMEOUT,
        on_retry=retries.append,
    ) as zonos:  # fmt: skip
        assert "via FastTransport" in repr(zonos)
        assert isinstance(zonos._backend, FastTransport)
        yield fake, zonos, retries


OTHER_SECRET = "00000000-0000-4000-8000-000000000000"

TRANSIENT = {  # a 429 is retried too: test_retry_after_is_honoured
    "500": (fault("error", status=500), zonos_async.ServerError),
    "502": (fault("error", status=502), zonos_async.ServerError),
    "503": (fault("error", status=503), zonos_async.ServerError),
    "drop-before": (fault("drop"), zonos_async.ZonosConnectionError),
    "drop-after": (fault("drop", after=True), zonos_async.ZonosConnectionError),
    "hang": (fault("hang"), zonos_async.ZonosTimeoutError),
    "truncated": (fault("truncate", after=True), zonos_async.ResponseParseError),
    "garbled": (fault("garbage"), zonos_async.ResponseParseError),
}


@pytest.mark.parametrize(("failure", "cls"), TRANSIENT.values(), ids=TRANSIENT.keys())
async def test_transient_failures_are_retried(failure: FaultDecision, cls: type) -> None:
    async with served(failure, failure) as (fake, zonos, retries):
        wanted = fake.order_ids()[0]
        order = await zonos.order_detail(wanted)
    assert order.id == wanted
    assert [r.attempt for r in retries] == [1, 2]
    assert all(r.endpoint == "orderDetail" and r.order_id == wanted for r in retries)
    assert all(type(r.error) is cls for r in retries), [r.error for r in retries]
    assert all(0 <= r.wait <= 0.002 and r.elapsed >= 0 for r in retries)


async def test_could_not_process_is_retried() -> None:
    async with served() as (fake, zonos, retries):
        fake.fail_next("orderDetail", 2)
        wanted = fake.order_ids()[0]
        assert (await zonos.order_detail(wanted)).id == wanted
    assert [type(r.error) for r in retries] == [zonos_async.ZonosProcessingError] * 2


@pytest.mark.parametrize(
    ("secret", "cls"),
    [
        (None, zonos_async.OrderNotFoundError),
        (OTHER_SECRET, zonos_async.InvalidCredentialsError),
    ],
    ids=["not-found", "bad-credentials"],
)
async def test_business_errors_are_not_retried(secret: str | None, cls: type) -> None:
    async with served(secret=secret) as (fake, zonos, retries):
        with pytest.raises(cls):
            await zonos.order_detail(f"{fake.store}-1")
    assert retries == []
    assert len(fake.calls) == 1


async def test_attempts_are_capped() -> None:
    async with served(*[fault("error", status=503)] * 10) as (fake, zonos, retries):
        with pytest.raises(zonos_async.ServerError):
            await zonos.order_numbers(since_order_id=1)
    assert len(retries) == FAST.attempts - 1
    assert len(fake.calls) == FAST.attempts


@pytest.mark.parametrize(("cap", "waited"), [(0.02, 0.02), (5.0, 1.0)], ids=["capped", "as-said"])
async def test_retry_after_is_honoured(cap: float, waited: float) -> None:
    # The fake's 429 says "Retry-After: 1"; the backoff alone would draw up to 50 s.
    policy = RetryPolicy(
        attempts=3, deadline=60, wait_initial=50, wait_max=50, retry_after_max=cap, sleep=no_wait
    )
    async with served(fault("error", status=429), retry=policy) as (fake, zonos, retries):
        await zonos.order_detail(fake.order_ids()[0])
    assert [r.wait for r in retries] == [waited]
    assert isinstance(retries[0].error, zonos_async.RateLimitedError)


async def test_deadline_bounds_the_whole_call() -> None:
    policy = RetryPolicy(attempts=50, deadline=0.3, wait_initial=0)
    hangs = [fault("hang")] * 50
    async with served(*hangs, retry=policy) as (fake, zonos, _):
        with anyio.fail_after(5):  # a hang guard, not a timing test
            with pytest.raises(zonos_async.ZonosTimeoutError):
                await zonos.order_detail(fake.order_ids()[0])


LOST_ANSWERS = {
    "dropped": fault("drop", after=True),
    "hung": fault("hang", after=True),
    "truncated": fault("truncate", after=True),
    "garbled": fault("garbage", after=True),
}


@pytest.mark.parametrize("lost", LOST_ANSWERS.values(), ids=LOST_ANSWERS.keys())
async def test_a_status_update_that_landed_is_replayed_not_applied_twice(
    lost: FaultDecision,
) -> None:
    async with served(lost) as (fake, zonos, retries):
        order_id = fake.add_order(status="IGLOBAL_ORDER_IN_PROCESS")
        result = await zonos.update_vendor_order_status(
            order_id, OrderStatus.VENDOR_PREPARING_ORDER
        )
    assert result.replayed is True
    assert fake.status_updates(order_id) == ["VENDOR_PREPARING_ORDER"]
    assert len(retries) == 1


@pytest.mark.parametrize("lost", LOST_ANSWERS.values(), ids=LOST_ANSWERS.keys())
async def test_a_merchant_id_that_landed_is_read_back_not_resent(lost: FaultDecision) -> None:
    async with served(lost) as (fake, zonos, _):
        order_id = fake.add_order()
        result = await zonos.update_merchant_order_id(order_id, "M-1")
    assert result.replayed is True
    assert fake.order_json(order_id)["merchantOrderId"] == "M-1"
    updates = [c for c in fake.calls if c.endpoint == "updateMerchantOrderId"]
    assert len(updates) == 1  # confirmed by an orderDetail read-back


@pytest.mark.parametrize("why", ["503-before", "could-not-process"])
async def test_updates_that_did_not_land_are_sent_again_once(why: str) -> None:
    script = [fault("error", status=503)] * 2 if why == "503-before" else []
    async with served(*script) as (fake, zonos, _):
        order_id = fake.add_order(status="IGLOBAL_ORDER_IN_PROCESS")
        if not script:
            fake.fail_next("updateVendorOrderStatus")
            fake.fail_next("updateMerchantOrderId")
        status = await zonos.update_vendor_order_status(
            order_id, OrderStatus.VENDOR_PREPARING_ORDER
        )
        merchant = await zonos.update_merchant_order_id(order_id, "M-1")
    assert (status.replayed, merchant.replayed) == (False, False)
    assert fake.status_updates(order_id) == ["VENDOR_PREPARING_ORDER"]
    assert fake.order_json(order_id)["merchantOrderId"] == "M-1"


async def test_a_refused_connection_is_not_sent_so_not_maybe_landed() -> None:
    retries: list[RetryDetails] = []
    url = f"http://127.0.0.1:{free_port()}"
    async with Session(STORE, SECRET, base_url=url, retry=FAST, on_retry=retries.append) as zonos:
        assert isinstance(zonos._backend, FastTransport)
        with pytest.raises(zonos_async.ZonosConnectionError) as info:
            await zonos.update_vendor_order_status(5, OrderStatus.VENDOR_SHIPMENT_READY)
    assert info.value.request_sent is False
    assert len(retries) == FAST.attempts - 1
    assert all(
        isinstance(r.error, zonos_async.ZonosConnectionError) and not r.error.request_sent
        for r in retries
    )


async def test_sync_over_http_under_drops_and_5xx_stores_every_order_once(
    tmp_path: Path,
) -> None:
    """The sync pipeline on the default transport (import_orders: ``test_fault_suite.py``)."""
    fake = FakeZonos.seeded(orders=120, seed=9, clock=FakeClock(NOW), now=NOW, days=10)
    policy = RetryPolicy(attempts=12, deadline=60, retry_after_max=0.01, sleep=no_wait)
    retries: list[RetryDetails] = []
    async with fake.serve() as base_url, Session(
        fake.store, fake.secret, base_url=base_url, retry=policy, timeout=TIMEOUT,
        on_retry=retries.append,
    ) as zonos, SqlStore.open(str(tmp_path / "orders.db")) as store:  # fmt: skip
        assert isinstance(zonos._backend, FastTransport)
        fake.faults = Faults(seed=9, error_rate=0.15, drop_rate=0.1)
        result = await sync(
            zonos, store, clock=fake.clock.now, since=(NOW - timedelta(days=11)).date()
        )
        fake.faults = None
    assert result.new == result.listed == 120
    assert len(retries) > 10  # the faults struck
    with sqlite3.connect(tmp_path / "orders.db") as db:
        stored = db.execute("select count(*), count(distinct order_id) from zonos_orders")
        assert stored.fetchall() == [(120, 120)]
