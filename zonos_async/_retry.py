"""When a failed call is tried again, and how long we wait.

A small policy on anyio rather than a retry library: the rules that matter here
are Zonos-specific (errors in 200 bodies, ``Retry-After``, updates that must not
be replayed blindly), the policy must live on the session and per call, and
the sleep must run under both asyncio and trio. stamina would give us the
backoff maths and hooks but not the replay checks, and its switches are
process-wide.

What is retried: no answer at all (connection errors, timeouts), HTTP 408, 429,
500, 502, 503, 504, a 200 whose body is not JSON, and Zonos' generic
``Could not process ...``. Nothing else: a business error does not change by
asking again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Final

from attrs import define, field, frozen

from ._errors import (
    OrderMismatchError,
    RateLimitedError,
    ResponseParseError,
    UnexpectedStatusError,
    ZonosError,
    ZonosProcessingError,
    ZonosTransportError,
)

__all__ = ["RETRYABLE_STATUSES", "RetryDetails", "RetryPolicy", "RatePacer", "classify"]

logger = logging.getLogger("zonos_async")

RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})


@frozen
class RetryPolicy:
    """How often and how long a call is retried. Frozen; change it with ``attrs.evolve``.

    Args:
        attempts: Tries in all, the first included (1 turns retries off).
        deadline: Seconds the whole call may take, waits and retries included
            (``None`` for no limit). A call never sleeps past it.
        wait_initial: The first backoff's upper bound, in seconds.
        wait_max: No backoff is longer than this.
        wait_exp_base: Each retry's bound grows by this factor.
        retry_after_max: ``Retry-After`` is honoured up to this many seconds.

    Backoff is "full jitter": a uniform draw between 0 and
    ``min(wait_max, wait_initial * wait_exp_base ** (retry - 1))``.

    Example::

        zonos_async.Session(..., retry=RetryPolicy(attempts=6, deadline=120))
        await zonos.order_detail("999-1", retry=RetryPolicy.never())
    """

    attempts: int = 4
    deadline: float | None = 60.0
    wait_initial: float = 0.25
    wait_max: float = 8.0
    wait_exp_base: float = 2.0
    retry_after_max: float = 30.0

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError("deadline must be positive (or None)")
        if min(self.wait_initial, self.wait_max, self.retry_after_max) < 0:
            raise ValueError("waits must not be negative")

    @classmethod
    def never(cls, *, deadline: float | None = 60.0) -> RetryPolicy:
        """One attempt only."""
        return cls(attempts=1, deadline=deadline)

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """The wait before retry number ``retry_number`` (1 for the first retry)."""
        bound = min(self.wait_max, self.wait_initial * self.wait_exp_base ** (retry_number - 1))
        return rng.uniform(0, bound)


@frozen
class RetryDetails:
    """What a retry hook is told, before the wait.

    Attributes:
        endpoint: The endpoint, e.g. ``"orderDetail"``.
        order_id: The order the call is about, if any.
        attempt: The attempt that just failed (1 for the first).
        wait: Seconds until the next attempt.
        elapsed: Seconds since the call started.
        error: Why the attempt failed.
    """

    endpoint: str
    order_id: str | None
    attempt: int
    wait: float
    elapsed: float
    error: ZonosError


RetryHook = Callable[[RetryDetails], None]


@frozen
class Verdict:
    retry: bool
    maybe_landed: bool = False
    retry_after: float | None = None


def classify(error: ZonosError) -> Verdict:
    """Whether ``error`` is worth a retry, and whether the failed request may have reached Zonos."""
    if isinstance(error, ZonosTransportError):
        return Verdict(retry=True, maybe_landed=error.request_sent)
    if isinstance(error, OrderMismatchError):  # a read, on a connection now dropped
        return Verdict(retry=True)
    if isinstance(error, RateLimitedError):
        return Verdict(retry=True, retry_after=error.retry_after)
    if isinstance(error, UnexpectedStatusError):
        return Verdict(retry=error.status_code in RETRYABLE_STATUSES, maybe_landed=True)
    if isinstance(error, ResponseParseError):
        # Garbled or cut-off bytes are transient; a well-formed answer of the wrong shape is not.
        return Verdict(retry=not error.problems, maybe_landed=True)
    if isinstance(error, ZonosProcessingError):
        return Verdict(retry=True, maybe_landed=True)
    return Verdict(retry=False)


@define
class RatePacer:
    """Spaces request starts to at most ``rate`` per second; halves the pace on 429.

    After a 429 the pace recovers by a twentieth of ``rate`` per successful call.
    """

    rate: float
    current: float = field(init=False)
    _next_start: float = field(init=False, default=0.0)

    def __attrs_post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("rate_limit must be positive")
        self.current = self.rate

    def reserve(self, now: float) -> float:
        """Book the next start; returns how long to wait for it."""
        start = max(now, self._next_start)
        self._next_start = start + 1 / self.current
        return start - now

    def slow_down(self) -> None:
        self.current = max(self.rate / 16, self.current / 2)

    def speed_up(self) -> None:
        self.current = min(self.rate, self.current + self.rate / 20)
