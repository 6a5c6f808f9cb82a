"""Every documented example parses to the values it shows."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from conftest import load

from zonos_async import Order, OrderNumbersPage, OrderStatus, ResponseParseError
from zonos_async._converter import make_converter, parse_timestamp
from zonos_async.protocol import parse_order, parse_order_numbers

strict = make_converter(forbid_extra_keys=True)


def no_redact(text: str) -> str:
    return text


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)  # type: ignore[misc]


def test_order_numbers_example() -> None:
    page = parse_order_numbers(load("orderNumbers-response.json"), no_redact)
    assert (page.total_count, page.order_count, page.test_order_count) == (6, 5, 1)
    assert page.ids == tuple(f"999-9999{n}" for n in range(1, 7))
    assert len(page) == 6
    first = page.orders[0]
    assert first.test_order is False
    assert first.placed_at == utc(2015, 1, 1, 0, 33, 14)
    assert first.status is None and first.merchant_order_id is None
    assert page.orders[1].test_order is True
    assert first.raw == load("orderNumbers-response.json")["orders"][0]


def test_order_numbers_with_statuses_example() -> None:
    page = strict.structure(load("orderNumbers-response-statuses.json"), OrderNumbersPage)
    first, second = page.orders
    assert first.status is OrderStatus.IGLOBAL_FRAUD_REVIEW
    assert first.merchant_order_id is None
    assert first.status_changed_at == utc(2015, 1, 1, 7, 33, 14)  # 1420097594000 ms
    assert first.status_date_string == "2015-01-01 14:16:17.0"
    assert second.merchant_order_id == "abc123"
    assert second.status is OrderStatus.IGLOBAL_ORDER_IN_PROCESS


def test_full_order_example_every_field() -> None:
    data = load("orderDetail-response-full.json")
    strict.structure(data["order"], Order)  # every documented key is modelled
    order = parse_order(data, no_redact)
    assert order.id == "999-100231"
    assert order.status is OrderStatus.IGLOBAL_ORDER_IN_PROCESS
    assert order.test_order is False
    assert order.reference_id == "4711"
    assert order.merchant_order_id is None
    assert (order.name, order.company, order.city, order.zip, order.country_code) == (
        "Erika Mustermann",
        "Beispiel GmbH",
        "Berlin",
        "10115",
        "DE",
    )
    assert order.shipping_address.address1 == "Musterstraße 12"
    billing = order.billing_address
    assert billing is not None
    assert (billing.city, billing.alt_phone, billing.address2) == (
        "Hamburg",
        "+49 151 00000000",
        None,
    )
    assert order.items_total == Decimal("118.9")
    assert order.shipping_total == Decimal("24.5")
    assert order.duty_taxes_total == Decimal("31.18")
    assert order.grand_total == Decimal("169.58")
    assert str(order.grand_total) == "169.58"  # exact, never via float
    assert order.foreign_currency_code == "EUR"
    assert order.promo_code is not None
    assert (order.promo_code.code, order.promo_code.amount) == ("WELCOME5", Decimal("5.0"))
    assert order.payment is not None
    assert order.payment.payment_gateway == "STRIPE"
    assert order.payment.transaction_type == "AUTH_CAPTURE"
    assert order.shipping_carrier_service_level == "DHL_EXPRESS"
    assert order.customer_selected_shipping_name == "DHL Express Worldwide"
    assert [n.customer_note for n in order.notes] == [True, False]
    assert order.customer_notes[0].note is not None
    assert order.box_count == 1
    assert (
        order.birth_date is None and order.national_identifier is None and order.po_number is None
    )
    shirt, hoodie, coupon = order.items
    assert (shirt.product_id, shirt.sku, shirt.quantity, shirt.unit_price) == (
        "1201",
        "TEE-ORG-BLK-M",
        2,
        Decimal("24.95"),
    )
    assert shirt.line_total == Decimal("49.90")
    assert not shirt.is_discount and not hoodie.is_discount
    assert coupon.is_discount and coupon.product_id is None
    assert coupon.unit_price == Decimal("-10.0")
    assert order.raw == data["order"]


def test_minimal_order_example() -> None:
    data = load("orderDetail-response-minimal.json")
    strict.structure(data["order"], Order)
    order = parse_order(data, no_redact)
    assert order.test_order is True
    assert order.status is OrderStatus.IGLOBAL_FRAUD_REVIEW
    assert order.billing_address is None  # the empty block means "same as shipping"
    assert order.billing_name is None
    assert order.promo_code is None and order.items_total is None
    assert order.duty_taxes_total == Decimal(0)
    assert order.notes == ()
    assert order.payment is not None and order.payment.card_type is None


def order_with(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = load("orderDetail-response-minimal.json")
    data["order"].update(changes)
    return data


@pytest.mark.parametrize("status", ["IGLOBAL_SOMETHING_NEW", "IGLOBAL_ORDER_CANCELED"])
def test_unknown_status_parses_in_order_and_page(status: str) -> None:
    order = parse_order(order_with(orderStatus=status), no_redact)
    assert order.status == status and not order.status.is_known
    page_data = load("orderNumbers-response-statuses.json")
    page_data["orders"][0]["orderStatus"] = status
    page = parse_order_numbers(page_data, no_redact)
    assert page.orders[0].status is OrderStatus(status)
    assert page.orders[0].raw["orderStatus"] == status


def test_unknown_keys_are_kept_in_raw_and_ignored() -> None:
    order = parse_order(order_with(newKey={"x": 1}, placedAt="2026-01-01"), no_redact)
    assert order.raw["newKey"] == {"x": 1}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.30"), Decimal("12.30")),
        ("12.30", Decimal("12.30")),
        (12, Decimal(12)),
        ("  7 ", Decimal(7)),
        (0.1, Decimal("0.1")),
    ],
)
def test_money_numbers_and_numeric_strings(value: object, expected: Decimal) -> None:
    order = parse_order(order_with(grandTotal=value), no_redact)
    assert order.grand_total == expected
    assert str(order.grand_total) == str(expected)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"grandTotal": "12,30"}, "$.order.grandTotal"),
        ({"grandTotal": True}, "$.order.grandTotal"),
        ({"grandTotal": "NaN"}, "$.order.grandTotal"),
        ({"testOrder": "yes"}, "$.order.testOrder"),
        ({"orderStatus": 5}, "$.order.orderStatus"),
        ({"items": [{"quantity": "two", "unitPrice": 1}]}, "$.order.items[0].quantity"),
        ({"items": {"not": "a list"}}, "$.order.items"),
        ({"promoCode": "WELCOME"}, "$.order.promoCode"),
    ],
)
def test_wrong_shapes_say_where(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ResponseParseError) as info:
        parse_order(order_with(**changes), no_redact)
    assert [p.rsplit(" @ ", 1)[1] for p in info.value.problems] == [problem]
    assert problem in str(info.value)
    assert info.value.endpoint == "orderDetail"


@pytest.mark.parametrize("missing", ["orderId", "orderStatus", "testOrder"])
def test_required_order_fields(missing: str) -> None:
    data = order_with()
    del data["order"][missing]
    with pytest.raises(ResponseParseError, match="required field missing"):
        parse_order(data, no_redact)


def test_order_detail_without_order_object() -> None:
    with pytest.raises(ResponseParseError, match="no 'order' object"):
        parse_order({"orders": []}, no_redact)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-01-01 00:33:14.0", utc(2015, 1, 1, 0, 33, 14)),
        ("2015-01-01 00:33:14", utc(2015, 1, 1, 0, 33, 14)),
        ("2015-01-01 00:33:14.123456789", utc(2015, 1, 1, 0, 33, 14, 123456)),
        ("2015-01-01 00:33:14.5", utc(2015, 1, 1, 0, 33, 14, 500000)),
        (1420097594000, utc(2015, 1, 1, 7, 33, 14)),
        (1420097594123, utc(2015, 1, 1, 7, 33, 14, 123000)),
    ],
)
def test_timestamps(text: object, expected: datetime) -> None:
    assert parse_timestamp(text) == expected
    assert parse_timestamp(text).tzinfo is timezone.utc


@pytest.mark.parametrize("bad", ["2015-13-01 00:00:00", "yesterday", "", None, True])
def test_bad_timestamps(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(bad)


def test_secret_is_not_in_credentials_repr() -> None:
    from zonos_async.protocol import Credentials

    creds = Credentials.of(999, "f5bde245-f55e-414d-b722-80b25161c12c")
    assert "f5bde245" not in repr(creds)


# --- Loose but not silent: what mutation testing showed untested ------------------------------


def test_items_null_is_no_items() -> None:
    order = parse_order(order_with(items=None, notes=None), no_redact)
    assert order.items == ()
    assert order.notes == ()


@pytest.mark.parametrize(
    ("key", "attribute"),
    [("grandTotal", "grand_total"), ("shippingTotal", "shipping_total"), ("boxCount", "box_count")],
)
def test_an_empty_string_in_an_optional_number_is_none(key: str, attribute: str) -> None:
    order = parse_order(order_with(**{key: ""}), no_redact)
    assert getattr(order, attribute) is None
    assert order.id == "999-100232"  # the rest of the order is still read


def test_an_empty_string_in_an_optional_timestamp_is_none() -> None:
    data = load("orderNumbers-response-statuses.json")
    data["orders"][0]["orderStatusDate"] = ""
    data["orders"][0]["orderStatus"] = ""
    page = parse_order_numbers(data, no_redact)
    assert page.orders[0].status_changed_at is None
    assert page.orders[0].status is None
    assert page.orders[1].status_changed_at is not None


@pytest.mark.parametrize("key", ["name", "email", "merchantOrderId", "sku"])
def test_a_boolean_in_a_text_field_is_an_error_not_none(key: str) -> None:
    changes: dict[str, Any] = {key: True}
    where = f"$.order.{key}"
    if key == "sku":
        changes = {"items": [{"sku": False, "quantity": 1, "unitPrice": 1}]}
        where = "$.order.items[0].sku"
    with pytest.raises(ResponseParseError) as info:
        parse_order(order_with(**changes), no_redact)
    assert [p.rsplit(" @ ", 1)[1] for p in info.value.problems] == [where]
    assert "expected a string, got bool" in str(info.value)


# --- No personal data in a repr ---------------------------------------------------------------

PERSONAL_KEYS = (
    "name", "company", "email", "phone", "address1", "address2", "city", "zip", "billingName",
    "billingCompany", "billingEmail", "billingPhone", "billingAltPhone", "billingAddress1",
    "billingCity", "billingZip",
)  # fmt: skip


def test_an_order_repr_shows_what_identifies_it_and_no_personal_data() -> None:
    data = load("orderDetail-response-full.json")
    data["order"].update(birthDate="1970-01-01", nationalIdentifier="X1234567")
    order = parse_order(data, no_redact)
    shown = " ".join(
        repr(thing)
        for thing in (order, order.shipping_address, order.billing_address, order.notes, [order])
    )
    personal = [data["order"][key] for key in (*PERSONAL_KEYS, "birthDate", "nationalIdentifier")]
    personal += [note["note"] for note in data["order"]["notes"]]
    assert [value for value in personal if value in shown] == []
    assert repr(order) == (
        "Order(id='999-100231', status='IGLOBAL_ORDER_IN_PROCESS', test_order=False, "
        "items_total=Decimal('118.9'), shipping_total=Decimal('24.5'), "
        "duty_taxes_total=Decimal('31.18'), grand_total=Decimal('169.58'), "
        "foreign_currency_code='EUR', items=3, <personal data hidden>)"
    )
    assert repr(order.shipping_address) == "Address(country_code='DE', <personal data hidden>)"
    assert str(order) == repr(order)
    # The data itself stays on the object.
    assert order.email == "erika.mustermann@example.com"
    assert order.notes[0].note == data["order"]["notes"][0]["note"]
    assert order.national_identifier == "X1234567"


def test_response_info_reads_headers_in_any_case_whatever_the_transport_gave() -> None:
    from zonos_async import ResponseInfo

    info = ResponseInfo("orderDetail", 200, {"content-type": "application/json"}, 0.25)
    assert info.headers["Content-Type"] == info.headers["content-type"] == "application/json"
    assert info.headers is info.headers  # built once
    assert repr(info) == "ResponseInfo(endpoint='orderDetail', status_code=200, elapsed=0.25)"
