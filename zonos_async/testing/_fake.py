"""The fake Zonos: orders in memory and the API's rules, without any I/O.

:meth:`FakeZonos.handle` takes ``(method, path, headers, body)`` and returns a
:class:`FakeResponse`; everything else (httpx transport, ASGI app, uvicorn server, faults) is a
thin layer over it. The rules follow ``shared/spec/zonos-order-api.md``; every error text is
byte for byte the documented one (or, where the spec had to invent it, the spec's suggestion).

Orders stay where tests put them unless a :class:`~._lifecycle.Lifecycle` runs: then, driven by
the fake's clock and drawn from its seed, new orders arrive, fraud reviews end (cleared or
cancelled), in-process orders are cancelled or move to a status the vendor's table does not list,
and some orders become visible late (old placement time, a lower id after a higher one). Each
request first applies the events due by the clock's now, so the state at any fake moment is the
same however the clock got there. ``day_start_hour`` makes Zonos' days begin at another UTC
hour for ``sinceDate``/``throughDate`` (7 fits the vendor's example, see spec 2.2).

Check order for every request: path (404) → method (405) → ``Accept`` (406) →
``Content-Type`` (415) → body parses as a JSON object → credentials → ``fail_next`` →
the endpoint's own rules.

Guesses
-------
Rules no public source states; the fake (and so the library's tests) rely on these choices:

- 406 only when ``Accept`` is present, non-empty and admits none of ``application/json``,
  ``application/*``, ``*/*``.
- 415 when ``Content-Type`` is missing or its media type is not ``application/json`` (parameters
  such as ``charset`` are fine).
- Unknown paths (including the other API version, e.g. ``/v2/orderNumbers``) answer 404 HTML; paths
  match exactly.
- Non-POST methods answer 405 HTML with ``Allow: POST``.
- ``/v1/orderDetail`` still answers, in v1 style (HTTP 200, texts with full stops).
- Precedence: headers → body parse → credentials → endpoint rules (credentials before required
  fields).
- v1 answers a missing or empty ``store``/``secret`` with ``Invalid security credentials``.
- v2 orderDetail answers ``Parameter store is required`` when ``store`` (and ``storeId``) is absent
  or null.
- orderDetail also accepts ``storeId`` for the store when ``store`` is absent.
- ``store`` may be a JSON integer or a string of digits; anything else is an invalid credential.
- An order id is valid when it is a non-negative JSON integer or a string matching
  ``^(\\d+-)?\\d+$``.
- An id whose prefix is another store is "not a valid orderId" (v1) / "Could not find an order with
  orderId" (v2 orderDetail).
- Error texts echo the id exactly as sent; success texts echo the bare number.
- A JSON ``null`` or an empty string counts as absent for ``orderId``, ``referenceId``,
  ``sinceOrderId``, ``sinceDate``, ``throughDate``, ``merchantOrderId`` and ``orderStatus``.
- orderNumbers: no selector → ``Parameter sinceDate, sinceOrderId or missingMerchantOrderId is
  required``.
- orderNumbers: both ``sinceDate`` and ``sinceOrderId`` → ``Cannot specify both Parameters sinceDate
  and sinceOrderId`` (checked first).
- orderNumbers: ``throughDate`` without ``sinceDate`` → ``Parameter throughDate requires
  sinceDate``.
- orderNumbers: a date that is not 8 digits (string or integer) or not a calendar date → ``could not
  parse input``.
- orderNumbers: ``sinceDate`` is inclusive from 00:00:00.000 UTC; ``throughDate`` inclusive through
  23:59:59.999 UTC; a range ending before it starts is empty, not an error. With
  ``day_start_hour=h`` both boundaries move to ``h``:00 UTC (the day ``D`` runs from ``D``
  ``h``:00 to ``D+1`` ``h``:00); timestamps are still printed in UTC.
- orderNumbers: ``sinceOrderId`` is exclusive; an unknown one → ``Couldn't find order for
  sinceOrderId: <bare number>``; a malformed one → ``orderId: <as sent> is not a valid orderId``.
- orderNumbers: ``missingMerchantOrderId`` counts when it is ``true``, the string ``"true"`` or a
  non-zero number; the window is the 14 days (14 x 24 hours) before the fake clock's now, orders
  with a null or empty ``merchantOrderId`` only.
- orderNumbers: combined selectors intersect.
- orderNumbers: ``statuses`` turns on by key presence, whatever its value (even ``false`` or
  ``null``).
- orderNumbers: the whole result in one response, ascending by id; ``orders`` is ``[]`` when empty.
- orderNumbers: ``timestamp`` and ``orderStatusDateString`` are UTC in Java ``Timestamp.toString()``
  style with millisecond precision; ``orderStatusDate`` is the same moment in epoch ms.
- orderNumbers has no documented failure text; the simulated one is ``Could not process order
  numbers.``.
- orderDetail: exactly one of ``orderId``/``referenceId``; the "both" check comes before the
  "neither" check.
- orderDetail by ``referenceId``: the most recently placed matching order; unknown → ``Could not
  find an order with referenceId: <value>``.
- orderDetail by ``referenceId``: a non-string value is matched by its text (``4711`` finds
  ``"4711"``).
- orderDetail v1: an unknown order answers ``Could not find an order with orderId: <as sent>`` (HTTP
  200).
- orderDetail v2: the simulated failure text is ``Could not process order details`` (no full stop).
- orderDetail: the ``order`` object carries no placement time (no key is known for it).
- updateMerchantOrderId: check order parse → credentials → ``orderId`` present → ``merchantOrderId``
  present → id valid → order exists.
- updateMerchantOrderId: a JSON number is stored as its decimal text; other non-strings as their
  JSON text; overwriting is allowed.
- updateVendorOrderStatus: check order parse → credentials → ``orderId`` present → ``orderStatus``
  present → id valid → order exists → spec 6.4 rules 1-7.
- updateVendorOrderStatus: ``IGLOBAL_ORDER_CANCELED`` (one L) counts as cancelled too.
- updateVendorOrderStatus: unknown status name → ``New Status: <new> is not a valid order status``;
  a known but Zonos-only status → ``Cannot update order status to invalid status: <new>``.
- updateVendorOrderStatus: status names are case-sensitive.
- updateVendorOrderStatus: no order is enforced among the non-blocked statuses; an order in a status
  the fake does not know (set by a test) is not blocked.
- updateVendorOrderStatus: ``Cannot update order status to status: VENDOR_CANCELLATION_REQUEST``
  only when ``forbid_cancellation_requests`` is on.
- Success bodies carry no ``success`` key for orderNumbers/orderDetail; errors have no code besides
  the text.
- JSON answers are sent as ``application/json;charset=UTF-8``; HTML answers as
  ``text/html;charset=UTF-8``.
"""

