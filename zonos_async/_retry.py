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

The loop is :func:`call_with_retries`: the session hands it one attempt at a
time and hears of each retry; the waits go through the policy's ``sleep``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

import anyio
from attrs import field, frozen

from ._errors import (
    OrderMismatchError,
    RateLimitedError,
    ResponseParseError,
    UnexpectedStatusError,
    ZonosAPIError,
    ZonosError,
    ZonosTimeoutError,
    ZonosTransportError,
)

__all__ = ["RetryDetails", "RetryHook", "RetryPolicy", "Sleep"]

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
"""How a wait is waited: ``anyio.sleep``, or a test's stand-in."""

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
        sleep: How a wait is waited (``anyio.sleep``); tests pass one that
            returns at once, or one that advances their ``clock``.
        clock: What time it is, in seconds, for the deadline's sums
            (``anyio.current_time``). A test passes a fake one that its
            ``sleep`` advances, so "no wait ends past the deadline" is checked
            without waiting. An attempt that hangs is still cut off by the
            event loop's own timer.
        rng: Where the jitter comes from (a ``random.Random``; seed one to
            make the waits reproducible).

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
    sleep: Sleep = field(default=anyio.sleep, kw_only=True, eq=False, repr=False)
    rng: random.Random = field(factory=random.Random, kw_only=True, eq=False, repr=False)
    clock: Callable[[], float] = field(
        default=anyio.current_time, kw_only=True, eq=False, repr=False
    )

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

    def backoff(self, retry_number: int) -> float:
        """The wait before retry number ``retry_number`` (1 for the first retry)."""
        bound = min(self.wait_max, self.wait_initial * self.wait_exp_base ** (retry_number - 1))
        return self.rng.uniform(0, bound)


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
"""``on_retry=``: called with each retry's :class:`RetryDetails`, before its wait."""


@frozen
class Verdict:
    """What :func:`classify` says of a failed attempt."""

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
    if isinstance(error, ZonosAPIError) and error.retryable:
        # Zonos failed inside ("Could not process ..."): before or after the change, unknown.
        return Verdict(retry=True, maybe_landed=True)
    return Verdict(retry=False)


def call_name(endpoint: str, order_id: str | None) -> str:
    """How messages name a call: ``"orderDetail for 999-1"``, or just the endpoint."""
    return f"{endpoint} for {order_id}" if order_id else endpoint


async def call_with_retries(
    attempt: Callable[[int, bool], Awaitable[T]],
    policy: RetryPolicy,
    *,
    endpoint: str,
    order_id: str | None = None,
    on_retry: RetryHook | None = None,
) -> T:
    """Run ``attempt(number, maybe_landed)`` until it succeeds, or the policy says stop.

    ``maybe_landed`` tells an attempt that an earlier one may have reached Zonos
    (its answer was lost), so an update can check before it sends again. The
    deadline bounds the whole call, waits included: a wait that would end after
    it is not started, and an attempt still running at it is cancelled.
    """
    started = policy.clock()
    deadline = math.inf if policy.deadline is None else policy.deadline
    maybe_landed = False
    last_error: ZonosError | None = None
    # Equivalent mutants: the loop sets number before anything can end the call.
    number = 0  # pragma: no mutate
    running = False  # is an attempt in flight (rather than a wait) when the deadline strikes?
    with anyio.move_on_after(deadline):
        for number in range(1, policy.attempts + 1):
            running = True
            try:
                return await attempt(number, maybe_landed)
            except ZonosError as error:
                running = False
                verdict = classify(error)
                if not verdict.retry or number == policy.attempts:
                    raise
                maybe_landed = maybe_landed or verdict.maybe_landed
                if verdict.retry_after is not None:
                    wait = min(verdict.retry_after, policy.retry_after_max)
                else:
                    wait = policy.backoff(number)
                elapsed = policy.clock() - started
                if elapsed + wait >= deadline:
                    raise
                last_error = error
                if on_retry is not None:
                    on_retry(RetryDetails(endpoint, order_id, number, wait, elapsed, error))
            await policy.sleep(wait)
    if running:
        what = f"attempt {number} was cut off"
        if last_error is not None:
            what += f"; attempt {number - 1} failed with: {last_error}"
    else:
        what = f"while waiting to retry; attempt {number} failed with: {last_error}"
    raise ZonosTimeoutError(
        f"{call_name(endpoint, order_id)}: no answer within the {policy.deadline} s deadline "
        f"({what})",
        endpoint=endpoint,
    )
