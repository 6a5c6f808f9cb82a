"""examples/webapp.py and examples/fastapi_app.py, driven through httpx's ASGI transport.

Every test runs against both apps (the ``create_app`` fixture): the Starlette one and its FastAPI
twin, which shares the shop logic and differs in how the session reaches the route. The app's
lifespan is entered by hand (``app.router.lifespan_context``) because ``httpx.ASGITransport``
does not run it; the session factory is swapped for one that talks to ``FakeZonos`` in memory,
which is the override point both examples offer.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest

import zonos_async
from zonos_async import OrderStatus
from zonos_async.testing import FakeClock, FakeZonos, Faults

pytestmark = pytest.mark.asyncio

EXAMPLES = Path(__file__).parents[2] / "examples"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def _load_example(name: str) -> ModuleType:
    """``examples/<name>.py`` as the module ``name`` (the FastAPI app imports ``webapp``)."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


webapp = _load_example("webapp")
fastapi_app = _load_example("fastapi_app")

AppFactory = Callable[[Callable[[], zonos_async.Session]], Any]


@pytest.fixture(params=["starlette", "fastapi"])
def create_app(request: pytest.FixtureRequest) -> AppFactory:
    """The example app's ``create_app``: Starlette's, then FastAPI's."""
    module = webapp if request.param == "starlette" else fastapi_app
    factory: AppFactory = module.create_app
    return factory


@pytest.fixture
def fake() -> FakeZonos:
    return FakeZonos(clock=FakeClock(NOW))


# --8<-- [start:harness]
def on_fake(fake: FakeZonos, **options: object) -> Callable[[], zonos_async.Session]:
    """A session factory for the app: the fake's transport, and no retries unless asked."""
    options.setdefault("retry", None)

    def factory() -> zonos_async.Session:
        return zonos_async.Session(
            fake.store,
            fake.secret,
            transport=fake.transport(),
            **options,  # type: ignore[arg-type]
        )

    return factory