from __future__ import annotations

import bisect
import copy
import hmac
import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import httpx
from attrs import frozen

from ._data import (
    FIRST_ORDER_NUMBER,
    OrderRecord,
    build_detail,
    from_ms,
    generate_records,
    java_timestamp,
    to_ms,
)
from ._faults import FaultDecision, Faults
from ._lifecycle import Lifecycle, Schedule, Show, applies

if TYPE_CHECKING:
    from ._asgi import ASGIApp

__all__ = [
    "BLOCKED_STATUSES",
    "DOC_SECRET",
    "DOC_STORE",
    "KNOWN_STATUSES",
    "VENDOR_STATUSES",
    "FakeCall",
    "FakeClock",
    "FakeResponse",
    "FakeZonos",
    "StatusChange",
]

DOC_STORE: Final = 999
"""The store id the vendor's documentation uses."""
DOC_SECRET: Final = "f5bde245-f55e-414d-b722-80b25161c12c"
"""The API secret the vendor's documentation uses (a placeholder, not a real credential)."""

VENDOR_STATUSES: Final = (
    "VENDOR_PREPARING_ORDER",
    "VENDOR_SHIPMENT_READY",
    "VENDOR_LABELS_PRINTED_DATE",
    "VENDOR_CANCELLATION_REQUEST",
    "VENDOR_END_OF_DAY_COMPLETE",
)
"""The statuses a merchant may set through ``updateVendorOrderStatus`` (spec 5.2)."""

KNOWN_STATUSES: Final = frozenset(
    {
        "IGLOBAL_FRAUD_REVIEW",
        "IGLOBAL_ORDER_IN_PROCESS",
        "IGLOBAL_ORDER_ON_HOLD",
        "IGLOBAL_ORDER_CANCELLED",
        "IGLOBAL_LABELS_PROCESSING",
        *VENDOR_STATUSES,
    }
)
"""Every status name the fake's ``updateVendorOrderStatus`` recognises (spec 6.1, 6.3)."""

BLOCKED_STATUSES: Final = frozenset(
    {
        "IGLOBAL_LABELS_PROCESSING",
        "IGLOBAL_ORDER_ON_HOLD",
        "IGLOBAL_FRAUD_REVIEW",
        "IGLOBAL_ORDER_CANCELLED",
        "IGLOBAL_ORDER_CANCELED",
        "VENDOR_CANCELLATION_REQUEST",
        "VENDOR_END_OF_DAY_COMPLETE",
    }
)
"""Statuses the merchant may not move an order out of (spec 6.3)."""

_CANCELLED: Final = frozenset({"IGLOBAL_ORDER_CANCELLED", "IGLOBAL_ORDER_CANCELED"})
_DAY_MS: Final = 86_400_000
_MISSING_WINDOW_MS: Final = 14 * _DAY_MS
_ID_PATTERN: Final = re.compile(r"(?:([0-9]+)-)?([0-9]+)")
_DATE_PATTERN: Final = re.compile(r"[0-9]{8}")
_DIGITS: Final = re.compile(r"[0-9]+")

