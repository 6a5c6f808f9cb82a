"""Checkpoints in process: stop anywhere, commit, resume; every order ends up once."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from importer_support import NOW, SINCE, Recorder, jitter, make_fake, session_for

from zonos_async._checkpoint import CheckpointError, FileCheckpoint, JsonLinesSink
from zonos_async._pipeline import import_orders

pytestmark = pytest.mark.asyncio


async def run_once(
    recorder: Recorder, out: Path, state: Path, *, stop_after: int | None, **options: object
) -> int:
    """One job run: write, flush, commit every few orders; stop after ``stop_after`` orders."""
    taken = 0
    async with (
        JsonLinesSink(out) as sink,
        import_orders(
            recorder,
            checkpoint=FileCheckpoint(state),
            **options,  # type: ignore[arg-type]
        ) as orders,
    ):
        async for order in orders:
            sink.write(order)
            taken += 1
            if taken % 7 == 0:
                await sink.flush()
                await orders.commit()
            if stop_after is not None and taken >= stop_after:
                break  # an abrupt stop: the last few orders are written but not committed
        else:
            await sink.flush()
            await orders.commit()
    return taken


def ids_in(out: Path) -> Counter[str]:
    import json

    return Counter(json.loads(line)["orderId"] for line in out.read_text().splitlines())


@pytest.mark.parametrize("ordered", [False, True])
async def test_stopping_and_resuming_delivers_every_order_once(
    tmp_path: Path, ordered: bool
) -> None:
    fake = make_fake(orders=160)
    # Out-of-sequence numbers: a low id placed late, a high id placed early.
    fake.add_order(order_id=50, placed_at=NOW - timedelta(hours=2))
    fake.add_order(order_id=999_999, placed_at=NOW - timedelta(days=25))
    out, state = tmp_path / "orders.jsonl", tmp_path / "state.json"
    rng = random.Random(4)
    fetched = 0
    async with session_for(fake) as session:
        for _ in range(12):
            recorder = Recorder(session, delay=jitter(rng.randrange(100)))
            await run_once(
                recorder,
                out,
                state,
                stop_after=rng.randrange(1, 30),
                since=SINCE,
                window_days=3,
                concurrency=6,
                ordered=ordered,
            )
            fetched += recorder.completed
        recorder = Recorder(session)
        await run_once(recorder, out, state, stop_after=None, window_days=3, ordered=ordered)
        fetched += recorder.completed
    assert ids_in(out) == Counter(fake.order_ids())
    saved = FileCheckpoint(state).load_sync()
    assert saved is not None
    assert saved.done == ()
    assert saved.since == SINCE
    # The overlap re-reads a little, not everything: far fewer fetches than runs x orders.
    assert fetched < 3 * len(fake.order_ids())


async def test_a_finished_import_resumes_with_only_the_new_orders(tmp_path: Path) -> None:
    fake = make_fake(orders=60)
    out, state = tmp_path / "orders.jsonl", tmp_path / "state.json"
    async with session_for(fake) as session:
        await run_once(Recorder(session), out, state, stop_after=None, since=SINCE)
        new = [fake.add_order(placed_at=NOW) for _ in range(3)]
        recorder = Recorder(session)
        await run_once(recorder, out, state, stop_after=None)
    assert sorted(recorder.detail_ids) == sorted(new)
    assert ids_in(out) == Counter(fake.order_ids())


async def test_since_order_id_import_resumes_after_the_contiguous_point(tmp_path: Path) -> None:
    fake = make_fake(orders=60)
    first = fake.order_ids()[9]
    out, state = tmp_path / "orders.jsonl", tmp_path / "state.json"
    async with session_for(fake) as session:
        await run_once(Recorder(session), out, state, stop_after=20, since_order_id=first)
        recorder = Recorder(session)
        await run_once(recorder, out, state, stop_after=None)
        assert recorder.listing_calls[0]["since_order_id"] != first
    assert ids_in(out) == Counter(fake.order_ids()[10:])


async def test_a_checkpoint_of_another_import_is_refused(tmp_path: Path) -> None:
    fake = make_fake(orders=20)
    out, state = tmp_path / "orders.jsonl", tmp_path / "state.json"
    async with session_for(fake) as session:
        await run_once(Recorder(session), out, state, stop_after=None, since=SINCE)
        with pytest.raises(CheckpointError, match="since"):
            await run_once(Recorder(session), out, state, stop_after=None, since=date(2020, 1, 1))
        with pytest.raises(CheckpointError, match="filters"):
            await run_once(Recorder(session), out, state, stop_after=None, test_orders="skip")
