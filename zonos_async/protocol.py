"""The Zonos Order API without I/O: build request bodies, read answers.

This is the library's public sans-I/O core. Everything here is pure: no sockets,
no event loop, no clock. ``Session`` is built on it, and so can you be, to speak
to Zonos over any transport (a sync ``httpx.Client``, a message queue, a test
double)::

    import httpx
    from zonos_async import protocol

    credentials = protocol.Credentials.of(999, "f5bde245-f55e-414d-b722-80b25161c12c")
    fields = protocol.order_detail_fields(credentials.store, "999-99991", None)
    endpoint = protocol.ORDER_DETAIL
    answer = httpx.post(
        protocol.DEFAULT_BASE_URL + endpoint.path,
        content=protocol.encode(credentials, fields),
        headers=protocol.HEADERS,
    )
    data = protocol.decode(
        endpoint, answer.status_code, answer.headers, answer.content, credentials.redact
    )
    order = protocol.parse_order(data, credentials.redact)

``*_fields`` check arguments as Zonos would (raising ``InvalidRequestError``
before anything is sent), ``encode`` makes the body, ``decode`` turns any answer
into its JSON object or the typed error it stands for, and ``parse_*`` build the
models. The replay rules (``replayed_status_update``,
``replayed_merchant_order_id``) say when a retried update counts as done.

Reading an answer, in order: 406/415 are header problems; a JSON object with an
``error`` key is a Zonos error when the status is one Zonos documents for its
errors (v1 says 200, v2 says 400); any other non-200 status is unexpected,
whatever its body (a 5xx is a ``ServerError`` even with ``{"error": ...}``: it
may come from a proxy, and it keeps a server failure's retries); a 200 must be a
JSON object of the documented shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Final, TypeVar

from attrs import field, frozen
from cattrs import ClassValidationError, IterableValidationError

from ._converter import converter, describe_error
from ._errors import (
    InvalidCredentialsError,
    InvalidRequestError,
    OrderCancelledError,
    OrderMismatchError,
    OrderNotFoundError,
    RateLimitedError,
    RequestRejectedError,
    ResponseParseError,
    ServerError,
    StatusNotAllowedError,
    StatusTransitionError,
    StatusUnchangedError,
    UnexpectedStatusError,
    ZonosAPIError,
    ZonosProcessingError,
)
from ._models import Order, OrderNumbersPage, ResponseInfo, UpdateResult
from ._status import OrderStatus

__all__ = [
    "Credentials",
    "DEFAULT_BASE_URL",
    "DateTypes",
    "ENDPOINTS",
    "Endpoint",
    "HEADERS",
    "ORDER_DETAIL",
    "ORDER_NUMBERS",
    "Redact",
    "UPDATE_MERCHANT_ORDER_ID",
    "UPDATE_VENDOR_ORDER_STATUS",
    "api_error",
    "check_order_id",
    "decode",
    "encode",
    "format_date",
    "normalize_order_id",
    "order_detail_fields",
    "order_numbers_fields",
    "parse_order",
    "parse_order_numbers",
    "parse_update",
    "replayed_merchant_order_id",
    "replayed_status_update",
    "update_merchant_order_id_fields",
    "update_vendor_order_status_fields",
]

T = TypeVar("T")
Redact = Callable[[str], str]
"""What hides the secret in text shown or logged: ``Credentials.redact``, or ``str`` for none."""

EXCERPT_LENGTH: Final = 200


@frozen
class Endpoint:
    """One of the four endpoints: its documented name and its path."""

    name: str
    path: str


DEFAULT_BASE_URL: Final = "https://api.iglobalstores.com"

ORDER_NUMBERS: Final = Endpoint("orderNumbers", "/v1/orderNumbers")
ORDER_DETAIL: Final = Endpoint("orderDetail", "/v2/orderDetail")
UPDATE_MERCHANT_ORDER_ID: Final = Endpoint("updateMerchantOrderId", "/v1/updateMerchantOrderId")
UPDATE_VENDOR_ORDER_STATUS: Final = Endpoint(
    "updateVendorOrderStatus", "/v1/updateVendorOrderStatus"
)
ENDPOINTS: Final = (
    ORDER_NUMBERS,
    ORDER_DETAIL,
    UPDATE_MERCHANT_ORDER_ID,
    UPDATE_VENDOR_ORDER_STATUS,
)

HEADERS: Final[Mapping[str, str]] = {
    "Accept": "application/json",
    "Content-Type": "application/json",
}
"""The headers every request needs (Zonos answers 406/415 without them)."""


_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


@frozen
class Credentials:
    """A store id and its API secret. The secret never shows in a ``repr``."""

    store: int
    secret: str = field(repr=False)

    @classmethod
    def of(cls, store: object, secret: object, *, validate_secret: bool = True) -> Credentials:
        """Check both before anything is sent.

        The secret is stripped of surrounding whitespace (a newline from a secrets
        file), then must be a GUID, as Zonos documents it
        (``f5bde245-f55e-414d-b722-80b25161c12c``), unless ``validate_secret`` is
        false. No message ever shows the secret.
        """
        if isinstance(store, bool) or not isinstance(store, (int, str)):
            raise InvalidRequestError("store must be the numeric store id Zonos gave you")
        text = str(store).strip()
        if not text.isdigit() or int(text) <= 0:
            raise InvalidRequestError(f"store must be a positive whole number, got {store!r}")
        if not isinstance(secret, str) or not secret.strip():
            raise InvalidRequestError("secret must be the API secret Zonos gave you (a GUID)")
        secret = secret.strip()
        if validate_secret and not _GUID.fullmatch(secret):
            raise InvalidRequestError(
                "secret is not a GUID (8-4-4-4-12 hex digits), "
                "so Zonos would answer 'Invalid security credentials'; check that you copied the "
                "whole API secret, or pass validate_secret=False if Zonos gave you another form"
            )
        return cls(int(text), secret)

    def redact(self, text: str) -> str:
        """``text`` with the secret replaced, for anything that may be shown or logged."""
        # Equivalent mutant: replacing a secret that is not there changes nothing.
        # pragma: no mutate block
        return text.replace(self.secret, "[secret]") if self.secret in text else text


# --- Building requests -------------------------------------------------------------------------

_ORDER_ID = re.compile(r"(?:(\d+)-)?(\d+)")


def normalize_order_id(value: object, store: int, *, name: str = "order_id") -> str:
    """Accept ``"999-45678"``, ``"45678"`` or ``45678``; return the full ``"999-45678"``."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidRequestError(
            f"{name} must be a Zonos order id such as '{store}-45678', got {type(value).__name__}"
        )
    match = _ORDER_ID.fullmatch(str(value).strip())
    if match is None:
        raise InvalidRequestError(
            f"{name} {value!r} is not a Zonos order id (expected '{store}-45678' or '45678')"
        )
    prefix, number = match.groups()
    if prefix is not None and int(prefix) != store:
        raise InvalidRequestError(
            f"{name} {value!r} belongs to store {int(prefix)}, "
            f"but this session is for store {store}"
        )
    return f"{store}-{int(number)}"


