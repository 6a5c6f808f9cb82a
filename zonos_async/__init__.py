"""An asyncio client for the Zonos (formerly iGlobal Stores) Order API.

Everything public is importable from here; the modules behind it are private.
"""

from typing import TYPE_CHECKING

from ._converter import make_converter
from ._errors import (
    ConflictingParametersError,
    InvalidCredentialsError,
    InvalidOrderIdError,
    InvalidPostBodyError,
    InvalidRequestError,
    InvalidStatusError,
    MissingParameterError,
    NotAcceptableError,
    OrderCancelledError,
    OrderNotFoundError,
    RateLimitedError,
    ResponseParseError,
    ServerError,
    SessionStateError,
    StatusNotAllowedError,
    StatusNotSettableError,
    StatusTransitionError,
    StatusUnchangedError,
    UnexpectedResponseError,
    UnexpectedStatusError,
    UnknownStatusError,
    UnsupportedMediaTypeError,
    ZonosAPIError,
    ZonosConnectionError,
    ZonosError,
    ZonosProcessingError,
    ZonosTimeoutError,
    ZonosTransportError,
)
from ._models import (
    Address,
    Item,
    Note,
    Order,
    OrderNumbersPage,
    OrderSummary,
    Payment,
    PromoCode,
    UpdateResult,
)
from ._reconcile import ReconcileReport, reconcile
from ._retry import RetryDetails, RetryPolicy
from ._session import (
    DEFAULT_BASE_URL,
    DEFAULT_LIMITS,
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    UNSET,
    HttpBackendName,
    Session,
)
from ._status import OrderStatus, SetBy
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


__all__ = [
    "ReconcileReport",
    "TestOrders",
    "OrderStream",
    "ImportStats",
    "FINAL_STATUSES",
    "Change",
    "ChangeKind",
    "ChangeStream",
    "LeaseHeldError",
    "LeaseLostError",
    "SqlStore",
    "Store",
    "StoreError",
    "SyncError",
    "SyncResult",
    "SyncState",
    "SyncStats",
    "sync",
    "sync_changes",
    "DEFAULT_BASE_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "UNSET",
    "Address",
    "HttpBackendName",
    "ConflictingParametersError",
    "InvalidCredentialsError",
    "InvalidOrderIdError",
    "InvalidPostBodyError",
    "InvalidRequestError",
    "InvalidStatusError",
    "Item",
    "MissingParameterError",
    "NotAcceptableError",
    "Note",
    "Order",
    "OrderCancelledError",
    "OrderNotFoundError",
    "OrderNumbersPage",
    "OrderStatus",
    "OrderSummary",
    "Payment",
    "PromoCode",
    "RateLimitedError",
    "ResponseParseError",
    "RetryDetails",
    "RetryPolicy",
    "ServerError",
    "Session",
    "SessionStateError",
    "SetBy",
    "StatusNotAllowedError",
    "StatusNotSettableError",
    "StatusTransitionError",
    "StatusUnchangedError",
    "UnexpectedResponseError",
    "UnexpectedStatusError",
    "UnknownStatusError",
    "UnsupportedMediaTypeError",
    "UpdateResult",
    "ZonosAPIError",
    "ZonosConnectionError",
    "ZonosError",
    "ZonosProcessingError",
    "ZonosTimeoutError",
    "ZonosTransportError",
    "__version__",
    "import_orders",
    "make_converter",
    "reconcile",
]
