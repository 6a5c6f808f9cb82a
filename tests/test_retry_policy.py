"""The retry policy's arithmetic, without I/O."""

from __future__ import annotations

import random

import pytest

import zonos_async
from zonos_async import RetryPolicy
from zonos_async._retry import RatePacer


def test_rate_pacer_spaces_starts_and_slows_on_429() -> None:
    pacer = RatePacer(10.0)
    assert pacer.reserve(100.0) == 0
    assert pacer.reserve(100.0) == pytest.approx(0.1)
    assert pacer.reserve(100.0) == pytest.approx(0.2)
    pacer.slow_down()
    assert pacer.current == 5.0
    pacer.speed_up()
    assert pacer.current == 5.5
    for _ in range(100):
        pacer.speed_up()
    assert pacer.current == 10.0


def test_backoff_is_full_jitter_and_bounded() -> None:
    policy = RetryPolicy(wait_initial=1, wait_max=8, wait_exp_base=2)
    rng = random.Random(7)
    for retry_number, bound in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        draws = [policy.backoff(retry_number, rng) for _ in range(200)]
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
