"""An in-memory fake of the Zonos Order API, for tests, demos and load runs.

``FakeZonos`` keeps orders and applies the documented rules (and our documented guesses, see
``zonos_async.testing._fake``); talk to it through :meth:`FakeZonos.transport` (httpx, in
memory), :attr:`FakeZonos.asgi_app` (any ASGI server) or :meth:`FakeZonos.serve` (uvicorn on
loopback, extra ``fake-server``; :meth:`FakeZonos.serve_in_thread` for synchronous code).
``Faults`` makes it misbehave, reproducibly; a ``Lifecycle`` keeps orders arriving and statuses
changing as the fake's clock moves (``FakeClock(ticking=True, speed=3600)`` for an hour a
second).

Example::

    from zonos_async.testing import FakeZonos

    fake = FakeZonos.seeded(orders=200, seed=1)
    async with httpx.AsyncClient(
        transport=fake.transport(), base_url="https://api.iglobalstores.com"
    ) as http:
        ...

From a shell: ``python -m zonos_async.testing --port 8080 --orders 1000`` (it prints the URL,
store and secret to use), and with orders arriving and moving on:
``... --orders-per-hour 600 --speed 60``. With pytest, the fixtures ``zonos_fake`` and
``zonos_session`` of ``zonos_async.testing.pytest_plugin`` are there without an import.
"""

from ._data import java_timestamp
from ._fake import (
    BLOCKED_STATUSES,
    DOC_SECRET,
    DOC_STORE,
    KNOWN_STATUSES,
    VENDOR_STATUSES,
    FakeCall,
    FakeClock,
    FakeResponse,
    FakeZonos,
    StatusChange,
)
from ._faults import ENDPOINTS, FaultDecision, Faults
from ._lifecycle import Lifecycle

__all__ = [
    "BLOCKED_STATUSES",
    "DOC_SECRET",
    "DOC_STORE",
    "ENDPOINTS",
    "KNOWN_STATUSES",
    "VENDOR_STATUSES",
    "FakeCall",
    "FakeClock",
    "FakeResponse",
    "FakeZonos",
    "FaultDecision",
    "Faults",
    "Lifecycle",
    "StatusChange",
    "java_timestamp",
]
