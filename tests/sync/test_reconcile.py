"""Reconciliation against the fake: missing here, missing merchant ids, pushing them back."""

from __future__ import annotations

import pytest
from sync_support import SINCE, UNTIL, make_fake, session_for

from zonos_async import InvalidRequestError, OrderNotFoundError, Session, UpdateResult
from zonos_async._reconcile import reconcile

pytestmark = pytest.mark.asyncio


class FailingPush:
    """A session whose updateMerchantOrderId fails for one order."""

    def __init__(self, session: Session, bad: str) -> None:
        self.session = session
        self.bad = bad
        self.store = session.store
        self.order_numbers = session.order_numbers

    async def update_merchant_order_id(
        self, order_id: str | int, merchant_order_id: str
    ) -> UpdateResult:
        if order_id == self.bad:
            raise OrderNotFoundError("gone", endpoint="updateMerchantOrderId", order_id=self.bad)
        return await self.session.update_merchant_order_id(order_id, merchant_order_id)


async def test_reports_missing_orders_and_missing_merchant_ids() -> None:
    fake = make_fake(orders=120)
    every = fake.order_ids()
    known = [*every[::2], "not-an-id"]
    async with session_for(fake) as session:
        page = await session.order_numbers(since_date=SINCE, statuses=True)
        no_merchant = tuple(s.id for s in page.orders if not s.merchant_order_id)
        # Known ids may come without the store prefix.
        bare = [order_id.split("-")[1] for order_id in known[:5]]
        report = await reconcile(session, since=SINCE, until=UNTIL, known_ids=[*known[5:], *bare])
    assert report.listed == 120
    assert report.missing_here == tuple(every[1::2])
    assert report.missing_merchant_id == no_merchant
    assert report.pushed == ()
    assert not report.ok


async def test_push_sends_merchant_ids_and_reports_failures() -> None:
    fake = make_fake(orders=120)
    async with session_for(fake) as session:
        before = await reconcile(session, since=SINCE, known_ids=fake.order_ids())
        assert before.missing_merchant_id
        targets = before.missing_merchant_id[:6]
        mapping = {order_id: f"M-{order_id}" for order_id in targets}
        bad = targets[2]
        report = await reconcile(
            FailingPush(session, bad),
            since=SINCE,
            known_ids=fake.order_ids(),
            merchant_ids=mapping,
            push=True,
        )
        assert report.pushed == tuple(t for t in targets if t != bad)
        assert set(report.failures) == {bad}
        assert isinstance(report.failures[bad], OrderNotFoundError)
        for order_id in report.pushed:
            assert fake.order_json(order_id)["merchantOrderId"] == f"M-{order_id}"
        after = await reconcile(session, since=SINCE, known_ids=fake.order_ids())
    assert set(after.missing_merchant_id) == set(before.missing_merchant_id) - set(report.pushed)
    assert after.missing_here == ()


async def test_reconcile_refuses_a_backwards_range() -> None:
    fake = make_fake(orders=3)
    async with session_for(fake) as session:
        with pytest.raises(InvalidRequestError):
            await reconcile(session, since=UNTIL, until=SINCE, known_ids=[])
