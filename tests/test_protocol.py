"""The sans-I/O core: request validation and the mapping of every documented error text."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from conftest import STORE, catalog, load

import zonos_async as z
from zonos_async import protocol

ENDPOINTS = {
    "orderNumbers": protocol.ORDER_NUMBERS,
    "orderDetail_v2": protocol.ORDER_DETAIL,
    "updateMerchantOrderId": protocol.UPDATE_MERCHANT_ORDER_ID,
    "updateVendorOrderStatus": protocol.UPDATE_VENDOR_ORDER_STATUS,
}

# Every error text of the catalog, and the class (plus facts) it must map to.
EXPECTED: dict[str, tuple[type[z.ZonosAPIError], dict[str, Any]]] = {
    "could not parse input": (z.RequestRejectedError, {"parameter": None}),
    "Invalid post body": (z.RequestRejectedError, {"parameter": None}),
    "Invalid security credentials": (z.InvalidCredentialsError, {}),
    "orderId: 999-99999 is not a valid orderId": (
        z.RequestRejectedError,
        {"order_id": "999-99999", "parameter": "orderId"},
    ),
    "Couldn't find order for sinceOrderId: 999999": (z.OrderNotFoundError, {"order_id": "999999"}),
    "Parameter orderId or referenceId is required.": (
        z.RequestRejectedError,
        {"parameter": "orderId or referenceId"},
    ),
    "Parameter orderId or referenceId is required": (
        z.RequestRejectedError,
        {"parameter": "orderId or referenceId"},
    ),
    "Cannot specify both Parameters orderId and referenceId.": (
        z.RequestRejectedError,
        {"parameter": "orderId and referenceId"},
    ),
    "Cannot specify both Parameters orderId and referenceId": (
        z.RequestRejectedError,
        {"parameter": "orderId and referenceId"},
    ),
    "Could not process order details.": (z.ZonosProcessingError, {}),
    "Could not process order details": (z.ZonosProcessingError, {}),
    "Could not process order numbers.": (z.ZonosProcessingError, {}),
    "Parameter sinceDate, sinceOrderId or missingMerchantOrderId is required": (
        z.RequestRejectedError,
        {"parameter": "sinceDate, sinceOrderId or missingMerchantOrderId"},
    ),
    "Cannot specify both Parameters sinceDate and sinceOrderId": (
        z.RequestRejectedError,
        {"parameter": "sinceDate and sinceOrderId"},
    ),
    "Parameter throughDate requires sinceDate": (
        z.RequestRejectedError,
        {"parameter": "sinceDate"},
    ),
    "Could not find an order with orderId: 999-99999": (
        z.OrderNotFoundError,
        {"order_id": "999-99999"},
    ),
    "Parameter store is required": (z.RequestRejectedError, {"parameter": "store"}),
    "Could not find an order with referenceId: cart-4711": (
        z.OrderNotFoundError,
        {"reference_id": "cart-4711", "order_id": None},
    ),
    "Parameter orderId is required to processUpdateMerchantOrderId": (
        z.RequestRejectedError,
        {"parameter": "orderId"},
    ),
    "Parameter merchantOrderId is required to updateMerchantOrderId.": (
        z.RequestRejectedError,
        {"parameter": "merchantOrderId"},
    ),
    "Could not retrieve order to updateMerchantOrderId for orderId: 999-99999": (
        z.OrderNotFoundError,
        {"order_id": "999-99999"},
    ),
    "Could not process update merchant order id.": (z.ZonosProcessingError, {}),
    "Parameter orderId required for updateVendorOrderStatus": (
        z.RequestRejectedError,
        {"parameter": "orderId"},
    ),
    "Parameter orderStatus required for updateVendorOrderStatus.": (
        z.RequestRejectedError,
        {"parameter": "orderStatus"},
    ),
    "Could not retrieve order to updateVendorOrderStatus from orderId: 999-99999": (
        z.OrderNotFoundError,
        {"order_id": "999-99999"},
    ),
    "OrderId: 999-99999 has already been cancelled and status cannot be updated. Please contact "
    "Zonos Support - support@iglobalstores.com": (z.OrderCancelledError, {"order_id": "999-99999"}),
    "Cannot update order status to status: VENDOR_CANCELLATION_REQUEST": (
        z.StatusNotAllowedError,
        {"requested_status": z.OrderStatus.VENDOR_CANCELLATION_REQUEST},
    ),
    "Cannot update order status to invalid status: NEW_ORDER_STATUS": (
        z.RequestRejectedError,
        {"parameter": "orderStatus"},
    ),
    "OrderId: 999-99999 already has current status: VENDOR_SHIPMENT_READY": (
        z.StatusUnchangedError,
        {"order_id": "999-99999", "current_status": z.OrderStatus.VENDOR_SHIPMENT_READY},
    ),
    "OrderId: 999-99999 cannot be moved to order status: VENDOR_CANCELLATION_REQUEST while in "
    "status: VENDOR_END_OF_DAY_COMPLETE": (
        z.StatusTransitionError,
        {
            "order_id": "999-99999",
            "requested_status": z.OrderStatus.VENDOR_CANCELLATION_REQUEST,
            "current_status": z.OrderStatus.VENDOR_END_OF_DAY_COMPLETE,
        },
    ),
    "New Status: NEW_ORDER_STATUS is not a valid order status": (
        z.RequestRejectedError,
        {"parameter": "orderStatus"},
    ),
    "Could not process updateVendorOrderStatus.": (z.ZonosProcessingError, {}),
}

CASES = [
    (section, entry["http"], entry["body"]["error"])
    for section, entries in catalog().items()
    for entry in entries
    if isinstance(entry["body"], dict)
]


def test_catalog_is_fully_covered() -> None:
    assert {message for _, _, message in CASES} == set(EXPECTED)


@pytest.mark.parametrize(("section", "http", "message"), CASES)
def test_every_documented_error_maps_to_its_class(section: str, http: int, message: str) -> None:
    endpoint = ENDPOINTS[section]
    body = json.dumps({"error": message}).encode()
    with pytest.raises(z.ZonosAPIError) as info:
        protocol.decode(endpoint, http, {}, body, str)
    error = info.value
    cls, facts = EXPECTED[message]
    assert type(error) is cls
    assert error.message == message
    assert error.endpoint == endpoint.name
    assert error.status_code == http
    for attribute, value in facts.items():
        assert getattr(error, attribute) == value, attribute
    assert error.retryable is (cls is z.ZonosProcessingError)


def test_documented_bare_number_variants() -> None:
    error = protocol.api_error(
        protocol.UPDATE_VENDOR_ORDER_STATUS,
        "OrderId: 99999 cannot be moved to order status: VENDOR_PREPARING_ORDER while in status: "
        "IGLOBAL_FRAUD_REVIEW",
    )
    assert isinstance(error, z.StatusTransitionError)
    assert error.order_id == "99999"
    assert error.current_status is z.OrderStatus.IGLOBAL_FRAUD_REVIEW
    error = protocol.api_error(
        protocol.UPDATE_MERCHANT_ORDER_ID,
        "Could not retrieve order to updateMerchantOrderId for orderId: 99999",
    )
    assert isinstance(error, z.OrderNotFoundError) and error.order_id == "99999"


def test_unknown_error_text_is_still_an_api_error() -> None:
    with pytest.raises(z.ZonosAPIError) as info:
        protocol.decode(protocol.ORDER_DETAIL, 400, {}, b'{"error": "Something new"}', str)
    assert type(info.value) is z.ZonosAPIError
    assert info.value.message == "Something new"
    assert "orderDetail" in str(info.value)


@pytest.mark.parametrize(
    ("status", "body", "cls", "said"),
    [
        (429, b"slow down", z.RateLimitedError, "rate limited"),
        (500, b"<html>Internal</html>", z.ServerError, "server error"),
        (503, b"", z.ServerError, "server error"),
        # An {"error": ...} body is Zonos' own only on 200/400 (as docs/errors.md says).
        (500, b'{"error": "Could not process request"}', z.ServerError, "server error"),
        (429, b'{"error": "slow down"}', z.RateLimitedError, "rate limited"),
        (404, b"<html>Not Found</html>", z.UnexpectedStatusError, "unexpected status"),
        (302, b"", z.UnexpectedStatusError, "unexpected status"),
        (200, b"<html>proxy login</html>", z.ResponseParseError, "not JSON"),
        (200, b"", z.ResponseParseError, "empty body"),
        (200, b'{"totalCount": 1', z.ResponseParseError, "not JSON"),
        (200, b"[1, 2]", z.ResponseParseError, "JSON list"),
        (400, b"<html>Bad Request</html>", z.UnexpectedStatusError, "unexpected status"),
    ],
)
def test_strange_answers(status: int, body: bytes, cls: type[z.ZonosError], said: str) -> None:
    with pytest.raises(cls) as info:
        protocol.decode(protocol.ORDER_NUMBERS, status, {}, body, str)
    error = info.value
    assert type(error) is cls
    assert said in str(error)
    assert isinstance(error, z.UnexpectedResponseError)
    assert error.status_code == status
    assert error.excerpt == body.decode()[:200]


@pytest.mark.parametrize(
    ("status", "body", "header"),
    [
        (406, b"<html><body>Not Acceptable</body></html>", "Accept"),
        (415, b"<p>no</p>", "Content-Type"),
    ],
)
def test_refused_headers_are_a_rejected_request(status: int, body: bytes, header: str) -> None:
    with pytest.raises(z.RequestRejectedError) as info:
        protocol.decode(protocol.ORDER_NUMBERS, status, {}, body, str)
    error = info.value
    assert (error.status_code, error.parameter, error.endpoint) == (status, header, "orderNumbers")
    assert f"HTTP {status}: Zonos refused the {header} header" in str(error)
    assert body.decode() in error.message


def test_retry_after_is_read() -> None:
    with pytest.raises(z.RateLimitedError) as info:
        protocol.decode(protocol.ORDER_DETAIL, 429, {"retry-after": "7"}, b"", str)
    assert info.value.retry_after == 7.0


def test_excerpt_is_short_and_redacted() -> None:
    creds = protocol.Credentials.of(STORE, "s3cr3t-guid", validate_secret=False)
    body = b"<html>" + b"echo s3cr3t-guid " * 100 + b"</html>"
    with pytest.raises(z.ServerError) as info:
        protocol.decode(protocol.ORDER_DETAIL, 502, {}, body, creds.redact)
    assert "s3cr3t-guid" not in str(info.value)
    assert len(info.value.excerpt) <= 203


# --- Validation before sending -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("999-45678", "999-45678"), ("45678", "999-45678"), (45678, "999-45678"), (" 7 ", "999-7")],
)
def test_order_id_forms(value: object, expected: str) -> None:
    assert protocol.normalize_order_id(value, STORE) == expected


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("998-45678", "belongs to store 998"),
        ("abc", "is not a Zonos order id"),
        ("999-", "is not a Zonos order id"),
        ("", "is not a Zonos order id"),
        ("-1", "is not a Zonos order id"),
        (True, "must be a Zonos order id"),
        (4.5, "must be a Zonos order id"),
        (None, "must be a Zonos order id"),
    ],
)
def test_bad_order_ids(value: object, said: str) -> None:
    with pytest.raises(z.InvalidRequestError, match=said):
        protocol.normalize_order_id(value, STORE)


def test_invalid_request_error_is_a_value_error() -> None:
    assert issubclass(z.InvalidRequestError, ValueError)
    assert issubclass(z.InvalidRequestError, z.ZonosError)


def test_every_error_has_a_response_attribute() -> None:
    # ``except ZonosError as e: e.response`` works whatever was raised.
    assert z.InvalidRequestError("bad").response is None
    assert z.ZonosConnectionError("down", endpoint="orderDetail").response is None


def test_an_order_mismatch_carries_the_answer_it_came_in() -> None:
    info = z.ResponseInfo("orderDetail", 200, {"content-type": "application/json"}, 0.1)
    order = protocol.parse_order(load("orderDetail-response-minimal.json"), str, response=info)
    protocol.check_order_id(order.id, order, STORE)
    with pytest.raises(z.OrderMismatchError) as caught:
        protocol.check_order_id("999-1", order, STORE)
    assert caught.value.response is info


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"since_date": date(2015, 1, 1)}, {"sinceDate": "20150101"}),
        ({"since_date": "20150101"}, {"sinceDate": "20150101"}),
        ({"since_date": "2015-01-01"}, {"sinceDate": "20150101"}),
        ({"since_date": " 2015-01-01\n"}, {"sinceDate": "20150101"}),
        (
            {"since_date": "2015-01-01", "through_date": "2015-06-01"},
            {"sinceDate": "20150101", "throughDate": "20150601"},
        ),
        ({"since_date": "2015-01-01T23:00:00-07:00"}, {"sinceDate": "20150102"}),
        ({"since_date": "2015-01-01T23:00:00Z"}, {"sinceDate": "20150101"}),
        ({"since_date": datetime(2015, 1, 1, 1, tzinfo=timezone.utc)}, {"sinceDate": "20150101"}),
        (
            {"since_date": date(2015, 1, 1), "through_date": date(2015, 6, 1)},
            {"sinceDate": "20150101", "throughDate": "20150601"},
        ),
        (
            {"since_date": date(2015, 1, 1), "through_date": date(2015, 1, 1)},
            {"sinceDate": "20150101", "throughDate": "20150101"},
        ),
        ({"since_order_id": "99999"}, {"sinceOrderId": "999-99999"}),
        ({"missing_merchant_order_id": True}, {"missingMerchantOrderId": True}),
        (
            {"since_date": date(2015, 1, 1), "statuses": True},
            {"sinceDate": "20150101", "statuses": True},
        ),
        ({"since_date": date(2015, 1, 1), "statuses": False}, {"sinceDate": "20150101"}),
        (
            {"since_date": datetime(2015, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=-7)))},
            {"sinceDate": "20150102"},
        ),
    ],
)
def test_order_numbers_fields(kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    assert protocol.order_numbers_fields(STORE, **kwargs) == expected


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({}, "pass since_date, since_order_id or missing_merchant_order_id"),
        ({"since_date": date(2015, 1, 1), "since_order_id": "1"}, "not both"),
        ({"through_date": date(2015, 1, 1)}, "through_date needs since_date"),
        ({"through_date": date(2015, 1, 1), "missing_merchant_order_id": True}, "needs since_date"),
        ({"since_date": date(2015, 2, 1), "through_date": date(2015, 1, 1)}, "is before"),
        ({"since_date": "01/01/2015"}, "not a real date such as '2026-11-01'"),
        ({"since_date": "20150231"}, "not a real date"),
        ({"since_date": "2015-02-31"}, "not a real date"),
        ({"since_date": ""}, "not a real date"),
        ({"since_date": 20150101}, "must be a date, a datetime or a string"),
        ({"since_date": datetime(2015, 1, 1)}, "naive datetime"),
        ({"since_date": "2015-01-01T10:00:00"}, "naive datetime"),
        ({"since_order_id": "998-1"}, "belongs to store 998"),
    ],
)
def test_order_numbers_refused(kwargs: dict[str, Any], said: str) -> None:
    with pytest.raises(z.InvalidRequestError, match=said):
        protocol.order_numbers_fields(STORE, **kwargs)


def test_order_detail_fields() -> None:
    assert protocol.order_detail_fields(STORE, "1", None) == {"orderId": "999-1"}
    assert protocol.order_detail_fields(STORE, None, "cart-1") == {"referenceId": "cart-1"}
    assert protocol.order_detail_fields(STORE, None, 12345) == {"referenceId": "12345"}
    for order_id, reference_id in [(None, None), ("1", "cart-1")]:
        with pytest.raises(z.InvalidRequestError, match="exactly one"):
            protocol.order_detail_fields(STORE, order_id, reference_id)
    with pytest.raises(z.InvalidRequestError, match="non-empty"):
        protocol.order_detail_fields(STORE, None, " ")


def test_update_fields() -> None:
    assert protocol.update_merchant_order_id_fields(STORE, 5, "12-34567") == {
        "orderId": "999-5",
        "merchantOrderId": "12-34567",
    }
    assert protocol.update_merchant_order_id_fields(STORE, 5, 1234)["merchantOrderId"] == "1234"
    for bad in ["", "  ", None]:
        with pytest.raises(z.InvalidRequestError, match="merchant_order_id"):
            protocol.update_merchant_order_id_fields(STORE, 5, bad)
    for status in [s for s in z.OrderStatus if s.is_vendor_settable]:
        fields = protocol.update_vendor_order_status_fields(STORE, 5, status)
        assert fields == {"orderId": "999-5", "orderStatus": status.value}
    assert protocol.update_vendor_order_status_fields(STORE, 5, "VENDOR_SHIPMENT_READY")[
        "orderStatus"
    ] == ("VENDOR_SHIPMENT_READY")
    for bad in ["IGLOBAL_ORDER_IN_PROCESS", "IGLOBAL_ORDER_CANCELLED", "MADE_UP", ""]:
        with pytest.raises(z.InvalidRequestError, match="status"):
            protocol.update_vendor_order_status_fields(STORE, 5, bad)


@pytest.mark.parametrize(
    ("store", "secret", "said"),
    [
        ("abc", "x", "positive whole number"),
        (0, "x", "positive whole number"),
        (True, "x", "numeric store id"),
        (999, "", "secret must be"),
        (999, None, "secret must be"),
        (999, "bogus", "not a GUID"),
        (999, "f5bde245-f55e-414d-b722-80b25161c12", "not a GUID"),  # one digit short
        (999, "{f5bde245-f55e-414d-b722-80b25161c12c}", "not a GUID"),
        (999, "f5bde245f55e414db72280b25161c12c", "not a GUID"),
        (999, "f5bde245-f55e-414d-b722-80b25161c12c\nx", "not a GUID"),
    ],
)
def test_bad_credentials(store: object, secret: object, said: str) -> None:
    with pytest.raises(z.InvalidRequestError, match=said):
        protocol.Credentials.of(store, secret)


def test_the_secret_is_stripped_and_never_echoed() -> None:
    guid = "F5BDE245-f55e-414d-b722-80b25161c12c"
    assert protocol.Credentials.of(999, f"  {guid}\n").secret == guid
    with pytest.raises(z.InvalidRequestError) as info:
        protocol.Credentials.of(999, "hunter2-but-longer")
    assert "hunter2" not in str(info.value)
    assert "validate_secret=False" in str(info.value)
    assert protocol.Credentials.of(999, " tok:en ", validate_secret=False).secret == "tok:en"


def test_encode_puts_credentials_first_as_strings() -> None:
    credentials = protocol.Credentials.of("999", "s", validate_secret=False)
    body = protocol.encode(credentials, {"orderId": "999-1"})
    assert body == b'{"store":"999","secret":"s","orderId":"999-1"}'


# --- The core on its own, over plain httpx ----------------------------------------------------


@pytest.mark.asyncio
async def test_the_core_drives_zonos_over_plain_httpx_without_a_session() -> None:
    from zonos_async.testing import DOC_SECRET, FakeZonos

    fake = FakeZonos.seeded(orders=5, seed=3)
    credentials = protocol.Credentials.of(fake.store, DOC_SECRET)

    async def call(
        http: httpx.AsyncClient, endpoint: protocol.Endpoint, fields: dict[str, Any]
    ) -> dict[str, Any]:
        answer = await http.post(
            endpoint.path, content=protocol.encode(credentials, fields), headers=protocol.HEADERS
        )
        return protocol.decode(
            endpoint, answer.status_code, answer.headers, answer.content, credentials.redact
        )

    async with httpx.AsyncClient(base_url="http://zonos.test", transport=fake.transport()) as http:
        fields = protocol.order_numbers_fields(
            credentials.store, since_date=date(2000, 1, 1), statuses=True
        )
        page = protocol.parse_order_numbers(
            await call(http, protocol.ORDER_NUMBERS, fields), credentials.redact
        )
        assert len(page) == 5
        first = page.orders[0]
        fields = protocol.order_detail_fields(credentials.store, first.id, None)
        order = protocol.parse_order(
            await call(http, protocol.ORDER_DETAIL, fields), credentials.redact
        )
        assert order.id == first.id
        assert order.status == first.status
        fields = protocol.order_detail_fields(credentials.store, "999-1", None)
        with pytest.raises(z.OrderNotFoundError) as caught:
            await call(http, protocol.ORDER_DETAIL, fields)
        assert caught.value.order_id == "999-1"


# --- Replay rules ------------------------------------------------------------------------------


def test_a_status_update_counts_as_replayed_only_after_a_lost_answer_and_for_its_status() -> None:
    info = z.ResponseInfo("updateVendorOrderStatus", 200, {}, 0.1)
    error = protocol.api_error(
        protocol.UPDATE_VENDOR_ORDER_STATUS,
        "OrderId: 999-5 already has current status: VENDOR_SHIPMENT_READY",
        response=info,
    )
    assert isinstance(error, z.StatusUnchangedError)
    wanted, other = z.OrderStatus.VENDOR_SHIPMENT_READY, z.OrderStatus.VENDOR_PREPARING_ORDER
    assert protocol.replayed_status_update("999-5", wanted, error, maybe_landed=False) is None
    assert protocol.replayed_status_update("999-5", other, error, maybe_landed=True) is None
    result = protocol.replayed_status_update("999-5", wanted, error, maybe_landed=True)
    assert result is not None
    assert (result.order_id, result.replayed, result.response) == ("999-5", True, info)
    assert result.message == "999-5 has status VENDOR_SHIPMENT_READY (an earlier attempt landed)"


def test_a_merchant_id_counts_as_replayed_only_when_the_order_holds_it() -> None:
    data = load("orderDetail-response-minimal.json")
    data["order"]["merchantOrderId"] = "M-1"
    data["order"]["orderId"] = "999-0005"  # the same order, written differently
    info = z.ResponseInfo("orderDetail", 200, {}, 0.1)
    stored = protocol.parse_order(data, str, response=info)
    assert protocol.replayed_merchant_order_id("999-5", "M-1", None) is None
    assert protocol.replayed_merchant_order_id("999-5", "M-2", stored) is None
    # Another order that holds the same merchant id confirms nothing.
    assert protocol.replayed_merchant_order_id("999-6", "M-1", stored) is None
    result = protocol.replayed_merchant_order_id("999-5", "M-1", stored)
    assert result is not None
    assert (result.replayed, result.response, result.raw) == (True, info, {})
    assert result.message == "merchantOrderId M-1 is stored (an earlier attempt landed)"