DateTypes = date | datetime | str
"""A day: a ``date``, an aware ``datetime`` (its UTC day) or a string, ``"2026-11-01"`` or
``"20261101"`` (or an ISO datetime with its offset)."""


def _parse_date_text(text: str) -> date | datetime | None:
    try:
        if len(text) == 8 and text.isdigit():
            return datetime.strptime(text, "%Y%m%d").date()
        if len(text) == 10:
            return date.fromisoformat(text)
        # Equivalent mutants on the next two lines: a 10-character text never gets here and an
        # 11-character one is never a datetime; 3.11+ reads "Z" itself (the replace is for 3.10).
        if len(text) > 10 and text[10] in "T ":  # pragma: no mutate
            return datetime.fromisoformat(text.replace("Z", "+00:00"))  # pragma: no mutate
    except ValueError:
        pass
    return None


def format_date(value: object, *, name: str) -> str:
    """A :data:`DateTypes` day as Zonos wants it, ``yyyymmdd``."""
    if isinstance(value, str):
        parsed = _parse_date_text(value.strip())
        if parsed is None:
            raise InvalidRequestError(
                f"{name} {value!r} is not a real date such as '2026-11-01' (or '20261101')"
            )
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidRequestError(
                f"{name} is a naive datetime; pass a date (Zonos counts whole UTC days) "
                "or an aware datetime"
            )
        value = value.astimezone(timezone.utc).date()
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    raise InvalidRequestError(
        f"{name} must be a date, a datetime or a string such as '2026-11-01', "
        f"got {type(value).__name__} {value!r}"
    )