@asynccontextmanager
async def running(app: object) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan entered, and a client that talks to it in memory."""
    async with (
        app.router.lifespan_context(app),  # type: ignore[attr-defined]
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
            base_url="https://shop.example",
        ) as client,
    ):
        yield client


# --8<-- [end:harness]


def endpoints(fake: FakeZonos) -> list[str]:
    return [call.endpoint for call in fake.calls]


async def test_in_process_order_is_imported_and_numbered(
    fake: FakeZonos, create_app: AppFactory
) -> None:
    order_id = fake.add_order(status="IGLOBAL_ORDER_IN_PROCESS")
    app = create_app(on_fake(fake))
    async with running(app) as client:
        response = await client.get("/thank-you", params={"orderId": order_id})
        again = await client.get("/thank-you", params={"orderId": order_id})

    assert response.status_code == 200
    assert f"Your order {order_id} is confirmed." in response.text
    shop = app.state.shop
    number = shop.imported[order_id]
    assert fake.order_json(order_id)["merchantOrderId"] == number
    assert again.status_code == 200
    assert shop.imported == {order_id: number}  # a reload imports nothing twice
    # The reload read the order but did not push the merchant id again.
    assert endpoints(fake) == ["orderDetail", "updateMerchantOrderId", "orderDetail"]


async def test_short_and_full_order_ids_are_the_same_order(
    fake: FakeZonos, create_app: AppFactory
) -> None:
    order_id = fake.add_order()
    app = create_app(on_fake(fake))
    async with running(app) as client:
        response = await client.get("/thank-you", params={"orderId": order_id.split("-")[1]})
    assert response.status_code == 200
    assert list(app.state.shop.imported) == [order_id]


async def test_fraud_review_is_held_then_imported_by_the_poller(
    fake: FakeZonos, create_app: AppFactory
) -> None:
    order_id = fake.add_order(status="IGLOBAL_FRAUD_REVIEW")
    app = create_app(on_fake(fake))
    shop = app.state.shop
    async with running(app) as client:
        response = await client.get("/thank-you", params={"orderId": order_id})
        assert response.status_code == 200
        assert "is being reviewed" in response.text
        assert shop.held == {order_id: "IGLOBAL_FRAUD_REVIEW"}
        assert shop.to_poll == {order_id}
        assert shop.imported == {}
        assert fake.order_json(order_id)["merchantOrderId"] is None

        await webapp.poll_held_orders(app.state.zonos, shop)  # still in review: no change
        assert shop.to_poll == {order_id}

        fake.set_status(order_id, "IGLOBAL_ORDER_IN_PROCESS")  # Zonos releases it
        await webapp.poll_held_orders(app.state.zonos, shop)

    assert shop.to_poll == set()
    assert shop.held == {}
    assert fake.order_json(order_id)["merchantOrderId"] == shop.imported[order_id]


async def test_fraud_review_that_zonos_cancels_stops_polling(
    fake: FakeZonos, create_app: AppFactory
) -> None:
    order_id = fake.add_order(status="IGLOBAL_FRAUD_REVIEW")
    app = create_app(on_fake(fake))
    shop = app.state.shop
    async with running(app) as client:
        await client.get("/thank-you", params={"orderId": order_id})
        fake.set_status(order_id, "IGLOBAL_ORDER_CANCELLED")
        await webapp.poll_held_orders(app.state.zonos, shop)
    assert shop.held == {order_id: "IGLOBAL_ORDER_CANCELLED"}
    assert shop.to_poll == set()
    assert shop.imported == {}


async def test_unknown_status_is_held_and_logged(
    fake: FakeZonos, caplog: pytest.LogCaptureFixture, create_app: AppFactory
) -> None:
    order_id = fake.add_order(status="IGLOBAL_SOMETHING_NEW")
    app = create_app(on_fake(fake))
    with caplog.at_level(logging.WARNING, logger="shop.zonos"):
        async with running(app) as client:
            response = await client.get("/thank-you", params={"orderId": order_id})
    assert response.status_code == 200
    assert f"We have received your order {order_id}." in response.text
    assert app.state.shop.held == {order_id: "IGLOBAL_SOMETHING_NEW"}
    assert app.state.shop.to_poll == set()
    assert "IGLOBAL_SOMETHING_NEW (known: False)" in caplog.text
    assert OrderStatus("IGLOBAL_SOMETHING_NEW").is_known is False


@pytest.mark.parametrize(
    "query",
    [{}, {"orderId": ""}, {"orderId": "abc"}, {"orderId": "123-45678"}, {"orderId": "999-1-2"}],
    ids=["missing", "empty", "not-a-number", "another-store", "malformed"],
)
async def test_bad_order_id_is_a_400_and_nothing_is_sent(
    fake: FakeZonos, query: dict[str, str], create_app: AppFactory
) -> None:
    app = create_app(on_fake(fake))
    async with running(app) as client:
        response = await client.get("/thank-you", params=query)
    assert response.status_code == 400
    assert "Order not found" in response.text
    assert fake.calls == []


async def test_unknown_order_is_a_404(fake: FakeZonos, create_app: AppFactory) -> None:
    app = create_app(on_fake(fake))
    async with running(app) as client:
        response = await client.get("/thank-you", params={"orderId": "999-424242"})
    assert response.status_code == 404
    assert "We could not find order 999-424242." in response.text


async def test_order_id_is_escaped_in_the_page(fake: FakeZonos, create_app: AppFactory) -> None:
    app = create_app(on_fake(fake))
    async with running(app) as client:
        response = await client.get("/thank-you", params={"orderId": "<script>"})
    assert response.status_code == 400
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text


# --8<-- [start:down]
@pytest.mark.parametrize(
    ("faults", "options"),
    [
        (Faults(seed=1, error_rate=1.0), {}),
        (Faults(seed=2, drop_rate=1.0), {}),
        (Faults(seed=3, hang_rate=1.0, hang_seconds=60), {"timeout": 0.05}),
        (Faults(seed=4, garbage_rate=1.0), {}),
    ],
    ids=["5xx-or-429", "dropped", "hangs", "html-instead-of-json"],
)
async def test_zonos_down_says_the_order_is_safe(
    fake: FakeZonos,
    faults: Faults,
    options: dict[str, object],
    caplog: pytest.LogCaptureFixture,
    create_app: AppFactory,
) -> None:
    order_id = fake.add_order()
    fake.faults = faults
    app = create_app(on_fake(fake, **options))
    with caplog.at_level(logging.DEBUG):
        async with running(app) as client:
            response = await client.get("/thank-you", params={"orderId": order_id})
    assert response.status_code == 503
    assert "nothing is lost" in response.text
    assert "pick it up automatically" in response.text
    assert app.state.shop.imported == {}
    assert "Zonos unavailable for the success page" in caplog.text
    assert fake.secret not in response.text + caplog.text


# --8<-- [end:down]


async def test_zonos_down_with_retries_recovers(fake: FakeZonos, create_app: AppFactory) -> None:
    """With the example's own retry policy, two failures in a row still end in a thank-you."""
    order_id = fake.add_order()
    fake.fail_next("orderDetail", 2)
    app = create_app(on_fake(fake, retry=attrs.evolve(webapp.WEB_RETRY, wait_max=0.0)))
    async with running(app) as client:
        response = await client.get("/thank-you", params={"orderId": order_id})
    assert response.status_code == 200
    assert order_id in app.state.shop.imported


