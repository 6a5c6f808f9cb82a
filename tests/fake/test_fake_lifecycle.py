"""The fake's lifecycle: seeded, clock-driven arrivals, status changes, late and out-of-order
orders, and days that begin at another UTC hour."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import httpx
import pytest

from zonos_async.testing import DOC_SECRET, FakeClock, FakeZonos, Lifecycle, StatusChange
from zonos_async.testing.__main__ import main as serve_main

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
JSON = {"Content-Type": "application/json", "Accept": "application/json"}
QUIET = Lifecycle(
    fraud_review=0.0, cancelled=0.0, added_status=0.0, late=0.0, out_of_order=0.0
)  # arrivals only, every one visible at once and in process


def listing(fake: FakeZonos, **fields: object) -> list[dict[str, Any]]:
    body = {"store": fake.store, "secret": DOC_SECRET, "statuses": True, **fields}
    if "sinceOrderId" not in body:
        body.setdefault("sinceDate", "20000101")
    response = fake.handle("POST", "/v1/orderNumbers", JSON, json.dumps(body).encode())
    assert response.status == 200, response.body
    orders: list[dict[str, Any]] = response.json()["orders"]
    return orders


def statuses(fake: FakeZonos) -> dict[str, str]:
    return {order["id"]: order["orderStatus"] for order in listing(fake)}


def lively(seed: int = 3, **changes: Any) -> FakeZonos:
    lifecycle = Lifecycle(**{"orders_per_hour": 30.0, "late": 0.1, **changes})
    return FakeZonos.seeded(orders=300, seed=seed, now=NOW, days=10, lifecycle=lifecycle)


def test_the_same_seed_gives_the_same_story_however_the_clock_moves() -> None:
    one, two = lively(), lively()
    for _ in range(48):  # one looks every hour for two days ...
        one.clock.advance(timedelta(hours=1))
        listing(one)
    two.clock.advance(timedelta(days=2))  # ... the other only once, at the end
    assert listing(one) == listing(two)
    assert one.status_changes() == two.status_changes()
    for order_id in one.order_ids()[-40:]:
        assert one.order_json(order_id) == two.order_json(order_id)
    assert listing(lively(seed=4)) != listing(lively(seed=3))


def test_statuses_change_between_two_looks_and_changes_are_dated_by_the_clock() -> None:
    fake = lively()
    before = statuses(fake)
    fake.clock.advance(timedelta(hours=12))
    after = statuses(fake)
    changed = [order_id for order_id in before if after[order_id] != before[order_id]]
    assert changed, "twelve hours of lifecycle changed nothing"
    assert len(after) > len(before), "no order arrived in twelve hours"
    history = fake.status_changes()
    assert {change.order_id for change in history} >= set(changed)
    for change in history:
        assert change.by == "lifecycle"
        assert NOW < change.at <= NOW + timedelta(hours=12)
        assert change.old != change.new
    assert [change.at for change in history] == sorted(change.at for change in history)
    detail = fake.order_json(changed[0])
    assert detail["orderStatus"] == after[changed[0]]


def test_fraud_review_clears_or_is_cancelled_and_in_process_orders_get_cancelled() -> None:
    lifecycle = Lifecycle(
        orders_per_hour=60.0,
        fraud_review=0.5,
        fraud_cleared=0.5,
        cancelled=0.3,
        added_status=0.3,
        review_hours=(0.5, 2.0),
        settle_hours=(1.0, 4.0),
        late=0.0,
        out_of_order=0.0,
    )
    fake = FakeZonos(clock=FakeClock(NOW), seed=9, lifecycle=lifecycle)
    fake.clock.advance(timedelta(hours=4))
    started = Counter(order["orderStatus"] for order in listing(fake, sinceDate="20261101"))
    assert started.keys() <= {
        "IGLOBAL_FRAUD_REVIEW",
        "IGLOBAL_ORDER_IN_PROCESS",
        "IGLOBAL_ORDER_CANCELLED",
        "IGLOBAL_LABELS_PROCESSING",
    }
    fake.clock.advance(timedelta(days=1))  # every review has ended, every fate has come
    paths = Counter(
        tuple(f"{change.old}>{change.new}" for change in fake.status_changes(order_id))
        for order_id in fake.order_ids()
    )
    review, process = "IGLOBAL_FRAUD_REVIEW", "IGLOBAL_ORDER_IN_PROCESS"
    cancelled, added = "IGLOBAL_ORDER_CANCELLED", "IGLOBAL_LABELS_PROCESSING"
    assert paths[(f"{review}>{process}",)] > 0  # cleared, then left alone
    assert paths[(f"{review}>{cancelled}",)] > 0  # cancelled in review
    assert paths[(f"{review}>{process}", f"{process}>{cancelled}")] > 0  # cleared, cancelled later
    assert paths[(f"{process}>{cancelled}",)] > 0  # in process, cancelled after import
    assert paths[(f"{process}>{added}",)] > 0  # a status the vendor's table does not list
    now = fake.clock.now()
    for order in listing(fake):  # only orders placed in the last two hours are still in review
        placed = datetime.fromisoformat(order["timestamp"][:19] + "+00:00")
        assert order["orderStatus"] != review or placed > now - timedelta(hours=2), order


def test_a_change_the_order_no_longer_expects_is_skipped() -> None:
    lifecycle = Lifecycle(
        fraud_review=1.0, fraud_cleared=1.0, cancelled=0.0, added_status=0.0, late=0.0
    )
    fake = FakeZonos(clock=FakeClock(NOW), seed=2)
    held = fake.add_order(status="IGLOBAL_FRAUD_REVIEW")
    done = fake.add_order(status="VENDOR_END_OF_DAY_COMPLETE")
    fake.start_lifecycle(lifecycle)
    with pytest.raises(RuntimeError, match="already running"):
        fake.start_lifecycle(lifecycle)
    fake.set_status(held, "IGLOBAL_ORDER_ON_HOLD")  # Zonos put it on hold meanwhile
    fake.clock.advance(timedelta(days=3))
    assert fake.order_json(held)["orderStatus"] == "IGLOBAL_ORDER_ON_HOLD"
    assert fake.order_json(done)["orderStatus"] == "VENDOR_END_OF_DAY_COMPLETE"
    assert [change.by for change in fake.status_changes(held)] == ["test"]
    assert fake.lifecycle == lifecycle


def test_cancelled_and_completed_orders_never_change_again() -> None:
    lifecycle = Lifecycle(orders_per_hour=100.0, cancelled=0.5, fraud_review=0.5)
    fake = FakeZonos(clock=FakeClock(NOW), seed=5, lifecycle=lifecycle)
    fake.clock.advance(timedelta(days=4))
    final = {"IGLOBAL_ORDER_CANCELLED", "VENDOR_END_OF_DAY_COMPLETE"}
    changes = fake.status_changes()
    assert len(changes) > 200
    assert not [change for change in changes if change.old in final]


def test_late_orders_show_with_old_times_and_lower_ids() -> None:
    lifecycle = Lifecycle(late=0.3, out_of_order=0.0, late_days=(1.0, 3.0))
    fake = FakeZonos.seeded(orders=400, seed=6, now=NOW, days=20, lifecycle=lifecycle)
    plain = FakeZonos.seeded(orders=400, seed=6, now=NOW, days=20)
    everything = {order["id"]: order for order in listing(plain)}
    first_seen = {order["id"]: NOW for order in listing(fake)}
    hidden = sorted(everything.keys() - first_seen.keys())
    assert hidden, "nothing was still hidden at the start"
    assert max(first_seen) > min(hidden)  # a higher id is visible before a lower one
    for _ in range(3 * 24):
        fake.clock.advance(timedelta(hours=1))
        for order in listing(fake):
            first_seen.setdefault(order["id"], fake.clock.now())
    assert first_seen.keys() == everything.keys()  # the same orders, nothing invented
    last = {order["id"]: order for order in listing(fake)}
    for order_id in hidden:
        assert last[order_id]["timestamp"] == everything[order_id]["timestamp"]
        placed = datetime.fromisoformat(last[order_id]["timestamp"][:19] + "+00:00")
        assert placed < first_seen[order_id] - timedelta(hours=23), order_id  # a day late
    with pytest.raises(ValueError, match="already exists"):
        FakeZonos.seeded(orders=400, seed=6, now=NOW, lifecycle=lifecycle).add_order(
            order_id=hidden[0]
        )  # hidden, yet taken


def test_an_out_of_order_arrival_shows_after_a_higher_id() -> None:
    lifecycle = Lifecycle(
        orders_per_hour=60.0, out_of_order=0.5, late=0.0, out_of_order_minutes=(5.0, 20.0)
    )
    fake = FakeZonos(clock=FakeClock(NOW), seed=1, lifecycle=lifecycle)
    seen: list[str] = []
    for _ in range(8 * 60):
        fake.clock.advance(timedelta(minutes=1))
        seen.extend(order_id for order_id in fake.order_ids() if order_id not in set(seen))
    numbers = [int(order_id.split("-")[1]) for order_id in seen]
    assert numbers != sorted(numbers)
    still_hidden = set(range(100001, max(numbers) + 1)) - set(numbers)
    assert len(still_hidden) <= 30  # only those placed in the last 20 minutes
    assert 400 < len(numbers) < 560  # about 60 an hour for 8 hours


def test_orders_added_by_a_test_and_by_the_lifecycle_never_share_an_id() -> None:
    fake = FakeZonos(
        clock=FakeClock(NOW), seed=3, lifecycle=attrs.evolve(QUIET, orders_per_hour=10.0)
    )
    fake.clock.advance(timedelta(hours=2))
    mine = fake.add_order()
    fake.clock.advance(timedelta(hours=2))
    ids = fake.order_ids()
    assert len(ids) == len(set(ids))
    assert mine in ids
    assert ids[-1] != mine


def test_days_can_begin_at_seven_utc() -> None:
    fake = FakeZonos(clock=FakeClock(NOW), day_start_hour=7)
    early = fake.add_order(placed_at=datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc))
    late = fake.add_order(placed_at=datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc))
    first_of_next = fake.add_order(placed_at=datetime(2026, 11, 3, 6, 59, tzinfo=timezone.utc))

    def day(since: str, through: str) -> list[str]:
        return [order["id"] for order in listing(fake, sinceDate=since, throughDate=through)]

    assert day("20261101", "20261101") == [early]  # 03:00 UTC on the 2nd is the 1st's
    assert day("20261102", "20261102") == [late, first_of_next]
    fake.day_start_hour = 0
    assert day("20261102", "20261102") == [early, late]
    with pytest.raises(ValueError, match="0-23"):
        FakeZonos(day_start_hour=24)


def test_the_lifecycle_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="share"):
        Lifecycle(fraud_review=1.5)
    with pytest.raises(ValueError, match="range"):
        Lifecycle(review_hours=(3.0, 1.0))
    with pytest.raises(ValueError, match="orders_per_hour"):
        Lifecycle(orders_per_hour=-1.0)
    with pytest.raises(ValueError, match="exceed"):
        Lifecycle(cancelled=0.6, added_status=0.6)


def test_a_frozen_clock_stands_still_and_an_accelerated_one_runs_fast() -> None:
    clock = FakeClock(NOW, ticking=True, speed=3600)
    time.sleep(0.01)
    assert clock.now() > NOW
    clock.freeze()
    assert not clock.ticking
    frozen = clock.now()
    time.sleep(0.01)
    assert clock.now() == frozen
    clock.resume(speed=7200)
    assert clock.ticking
    assert "speed=7200" in repr(clock)
    with pytest.raises(ValueError, match="speed"):
        FakeClock(speed=0)


def test_status_changes_record_who_moved_the_order() -> None:
    fake = FakeZonos(clock=FakeClock(NOW))
    order_id = fake.add_order(status="IGLOBAL_ORDER_IN_PROCESS")
    body = {
        "store": 999,
        "secret": DOC_SECRET,
        "orderId": order_id,
        "orderStatus": "VENDOR_PREPARING_ORDER",
    }
    fake.handle("POST", "/v1/updateVendorOrderStatus", JSON, json.dumps(body).encode())
    fake.clock.advance(timedelta(minutes=5))
    fake.set_status(order_id, "IGLOBAL_ORDER_CANCELLED")
    assert fake.status_changes(order_id) == [
        StatusChange(
            order_id, "IGLOBAL_ORDER_IN_PROCESS", "VENDOR_PREPARING_ORDER", NOW, "merchant"
        ),
        StatusChange(
            order_id,
            "VENDOR_PREPARING_ORDER",
            "IGLOBAL_ORDER_CANCELLED",
            NOW + timedelta(minutes=5),
            "test",
        ),
    ]


def test_the_served_fake_keeps_living_while_a_client_runs() -> None:
    clock = FakeClock(NOW)
    fake = FakeZonos.seeded(orders=50, seed=2, now=NOW, clock=clock, lifecycle=lively().lifecycle)
    body = {"store": 999, "secret": DOC_SECRET, "sinceDate": "20000101", "statuses": True}
    with fake.serve_in_thread() as url, httpx.Client(base_url=url, trust_env=False) as http:
        before = http.post("/v1/orderNumbers", json=body).json()["orders"]
        clock.advance(timedelta(hours=12))
        after = http.post("/v1/orderNumbers", json=body).json()["orders"]
    assert len(after) > len(before)
    old = {order["id"]: order["orderStatus"] for order in before}
    assert any(old[order["id"]] != order["orderStatus"] for order in after if order["id"] in old)


def test_cli_serve_options_for_a_living_fake(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve_main(["serve", "--orders-per-hour", "60", "--fraud-review", "2"]) == 2
    assert "share" in capsys.readouterr().err
    assert serve_main(["serve", "--speed", "0"]) == 2
    assert serve_main(["serve", "--day-start-hour", "25"]) == 2
    with pytest.raises(SystemExit):
        serve_main(["serve", "--help"])
    shown = capsys.readouterr().out
    for option in ("--speed", "--orders-per-hour", "--lifecycle", "--day-start-hour"):
        assert option in shown


def test_set_detail_changes_what_order_detail_serves() -> None:
    fake = FakeZonos(clock=FakeClock(NOW))
    order_id = fake.add_order(detail={"address2": "Flat 2"})
    fake.set_detail(order_id, {"address2": "Flat 3", "notes": [{"customerNote": True}]})
    assert fake.order_json(order_id)["address2"] == "Flat 3"
    fake.set_detail(order_id, None)
    assert fake.order_json(order_id)["address2"] != "Flat 3"
    with pytest.raises(KeyError):
        fake.set_detail("999-1", None)