def order_numbers_fields(
    store: int,
    *,
    since_date: DateTypes | None = None,
    through_date: DateTypes | None = None,
    since_order_id: object = None,
    missing_merchant_order_id: bool = False,
    statuses: bool = False,
) -> dict[str, Any]:
    """The selectors of one ``orderNumbers`` call, checked as Zonos would check them."""
    if since_date is not None and since_order_id is not None:
        raise InvalidRequestError("pass since_date or since_order_id, not both")
    if through_date is not None and since_date is None:
        raise InvalidRequestError("through_date needs since_date")
    if since_date is None and since_order_id is None and not missing_merchant_order_id:
        raise InvalidRequestError(
            "pass since_date, since_order_id or missing_merchant_order_id=True"
        )
    fields: dict[str, Any] = {}
    if since_date is not None:
        fields["sinceDate"] = format_date(since_date, name="since_date")
    if through_date is not None:
        fields["throughDate"] = format_date(through_date, name="through_date")
        if fields["throughDate"] < fields["sinceDate"]:
            raise InvalidRequestError(
                f"through_date {fields['throughDate']} is before since_date {fields['sinceDate']}"
            )
    if since_order_id is not None:
        fields["sinceOrderId"] = normalize_order_id(since_order_id, store, name="since_order_id")
    if missing_merchant_order_id:
        fields["missingMerchantOrderId"] = True
    # Zonos turns statuses on when the key is present at all, even as false.
    if statuses:
        fields["statuses"] = True
    return fields


def order_detail_fields(store: int, order_id: object, reference_id: object) -> dict[str, Any]:
    """Exactly one of an order id or the merchant's reference id."""
    if (order_id is None) == (reference_id is None):
        raise InvalidRequestError("pass either order_id or reference_id, exactly one of them")
    if order_id is not None:
        return {"orderId": normalize_order_id(order_id, store)}
    if isinstance(reference_id, int) and not isinstance(reference_id, bool):
        reference_id = str(reference_id)
    if not isinstance(reference_id, str) or not reference_id.strip():
        raise InvalidRequestError("reference_id must be a non-empty string")
    return {"referenceId": reference_id}


def update_merchant_order_id_fields(
    store: int, order_id: object, merchant_order_id: object
) -> dict[str, Any]:
    """The order and the merchant's own order number (always sent as a string)."""
    full_id = normalize_order_id(order_id, store)
    if isinstance(merchant_order_id, int) and not isinstance(merchant_order_id, bool):
        merchant_order_id = str(merchant_order_id)
    if not isinstance(merchant_order_id, str) or not merchant_order_id.strip():
        raise InvalidRequestError("merchant_order_id must be a non-empty string")
    return {"orderId": full_id, "merchantOrderId": merchant_order_id}


def update_vendor_order_status_fields(
    store: int, order_id: object, status: object
) -> dict[str, Any]:
    """The order and one of the five statuses a vendor may set."""
    full_id = normalize_order_id(order_id, store)
    if not isinstance(status, str) or not status:
        raise InvalidRequestError("status must be an OrderStatus such as VENDOR_SHIPMENT_READY")
    wanted = OrderStatus(status)
    if not wanted.is_vendor_settable:
        settable = ", ".join(s.value for s in OrderStatus if s.is_vendor_settable)
        raise InvalidRequestError(
            f"a vendor cannot set status {wanted.value}; use one of {settable}"
        )
    return {"orderId": full_id, "orderStatus": wanted.value}