async def test_wrong_credentials_are_a_503_and_logged_without_the_secret(
    fake: FakeZonos, caplog: pytest.LogCaptureFixture, create_app: AppFactory
) -> None:
    order_id = fake.add_order()
    wrong = "00000000-1111-2222-3333-444444444444"

    def factory() -> zonos_async.Session:
        return zonos_async.Session(fake.store, wrong, transport=fake.transport(), retry=None)

    app = create_app(factory)
    with caplog.at_level(logging.DEBUG):
        async with running(app) as client:
            response = await client.get("/thank-you", params={"orderId": order_id})
    assert response.status_code == 503
    assert "InvalidCredentialsError" in caplog.text
    assert wrong not in response.text + caplog.text


async def test_merchant_id_push_failing_still_thanks_the_customer(
    fake: FakeZonos, caplog: pytest.LogCaptureFixture, create_app: AppFactory
) -> None:
    order_id = fake.add_order()
    fake.fail_next("updateMerchantOrderId")
    app = create_app(on_fake(fake))
    with caplog.at_level(logging.WARNING, logger="shop.zonos"):
        async with running(app) as client:
            response = await client.get("/thank-you", params={"orderId": order_id})
    assert response.status_code == 200
    assert order_id in app.state.shop.imported
    assert fake.order_json(order_id)["merchantOrderId"] is None  # reconcile pushes it later
    assert f"could not push {app.state.shop.imported[order_id]} for {order_id}" in caplog.text


async def test_one_session_for_the_app_life(fake: FakeZonos, create_app: AppFactory) -> None:
    made: list[zonos_async.Session] = []
    make = on_fake(fake)

    def factory() -> zonos_async.Session:
        made.append(make())
        return made[-1]

    ids = [fake.add_order() for _ in range(5)]
    app = create_app(factory)
    async with running(app) as client:
        for order_id in ids:
            assert (await client.get("/thank-you", params={"orderId": order_id})).is_success
        assert made[0].is_open
    assert len(made) == 1
    assert not made[0].is_open  # closed with the app


async def test_production_factory_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZONOS_STORE_ID", raising=False)
    monkeypatch.delenv("ZONOS_SECRET", raising=False)
    with pytest.raises(zonos_async.InvalidRequestError, match="ZONOS_STORE_ID"):
        webapp.session_from_env()
    monkeypatch.setenv("ZONOS_STORE_ID", "999")
    monkeypatch.setenv("ZONOS_SECRET", "f5bde245-f55e-414d-b722-80b25161c12c")
    session = webapp.session_from_env()
    assert session.store == 999
    assert session.retry == webapp.WEB_RETRY
    assert "f5bde245" not in repr(session)