# path -> (endpoint name, API version)
_ROUTES: Final = {
    "/v1/orderNumbers": ("orderNumbers", 1),
    "/v2/orderDetail": ("orderDetail", 2),
    "/v1/orderDetail": ("orderDetail", 1),
    "/v1/updateMerchantOrderId": ("updateMerchantOrderId", 1),
    "/v1/updateVendorOrderStatus": ("updateVendorOrderStatus", 1),
}
_PROCESS_FAILURE: Final = {
    ("orderNumbers", 1): "Could not process order numbers.",
    ("orderDetail", 2): "Could not process order details",
    ("orderDetail", 1): "Could not process order details.",
    ("updateMerchantOrderId", 1): "Could not process update merchant order id.",
    ("updateVendorOrderStatus", 1): "Could not process updateVendorOrderStatus.",
}
_JSON_TYPE: Final = "application/json;charset=UTF-8"
_HTML_TYPE: Final = "text/html;charset=UTF-8"
_REASONS: Final = {
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_GARBAGE: Final = (
    b"<!DOCTYPE html>\n<html><head><title>Please wait...</title></head>"
    b"<body><h1>Checking your browser before accessing api.iglobalstores.com</h1>"
    b"<p>This process is automatic.</p></body></html>\n"
)


class FakeClock:
    """The fake's notion of "now": frozen unless ticking, and movable by tests.

    Args:
        start: the initial time (aware); defaults to the real current UTC time.
        ticking: when true, time runs on from ``start`` (used by the served fake).
        speed: fake seconds per real second while ticking; 3600 turns a fake hour into a
            second, so a demo or a test sees a day of the fake's lifecycle in under half a minute.

    Example::

        clock = FakeClock(datetime(2026, 11, 1, tzinfo=timezone.utc))
        clock.advance(timedelta(days=15))
    """

    __slots__ = ("_base", "_since", "_speed", "_ticking")

    def __init__(
        self, start: datetime | None = None, *, ticking: bool = False, speed: float = 1.0
    ) -> None:
        self._base = _aware(start) if start is not None else datetime.now(timezone.utc)
        self._ticking = ticking
        self._speed = _checked_speed(speed)
        self._since = time.monotonic()

    def __repr__(self) -> str:
        speed = f", speed={self._speed:g}" if self._speed != 1.0 else ""
        return f"FakeClock({self.now().isoformat()!r}, ticking={self._ticking}{speed})"

    @property
    def ticking(self) -> bool:
        """Whether time runs on by itself."""
        return self._ticking

    def now(self) -> datetime:
        """The current fake time, an aware UTC datetime."""
        if self._ticking:
            elapsed = (time.monotonic() - self._since) * self._speed
            return self._base + timedelta(seconds=elapsed)
        return self._base

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (must be timezone-aware)."""
        self._base = _aware(moment)
        self._since = time.monotonic()

    def advance(self, delta: timedelta) -> None:
        """Move time on by ``delta`` (or back, if negative)."""
        self._base += delta

    def freeze(self) -> None:
        """Stop at the current moment (a ticking clock stops ticking)."""
        self.set(self.now())
        self._ticking = False

    def resume(self, speed: float | None = None) -> None:
        """Tick on from the current moment, at ``speed`` if given."""
        self.set(self.now())
        if speed is not None:
            self._speed = _checked_speed(speed)
        self._ticking = True


def _checked_speed(speed: float) -> float:
    if not 0 < speed < float("inf"):
        raise ValueError(f"speed must be a positive number, got {speed!r}")
    return float(speed)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"need a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(timezone.utc)


@frozen
class FakeCall:
    """One request the fake handled, for assertions.

    ``body`` is the parsed request object without its ``secret`` (``None`` when it did not
    parse); ``status`` and ``response`` are what the fake answered (``response`` is ``None``
    for HTML answers). ``fault`` names the injected fault, if any: then ``status``/``response``
    are what the fake produced, not necessarily what the client got.
    """

    endpoint: str
    body: dict[str, Any] | None
    status: int
    response: dict[str, Any] | None
    path: str = ""
    fault: str | None = None


@frozen
class StatusChange:
    """One status change of one order on the Zonos side, for assertions.

    ``by`` says who made it: ``"lifecycle"`` (Zonos, as the fake's :class:`Lifecycle` plays
    it), ``"merchant"`` (``updateVendorOrderStatus``) or ``"test"`` (:meth:`FakeZonos.set_status`).
    ``at`` is the new status date (``orderStatusDate``).
    """

    order_id: str
    old: str
    new: str
    at: datetime
    by: str


@frozen
class FakeResponse:
    """An HTTP answer from :meth:`FakeZonos.handle`."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON (raises ``ValueError`` for HTML bodies)."""
        return json.loads(self.body)


_Answer = tuple[int, dict[str, Any]]
_Error = Callable[[str], _Answer]


def _dumps(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _html(status: int, extra: Mapping[str, str] | None = None) -> FakeResponse:
    reason = _REASONS.get(status, "Error")
    body = (
        f"<html><head><title>{status} {reason}</title></head>"
        f"<body><h1>HTTP Status {status} - {reason}</h1></body></html>\n"
    ).encode()
    return FakeResponse(status, {"content-type": _HTML_TYPE, **(extra or {})}, body)


def _as_sent(value: object) -> str:
    """A request value as an error text echoes it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, Decimal, float)):
        return str(value)
    return json.dumps(value, default=str, separators=(",", ":"))


def _present(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    return value is not None and value != ""


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() == "true"
    if isinstance(value, (int, Decimal, float)):
        return value != 0
    return False


def _acceptable(accept: str | None) -> bool:
    if accept is None or not accept.strip():
        return True
    for part in accept.split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media in ("application/json", "application/*", "*/*"):
            return True
    return False


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def _parse_day(value: object) -> date | None:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _DATE_PATTERN.fullmatch(text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _day_start_ms(day: date) -> int:
    return to_ms(datetime(day.year, day.month, day.day, tzinfo=timezone.utc))


@frozen
class _IdCheck:
    sent: str
    number: int | None  # None: malformed
    foreign: bool  # prefix names another store


class FakeZonos:
    """An in-memory Zonos Order API with the documented rules, for tests and demos.

    Args:
        store: the store id requests must send.
        secret: the API secret requests must send (never shown in ``repr`` or ``calls``).
        clock: the fake's clock; defaults to a frozen :class:`FakeClock` at the current time.
        faults: fault injection for :meth:`transport`, :attr:`asgi_app` and :meth:`serve`
            (:meth:`handle` never injects faults).
        seed: seeds the generated order details and the lifecycle.
        lifecycle: orders arriving and moving on over the clock's time (see
            :meth:`start_lifecycle`); ``None`` (the default) keeps every order where tests put it.
        day_start_hour: the UTC hour at which a Zonos day begins for ``sinceDate`` and
            ``throughDate`` (0 by default; 7 is what the vendor's own example suggests, a day in
            US Mountain time).

    Example::

        fake = FakeZonos.seeded(orders=100, seed=1)
        async with httpx.AsyncClient(
            transport=fake.transport(), base_url="https://api.iglobalstores.com"
        ) as http:
            await http.post("/v1/orderNumbers", json={...})
    """

    def __init__(
        self,
        store: int = DOC_STORE,
        secret: str = DOC_SECRET,
        clock: FakeClock | None = None,
        faults: Faults | None = None,
        *,
        seed: int = 0,
        lifecycle: Lifecycle | None = None,
        day_start_hour: int = 0,
    ) -> None:
        if isinstance(store, bool) or not isinstance(store, int) or store < 0:
            raise ValueError("store must be a non-negative int")
        if not secret:
            raise ValueError("secret must not be empty")
        if isinstance(day_start_hour, bool) or day_start_hour not in range(24):
            raise ValueError(f"day_start_hour must be an hour 0-23, got {day_start_hour!r}")
        self.store = store
        self._secret = secret
        self.clock = clock if clock is not None else FakeClock()
        self.faults = faults
        self.seed = seed
        self.day_start_hour = day_start_hour
        self.forbid_cancellation_requests = False
        self.calls: list[FakeCall] = []
        self._orders: dict[int, OrderRecord] = {}
        self._numbers: list[int] = []  # visible order numbers, ascending
        self._times: list[int] = []  # visible placement times, ascending ...
        self._timed: list[int] = []  # ... and the order numbers in that order
        self._highest: int | None = None  # the highest number taken, hidden orders included
        self._hidden: set[int] = set()  # numbers taken by orders the lifecycle shows later
        self._by_reference: dict[str, list[int]] = {}
        self._updates: dict[int, list[str]] = {}
        self._changes: list[StatusChange] = []
        self._fail_next: dict[str, int] = {}
        self._lock = threading.RLock()
        self._asgi: ASGIApp | None = None
        self._schedule: Schedule | None = None
        if lifecycle is not None:
            self.start_lifecycle(lifecycle)

    @classmethod
    def seeded(
        cls,
        orders: int = 500,
        seed: int = 0,
        store: int = DOC_STORE,
        secret: str = DOC_SECRET,
        now: datetime | None = None,
        days: float = 60,
        *,
        clock: FakeClock | None = None,
        faults: Faults | None = None,
        lifecycle: Lifecycle | None = None,
        day_start_hour: int = 0,
    ) -> FakeZonos:
        """A fake holding ``orders`` generated orders placed over the ``days`` before ``now``.

        Deterministic: the same arguments give the same orders and details. ``now`` defaults to
        ``clock.now()`` (or the current time); the clock defaults to a frozen one at ``now``.
        Ids start at ``<store>-100001`` and ascend with placement time.

        With a ``lifecycle``, the orders go on changing as the clock moves, and the share of
        them the lifecycle makes late or out of order (``Lifecycle.late``,
        ``Lifecycle.out_of_order``) and whose delay has not passed by ``now`` are hidden until
        it has: their ids are taken, their placement times are the old ones.
        """
        if now is None:
            now = clock.now() if clock is not None else datetime.now(timezone.utc)
        fake = cls(
            store,
            secret,
            clock if clock is not None else FakeClock(now),
            faults,
            seed=seed,
            day_start_hour=day_start_hour,
        )
        records = generate_records(orders, seed=seed, now=now, days=days)
        hidden: list[tuple[int, OrderRecord]] = []
        if lifecycle is not None:
            visible: list[OrderRecord] = []
            now_ms = to_ms(now)
            rng = random.Random(f"zonos-fake-visibility:{seed}")
            for record in records:
                show_ms = record.placed_ms + lifecycle.visible_after_ms(rng)
                if show_ms > now_ms:
                    hidden.append((show_ms, record))
                else:
                    visible.append(record)
            records = visible
        for record in records:  # ascending ids and times: appending keeps the indexes sorted
            fake._orders[record.number] = record
            fake._numbers.append(record.number)
            fake._times.append(record.placed_ms)
            fake._timed.append(record.number)
            if record.reference_id is not None:
                fake._by_reference.setdefault(record.reference_id, []).append(record.number)
        fake._highest = FIRST_ORDER_NUMBER + orders - 1 if orders else None
        if lifecycle is not None:
            fake._start_schedule(lifecycle, to_ms(now), hidden)
        return fake

    @property
    def secret(self) -> str:
        """The API secret requests must send."""
        return self._secret

    def __repr__(self) -> str:
        return f"<FakeZonos store={self.store} orders={len(self._orders)} calls={len(self.calls)}>"

    # ----------------------------------------------------------------------------------------
    # Test-side controls (not part of the API).

    @property
    def lifecycle(self) -> Lifecycle | None:
        """The running lifecycle, if any."""
        return self._schedule.lifecycle if self._schedule is not None else None

    def start_lifecycle(self, lifecycle: Lifecycle) -> None:
        """From the clock's now on, move the orders held (and new ones) as ``lifecycle`` says.

        Orders in ``IGLOBAL_FRAUD_REVIEW``, ``IGLOBAL_ORDER_ON_HOLD`` and
        ``IGLOBAL_ORDER_IN_PROCESS`` get a future; new orders arrive at
        ``lifecycle.orders_per_hour``. Everything is drawn from the fake's seed, so the same
        seed, start and clock moves give the same orders and statuses at every moment.

        Raises:
            RuntimeError: a lifecycle is already running.
        """
        with self._lock:
            self._start_schedule(lifecycle, to_ms(self.clock.now()), ())

    def _start_schedule(
        self, lifecycle: Lifecycle, start_ms: int, hidden: Sequence[tuple[int, OrderRecord]]
    ) -> None:
        if self._schedule is not None:
            raise RuntimeError("a lifecycle is already running on this fake")
        self._hidden.update(record.number for _, record in hidden)
        visible = (self._orders[number] for number in self._numbers)
        self._schedule = Schedule(lifecycle, self.seed, start_ms, visible, hidden)

    def status_changes(self, order_id: str | int | None = None) -> list[StatusChange]:
        """Every status change so far (lifecycle, :meth:`set_status`, the merchant's updates),
        oldest first; only ``order_id``'s when given."""
        with self._lock:
            self._catch_up()
            if order_id is None:
                return list(self._changes)
            wanted = f"{self.store}-{self._record(order_id).number}"
            return [change for change in self._changes if change.order_id == wanted]

    def add_order(
        self,
        *,
        order_id: int | str | None = None,
        placed_at: datetime | None = None,
        test_order: bool = False,
        status: str = "IGLOBAL_ORDER_IN_PROCESS",
        merchant_order_id: str | None = None,
        reference_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
        status_date: datetime | None = None,
    ) -> str:
        """Add one order and return its full id (``"999-100001"``).

        Args:
            order_id: the number (or ``"<store>-<number>"``); by default one more than the
                highest so far, starting at 100001.
            placed_at: placement time (aware); defaults to the clock's now.
            test_order: whether it is a test order.
            status: its current status, any string.
            merchant_order_id: the merchant's id, ``None`` until set.
            reference_id: the merchant reference passed to ``createTempCart``.
            detail: ``orderDetail`` fields to add or override on top of the generated detail.
                The identity fields (``orderId``, ``referenceId``, ``merchantOrderId``,
                ``testOrder``, ``orderStatus``) always show the order's current state; a
                ``referenceId``/``merchantOrderId`` given here is used when the argument is not.
            status_date: when the status was set; defaults to ``placed_at``.

        Raises:
            ValueError: the id is taken, malformed or of another store; a datetime is naive.
        """
        with self._lock:
            self._catch_up()
            if order_id is None:
                number = self._next_free()
            else:
                number = self._number_of(order_id)
                if number in self._orders or number in self._hidden:
                    raise ValueError(f"order {self.store}-{number} already exists")
            placed_ms = to_ms(placed_at) if placed_at is not None else to_ms(self.clock.now())
            extra = dict(detail) if detail is not None else None
            if reference_id is None and extra and extra.get("referenceId") is not None:
                reference_id = str(extra["referenceId"])
            if merchant_order_id is None and extra and extra.get("merchantOrderId"):
                merchant_order_id = str(extra["merchantOrderId"])
            self._insert(
                OrderRecord(
                    number=number,
                    placed_ms=placed_ms,
                    test_order=test_order,
                    status=status,
                    status_ms=to_ms(status_date) if status_date is not None else placed_ms,
                    merchant_order_id=merchant_order_id or None,
                    reference_id=reference_id,
                    detail=copy.deepcopy(extra),
                )
            )
            return f"{self.store}-{number}"

    def set_status(self, order_id: str | int, status: str) -> None:
        """Move an order to ``status`` on the Zonos side (any string); its status date := now.

        Raises:
            KeyError: no such order.
        """
        with self._lock:
            self._catch_up()
            self._move(self._record(order_id), status, to_ms(self.clock.now()), "test")

    def set_detail(self, order_id: str | int, detail: Mapping[str, Any] | None) -> None:
        """Replace the ``orderDetail`` fields set on top of the generated ones (as
        ``add_order(detail=...)`` does); ``None`` leaves the generated detail alone. Zonos
        changed the order: an address corrected, a note added.

        Raises:
            KeyError: no such order.
        """
        with self._lock:
            self._catch_up()
            self._record(order_id).detail = copy.deepcopy(dict(detail)) if detail else None

    def order_json(self, order_id: str | int) -> dict[str, Any]:
        """The ``order`` object ``orderDetail`` would serve for this order (a fresh copy).

        Raises:
            KeyError: no such order.
        """
        with self._lock:
            self._catch_up()
            return self._order_object(self._record(order_id))

    def order_ids(self) -> list[str]:
        """Every order's full id, ascending."""
        with self._lock:
            self._catch_up()
            return [f"{self.store}-{number}" for number in self._numbers]

    def status_updates(self, order_id: str | int) -> list[str]:
        """The statuses successfully set on this order through ``updateVendorOrderStatus``."""
        with self._lock:
            return list(self._updates.get(self._record(order_id).number, ()))

    def fail_next(self, endpoint: str, count: int = 1) -> None:
        """Make the next ``count`` calls to ``endpoint`` fail with its "Could not process" text.

        Counts calls that get past headers, parsing and credentials; they change nothing.
        ``endpoint`` is one of ``orderNumbers``, ``orderDetail``, ``updateMerchantOrderId``,
        ``updateVendorOrderStatus``.
        """
        if endpoint not in {name for name, _ in _ROUTES.values()}:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        with self._lock:
            self._fail_next[endpoint] = self._fail_next.get(endpoint, 0) + count

    # ----------------------------------------------------------------------------------------
    # Ways in.

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> FakeResponse:
        """Answer one HTTP request, synchronously and without faults (the sans-I/O core)."""
        response = self._dispatch(method, path, headers, body, fault=None)
        assert response is not None
        return response

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that talks to this fake in memory (faults applied; anyio only)."""
        from ._transport import FakeTransport  # (import cycle)

        return FakeTransport(self)

    @property
    def asgi_app(self) -> ASGIApp:
        """This fake as an ASGI 3 application (faults applied)."""
        if self._asgi is None:
            from ._asgi import make_asgi_app  # (import cycle)

            self._asgi = make_asgi_app(self)
        return self._asgi

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> AbstractAsyncContextManager[str]:
        """Serve this fake over real HTTP with uvicorn; yields the base URL. asyncio only.

        Needs the ``fake-server`` extra (``pip install 'zonos-async[fake-server]'``).
        """
        from ._server import serve  # optional dependency

        return serve(self, host=host, port=port)

    def serve_in_thread(
        self, host: str = "127.0.0.1", port: int = 0
    ) -> AbstractContextManager[str]:
        """Serve this fake with uvicorn in a background thread; yields the base URL.

        For synchronous code, and for tests that run the client in another process while they
        inspect the fake. Needs the ``fake-server`` extra.
        """
        from ._server import serve_in_thread  # optional dependency

        return serve_in_thread(self, host=host, port=port)

    # ----------------------------------------------------------------------------------------
    # Internals shared with the transport and ASGI layers.

    def endpoint_of(self, path: str) -> str:
        """The endpoint name of ``path`` (the path itself when unknown)."""
        route = _ROUTES.get(path)
        return route[0] if route else path

    def respond(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        decision: FaultDecision,
    ) -> FakeResponse | None:
        """Answer with ``decision`` applied; ``None`` means "drop the connection".

        Timing (latency, hangs) is the caller's business; this only decides content.
        """
        kind = decision.kind
        if kind in ("none", "hang"):
            return self._dispatch(
                method, path, headers, body, fault=None if kind == "none" else kind
            )
        if not decision.after:
            with self._lock:
                self.calls.append(
                    FakeCall(
                        self.endpoint_of(path),
                        self._redacted(body),
                        decision.status if kind == "error" else 0,
                        None,
                        path,
                        kind,
                    )
                )
            return _spoiled(kind, decision, None)
        handled = self._dispatch(method, path, headers, body, fault=kind)
        return _spoiled(kind, decision, handled)

    # ----------------------------------------------------------------------------------------

    def _dispatch(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        fault: str | None,
    ) -> FakeResponse:
        with self._lock:
            self._catch_up()
            route = _ROUTES.get(path)
            endpoint = route[0] if route else path
            data = self._redacted(body)
            if route is None:
                response = _html(404)
            elif method.upper() != "POST":
                response = _html(405, {"allow": "POST"})
            else:
                lowered = {key.lower(): value for key, value in headers.items()}
                if not _acceptable(lowered.get("accept")):
                    response = _html(406)
                elif not _is_json(lowered.get("content-type")):
                    response = _html(415)
                else:
                    status, payload = self._api(endpoint, route[1], body)
                    response = FakeResponse(status, {"content-type": _JSON_TYPE}, _dumps(payload))
                    self.calls.append(FakeCall(endpoint, data, status, payload, path, fault))
                    return response
            self.calls.append(FakeCall(endpoint, data, response.status, None, path, fault))
            return response

    @staticmethod
    def _redacted(body: bytes) -> dict[str, Any] | None:
        try:
            data = json.loads(body, parse_float=Decimal)
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict):
            return None
        return {key: value for key, value in data.items() if key != "secret"}

    def _api(self, endpoint: str, version: int, body: bytes) -> _Answer:
        def error(text: str) -> _Answer:
            return (200 if version == 1 else 400), {"error": text}

        try:
            data = json.loads(body, parse_float=Decimal)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            return error("could not parse input" if version == 1 else "Invalid post body")

        if "store" in data:
            store = data["store"]
        elif endpoint == "orderDetail" and "storeId" in data:
            store = data["storeId"]
        else:
            store = None
        if version == 2 and store is None:
            return error("Parameter store is required")
        if not self._credentials_ok(store, data.get("secret")):
            return error("Invalid security credentials")

        pending = self._fail_next.get(endpoint, 0)
        if pending > 0:
            self._fail_next[endpoint] = pending - 1
            return error(_PROCESS_FAILURE[endpoint, version])

        if endpoint == "orderNumbers":
            return self._order_numbers(data, error)
        if endpoint == "orderDetail":
            return self._order_detail(data, version, error)
        if endpoint == "updateMerchantOrderId":
            return self._update_merchant_order_id(data, error)
        return self._update_vendor_order_status(data, error)

    def _credentials_ok(self, store: object, secret: object) -> bool:
        if isinstance(store, bool):
            return False
        if isinstance(store, str) and _DIGITS.fullmatch(store):
            store_number = int(store)
        elif isinstance(store, int):
            store_number = store
        else:
            return False
        if not isinstance(secret, str) or not secret:
            return False
        secret_ok = hmac.compare_digest(secret.encode(), self._secret.encode())
        return secret_ok and store_number == self.store

    def _check_id(self, value: object) -> _IdCheck:
        sent = _as_sent(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return _IdCheck(sent, value if value >= 0 else None, foreign=False)
        if isinstance(value, str):
            match = _ID_PATTERN.fullmatch(value)
            if match:
                prefix, number = match.groups()
                foreign = prefix is not None and int(prefix) != self.store
                return _IdCheck(sent, int(number), foreign)
        return _IdCheck(sent, None, foreign=False)

    # --- orderNumbers ---------------------------------------------------------------------

    def _order_numbers(self, data: dict[str, Any], error: _Error) -> _Answer:
        has_since_date = _present(data, "sinceDate")
        has_since_id = _present(data, "sinceOrderId")
        has_through = _present(data, "throughDate")
        missing_only = _truthy(data.get("missingMerchantOrderId"))
        if has_since_date and has_since_id:
            return error("Cannot specify both Parameters sinceDate and sinceOrderId")
        if has_through and not has_since_date:
            return error("Parameter throughDate requires sinceDate")
        if not (has_since_date or has_since_id or missing_only):
            return error("Parameter sinceDate, sinceOrderId or missingMerchantOrderId is required")

        lower_ms: int | None = None
        upper_ms: int | None = None
        if has_since_date:
            since = _parse_day(data["sinceDate"])
            if since is None:
                return error("could not parse input")
            lower_ms = self._day_start_ms(since)
            if has_through:
                through = _parse_day(data["throughDate"])
                if through is None:
                    return error("could not parse input")
                upper_ms = self._day_start_ms(through + timedelta(days=1))

        since_number: int | None = None
        if has_since_id:
            check = self._check_id(data["sinceOrderId"])
            if check.number is None or check.foreign:
                return error(f"orderId: {check.sent} is not a valid orderId")
            if check.number not in self._orders:
                return error(f"Couldn't find order for sinceOrderId: {check.number}")
            since_number = check.number

        missing_from = to_ms(self.clock.now()) - _MISSING_WINDOW_MS
        recent = missing_from if missing_only else None
        with_statuses = "statuses" in data
        orders: list[dict[str, Any]] = []
        tests = 0
        window = self._candidates(since_number, lower_ms, upper_ms, recent)
        for number in window:
            record = self._orders[number]
            if lower_ms is not None and record.placed_ms < lower_ms:
                continue
            if upper_ms is not None and record.placed_ms >= upper_ms:
                continue
            if missing_only and (record.merchant_order_id or record.placed_ms < missing_from):
                continue
            entry: dict[str, Any] = {
                "testOrder": record.test_order,
                "id": f"{self.store}-{number}",
                "timestamp": java_timestamp(record.placed_ms),
            }
            if with_statuses:
                entry["merchantOrderId"] = record.merchant_order_id
                entry["orderStatus"] = record.status
                entry["orderStatusDate"] = record.status_ms
                entry["orderStatusDateString"] = java_timestamp(record.status_ms)
            tests += record.test_order
            orders.append(entry)
        return 200, {
            "totalCount": len(orders),
            "orderCount": len(orders) - tests,
            "testOrderCount": tests,
            "orders": orders,
        }

    def _day_start_ms(self, day: date) -> int:
        """When Zonos' ``day`` begins (``day_start_hour`` UTC)."""
        return _day_start_ms(day) + self.day_start_hour * 3_600_000

    def _candidates(
        self,
        since_number: int | None,
        lower_ms: int | None,
        upper_ms: int | None,
        recent_from: int | None,
    ) -> list[int]:
        """The visible numbers after ``since_number``, ascending, narrowed by placement time
        where a bound is given (the caller's checks still decide)."""
        after = 0 if since_number is None else since_number + 1
        bounds = [bound for bound in (lower_ms, recent_from) if bound is not None]
        if not bounds and upper_ms is None:
            return self._numbers[bisect.bisect_left(self._numbers, after) :]
        start = bisect.bisect_left(self._times, max(bounds)) if bounds else 0
        stop = len(self._times) if upper_ms is None else bisect.bisect_left(self._times, upper_ms)
        return sorted(number for number in self._timed[start:stop] if number >= after)

    # --- orderDetail ----------------------------------------------------------------------

    def _order_detail(self, data: dict[str, Any], version: int, error: _Error) -> _Answer:
        stop = "." if version == 1 else ""
        has_id = _present(data, "orderId")
        has_reference = _present(data, "referenceId")
        if has_id and has_reference:
            return error(f"Cannot specify both Parameters orderId and referenceId{stop}")
        if not (has_id or has_reference):
            return error(f"Parameter orderId or referenceId is required{stop}")
        if has_id:
            check = self._check_id(data["orderId"])
            if check.number is None or (check.foreign and version == 1):
                return error(f"orderId: {check.sent} is not a valid orderId")
            record = None if check.foreign else self._orders.get(check.number)
            if record is None:
                return error(f"Could not find an order with orderId: {check.sent}")
        else:
            reference = _as_sent(data["referenceId"])
            numbers = self._by_reference.get(reference)
            if not numbers:
                return error(f"Could not find an order with referenceId: {reference}")
            record = max(
                (self._orders[number] for number in numbers),
                key=lambda item: (item.placed_ms, item.number),
            )
        return 200, {"order": self._order_object(record)}

    def _order_object(self, record: OrderRecord) -> dict[str, Any]:
        detail = build_detail(self.seed, self.store, record.number)
        if record.detail:
            detail.update(copy.deepcopy(record.detail))
        detail["orderId"] = f"{self.store}-{record.number}"
        detail["referenceId"] = record.reference_id
        detail["merchantOrderId"] = record.merchant_order_id
        detail["testOrder"] = record.test_order
        detail["orderStatus"] = record.status
        return detail

    # --- updateMerchantOrderId ------------------------------------------------------------

    def _update_merchant_order_id(self, data: dict[str, Any], error: _Error) -> _Answer:
        if not _present(data, "orderId"):
            return error("Parameter orderId is required to processUpdateMerchantOrderId")
        if not _present(data, "merchantOrderId"):
            return error("Parameter merchantOrderId is required to updateMerchantOrderId.")
        check = self._check_id(data["orderId"])
        if check.number is None or check.foreign:
            return error(f"orderId: {check.sent} is not a valid orderId")
        record = self._orders.get(check.number)
        if record is None:
            return error(
                f"Could not retrieve order to updateMerchantOrderId for orderId: {check.sent}"
            )
        value = _as_sent(data["merchantOrderId"])
        record.merchant_order_id = value
        return 200, {"success": f"Updated Order: {record.number} with new merchantOrderId: {value}"}

    # --- updateVendorOrderStatus ----------------------------------------------------------

    def _update_vendor_order_status(self, data: dict[str, Any], error: _Error) -> _Answer:
        if not _present(data, "orderId"):
            return error("Parameter orderId required for updateVendorOrderStatus")
        if not _present(data, "orderStatus"):
            return error("Parameter orderStatus required for updateVendorOrderStatus.")
        check = self._check_id(data["orderId"])
        if check.number is None or check.foreign:
            return error(f"orderId: {check.sent} is not a valid orderId")
        record = self._orders.get(check.number)
        if record is None:
            return error(
                f"Could not retrieve order to updateVendorOrderStatus from orderId: {check.sent}"
            )
        new = _as_sent(data["orderStatus"])
        current = record.status
        sent = check.sent
        if current in _CANCELLED:
            return error(
                f"OrderId: {sent} has already been cancelled and status cannot be updated. "
                "Please contact Zonos Support - support@iglobalstores.com"
            )
        if new not in KNOWN_STATUSES:
            return error(f"New Status: {new} is not a valid order status")
        if new not in VENDOR_STATUSES:
            return error(f"Cannot update order status to invalid status: {new}")
        if new == current:
            return error(f"OrderId: {sent} already has current status: {current}")
        if current in BLOCKED_STATUSES:
            return error(
                f"OrderId: {sent} cannot be moved to order status: {new} while in status: {current}"
            )
        if self.forbid_cancellation_requests and new == "VENDOR_CANCELLATION_REQUEST":
            return error(f"Cannot update order status to status: {new}")
        self._move(record, new, to_ms(self.clock.now()), "merchant")
        self._updates.setdefault(record.number, []).append(new)
        return 200, {"success": f"Updated Order: {record.number} to new order status: {new}"}

    # --- storage --------------------------------------------------------------------------

    def _insert(self, record: OrderRecord) -> None:
        number = record.number
        self._orders[number] = record
        self._hidden.discard(number)
        self._highest = number if self._highest is None else max(self._highest, number)
        if self._numbers and number < self._numbers[-1]:
            self._numbers.insert(bisect.bisect_left(self._numbers, number), number)
        else:
            self._numbers.append(number)
        at = bisect.bisect_right(self._times, record.placed_ms)
        self._times.insert(at, record.placed_ms)
        self._timed.insert(at, number)
        if record.reference_id is not None:
            self._by_reference.setdefault(record.reference_id, []).append(number)

    def _move(self, record: OrderRecord, status: str, at_ms: int, by: str) -> None:
        old = record.status
        record.status = status
        record.status_ms = at_ms
        self._changes.append(
            StatusChange(f"{self.store}-{record.number}", old, status, from_ms(at_ms), by)
        )

    def _next_free(self) -> int:
        return FIRST_ORDER_NUMBER if self._highest is None else self._highest + 1

    def _take_number(self) -> int:
        number = self._highest = self._next_free()
        self._hidden.add(number)
        return number

    def _catch_up(self) -> None:
        """Apply the lifecycle's events up to the clock's now (caller holds the lock)."""
        if self._schedule is None:
            return
        for event in self._schedule.due(to_ms(self.clock.now()), self._take_number):
            if isinstance(event, Show):
                self._insert(event.record)
                continue
            record = self._orders.get(event.number)
            if record is not None and applies(event, record.status):
                self._move(record, event.status, event.at_ms, "lifecycle")

    def _number_of(self, order_id: str | int) -> int:
        if isinstance(order_id, bool):
            raise ValueError(f"not an order id: {order_id!r}")
        if isinstance(order_id, int):
            if order_id < 0:
                raise ValueError(f"not an order id: {order_id!r}")
            return order_id
        match = _ID_PATTERN.fullmatch(order_id)
        if not match:
            raise ValueError(f"not an order id: {order_id!r}")
        prefix, number = match.groups()
        if prefix is not None and int(prefix) != self.store:
            raise ValueError(f"order id {order_id!r} belongs to another store")
        return int(number)

    def _record(self, order_id: str | int) -> OrderRecord:
        try:
            number = self._number_of(order_id)
        except ValueError:
            raise KeyError(order_id) from None
        try:
            return self._orders[number]
        except KeyError:
            raise KeyError(order_id) from None


def _spoiled(
    kind: str, decision: FaultDecision, handled: FakeResponse | None
) -> FakeResponse | None:
    """The answer a fault leaves the client with (``None``: connection dropped)."""
    if kind == "error":
        extra = {"retry-after": "1"} if decision.status == 429 else None
        return _html(decision.status, extra)
    if kind == "garbage":
        return FakeResponse(200, {"content-type": _HTML_TYPE}, _GARBAGE)
    if kind == "truncate" and handled is not None:
        return FakeResponse(
            handled.status, dict(handled.headers), handled.body[: len(handled.body) // 2]
        )
    if kind == "drop":
        return None
    return handled