def encode(credentials: Credentials, fields: Mapping[str, Any]) -> bytes:
    """The JSON body: credentials first, as in the vendor's examples."""
    body = {"store": str(credentials.store), "secret": credentials.secret, **fields}
    return json.dumps(body, separators=(",", ":")).encode()


# --- Reading answers ---------------------------------------------------------------------------


def _excerpt(content: bytes, redact: Redact) -> str:
    # Equivalent mutants: 4 bytes hold any character (a longer slice shows the same), and
    # codec names ignore case; the "replace" handler is tested.
    text = content[: EXCERPT_LENGTH * 4].decode("utf-8", "replace")  # pragma: no mutate
    text = redact(text)
    if len(text) > EXCERPT_LENGTH:
        return text[:EXCERPT_LENGTH] + "..."
    return text


_REFUSED_HEADERS: Final = {406: "Accept", 415: "Content-Type"}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def decode(
    endpoint: Endpoint,
    status_code: int,
    headers: Mapping[str, str],
    content: bytes,
    redact: Redact,
    *,
    response: ResponseInfo | None = None,
) -> dict[str, Any]:
    """The JSON object of a successful answer, or the typed error the answer stands for.

    ``response`` (status, headers, elapsed time) is put on the error, as ``error.response``.
    """
    excerpt = _excerpt(content, redact)
    where = f"{endpoint.name}: HTTP {status_code}"
    header = _REFUSED_HEADERS.get(status_code)
    if header is not None:
        raise RequestRejectedError(
            f"HTTP {status_code}: Zonos refused the {header} header: {excerpt!r}",
            endpoint=endpoint.name, status_code=status_code, parameter=header, response=response,
        )  # fmt: skip
    try:
        data = json.loads(content, parse_float=Decimal)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str) and status_code in (200, 400):
        raise api_error(endpoint, redact(data["error"]), status_code, response=response)
    if status_code == 429:
        retry_after = _retry_after(headers)
        raise RateLimitedError(
            f"{where}: rate limited (Retry-After: {retry_after}): {excerpt!r}",
            endpoint=endpoint.name, status_code=status_code, excerpt=excerpt,
            retry_after=retry_after, response=response,
        )  # fmt: skip
    if status_code >= 500:
        raise ServerError(
            f"{where}: server error: {excerpt!r}",
            endpoint=endpoint.name, status_code=status_code, excerpt=excerpt, response=response,
        )  # fmt: skip
    if status_code != 200:
        raise UnexpectedStatusError(
            f"{where}: unexpected status: {excerpt!r}",
            endpoint=endpoint.name, status_code=status_code, excerpt=excerpt, response=response,
        )  # fmt: skip
    if not isinstance(data, dict):
        what = "not JSON" if data is None else f"JSON {type(data).__name__}, not an object"
        if not content:
            what = "an empty body"
        raise ResponseParseError(
            f"{where}: the answer is {what}: {excerpt!r}",
            endpoint=endpoint.name, status_code=status_code, excerpt=excerpt, response=response,
        )  # fmt: skip
    return data


def _structure(
    endpoint: Endpoint,
    data: Any,
    cls: type[T],
    redact: Redact,
    response: ResponseInfo | None,
    *,
    key: str | None = None,
) -> T:
    try:
        return _answered(converter.structure(data, cls), response)
    except (ClassValidationError, IterableValidationError) as exc:
        problems = tuple(redact(p) for p in describe_error(exc, f"$.{key}" if key else "$"))
    except (ValueError, TypeError, KeyError) as exc:
        problems = (redact(str(exc)),)
    excerpt = _excerpt(json.dumps(data, default=str).encode(), redact)
    shown = "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else "")
    raise ResponseParseError(
        f"{endpoint.name}: the answer is not the documented shape: {shown}",
        endpoint=endpoint.name, status_code=200, excerpt=excerpt, problems=problems,
        response=response,
    )  # fmt: skip


