"""Which failures are retried, which may have reached Zonos, and what a bad policy is told."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest

import zonos_async
from zonos_async import RetryPolicy
from zonos_async._retry import RetryDetails, Verdict, call_with_retries, classify

E = "updateVendorOrderStatus"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"attempts": 0}, "attempts must be at least 1"),
        ({"deadline": 0}, "deadline must be positive (or None)"),
        ({"deadline": -5.0}, "deadline must be positive (or None)"),
        ({"wait_initial": -1}, "waits must not be negative"),
        ({"wait_max": -1}, "waits must not be negative"),
        ({"retry_after_max": -1}, "waits must not be negative"),
    ],
)
def test_a_nonsense_policy_is_told_what_is_wrong(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        RetryPolicy(**kwargs)
    assert str(info.value) == message


def test_the_smallest_sensible_policy_is_accepted() -> None:
    policy = RetryPolicy(attempts=1, deadline=None, wait_initial=0, wait_max=0, retry_after_max=0)
    assert policy.attempts == 1 and policy.deadline is None


def answered(cls: type[Any], status_code: int, **facts: Any) -> zonos_async.ZonosError:
    """An error raised on an answer that came back (it has a status and an excerpt)."""
    error: zonos_async.ZonosError = cls(
        "...", endpoint=E, status_code=status_code, excerpt="...", **facts
    )
    return error


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (zonos_async.ZonosTransportError("reset", endpoint=E), Verdict(True, maybe_landed=True)),
        (zonos_async.ZonosTransportError("refused", endpoint=E, request_sent=False),
         Verdict(True, maybe_landed=False)),
        # The answer was about another order: read again, nothing was changed.
        (zonos_async.OrderMismatchError("999-2", endpoint=E, requested="999-1", received="999-2"),
         Verdict(True, maybe_landed=False)),
        (answered(zonos_async.RateLimitedError, 429, retry_after=0.0),
         Verdict(True, maybe_landed=False, retry_after=0.0)),
        (answered(zonos_async.RateLimitedError, 429, retry_after=None),
         Verdict(True, maybe_landed=False, retry_after=None)),
        (answered(zonos_async.ServerError, 502), Verdict(True, maybe_landed=True)),
        (answered(zonos_async.UnexpectedStatusError, 404), Verdict(False, maybe_landed=True)),
        # A garbled 200: Zonos may have applied the update before the answer broke.
        (answered(zonos_async.ResponseParseError, 200), Verdict(True, maybe_landed=True)),
        (answered(zonos_async.ResponseParseError, 200, problems=("x @ $",)),
         Verdict(False, maybe_landed=True)),
        (zonos_async.ZonosProcessingError("Could not process the update.", endpoint=E),
         Verdict(True, maybe_landed=True)),
        (zonos_async.OrderNotFoundError("Could not find an order", endpoint=E), Verdict(False)),
    ],
)  # fmt: skip
def test_classify(error: zonos_async.ZonosError, verdict: Verdict) -> None:
    assert classify(error) == verdict


async def no_sleep(seconds: float) -> None:
    await anyio.lowlevel.checkpoint()


@pytest.mark.anyio
async def test_a_policy_without_a_deadline_retries_and_tells_the_hook_the_time() -> None:
    seen: list[RetryDetails] = []
    errors = [answered(zonos_async.ServerError, 503) for _ in range(2)]

    async def attempt(number: int, maybe_landed: bool) -> str:
        if errors:
            raise errors.pop()
        return "done"

    policy = RetryPolicy(deadline=None, sleep=no_sleep)
    assert await call_with_retries(attempt, policy, endpoint=E, on_retry=seen.append) == "done"
    assert [d.attempt for d in seen] == [1, 2]
    assert all(isinstance(d.elapsed, float) and d.elapsed >= 0 for d in seen)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("order_id", "failures", "message"),
    [
        (None, 0, f"{E}: no answer within the 0.05 s deadline (attempt 1 was cut off)"),
        ("999-1", 1, f"{E} for 999-1: no answer within the 0.05 s deadline (attempt 2 was cut "
         f"off; attempt 1 failed with: {E}: HTTP 503: down)"),
    ],
)  # fmt: skip
async def test_a_call_cut_at_the_deadline_says_what_it_tried(
    order_id: str | None, failures: int, message: str
) -> None:
    errors = [
        zonos_async.ServerError(f"{E}: HTTP 503: down", endpoint=E, status_code=503, excerpt="")
    ] * failures

    async def attempt(number: int, maybe_landed: bool) -> str:
        if errors:
            raise errors.pop()
        await anyio.sleep_forever()
        raise AssertionError("not reached")

    policy = RetryPolicy(deadline=0.05, wait_initial=0, sleep=no_sleep)
    with anyio.fail_after(5), pytest.raises(zonos_async.ZonosTimeoutError) as info:
        await call_with_retries(attempt, policy, endpoint=E, order_id=order_id)
    assert str(info.value) == message
    assert info.value.endpoint == E
