"""An order-success page for a shop that sells through the Zonos hosted checkout.

After checkout, Zonos sends the customer to ``/thank-you?orderId=999-100001``. This app fetches
the order with ``order_detail`` and acts on its status first, as the vendor recommends:

- ``IGLOBAL_ORDER_IN_PROCESS``: import it (here, into :class:`Shop`, standing in for your
  database) and tell Zonos your own order number with ``update_merchant_order_id``;
- ``IGLOBAL_FRAUD_REVIEW`` (or ``IGLOBAL_ORDER_ON_HOLD``): put it on hold and poll it from the
  scheduled job (:func:`poll_held_orders`) until Zonos releases or cancels it;
- anything else, including a status Zonos added after this library was released: hold it for a
  person and log it.

One :class:`zonos_async.Session` is opened in the app's lifespan and shared by every request.
Where it comes from is a factory (``session_factory``), so tests swap in one that talks to
:class:`zonos_async.testing.FakeZonos`. Run it with credentials from the environment::

    pip install zonos-async starlette uvicorn
    export ZONOS_STORE_ID=999 ZONOS_SECRET=...
    uvicorn webapp:app --app-dir examples
"""

from __future__ import annotations

import enum
import html
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

import zonos_async
from zonos_async import Order, OrderStatus, RetryPolicy

logger = logging.getLogger("shop.zonos")

# --8<-- [start:factory]
# A customer is waiting for this page: fail over to the "we'll import it later" page after a
# few seconds rather than keep them staring at a spinner. The scheduled job has time to spare.
WEB_TIMEOUT = 5.0
WEB_RETRY = RetryPolicy(attempts=3, deadline=8.0, wait_max=1.0)

SessionFactory = Callable[[], zonos_async.Session]


def session_from_env() -> zonos_async.Session:
    """The production session: credentials from ``$ZONOS_STORE_ID`` and ``$ZONOS_SECRET``."""
    return zonos_async.Session(timeout=WEB_TIMEOUT, retry=WEB_RETRY)


# --8<-- [end:factory]


# --8<-- [start:shop]
class Shop:
    """Stands in for the merchant's database.

    Keyed by Zonos order id, so importing an order twice (the customer reloads the page, or the
    scheduled importer meets it again) changes nothing: use a unique key or an upsert in yours.
    """

    def __init__(self) -> None:
        self.imported: dict[str, str] = {}  # Zonos order id -> our order number
        self.held: dict[str, str] = {}  # Zonos order id -> why it is on hold
        self.to_poll: set[str] = set()  # orders the scheduled job fetches again
        self._next_number = 5000

    def import_order(self, order: Order) -> str:
        """Record ``order`` (once) and return our own order number for it."""
        if order.id not in self.imported:
            self._next_number += 1
            self.imported[order.id] = f"WEB-{self._next_number}"
            # A real shop stores the order here: order.items, order.shipping_address, ...
        self.held.pop(order.id, None)
        self.to_poll.discard(order.id)
        return self.imported[order.id]

    def hold(self, order: Order, reason: str, *, poll: bool) -> None:
        """Keep ``order`` out of fulfilment; ``poll`` asks the scheduled job to look again."""
        self.held[order.id] = reason
        if poll:
            self.to_poll.add(order.id)
        else:
            self.to_poll.discard(order.id)


# --8<-- [end:shop]


# --8<-- [start:handle]
class Outcome(enum.Enum):
    IMPORTED = "imported"
    IN_REVIEW = "in review"
    HELD = "held"


async def handle_order(zonos: zonos_async.Session, shop: Shop, order: Order) -> Outcome:
    """Act on an order's status, as Zonos recommends. Used by the page and the poller."""
    if order.id in shop.imported:
        return Outcome.IMPORTED  # a reload, or the status has moved on since we imported it
    match order.status:
        case OrderStatus.IGLOBAL_ORDER_IN_PROCESS:
            number = shop.import_order(order)
            if order.merchant_order_id != number:
                try:
                    await zonos.update_merchant_order_id(order.id, number)
                except zonos_async.ZonosError as error:
                    # The order is safe in our database; reconcile(..., push=True) in the
                    # scheduled job tells Zonos our number later.
                    logger.warning("could not push %s for %s: %s", number, order.id, error)
            return Outcome.IMPORTED
        case OrderStatus.IGLOBAL_FRAUD_REVIEW | OrderStatus.IGLOBAL_ORDER_ON_HOLD:
            shop.hold(order, str(order.status), poll=True)
            return Outcome.IN_REVIEW
        case _:
            # Cancelled, a status only we should have set, or one Zonos added after this code
            # was written (order.status.is_known is False): let a person decide.
            logger.warning(
                "order %s is in status %s (known: %s); holding it for review",
                order.id,
                order.status,
                order.status.is_known,
            )
            shop.hold(order, str(order.status), poll=False)
            return Outcome.HELD


