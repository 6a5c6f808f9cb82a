"""The ``Session``: one connection pool, shared by every task, for the app's life."""

from __future__ import annotations

import enum
import ipaddress
import logging
import os
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final

import httpx

from . import _protocol as protocol
from ._errors import (
    InvalidRequestError,
    SessionStateError,
    ZonosConnectionError,
    ZonosTimeoutError,
    ZonosTransportError,
)
from ._models import Order, OrderNumbersPage, UpdateResult
from ._status import OrderStatus
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "UNSET",
    "Session",
]

logger = logging.getLogger("zonos_async")

DEFAULT_BASE_URL: Final = "https://api.iglobalstores.com"
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
"""30 s to read or write, 10 s to connect or to wait for a pooled connection."""
DEFAULT_LIMITS: Final = httpx.Limits(
    max_connections=100, max_keepalive_connections=100, keepalive_expiry=30.0
)
"""Enough for an importer's bursts; keep-alive for all of them so bursts do not reconnect."""
USER_AGENT: Final = f"zonos-async/{__version__} httpx/{httpx.__version__}"


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset.UNSET
"""Marks a per-call argument as "not given" (``None`` means "no timeout")."""

TimeoutTypes = float | httpx.Timeout | None


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


class Session:
    """An async connection to the Zonos Order API for one store.

    Open it once (``async with``) and share it: it owns one httpx connection
    pool and every method is safe to call from any number of tasks at once.
    Works under asyncio and trio.

    Args:
        store: Your Zonos store id; defaults to ``$ZONOS_STORE_ID``.
        secret: Your API secret; defaults to ``$ZONOS_SECRET``. Never shown in
            a ``repr``, a log line or an error.
        base_url: Where Zonos lives. Plain ``http://`` is refused except on
            loopback (the fake server).
        timeout: Seconds, or an ``httpx.Timeout`` (connect/read/write/pool).
        limits: The pool's ``httpx.Limits``.
        client: Your own ``httpx.AsyncClient`` to send through; the session
            then neither configures nor closes it.
        transport: An httpx async transport (``httpx.MockTransport``, respx,
            ``FakeZonos.transport()``) for the session's own client.

    Raises:
        InvalidRequestError: Credentials or settings are missing or malformed.

    Example::

        async with zonos_async.Session(store=999, secret="...") as zonos:
            order = await zonos.order_detail("999-99991")
    """

    def __init__(
        self,
        store: int | str | None = None,
        secret: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        limits: httpx.Limits = DEFAULT_LIMITS,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if store is None:
            store = os.environ.get("ZONOS_STORE_ID")
        if secret is None:
            secret = os.environ.get("ZONOS_SECRET")
        if store is None or secret is None:
            missing = "store (or $ZONOS_STORE_ID)" if store is None else "secret (or $ZONOS_SECRET)"
            raise InvalidRequestError(f"no {missing} was given")
        if client is not None and transport is not None:
            raise InvalidRequestError("pass client or transport, not both")
        self._credentials = protocol.Credentials.of(store, secret)
        self._base_url = _check_base_url(base_url)
        self._timeout = timeout
        self._limits = limits
        self._transport = transport
        self._client = client
        self._owns_client = client is None
        self._state = _State.UNOPENED
        self._headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }

    @property
    def store(self) -> int:
        """The store id this session speaks for."""
        return self._credentials.store

    @property
    def base_url(self) -> str:
        """Where requests go, e.g. ``https://api.iglobalstores.com``."""
        return self._base_url

    @property
    def is_open(self) -> bool:
        """Whether calls may be made now."""
        return self._state is _State.OPEN

    def __repr__(self) -> str:
        return f"<Session store={self.store} base_url={self._base_url!r} {self._state.value}>"

    async def __aenter__(self) -> Session:
        if self._state is not _State.UNOPENED:
            raise SessionStateError(
                f"a session can be opened once; this one is {self._state.value}"
            )
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, limits=self._limits, transport=self._transport
            )
        self._state = _State.OPEN
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pool (unless it is the caller's own client). Safe to call twice."""
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        if self._owns_client and self._client is not None:
            await self._client.aclose()

    # --- The four endpoints ------------------------------------------------------------------

    async def order_numbers(
        self,
        *,
        since_date: object = None,
        through_date: object = None,
        since_order_id: str | int | None = None,
        missing_merchant_order_id: bool = False,
        statuses: bool = False,
        timeout: TimeoutTypes | _Unset = UNSET,
    ) -> OrderNumbersPage:
        """List orders (``orderNumbers``), oldest first.

        Pass ``since_date`` (a ``date``, inclusive, with an optional inclusive
        ``through_date``), or ``since_order_id`` (the orders after it), and/or
        ``missing_merchant_order_id=True`` (orders of the last two weeks with no
        merchant order id; with ``since_date`` both must hold). ``statuses=True``
        adds each order's status and merchant order id.

        Raises:
            InvalidRequestError: Both or none of the selectors, ``through_date``
                without or before ``since_date``, a malformed date or order id.
            OrderNotFoundError: ``since_order_id`` names no order.
            ZonosError: Any other failure (see the error tree).

        Example::

            page = await zonos.order_numbers(since_date=date(2026, 11, 1), statuses=True)
            for summary in page.orders:
                print(summary.id, summary.status)
        """
        fields = protocol.order_numbers_fields(
            self.store,
            since_date=since_date,
            through_date=through_date,
            since_order_id=since_order_id,
            missing_merchant_order_id=missing_merchant_order_id,
            statuses=statuses,
        )
        data = await self._call(protocol.ORDER_NUMBERS, fields, fields.get("sinceOrderId"), timeout)
        return protocol.parse_order_numbers(data, self._credentials.redact)

    async def order_detail(
        self,
        order_id: str | int | None = None,
        *,
        reference_id: str | None = None,
        timeout: TimeoutTypes | _Unset = UNSET,
    ) -> Order:
        """Fetch one whole order (``orderDetail``, v2) by Zonos order id or by your reference id.

        Check ``order.status`` first, as Zonos advises: an order in
        ``IGLOBAL_FRAUD_REVIEW`` should be held and fetched again later.

        Raises:
            InvalidRequestError: Both or neither id, or a malformed order id.
            OrderNotFoundError: No such order for this store.
            ZonosError: Any other failure.

        Example::

            order = await zonos.order_detail("999-99991")
            if order.status is OrderStatus.IGLOBAL_ORDER_IN_PROCESS:
                ...
        """
        fields = protocol.order_detail_fields(self.store, order_id, reference_id)
        data = await self._call(protocol.ORDER_DETAIL, fields, fields.get("orderId"), timeout)
        return protocol.parse_order(data, self._credentials.redact)

    async def update_merchant_order_id(
        self,
        order_id: str | int,
        merchant_order_id: str,
        *,
        timeout: TimeoutTypes | _Unset = UNSET,
    ) -> UpdateResult:
        """Attach your own order number to a Zonos order (``updateMerchantOrderId``).

        The order then drops out of ``order_numbers(missing_merchant_order_id=True)``.

        Raises:
            InvalidRequestError: A malformed order id or an empty merchant order id.
            OrderNotFoundError: No such order.
            ZonosError: Any other failure.
        """
        fields = protocol.update_merchant_order_id_fields(self.store, order_id, merchant_order_id)
        endpoint = protocol.UPDATE_MERCHANT_ORDER_ID
        data = await self._call(endpoint, fields, fields["orderId"], timeout)
        return protocol.parse_update(endpoint, fields["orderId"], data, self._credentials.redact)

    async def update_vendor_order_status(
        self,
        order_id: str | int,
        status: OrderStatus | str,
        *,
        timeout: TimeoutTypes | _Unset = UNSET,
    ) -> UpdateResult:
        """Move an order through fulfilment, or ask for cancellation (``updateVendorOrderStatus``).

        ``status`` must be one of the five ``VENDOR_*`` statuses.

        Raises:
            InvalidRequestError: A status a vendor may not set, or a malformed order id.
            StatusTransitionError: The order is in a status that blocks vendor updates.
            StatusUnchangedError: The order already has this status.
            OrderCancelledError: The order was cancelled.
            ZonosError: Any other failure.
        """
        fields = protocol.update_vendor_order_status_fields(self.store, order_id, status)
        endpoint = protocol.UPDATE_VENDOR_ORDER_STATUS
        data = await self._call(endpoint, fields, fields["orderId"], timeout)
        return protocol.parse_update(endpoint, fields["orderId"], data, self._credentials.redact)

    # --- Moving bytes ------------------------------------------------------------------------

    async def _call(
        self,
        endpoint: protocol.Endpoint,
        fields: Mapping[str, Any],
        order_id: str | None,
        timeout: TimeoutTypes | _Unset,
    ) -> dict[str, Any]:
        client = self._open_client()
        request = client.build_request(
            "POST",
            self._base_url + endpoint.path,
            content=protocol.encode(self._credentials, fields),
            headers=self._headers,
            timeout=httpx.USE_CLIENT_DEFAULT if timeout is UNSET else timeout,
        )
        started = time.perf_counter()
        try:
            response = await client.send(request)
        except httpx.TimeoutException as exc:
            raise self._transport_error(ZonosTimeoutError, endpoint, order_id, exc) from None
        except httpx.TransportError as exc:
            raise self._transport_error(ZonosConnectionError, endpoint, order_id, exc) from None
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s order_id=%s -> HTTP %d in %.1f ms",
                endpoint.name, order_id, response.status_code,
                (time.perf_counter() - started) * 1000,
            )  # fmt: skip
        return protocol.decode(
            endpoint,
            response.status_code,
            response.headers,
            response.content,
            self._credentials.redact,
        )

    def _open_client(self) -> httpx.AsyncClient:
        if self._state is not _State.OPEN or self._client is None:
            hint = (
                "use it inside 'async with Session(...) as zonos:'"
                if self._state is _State.UNOPENED
                else "it was closed; open a new Session"
            )
            raise SessionStateError(f"this session is {self._state.value}: {hint}")
        return self._client

    def _transport_error(
        self,
        cls: type[ZonosTransportError],
        endpoint: protocol.Endpoint,
        order_id: str | None,
        exc: httpx.HTTPError,
    ) -> ZonosTransportError:
        # Built from scratch, not chained: httpx errors carry the request, whose body holds
        # the secret.
        detail = self._credentials.redact(str(exc)) or type(exc).__name__
        about = f" for {order_id}" if order_id else ""
        return cls(
            f"{endpoint.name}{about}: {type(exc).__name__}: {detail}", endpoint=endpoint.name
        )


def _check_base_url(base_url: str) -> str:
    url = httpx.URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidRequestError(f"base_url must be an http(s) URL, got {base_url!r}")
    if url.scheme == "http" and not _is_loopback(url.host):
        raise InvalidRequestError(
            f"refusing plain http to {url.host}: the secret travels in the body; use https"
        )
    return base_url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
