"""Resumable imports: how far an import got, and a sink that never writes an order twice.

The exactly-once contract is delivered by two pieces together, in this order:

1. the consumer writes each order to its sink, then makes the sink durable
   (:meth:`JsonLinesSink.flush` writes, flushes and fsyncs);
2. only then it calls :meth:`~zonos_async.OrderStream.commit`, which saves a
   :class:`CheckpointState` marking every order received so far as done.

A crash between 1 and 2 leaves orders in the sink that the checkpoint does not
know about: the next run fetches them again and the sink drops them, because it
reads the ids already in its file when it opens. A crash before 1 loses nothing
the checkpoint claims. A crash during 2 leaves the previous checkpoint, thanks to
the atomic write (temporary file in the same directory, fsync, ``os.replace``,
fsync of the directory).

Details finish out of order, so a checkpoint records the highest *contiguous*
completed point (every order up to it, in import order, is done) plus the ids
completed beyond it. A resumed import re-reads from the contiguous point's day
(an overlap) and skips what the checkpoint says is done.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import re
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Protocol, runtime_checkable

import anyio.to_thread
from attrs import field, frozen

from ._errors import ZonosError
from ._models import Order

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "CheckpointState",
    "FileCheckpoint",
    "JsonLinesSink",
    "dumps_exact",
]

STATE_VERSION: Final = 1


class CheckpointError(ZonosError):
    """A checkpoint or sink file cannot be read, or does not fit the import asked for."""


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


@frozen
class CheckpointState:
    """How far an import got. Small: it never holds more than the in-flight window of ids.

    Exactly one of ``since`` (a date-window import) or ``since_order_id`` (an
    import of the orders after one order) is set, or neither (an import of the
    orders missing a merchant order id). ``until`` is the fixed last day, or
    ``None`` for "today, whenever the import runs".

    ``last_id``/``last_day`` are the contiguous point: every order up to and
    including ``last_id`` in import order (by placement day, then by number) is
    done. ``done`` holds the ids completed beyond it. ``filters`` fingerprints
    the filters the import used: resuming with different ones is refused, since
    an order a filter skipped counts as done.
    """

    since: date | None = None
    until: date | None = None
    since_order_id: str | None = None
    last_id: str | None = None
    last_day: date | None = None
    done: tuple[str, ...] = field(default=(), converter=_ids)
    filters: str = ""

    def to_json(self) -> dict[str, Any]:
        """The state as a JSON object (dates as ISO strings)."""
        return {
            "version": STATE_VERSION,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "since_order_id": self.since_order_id,
            "last_id": self.last_id,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "done": list(self.done),
            "filters": self.filters,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckpointState:
        """Read what :meth:`to_json` wrote.

        Raises:
            CheckpointError: Not a checkpoint of a version this library understands.
        """
        if not isinstance(data, Mapping) or data.get("version") != STATE_VERSION:
            raise CheckpointError(f"not a version {STATE_VERSION} checkpoint")
        done = data.get("done") or []
        if not isinstance(done, list) or not all(isinstance(i, str) for i in done):
            raise CheckpointError("the checkpoint is malformed: done must be a list of order ids")
        try:
            return cls(
                since=_day(data.get("since")),
                until=_day(data.get("until")),
                since_order_id=_text(data.get("since_order_id")),
                last_id=_text(data.get("last_id")),
                last_day=_day(data.get("last_day")),
                done=done,
                filters=str(data.get("filters") or ""),
            )
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"the checkpoint is malformed: {exc}") from None


def _day(value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO date, got {value!r}")
    return date.fromisoformat(value)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


@runtime_checkable
class Checkpoint(Protocol):
    """Where an import keeps its :class:`CheckpointState` between runs.

    ``save`` must be atomic: after a crash, ``load`` returns the previous or the
    new state, never a mix. Implement it over a file (:class:`FileCheckpoint`), a
    database row or a key in a store.
    """

    async def load(self) -> CheckpointState | None:
        """The last saved state, or ``None`` before the first save."""
        ...

    async def save(self, state: CheckpointState) -> None:
        """Replace the saved state with ``state``, durably."""
        ...


class FileCheckpoint:
    """A :class:`Checkpoint` in a small JSON file, replaced atomically on every save.

    Example::

        checkpoint = FileCheckpoint("orders.jsonl.checkpoint.json")
        async with session.import_orders(since=day, checkpoint=checkpoint) as orders: ...
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"FileCheckpoint({str(self.path)!r})"

    async def load(self) -> CheckpointState | None:
        """The saved state, ``None`` when the file does not exist.

        Raises:
            CheckpointError: The file is not a checkpoint.
        """
        return await anyio.to_thread.run_sync(self.load_sync)

    async def save(self, state: CheckpointState) -> None:
        """Write ``state`` to a temporary file beside the checkpoint, fsync it, rename it over."""
        await anyio.to_thread.run_sync(self.save_sync, state)

    def load_sync(self) -> CheckpointState | None:
        """:meth:`load`, blocking."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CheckpointError(f"cannot read checkpoint {self.path}: {exc}") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise CheckpointError(f"checkpoint {self.path} is not JSON") from None
        try:
            return CheckpointState.from_json(data)
        except CheckpointError as exc:
            raise CheckpointError(f"checkpoint {self.path}: {exc}") from None

    def save_sync(self, state: CheckpointState) -> None:
        """:meth:`save`, blocking."""
        payload = json.dumps(state.to_json(), indent=1).encode() + b"\n"
        directory = self.path.parent if str(self.path.parent) else Path(".")
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    # The rename is only durable once the directory entry is; not possible on Windows.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- JSON with exact numbers ------------------------------------------------------------------


def _encode(value: object, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as JSON")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(json.dumps(value))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


_PLACEHOLDER = re.compile(r'"\\u0000([-+.0-9Ee]+)\\u0000"')


def dumps_exact(value: object) -> str:
    """Compact JSON in which a ``Decimal`` is written as the number it is, digit for digit.

    ``json.dumps`` would need floats (and lose ``12.10``'s trailing zero, or worse); Zonos'
    money is read as ``Decimal`` and goes back out unchanged.
    """
    # Fast path: the C encoder walks the object; each Decimal becomes a NUL-fenced string
    # that is then unquoted. Text that already held such a fence falls back to the slow path.
    count = 0

    def fence(item: object) -> object:
        nonlocal count
        if isinstance(item, Decimal) and item.is_finite():
            count += 1
            return f"\x00{item}\x00"
        if isinstance(item, Mapping):
            return dict(item)
        raise TypeError(f"cannot write {type(item).__name__} as JSON")

    text = json.dumps(
        value, default=fence, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    if count == 0 and "\\u0000" not in text:
        return text
    result, replaced = _PLACEHOLDER.subn(r"\1", text)
    if replaced == count and "\\u0000" not in result:
        return result
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


# --- The JSON Lines sink ----------------------------------------------------------------------

_LEADING_ID = re.compile(rb'\{"orderId":("(?:[^"\\]|\\.)*")')
_FULL_ID = re.compile(r"(\d+)-(\d+)")


_MAX_PACKED: Final = 2**32
_CHUNK_BITS: Final = 16
_LOW_MASK: Final = (1 << _CHUNK_BITS) - 1
_DENSE: Final = 4096
"""A chunk holding more numbers than this is a bitmap (8 KB) instead of a 2-byte list."""


class _Chunk:
    """The numbers that share their high 16 bits: a sorted 2-byte list, or a bitmap when dense."""

    __slots__ = ("bits", "low")

    def __init__(self) -> None:
        self.low: array[int] | None = array("H")
        self.bits: bytearray | None = None

    def __contains__(self, low: int) -> bool:
        if self.bits is not None:
            return bool(self.bits[low >> 3] & (1 << (low & 7)))
        assert self.low is not None
        index = bisect.bisect_left(self.low, low)
        return index < len(self.low) and self.low[index] == low

    def __iter__(self) -> Iterator[int]:
        if self.bits is None:
            assert self.low is not None
            yield from self.low
            return
        for index, byte in enumerate(self.bits):
            if byte:
                yield from (index * 8 + bit for bit in range(8) if byte >> bit & 1)

    def add(self, low: int) -> bool:
        if self.bits is not None:
            mask = 1 << (low & 7)
            if self.bits[low >> 3] & mask:
                return False
            self.bits[low >> 3] |= mask
            return True
        numbers = self.low
        assert numbers is not None
        if not numbers or numbers[-1] < low:  # ids arrive nearly in ascending order
            numbers.append(low)
        else:
            index = bisect.bisect_left(numbers, low)
            if index < len(numbers) and numbers[index] == low:
                return False
            numbers.insert(index, low)
        if len(numbers) > _DENSE:
            self.bits = bytearray((_LOW_MASK + 1) // 8)
            for each in numbers:
                self.bits[each >> 3] |= 1 << (each & 7)
            self.low = None
        return True


class _IdSet:
    """Order ids in at most 2 bytes each (1 bit each where they are dense), by store prefix.

    A 100,000-order file would need ~9 MB as a set of strings, and a sink's memory
    would then grow with its file. Numbers are split by their high 16 bits into
    chunks, each a sorted 2-byte list or, past 4,096 numbers, an 8 KB bitmap.
    Numbers of 2**32 and more (none seen in practice) are kept as strings.
    """

    def __init__(self) -> None:
        self._chunks: dict[tuple[str, int], _Chunk] = {}
        self._other: set[str] = set()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[str]:
        for (prefix, high), chunk in sorted(self._chunks.items()):
            yield from (f"{prefix}-{high << _CHUNK_BITS | low}" for low in chunk)
        yield from self._other

    def _split(self, order_id: str) -> tuple[tuple[str, int], int] | None:
        match = _FULL_ID.fullmatch(order_id)
        if match is None or len(match.group(2)) > 10:
            return None
        number = int(match.group(2))
        if number >= _MAX_PACKED:
            return None
        return (match.group(1), number >> _CHUNK_BITS), number & _LOW_MASK

    def __contains__(self, order_id: str) -> bool:
        split = self._split(order_id)
        if split is None:
            return order_id in self._other
        chunk = self._chunks.get(split[0])
        return chunk is not None and split[1] in chunk

    def add(self, order_id: str) -> bool:
        """Add; ``False`` when it was already there."""
        split = self._split(order_id)
        if split is None:
            if order_id in self._other:
                return False
            self._other.add(order_id)
        else:
            chunk = self._chunks.get(split[0])
            if chunk is None:
                chunk = self._chunks[split[0]] = _Chunk()
            if not chunk.add(split[1]):
                return False
        self._count += 1
        return True


class JsonLinesSink:
    """Orders appended to a JSON Lines file, one ``Order.raw`` object a line, each id once.

    On open it reads the ids already in the file (and cuts off a last line left
    half-written by a crash), so writing an order that is already there does
    nothing. :meth:`write` buffers; :meth:`flush` appends the buffer, flushes and
    fsyncs. Call ``flush`` *before* committing the import's checkpoint: that
    order is what makes the pair exactly-once (see the module docs).

    Each line starts with ``"orderId"``, then the order's keys as Zonos sent
    them; money is written as exact JSON numbers.

    Example::

        async with JsonLinesSink("orders.jsonl") as sink:
            async with session.import_orders(since=day, checkpoint=checkpoint) as orders:
                async for order in orders:
                    sink.write(order)
                    if sink.pending >= 500:
                        await sink.flush()
                        await orders.commit()
                await sink.flush()
                await orders.commit()

    Raises:
        CheckpointError: On open, when a line other than the last is not an order.
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.path = Path(path)
        self._fsync = fsync
        self._ids = _IdSet()
        self._buffer: list[str] = []
        self._handle: IO[bytes] | None = None
        self.existing = 0
        """Orders already in the file when it was opened."""
        self.written = 0
        """Orders appended by this sink (flushed or not)."""
        self.duplicates = 0
        """Orders :meth:`write` dropped because the file already had them."""

    def __repr__(self) -> str:
        return f"JsonLinesSink({str(self.path)!r})"

    @property
    def pending(self) -> int:
        """Orders written but not yet flushed."""
        return len(self._buffer)

    def __contains__(self, order_id: object) -> bool:
        return isinstance(order_id, str) and order_id in self._ids

    async def __aenter__(self) -> JsonLinesSink:
        await anyio.to_thread.run_sync(self.open_sync)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with anyio.CancelScope(shield=True):
            await self.aclose()

    def open_sync(self) -> None:
        """Read the ids already in the file and open it for appending (blocking)."""
        if self._handle is not None:
            raise CheckpointError(f"{self!r} is already open")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "ab", buffering=0)  # noqa: SIM115 (closed in aclose)
        try:
            self._scan(handle)
        except BaseException:
            handle.close()
            raise
        self._handle = handle

    def _scan(self, handle: IO[bytes]) -> None:
        good_end = 0
        with open(self.path, "rb") as reader:  # buffered: the append handle is not
            for line_number, line in enumerate(reader, start=1):
                if not line.endswith(b"\n"):
                    break  # a torn last line, cut below
                order_id = _line_id(line)
                if order_id is None:
                    if line.strip():
                        raise CheckpointError(
                            f"{self.path}:{line_number} is not a JSON order object with an orderId"
                        )
                elif self._ids.add(order_id):
                    self.existing += 1
                good_end += len(line)
        handle.seek(0, os.SEEK_END)
        if handle.tell() != good_end:
            handle.truncate(good_end)
            os.fsync(handle.fileno())
        handle.seek(0, os.SEEK_END)

    def write(self, order: Order) -> bool:
        """Buffer ``order``'s line; ``False`` (and nothing written) when the file has it already."""
        if not self._ids.add(order.id):
            self.duplicates += 1
            return False
        raw: Mapping[str, Any] = order.raw or {"orderId": order.id}
        body = {"orderId": order.id, **{k: v for k, v in raw.items() if k != "orderId"}}
        self._buffer.append(dumps_exact(body) + "\n")
        self.written += 1
        return True

    async def flush(self) -> None:
        """Append the buffered lines, flush and fsync. Not cancellable half-way."""
        if not self._buffer:
            return
        data = "".join(self._buffer).encode()
        self._buffer.clear()
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._append, data)

    def _append(self, data: bytes) -> None:
        if self._handle is None:
            raise CheckpointError(f"{self!r} is not open; use 'async with'")
        view = memoryview(data)
        while view:
            count = self._handle.write(view)
            view = view[count or 0 :]
        if self._fsync:
            os.fsync(self._handle.fileno())

    async def aclose(self) -> None:
        """Flush what is buffered and close the file."""
        if self._handle is None:
            return
        try:
            await self.flush()
        finally:
            handle, self._handle = self._handle, None
            handle.close()

    def ids(self) -> Sequence[str]:
        """Every order id in the file (and written since), for reconciliation."""
        return list(self._ids)


def _line_id(line: bytes) -> str | None:
    match = _LEADING_ID.match(line)
    if match is not None:
        value = json.loads(match.group(1))
        return value if isinstance(value, str) else None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if isinstance(data, dict):
        value = data.get("orderId")
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None
