"""What a sync hands out and what it needs from a store: changes, results, the ``Store`` protocol.

A sync's only durable state is the store of record. The engine (``_engine``) decides what
to list and fetch from what the store holds; the store makes an order and its history
durable in one transaction, fenced by the per-store lease.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final, Literal, Protocol

import attrs
from attrs import frozen

from .._errors import ZonosError
from .._models import Order, OrderSummary
from .._status import OrderStatus

__all__ = [
    "FINAL_STATUSES",
    "Change",
    "ChangeKind",
    "Fetched",
    "Held",
    "LeaseHeldError",
    "LeaseLostError",
    "PlanFacts",
    "Store",
    "StoreError",
    "SyncError",
    "SyncResult",
    "SyncState",
]

FINAL_STATUSES: Final = frozenset(
    {OrderStatus.IGLOBAL_ORDER_CANCELLED, OrderStatus.VENDOR_END_OF_DAY_COMPLETE}
)
"""The statuses after which Zonos changes an order no more; every other one is followed.

Our choice, written down in docs/sync.md: the vendor documents no status after these two.
A status Zonos adds later is *not* final, so an order in it stays followed.
"""

ChangeKind = Literal["new", "status", "detail"]


class SyncError(ZonosError):
    """The sync could not go on: a lease or a store problem (not a Zonos answer)."""


class LeaseHeldError(SyncError):
    """Another run holds this store's lease; this run did nothing (the CLI exits 75).

    Attributes:
        holder: Who holds it (``host:pid:run``).
        expires: When the lease runs out unless its holder renews it.
    """

    def __init__(self, message: str, *, holder: str, expires: datetime | None) -> None:
        super().__init__(message)
        self.holder = holder
        self.expires = expires


class LeaseLostError(SyncError):
    """This run's lease expired and another run took it: nothing more is written."""


class StoreError(SyncError):
    """The store could not read or write (full disk, connection lost, an order it cannot take).

    The transaction was rolled back: nothing of it counts as done, and the next run
    fetches those orders again.
    """


@frozen
class SyncState:
    """A store's sync bookkeeping, as ``zonos_sync_state`` holds it."""

    store: int
    since: date
    lease_holder: str | None = None
    lease_expires: datetime | None = None
    delivered_through: int = 0
    last_run_id: str | None = None
    last_run_started: datetime | None = None
    last_run_finished: datetime | None = None
    last_run_result: str | None = None


@frozen
class PlanFacts:
    """What the store tells the engine before it lists.

    Attributes:
        newest_day: The newest UTC placement day of any order held (``None``: none held).
        open_days: UTC placement days, from the horizon on, that hold orders not final.
        beyond_horizon: Open orders placed before the horizon: reported, not followed.
    """

    newest_day: date | None
    open_days: tuple[date, ...]
    beyond_horizon: int


@frozen
class Held:
    """What the store holds of one order, enough to tell whether to fetch it again."""

    status: str
    merchant_order_id: str | None
    status_date: datetime | None = None


@frozen
class Fetched:
    """One order to store: its listing entry and the detail fetched for it.

    ``summary.raw`` is empty: a run holds thousands of listed orders at once, and the
    store needs only the fields.
    """

    summary: OrderSummary
    order: Order