def _missing(
    endpoint: Endpoint,
    data: Mapping[str, Any],
    key: str,
    kind: str,
    redact: Redact,
    response: ResponseInfo | None,
) -> ResponseParseError:
    excerpt = _excerpt(json.dumps(data, default=str).encode(), redact)
    return ResponseParseError(
        f"{endpoint.name}: the answer has no {key!r} {kind}: {excerpt!r}",
        endpoint=endpoint.name, status_code=200, excerpt=excerpt,
        problems=(f"required field missing @ $.{key}",), response=response,
    )  # fmt: skip


def _answered(result: T, response: ResponseInfo | None) -> T:
    if response is not None:
        # Frozen, but not yet seen by anyone: set once here rather than copy the whole model.
        object.__setattr__(result, "response", response)
    return result


def parse_order_numbers(
    data: Mapping[str, Any], redact: Redact, *, response: ResponseInfo | None = None
) -> OrderNumbersPage:
    """An ``orderNumbers`` answer as a page of summaries (``response`` goes on the page)."""
    return _structure(ORDER_NUMBERS, data, OrderNumbersPage, redact, response)


def parse_order(
    data: Mapping[str, Any], redact: Redact, *, response: ResponseInfo | None = None
) -> Order:
    """An ``orderDetail`` answer, ``{"order": {...}}``, as an :class:`Order`."""
    if not isinstance(data.get("order"), dict):
        raise _missing(ORDER_DETAIL, data, "order", "object", redact, response)
    return _structure(ORDER_DETAIL, data["order"], Order, redact, response, key="order")


def check_order_id(requested: str, order: Order, store: int) -> None:
    """Raise :class:`OrderMismatchError` unless ``order`` is the order ``requested`` names.

    ``requested`` is the normalised id that was asked for; the answer's id is
    normalised the same way, so ``"999-0042"`` matches ``"999-42"``.
    """
    if not _is_order(requested, order, store):
        raise OrderMismatchError(
            f"orderDetail for {requested}: the answer is about order {order.id!r}",
            endpoint=ORDER_DETAIL.name, requested=requested, received=order.id,
            response=order.response,
        )  # fmt: skip


def _is_order(requested: str, order: Order, store: int) -> bool:
    try:
        received = normalize_order_id(order.id, store)
    except InvalidRequestError:
        # Equivalent mutant (None): an id that does not normalise never equals the one asked for.
        received = order.id  # pragma: no mutate
    return received == requested


def parse_update(
    endpoint: Endpoint,
    order_id: str,
    data: Mapping[str, Any],
    redact: Redact,
    *,
    response: ResponseInfo | None = None,
) -> UpdateResult:
    """An update's ``{"success": "..."}``."""
    message = data.get("success")
    if not isinstance(message, str):
        raise _missing(endpoint, data, "success", "text", redact, response)
    return UpdateResult(order_id=order_id, message=redact(message), raw=data, response=response)


# --- Replaying updates --------------------------------------------------------------------------
# Zonos has no idempotency key. When an update's answer is lost (``maybe_landed``: a timeout,
# a dropped connection, a 5xx, a garbled 200, "Could not process ..."), the retry must tell
# "the first attempt landed" from "it did not".


def replayed_status_update(
    order_id: str, wanted: OrderStatus, error: StatusUnchangedError, *, maybe_landed: bool
) -> UpdateResult | None:
    """Success, if "already has current status" is the status asked for after a lost answer.

    ``None`` means the error stands: nothing was lost (the caller asked for the status the
    order had), or the order has another status.
    """
    if not maybe_landed or error.current_status is not wanted:
        return None
    return UpdateResult(
        order_id,
        f"{order_id} has status {wanted} (an earlier attempt landed)",
        replayed=True,
        response=error.response,
    )


