"""An asyncio client for the Zonos (formerly iGlobal Stores) Order API.

Everything public is importable from here, and ``zonos_async.protocol`` is the
sans-I/O core under it; the other modules are private. Each private module's
``__all__`` is its public part, and ``__all__`` here is theirs put together.
"""

from . import _errors, _logs, _models, _retry, _session, _status, protocol
from ._checkpoint import (
    Checkpoint,
    CheckpointError,
    CheckpointState,
    FileCheckpoint,
    JsonLinesSink,
)
from ._errors import *  # noqa: F403
from ._models import *  # noqa: F403
from ._pipeline import ImportStats, OrderStream, TestOrders, import_orders
from ._reconcile import ReconcileReport, reconcile
from ._retry import *  # noqa: F403
from ._session import *  # noqa: F403
from ._status import *  # noqa: F403
from ._version import __version__

# The importer's names (its modules' __all__ list private helpers too; the sync replaces them).
__all__ = [
    "Checkpoint",
    "CheckpointError",
    "CheckpointState",
    "FileCheckpoint",
    "ImportStats",
    "JsonLinesSink",
    "OrderStream",
    "ReconcileReport",
    "TestOrders",
    "__version__",
    "import_orders",
    "protocol",
    "reconcile",
]
__all__ += _errors.__all__
__all__ += _models.__all__
__all__ += _retry.__all__
__all__ += _session.__all__
__all__ += _status.__all__
__all__.sort()

_logs.configure_from_environment()
