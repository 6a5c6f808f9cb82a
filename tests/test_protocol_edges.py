"""The protocol core at its edges: what its errors say, and answers of the wrong shape."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from conftest import SECRET, load

from zonos_async import (
    InvalidRequestError,
    OrderMismatchError,
    OrderStatus,
    RateLimitedError,
    RequestRejectedError,
    ResponseInfo,
    ResponseParseError,
    ServerError,
    UnexpectedStatusError,
    ZonosAPIError,
)
from zonos_async.protocol import (
    ORDER_DETAIL,
    ORDER_NUMBERS,
    UPDATE_MERCHANT_ORDER_ID,
    UPDATE_VENDOR_ORDER_STATUS,
    Credentials,
    api_error,
    check_order_id,
    decode,
    format_date,
    normalize_order_id,
    order_detail_fields,
    order_numbers_fields,
    parse_order,
    parse_order_numbers,
    parse_update,
    replayed_merchant_order_id,
    update_merchant_order_id_fields,
    update_vendor_order_status_fields,
)

STORE = 999
redact = Credentials.of(STORE, SECRET).redact


def refused(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(InvalidRequestError) as info:
        call(*args, **kwargs)
    return str(info.value)


# --- Building requests: each refusal names what to change ---------------------------------------


@pytest.mark.parametrize(
    ("selectors", "message"),
    [
        ({"since_date": "20261101", "since_order_id": "1"},
         "pass since_date or since_order_id, not both"),
        ({"through_date": "20261101"}, "through_date needs since_date"),
        ({}, "pass since_date, since_order_id or missing_merchant_order_id=True"),
        ({"since_date": "2026-13-45"}, "since_date '2026-13-45' is not a real date"),
        ({"since_date": "20261101", "through_date": 3.5},
         "through_date must be a date, a datetime or a string such as '2026-11-01', got float"),
        ({"since_order_id": "1000-5"}, "since_order_id '1000-5' belongs to store 1000"),
    ],
)  # fmt: skip
def test_order_numbers_refusals_name_the_argument(selectors: dict[str, Any], message: str) -> None:
    assert refused(order_numbers_fields, STORE, **selectors).startswith(message)


def test_a_naive_datetime_is_refused_with_the_way_out() -> None:
    message = refused(format_date, datetime(2026, 11, 1, 12), name="since_date")
    assert message == (
        "since_date is a naive datetime; pass a date (Zonos counts whole UTC days) "
        "or an aware datetime"
    )


@pytest.fixture
def local_time_in_auckland(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("local_time_in_auckland")
def test_an_aware_datetime_is_the_utc_day_whatever_the_machine_local_time() -> None:
    evening_in_new_york = datetime(2026, 11, 1, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert format_date(evening_in_new_york, name="since_date") == "20261102"  # 01:00 UTC
    morning_in_auckland = datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=13)))
    assert format_date(morning_in_auckland, name="since_date") == "20261101"  # 20:00 UTC


@pytest.mark.parametrize("text", ["2026111", "202611011", "2026 1101"])
def test_a_date_string_needs_eight_digits(text: str) -> None:
    assert "is not a real date" in refused(format_date, text, name="since_date")


def test_merchant_order_id_refusal() -> None:
    message = refused(update_merchant_order_id_fields, STORE, "999-1", "  ")
    assert message == "merchant_order_id must be a non-empty string"


def test_vendor_status_refusals_say_which_statuses_a_vendor_may_set() -> None:
    assert refused(update_vendor_order_status_fields, STORE, "999-1", None) == (
        "status must be an OrderStatus such as VENDOR_SHIPMENT_READY"
    )
    assert refused(update_vendor_order_status_fields, STORE, "999-1", "IGLOBAL_FRAUD_REVIEW") == (
        "a vendor cannot set status IGLOBAL_FRAUD_REVIEW; use one of VENDOR_PREPARING_ORDER, "
        "VENDOR_SHIPMENT_READY, VENDOR_LABELS_PRINTED_DATE, VENDOR_CANCELLATION_REQUEST, "
        "VENDOR_END_OF_DAY_COMPLETE"
    )


# --- Reading answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("-1", None), ("0", 0.0), ("2.5", 2.5)])
def test_retry_after_must_not_be_negative(value: str, expected: float | None) -> None:
    with pytest.raises(RateLimitedError) as info:
        decode(ORDER_NUMBERS, 429, {"retry-after": value}, b"", redact)
    assert info.value.retry_after == expected


def test_a_page_of_the_wrong_shape_names_each_problem_from_the_root() -> None:
    data = load("orderNumbers-response.json")
    data["totalCount"] = "six"
    data["orders"][1]["testOrder"] = "maybe"
    with pytest.raises(ResponseParseError) as info:
        parse_order_numbers(data, redact)
    error = info.value
    assert error.problems == (
        "not a number: 'six' @ $.totalCount",
        "expected a boolean, got 'maybe' @ $.orders[1].testOrder",
    )
    assert str(error) == (
        "orderNumbers: the answer is not the documented shape: "
        "not a number: 'six' @ $.totalCount; "
        "expected a boolean, got 'maybe' @ $.orders[1].testOrder"
    )
    assert (error.endpoint, error.status_code) == ("orderNumbers", 200)
    assert error.excerpt.startswith('{"totalCount": "six"')


def test_a_page_that_is_not_an_object_is_a_parse_error() -> None:
    with pytest.raises(ResponseParseError) as info:
        parse_order_numbers(["999-1"], redact)  # type: ignore[arg-type]
    assert info.value.problems == ("expected a JSON object, got list",)
    assert info.value.excerpt == '["999-1"]'
    assert info.value.status_code == 200


@pytest.mark.parametrize(("bad", "shown"), [(5, 5), (6, 5), (8, 5)])
def test_many_problems_show_the_first_five_and_count_the_rest(bad: int, shown: int) -> None:
    data = load("orderDetail-response-minimal.json")
    data["order"]["items"] = [{"quantity": "?", "unitPrice": 1}] * bad
    with pytest.raises(ResponseParseError) as info:
        parse_order(data, redact)
    assert len(info.value.problems) == bad
    message = str(info.value)
    assert message.count("@ $.order.items[") == shown
    more = f" (+{bad - shown} more)"
    assert message.endswith(more) if bad > shown else "more)" not in message


def test_problems_and_excerpt_never_show_the_secret() -> None:
    data = load("orderDetail-response-minimal.json")
    data["order"]["grandTotal"] = SECRET
    with pytest.raises(ResponseParseError) as info:
        parse_order(data, redact)
    assert info.value.problems == ("not a number: '[secret]' @ $.order.grandTotal",)
    assert SECRET not in info.value.excerpt
    assert SECRET not in str(info.value)


def test_an_order_answer_without_an_order_shows_what_came() -> None:
    with pytest.raises(ResponseParseError) as info:
        parse_order({"orders": [Decimal("1.5")], "note": SECRET}, redact)
    error = info.value
    assert error.problems == ("required field missing @ $.order",)
    assert (error.endpoint, error.status_code) == ("orderDetail", 200)
    assert error.excerpt == '{"orders": ["1.5"], "note": "[secret]"}'
    assert str(error) == f"orderDetail: the answer has no 'order' object: {error.excerpt!r}"


@pytest.mark.parametrize("endpoint", [UPDATE_MERCHANT_ORDER_ID, UPDATE_VENDOR_ORDER_STATUS])
def test_an_update_answer_without_success_text_shows_what_came(endpoint: Any) -> None:
    with pytest.raises(ResponseParseError) as info:
        parse_update(endpoint, "999-1", {"success": True, "id": Decimal("2.5")}, redact)
    error = info.value
    assert error.problems == ("required field missing @ $.success",)
    assert (error.endpoint, error.status_code) == (endpoint.name, 200)
    assert error.excerpt == '{"success": true, "id": "2.5"}'
    assert str(error) == f"{endpoint.name}: the answer has no 'success' text: {error.excerpt!r}"


def test_an_update_answer_is_read_whole() -> None:
    data = {"success": f"updated with {SECRET}"}
    result = parse_update(UPDATE_MERCHANT_ORDER_ID, "999-1", data, redact)
    assert (result.order_id, result.message, result.replayed) == (
        "999-1",
        "updated with [secret]",
        False,
    )
    assert result.raw == data


# --- Zonos' error texts --------------------------------------------------------------------------


def test_an_error_text_read_without_a_status_is_from_a_200() -> None:
    assert api_error(ORDER_DETAIL, "Invalid security credentials").status_code == 200
    assert api_error(ORDER_DETAIL, "Something new went wrong").status_code == 200


def test_an_unknown_error_text_keeps_its_status() -> None:
    error = api_error(ORDER_DETAIL, "Something new went wrong", 400)
    assert type(error) is ZonosAPIError
    assert (error.endpoint, error.status_code, str(error)) == (
        "orderDetail",
        400,
        "orderDetail: Something new went wrong",
    )


def test_only_status_facts_become_statuses() -> None:
    error = api_error(
        UPDATE_VENDOR_ORDER_STATUS,
        "OrderId: 999-1 already has current status: VENDOR_SHIPMENT_READY.",
    )
    assert error.order_id == "999-1"
    assert type(error.order_id) is str
    assert error.current_status is OrderStatus.VENDOR_SHIPMENT_READY  # type: ignore[attr-defined]


# --- The HTTP answer travels with what was read from it ------------------------------------------

ANSWER = ResponseInfo("orderDetail", 200, {"x-request-id": "r-1"}, 0.25)


def test_each_parsed_result_carries_its_answer() -> None:
    page = parse_order_numbers(load("orderNumbers-response.json"), redact, response=ANSWER)
    order = parse_order(load("orderDetail-response-minimal.json"), redact, response=ANSWER)
    update = parse_update(
        UPDATE_MERCHANT_ORDER_ID, "999-1", {"success": "ok"}, redact, response=ANSWER
    )
    assert page.response is ANSWER and order.response is ANSWER and update.response is ANSWER
    assert parse_order(load("orderDetail-response-minimal.json"), redact).response is None


@pytest.mark.parametrize(
    "parse",
    [
        lambda r: parse_order({"order": None}, redact, response=r),
        lambda r: parse_order({"order": {"orderId": 5}}, redact, response=r),
        lambda r: parse_order_numbers({"orders": 5}, redact, response=r),
        lambda r: parse_update(UPDATE_VENDOR_ORDER_STATUS, "999-1", {}, redact, response=r),
    ],
)
def test_each_parse_error_carries_its_answer(parse: Any) -> None:
    with pytest.raises(ResponseParseError) as info:
        parse(ANSWER)
    assert info.value.response is ANSWER


def test_only_t_or_a_space_separates_an_iso_day_from_its_time() -> None:
    assert format_date("2026-11-01T23:30:00-05:00", name="since_date") == "20261102"
    assert format_date("2026-11-01 23:30:00+00:00", name="since_date") == "20261101"
    assert "is not a real date" in refused(format_date, "2026-11-01X12:00+00:00", name="d")


@pytest.mark.parametrize("text", ["Invalid security credentials", "Something new went wrong"])
def test_each_error_text_carries_its_answer(text: str) -> None:
    assert api_error(ORDER_DETAIL, text, 200, response=ANSWER).response is ANSWER


def test_a_merchant_order_id_read_back_names_the_order() -> None:
    stored = parse_order(load("orderDetail-response-minimal.json"), redact, response=ANSWER)
    stored = attrs.evolve(stored, merchant_order_id="M-7")
    result = replayed_merchant_order_id("999-100232", "M-7", stored)
    assert result is not None
    assert (result.order_id, result.replayed) == ("999-100232", True)


@pytest.mark.parametrize(
    ("order_id", "reference_id", "message"),
    [
        ("999-1", "4711", "pass either order_id or reference_id, exactly one of them"),
        (None, None, "pass either order_id or reference_id, exactly one of them"),
        (None, ["4711"], "reference_id must be a non-empty string"),
        (None, 47.5, "reference_id must be a non-empty string"),
        (None, True, "reference_id must be a non-empty string"),
        (None, " ", "reference_id must be a non-empty string"),
    ],
)
def test_order_detail_refusals(order_id: object, reference_id: object, message: str) -> None:
    assert refused(order_detail_fields, STORE, order_id, reference_id) == message


def order_numbered(order_id: str) -> Any:
    data = load("orderDetail-response-minimal.json")
    data["order"]["orderId"] = order_id
    return parse_order(data, redact)


@pytest.mark.parametrize("answered", ["999-42", "999-0042", "42"])
def test_the_order_asked_for_passes_however_its_id_is_written(answered: str) -> None:
    check_order_id("999-42", order_numbered(answered), STORE)


@pytest.mark.parametrize("answered", ["999-43", "1000-42", "not an id"])
def test_another_order_in_the_answer_is_refused(answered: str) -> None:
    with pytest.raises(OrderMismatchError) as info:
        check_order_id("999-42", order_numbered(answered), STORE)
    error = info.value
    assert (error.requested, error.received, error.endpoint) == ("999-42", answered, "orderDetail")
    assert str(error) == f"orderDetail for 999-42: the answer is about order {answered!r}"


@pytest.mark.parametrize(
    ("status_code", "body", "error_type", "message"),
    [
        (406, b"", RequestRejectedError,
         "orderDetail: HTTP 406: Zonos refused the Accept header: ''"),
        (415, b"no", RequestRejectedError,
         "orderDetail: HTTP 415: Zonos refused the Content-Type header: 'no'"),
        (429, b"", RateLimitedError, "orderDetail: HTTP 429: rate limited (Retry-After: None): ''"),
        (503, b"down", ServerError, "orderDetail: HTTP 503: server error: 'down'"),
        (404, b"", UnexpectedStatusError, "orderDetail: HTTP 404: unexpected status: ''"),
        (200, b"<html>", ResponseParseError,
         "orderDetail: HTTP 200: the answer is not JSON: '<html>'"),
        (200, b"", ResponseParseError, "orderDetail: HTTP 200: the answer is an empty body: ''"),
        (200, b"[1]", ResponseParseError,
         "orderDetail: HTTP 200: the answer is JSON list, not an object: '[1]'"),
    ],
)  # fmt: skip
def test_each_failed_answer_is_a_typed_error_with_its_answer(
    status_code: int, body: bytes, error_type: type[Exception], message: str
) -> None:
    with pytest.raises(error_type) as info:
        decode(ORDER_DETAIL, status_code, {}, body, redact, response=ANSWER)
    error: Any = info.value
    assert (str(error), error.endpoint, error.status_code) == (message, "orderDetail", status_code)
    assert error.response is ANSWER


def test_numbers_are_decoded_exactly() -> None:
    data = decode(ORDER_DETAIL, 200, {}, b'{"grandTotal": 0.10000000000000000001}', redact)
    assert data == {"grandTotal": Decimal("0.10000000000000000001")}


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        (b"x" * 200, "x" * 200),
        (b"x" * 201, "x" * 200 + "..."),
        (b"\xff\xfe bytes that are not UTF-8", "\ufffd\ufffd bytes that are not UTF-8"),
    ],
)
def test_the_excerpt_is_the_start_of_the_body_as_text(body: bytes, excerpt: str) -> None:
    with pytest.raises(ResponseParseError) as info:
        decode(ORDER_DETAIL, 200, {}, body, redact)
    assert info.value.excerpt == excerpt


@pytest.mark.parametrize(
    ("store", "message"),
    [
        (None, "store must be the numeric store id Zonos gave you"),
        (True, "store must be the numeric store id Zonos gave you"),
        ("0", "store must be a positive whole number, got '0'"),
    ],
)
def test_a_bad_store_is_refused(store: object, message: str) -> None:
    assert refused(Credentials.of, store, SECRET) == message


def test_store_one_is_a_store() -> None:
    assert Credentials.of(1, SECRET).store == 1
    assert Credentials.of(" 42 ", SECRET).store == 42


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("  ", "secret must be the API secret Zonos gave you (a GUID)"),
        (None, "secret must be the API secret Zonos gave you (a GUID)"),
        ("bogus", "secret is not a GUID (8-4-4-4-12 hex digits), so Zonos would answer 'Invalid "
         "security credentials'; check that you copied the whole API secret, or pass "
         "validate_secret=False if Zonos gave you another form"),
    ],
)  # fmt: skip
def test_a_bad_secret_is_refused_with_what_to_check(secret: object, message: str) -> None:
    assert refused(Credentials.of, STORE, secret) == message


def test_an_order_id_of_the_wrong_type_is_named_with_an_example() -> None:
    assert refused(normalize_order_id, 45678.0, STORE) == (
        "order_id must be a Zonos order id such as '999-45678', got float"
    )
