"""The vendor's style: ``requests.post`` per call, sequential, a new connection each time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import requests

from benchmarks._common import HEADERS, ORDER_DETAIL_PATH, SyncCall, detail_body

__all__ = ["BACKENDS", "LABEL", "open_sync"]

LABEL: Final = "vendor style (`requests.post` per call, sequential)"
BACKENDS: Final = ("sync",)


@contextmanager
def open_sync(base_url: str) -> Iterator[SyncCall]:
    url = base_url + ORDER_DETAIL_PATH

    def call(order_id: str) -> Any:
        response = requests.post(url, data=detail_body(order_id), headers=HEADERS, timeout=30)
        response.raise_for_status()
        return json.loads(response.content)

    yield call
