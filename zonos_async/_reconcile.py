"""Reconciliation: what Zonos has that your system does not, and merchant ids to push back.

Zonos' own advice (the "scheduled job") is to list every order of a period and
compare it with what the success page already imported. One listing with
``statuses=True`` answers both questions: which orders are missing here, and
which still have no merchant order id at Zonos.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

import anyio
from attrs import field, frozen

from ._errors import InvalidRequestError, ZonosError
from ._models import UpdateResult
from ._sync._pipeline import OrderLister
from .protocol import normalize_order_id

__all__ = ["ReconcileReport", "ReconcileSource", "reconcile"]

DEFAULT_PUSH_CONCURRENCY = 8
_WINDOW_DAYS = 31


class ReconcileSource(OrderLister, Protocol):
    """What :func:`reconcile` needs from a :class:`~zonos_async.Session`."""

    @property
    def store(self) -> int: ...

    async def update_merchant_order_id(
        self, order_id: str | int, merchant_order_id: str
    ) -> UpdateResult: ...


@frozen
class ReconcileReport:
    """What :func:`reconcile` found (and did), ids in Zonos' listing order.

    Attributes:
        since: First day compared (UTC, inclusive).
        until: Last day compared (UTC, inclusive).
        listed: Orders Zonos listed for the period.
        missing_here: Zonos orders that are not among your ``known_ids``: import them.
        missing_merchant_id: Zonos orders with no merchant order id yet.
        pushed: Orders whose merchant id was sent with ``updateMerchantOrderId`` (``push=True``).
        failures: Order id -> the error an ``updateMerchantOrderId`` call raised.
    """

    since: date
    until: date
    listed: int
    missing_here: tuple[str, ...]
    missing_merchant_id: tuple[str, ...]
    pushed: tuple[str, ...] = ()
    failures: Mapping[str, ZonosError] = field(factory=dict, eq=False)

    @property
    def ok(self) -> bool:
        """Nothing missing here, and every merchant id that could be pushed was."""
        return not self.missing_here and not self.failures


def _day(value: object, name: str) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidRequestError(f"{name} is a naive datetime; pass a date or an aware one")
        return value.astimezone(timezone.utc).date()
    if isinstance(value, date):
        return value
    raise InvalidRequestError(f"{name} must be a datetime.date, got {type(value).__name__}")


def _normalized(ids: Collection[str], store: int) -> set[str]:
    found: set[str] = set()
    for order_id in ids:
        try:
            found.add(normalize_order_id(order_id, store))
        except InvalidRequestError:
            found.add(str(order_id))  # not a Zonos id: it simply matches nothing
    return found


async def reconcile(
    session: ReconcileSource,
    *,
    since: date,
    until: date | None = None,
    known_ids: Collection[str],
    merchant_ids: Mapping[str, str] | None = None,
    push: bool = False,
    concurrency: int = DEFAULT_PUSH_CONCURRENCY,
) -> ReconcileReport:
    """Compare Zonos' orders of ``[since, until]`` with the ids your system holds.

    Args:
        session: An open :class:`~zonos_async.Session`.
        since: First UTC day (inclusive).
        until: Last UTC day (inclusive); today (UTC) when not given.
        known_ids: The Zonos order ids your system already has (with or without
            the store prefix).
        merchant_ids: Your order number for each Zonos order id, to push back.
        push: Call ``updateMerchantOrderId`` for every order Zonos lists without
            a merchant id that ``merchant_ids`` has one for.
        concurrency: ``updateMerchantOrderId`` calls at once.

    Returns:
        A :class:`ReconcileReport`. A failed push is reported in ``failures``,
        not raised: one refused update should not hide the rest.

    Raises:
        InvalidRequestError: ``until`` before ``since``.
        ZonosError: The listing failed.

    Example::

        report = await reconcile(zonos, since=day, known_ids=db_ids, merchant_ids=db_map, push=True)
        for order_id in report.missing_here:
            await import_one(await zonos.order_detail(order_id))
    """
    first = _day(since, "since")
    last = _day(until, "until") if until is not None else datetime.now(timezone.utc).date()
    if last < first:
        raise InvalidRequestError(f"until {last} is before since {first}")
    if concurrency < 1:
        raise InvalidRequestError("concurrency must be >= 1")
    store = session.store
    known = _normalized(known_ids, store)
    ours: dict[str, str] = {}
    for order_id, merchant_id in (merchant_ids or {}).items():
        try:
            ours[normalize_order_id(order_id, store)] = merchant_id
        except InvalidRequestError:
            continue

    seen: set[str] = set()
    listed: list[str] = []
    missing_here: list[str] = []
    missing_merchant_id: list[str] = []
    start = first
    while start <= last:
        end = min(start + timedelta(days=_WINDOW_DAYS - 1), last)
        page = await session.order_numbers(since_date=start, through_date=end, statuses=True)
        for summary in page.orders:
            if summary.id in seen:
                continue
            seen.add(summary.id)
            listed.append(summary.id)
            if summary.id not in known:
                missing_here.append(summary.id)
            if not summary.merchant_order_id:
                missing_merchant_id.append(summary.id)
        start = end + timedelta(days=1)

    pushed: list[str] = []
    failures: dict[str, ZonosError] = {}
    if push:
        to_push = [order_id for order_id in missing_merchant_id if ours.get(order_id)]
        limiter = anyio.CapacityLimiter(concurrency)

        async def push_one(order_id: str) -> None:
            async with limiter:
                try:
                    await session.update_merchant_order_id(order_id, ours[order_id])
                except ZonosError as exc:
                    failures[order_id] = exc
                else:
                    pushed.append(order_id)

        async with anyio.create_task_group() as tg:
            for order_id in to_push:
                tg.start_soon(push_one, order_id)
        order = {order_id: index for index, order_id in enumerate(to_push)}
        pushed.sort(key=order.__getitem__)

    return ReconcileReport(
        since=first,
        until=last,
        listed=len(listed),
        missing_here=tuple(missing_here),
        missing_merchant_id=tuple(missing_merchant_id),
        pushed=tuple(pushed),
        failures=failures,
    )