# --8<-- [end:handle]


# --8<-- [start:route]
async def thank_you(request: Request) -> HTMLResponse:
    order_id = request.query_params.get("orderId", "")
    return await success_page(request.app.state.zonos, request.app.state.shop, order_id)


async def success_page(zonos: zonos_async.Session, shop: Shop, order_id: str) -> HTMLResponse:
    """The page for ``?orderId=...``; any framework's route can return it."""
    order_id = order_id.strip()
    if not order_id:
        return page(400, "Order not found", "This link has no order number.")
    try:
        order = await zonos.order_detail(order_id)
    except zonos_async.InvalidRequestError:
        # Malformed, or another store's id: refused before anything was sent.
        return page(400, "Order not found", f"{order_id!r} is not one of our order numbers.")
    except zonos_async.OrderNotFoundError:
        logger.warning("success page for an order Zonos does not know: %s", order_id)
        return page(404, "Order not found", f"We could not find order {order_id}.")
    except (zonos_async.ZonosTransportError, zonos_async.UnexpectedResponseError) as error:
        # No answer, a timeout, 5xx, 429, a garbled body: Zonos is having a bad moment.
        logger.warning("Zonos unavailable for the success page of %s: %s", order_id, error)
        return page(503, "Thank you!", SAFE)
    except zonos_async.ZonosError:
        # Anything else (invalid credentials, say) is ours to fix; the order is still safe.
        logger.exception("cannot fetch %s for the success page", order_id)
        return page(503, "Thank you!", SAFE)

    outcome = await handle_order(zonos, shop, order)
    if outcome is Outcome.IMPORTED:
        return page(200, "Thank you!", f"Your order {order.id} is confirmed.")
    if outcome is Outcome.IN_REVIEW:
        return page(
            200,
            "Thank you!",
            f"Your order {order.id} is being reviewed. We will e-mail you once it is "
            "confirmed; there is nothing else you need to do.",
        )
    return page(200, "Thank you!", f"We have received your order {order.id}.")


SAFE = (
    "Your order is placed and paid, and nothing is lost: we could not load its details just "
    "now, and will pick it up automatically within the hour. You will get an e-mail from us."
)


# --8<-- [end:route]


def page(status: int, title: str, text: str) -> HTMLResponse:
    """A minimal HTML page; every value is escaped."""
    body = (
        f"<!doctype html><title>{html.escape(title)}</title>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
    )
    return HTMLResponse(body, status_code=status)


# --8<-- [start:poll]
async def poll_held_orders(zonos: zonos_async.Session, shop: Shop) -> None:
    """What the scheduled job runs every few minutes: look again at orders in review."""
    for order_id in sorted(shop.to_poll):
        try:
            order = await zonos.order_detail(order_id)
        except zonos_async.ZonosError as error:
            logger.warning("could not poll %s, will try again: %s", order_id, error)
            continue
        await handle_order(zonos, shop, order)


# --8<-- [end:poll]


# --8<-- [start:app]
def create_app(
    session_factory: SessionFactory = session_from_env, shop: Shop | None = None
) -> Starlette:
    """The app. Tests pass a ``session_factory`` that returns a session on the fake."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # One session, one connection pool, for the app's whole life.
        async with app.state.session_factory() as zonos:
            app.state.zonos = zonos
            yield

    app = Starlette(routes=[Route("/thank-you", thank_you)], lifespan=lifespan)
    app.state.session_factory = session_factory
    app.state.shop = shop if shop is not None else Shop()
    return app


app = create_app()
# --8<-- [end:app]

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app)
