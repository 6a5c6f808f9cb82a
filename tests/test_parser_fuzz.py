"""Whatever comes back, the parser returns a model or raises a ZonosError, nothing else."""

from __future__ import annotations

import json
from typing import Any

from conftest import load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zonos_async
from zonos_async import protocol

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=15), children, max_size=6)
    ),
    max_leaves=30,
)
KEYS = st.sampled_from(
    [
        "order", "orders", "orderId", "orderStatus", "testOrder", "items", "quantity",
        "unitPrice", "grandTotal", "promoCode", "notes", "timestamp", "orderStatusDate",
        "totalCount", "id", "error", "success", "paymentProcessing", "boxCount",
    ]
)  # fmt: skip
NEAR_MISSES = st.dictionaries(KEYS, JSON, max_size=8)
STATUSES = st.sampled_from([200, 400, 406, 415, 429, 500, 502, 503, 404])

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def read_everything(status: int, body: bytes) -> None:
    """What the session does with an answer, for each endpoint."""
    for endpoint in protocol.ENDPOINTS:
        try:
            data = protocol.decode(endpoint, status, {"retry-after": "1"}, body, str)
            if endpoint is protocol.ORDER_NUMBERS:
                protocol.parse_order_numbers(data, str)
            elif endpoint is protocol.ORDER_DETAIL:
                protocol.parse_order(data, str)
            else:
                protocol.parse_update(endpoint, "999-1", data, str)
        except zonos_async.ZonosError:
            pass


@SETTINGS
@given(STATUSES, st.binary(max_size=300))
def test_arbitrary_bytes(status: int, body: bytes) -> None:
    read_everything(status, body)


@SETTINGS
@given(STATUSES, JSON)
def test_arbitrary_json(status: int, value: Any) -> None:
    read_everything(status, json.dumps(value).encode())


@SETTINGS
@given(NEAR_MISSES, NEAR_MISSES)
def test_near_miss_orders_and_pages(order: dict[str, Any], page: dict[str, Any]) -> None:
    read_everything(200, json.dumps({"order": order}).encode())
    read_everything(200, json.dumps(page).encode())
    read_everything(200, json.dumps({**page, "orders": [order, page]}).encode())


@SETTINGS
@given(st.sampled_from(sorted(load("orderDetail-response-full.json")["order"])), JSON)
def test_documented_order_with_one_field_spoiled(key: str, value: Any) -> None:
    order = json.loads(json.dumps(load("orderDetail-response-full.json"), default=str))
    order["order"][key] = value
    read_everything(200, json.dumps(order).encode())


def test_hostile_numbers_stay_typed() -> None:
    for body in (
        b'{"order": {"orderId": "1", "orderStatus": "X", "testOrder": false,'
        b' "items": [{"quantity": 1e999999999, "unitPrice": 1}]}}',
        b'{"order": {"orderId": "1", "orderStatus": "X", "testOrder": false, "boxCount": 1e400}}',
        b'{"totalCount": 1, "orderCount": 1, "testOrderCount": 0, "orders": [{"id": "1",'
        b' "testOrder": false, "timestamp": 99999999999999999999999}]}',
        b'{"totalCount": 1, "orderCount": 1, "testOrderCount": 0, "orders": [{"id": "1",'
        b' "testOrder": false, "timestamp": "2015-01-01 00:00:00",'
        b' "orderStatusDate": 1e999999999}]}',
        b'{"order": ' * 5000 + b"1" + b"}" * 5000,
        b"9" * 10000,
    ):
        read_everything(200, body)
