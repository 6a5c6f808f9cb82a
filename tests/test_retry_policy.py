"""The retry policy and the retry loop, without I/O and without waiting."""

from __future__ import annotations

import random
from typing import Any

import anyio
import pytest

import zonos_async
from zonos_async import RetryDetails, RetryPolicy
from zonos_async._retry import call_with_retries


def test_backoff_is_full_jitter_and_bounded() -> None:
    policy = RetryPolicy(wait_initial=1, wait_max=8, wait_exp_base=2, rng=random.Random(7))
    for retry_number, bound in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        draws = [policy.backoff(retry_number) for _ in range(200)]
        assert all(0 <= d <= bound for d in draws)
        assert max(draws) > bound * 0.8  # the whole range is used


@pytest.mark.parametrize(
    "kwargs", [{"attempts": 0}, {"deadline": 0}, {"wait_initial": -1}, {"retry_after_max": -1}]
)
def test_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_the_documented_defaults() -> None:
    policy = RetryPolicy()
    assert (policy.attempts, policy.deadline) == (4, 60.0)
    assert (policy.wait_initial, policy.wait_max, policy.wait_exp_base) == (0.25, 8.0, 2.0)
    assert policy.retry_after_max == 30.0
    assert policy == zonos_async.DEFAULT_RETRY
    never = RetryPolicy.never()
    assert (never.attempts, never.deadline) == (1, 60.0)
    assert RetryPolicy.never(deadline=None).deadline is None


def test_retryable_drives_classify() -> None:
    from zonos_async._retry import classify

    class Flaky(zonos_async.ZonosAPIError):
        retryable = True

    verdict = classify(Flaky("Busy", endpoint="orderDetail"))
    assert (verdict.retry, verdict.maybe_landed) == (True, True)
    processing = zonos_async.ZonosProcessingError("Could not process.", endpoint="orderDetail")
    assert processing.retryable and classify(processing).retry
    for final in (
        zonos_async.InvalidCredentialsError("Invalid security credentials", endpoint="orderDetail"),
        zonos_async.RequestRejectedError("could not parse input", endpoint="orderNumbers"),
    ):
        assert not final.retryable
        assert classify(final).retry is False


def test_the_rng_makes_the_waits_reproducible() -> None:
    first = RetryPolicy(rng=random.Random(3))
    second = RetryPolicy(rng=random.Random(3))
    assert [first.backoff(n) for n in range(1, 6)] == [second.backoff(n) for n in range(1, 6)]
    assert first == second  # sleep and rng are how, not what: not compared
    assert "rng" not in repr(first) and "sleep" not in repr(first)


# --- The loop, with its waits recorded instead of slept ---------------------------------------


