"""Seeded fault injection: what goes wrong on the way to and from the fake.

A :class:`Faults` object rolls its own ``random.Random(seed)`` once per call, always the same
number of times, so the same seed and the same sequence of calls give the same faults. It only
*decides*; the transport and the ASGI app carry the decision out (sleeping, dropping, cutting).

Whether a fault strikes before or after the fake applied the request matters for updates: a
connection dropped *after* ``updateVendorOrderStatus`` landed is exactly the case a retrying
client must survive without applying the update twice.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Final, Literal

from attrs import define, field, frozen

__all__ = ["ENDPOINTS", "FaultDecision", "FaultKind", "Faults"]

FaultKind = Literal["none", "error", "drop", "hang", "truncate", "garbage"]
"""What a call suffers: nothing, an HTTP error, a dropped connection, no answer, a cut body or
a non-JSON body."""

ENDPOINTS: Final = (
    "orderNumbers",
    "orderDetail",
    "updateMerchantOrderId",
    "updateVendorOrderStatus",
)
"""The endpoint names used for per-endpoint latency, ``fail_next`` and :class:`FakeCall`."""

_ERROR_STATUSES: Final = (500, 502, 503, 429)
# Kinds whose default is "after the fake handled the request": the request landed, the answer
# was lost. A 5xx/429 defaults to "before": the request never reached the application.
_AFTER_BY_DEFAULT: Final = frozenset({"drop", "hang", "truncate", "garbage"})


@frozen
class FaultDecision:
    """One call's fate, as decided by :meth:`Faults.decide`.

    ``after`` tells whether the fake applies the request first (state changes) and the fault
    then spoils the answer. ``status`` is the HTTP status of an ``error`` fault, ``drop_error``
    the kind of exception a dropped connection raises in the transport.
    """

    kind: FaultKind = "none"
    after: bool = False
    status: int = 200
    drop_error: Literal["protocol", "read"] = "protocol"
    latency: float = 0.0
    hang_seconds: float = 3600.0


def _check_rate(_instance: object, attribute: object, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"fault rates must be within 0..1, got {value!r}")


@define
class Faults:
    """Seeded misbehaviour for :class:`FakeZonos`'s transport, ASGI app and server.

    Args:
        seed: seeds the private random generator; same seed, same calls → same faults.
        latency: seconds added to every answer, or a mapping from endpoint name
            (``"orderNumbers"``, ``"orderDetail"``, ``"updateMerchantOrderId"``,
            ``"updateVendorOrderStatus"``) to seconds; endpoints not named get none.
        error_rate: share of calls answered 500, 502, 503 or 429 (``Retry-After: 1``).
        drop_rate: share of calls whose connection is dropped without a (complete) answer.
        hang_rate: share of calls that get no answer for ``hang_seconds`` (the client's
            timeout should fire first; the transport honours httpx's read timeout).
        truncate_rate: share of calls answered 200 with the body cut in half.
        garbage_rate: share of calls answered 200 with an HTML page instead of JSON.
        hang_seconds: how long a hang lasts.
        apply_after: ``None`` (default) = per kind: errors strike before the request is
            handled, drop/hang/truncate/garbage after it (it landed, the answer is lost);
            ``True`` = every fault after handling; ``False`` = every fault before handling
            (except truncation, which needs the real answer and is always after);
            ``"either"`` = chosen per call by the seeded generator.

    The rates are shares of all calls and must add up to at most 1.

    Example::

        fake = FakeZonos.seeded(orders=50, faults=Faults(seed=7, drop_rate=0.2))
    """

    seed: int = 0
    latency: float | Mapping[str, float] = 0.0
    error_rate: float = field(default=0.0, validator=_check_rate)
    drop_rate: float = field(default=0.0, validator=_check_rate)
    hang_rate: float = field(default=0.0, validator=_check_rate)
    truncate_rate: float = field(default=0.0, validator=_check_rate)
    garbage_rate: float = field(default=0.0, validator=_check_rate)
    hang_seconds: float = 3600.0
    apply_after: bool | Literal["either"] | None = None
    _rng: random.Random = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        rates = (self.error_rate, self.drop_rate, self.hang_rate)
        total = sum(rates) + self.truncate_rate + self.garbage_rate
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to {total}, more than 1")
        self._rng = random.Random(self.seed)

    def reset(self) -> None:
        """Start the fault sequence over, as if freshly made with the same seed."""
        self._rng = random.Random(self.seed)

    def latency_for(self, endpoint: str) -> float:
        """The latency configured for ``endpoint`` (seconds)."""
        if isinstance(self.latency, Mapping):
            return float(self.latency.get(endpoint, 0.0))
        return float(self.latency)

    def decide(self, endpoint: str) -> FaultDecision:
        """Roll the dice for one call to ``endpoint``.

        Always draws four numbers, whatever the outcome, so that changing one rate does not
        shift the rest of the sequence more than necessary.
        """
        roll, when, pick, style = (self._rng.random() for _ in range(4))
        kind: FaultKind = "none"
        edge = 0.0
        table: tuple[tuple[FaultKind, float], ...] = (
            ("error", self.error_rate),
            ("drop", self.drop_rate),
            ("hang", self.hang_rate),
            ("truncate", self.truncate_rate),
            ("garbage", self.garbage_rate),
        )
        for name, rate in table:
            edge += rate
            if roll < edge:
                kind = name
                break
        if kind == "truncate":
            after = True
        elif self.apply_after == "either":
            after = when < 0.5
        elif self.apply_after is None:
            after = kind in _AFTER_BY_DEFAULT
        else:
            after = self.apply_after
        return FaultDecision(
            kind=kind,
            after=after,
            status=_ERROR_STATUSES[int(pick * len(_ERROR_STATUSES))] if kind == "error" else 200,
            drop_error="protocol" if style < 0.5 else "read",
            latency=self.latency_for(endpoint),
            hang_seconds=self.hang_seconds,
        )
