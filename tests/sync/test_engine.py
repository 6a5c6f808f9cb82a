"""The sync against the in-memory fake on SQLite: follow-up, late orders, filters, events."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import TaskGroup
from sync_support import NOW, Recorder, fake_at, rows, run_sync, session_for, store_at

from zonos_async import (
    FINAL_STATUSES,
    Change,
    InvalidRequestError,
    OrderStatus,
    SqlStore,
    StoreError,
    sync,
    sync_changes,
)
from zonos_async._sync import _engine
from zonos_async._sync._json import loads_exact
from zonos_async.testing import FakeZonos

pytestmark = pytest.mark.anyio

SINCE = (NOW - timedelta(days=31)).date()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def stored_statuses(db: Path) -> dict[str, str]:
    return dict(rows(db, "select order_id, status from zonos_orders"))  # type: ignore[arg-type]


def zonos_statuses(fake: FakeZonos) -> dict[str, str]:
    return {i: fake.order_json(i)["orderStatus"] for i in fake.order_ids()}


def history(db: Path) -> list[tuple[object, ...]]:
    return rows(db, "select order_id, kind, from_status, to_status from zonos_order_history")


async def test_first_run_stores_every_order_once_and_a_second_run_fetches_nothing(
    tmp_path: Path,
) -> None:
    fake, db = fake_at(), tmp_path / "orders.db"
    async with store_at(db) as store:
        first = await run_sync(fake, store, since=SINCE)
        assert first.new == first.fetched == first.listed == 200
        assert stored_statuses(db) == zonos_statuses(fake)
        calls = len(fake.calls)
        second = await run_sync(fake, store)
    assert (second.new, second.status_changed, second.fetched) == (0, 0, 0)
    assert not [c for c in fake.calls[calls:] if c.endpoint == "orderDetail"]
    assert rows(db, "select count(*), count(distinct order_id) from zonos_orders") == [(200, 200)]
    assert len(history(db)) == 200  # one "new" row each
    open_orders = sum(1 for s in zonos_statuses(fake).values() if s not in FINAL_STATUSES)
    assert second.open_orders == open_orders


async def test_follow_up_records_each_change_once_refreshes_the_detail_and_tells_once(
    tmp_path: Path,
) -> None:
    fake, db = fake_at(), tmp_path / "orders.db"
    now = fake.clock.now()
    review_cleared = fake.add_order(
        placed_at=now - timedelta(hours=3), status="IGLOBAL_FRAUD_REVIEW"
    )
    review_refused = fake.add_order(
        placed_at=now - timedelta(days=9), status="IGLOBAL_FRAUD_REVIEW"
    )
    shipped_later = fake.add_order(placed_at=now - timedelta(days=20))  # in process
    renamed = fake.add_order(placed_at=now - timedelta(days=15))
    async with store_at(db) as store:
        await run_sync(fake, store, [], since=SINCE)  # its changes (all new) delivered there
        fake.clock.advance(timedelta(hours=6))
        fake.set_status(review_cleared, "IGLOBAL_ORDER_IN_PROCESS")
        fake.set_status(review_refused, "IGLOBAL_ORDER_CANCELLED")
        fake.set_status(shipped_later, "IGLOBAL_ORDER_CANCELLED")
        fake.set_status(renamed, "IGLOBAL_SOMETHING_NEW")  # a status Zonos adds
        changes: list[Change] = []
        result = await run_sync(fake, store, changes)
        again: list[Change] = []
        await run_sync(fake, store, again)

    assert result.status_changed == 4
    assert result.fetched == 4  # only the changed orders' details
    seen = {(c.order_id, str(c.old_status), str(c.new_status)) for c in changes}
    assert seen == {
        (review_cleared, "IGLOBAL_FRAUD_REVIEW", "IGLOBAL_ORDER_IN_PROCESS"),
        (review_refused, "IGLOBAL_FRAUD_REVIEW", "IGLOBAL_ORDER_CANCELLED"),
        (shipped_later, "IGLOBAL_ORDER_IN_PROCESS", "IGLOBAL_ORDER_CANCELLED"),
        (renamed, "IGLOBAL_ORDER_IN_PROCESS", "IGLOBAL_SOMETHING_NEW"),
    }
    assert len(changes) == 4 and again == []
    assert all(c.kind == "status" and c.order.status == c.new_status for c in changes)
    assert stored_statuses(db) == zonos_statuses(fake)
    stored = dict(rows(db, "select order_id, order_json from zonos_orders"))
    for order_id in (review_cleared, review_refused, shipped_later, renamed):
        assert loads_exact(stored[order_id]) == loads_exact(json.dumps(fake.order_json(order_id)))
        status_rows = [h for h in history(db) if h[0] == order_id and h[1] == "status"]
        assert len(status_rows) == 1
    assert OrderStatus("IGLOBAL_SOMETHING_NEW") not in FINAL_STATUSES  # still followed


async def test_final_orders_are_not_listed_again_and_old_open_ones_are_reported(
    tmp_path: Path,
) -> None:
    now = NOW
    fake = FakeZonos(clock=fake_at().clock)
    old_open = fake.add_order(placed_at=now - timedelta(days=80))
    done = fake.add_order(placed_at=now - timedelta(days=20), status="VENDOR_END_OF_DAY_COMPLETE")
    fake.add_order(placed_at=now - timedelta(days=10), status="IGLOBAL_FRAUD_REVIEW")
    db = tmp_path / "orders.db"
    async with store_at(db) as store:
        first = await run_sync(fake, store, since=(now - timedelta(days=90)).date())
        assert first.new == 3
        assert first.beyond_horizon == 1
        calls = len(fake.calls)
        second = await run_sync(fake, store, horizon_days=60)
    listed = [c.body for c in fake.calls[calls:] if c.endpoint == "orderNumbers"]
    assert all(body is not None and body.get("statuses") for body in listed)
    days = {body["sinceDate"] for body in listed if body}
    recent_day = (now - timedelta(days=10)).strftime("%Y%m%d")
    assert any(d <= recent_day for d in days)  # the open order's day is listed again
    assert second.beyond_horizon == 1 and second.open_orders == 2
    assert done and old_open


async def test_late_and_out_of_order_orders_are_stored_by_the_next_run(tmp_path: Path) -> None:
    fake, db = fake_at(), tmp_path / "orders.db"
    async with store_at(db) as store:
        await run_sync(fake, store, [], since=SINCE)
        now = fake.clock.now()
        highest = fake.order_ids()[-1]
        number = int(highest.rsplit("-", 1)[1])
        later = fake.add_order(order_id=number + 10, placed_at=now - timedelta(minutes=5))
        lower = fake.add_order(order_id=number + 5, placed_at=now - timedelta(minutes=1))
        late = fake.add_order(placed_at=now - timedelta(days=1, hours=20))  # an old timestamp
        changes: list[Change] = []
        result = await run_sync(fake, store, changes)
    assert result.new == 3
    assert {c.order_id for c in changes if c.kind == "new"} == {later, lower, late}
    assert stored_statuses(db) == zonos_statuses(fake)


async def test_filters_choose_what_is_handed_over_never_what_is_stored(tmp_path: Path) -> None:
    fake, db = fake_at(), tmp_path / "orders.db"
    test_order = fake.add_order(test_order=True, placed_at=fake.clock.now() - timedelta(hours=1))
    async with store_at(db) as store:
        changes: list[Change] = []
        await run_sync(
            fake,
            store,
            changes,
            since=SINCE,
            statuses=["IGLOBAL_ORDER_CANCELLED"],
            test_orders="skip",
        )
        assert changes and all(c.new_status == "IGLOBAL_ORDER_CANCELLED" for c in changes)
        assert test_order not in {c.order_id for c in changes}
        assert len(stored_statuses(db)) == 201  # every order stored whatever the filters
        fake.set_status(test_order, "IGLOBAL_ORDER_CANCELLED")  # and still followed
        later: list[Change] = []
        await run_sync(fake, store, later, test_orders="only")
    assert [(c.order_id, str(c.new_status)) for c in later] == [
        (test_order, "IGLOBAL_ORDER_CANCELLED")
    ]


async def test_an_unknown_status_in_a_filter_is_refused_unless_intended(tmp_path: Path) -> None:
    fake, db = fake_at(), tmp_path / "orders.db"
    async with store_at(db) as store:
        with pytest.raises(InvalidRequestError, match="IGLOBAL_ORDER_INPROCESS"):
            await run_sync(fake, store, since=SINCE, statuses=["IGLOBAL_ORDER_INPROCESS"])
        assert not db.exists()
        result = await run_sync(
            fake, store, since=SINCE, statuses=["IGLOBAL_BRAND_NEW"], allow_unknown_statuses=True
        )
    assert result.new == 200 and result.delivered == 0


async def test_a_first_run_without_since_creates_nothing(tmp_path: Path) -> None:
    fake, db = fake_at(), tmp_path / "orders.db"
    async with store_at(db) as store:
        with pytest.raises(InvalidRequestError, match="first run"):
            await run_sync(fake, store)
    assert not db.exists()
    assert fake.calls == []


async def test_changes_are_delivered_at_least_once_after_a_consumer_fails(tmp_path: Path) -> None:
    fake, db = fake_at(orders=30), tmp_path / "orders.db"
    taken: list[str] = []

    def flaky(change: Change) -> None:
        if len(taken) == 10:
            raise RuntimeError("the consumer fell over")
        taken.append(change.id)

    async with store_at(db) as store:
        with pytest.raises(RuntimeError, match="fell over"):
            await run_sync(fake, store, since=SINCE, on_change=flaky)
        assert len(stored_statuses(db)) == 30  # the orders were committed before delivery
        rest: list[Change] = []
        await run_sync(fake, store, rest)
    assert len(taken) == 10
    assert [c.id for c in rest][:1] != [taken[-1]]  # the 10th was acknowledged...
    assert len(taken) + len(rest) == 30  # ...and the 11th comes again: nothing lost
    assert len(set(taken) | {c.id for c in rest}) == 30


async def test_the_iterator_form_hands_over_each_change_after_its_commit(tmp_path: Path) -> None:
    fake, db = fake_at(orders=40), tmp_path / "orders.db"
    async with store_at(db) as store, run_session(fake) as session:
        async with sync_changes(session, store, since=SINCE, clock=fake.clock.now) as changes:
            seen = []
            async for change in changes:
                stored = rows(
                    db, f"select count(*) from zonos_orders where order_id='{change.order_id}'"
                )
                assert stored == [(1,)]  # committed before it is handed over
                seen.append(change.id)
        assert changes.result is not None and changes.result.delivered == 40
        assert len(set(seen)) == 40


async def test_money_is_stored_and_exported_exactly(tmp_path: Path) -> None:
    fake, db = fake_at(orders=5), tmp_path / "orders.db"
    exact = fake.add_order(
        placed_at=fake.clock.now() - timedelta(hours=1),
        detail={"grandTotal": 12.10, "itemsTotal": 0.1, "dutyTaxesTotal": 1e-7},
    )
    async with store_at(db) as store:
        await run_sync(fake, store, since=SINCE)
        lines = [line async for line in store.export()]
    assert len(lines) == 6
    for order_id in fake.order_ids():
        line = next(text for text in lines if f'"orderId":"{order_id}"' in text)
        sent = json.dumps(fake.order_json(order_id))  # what the fake serves, number for number
        # digit for digit: same digits and exponent (29.0 stays 29.0, never 29 or 29.00)
        assert json.loads(line, parse_float=exact_digits) == json.loads(
            sent, parse_float=exact_digits
        )
    line = next(text for text in lines if f'"{exact}"' in text)
    assert '"grandTotal":12.1,' in line


def exact_digits(text: str) -> object:
    return Decimal(text).as_tuple()


def run_session(fake: FakeZonos):  # type: ignore[no-untyped-def]
    from sync_support import session_for

    return session_for(fake)


async def test_runs_between_lifecycle_events_converge_on_zonos_state(tmp_path: Path) -> None:
    """Seeded arrivals, reviews, cancellations, late and out-of-order orders, a new status."""
    from zonos_async.testing import FakeClock, Lifecycle

    fake = FakeZonos.seeded(
        orders=300,
        seed=5,
        now=NOW,
        days=20,
        clock=FakeClock(NOW),
        lifecycle=Lifecycle(orders_per_hour=6, settle_hours=(1, 10)),
    )
    db = tmp_path / "orders.db"
    events: list[Change] = []
    async with store_at(db) as store:
        await run_sync(fake, store, events, since=(NOW - timedelta(days=21)).date())
        for hours in (1, 5, 0.5, 13, 30, 2):
            fake.clock.advance(timedelta(hours=hours))
            await run_sync(fake, store, events)
    assert stored_statuses(db) == zonos_statuses(fake)
    moves = history(db)
    status_events = [c for c in events if c.kind == "status"]
    assert status_events, "the lifecycle moved orders: the sync saw it"
    assert len({c.id for c in events}) == len(events)
    # every change recorded is a real change, and each order's chain of statuses is unbroken
    chains: dict[str, list[tuple[object, object]]] = {}
    for order_id, _, old, new in moves:
        chains.setdefault(str(order_id), []).append((old, new))
    assert set(chains) == set(stored_statuses(db))
    for chain in chains.values():
        assert chain[0][0] is None  # stored once, as new, then only real moves
        assert all(old is not None and old != new for old, new in chain[1:])
        for (_, before), (after, _) in itertools.pairwise(chain):
            assert before == after


async def test_zonos_days_that_begin_at_seven_utc_lose_nothing(tmp_path: Path) -> None:
    fake = FakeZonos.seeded(orders=120, seed=3, now=NOW, days=10, day_start_hour=7)
    db = tmp_path / "orders.db"
    async with store_at(db) as store:
        await run_sync(fake, store, since=(NOW - timedelta(days=11)).date())
        midnight = NOW.replace(hour=0, minute=0)
        early = [  # placed before 07:00 UTC: Zonos counts them in the day before
            fake.add_order(
                placed_at=midnight + timedelta(hours=h), status="VENDOR_END_OF_DAY_COMPLETE"
            )
            for h in (1, 3, 6)
        ]
        yesterday_early = fake.add_order(
            placed_at=midnight - timedelta(hours=20), status="VENDOR_END_OF_DAY_COMPLETE"
        )
        fake.clock.advance(timedelta(hours=2))
        result = await run_sync(fake, store)
    assert result.new == 4
    assert set(early) | {yesterday_early} <= set(stored_statuses(db))
    assert stored_statuses(db) == zonos_statuses(fake)


async def test_the_first_runs_since_given_again_re_lists_nothing_but_an_earlier_one_does(
    tmp_path: Path,
) -> None:
    fake, db = FakeZonos(clock=fake_at().clock), tmp_path / "orders.db"
    for day in range(30):  # all final: only the trailing window is listed again
        fake.add_order(placed_at=NOW - timedelta(days=day), status="VENDOR_END_OF_DAY_COMPLETE")
    async with store_at(db) as store:
        first = await run_sync(fake, store, since=SINCE)
        same = await run_sync(fake, store, since=SINCE)  # the cron line keeps --since
        earlier = await run_sync(fake, store, since=SINCE - timedelta(days=14))
    assert first.windows > 1 and same.windows == 1
    assert earlier.windows > same.windows and earlier.listed == first.listed == 30


def _days(*offsets: int) -> list[date]:
    return [TODAY + timedelta(days=n) for n in offsets]


def _spans(windows: list[_engine._Window]) -> list[tuple[int, int | None]]:
    return [
        ((w.start - TODAY).days, None if w.end is None else (w.end - TODAY).days) for w in windows
    ]


TODAY = NOW.date()


@pytest.mark.parametrize(
    ("start", "open_days", "expected"),
    [
        # No open orders: the trailing range only, the last window open-ended.
        (-2, [], [(-2, None)]),
        (-9, [], [(-9, -3), (-2, None)]),
        # Open days inside the trailing range cost nothing more.
        (-2, [-1, 0], [(-2, None)]),
        # Open orders of the six days before today: their span reaches the trailing range, so
        # one window lists both (the bench's follow-up: 2 calls before).
        (-2, [-5, -4, -3], [(-6, None)]),
        # Too wide to fold into one window: the union is chunked, never more calls than apart.
        (-2, [-8, -7, -6, -5, -4, -3], [(-9, -3), (-2, None)]),
        # An open day far back: its own window, a day either side.
        (-2, [-30], [(-31, -29), (-2, None)]),
        (-2, [-30, -29, -20], [(-31, -28), (-21, -19), (-2, None)]),
    ],
)
def test_plan_windows(start: int, open_days: list[int], expected: list[Any]) -> None:
    windows = _engine.plan_windows(
        start=TODAY + timedelta(days=start), today=TODAY, open_days=_days(*open_days),
        window_days=7,
    )  # fmt: skip
    assert _spans(windows) == expected
    one, listed = timedelta(days=1), []
    for w in windows:
        last = TODAY if w.end is None else w.end
        assert (last - w.start).days < 7 or w.end is None
        listed += [w.start + n * one for n in range((last - w.start).days + 1)]
    assert len(listed) == len(set(listed))  # no day listed twice
    for day in _days(*open_days):  # each open day is listed with the day either side
        assert {day - one, day, min(day + one, TODAY)} <= set(listed)


@pytest.mark.parametrize(
    ("first_run", "answers", "expected"),
    [
        # A first run starts with one day, at most doubles, never past a window.
        (True, [(1, 0), (2, 0), (4, 0)], [1, 2, 4, 7]),
        # Then it lists about _ORDERS_PER_CALL (here 5,000) at the density seen, at least a day.
        (True, [(1, 1_000), (2, 2_000), (4, 4_000)], [1, 2, 4, 5]),
        (True, [(1, 20_000)], [1, 1]),
        # A later run lists its planned windows whole until one answers more.
        (False, [(7, 4_000)], [7, 7]),
        (False, [(7, 7_000), (5, 5_000)], [7, 5, 5]),
        (False, [(7, 70_000)], [7, 1]),
    ],
)
def test_call_sizer(
    first_run: bool,
    answers: list[tuple[int, int]],
    expected: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_engine, "_ORDERS_PER_CALL", 5_000)
    sizer = _engine._CallSizer(7, first_day_only=first_run)
    days = [sizer.days]
    for listed_days, listed in answers:
        sizer.observe(listed_days, listed)
        days.append(sizer.days)
    assert days == expected


@pytest.mark.parametrize(
    ("events", "room"),
    [
        ([], True),
        # Nothing known of the windows: one listing at a time.
        (["start"], False),
        # Empty windows are cheap: after one, several start at once.
        (["start", ("listed", 0, 0), "start", "start"], True),
        # A window of 1,000: the next starts once no more than low water (512) wait.
        (["start", ("listed", 1_000, 1_000)], False),
        (["start", ("listed", 1_000, 1_000), ("sent", 488)], True),
        (["start", ("listed", 1_000, 1_000), ("sent", 488), "start"], False),
        # Sparse windows (a follow-up's open days): several at once.
        (["start", ("listed", 5, 5), "start", "start", "start"], True),
    ],
)
async def test_backlog(events: list[Any], room: bool) -> None:
    backlog = _engine._Backlog(512)
    for event in events:
        if event == "start":
            backlog.running += 1
        elif event[0] == "listed":
            backlog.listed(event[1], event[2])
        else:
            for _ in range(event[1]):
                backlog.sent()
    assert backlog._has_room() is room


async def test_a_busy_store_is_listed_in_calls_of_about_orders_per_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20 orders a day (a busy week would be 140), about 40 a call: two days a call, every
    # day listed once, every order stored once.
    monkeypatch.setattr(_engine, "_ORDERS_PER_CALL", 40)
    fake = FakeZonos.seeded(orders=0, now=NOW)
    first = datetime.combine(NOW.date() - timedelta(days=20), time(), timezone.utc)
    for n in range(400):
        fake.add_order(placed_at=first + n * timedelta(days=1) / 20)
    db = tmp_path / "orders.db"
    async with store_at(db) as store, session_for(fake) as session:
        recorder = Recorder(session)
        result = await sync(recorder, store, since=(NOW - timedelta(days=21)).date(),
                            clock=fake.clock.now)  # fmt: skip
    assert result.new == 400
    assert stored_statuses(db) == zonos_statuses(fake)
    calls = [(c["since_date"], c["through_date"]) for c in recorder.listing_calls]
    assert result.windows == len(calls) > 20 / 7 + 1
    assert all(call["answered"] <= 2 * 40 for call in recorder.listing_calls)  # type: ignore[operator]
    one = timedelta(days=1)
    for (_, end), (start, _) in itertools.pairwise(calls):  # contiguous, no day twice
        assert isinstance(end, date) and start == end + one
    assert calls[-1][1] is None


class FullDisk:
    """A real store whose writes fail as on a full disk, and whose lease release never answers."""

    def __init__(self, store: SqlStore, answer: anyio.Event) -> None:
        self._store = store
        self._answer = answer
        self.releases = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def write(self, *args: Any, **kwargs: Any) -> tuple[int, int, int, int]:
        await anyio.sleep(0.05)  # the listing and the detail calls go on meanwhile
        raise StoreError("the store failed (sqlite): OperationalError: database or disk is full")

    async def release(self, *args: Any, **kwargs: Any) -> None:
        self.releases += 1
        await self._answer.wait()


async def test_a_failed_write_ends_the_run_even_if_the_store_never_answers_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's error cancels the listing and the detail calls, and the lease's release
    (shielded, so that an interrupted run still hands it back) gives up instead of waiting
    for a disk that never answers: the run ends with the write's error."""
    monkeypatch.setattr(_engine, "_RELEASE_SECONDS", 0.1)
    fake, answer = fake_at(orders=600), anyio.Event()
    raised: list[BaseException] = []
    async with store_at(tmp_path / "orders.db") as real, session_for(fake) as session:
        store = FullDisk(real, answer)

        async def run(tg: TaskGroup) -> None:
            try:
                await sync(session, store, since=SINCE, clock=fake.clock.now, concurrency=8)
            except StoreError as exc:
                raised.append(exc)
            tg.cancel_scope.cancel()

        async def watchdog() -> None:  # before the fix, the run waited for this forever
            await anyio.sleep(30)
            answer.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(run, tg)
            tg.start_soon(watchdog)
    assert not answer.is_set(), "the run waited for the store's answer"
    assert store.releases == 1
    assert len(raised) == 1 and "disk is full" in str(raised[0])
