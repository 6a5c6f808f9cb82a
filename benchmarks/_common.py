"""What every part of the harness agrees on: the store, its secret and the order ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

__all__ = [
    "FIRST_ORDER_NUMBER",
    "FIXTURES",
    "HEADERS",
    "ORDER_DETAIL_PATH",
    "ROOT",
    "SECRET",
    "STORE",
    "AsyncCall",
    "SyncCall",
    "detail_body",
    "order_ids",
    "pinned",
    "run_pinned",
]

ROOT: Final = Path(__file__).resolve().parent.parent
FIXTURES: Final = ROOT / "tests" / "fixtures"
STORE: Final = 999
SECRET: Final = "f5bde245-f55e-414d-b722-80b25161c12c"
FIRST_ORDER_NUMBER: Final = 100001
ORDER_DETAIL_PATH: Final = "/v2/orderDetail"
HEADERS: Final = {"Accept": "application/json", "Content-Type": "application/json"}

AsyncCall = Callable[[str], Awaitable[Any]]
"""One ``orderDetail`` call by order id, returning whatever the client parses the answer into."""
SyncCall = Callable[[str], Any]


def order_ids(count: int, orders: int) -> list[str]:
    """``count`` order ids cycling over the first ``orders`` orders of the fake."""
    return [f"{STORE}-{FIRST_ORDER_NUMBER + i % orders}" for i in range(count)]


def detail_body(order_id: str) -> bytes:
    """The request body a hand-written client sends (what the vendor's examples send)."""
    payload = {"store": str(STORE), "secret": SECRET, "orderId": order_id}
    return json.dumps(payload, separators=(",", ":")).encode()


def pinned(cpus: set[int] | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` that pins a child process to ``cpus`` (None: no pinning)."""
    return None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))


def run_pinned(
    module: str, spec: dict[str, Any], cpus: set[int] | None, timeout: float
) -> dict[str, Any]:
    """``python -m module '<spec as JSON>'`` in a fresh pinned process: its last output line.

    Never raises: a timeout or a failed process becomes ``{"error": <what it said last>}``.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-m", module, json.dumps(spec)],
            cwd=ROOT, capture_output=True, timeout=timeout, preexec_fn=pinned(cpus), check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        return {"error": tail[0]}
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result
