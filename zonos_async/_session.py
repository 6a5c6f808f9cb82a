"""The ``Session``: one connection pool, shared by every task, for the app's life."""

from __future__ import annotations

import enum
import ipaddress
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Final, TypeVar

import anyio
import httpx

from . import protocol
from ._errors import (
    InvalidRequestError,
    OrderMismatchError,
    RateLimitedError,
    ResponseTooLargeError,
    SessionStateError,
    StatusUnchangedError,
    ZonosAPIError,
    ZonosConnectionError,
    ZonosError,
    ZonosTimeoutError,
)
from ._fast import FastTransport
from ._httpx_transport import HttpxTransport
from ._logs import LOGGER_NAME
from ._models import Order, OrderNumbersPage, ResponseInfo, UpdateResult
from ._pacing import RatePacer, Throttle
from ._retry import RetryDetails, RetryHook, RetryPolicy, call_name, call_with_retries
from ._status import OrderStatus
from ._transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ResponseTooLarge,
    Transport,
    TransportFailure,
    drop_last_connection,
    environment_proxy,
    httpx_is_mocked,
)
from ._version import __version__
from .protocol import DateTypes

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "DateTypes",
    "RetryTypes",
    "Session",
    "TimeoutTypes",
    "UNSET",
    "Unset",
]

T = TypeVar("T")
logger = logging.getLogger(LOGGER_NAME)

DEFAULT_BASE_URL: Final = protocol.DEFAULT_BASE_URL
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
"""Per attempt: 10 s to connect, 30 s to write, to read, or to wait for a pooled connection."""
DEFAULT_LIMITS: Final = httpx.Limits(
    max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0
)
"""Enough for an importer's bursts; keep-alive for all of them so bursts do not reconnect.
Idle connections expire after httpx's 5 s (httpcore's pool polls every idle connection on each
request, so a longer expiry cost the httpx path several times its CPU per call)."""
DEFAULT_RETRY: Final = RetryPolicy()
"""4 attempts within a 60 s deadline, full-jitter backoff from 0.25 s up to 8 s."""
USER_AGENT: Final = f"zonos-async/{__version__} httpx/{httpx.__version__}"


