"""FileCheckpoint's atomic write and JsonLinesSink's dedupe (sync tests; anyio.run inside)."""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import anyio
import pytest

from zonos_async import Order, OrderStatus
from zonos_async._checkpoint import (
    CheckpointError,
    CheckpointState,
    FileCheckpoint,
    JsonLinesSink,
    dumps_exact,
)

STATE = CheckpointState(
    since=date(2026, 10, 1),
    until=None,
    last_id="999-100050",
    last_day=date(2026, 10, 9),
    done=["999-100060", "999-100052", "999-100052"],
    filters="test_orders=include;statuses=*;missing_merchant_order_id=False",
)


def order(order_id: str, total: str = "12.10") -> Order:
    raw = {
        "orderStatus": "IGLOBAL_ORDER_IN_PROCESS",
        "grandTotal": Decimal(total),
        "orderId": order_id,
    }
    return Order(
        id=order_id, status=OrderStatus.IGLOBAL_ORDER_IN_PROCESS, test_order=False, raw=raw
    )


def test_checkpoint_round_trips_and_sorts_done(tmp_path: Path) -> None:
    checkpoint = FileCheckpoint(tmp_path / "state.json")
    assert anyio.run(checkpoint.load) is None
    anyio.run(checkpoint.save, STATE)
    loaded = anyio.run(checkpoint.load)
    assert loaded == STATE
    assert loaded is not None
    assert loaded.done == ("999-100052", "999-100060")
    assert os.listdir(tmp_path) == ["state.json"]  # no temporary file left behind


def test_checkpoint_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    checkpoint = FileCheckpoint(path)
    checkpoint.save_sync(STATE)
    before = path.read_bytes()
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)

    def crash(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk on fire"):
        checkpoint.save_sync(CheckpointState(since=date(2026, 1, 1)))
    assert path.read_bytes() == before  # the old state, whole
    assert os.listdir(tmp_path) == ["state.json"]
    assert synced  # the temporary file was synced before the rename
    monkeypatch.undo()
    synced.clear()
    monkeypatch.setattr(os, "fsync", fsync)
    checkpoint.save_sync(CheckpointState(since=date(2026, 1, 1)))
    assert len(synced) == 2  # the file, then the directory


@pytest.mark.parametrize("text", ["not json", '{"version": 99}', '{"version": 1, "done": "x"}'])
def test_corrupt_checkpoint_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(CheckpointError):
        FileCheckpoint(path).load_sync()


def test_dumps_exact_keeps_decimals_digit_for_digit() -> None:
    value = {"a": Decimal("12.10"), "b": [Decimal("-0.005"), Decimal("1E+2"), 3, None, True]}
    assert dumps_exact(value) == '{"a":12.10,"b":[-0.005,1E+2,3,null,true]}'
    tricky = {"s": "\x00" + "1\x00", "d": Decimal("1.50")}
    assert json.loads(dumps_exact(tricky), parse_float=Decimal) == tricky


def test_sink_writes_raw_orders_and_dedupes_across_opens(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"

    async def first() -> None:
        async with JsonLinesSink(path) as sink:
            assert sink.write(order("999-100001"))
            assert sink.write(order("999-100003", "0.10"))
            assert not sink.write(order("999-100001"))
            assert sink.pending == 2
            await sink.flush()
            assert sink.pending == 0

    async def second() -> JsonLinesSink:
        async with JsonLinesSink(path) as sink:
            assert sink.existing == 2
            assert "999-100003" in sink
            assert not sink.write(order("999-100003"))
            assert sink.write(order("999-100002"))
        return sink

    anyio.run(first)
    sink = anyio.run(second)
    lines = path.read_text().splitlines()
    assert [json.loads(line)["orderId"] for line in lines] == [
        "999-100001",
        "999-100003",
        "999-100002",
    ]
    assert lines[1].startswith('{"orderId":"999-100003",')
    assert '"grandTotal":0.10' in lines[1]
    assert sink.duplicates == 1
    assert sorted(sink.ids()) == ["999-100001", "999-100002", "999-100003"]


def test_sink_cuts_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text('{"orderId":"999-1","x":1}\n{"orderId":"999-2","x"')

    async def reopen() -> None:
        async with JsonLinesSink(path) as sink:
            assert sink.existing == 1
            assert "999-2" not in sink
            sink.write(order("999-2"))

    anyio.run(reopen)
    ids = [json.loads(line)["orderId"] for line in path.read_text().splitlines()]
    assert ids == ["999-1", "999-2"]


def test_sink_refuses_a_file_that_is_not_orders(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text('{"orderId":"999-1"}\nhello\n{"orderId":"999-2"}\n')

    async def reopen() -> None:
        async with JsonLinesSink(path):
            pass

    with pytest.raises(CheckpointError, match=":2 "):
        anyio.run(reopen)


def test_the_sinks_id_index_keeps_every_kind_of_id_once() -> None:
    from zonos_async._checkpoint import _IdSet

    ids = _IdSet()
    kinds = ["999-5", "999-3", "999-4294967295", "999-4294967296", "999-99999999999", "odd"]
    assert all(ids.add(order_id) for order_id in kinds)
    assert not any(ids.add(order_id) for order_id in kinds)
    assert all(order_id in ids for order_id in kinds)
    assert "999-4" not in ids and "999-4294967297" not in ids
    assert len(ids) == len(kinds)
    assert sorted(ids) == sorted(kinds)


@pytest.mark.parametrize("count", [10, 5_000, 70_000], ids=["sparse", "dense", "two-chunks"])
def test_the_sinks_id_index_agrees_with_a_set(count: int) -> None:
    from random import Random

    from zonos_async._checkpoint import _IdSet

    rng = Random(count)
    numbers = [rng.randrange(60_000, 200_000) for _ in range(count)]
    numbers += numbers[: count // 3]  # some ids come again
    head = numbers[: count // 2]
    rng.shuffle(head)
    numbers[: count // 2] = head  # and the first half out of order
    ids, truth = _IdSet(), set()
    for number in numbers:
        order_id = f"999-{number}"
        assert ids.add(order_id) is (order_id not in truth)
        truth.add(order_id)
    assert len(ids) == len(truth)
    assert set(ids) == truth
    assert all(f"999-{n}" in ids for n in range(59_990, 200_010) if f"999-{n}" in truth)
    assert not any(f"888-{n}" in ids for n in numbers[:100])
