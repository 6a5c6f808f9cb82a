"""The fake's rules through its sans-I/O core: documented texts, examples, and our guesses."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from zonos_async.testing import (
    DOC_SECRET,
    DOC_STORE,
    FakeClock,
    FakeZonos,
    java_timestamp,
)

HERE = Path(__file__).resolve()
_CANDIDATES = (
    HERE.parents[2].parent / "shared" / "spec" / "examples",
    HERE.parents[1] / "fixtures",
)
EXAMPLES = next((path for path in _CANDIDATES if (path / "error-catalog.json").is_file()), None)
NO_EXAMPLES = "the vendor examples (../shared/spec/examples or tests/fixtures) are not available"
needs_examples = pytest.mark.skipif(EXAMPLES is None, reason=NO_EXAMPLES)

JSON = {"Content-Type": "application/json", "Accept": "application/json"}
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
UTC = timezone.utc
WRONG_SECRET = "00000000-0000-0000-0000-000000000000"


def example(name: str) -> Any:
    assert EXAMPLES is not None
    return json.loads((EXAMPLES / name).read_text())


def creds(store: object = "999", **fields: object) -> dict[str, object]:
    return {"store": store, "secret": DOC_SECRET, **fields}


def post(
    fake: FakeZonos,
    path: str,
    body: dict[str, object] | bytes,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = fake.handle("POST", path, JSON if headers is None else headers, raw)
    if response.headers["content-type"].startswith("text/html"):
        return response.status, response.body.decode()
    return response.status, response.json()


def fresh(store: int = DOC_STORE) -> FakeZonos:
    return FakeZonos(store=store, clock=FakeClock(NOW))


def doc_orders(fake: FakeZonos) -> None:
    """The six orders of the orderNumbers documentation example."""
    for number, test, stamp in (
        (99991, False, "2015-01-01 00:33:14"),
        (99992, True, "2015-01-01 05:12:46"),
        (99993, False, "2015-01-01 14:50:54"),
        (99994, False, "2015-01-02 20:14:01"),
        (99995, False, "2015-01-02 20:57:47"),
        (99996, False, "2015-01-02 22:11:40"),
    ):
        placed = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
        fake.add_order(order_id=number, placed_at=placed, test_order=test)


# ---------------------------------------------------------------------------------------------
# Every error text of the catalog, with its documented HTTP status.


@attrs.define
class Scenario:
    fake: FakeZonos
    path: str
    body: dict[str, object] | bytes
    headers: dict[str, str] = attrs.field(factory=lambda: dict(JSON))
    replace: dict[str, str] = attrs.field(factory=dict)  # where our split needs other values


def _with_order(status: str = "IGLOBAL_ORDER_IN_PROCESS", store: int = DOC_STORE) -> FakeZonos:
    fake = fresh(store)
    fake.add_order(order_id=99999, status=status)
    return fake


def _failing(endpoint: str) -> FakeZonos:
    fake = _with_order()
    fake.fail_next(endpoint)
    return fake


ON, OD1, OD2 = "/v1/orderNumbers", "/v1/orderDetail", "/v2/orderDetail"
UMO, UVOS = "/v1/updateMerchantOrderId", "/v1/updateVendorOrderStatus"
SCENARIOS: dict[tuple[str, str], Callable[[], Scenario]] = {
    ("common", "406"): lambda: Scenario(
        fresh(), ON, creds(sinceDate="20150101"), {**JSON, "Accept": "text/html"}
    ),
    ("common", "415"): lambda: Scenario(
        fresh(), ON, creds(sinceDate="20150101"), {**JSON, "Content-Type": "text/plain"}
    ),
    # orderNumbers (and the v1 orderDetail texts its page lists)
    ("orderNumbers", "could not parse input"): lambda: Scenario(fresh(), ON, b"{not json"),
    ("orderNumbers", "orderId: 999-99999 is not a valid orderId"): lambda: Scenario(
        fresh(998), ON, creds(998, sinceOrderId="999-99999")
    ),
    ("orderNumbers", "Couldn't find order for sinceOrderId: 999999"): lambda: Scenario(
        fresh(), ON, creds(sinceOrderId="999-999999")
    ),
    ("orderNumbers", "Invalid security credentials"): lambda: Scenario(
        fresh(), ON, {"store": "999", "secret": WRONG_SECRET, "sinceDate": "20150101"}
    ),
    ("orderNumbers", "Parameter orderId or referenceId is required."): lambda: Scenario(
        fresh(), OD1, creds()
    ),
    ("orderNumbers", "Cannot specify both Parameters orderId and referenceId."): lambda: Scenario(
        fresh(), OD1, creds(orderId="999-99999", referenceId="cart-4711")
    ),
    ("orderNumbers", "Could not process order details."): lambda: Scenario(
        _failing("orderDetail"), OD1, creds(orderId="999-99999")
    ),
    (
        "orderNumbers",
        "Parameter sinceDate, sinceOrderId or missingMerchantOrderId is required",
    ): lambda: Scenario(fresh(), ON, creds(statuses=True)),
    ("orderNumbers", "Cannot specify both Parameters sinceDate and sinceOrderId"): lambda: Scenario(
        fresh(), ON, creds(sinceDate="20150101", sinceOrderId="999-99999")
    ),
    ("orderNumbers", "Parameter throughDate requires sinceDate"): lambda: Scenario(
        fresh(), ON, creds(throughDate="20150601")
    ),
    ("orderNumbers", "Could not process order numbers."): lambda: Scenario(
        _failing("orderNumbers"), ON, creds(sinceDate="20150101")
    ),
    # orderDetail v2
    ("orderDetail_v2", "orderId: 999-99999 is not a valid orderId"): lambda: Scenario(
        fresh(), OD2, creds(orderId="999_99999"), replace={"999-99999": "999_99999"}
    ),
    ("orderDetail_v2", "Could not find an order with orderId: 999-99999"): lambda: Scenario(
        fresh(), OD2, creds(orderId="999-99999")
    ),
    ("orderDetail_v2", "Invalid security credentials"): lambda: Scenario(
        fresh(), OD2, {"store": "999", "secret": WRONG_SECRET, "orderId": "999-99999"}
    ),
    ("orderDetail_v2", "Invalid post body"): lambda: Scenario(fresh(), OD2, b"[1, 2]"),
    ("orderDetail_v2", "Parameter orderId or referenceId is required"): lambda: Scenario(
        fresh(), OD2, creds(orderId=None, referenceId=None)
    ),
    ("orderDetail_v2", "Cannot specify both Parameters orderId and referenceId"): lambda: Scenario(
        fresh(), OD2, creds(orderId="999-99999", referenceId="cart-4711")
    ),
    ("orderDetail_v2", "Parameter store is required"): lambda: Scenario(
        fresh(), OD2, {"secret": DOC_SECRET, "orderId": "999-99999"}
    ),
    ("orderDetail_v2", "Could not find an order with referenceId: cart-4711"): lambda: Scenario(
        _with_order(), OD2, creds(referenceId="cart-4711")
    ),
    ("orderDetail_v2", "Could not process order details"): lambda: Scenario(
        _failing("orderDetail"), OD2, creds(orderId="999-99999")
    ),
    # updateMerchantOrderId
    ("updateMerchantOrderId", "could not parse input"): lambda: Scenario(fresh(), UMO, b""),
    (
        "updateMerchantOrderId",
        "Parameter orderId is required to processUpdateMerchantOrderId",
    ): lambda: Scenario(fresh(), UMO, creds(merchantOrderId="12-34567")),
    (
        "updateMerchantOrderId",
        "Parameter merchantOrderId is required to updateMerchantOrderId.",
    ): lambda: Scenario(_with_order(), UMO, creds(orderId="999-99999")),
    ("updateMerchantOrderId", "orderId: 999-99999 is not a valid orderId"): lambda: Scenario(
        _with_order(store=998), UMO, creds(998, orderId="999-99999", merchantOrderId="1")
    ),
    (
        "updateMerchantOrderId",
        "Could not retrieve order to updateMerchantOrderId for orderId: 999-99999",
    ): lambda: Scenario(fresh(), UMO, creds(orderId="999-99999", merchantOrderId="12-34567")),
    ("updateMerchantOrderId", "Could not process update merchant order id."): lambda: Scenario(
        _failing("updateMerchantOrderId"), UMO, creds(orderId="999-99999", merchantOrderId="1")
    ),
    ("updateMerchantOrderId", "Invalid security credentials"): lambda: Scenario(
        _with_order(), UMO, creds(store="998", orderId="999-99999", merchantOrderId="1")
    ),
    # updateVendorOrderStatus
    ("updateVendorOrderStatus", "could not parse input"): lambda: Scenario(
        fresh(), UVOS, b'"just a string"'
    ),
    (
        "updateVendorOrderStatus",
        "Parameter orderId required for updateVendorOrderStatus",
    ): lambda: Scenario(fresh(), UVOS, creds(orderStatus="VENDOR_PREPARING_ORDER")),
    (
        "updateVendorOrderStatus",
        "Parameter orderStatus required for updateVendorOrderStatus.",
    ): lambda: Scenario(_with_order(), UVOS, creds(orderId="999-99999")),
    ("updateVendorOrderStatus", "orderId: 999-99999 is not a valid orderId"): lambda: Scenario(
        _with_order(store=998),
        UVOS,
        creds(998, orderId="999-99999", orderStatus="VENDOR_PREPARING_ORDER"),
    ),
    (
        "updateVendorOrderStatus",
        "Could not retrieve order to updateVendorOrderStatus from orderId: 999-99999",
    ): lambda: Scenario(
        fresh(), UVOS, creds(orderId="999-99999", orderStatus="VENDOR_PREPARING_ORDER")
    ),
    (
        "updateVendorOrderStatus",
        "OrderId: 999-99999 has already been cancelled and status cannot be updated. "
        "Please contact Zonos Support - support@iglobalstores.com",
    ): lambda: Scenario(
        _with_order("IGLOBAL_ORDER_CANCELLED"),
        UVOS,
        creds(orderId="999-99999", orderStatus="VENDOR_PREPARING_ORDER"),
    ),
    (
        "updateVendorOrderStatus",
        "Cannot update order status to status: VENDOR_CANCELLATION_REQUEST",
    ): lambda: _forbidding(),
    (
        "updateVendorOrderStatus",
        "Cannot update order status to invalid status: NEW_ORDER_STATUS",
    ): lambda: Scenario(
        _with_order(),
        UVOS,
        creds(orderId="999-99999", orderStatus="IGLOBAL_ORDER_ON_HOLD"),
        replace={"NEW_ORDER_STATUS": "IGLOBAL_ORDER_ON_HOLD"},  # our split: known, not settable
    ),
    (
        "updateVendorOrderStatus",
        "OrderId: 999-99999 already has current status: VENDOR_SHIPMENT_READY",
    ): lambda: Scenario(
        _with_order("VENDOR_SHIPMENT_READY"),
        UVOS,
        creds(orderId="999-99999", orderStatus="VENDOR_SHIPMENT_READY"),
    ),
    (
        "updateVendorOrderStatus",
        "OrderId: 999-99999 cannot be moved to order status: VENDOR_CANCELLATION_REQUEST "
        "while in status: VENDOR_END_OF_DAY_COMPLETE",
    ): lambda: Scenario(
        _with_order("VENDOR_END_OF_DAY_COMPLETE"),
        UVOS,
        creds(orderId="999-99999", orderStatus="VENDOR_CANCELLATION_REQUEST"),
    ),
    (
        "updateVendorOrderStatus",
        "New Status: NEW_ORDER_STATUS is not a valid order status",
    ): lambda: Scenario(
        _with_order(), UVOS, creds(orderId="999-99999", orderStatus="NEW_ORDER_STATUS")
    ),
    ("updateVendorOrderStatus", "Could not process updateVendorOrderStatus."): lambda: Scenario(
        _failing("updateVendorOrderStatus"),
        UVOS,
        creds(orderId="999-99999", orderStatus="VENDOR_PREPARING_ORDER"),
    ),
    ("updateVendorOrderStatus", "Invalid security credentials"): lambda: Scenario(
        _with_order(),
        UVOS,
        {"store": 999, "orderId": "999-99999", "orderStatus": "VENDOR_PREPARING_ORDER"},
    ),
}


def _forbidding() -> Scenario:
    fake = _with_order()
    fake.forbid_cancellation_requests = True
    return Scenario(
        fake, UVOS, creds(orderId="999-99999", orderStatus="VENDOR_CANCELLATION_REQUEST")
    )


def _catalog_cases() -> list[Any]:
    if EXAMPLES is None:
        return [pytest.param("", {}, marks=pytest.mark.skip(reason=NO_EXAMPLES))]
    catalog = example("error-catalog.json")
    cases = []
    for section, entries in catalog.items():
        if section.startswith("_"):
            continue
        for entry in entries:
            text = entry["body"]["error"] if isinstance(entry["body"], dict) else entry["http"]
            cases.append(pytest.param(section, entry, id=f"{section}:{text}"))
    return cases


@pytest.mark.parametrize(("section", "entry"), _catalog_cases())
def test_every_catalog_error_with_its_status(section: str, entry: dict[str, Any]) -> None:
    if section == "common":
        key = (section, str(entry["http"]))
    else:
        key = (section, entry["body"]["error"])
    if key not in SCENARIOS:
        pytest.fail(f"no scenario produces {key}")
    scenario = SCENARIOS[key]()
    status, body = post(scenario.fake, scenario.path, scenario.body, scenario.headers)
    assert status == entry["http"]
    if section == "common":
        assert isinstance(body, str)
        assert body.lstrip().startswith("<html>")
        return
    expected = entry["body"]["error"]
    for old, new in scenario.replace.items():
        expected = expected.replace(old, new)
    assert body == {"error": expected}


@needs_examples
def test_every_catalog_entry_has_a_scenario() -> None:
    catalog = example("error-catalog.json")
    wanted = {
        (section, str(entry["http"]) if section == "common" else entry["body"]["error"])
        for section, entries in catalog.items()
        if not section.startswith("_")
        for entry in entries
    }
    assert wanted == set(SCENARIOS)


# ---------------------------------------------------------------------------------------------
# The documented request examples get the documented answers.


def doc_fake() -> FakeZonos:
    fake = FakeZonos(clock=FakeClock(datetime(2015, 1, 3, tzinfo=UTC)))
    doc_orders(fake)
    return fake


@needs_examples
@pytest.mark.parametrize(
    "request_file",
    ["orderNumbers-request-sinceDate.json", "orderNumbers-request-sinceDate-throughDate.json"],
)
def test_order_numbers_examples_by_date(request_file: str) -> None:
    status, body = post(doc_fake(), ON, example(request_file))
    assert status == 200
    assert body == example("orderNumbers-response.json")
    assert json.dumps(body) == json.dumps(example("orderNumbers-response.json"))  # key order too


@needs_examples
def test_order_numbers_example_since_order_id() -> None:
    fake = doc_fake()
    fake.add_order(order_id=99999, placed_at=datetime(2015, 1, 2, 23, tzinfo=UTC))
    fake.add_order(order_id=100000, placed_at=datetime(2015, 1, 2, 23, 30, tzinfo=UTC))
    status, body = post(fake, ON, example("orderNumbers-request-sinceOrderId.json"))
    assert status == 200
    assert [order["id"] for order in body["orders"]] == ["999-100000"]
    assert (body["totalCount"], body["orderCount"], body["testOrderCount"]) == (1, 1, 0)


@needs_examples
def test_order_numbers_example_error() -> None:
    status, body = post(doc_fake(), ON, creds(sinceOrderId="999999"))
    assert (status, body) == (200, example("orderNumbers-response-error.json"))


@needs_examples
def test_order_numbers_example_missing_merchant_order_id() -> None:
    fake = FakeZonos(clock=FakeClock(datetime(2015, 1, 5, tzinfo=UTC)))
    doc_orders(fake)
    post(fake, UMO, creds(orderId="999-99992", merchantOrderId="abc123"))
    status, body = post(fake, ON, example("orderNumbers-request-missingMerchantOrderId.json"))
    expected = example("orderNumbers-response.json")
    expected["orders"] = [order for order in expected["orders"] if order["id"] != "999-99992"]
    expected.update(totalCount=5, orderCount=5, testOrderCount=0)
    assert (status, body) == (200, expected)


@needs_examples
def test_order_numbers_example_statuses() -> None:
    fake = FakeZonos(clock=FakeClock(datetime(2015, 1, 3, tzinfo=UTC)))
    status_date = datetime.fromtimestamp(1420097594, tz=UTC)
    fake.add_order(
        order_id=99991,
        placed_at=datetime(2015, 1, 1, 0, 33, 14, tzinfo=UTC),
        status="IGLOBAL_FRAUD_REVIEW",
        status_date=status_date,
    )
    fake.add_order(
        order_id=99992,
        placed_at=datetime(2015, 1, 1, 5, 12, 46, tzinfo=UTC),
        test_order=True,
        merchant_order_id="abc123",
        status_date=status_date,
    )
    status, body = post(fake, ON, example("orderNumbers-request-statuses.json"))
    expected = example("orderNumbers-response-statuses.json")
    # The documented string disagrees with the documented epoch (spec 2.2); the fake is
    # self-consistent instead.
    for order in expected["orders"]:
        order["orderStatusDateString"] = "2015-01-01 07:33:14.0"
    assert status == 200
    assert json.dumps(body) == json.dumps(expected)


@needs_examples
def test_order_detail_example_by_order_id() -> None:
    fake = fresh()
    full = example("orderDetail-response-full.json")["order"]
    fake.add_order(order_id=99999, reference_id="4711", detail=full)
    status, body = post(fake, OD2, example("orderDetail-request-orderId.json"))
    assert status == 200
    assert list(body) == ["order"]
    assert body["order"] == {**full, "orderId": "999-99999"}
    assert list(body["order"]) == list(full)


@needs_examples
def test_order_detail_example_by_reference_id() -> None:
    fake = fresh()
    fake.add_order(reference_id="cart-4711")
    status, body = post(fake, OD2, example("orderDetail-request-referenceId.json"))
    assert status == 200
    assert body["order"]["referenceId"] == "cart-4711"
    assert body["order"]["orderId"] == "999-100001"
    assert list(body["order"]) == list(example("orderDetail-response-full.json")["order"]) or (
        list(body["order"]) == list(example("orderDetail-response-minimal.json")["order"])
    )


@needs_examples
def test_order_detail_minimal_example_fields_survive_add_order() -> None:
    fake = fresh()
    minimal = example("orderDetail-response-minimal.json")["order"]
    fake.add_order(order_id=100232, test_order=True, status="IGLOBAL_FRAUD_REVIEW", detail=minimal)
    served = fake.order_json("999-100232")
    assert {key: served[key] for key in minimal} == minimal


@needs_examples
def test_order_detail_example_error() -> None:
    status, body = post(fresh(), OD2, example("orderDetail-request-orderId.json"))
    assert (status, body) == (400, example("orderDetail-response-error-v2.json"))


@needs_examples
def test_update_merchant_order_id_examples() -> None:
    fake = fresh()
    fake.add_order(order_id=9999)
    fake.add_order(order_id=99999)
    status, body = post(fake, UMO, example("updateMerchantOrderId-request.json"))
    assert (status, body) == (
        200,
        {"success": "Updated Order: 9999 with new merchantOrderId: 12-34567"},
    )
    status, body = post(fake, UMO, creds(orderId="999-99999", merchantOrderId="12-34567"))
    assert (status, body) == (200, example("updateMerchantOrderId-response-success.json"))
    status, body = post(fresh(), UMO, creds(orderId="99999", merchantOrderId="12-34567"))
    assert (status, body) == (200, example("updateMerchantOrderId-response-error.json"))


@needs_examples
def test_update_vendor_order_status_examples() -> None:
    fake = fresh()
    fake.add_order(order_id=9999)
    status, body = post(fake, UVOS, example("updateVendorOrderStatus-request.json"))
    assert (status, body) == (
        200,
        {"success": "Updated Order: 9999 to new order status: VENDOR_END_OF_DAY_COMPLETE"},
    )
    fake.add_order(order_id=99999)
    status, body = post(
        fake, UVOS, creds(orderId="999-99999", orderStatus="VENDOR_PREPARING_ORDER")
    )
    assert (status, body) == (200, example("updateVendorOrderStatus-response-success.json"))
    review = _with_order("IGLOBAL_FRAUD_REVIEW")
    status, body = post(review, UVOS, creds(orderId="99999", orderStatus="VENDOR_PREPARING_ORDER"))
    assert (status, body) == (200, example("updateVendorOrderStatus-response-error.json"))


# ---------------------------------------------------------------------------------------------
# Headers, paths, methods, parsing, credentials.


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        (None, 200),
        ("", 200),
        ("application/json", 200),
        ("*/*", 200),
        ("application/*", 200),
        ("text/html, application/json;q=0.9", 200),
        ("APPLICATION/JSON", 200),
        ("text/html", 406),
        ("application/xml", 406),
        ("text/*", 406),
    ],
)
def test_accept_header(accept: str | None, status: int) -> None:
    headers = {"content-type": "application/json"}
    if accept is not None:
        headers["ACCEPT"] = accept
    got, body = post(fresh(), ON, creds(sinceDate="20150101"), headers)
    assert got == status
    if status == 406:
        assert "<html>" in body


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        (None, 415),
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        ("application/jsonp", 415),
        ("application/json", 200),
        ("application/json; charset=utf-8", 200),
        ("Application/JSON;charset=UTF-8", 200),
    ],
)
def test_content_type_header(content_type: str | None, status: int) -> None:
    headers = {"Accept": "application/json"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    got, _ = post(fresh(), ON, creds(sinceDate="20150101"), headers)
    assert got == status


def test_headers_are_checked_before_the_body_and_406_before_415() -> None:
    fake = fresh()
    assert post(fake, ON, b"garbage", {"Accept": "text/html"})[0] == 406
    assert post(fake, ON, b"garbage", {"Accept": "*/*", "Content-Type": "text/xml"})[0] == 415
    html = fake.handle("POST", ON, {"Accept": "text/html"}, b"{}")
    assert html.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "path", ["/v2/orderNumbers", "/v1/orderNumbers/", "/v3/orderDetail", "/", "/v1/createTempCart"]
)
def test_unknown_paths_are_404(path: str) -> None:
    status, body = post(fresh(), path, creds(sinceDate="20150101"))
    assert status == 404
    assert "<html>" in body


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(method: str) -> None:
    response = fresh().handle(method, ON, JSON, b"")
    assert response.status == 405
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b"42", b"null", b'"{}"', b"\xff\xfe{"])
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (ON, (200, "could not parse input")),
        (OD1, (200, "could not parse input")),
        (UMO, (200, "could not parse input")),
        (UVOS, (200, "could not parse input")),
        (OD2, (400, "Invalid post body")),
    ],
)
def test_unparseable_bodies(raw: bytes, path: str, expected: tuple[int, str]) -> None:
    fake = fresh()
    status, body = post(fake, path, raw)
    assert (status, body) == (expected[0], {"error": expected[1]})
    assert fake.calls[-1].body is None


@pytest.mark.parametrize(
    ("store", "secret", "ok"),
    [
        ("999", DOC_SECRET, True),
        (999, DOC_SECRET, True),
        ("0999", DOC_SECRET, True),
        ("998", DOC_SECRET, False),
        (998, DOC_SECRET, False),
        ("", DOC_SECRET, False),
        ("999 ", DOC_SECRET, False),
        ("abc", DOC_SECRET, False),
        (True, DOC_SECRET, False),
        (999.0, DOC_SECRET, False),
        ("999", WRONG_SECRET, False),
        ("999", DOC_SECRET.upper(), False),
        ("999", "", False),
        ("999", None, False),
        ("999", 123, False),
    ],
)
def test_credentials(store: object, secret: object, ok: bool) -> None:
    fake = fresh()
    body = {"store": store, "secret": secret, "sinceDate": "20150101"}
    status, answer = post(fake, ON, body)
    assert status == 200
    assert ("error" not in answer) is ok
    if not ok:
        assert answer == {"error": "Invalid security credentials"}
    status, answer = post(fake, OD2, {"store": store, "secret": secret, "orderId": "1"})
    expected = "Could not find an order with orderId: 1" if ok else "Invalid security credentials"
    assert (status, answer) == (400, {"error": expected})


def test_missing_credentials() -> None:
    fake = fresh()
    assert post(fake, ON, {"sinceDate": "20150101"}) == (
        200,
        {"error": "Invalid security credentials"},
    )
    assert post(fake, ON, {"store": "999", "sinceDate": "20150101"})[1] == {
        "error": "Invalid security credentials"
    }
    assert post(fake, OD2, {"secret": DOC_SECRET, "orderId": "1"})[1] == {
        "error": "Parameter store is required"
    }
    assert post(fake, OD2, {"store": None, "secret": DOC_SECRET, "orderId": "1"})[1] == {
        "error": "Parameter store is required"
    }
    assert post(fake, OD2, {"store": "999", "orderId": "1"}) == (
        400,
        {"error": "Invalid security credentials"},
    )


def test_order_detail_accepts_store_id() -> None:
    fake = fresh()
    fake.add_order(order_id=5)
    status, body = post(fake, OD2, {"storeId": 999, "secret": DOC_SECRET, "orderId": 5})
    assert status == 200
    assert body["order"]["orderId"] == "999-5"
    # storeId is an orderDetail name only
    assert post(fake, ON, {"storeId": 999, "secret": DOC_SECRET, "sinceDate": "20150101"})[1] == {
        "error": "Invalid security credentials"
    }


def test_credentials_are_checked_before_required_fields() -> None:
    bad: dict[str, object] = {"store": "999", "secret": WRONG_SECRET}
    for path in (ON, OD2, UMO, UVOS):
        assert post(fresh(), path, bad)[1] == {"error": "Invalid security credentials"}


def test_secret_never_shows() -> None:
    secret = "a-very-private-secret-1234"
    fake = FakeZonos(secret=secret)
    fake.add_order()
    post(fake, ON, {"store": 999, "secret": secret, "sinceDate": "20000101"})
    post(fake, ON, {"store": 999, "secret": "wrong", "sinceDate": "20000101"})
    post(fake, UVOS, b'{"store": 999, "secret": "a-very-private-secret-1234", oops}')
    assert fake.secret == secret
    assert secret not in repr(fake)
    assert secret not in repr(fake.calls)
    assert all(call.body is None or "secret" not in call.body for call in fake.calls)
    assert fake.calls[0].body == {"store": 999, "sinceDate": "20000101"}


# ---------------------------------------------------------------------------------------------
# orderNumbers


def numbers_fake() -> FakeZonos:
    fake = fresh()
    for number, moment in (
        (100001, datetime(2014, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
        (100002, datetime(2015, 1, 1, 0, 0, 0, tzinfo=UTC)),
        (100003, datetime(2015, 1, 1, 23, 59, 59, 999000, tzinfo=UTC)),
        (100004, datetime(2015, 1, 2, 0, 0, 0, tzinfo=UTC)),
        (100005, datetime(2015, 1, 2, 12, 0, 0, 230000, tzinfo=UTC)),
    ):
        fake.add_order(order_id=number, placed_at=moment, test_order=number == 100003)
    return fake


def ids(body: dict[str, Any]) -> list[str]:
    return [order["id"] for order in body["orders"]]


def test_since_date_and_through_date_are_inclusive_utc_days() -> None:
    fake = numbers_fake()
    _, body = post(fake, ON, creds(sinceDate="20150101", throughDate="20150101"))
    assert ids(body) == ["999-100002", "999-100003"]
    assert (body["totalCount"], body["orderCount"], body["testOrderCount"]) == (2, 1, 1)
    _, body = post(fake, ON, creds(sinceDate="20150101"))
    assert ids(body) == ["999-100002", "999-100003", "999-100004", "999-100005"]
    _, body = post(fake, ON, creds(sinceDate="20141231", throughDate="20141231"))
    assert ids(body) == ["999-100001"]
    _, body = post(fake, ON, creds(sinceDate="20150102", throughDate="20150101"))
    assert body == {"totalCount": 0, "orderCount": 0, "testOrderCount": 0, "orders": []}
    _, body = post(fake, ON, creds(sinceDate=20150102))  # an integer date is read the same
    assert ids(body) == ["999-100004", "999-100005"]


def test_timestamps_look_like_java_timestamps() -> None:
    _, body = post(numbers_fake(), ON, creds(sinceDate="20141231"))
    assert [order["timestamp"] for order in body["orders"]] == [
        "2014-12-31 23:59:59.999",
        "2015-01-01 00:00:00.0",
        "2015-01-01 23:59:59.999",
        "2015-01-02 00:00:00.0",
        "2015-01-02 12:00:00.23",
    ]
    assert java_timestamp(5) == "1970-01-01 00:00:00.005"
    assert java_timestamp(1420097594000) == "2015-01-01 07:33:14.0"


@pytest.mark.parametrize(
    "bad", ["2015-01-01", "2015010", "201501011", "20150230", "2015013x", [], True]
)
@pytest.mark.parametrize("field", ["sinceDate", "throughDate"])
def test_bad_dates(bad: object, field: str) -> None:
    body = creds(sinceDate="20150101")
    body[field] = bad
    assert post(numbers_fake(), ON, body) == (200, {"error": "could not parse input"})


@pytest.mark.parametrize("since", ["999-100002", "100002", 100002, "0999-100002"])
def test_since_order_id_is_exclusive_in_every_form(since: object) -> None:
    _, body = post(numbers_fake(), ON, creds(sinceOrderId=since))
    assert ids(body) == ["999-100003", "999-100004", "999-100005"]


@pytest.mark.parametrize(
    ("since", "error"),
    [
        ("999-100009", "Couldn't find order for sinceOrderId: 100009"),
        (100009, "Couldn't find order for sinceOrderId: 100009"),
        ("abc", "orderId: abc is not a valid orderId"),
        ("998-100002", "orderId: 998-100002 is not a valid orderId"),
        ("999-", "orderId: 999- is not a valid orderId"),
        (-5, "orderId: -5 is not a valid orderId"),
        (1.5, "orderId: 1.5 is not a valid orderId"),
        (True, "orderId: true is not a valid orderId"),
    ],
)
def test_since_order_id_errors(since: object, error: str) -> None:
    assert post(numbers_fake(), ON, creds(sinceOrderId=since)) == (200, {"error": error})


@pytest.mark.parametrize("value", [True, False, None, "", "yes", 0])
def test_statuses_turn_on_by_key_presence(value: object) -> None:
    fake = numbers_fake()
    fake.add_order(order_id=100006, placed_at=NOW - timedelta(hours=1), merchant_order_id="M-6")
    _, with_key = post(fake, ON, creds(sinceOrderId="100004", statuses=value))
    _, without = post(fake, ON, creds(sinceOrderId="100004"))
    assert [list(order) for order in without["orders"]] == [["testOrder", "id", "timestamp"]] * 2
    assert with_key["orders"][1] == {
        "testOrder": False,
        "id": "999-100006",
        "timestamp": java_timestamp(int((NOW - timedelta(hours=1)).timestamp() * 1000)),
        "merchantOrderId": "M-6",
        "orderStatus": "IGLOBAL_ORDER_IN_PROCESS",
        "orderStatusDate": int((NOW - timedelta(hours=1)).timestamp() * 1000),
        "orderStatusDateString": "2026-11-01 11:00:00.0",
    }
    assert with_key["orders"][0]["merchantOrderId"] is None


def test_missing_merchant_order_id_window_follows_the_clock() -> None:
    fake = fresh()
    day = timedelta(days=1)
    old = fake.add_order(placed_at=NOW - 14 * day - timedelta(milliseconds=1))
    edge = fake.add_order(placed_at=NOW - 14 * day)
    recent = fake.add_order(placed_at=NOW - 2 * day)
    done = fake.add_order(placed_at=NOW - day, merchant_order_id="M-1")
    emptied = fake.add_order(placed_at=NOW - day, detail={"merchantOrderId": ""})
    assert done and old
    _, body = post(fake, ON, creds(missingMerchantOrderId=True))
    assert ids(body) == [edge, recent, emptied]
    assert "merchantOrderId" not in body["orders"][0]

    post(fake, UMO, creds(orderId=recent, merchantOrderId="M-2"))
    _, body = post(fake, ON, creds(missingMerchantOrderId="true"))
    assert ids(body) == [edge, emptied]

    fake.clock.advance(timedelta(milliseconds=1))
    _, body = post(fake, ON, creds(missingMerchantOrderId=1))
    assert ids(body) == [emptied]
    fake.clock.set(NOW + 20 * day)
    _, body = post(fake, ON, creds(missingMerchantOrderId=True))
    assert body["orders"] == []


@pytest.mark.parametrize("flag", [False, "false", 0, None])
def test_a_false_missing_flag_is_no_selector(flag: object) -> None:
    assert post(fresh(), ON, creds(missingMerchantOrderId=flag)) == (
        200,
        {"error": "Parameter sinceDate, sinceOrderId or missingMerchantOrderId is required"},
    )


def test_combined_selectors_intersect() -> None:
    fake = fresh()
    first = fake.add_order(placed_at=NOW - timedelta(days=10))
    fake.add_order(placed_at=NOW - timedelta(days=5), merchant_order_id="x")
    third = fake.add_order(placed_at=NOW - timedelta(days=3))
    since = (NOW - timedelta(days=6)).strftime("%Y%m%d")
    _, body = post(fake, ON, creds(sinceDate=since, missingMerchantOrderId=True))
    assert ids(body) == [third]
    _, body = post(fake, ON, creds(sinceOrderId=first, missingMerchantOrderId=True))
    assert ids(body) == [third]


def test_selector_conflicts_take_precedence_in_order() -> None:
    fake = fresh()
    assert post(fake, ON, creds(sinceDate="bad", sinceOrderId="bad"))[1] == {
        "error": "Cannot specify both Parameters sinceDate and sinceOrderId"
    }
    assert post(fake, ON, creds(sinceOrderId="1", throughDate="20150101"))[1] == {
        "error": "Parameter throughDate requires sinceDate"
    }
    assert post(fake, ON, creds(sinceDate=None, sinceOrderId=None))[1] == {
        "error": "Parameter sinceDate, sinceOrderId or missingMerchantOrderId is required"
    }


def test_orders_ascend_by_id_whatever_the_insertion_order() -> None:
    fake = fresh()
    for number in (300, 100, 200):
        fake.add_order(order_id=number, placed_at=NOW - timedelta(days=1))
    _, body = post(fake, ON, creds(sinceDate="20000101"))
    assert ids(body) == ["999-100", "999-200", "999-300"]
    assert fake.order_ids() == ["999-100", "999-200", "999-300"]
    assert fake.add_order() == "999-301"


# ---------------------------------------------------------------------------------------------
# orderDetail


@pytest.mark.parametrize("order_id", [100001, "100001", "999-100001"])
def test_order_detail_id_forms(order_id: object) -> None:
    fake = fresh()
    fake.add_order()
    status, body = post(fake, OD2, creds(orderId=order_id, referenceId=None))
    assert status == 200
    assert body["order"] == fake.order_json("999-100001")
    assert body["order"]["orderId"] == "999-100001"


@pytest.mark.parametrize(
    ("path", "order_id", "answer"),
    [
        (OD2, "998-100001", (400, "Could not find an order with orderId: 998-100001")),
        (OD2, "999-100002", (400, "Could not find an order with orderId: 999-100002")),
        (OD2, "100002", (400, "Could not find an order with orderId: 100002")),
        (OD2, "x-1", (400, "orderId: x-1 is not a valid orderId")),
        (OD2, {"id": 1}, (400, 'orderId: {"id":1} is not a valid orderId')),
        (OD1, "998-100001", (200, "orderId: 998-100001 is not a valid orderId")),
        (OD1, "100002", (200, "Could not find an order with orderId: 100002")),
    ],
)
def test_order_detail_errors(path: str, order_id: object, answer: tuple[int, str]) -> None:
    fake = fresh()
    fake.add_order()
    assert post(fake, path, creds(orderId=order_id)) == (answer[0], {"error": answer[1]})


def test_order_detail_by_reference_takes_the_most_recent() -> None:
    fake = fresh()
    fake.add_order(order_id=200, reference_id="4711", placed_at=NOW)
    fake.add_order(order_id=300, reference_id="4711", placed_at=NOW - timedelta(days=1))
    fake.add_order(order_id=400, reference_id="other", placed_at=NOW + timedelta(days=1))
    _, body = post(fake, OD2, creds(referenceId="4711"))
    assert body["order"]["orderId"] == "999-200"
    _, body = post(fake, OD2, creds(referenceId=4711, orderId=None))
    assert body["order"]["orderId"] == "999-200"
    assert post(fake, OD2, creds(referenceId="4712")) == (
        400,
        {"error": "Could not find an order with referenceId: 4712"},
    )


def test_order_detail_shows_the_current_state() -> None:
    fake = fresh()
    order_id = fake.add_order(reference_id="r-1", test_order=True)
    post(fake, UMO, creds(orderId=order_id, merchantOrderId="M-77"))
    post(fake, UVOS, creds(orderId=order_id, orderStatus="VENDOR_SHIPMENT_READY"))
    _, body = post(fake, OD2, creds(orderId=order_id))
    order = body["order"]
    assert (order["merchantOrderId"], order["orderStatus"]) == ("M-77", "VENDOR_SHIPMENT_READY")
    assert (order["referenceId"], order["testOrder"]) == ("r-1", True)
    fake.set_status(order_id, "IGLOBAL_SOMETHING_NEW")
    assert fake.order_json(order_id)["orderStatus"] == "IGLOBAL_SOMETHING_NEW"


def test_add_order_detail_overrides_but_state_wins() -> None:
    fake = fresh()
    order_id = fake.add_order(
        detail={"countryCode": "HK", "zip": None, "orderStatus": "IGNORED", "extraKey": [1]},
        status="IGLOBAL_FRAUD_REVIEW",
    )
    order = fake.order_json(order_id)
    assert (order["countryCode"], order["zip"], order["extraKey"]) == ("HK", None, [1])
    assert order["orderStatus"] == "IGLOBAL_FRAUD_REVIEW"
    order["countryCode"] = "changed"  # a copy: the fake is not affected
    assert fake.order_json(order_id)["countryCode"] == "HK"


# ---------------------------------------------------------------------------------------------
# updateMerchantOrderId


def test_update_merchant_order_id_rules() -> None:
    fake = fresh()
    order_id = fake.add_order()
    ok = post(fake, UMO, creds(orderId=order_id, merchantOrderId=12345))
    assert ok == (200, {"success": "Updated Order: 100001 with new merchantOrderId: 12345"})
    assert fake.order_json(order_id)["merchantOrderId"] == "12345"
    again = post(fake, UMO, creds(orderId=100001, merchantOrderId="WEB-9"))
    assert again[1] == {"success": "Updated Order: 100001 with new merchantOrderId: WEB-9"}
    assert fake.order_json(order_id)["merchantOrderId"] == "WEB-9"
    for empty in ("", None):
        assert post(fake, UMO, creds(orderId=order_id, merchantOrderId=empty))[1] == {
            "error": "Parameter merchantOrderId is required to updateMerchantOrderId."
        }
    # orderId is checked for presence before merchantOrderId, and before its format
    assert post(fake, UMO, creds(orderId="", merchantOrderId=None))[1] == {
        "error": "Parameter orderId is required to processUpdateMerchantOrderId"
    }
    assert post(fake, UMO, creds(orderId="bad", merchantOrderId=None))[1] == {
        "error": "Parameter merchantOrderId is required to updateMerchantOrderId."
    }
    assert post(fake, UMO, creds(orderId="999-5", merchantOrderId="x"))[1] == {
        "error": "Could not retrieve order to updateMerchantOrderId for orderId: 999-5"
    }
    assert fake.order_json(order_id)["merchantOrderId"] == "WEB-9"


# ---------------------------------------------------------------------------------------------
# updateVendorOrderStatus: spec 6.4, rule by rule, then the whole table.

VENDOR = [
    "VENDOR_PREPARING_ORDER",
    "VENDOR_SHIPMENT_READY",
    "VENDOR_LABELS_PRINTED_DATE",
    "VENDOR_CANCELLATION_REQUEST",
    "VENDOR_END_OF_DAY_COMPLETE",
]
ZONOS = [
    "IGLOBAL_FRAUD_REVIEW",
    "IGLOBAL_ORDER_IN_PROCESS",
    "IGLOBAL_ORDER_ON_HOLD",
    "IGLOBAL_ORDER_CANCELLED",
    "IGLOBAL_LABELS_PROCESSING",
]
BLOCKED = {
    "IGLOBAL_LABELS_PROCESSING",
    "IGLOBAL_ORDER_ON_HOLD",
    "IGLOBAL_FRAUD_REVIEW",
    "IGLOBAL_ORDER_CANCELLED",
    "VENDOR_CANCELLATION_REQUEST",
    "VENDOR_END_OF_DAY_COMPLETE",
}
CURRENT = [*ZONOS, *VENDOR, "IGLOBAL_ORDER_CANCELED", "IGLOBAL_SOMETHING_NEW"]
REQUESTED = [
    *VENDOR,
    *ZONOS,
    "NEW_ORDER_STATUS",
    "vendor_preparing_order",
    "IGLOBAL_ORDER_CANCELED",
]


def expected_update(current: str, new: str, sent: str, forbid: bool) -> str | None:
    """Spec 6.4, written out independently of the fake: the error, or None for success."""
    if current in ("IGLOBAL_ORDER_CANCELLED", "IGLOBAL_ORDER_CANCELED"):
        return (
            f"OrderId: {sent} has already been cancelled and status cannot be updated. "
            "Please contact Zonos Support - support@iglobalstores.com"
        )
    if new not in VENDOR + ZONOS:
        return f"New Status: {new} is not a valid order status"
    if new not in VENDOR:
        return f"Cannot update order status to invalid status: {new}"
    if new == current:
        return f"OrderId: {sent} already has current status: {current}"
    if current in BLOCKED:
        return f"OrderId: {sent} cannot be moved to order status: {new} while in status: {current}"
    if forbid and new == "VENDOR_CANCELLATION_REQUEST":
        return f"Cannot update order status to status: {new}"
    return None


@pytest.mark.parametrize("forbid", [False, True])
@pytest.mark.parametrize("current", CURRENT)
def test_status_transition_table(current: str, forbid: bool) -> None:
    for new in REQUESTED:
        for sent in ("999-100001", "100001"):
            fake = fresh()
            fake.forbid_cancellation_requests = forbid
            order_id = fake.add_order(status=current, placed_at=NOW - timedelta(days=1))
            fake.clock.advance(timedelta(minutes=5))
            status, body = post(fake, UVOS, creds(orderId=sent, orderStatus=new))
            assert status == 200
            error = expected_update(current, new, sent, forbid)
            if error is None:
                assert body == {"success": f"Updated Order: 100001 to new order status: {new}"}
                assert fake.status_updates(order_id) == [new]
                _, listed = post(fake, ON, creds(sinceDate="20000101", statuses=True))
                entry = listed["orders"][0]
                assert entry["orderStatus"] == new
                assert entry["orderStatusDate"] == int(fake.clock.now().timestamp() * 1000)
            else:
                assert body == {"error": error}, (current, new)
                assert fake.status_updates(order_id) == []
                assert fake.order_json(order_id)["orderStatus"] == current


def test_every_rule_is_reached_by_the_table() -> None:
    rules = {
        "has already been cancelled": 1,
        "is not a valid order status": 2,
        "to invalid status": 3,
        "already has current status": 4,
        "cannot be moved": 5,
        "Cannot update order status to status": 6,
    }
    seen = set()
    for current in CURRENT:
        for new in REQUESTED:
            for forbid in (False, True):
                error = expected_update(current, new, "1", forbid)
                hits = [rule for phrase, rule in rules.items() if error and phrase in error]
                seen.update(hits or [7])
    assert seen == {1, 2, 3, 4, 5, 6, 7}


def test_status_update_lands_once_and_is_recorded() -> None:
    fake = fresh()
    order_id = fake.add_order()
    for new in ("VENDOR_PREPARING_ORDER", "VENDOR_PREPARING_ORDER", "VENDOR_SHIPMENT_READY"):
        post(fake, UVOS, creds(orderId=order_id, orderStatus=new))
    assert fake.status_updates(order_id) == ["VENDOR_PREPARING_ORDER", "VENDOR_SHIPMENT_READY"]
    updates = [call for call in fake.calls if call.endpoint == "updateVendorOrderStatus"]
    assert [call.response for call in updates] == [
        {"success": "Updated Order: 100001 to new order status: VENDOR_PREPARING_ORDER"},
        {"error": "OrderId: 999-100001 already has current status: VENDOR_PREPARING_ORDER"},
        {"success": "Updated Order: 100001 to new order status: VENDOR_SHIPMENT_READY"},
    ]
    assert updates[0].body == {
        "store": "999",
        "orderId": "999-100001",
        "orderStatus": "VENDOR_PREPARING_ORDER",
    }
    assert updates[0].status == 200
    assert updates[0].path == UVOS


def test_set_status_moves_the_status_date() -> None:
    fake = fresh()
    order_id = fake.add_order(placed_at=NOW - timedelta(days=3))
    fake.clock.advance(timedelta(hours=2, milliseconds=500))
    fake.set_status(order_id, "IGLOBAL_LABELS_PROCESSING")
    _, body = post(fake, ON, creds(sinceDate="20000101", statuses=True))
    entry = body["orders"][0]
    assert entry["orderStatus"] == "IGLOBAL_LABELS_PROCESSING"
    assert entry["orderStatusDateString"] == "2026-11-01 14:00:00.5"
    assert post(fake, UVOS, creds(orderId=order_id, orderStatus="VENDOR_SHIPMENT_READY"))[1] == {
        "error": "OrderId: 999-100001 cannot be moved to order status: VENDOR_SHIPMENT_READY "
        "while in status: IGLOBAL_LABELS_PROCESSING"
    }
    with pytest.raises(KeyError):
        fake.set_status("999-4", "IGLOBAL_ORDER_IN_PROCESS")


# ---------------------------------------------------------------------------------------------
# fail_next, add_order and friends.


def test_fail_next_counts_and_changes_nothing() -> None:
    fake = fresh()
    order_id = fake.add_order()
    fake.fail_next("updateVendorOrderStatus", count=2)
    fake.fail_next("updateMerchantOrderId")
    body = creds(orderId=order_id, orderStatus="VENDOR_PREPARING_ORDER")
    # a call with bad credentials does not use up a failure
    assert post(fake, UVOS, {**body, "secret": "x"})[1] == {"error": "Invalid security credentials"}
    failure = (200, {"error": "Could not process updateVendorOrderStatus."})
    assert post(fake, UVOS, body) == failure
    assert post(fake, ON, creds(sinceDate="20000101"))[0] == 200  # other endpoints unaffected
    assert post(fake, UVOS, body) == failure
    assert fake.status_updates(order_id) == []
    assert post(fake, UVOS, body)[1] == {
        "success": "Updated Order: 100001 to new order status: VENDOR_PREPARING_ORDER"
    }
    assert post(fake, UMO, creds(orderId=order_id, merchantOrderId="m"))[1] == {
        "error": "Could not process update merchant order id."
    }
    assert fake.order_json(order_id)["merchantOrderId"] is None
    with pytest.raises(ValueError, match="unknown endpoint"):
        fake.fail_next("createTempCart")


def test_add_order_checks_its_arguments() -> None:
    fake = fresh()
    assert fake.add_order() == "999-100001"
    assert fake.add_order(order_id="999-5") == "999-5"
    assert fake.add_order() == "999-100002"
    with pytest.raises(ValueError, match="already exists"):
        fake.add_order(order_id=5)
    with pytest.raises(ValueError, match="another store"):
        fake.add_order(order_id="998-7")
    with pytest.raises(ValueError, match="timezone-aware"):
        fake.add_order(placed_at=datetime(2026, 1, 1))  # naive on purpose
    with pytest.raises(KeyError):
        fake.order_json("999-6")
    with pytest.raises(ValueError, match="store"):
        FakeZonos(store=-1)


def test_clock() -> None:
    clock = FakeClock(datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)
    clock.advance(timedelta(days=1))
    assert clock.now() == datetime(2026, 1, 2, tzinfo=UTC)
    clock.set(NOW)
    assert clock.now() == NOW
    assert clock.now() == NOW  # frozen
    ticking = FakeClock(NOW, ticking=True)
    assert ticking.now() >= NOW
    assert FakeZonos().clock.now().tzinfo is not None