class Unset(enum.Enum):
    """The type of :data:`UNSET`: a per-call argument left out, so the session's setting holds."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
"""Marks a per-call argument as "not given" (``None`` means "none": no timeout, no retries)."""

TimeoutTypes = float | httpx.Timeout | None
"""A timeout: seconds, an ``httpx.Timeout`` (connect/read/write/pool), or ``None`` for none."""
RetryTypes = RetryPolicy | None
"""A retry policy, or ``None`` for a single attempt."""


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


class Session:
    """An async connection to the Zonos Order API for one store.

    Open it once (``async with``) and share it: it owns one connection pool
    and every method is safe to call from any number of tasks at once. Works
    under asyncio and trio.

    Args:
        store: Your Zonos store id; defaults to ``$ZONOS_STORE_ID``.
        secret: Your API secret; defaults to ``$ZONOS_SECRET``. Surrounding
            whitespace is dropped; it must then be a GUID, as Zonos documents
            it (see ``validate_secret``). Never shown in a ``repr``, a log line
            or an error.
        base_url: Where Zonos lives; defaults to ``$ZONOS_BASE_URL``, else
            ``https://api.iglobalstores.com``. Plain ``http://`` is refused
            except on loopback (the fake server).
        validate_secret: ``False`` sends a secret that is not a GUID as it is
            (for a Zonos that hands out another form).
        timeout: Per attempt: seconds, or an ``httpx.Timeout``
            (connect/read/write/pool). ``None``: no limit per attempt; the
            call's ``retry`` deadline still applies.
        limits: The pool's ``httpx.Limits``.
        client: Your own ``httpx.AsyncClient`` to send through; the session
            then neither configures nor closes it.
        transport: An httpx async transport (``httpx.MockTransport``, respx,
            ``FakeZonos.transport()``) for the session's own client.
        retry: The :class:`RetryPolicy`, or ``None`` for one attempt only
            (``RetryPolicy.never()``: still within a 60 s deadline; pass
            ``RetryPolicy.never(deadline=None)`` for none).
        on_retry: Called with a :class:`RetryDetails` before each retry's wait.
        max_concurrency: At most this many requests in flight; more wait their
            turn (default: the pool's ``max_connections``, so the pool never
            has to queue). Never more than ``max_connections`` unless you
            passed your own ``client``: the fast pool has no queue, and
            httpcore's leaks slots when a waiting call is cancelled
            (encode/httpcore#1093).
        rate_limit: At most this many requests started per second (default:
            no limit); halved for a while after each HTTP 429.
        max_response_bytes: The largest answer read, decompressed (default
            64 MiB, ~280,000 orders with statuses in one ``orderNumbers``
            answer); a larger one raises :class:`ResponseTooLargeError`
            without being read whole.

    Raises:
        InvalidRequestError: Credentials or settings are missing or malformed.

    Example::

        async with zonos_async.Session(store=999, secret="f5bde245-...") as zonos:
            order = await zonos.order_detail("999-99991")
    """

    def __init__(
        self,
        store: int | str | None = None,
        secret: str | None = None,
        *,
        base_url: str | None = None,
        validate_secret: bool = True,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        limits: httpx.Limits = DEFAULT_LIMITS,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryTypes = DEFAULT_RETRY,
        on_retry: RetryHook | None = None,
        max_concurrency: int | None = None,
        rate_limit: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if store is None:
            store = os.environ.get("ZONOS_STORE_ID")
        if secret is None:
            secret = os.environ.get("ZONOS_SECRET")
        if store is None or secret is None:
            missing = "store (or $ZONOS_STORE_ID)" if store is None else "secret (or $ZONOS_SECRET)"
            raise InvalidRequestError(f"no {missing} was given")
        if max_concurrency is not None and max_concurrency < 1:
            raise InvalidRequestError(f"max_concurrency must be at least 1, not {max_concurrency}")
        if client is not None and transport is not None:
            raise InvalidRequestError("pass client or transport, not both")
        if isinstance(max_response_bytes, bool) or not (
            isinstance(max_response_bytes, int) and max_response_bytes > 0
        ):
            raise InvalidRequestError(
                f"max_response_bytes must be a positive int, not {max_response_bytes!r}"
            )
        self._credentials = protocol.Credentials.of(store, secret, validate_secret=validate_secret)
        if base_url is None:
            base_url = os.environ.get("ZONOS_BASE_URL") or DEFAULT_BASE_URL
        self._base_url = _check_base_url(base_url)
        self._timeout = httpx.Timeout(timeout)
        self._limits = limits
        self._transport = transport
        self._client = client
        self._retry = retry or RetryPolicy.never()
        self._on_retry = on_retry
        self._max_concurrency = max_concurrency or limits.max_connections or 100
        self._pacer = RatePacer(rate_limit) if rate_limit is not None else None
        self._max_response_bytes = max_response_bytes
        self._state = _State.UNOPENED
        self._backend: Transport | None = None
        self._mocked_backend: HttpxTransport | None = None  # respx turned on after opening
        self._throttle: Throttle | None = None
        self._headers = {**protocol.HEADERS, "User-Agent": USER_AGENT}

    @property
    def store(self) -> int:
        """The store id this session speaks for."""
        return self._credentials.store

    @property
    def base_url(self) -> str:
        """Where requests go, e.g. ``https://api.iglobalstores.com``."""
        return self._base_url

    @property
    def retry(self) -> RetryPolicy:
        """The session's retry policy (per call, pass ``retry=`` to override it)."""
        return self._retry

    @property
    def is_open(self) -> bool:
        """Whether calls may be made now."""
        return self._state is _State.OPEN

    def __repr__(self) -> str:
        via = f" via {type(self._backend).__name__}" if self._backend is not None else ""
        return f"<Session store={self.store} base_url={self._base_url!r} {self._state.value}{via}>"

    async def __aenter__(self) -> Session:
        if self._state is not _State.UNOPENED:
            raise SessionStateError(
                f"a session can be opened once; this one is {self._state.value}"
            )
        self._backend = self._make_backend()
        in_flight = self._max_concurrency
        if self._client is None:
            # Our limiter is the only queue: the fast pool has none, and a call cancelled
            # while queued in an httpcore pool leaks its slot (encode/httpcore#1093).
            in_flight = min(in_flight, self._limits.max_connections or in_flight)
        self._throttle = Throttle(in_flight, self._pacer)
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
        with anyio.CancelScope(shield=True):
            for backend in (self._backend, self._mocked_backend):
                if backend is not None:
                    await backend.aclose()

    def _make_backend(self) -> Transport:
        """The fast transport; httpx for what only it offers (see docs/errors.md)."""
        limit = self._max_response_bytes
        if self._client is not None:
            return HttpxTransport(self._client, owned=False, max_response_bytes=limit)
        if (
            self._transport is None
            and not httpx_is_mocked()  # respx: httpx, so it sees the calls
            and not (self._base_url.startswith("https:") and environment_proxy(self._base_url))
        ):
            return FastTransport(self._limits, self._base_url, limit)
        return self._own_httpx_transport()

    def _own_httpx_transport(self) -> HttpxTransport:
        return HttpxTransport.of(
            self._transport, base_url=self._base_url, timeout=self._timeout,
            limits=self._limits, max_response_bytes=self._max_response_bytes,
        )  # fmt: skip

    # --- The four endpoints ------------------------------------------------------------------

    async def order_numbers(
        self,
        *,
        since_date: DateTypes | None = None,
        through_date: DateTypes | None = None,
        since_order_id: str | int | None = None,
        missing_merchant_order_id: bool = False,
        statuses: bool = False,
        timeout: TimeoutTypes | Unset = UNSET,
        retry: RetryTypes | Unset = UNSET,
    ) -> OrderNumbersPage:
        """List orders (``orderNumbers``), oldest first.

        Pass ``since_date`` (a ``date``, an aware ``datetime`` or a string such
        as ``"2026-11-01"``; inclusive, with an optional inclusive
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
        endpoint, order_id = protocol.ORDER_NUMBERS, fields.get("sinceOrderId")

        async def attempt(number: int, maybe_landed: bool) -> OrderNumbersPage:
            data, response = await self._send(endpoint, fields, order_id, timeout, number)
            return protocol.parse_order_numbers(data, self._credentials.redact, response=response)

        return await self._with_retries(endpoint, order_id, retry, attempt)

    async def order_detail(
        self,
        order_id: str | int | None = None,
        *,
        reference_id: str | int | None = None,
        timeout: TimeoutTypes | Unset = UNSET,
        retry: RetryTypes | Unset = UNSET,
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
        endpoint, full_id = protocol.ORDER_DETAIL, fields.get("orderId")

        async def attempt(number: int, maybe_landed: bool) -> Order:
            return await self._fetch_order(fields, full_id, timeout, number)

        return await self._with_retries(endpoint, full_id, retry, attempt)

    async def update_merchant_order_id(
        self,
        order_id: str | int,
        merchant_order_id: str,
        *,
        timeout: TimeoutTypes | Unset = UNSET,
        retry: RetryTypes | Unset = UNSET,
    ) -> UpdateResult:
        """Attach your own order number to a Zonos order (``updateMerchantOrderId``).

        The order then drops out of ``order_numbers(missing_merchant_order_id=True)``.
        Safe to retry: after an attempt whose answer was lost, the order is read
        back first, and a stored id equal to ``merchant_order_id`` counts as
        success (``result.replayed``).

        Raises:
            InvalidRequestError: A malformed order id or an empty merchant order id.
            OrderNotFoundError: No such order.
            ZonosError: Any other failure.
        """
        fields = protocol.update_merchant_order_id_fields(self.store, order_id, merchant_order_id)
        endpoint, full_id, wanted = (
            protocol.UPDATE_MERCHANT_ORDER_ID,
            fields["orderId"],
            fields["merchantOrderId"],
        )

        async def attempt(number: int, maybe_landed: bool) -> UpdateResult:
            if maybe_landed:
                stored = await self._read_back(full_id, timeout)
                replayed = protocol.replayed_merchant_order_id(full_id, wanted, stored)
                if replayed is not None:
                    return replayed
            data, response = await self._send(endpoint, fields, full_id, timeout, number)
            return protocol.parse_update(
                endpoint, full_id, data, self._credentials.redact, response=response
            )

        return await self._with_retries(endpoint, full_id, retry, attempt)

    async def update_vendor_order_status(
        self,
        order_id: str | int,
        status: OrderStatus | str,
        *,
        timeout: TimeoutTypes | Unset = UNSET,
        retry: RetryTypes | Unset = UNSET,
    ) -> UpdateResult:
        """Move an order through fulfilment, or ask for cancellation (``updateVendorOrderStatus``).

        ``status`` must be one of the five ``VENDOR_*`` statuses. Safe to retry:
        when an attempt's answer was lost and the retry hears "already has
        current status" with the status asked for, that counts as success
        (``result.replayed``).

        Raises:
            InvalidRequestError: A status a vendor may not set, or a malformed order id.
            StatusTransitionError: The order is in a status that blocks vendor updates.
            StatusUnchangedError: The order already had this status.
            OrderCancelledError: The order was cancelled.
            ZonosError: Any other failure.
        """
        fields = protocol.update_vendor_order_status_fields(self.store, order_id, status)
        endpoint, full_id = protocol.UPDATE_VENDOR_ORDER_STATUS, fields["orderId"]
        wanted = OrderStatus(fields["orderStatus"])

        async def attempt(number: int, maybe_landed: bool) -> UpdateResult:
            try:
                data, response = await self._send(endpoint, fields, full_id, timeout, number)
            except StatusUnchangedError as error:
                replayed = protocol.replayed_status_update(
                    full_id, wanted, error, maybe_landed=maybe_landed
                )
                if replayed is None:
                    raise
                return replayed
            return protocol.parse_update(
                endpoint, full_id, data, self._credentials.redact, response=response
            )

        return await self._with_retries(endpoint, full_id, retry, attempt)

    async def _fetch_order(
        self,
        fields: Mapping[str, Any],
        order_id: str | None,
        timeout: TimeoutTypes | Unset,
        attempt: int,
    ) -> Order:
        """One ``orderDetail`` attempt: the order, checked to be the one asked for."""
        data, response = await self._send(protocol.ORDER_DETAIL, fields, order_id, timeout, attempt)
        order = protocol.parse_order(data, self._credentials.redact, response=response)
        if order_id is not None:
            try:
                protocol.check_order_id(order_id, order, self.store)
            except OrderMismatchError:
                drop_last_connection()  # out of step with its requests: never reused
                raise
        return order

    async def _read_back(self, order_id: str, timeout: TimeoutTypes | Unset) -> Order | None:
        """Read an order back after an update whose answer was lost; ``None`` if that fails too."""
        try:
            return await self._fetch_order({"orderId": order_id}, order_id, timeout, 0)
        except ZonosError:
            return None

    # --- Retrying ----------------------------------------------------------------------------

    async def _with_retries(
        self,
        endpoint: protocol.Endpoint,
        order_id: str | None,
        retry: RetryTypes | Unset,
        attempt: Callable[[int, bool], Awaitable[T]],
    ) -> T:
        self._check_open()
        policy = self._retry if retry is UNSET else (retry or RetryPolicy.never())
        return await call_with_retries(
            attempt, policy, endpoint=endpoint.name, order_id=order_id, on_retry=self._retrying
        )

    def _retrying(self, details: RetryDetails) -> None:
        logger.info(
            "retrying %s in %.2f s after attempt %d failed: %s",
            call_name(details.endpoint, details.order_id),
            details.wait,
            details.attempt,
            details.error,
        )
        if self._on_retry is not None:
            self._on_retry(details)

    # --- Moving bytes ------------------------------------------------------------------------

    async def _send(
        self,
        endpoint: protocol.Endpoint,
        fields: Mapping[str, Any],
        order_id: str | None,
        timeout: TimeoutTypes | Unset,
        attempt: int,
    ) -> tuple[dict[str, Any], ResponseInfo]:
        """One request: wait for its turn (the throttle), post, read the answer."""
        backend = self._current_backend()
        content = protocol.encode(self._credentials, fields)
        attempt_timeout = self._timeout if timeout is UNSET else httpx.Timeout(timeout)
        throttle = self._throttle
        assert throttle is not None
        await throttle.acquire()
        failure: TransportFailure | None = None
        try:
            started = time.perf_counter()
            try:
                raw = await backend.post(
                    self._base_url + endpoint.path, content, self._headers, attempt_timeout
                )
            except TransportFailure as caught:
                failure = caught
        finally:
            throttle.release()
        if failure is not None:
            # Raised out here, not in the except: the failure's unredacted text must not
            # ride along as the error's __context__.
            self._log(endpoint, order_id, attempt, failure.kind, started)
            raise self._transport_error(endpoint, order_id, failure, started)
        self._log(endpoint, order_id, attempt, f"HTTP {raw.status_code}", started)
        response = ResponseInfo(
            endpoint.name, raw.status_code, raw.headers, time.perf_counter() - started
        )
        try:
            data = protocol.decode(
                endpoint, raw.status_code, raw.headers, raw.content, self._credentials.redact,
                response=response,
            )  # fmt: skip
        except RateLimitedError:
            # Here, not in the retry hook: the pace halves even when no retry follows.
            throttle.slow_down()
            raise
        except ZonosAPIError:
            throttle.speed_up()  # Zonos handled the call: its own error is an answer too
            raise
        throttle.speed_up()
        return data, response

    def _current_backend(self) -> Transport:
        self._check_open()
        assert self._backend is not None
        if isinstance(self._backend, FastTransport) and httpx_is_mocked():
            # respx (or the like) was turned on after the session opened: go through httpx
            # so it sees the call.
            if self._mocked_backend is None:
                self._mocked_backend = self._own_httpx_transport()
            return self._mocked_backend
        return self._backend

    def _check_open(self) -> None:
        if self._state is not _State.OPEN:
            hint = (
                "use it inside 'async with Session(...) as zonos:'"
                if self._state is _State.UNOPENED
                else "it was closed; open a new Session"
            )
            raise SessionStateError(f"this session is {self._state.value}: {hint}")

    @staticmethod
    def _log(
        endpoint: protocol.Endpoint,
        order_id: str | None,
        attempt: int,
        outcome: str,
        started: float,
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s order_id=%s attempt=%d -> %s in %.1f ms",
                endpoint.name, order_id, attempt, outcome, (time.perf_counter() - started) * 1000,
            )  # fmt: skip

    def _transport_error(
        self,
        endpoint: protocol.Endpoint,
        order_id: str | None,
        failure: TransportFailure,
        started: float,
    ) -> ZonosError:
        detail = self._credentials.redact(failure.detail) or failure.kind
        message = f"{call_name(endpoint.name, order_id)}: {failure.kind}: {detail}"
        if isinstance(failure, ResponseTooLarge):
            response = ResponseInfo(
                endpoint.name, failure.status_code, failure.headers, time.perf_counter() - started
            )
            return ResponseTooLargeError(
                message, endpoint=endpoint.name, status_code=failure.status_code,
                limit=failure.limit, response=response,
            )  # fmt: skip
        cls = ZonosTimeoutError if failure.timed_out else ZonosConnectionError
        return cls(message, endpoint=endpoint.name, request_sent=failure.sent)


def _check_base_url(base_url: str) -> str:
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise InvalidRequestError(f"base_url {base_url!r} is not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidRequestError(f"base_url must be an http(s) URL, got {base_url!r}")
    if url.port is not None and not 0 < url.port < 65536:
        raise InvalidRequestError(f"base_url {base_url!r} has no valid port (1 to 65535)")
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
