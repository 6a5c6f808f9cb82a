"""An asyncio client for the Zonos (formerly iGlobal Stores) Order API.

Everything public is importable from here, and ``zonos_async.protocol`` is the
sans-I/O core under it; the other modules are private. Each private module's
``__all__`` is its public part, and ``__all__`` here is theirs put together.
"""

from typing import TYPE_CHECKING

from . import _errors, _logs, _models, _retry, _session, _status, protocol
from ._errors import *  # noqa: F403
from ._models import *  # noqa: F403
from ._reconcile import ReconcileReport, reconcile
from ._retry import *  # noqa: F403
from ._session import *  # noqa: F403
from ._status import *  # noqa: F403
from ._sync import (
    FINAL_STATUSES,
    Change,
    ChangeKind,
    ChangeStream,
    ImportStats,
    LeaseHeldError,
    LeaseLostError,
    OrderStream,
    Store,
    StoreError,
    SyncError,
    SyncResult,
    SyncState,
    SyncStats,
    TestOrders,
    import_orders,
    sync,
    sync_changes,
)
from ._version import __version__

if TYPE_CHECKING:
    from ._sync._sql import SqlStore


def __getattr__(name: str) -> object:
    # SqlStore imports SQLAlchemy: only on first use, so web apps that never sync skip it.
    if name == "SqlStore":
        from ._sync._sql import SqlStore

        return SqlStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The sync's and the reconciliation's names (the _sync package's __all__ also lists the pieces
# a custom Store needs, which stay importable from there).
__all__ = [
    "FINAL_STATUSES",
    "Change",
    "ChangeKind",
    "ChangeStream",
    "ImportStats",
    "LeaseHeldError",
    "LeaseLostError",
    "OrderStream",
    "ReconcileReport",
    "SqlStore",
    "Store",
    "StoreError",
    "SyncError",
    "SyncResult",
    "SyncState",
    "SyncStats",
    "TestOrders",
    "__version__",
    "import_orders",
    "protocol",
    "reconcile",
    "sync",
    "sync_changes",
]
__all__ += _errors.__all__
__all__ += _models.__all__
__all__ += _retry.__all__
__all__ += _session.__all__
__all__ += _status.__all__
__all__.sort()

_logs.configure_from_environment()
