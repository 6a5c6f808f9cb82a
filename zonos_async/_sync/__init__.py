"""The sync into a store of record, and the listing/detail pipeline under it.

- ``_pipeline``: ``import_orders``, the bounded concurrent ``orderNumbers`` ->
  ``orderDetail`` pipeline, for code that brings its own sink.
- ``_engine``: ``sync``/``sync_changes``, one run of the sync (lease, plan, fetch, write,
  deliver).
- ``_model``: what the sync hands out (``Change``, ``SyncResult``) and the ``Store``
  protocol it needs.
- ``_sql`` + ``_schema`` + ``migrations/``: ``SqlStore``, the store on SQLAlchemy Core.
- ``_json``: JSON with exact money.

Dependencies point one way: pipeline <- engine <- store implementations; ``Session`` knows
none of this.
"""

from ._engine import (
    DEFAULT_HORIZON_DAYS,
    DEFAULT_LEASE_SECONDS,
    DEFAULT_TRAILING_DAYS,
    ChangeStream,
    OnChange,
    SyncSource,
    SyncStats,
    sync,
    sync_changes,
)
from ._json import dumps_exact
from ._model import (
    FINAL_STATUSES,
    Change,
    ChangeKind,
    Fetched,
    Held,
    LeaseHeldError,
    LeaseLostError,
    PlanFacts,
    Store,
    StoreError,
    SyncError,
    SyncResult,
    SyncState,
)
from ._pipeline import ImportStats, OrderSource, OrderStream, TestOrders, import_orders

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "DEFAULT_LEASE_SECONDS",
    "DEFAULT_TRAILING_DAYS",
    "FINAL_STATUSES",
    "Change",
    "ChangeKind",
    "ChangeStream",
    "Fetched",
    "Held",
    "ImportStats",
    "LeaseHeldError",
    "LeaseLostError",
    "OnChange",
    "OrderSource",
    "OrderStream",
    "PlanFacts",
    "Store",
    "StoreError",
    "SyncError",
    "SyncResult",
    "SyncSource",
    "SyncState",
    "SyncStats",
    "TestOrders",
    "dumps_exact",
    "import_orders",
    "sync",
    "sync_changes",
]
