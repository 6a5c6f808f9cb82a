"""Parse cost alone, no I/O: one orderDetail body into ``Order``, and a 100,000-order
``orderNumbers`` answer into ``OrderNumbersPage``, through the same ``protocol`` calls the
session makes (``decode`` then ``parse_order`` / ``parse_order_numbers``).

    python -m benchmarks._parse '{"bodies": {"name": "path"}, "iterations": 3000,
                                  "big_orders": 100000, "big_rounds": 3}'

Prints one JSON line of medians (µs for one order, ms for the big page).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._common import FIRST_ORDER_NUMBER, SECRET, STORE
from zonos_async import protocol

__all__ = ["big_order_numbers_body", "main"]

_STATUSES = ("IGLOBAL_ORDER_IN_PROCESS", "VENDOR_SHIPMENT_READY", "IGLOBAL_FRAUD_REVIEW")


def big_order_numbers_body(count: int) -> bytes:
    """An ``orderNumbers`` answer with ``statuses=true`` and ``count`` orders, as Zonos sends it."""
    orders = []
    for i in range(count):
        seconds = i % 86400
        stamp = f"2026-11-{1 + i % 28:02d} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:"
        stamp += f"{seconds % 60:02d}.0"
        orders.append(
            {
                "testOrder": i % 50 == 0,
                "id": f"{STORE}-{FIRST_ORDER_NUMBER + i}",
                "timestamp": stamp,
                "merchantOrderId": None if i % 3 else f"M{i}",
                "orderStatus": _STATUSES[i % len(_STATUSES)],
                "orderStatusDate": 1793491200000 + i * 1000,
                "orderStatusDateString": stamp,
            }
        )
    tests = sum(1 for o in orders if o["testOrder"])
    page = {
        "totalCount": count,
        "orderCount": count - tests,
        "testOrderCount": tests,
        "orders": orders,
    }
    return json.dumps(page).encode()


def _median_us(fn: Callable[[], Any], iterations: int) -> float:
    for _ in range(min(iterations, 50)):
        fn()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(iterations):
        start = clock()
        fn()
        samples.append(clock() - start)
    return statistics.median(samples) / 1000


def _one_order(body: bytes, iterations: int) -> dict[str, Any]:
    redact = protocol.Credentials.of(STORE, SECRET).redact
    detail = protocol.ORDER_DETAIL
    data = protocol.decode(detail, 200, {}, body, redact)
    order = protocol.parse_order(data, redact)
    return {
        "body_bytes": len(body),
        "items": len(order.items),
        "json_loads_us": _median_us(lambda: json.loads(body), iterations),
        "decode_us": _median_us(lambda: protocol.decode(detail, 200, {}, body, redact), iterations),
        "structure_us": _median_us(lambda: protocol.parse_order(data, redact), iterations),
        "order_us": _median_us(
            lambda: protocol.parse_order(protocol.decode(detail, 200, {}, body, redact), redact),
            iterations,
        ),
    }


def _measure(spec: dict[str, Any]) -> dict[str, Any]:
    iterations = int(spec["iterations"])
    redact = protocol.Credentials.of(STORE, SECRET).redact
    result: dict[str, Any] = {
        "orders": {
            name: _one_order(Path(path).read_bytes(), iterations)
            for name, path in spec["bodies"].items()
        }
    }
    count = int(spec["big_orders"])
    big = big_order_numbers_body(count)
    numbers = protocol.ORDER_NUMBERS
    big_data = protocol.decode(numbers, 200, {}, big, redact)
    page = protocol.parse_order_numbers(big_data, redact)
    assert len(page.orders) == count
    rounds = int(spec["big_rounds"])
    result |= {
        "big_orders": count,
        "big_bytes": len(big),
        "big_decode_ms": _median_us(lambda: protocol.decode(numbers, 200, {}, big, redact), rounds)
        / 1000,
        "big_structure_ms": _median_us(
            lambda: protocol.parse_order_numbers(big_data, redact), rounds
        )
        / 1000,
    }
    result["big_total_ms"] = result["big_decode_ms"] + result["big_structure_ms"]
    return result


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    print(json.dumps(_measure(json.loads(args[0]))), flush=True)


if __name__ == "__main__":
    main()
