"""Hand-written httpx2 (the maintained fork of httpx, imported as ``httpx2``).

The same code as ``httpx_raw``: ``AsyncClient.post`` + ``json.loads``, keep-alive for all.
"""

from __future__ import annotations

from typing import Final

import httpx2

from benchmarks.clients.httpx_raw import client_of

__all__ = ["BACKENDS", "LABEL", "open_client"]

LABEL: Final = "hand-written httpx2 (`AsyncClient.post` + `json.loads`)"
BACKENDS: Final = ("asyncio", "trio")

open_client: Final = client_of(httpx2)
