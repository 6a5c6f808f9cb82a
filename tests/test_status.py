from __future__ import annotations

import json
import pickle
import uuid

import pytest

from zonos_async import OrderStatus

VENDOR = {
    "VENDOR_PREPARING_ORDER",
    "VENDOR_SHIPMENT_READY",
    "VENDOR_LABELS_PRINTED_DATE",
    "VENDOR_CANCELLATION_REQUEST",
    "VENDOR_END_OF_DAY_COMPLETE",
}


def test_the_nine_documented_statuses() -> None:
    assert len(OrderStatus) == 9
    assert {s.value for s in OrderStatus if s.settable_by == "vendor"} == VENDOR
    assert {s.value for s in OrderStatus if s.settable_by == "zonos"} == {
        "IGLOBAL_FRAUD_REVIEW",
        "IGLOBAL_ORDER_IN_PROCESS",
        "IGLOBAL_ORDER_ON_HOLD",
        "IGLOBAL_ORDER_CANCELLED",
    }
    assert all(s.is_known and s.description for s in OrderStatus)


@pytest.mark.parametrize(
    "name", ["IGLOBAL_SOMETHING_NEW", "IGLOBAL_LABELS_PROCESSING", "IGLOBAL_ORDER_CANCELED"]
)
def test_unknown_status_is_kept(name: str) -> None:
    status = OrderStatus(name)
    assert isinstance(status, OrderStatus)
    assert status.is_known is False
    assert status == name
    assert status == OrderStatus(name)
    assert status is OrderStatus(name)
    assert hash(status) == hash(OrderStatus(name))
    assert {status: 1}[OrderStatus(name)] == 1
    assert str(status) == name == status.value
    assert status.settable_by is None
    assert status.is_vendor_settable is False
    assert "unknown" in repr(status)
    assert pickle.loads(pickle.dumps(status)) is status
    assert status not in list(OrderStatus)


def test_known_status_behaves_like_a_string() -> None:
    status = OrderStatus("VENDOR_SHIPMENT_READY")
    assert status is OrderStatus.VENDOR_SHIPMENT_READY
    assert f"{status}" == "VENDOR_SHIPMENT_READY"
    assert status.is_vendor_settable
    assert "unknown" not in repr(status)


def test_blocking_statuses_include_the_undocumented_one() -> None:
    blocking = {
        "IGLOBAL_LABELS_PROCESSING",
        "IGLOBAL_ORDER_ON_HOLD",
        "IGLOBAL_FRAUD_REVIEW",
        "IGLOBAL_ORDER_CANCELLED",
        "VENDOR_CANCELLATION_REQUEST",
        "VENDOR_END_OF_DAY_COMPLETE",
    }
    for name in [*blocking, "IGLOBAL_ORDER_IN_PROCESS", "VENDOR_PREPARING_ORDER", "X_NEW"]:
        assert OrderStatus(name).blocks_vendor_updates is (name in blocking)


@pytest.mark.parametrize("bad", ["", None, 3])
def test_non_strings_are_not_statuses(bad: object) -> None:
    with pytest.raises(ValueError, match="OrderStatus"):
        OrderStatus(bad)


def _never_seen() -> str:
    # A fresh name each run: a status already looked up (by another test, or a parent
    # process) no longer reaches the code that adds new statuses.
    return f"IGLOBAL_NEW_{uuid.uuid4().hex.upper()}"


def test_a_status_seen_for_the_first_time_is_kept_whole() -> None:
    name = _never_seen()
    status = OrderStatus(name)
    assert status is OrderStatus(name)
    # It is the string Zonos sent, wherever a string is expected.
    assert status == name
    assert hash(status) == hash(name)
    assert json.dumps({"status": status}) == json.dumps({"status": name})
    assert (status.name, status.value, str(status)) == (name, name, name)
    assert repr(status) == f"<OrderStatus.{name}: {name!r} (unknown)>"
    assert status.is_known is False


def test_two_threads_missing_the_lookup_at_once_get_one_member() -> None:
    # Enum calls _missing_ whenever its own lookup misses; under threads that can happen just
    # after another thread added the value, and that thread's member must be the answer.
    name = _never_seen()
    first = OrderStatus(name)
    assert OrderStatus._missing_(name) is first
    assert OrderStatus(name) is first


def test_repr_of_a_known_status() -> None:
    assert repr(OrderStatus.IGLOBAL_FRAUD_REVIEW) == (
        "<OrderStatus.IGLOBAL_FRAUD_REVIEW: 'IGLOBAL_FRAUD_REVIEW'>"
    )
