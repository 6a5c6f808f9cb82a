"""The seeded order generator: deterministic, plausible, and shaped like the examples."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from zonos_async.testing import DOC_SECRET, FakeZonos

HERE = Path(__file__).resolve()
_CANDIDATES = (
    HERE.parents[2].parent / "shared" / "spec" / "examples",
    HERE.parents[1] / "fixtures",
)
EXAMPLES = next((path for path in _CANDIDATES if (path / "error-catalog.json").is_file()), None)
NO_EXAMPLES = "the vendor examples (../shared/spec/examples or tests/fixtures) are not available"

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def listing(fake: FakeZonos, **fields: object) -> dict[str, Any]:
    body = {"store": fake.store, "secret": DOC_SECRET, "sinceDate": "20000101", **fields}
    response = fake.handle("POST", "/v1/orderNumbers", JSON, json.dumps(body).encode())
    assert response.status == 200
    result: dict[str, Any] = response.json()
    return result


def wire_detail(fake: FakeZonos, order_id: str) -> dict[str, Any]:
    body = {"store": str(fake.store), "secret": DOC_SECRET, "orderId": order_id}
    response = fake.handle("POST", "/v2/orderDetail", JSON, json.dumps(body).encode())
    assert response.status == 200
    order: dict[str, Any] = json.loads(response.body, parse_float=Decimal)["order"]
    return order


@pytest.fixture(scope="module")
def big() -> FakeZonos:
    return FakeZonos.seeded(orders=2000, seed=11, now=NOW, days=60)


def test_same_seed_same_data() -> None:
    one = FakeZonos.seeded(orders=300, seed=5, now=NOW)
    two = FakeZonos.seeded(orders=300, seed=5, now=NOW)
    assert listing(one, statuses=True) == listing(two, statuses=True)
    for order_id in one.order_ids()[::37]:
        assert one.order_json(order_id) == two.order_json(order_id)
        assert one.order_json(order_id) == one.order_json(order_id)  # rebuilt identically


def test_other_seed_other_data() -> None:
    one = FakeZonos.seeded(orders=50, seed=5, now=NOW)
    two = FakeZonos.seeded(orders=50, seed=6, now=NOW)
    assert one.order_ids() == two.order_ids()
    assert listing(one, statuses=True) != listing(two, statuses=True)
    assert one.order_json("999-100001") != two.order_json("999-100001")


def test_ids_and_times_ascend_within_the_window(big: FakeZonos) -> None:
    orders = listing(big, statuses=True)["orders"]
    assert [order["id"] for order in orders] == [f"999-{n}" for n in range(100001, 102001)]
    stamps = [order["timestamp"] for order in orders]
    assert stamps == sorted(stamps)
    first = (NOW - timedelta(days=60)).strftime("%Y-%m-%d %H:%M:%S")
    assert first <= stamps[0]
    assert stamps[-1] <= NOW.strftime("%Y-%m-%d %H:%M:%S.999")
    for order in orders:
        assert order["timestamp"][:19] <= order["orderStatusDateString"][:19]
        assert order["orderStatusDate"] <= int(NOW.timestamp() * 1000)


def test_the_mix_of_orders(big: FakeZonos) -> None:
    body = listing(big, statuses=True)
    assert body["totalCount"] == 2000
    assert body["orderCount"] + body["testOrderCount"] == 2000
    assert 40 <= body["testOrderCount"] <= 180  # about 5%
    statuses = Counter(order["orderStatus"] for order in body["orders"])
    assert statuses.most_common(1)[0][0] == "IGLOBAL_ORDER_IN_PROCESS"
    for status in (
        "IGLOBAL_FRAUD_REVIEW",
        "IGLOBAL_ORDER_ON_HOLD",
        "IGLOBAL_ORDER_CANCELLED",
        "VENDOR_PREPARING_ORDER",
        "VENDOR_SHIPMENT_READY",
        "VENDOR_END_OF_DAY_COMPLETE",
    ):
        assert statuses[status] > 0, status
    merchant_ids = [order["merchantOrderId"] for order in body["orders"]]
    assert 0 < merchant_ids.count(None) < 2000
    assert listing(big, sinceDate=None, missingMerchantOrderId=True)["totalCount"] > 0


def test_details_are_varied_and_realistic(big: FakeZonos) -> None:
    details = [big.order_json(order_id) for order_id in big.order_ids()[:600]]
    countries = Counter(detail["countryCode"] for detail in details)
    assert {"HK", "AE", "IE", "PR", "VI", "DE", "GB", "CA"} <= set(countries)
    assert any(detail["zip"] is None for detail in details)
    assert any(detail["zip"] == "" for detail in details)
    assert any(detail.get("foreignCurrencyCode") not in (None, "USD") for detail in details)
    assert any(detail.get("promoCode") for detail in details)
    assert any(detail["referenceId"] for detail in details)
    assert any(detail["company"] is None for detail in details)
    assert any(detail["address2"] is None for detail in details)
    # state names, not codes
    states = {detail["state"] for detail in details if detail["state"]}
    assert "Ontario" in states or "New South Wales" in states
    assert not any(len(state) == 2 and state.isupper() for state in states)
    lines = [len(detail["items"]) for detail in details]
    assert min(lines) == 1
    assert max(lines) >= 4
    discounts = [item for detail in details for item in detail["items"] if item["unitPrice"] < 0]
    assert discounts
    assert all("productId" not in item and item["quantity"] == 1 for item in discounts)


def test_money_adds_up(big: FakeZonos) -> None:
    for order_id in big.order_ids()[:400]:
        detail = wire_detail(big, order_id)  # decoded with Decimal, as the client does
        items = detail["items"]
        total = sum((Decimal(item["quantity"]) * item["unitPrice"] for item in items), Decimal(0))
        duty = Decimal(detail["dutyTaxesTotal"] or 0)
        promo = detail["promoCode"]["amount"] if detail.get("promoCode") else Decimal(0)
        if "itemsTotal" in detail:
            assert detail["itemsTotal"] == total
        assert detail["grandTotal"] == total + detail["shippingTotal"] + duty - promo
        for value in (
            detail["grandTotal"],
            detail["shippingTotal"],
            *(item["unitPrice"] for item in items),
        ):
            assert isinstance(value, Decimal)
            exponent = value.as_tuple().exponent
            assert isinstance(exponent, int)
            assert exponent >= -2
        if detail.get("promoCode"):
            assert promo > 0
        assert total >= 0


def _shapes(fake: FakeZonos) -> dict[int, list[str]]:
    shapes: dict[int, list[str]] = {}
    for order_id in fake.order_ids():
        keys = list(fake.order_json(order_id))
        shapes.setdefault(len(keys), keys)
    return shapes


@pytest.mark.skipif(EXAMPLES is None, reason=NO_EXAMPLES)
def test_shapes_match_the_reconstructed_examples(big: FakeZonos) -> None:
    assert EXAMPLES is not None
    full = json.loads((EXAMPLES / "orderDetail-response-full.json").read_text())["order"]
    minimal = json.loads((EXAMPLES / "orderDetail-response-minimal.json").read_text())["order"]
    shapes = sorted(_shapes(big).values(), key=len)
    assert shapes == [list(minimal), list(full)]
    for detail in (big.order_json(order_id) for order_id in big.order_ids()[:300]):
        template = full if len(detail) == len(full) else minimal
        for key, value in template.items():
            if value is not None and key not in ("promoCode",):
                assert (
                    isinstance(detail[key], type(value))
                    or detail[key] is None
                    or (isinstance(value, (int, float)) and isinstance(detail[key], (int, float)))
                ), key


def test_nulls_where_zonos_sends_nulls(big: FakeZonos) -> None:
    sparse = [
        big.order_json(order_id)
        for order_id in big.order_ids()[:300]
        if "itemsTotal" not in big.order_json(order_id)
    ]
    assert sparse
    for detail in sparse:
        assert detail["billingAddress1"] == ""
        assert detail["billingCountryCode"] == ""
        assert detail["notes"] == []


def test_a_hundred_thousand_orders() -> None:
    fake = FakeZonos.seeded(orders=100_000, seed=2, now=NOW)
    ids = fake.order_ids()
    assert len(ids) == 100_000
    assert (ids[0], ids[-1]) == ("999-100001", "999-200000")
    assert fake.order_json(ids[-1])["orderId"] == "999-200000"


def test_other_store_and_secret() -> None:
    fake = FakeZonos.seeded(orders=3, seed=1, store=4242, secret="s3cr3t", now=NOW)
    assert fake.order_ids() == ["4242-100001", "4242-100002", "4242-100003"]
    assert fake.order_json("4242-100002")["orderId"] == "4242-100002"
    assert "s3cr3t" not in repr(fake)


def test_date_windows_match_a_plain_filter() -> None:
    fake = FakeZonos.seeded(orders=500, seed=8, now=NOW, days=30)
    everything = listing(fake)["orders"]

    def window(since: str, through: str | None) -> list[str]:
        fields: dict[str, object] = {"sinceDate": since}
        if through:
            fields["throughDate"] = through
        return [order["id"] for order in listing(fake, **fields)["orders"]]

    def plain(since: str, through: str | None) -> list[str]:
        low = f"{since[:4]}-{since[4:6]}-{since[6:]}"
        high = f"{through[:4]}-{through[4:6]}-{through[6:]} 99" if through else "9999"
        return [o["id"] for o in everything if low <= o["timestamp"] <= high]

    cases = [("20261010", "20261012"), ("20261020", None), ("20261101", "20261101")]
    for since, through in cases:
        assert window(since, through) == plain(since, through)
        assert window(since, through)
    # an old order added late breaks the time order; answers stay right
    late = fake.add_order(placed_at=datetime(2026, 10, 11, 6, tzinfo=timezone.utc))
    assert late in window("20261010", "20261012")
    assert late not in window("20261012", None)
    everything = listing(fake)["orders"]
    for since, through in cases:
        assert window(since, through) == plain(since, through)