def replayed_merchant_order_id(
    order_id: str, wanted: str, stored: Order | None
) -> UpdateResult | None:
    """Success, if the order read back after a lost answer holds the merchant order id sent.

    ``order_id`` is the full id the update was for (``"999-45678"``); ``stored`` is
    the order read back (``None`` if it could not be read). ``None`` means send the
    update (again): also when ``stored`` is another order, as a connection out of
    step with its requests could give.
    """
    if stored is None or stored.merchant_order_id != wanted:
        return None
    store = int(order_id.partition("-")[0])
    if not _is_order(order_id, stored, store):
        return None
    return UpdateResult(
        order_id,
        f"merchantOrderId {wanted} is stored (an earlier attempt landed)",
        replayed=True,
        response=stored.response,
    )


# --- Zonos' error texts ------------------------------------------------------------------------

# Named groups are the error's keyword arguments; a ``*_status`` group becomes an OrderStatus.
_ID = r"(?P<order_id>.+?)"
_STATUS = r"(?P<{}_status>[^\s]+?)"

# (pattern, class[, facts the text implies]); the first match wins.
_MESSAGES: tuple[tuple[re.Pattern[str], type[ZonosAPIError], dict[str, Any]], ...] = tuple(
    (re.compile(pattern, re.DOTALL), cls, dict(*implied))
    for pattern, cls, *implied in (
        (r"Invalid security credentials\.?", InvalidCredentialsError),
        (r"could not parse input\.?|Invalid post body\.?", RequestRejectedError),
        (r"Parameter throughDate requires (?P<parameter>sinceDate)\.?", RequestRejectedError),
        (r"Parameter (?P<parameter>.+?) (?:is )?required(?: (?:to|for) \w+)?\.?",
         RequestRejectedError),
        (r"Cannot specify both Parameters (?P<parameter>\w+ and \w+)\.?", RequestRejectedError),
        (rf"(?P<parameter>orderId): {_ID} is not a valid orderId\.?", RequestRejectedError),
        (rf"Could not find an order with orderId: {_ID}\.?", OrderNotFoundError),
        (r"Could not find an order with referenceId: (?P<reference_id>.+?)\.?",
         OrderNotFoundError),
        (rf"Could not retrieve order to \w+ (?:for|from) orderId: {_ID}\.?", OrderNotFoundError),
        (rf"Couldn't find order for sinceOrderId: {_ID}\.?", OrderNotFoundError),
        (rf"OrderId: {_ID} has already been cancelled and status cannot be updated\..*",
         OrderCancelledError),
        (rf"OrderId: {_ID} already has current status: {_STATUS.format('current')}\.?",
         StatusUnchangedError),
        (rf"OrderId: {_ID} cannot be moved to order status: {_STATUS.format('requested')} "
         rf"while in status: {_STATUS.format('current')}\.?", StatusTransitionError),
        (r"Cannot update order status to invalid status: [^\s]+?\.?", RequestRejectedError,
         {"parameter": "orderStatus"}),
        (rf"Cannot update order status to status: {_STATUS.format('requested')}\.?",
         StatusNotAllowedError),
        (r"New Status: [^\s]+? is not a valid order status\.?", RequestRejectedError,
         {"parameter": "orderStatus"}),
        (r"Could not process .+", ZonosProcessingError),
    )
)  # fmt: skip


def api_error(
    endpoint: Endpoint,
    message: str,
    status_code: int = 200,
    *,
    response: ResponseInfo | None = None,
) -> ZonosAPIError:
    """The typed error for one of Zonos' error texts (``ZonosAPIError`` for one we do not know)."""
    for pattern, cls, implied in _MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match is None:
            continue
        facts = {
            key: OrderStatus(value) if key.endswith("_status") else value
            for key, value in match.groupdict().items()
            if value is not None
        }
        return cls(
            message, endpoint=endpoint.name, status_code=status_code, response=response,
            **implied, **facts,
        )  # fmt: skip
    return ZonosAPIError(
        message, endpoint=endpoint.name, status_code=status_code, response=response
    )
