"""The import pipeline on the stateful fake: each order once, filters, order, bounds, errors."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import anyio
import anyio.lowlevel
import attrs
import pytest
from sync_support import (
    NOW,
    SINCE,
    UNTIL,
    Recorder,
    jitter,
    make_fake,
    number,
    session_for,
)

from zonos_async import (
    InvalidRequestError,
    OrderNotFoundError,
    OrderNumbersPage,
    OrderStatus,
    ZonosTimeoutError,
)
from zonos_async._sync._pipeline import import_orders

pytestmark = pytest.mark.asyncio


async def collect(source: object, **options: object) -> tuple[list[str], object]:
    async with import_orders(source, **options) as orders:  # type: ignore[arg-type]
        ids = [order.id async for order in orders]
    return ids, orders.stats


@pytest.mark.parametrize(("window_days", "window_concurrency"), [(1, 4), (3, 2), (7, 1), (400, 4)])
async def test_every_order_exactly_once(window_days: int, window_concurrency: int) -> None:
    fake = make_fake(orders=150)
    async with session_for(fake) as session:
        recorder = Recorder(session, delay=jitter(window_days))
        ids, stats = await collect(
            recorder,
            since=SINCE,
            until=UNTIL,
            window_days=window_days,
            window_concurrency=window_concurrency,
            concurrency=8,
        )
    assert sorted(ids, key=number) == fake.order_ids()
    assert len(ids) == len(set(ids))
    assert Counter(recorder.detail_ids) == Counter(ids)  # no detail fetched twice
    assert stats.yielded == stats.fetched == stats.listed == 150  # type: ignore[attr-defined]
    assert len(recorder.listing_calls) == -(-((UNTIL - SINCE).days + 1) // window_days)
    for call in recorder.listing_calls:  # whole windows, no gaps, no overlap
        assert call["through_date"] >= call["since_date"]  # type: ignore[operator]


async def test_repeated_and_overlapping_ids_are_yielded_once() -> None:
    fake = make_fake(orders=120)
    async with session_for(fake) as session:
        first_window: list[OrderNumbersPage] = []

        def overlap(page: OrderNumbersPage) -> OrderNumbersPage:
            # Every id twice, and each window also repeats the previous window's orders.
            extra = first_window[-1].orders if first_window else ()
            first_window.append(page)
            orders = page.orders + page.orders + extra
            return attrs.evolve(page, orders=orders)

        recorder = Recorder(session, listing=overlap)
        ids, stats = await collect(
            recorder, since=SINCE, until=UNTIL, window_days=2, window_concurrency=1
        )
    assert Counter(ids) == Counter(fake.order_ids())
    assert len(recorder.detail_ids) == 120
    assert stats.duplicates >= 120  # type: ignore[attr-defined]


async def test_ordered_yields_ascending_ids_while_details_finish_out_of_order() -> None:
    fake = make_fake(orders=120)
    async with session_for(fake) as session:
        recorder = Recorder(session, delay=jitter(7, 0.0, 0.01))
        ordered, _ = await collect(recorder, since=SINCE, ordered=True, concurrency=16)
        unordered, _ = await collect(
            Recorder(session, delay=jitter(7, 0.0, 0.01)), since=SINCE, concurrency=16
        )
    assert ordered == fake.order_ids()
    assert unordered != ordered  # details really did finish out of order
    assert sorted(unordered, key=number) == ordered


async def test_filters_are_applied_before_any_detail_is_fetched() -> None:
    fake = make_fake(orders=200)
    fake.add_order(test_order=True, placed_at=NOW - timedelta(days=1))
    async with session_for(fake) as session:
        page = await session.order_numbers(since_date=SINCE, statuses=True)
        tests = {s.id for s in page.orders if s.test_order}
        in_process = {s.id for s in page.orders if s.status is OrderStatus.IGLOBAL_ORDER_IN_PROCESS}
        no_merchant = {s.id for s in page.orders if not s.merchant_order_id}
        everything = set(page.ids)
        assert tests
        assert no_merchant
        skip = set(sorted(everything)[:50])

        cases: list[tuple[dict[str, Any], set[str], bool]] = [
            ({"test_orders": "skip"}, everything - tests, False),
            ({"test_orders": "only"}, tests, False),
            ({"statuses": [OrderStatus.IGLOBAL_ORDER_IN_PROCESS]}, in_process, True),
            ({"statuses": ["IGLOBAL_ORDER_IN_PROCESS"]}, in_process, True),
            ({"skip_ids": skip}, everything - skip, False),
            ({"skip_ids": skip.__contains__}, everything - skip, False),
            ({"missing_merchant_order_id": True}, no_merchant, True),
            (
                {"test_orders": "skip", "statuses": ["IGLOBAL_ORDER_IN_PROCESS"]},
                in_process - tests,
                True,
            ),
        ]
        for options, expected, with_statuses in cases:
            recorder = Recorder(session)
            ids, stats = await collect(recorder, since=SINCE, **options)
            assert set(ids) == expected, options
            assert set(recorder.detail_ids) == expected, options  # others never fetched
            assert stats.skipped == len(everything) - len(expected)  # type: ignore[attr-defined]
            assert all(call["statuses"] is with_statuses for call in recorder.listing_calls)


async def test_since_order_id_lists_once_and_excludes_that_order() -> None:
    fake = make_fake(orders=80)
    every = fake.order_ids()
    async with session_for(fake) as session:
        recorder = Recorder(session)
        ids, _ = await collect(recorder, since_order_id=every[29])
    assert sorted(ids, key=number) == every[30:]
    assert len(recorder.listing_calls) == 1
    assert recorder.listing_calls[0]["since_order_id"] == every[29]


async def test_missing_merchant_id_alone_uses_zonos_selector() -> None:
    fake = make_fake(orders=80)
    async with session_for(fake) as session:
        expected = (await session.order_numbers(missing_merchant_order_id=True)).ids
        recorder = Recorder(session)
        ids, _ = await collect(recorder, missing_merchant_order_id=True)
    assert sorted(ids, key=number) == list(expected)
    assert recorder.listing_calls[0]["missing_merchant_order_id"] is True


async def test_slow_consumer_applies_back_pressure() -> None:
    fake = make_fake(orders=150)
    concurrency = 4
    async with session_for(fake) as session:
        recorder = Recorder(session)
        worst_backlog = 0
        consumed = 0
        async with import_orders(recorder, since=SINCE, concurrency=concurrency) as orders:
            async for _ in orders:
                consumed += 1
                # Let every worker run as far as it can before taking the next order.
                for _ in range(20):
                    await anyio.lowlevel.checkpoint()
                worst_backlog = max(worst_backlog, recorder.started - consumed)
        stats = orders.stats
    assert consumed == 150
    assert recorder.peak_in_flight <= concurrency
    # Started but not consumed: the output buffer, one order per worker, the calls in flight.
    assert worst_backlog <= 3 * concurrency
    assert stats.peak_ready <= 2 * concurrency + 1
    assert stats.peak_in_flight <= concurrency


async def test_ordered_mode_holds_a_bounded_reorder_buffer() -> None:
    fake = make_fake(orders=150)
    slow_first = fake.order_ids()[0]
    concurrency = 4

    def delay(order_id: str) -> float:
        return 0.2 if order_id == slow_first else 0.0

    async with session_for(fake) as session:
        recorder = Recorder(session, delay=delay)
        async with import_orders(
            recorder, since=SINCE, concurrency=concurrency, ordered=True
        ) as orders:
            ids = [order.id async for order in orders]
    assert ids == fake.order_ids()
    # While the first order hung, the others ran ahead only up to the bound.
    assert orders.stats.peak_ready <= 4 * concurrency


async def test_leaving_early_cancels_everything_and_session_stays_usable() -> None:
    fake = make_fake(orders=150)
    async with session_for(fake) as session:
        recorder = Recorder(session, delay=lambda _: 0.05)
        async with import_orders(recorder, since=SINCE, concurrency=8) as orders:
            async for _ in orders:
                break
        assert recorder.in_flight == 0
        assert recorder.completed < 150
        order = await session.order_detail(fake.order_ids()[-1])
        assert order.id == fake.order_ids()[-1]

        with anyio.move_on_after(0.1) as scope:  # cancelled from outside while waiting
            async with import_orders(recorder, since=SINCE, concurrency=8) as orders:
                async for _ in orders:
                    await anyio.sleep(10)
        assert scope.cancelled_caught
        assert recorder.in_flight == 0
        assert (await session.order_numbers(since_date=SINCE)).total_count == 150


async def test_failing_detail_call_fails_the_import_with_its_typed_error() -> None:
    fake = make_fake(orders=100)
    bad = fake.order_ids()[40]
    error = OrderNotFoundError(
        f"Could not find an order with orderId: {bad}", endpoint="orderDetail", order_id=bad
    )
    async with session_for(fake) as session:
        recorder = Recorder(session, fail={bad: error}, delay=lambda _: 0.002)
        got: list[str] = []

        async def consume() -> None:
            async with import_orders(recorder, since=SINCE, concurrency=8) as orders:
                async for order in orders:
                    got.append(order.id)

        with pytest.raises(OrderNotFoundError) as caught:
            await consume()
        assert caught.value is error
        assert recorder.in_flight == 0
        assert bad not in got
        assert len(got) < 100
        assert (await session.order_detail(fake.order_ids()[0])).id == fake.order_ids()[0]


async def test_failing_listing_fails_the_import_and_error_is_raised_at_exit_too() -> None:
    fake = make_fake(orders=20)
    async with session_for(fake) as session:
        recorder = Recorder(session, listing_error=ZonosTimeoutError("slow", endpoint="x"))
        with pytest.raises(ZonosTimeoutError):
            await collect(recorder, since=SINCE)
        with pytest.raises(ZonosTimeoutError):  # never iterated: raised when leaving
            async with import_orders(recorder, since=SINCE) as orders:
                await until_stopped(orders)
        assert orders.stats.yielded == 0


async def until_stopped(orders: object) -> None:
    """Wait (not a fixed sleep: the machine may be slow) until a failure has stopped the import."""
    with anyio.fail_after(10):
        while getattr(orders, "_error", None) is None:  # noqa: ASYNC110 - a private flag
            await anyio.sleep(0.001)


async def test_the_loop_body_error_comes_out_unwrapped() -> None:
    fake = make_fake(orders=20)
    async with session_for(fake) as session:

        async def consume() -> None:
            async with import_orders(session, since=SINCE) as orders:
                async for _ in orders:
                    raise KeyError("mine")

        with pytest.raises(KeyError, match="mine"):
            await consume()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"since": SINCE, "since_order_id": "999-100001"},
        {"since_order_id": "999-100001", "until": UNTIL},
        {"since": UNTIL, "until": SINCE},
        {"since": SINCE, "concurrency": 0},
        {"since": SINCE, "window_days": 0},
        {"since": SINCE, "test_orders": "some"},
        {"since": SINCE, "statuses": "IGLOBAL_ORDER_IN_PROCESS"},
    ],
)
async def test_bad_arguments_are_refused_before_any_call(options: dict[str, object]) -> None:
    fake = make_fake(orders=5)
    async with session_for(fake) as session:
        recorder = Recorder(session)
        with pytest.raises(InvalidRequestError):
            async with import_orders(recorder, **options):  # type: ignore[arg-type]
                pass
        assert recorder.listing_calls == []
