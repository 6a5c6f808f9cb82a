"""The converter from Zonos JSON to models, as ``make_converter`` builds it.

Each test builds its own converter, so what is tested is what ``make_converter``
builds now (the library's ``converter`` is built the same way at import).
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from cattrs import Converter
from cattrs.errors import ClassValidationError, IterableValidationError
from conftest import load

from zonos_async import Item, Note, Order, OrderNumbersPage, OrderStatus, OrderSummary
from zonos_async._converter import describe_error, json_key, make_converter


@pytest.fixture
def conv() -> Converter:
    return make_converter()


def problems(conv: Converter, data: object, cls: type) -> list[str]:
    with pytest.raises(ClassValidationError) as info:
        conv.structure(data, cls)
    return describe_error(info.value)


def minimal_order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = load("orderDetail-response-minimal.json")["order"]
    order.update(changes)
    return order


def summary(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = load("orderNumbers-response-statuses.json")["orders"][1]
    entry.update(changes)
    return entry


def test_a_built_converter_reads_the_documented_order_with_every_key_modelled() -> None:
    data = load("orderDetail-response-full.json")["order"]
    order = make_converter(forbid_extra_keys=True).structure(data, Order)
    assert (order.id, order.status, order.test_order) == (
        "999-100231",
        OrderStatus.IGLOBAL_ORDER_IN_PROCESS,
        False,
    )
    assert order.payment is not None and order.payment.transaction_type == "AUTH_CAPTURE"
    assert order.promo_code is not None and order.promo_code.amount == Decimal("5.0")
    assert order.box_count == 1
    assert all(type(item) is Item for item in order.items)
    assert [(i.sku, i.quantity, i.unit_price) for i in order.items[:2]] == [
        ("TEE-ORG-BLK-M", 2, Decimal("24.95")),
        ("HOOD-GRY-L", 1, Decimal("79.0")),
    ]
    assert order.notes == (
        Note(note="Bitte beim Nachbarn abgeben, falls niemand da ist.", customer_note=True),
        Note(note="Address verified by support.", customer_note=False),
    )
    assert order.raw == data
    assert order.items[0].raw == data["items"][0]


def test_a_built_converter_reads_an_order_numbers_page() -> None:
    data = load("orderNumbers-response-statuses.json")
    page = make_converter(forbid_extra_keys=True).structure(data, OrderNumbersPage)
    assert (page.total_count, page.order_count, page.test_order_count) == (2, 1, 1)
    first = page.orders[0]
    assert type(first) is OrderSummary
    assert (first.id, first.test_order, first.merchant_order_id) == ("999-99991", False, None)
    assert first.placed_at == datetime(2015, 1, 1, 0, 33, 14, tzinfo=timezone.utc)
    assert first.status is OrderStatus.IGLOBAL_FRAUD_REVIEW
    assert first.status_changed_at == datetime(2015, 1, 1, 7, 33, 14, tzinfo=timezone.utc)
    assert first.status_date_string == "2015-01-01 14:16:17.0"
    assert page.orders[1].merchant_order_id == "abc123"


def test_unknown_keys_are_refused_only_when_asked(conv: Converter) -> None:
    data = minimal_order(placedAt="2026-01-01")
    assert conv.structure(data, Order).raw["placedAt"] == "2026-01-01"
    with pytest.raises(ClassValidationError):
        make_converter(forbid_extra_keys=True).structure(data, Order)


@pytest.mark.parametrize("empty", [None, ""])
@pytest.mark.parametrize(
    ("cls", "data", "key", "attribute"),
    [
        (Order, minimal_order, "merchantOrderId", "merchant_order_id"),  # text
        (Order, minimal_order, "grandTotal", "grand_total"),  # money
        (Order, minimal_order, "boxCount", "box_count"),  # integer
        (OrderSummary, summary, "orderStatusDate", "status_changed_at"),  # timestamp
        (OrderSummary, summary, "orderStatus", "status"),  # status
    ],
)
def test_null_and_empty_optional_fields_are_none(
    conv: Converter, cls: type, data: Any, key: str, attribute: str, empty: object
) -> None:
    assert getattr(conv.structure(data(**{key: empty}), cls), attribute) is None


@pytest.mark.parametrize(
    ("cls", "data", "key", "value", "attribute", "expected"),
    [
        (Order, minimal_order, "merchantOrderId", 4711, "merchant_order_id", "4711"),
        (Order, minimal_order, "grandTotal", "87.50", "grand_total", Decimal("87.50")),
        (Order, minimal_order, "boxCount", "3", "box_count", 3),
        (Order, minimal_order, "boxCount", 3.0, "box_count", 3),
        (OrderSummary, summary, "orderStatusDate", "2015-01-01 07:33:14", "status_changed_at",
         datetime(2015, 1, 1, 7, 33, 14, tzinfo=timezone.utc)),
        (OrderSummary, summary, "orderStatus", "VENDOR_SHIPMENT_READY", "status",
         OrderStatus.VENDOR_SHIPMENT_READY),
        (OrderSummary, summary, "timestamp", 1420097594000, "placed_at",
         datetime(2015, 1, 1, 7, 33, 14, tzinfo=timezone.utc)),
        (OrderSummary, summary, "testOrder", "false", "test_order", False),
        (OrderSummary, summary, "testOrder", "TRUE", "test_order", True),
    ],
)  # fmt: skip
def test_loose_values_are_read(
    conv: Converter, cls: type, data: Any, key: str, value: object, attribute: str, expected: Any
) -> None:
    read = getattr(conv.structure(data(**{key: value}), cls), attribute)
    assert read == expected
    assert type(read) is type(expected)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("merchantOrderId", True, "expected a string, got bool @ $.merchantOrderId"),
        ("merchantOrderId", [], "expected a string, got list @ $.merchantOrderId"),
        ("grandTotal", False, "expected a number, got a boolean @ $.grandTotal"),
        ("grandTotal", "lots", "not a number: 'lots' @ $.grandTotal"),
        ("grandTotal", {}, "expected a number, got dict @ $.grandTotal"),
        ("grandTotal", "Infinity", "not a finite number: 'Infinity' @ $.grandTotal"),
        ("grandTotal", "1e16", "number out of range: '1e16' @ $.grandTotal"),
        ("boxCount", True, "expected an integer, got a boolean @ $.boxCount"),
        ("boxCount", "2.5", "expected an integer, got '2.5' @ $.boxCount"),
        ("testOrder", "yes", "expected a boolean, got 'yes' @ $.testOrder"),
        ("testOrder", 1, "expected a boolean, got 1 @ $.testOrder"),
        ("orderStatus", "", "expected a status name, got '' @ $.orderStatus"),
        ("orderStatus", None, "expected a status name, got None @ $.orderStatus"),
        ("orderId", None, "expected a string, got NoneType @ $.orderId"),
        ("paymentProcessing", [], "expected a JSON object, got list @ $.paymentProcessing"),
    ],
)
def test_wrong_values_are_refused_and_located(
    conv: Converter, key: str, value: object, problem: str
) -> None:
    assert problems(conv, minimal_order(**{key: value}), Order) == [problem]


def test_the_largest_numbers_an_order_can_hold_are_read(conv: Converter) -> None:
    order = conv.structure(minimal_order(grandTotal="1000000000000000.5", boxCount=0), Order)
    assert order.grand_total == Decimal("1000000000000000.5")
    assert order.box_count == 0


def test_a_missing_required_field_is_named(conv: Converter) -> None:
    data = minimal_order()
    del data["orderStatus"]
    assert problems(conv, data, Order) == ["required field missing @ $.orderStatus"]


@pytest.mark.parametrize("key", ["items", "notes"])
def test_a_null_list_is_empty(conv: Converter, key: str) -> None:
    assert getattr(conv.structure(minimal_order(**{key: None}), Order), key) == ()


def test_a_list_is_read_in_order(conv: Converter) -> None:
    items = [{"sku": f"S{n}", "quantity": n, "unitPrice": "1.5"} for n in range(1, 4)]
    order = conv.structure(minimal_order(items=items), Order)
    assert [(i.sku, i.quantity, i.unit_price) for i in order.items] == [
        ("S1", 1, Decimal("1.5")),
        ("S2", 2, Decimal("1.5")),
        ("S3", 3, Decimal("1.5")),
    ]


def test_each_bad_entry_of_a_list_is_located(conv: Converter) -> None:
    items = [
        {"quantity": 1, "unitPrice": 1},
        {"quantity": "two", "unitPrice": 1},
        {"quantity": 3, "unitPrice": 1},
        {"quantity": 4, "unitPrice": None},
    ]
    assert problems(conv, minimal_order(items=items), Order) == [
        "not a number: 'two' @ $.items[1].quantity",
        "expected a number, got NoneType @ $.items[3].unitPrice",
    ]


def test_a_list_that_is_not_a_list_is_refused(conv: Converter) -> None:
    assert problems(conv, minimal_order(notes={"note": "x"}), Order) == [
        "expected a list, got dict @ $.notes"
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2015-01-01", "not a Zonos timestamp: '2015-01-01' @ $.timestamp"),
        (10**20, "epoch milliseconds out of range: 100000000000000000000 @ $.timestamp"),
    ],
)
def test_bad_timestamps_are_located(conv: Converter, value: object, problem: str) -> None:
    assert problems(conv, summary(timestamp=value), OrderSummary) == [problem]


def test_problems_without_a_field_or_index_are_placed_where_they_arose() -> None:
    # cattrs notes which field or entry failed; an error without that note stays at its parent.
    inner = ClassValidationError("in Item", [ValueError("bad quantity")], Item)
    outer = IterableValidationError("in the list", [inner, KeyError("x")], list)
    assert describe_error(outer) == ["bad quantity @ $", "required field missing @ $"]
    assert describe_error(outer, "$.order.items") == [
        "bad quantity @ $.order.items",
        "required field missing @ $.order.items",
    ]


def test_json_keys_of_attributes() -> None:
    assert json_key(Order, "id") == "orderId"
    assert json_key(Order, "duty_taxes_total") == "dutyTaxesTotal"
    assert json_key(OrderSummary, "placed_at") == "timestamp"
    assert json_key(Item, "unit_price") == "unitPrice"


def test_a_json_key_named_response_is_not_the_http_answer(conv: Converter) -> None:
    # ``response`` on a model is the HTTP answer the session sets, never a key of the body.
    order = conv.structure(minimal_order(response={"status_code": 500}), Order)
    assert order.response is None
    assert order.raw["response"] == {"status_code": 500}