@frozen
class Change:
    """One change the sync stored: a new order, a status change, or a detail change.

    Delivered only after the transaction that stored it committed, at least once: a
    crash between the commit and your code finishing with it delivers it again on the
    next run. Deduplicate on ``id``, which never changes.

    Attributes:
        id: Stable id, ``"<store>:<seq>"``.
        seq: Position in the store's history (ascends).
        store: The Zonos store id.
        kind: ``"new"``, ``"status"`` (``old_status`` -> ``new_status``) or ``"detail"``
            (same status, other content, such as a merchant order id).
        order_id: The Zonos order id.
        old_status: The status before (``None`` for a new order).
        new_status: The status now.
        status_date: Zonos' status date as listed, when known.
        observed_at: When the sync stored the change.
        run_id: The run that stored it.
        order: The order as the store holds it now (Zonos' own JSON in ``order.raw``).
    """

    id: str
    seq: int
    store: int
    kind: ChangeKind
    order_id: str
    old_status: OrderStatus | None
    new_status: OrderStatus
    status_date: datetime | None
    observed_at: datetime
    run_id: str
    order: Order

    def to_json(self) -> dict[str, Any]:
        """The change as a JSON object (``order`` is Zonos' own object, money exact)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "store": self.store,
            "orderId": self.order_id,
            "from": str(self.old_status) if self.old_status is not None else None,
            "to": str(self.new_status),
            "statusDate": self.status_date.isoformat() if self.status_date else None,
            "observedAt": self.observed_at.isoformat(),
            "run": self.run_id,
            "order": self.order.raw,
        }


@frozen
class SyncResult:
    """What one run did.

    Attributes:
        run_id: This run's id (also in every history row it wrote).
        store: The Zonos store id.
        windows: ``orderNumbers`` calls made.
        listed: Distinct orders listed.
        new: Orders stored for the first time.
        status_changed: Orders whose status changed (one history row each).
        detail_changed: Orders whose detail changed with the same status.
        unchanged: Orders refetched that had not changed after all.
        fetched: ``orderDetail`` calls made.
        open_orders: Orders held that are not final, after the run.
        beyond_horizon: Of those, placed before the horizon: no longer followed.
        delivered: Change events handed to your code (after filters).
        elapsed: Seconds.
    """

    run_id: str
    store: int
    windows: int
    listed: int
    new: int
    status_changed: int
    detail_changed: int
    unchanged: int
    fetched: int
    open_orders: int
    beyond_horizon: int
    delivered: int
    elapsed: float

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON object (``--json``)."""
        return attrs.asdict(self)


class Store(Protocol):
    """Where a sync keeps its orders: :class:`~zonos_async.SqlStore`, or your own.

    Every method that writes does so in one transaction; :meth:`write` checks the lease in
    that same transaction, so a run that lost its lease can never commit.
    """

    async def peek(self, store: int) -> SyncState | None:
        """The store's state, without creating anything (``None``: never synced)."""
        ...

    async def migrate(self) -> None:
        """Create or upgrade the schema to the version this library writes."""
        ...

    async def acquire(
        self, store: int, holder: str, *, since: date | None, now: datetime, lease_seconds: float
    ) -> SyncState:
        """Take the lease or raise :class:`LeaseHeldError`; record ``since`` on a first run."""
        ...

    async def renew(self, store: int, holder: str, *, now: datetime, lease_seconds: float) -> None:
        """Extend the lease, or raise :class:`LeaseLostError`."""
        ...

    async def release(
        self,
        store: int,
        holder: str,
        *,
        run_id: str,
        started: datetime,
        now: datetime,
        result: str,
        delivered_through: int,
    ) -> None:
        """Give the lease back and record the run."""
        ...

    async def plan_facts(self, store: int, *, horizon: date) -> PlanFacts:
        """What to follow up: see :class:`PlanFacts`."""
        ...

    async def held(self, store: int, order_ids: Sequence[str]) -> Mapping[str, Held]:
        """The orders among ``order_ids`` the store holds."""
        ...

    async def write(
        self,
        store: int,
        holder: str,
        run_id: str,
        fetched: Sequence[Fetched],
        *,
        now: datetime,
        lease_seconds: float,
        delivered_through: int,
    ) -> tuple[int, int, int, int]:
        """Store the orders and their history in one transaction; (new, status, detail, same)."""
        ...

    async def changes(self, store: int, *, after: int, limit: int) -> Sequence[Change]:
        """History rows after ``after``, oldest first, as changes."""
        ...

    async def open_count(self, store: int) -> int:
        """Orders held that are not final."""
        ...
