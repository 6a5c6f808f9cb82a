"""One module per client. Each exposes ``LABEL``, ``BACKENDS`` and either an async
``open_client(base_url, limit)`` context manager yielding an ``AsyncCall`` or a sync
``open_sync(base_url)`` one yielding a ``SyncCall``. ``CLIENTS`` maps the names run.py uses."""

from __future__ import annotations

from typing import Final

__all__ = ["CLIENTS"]

CLIENTS: Final = {
    "zonos": "benchmarks.clients.zonos",
    "zonos_httpx": "benchmarks.clients.zonos_httpx",
    "httpx": "benchmarks.clients.httpx_raw",
    "aiohttp": "benchmarks.clients.aiohttp_raw",
    "requests": "benchmarks.clients.requests_raw",
    "httpx2": "benchmarks.clients.httpx2_raw",
    "floor": "benchmarks.clients.floor",
    "proto_direct": "benchmarks.clients.proto_direct",
    "proto_transport": "benchmarks.clients.proto_transport",
    "proto_httpcore2": "benchmarks.clients.proto_httpcore2",
    "proto_wire": "benchmarks.clients.proto_wire",
}