class Waits:
    """A sleep that records the wait and returns at once, for ``RetryPolicy(sleep=...)``."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def failing(*errors: zonos_async.ZonosError, then: str = "done") -> tuple[Any, list[bool]]:
    """An attempt that raises ``errors`` in turn, then returns ``then``; and what it was told."""
    told: list[bool] = []
    pending = list(errors)

    async def attempt(number: int, maybe_landed: bool) -> str:
        assert number == len(told) + 1
        told.append(maybe_landed)
        if pending:
            raise pending.pop(0)
        return then

    return attempt, told


def server_error(status: int = 503) -> zonos_async.ServerError:
    return zonos_async.ServerError("busy", endpoint="orderDetail", status_code=status, excerpt="")


@pytest.mark.anyio
async def test_the_loop_retries_with_backoff_and_tells_the_hook() -> None:
    clock = Waits()
    policy = RetryPolicy(attempts=4, wait_initial=1, rng=random.Random(1), sleep=clock.sleep)
    seen: list[RetryDetails] = []
    attempt, told = failing(server_error(), server_error())
    result = await call_with_retries(
        attempt, policy, endpoint="orderDetail", order_id="999-1", on_retry=seen.append
    )
    assert result == "done"
    assert [d.attempt for d in seen] == [1, 2]
    assert [d.wait for d in seen] == clock.waits
    assert 0 <= clock.waits[0] <= 1 and 0 <= clock.waits[1] <= 2
    assert all(d.endpoint == "orderDetail" and d.order_id == "999-1" for d in seen)
    assert told == [False, True, True]  # a 5xx may have landed


@pytest.mark.anyio
async def test_the_loop_stops_at_the_attempts_and_at_final_errors() -> None:
    clock = Waits()
    policy = RetryPolicy(attempts=3, sleep=clock.sleep)
    attempt, told = failing(*(server_error() for _ in range(5)))
    with pytest.raises(zonos_async.ServerError):
        await call_with_retries(attempt, policy, endpoint="orderDetail")
    assert len(told) == 3 and len(clock.waits) == 2
    attempt, told = failing(zonos_async.OrderNotFoundError("gone", endpoint="orderDetail"))
    with pytest.raises(zonos_async.OrderNotFoundError):
        await call_with_retries(attempt, policy, endpoint="orderDetail")
    assert told == [False]


@pytest.mark.anyio
async def test_retry_after_wins_over_backoff_and_is_capped() -> None:
    clock = Waits()
    policy = RetryPolicy(attempts=4, wait_initial=5, retry_after_max=20, sleep=clock.sleep)

    def limited(after: float | None) -> zonos_async.RateLimitedError:
        return zonos_async.RateLimitedError(
            "429", endpoint="orderDetail", status_code=429, excerpt="", retry_after=after
        )

    attempt, told = failing(limited(0), limited(120), limited(3))
    await call_with_retries(attempt, policy, endpoint="orderDetail")
    assert clock.waits == [0, 20, 3]
    assert told == [False, False, False, False]  # a 429 was not processed


@pytest.mark.anyio
async def test_no_wait_ends_past_the_deadline() -> None:
    now = [0.0]
    clock = Waits()

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        now[0] += seconds  # the fake clock moves by what was slept

    policy = RetryPolicy(
        attempts=50, deadline=1.0, wait_initial=0.4, wait_max=0.4,
        sleep=sleep, clock=lambda: now[0], rng=random.Random(0),
    )  # fmt: skip
    attempt, told = failing(*(server_error() for _ in range(50)))
    with pytest.raises(zonos_async.ServerError):
        await call_with_retries(attempt, policy, endpoint="orderDetail")
    # Several waits were slept, together within the deadline; the next would have passed it.
    assert len(clock.waits) >= 2
    # (sum() compensates rounding from 3.12 on; the clock added the waits one by one.)
    assert now[0] == pytest.approx(sum(clock.waits))
    assert now[0] < 1.0
    assert len(told) == len(clock.waits) + 1 < 50


@pytest.mark.anyio
async def test_a_hung_attempt_ends_at_the_deadline() -> None:
    async def hang(number: int, maybe_landed: bool) -> str:
        await anyio.sleep_forever()
        raise AssertionError("not reached")

    with anyio.fail_after(5), pytest.raises(zonos_async.ZonosTimeoutError, match=r"0\.05 s"):
        await call_with_retries(hang, RetryPolicy(deadline=0.05), endpoint="orderDetail")


@pytest.mark.anyio
async def test_the_deadline_error_says_which_attempt_was_cut_off() -> None:
    async def fails_then_hangs(number: int, maybe_landed: bool) -> str:
        if number == 1:
            raise server_error()
        await anyio.sleep_forever()
        raise AssertionError("not reached")

    policy = RetryPolicy(deadline=0.05, wait_initial=0, wait_max=0)
    with anyio.fail_after(5), pytest.raises(zonos_async.ZonosTimeoutError) as info:
        await call_with_retries(fails_then_hangs, policy, endpoint="orderDetail")
    assert "(attempt 2 was cut off; attempt 1 failed with: busy)" in str(info.value)
