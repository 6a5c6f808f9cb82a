"""Every error the library raises, under one root.

::

    ZonosError
    ├── InvalidRequestError (also ValueError)   refused before anything was sent
    ├── SessionStateError (also RuntimeError)   session not open, or already closed
    ├── ZonosTransportError                     no HTTP answer at all
    │   ├── ZonosTimeoutError
    │   └── ZonosConnectionError
    ├── UnexpectedResponseError                 an answer we cannot use
    │   ├── UnexpectedStatusError               an HTTP status with no {"error": ...} body
    │   │   ├── NotAcceptableError              406 (the Accept header)
    │   │   ├── UnsupportedMediaTypeError       415 (the Content-Type header)
    │   │   ├── RateLimitedError                429
    │   │   └── ServerError                     5xx
    │   └── ResponseParseError                  not JSON, or not the documented shape
    ├── ZonosAPIError                           Zonos answered {"error": "..."}
    │   ├── InvalidCredentialsError
    │   ├── InvalidPostBodyError
    │   ├── MissingParameterError
    │   ├── ConflictingParametersError
    │   ├── InvalidOrderIdError
    │   ├── OrderNotFoundError
    │   ├── OrderCancelledError
    │   ├── StatusUnchangedError
    │   ├── StatusTransitionError
    │   ├── StatusNotAllowedError
    │   ├── InvalidStatusError
    │   │   ├── StatusNotSettableError
    │   │   └── UnknownStatusError
    │   └── ZonosProcessingError                Zonos' generic "Could not process ..."
    └── SyncError                               the sync cannot go on (sync, SqlStore)
        ├── LeaseHeldError                      another run syncs this store now
        ├── LeaseLostError                      this run's lease ran out and was taken
        └── StoreError                          the store failed; its transaction rolled back

Messages never contain the API secret: every text that came from the network is
passed through the session's redaction before it lands in an exception.
"""

from __future__ import annotations

from typing import ClassVar

from ._status import OrderStatus

__all__ = [
    "ConflictingParametersError",
    "InvalidCredentialsError",
    "InvalidOrderIdError",
    "InvalidPostBodyError",
    "InvalidRequestError",
    "InvalidStatusError",
    "MissingParameterError",
    "NotAcceptableError",
    "OrderCancelledError",
    "OrderNotFoundError",
    "RateLimitedError",
    "ResponseParseError",
    "ServerError",
    "SessionStateError",
    "StatusNotAllowedError",
    "StatusNotSettableError",
    "StatusTransitionError",
    "StatusUnchangedError",
    "UnexpectedResponseError",
    "UnexpectedStatusError",
    "UnknownStatusError",
    "UnsupportedMediaTypeError",
    "ZonosAPIError",
    "ZonosConnectionError",
    "ZonosError",
    "ZonosProcessingError",
    "ZonosTimeoutError",
    "ZonosTransportError",
]


class ZonosError(Exception):
    """The root of every error this library raises."""


class InvalidRequestError(ZonosError, ValueError):
    """A call's arguments are wrong; nothing was sent."""


class SessionStateError(ZonosError, RuntimeError):
    """The session is used outside ``async with``, or after it was closed."""


class ZonosTransportError(ZonosError):
    """No HTTP answer arrived (the request may or may not have reached Zonos).

    Attributes:
        endpoint: The endpoint called, e.g. ``"orderDetail"``.
    """

    def __init__(self, message: str, *, endpoint: str) -> None:
        super().__init__(message)
        self.endpoint = endpoint


class ZonosTimeoutError(ZonosTransportError):
    """The call took longer than its timeout."""


class ZonosConnectionError(ZonosTransportError):
    """The connection failed, was refused or was dropped."""


class UnexpectedResponseError(ZonosError):
    """Zonos (or something in between) answered, but not in a way we can use.

    Attributes:
        endpoint: The endpoint called.
        status_code: The HTTP status of the answer.
        excerpt: The start of the body, secret redacted, for the log.
    """

    def __init__(self, message: str, *, endpoint: str, status_code: int, excerpt: str) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status_code = status_code
        self.excerpt = excerpt


class UnexpectedStatusError(UnexpectedResponseError):
    """An HTTP status other than the documented ones, with no ``{"error": ...}`` body."""


class NotAcceptableError(UnexpectedStatusError):
    """HTTP 406: Zonos refused the ``Accept`` header."""


class UnsupportedMediaTypeError(UnexpectedStatusError):
    """HTTP 415: Zonos refused the ``Content-Type`` header."""


class RateLimitedError(UnexpectedStatusError):
    """HTTP 429. ``retry_after`` holds the seconds Zonos asked us to wait, when it said."""

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        status_code: int,
        excerpt: str,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint, status_code=status_code, excerpt=excerpt)
        self.retry_after = retry_after


class ServerError(UnexpectedStatusError):
    """HTTP 5xx with no ``{"error": ...}`` body: Zonos or a proxy failed."""


class ResponseParseError(UnexpectedResponseError):
    """The body is not JSON, or not the shape the endpoint documents.

    ``problems`` lists each field that did not fit, as ``"... @ $.orders[3].id"``.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        status_code: int,
        excerpt: str,
        problems: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, endpoint=endpoint, status_code=status_code, excerpt=excerpt)
        self.problems = problems


class ZonosAPIError(ZonosError):
    """Zonos answered ``{"error": "..."}``.

    An error text this library does not recognise raises this class itself, so
    ``except ZonosAPIError`` catches every answer Zonos gives as an error.

    Attributes:
        endpoint: The endpoint called, e.g. ``"updateVendorOrderStatus"``.
        message: Zonos' error text, exactly as sent.
        status_code: 200 on v1 endpoints, 400 on v2 ``orderDetail``.
        order_id: The order id the message names, when it names one.
    """

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        status_code: int = 200,
        order_id: str | None = None,
    ) -> None:
        super().__init__(f"{endpoint}: {message}")
        self.endpoint = endpoint
        self.message = message
        self.status_code = status_code
        self.order_id = order_id


class InvalidCredentialsError(ZonosAPIError):
    """``Invalid security credentials``: the store id and secret do not match."""


class InvalidPostBodyError(ZonosAPIError):
    """``could not parse input`` (v1) or ``Invalid post body`` (v2)."""


class MissingParameterError(ZonosAPIError):
    """A ``Parameter ... is required`` message; ``parameter`` names the field(s)."""

    parameter: str | None = None


class ConflictingParametersError(ZonosAPIError):
    """``Cannot specify both Parameters ...``; ``parameter`` names the pair."""

    parameter: str | None = None


class InvalidOrderIdError(ZonosAPIError):
    """``orderId: ... is not a valid orderId``."""


class OrderNotFoundError(ZonosAPIError):
    """No such order (``Could not find``/``Could not retrieve``/``Couldn't find``).

    ``reference_id`` is set instead of ``order_id`` for a lookup by reference.
    """

    reference_id: str | None = None


class OrderCancelledError(ZonosAPIError):
    """``OrderId: ... has already been cancelled and status cannot be updated. ...``."""


class _StatusError(ZonosAPIError):
    current_status: OrderStatus | None = None
    requested_status: OrderStatus | None = None


class StatusUnchangedError(_StatusError):
    """``OrderId: ... already has current status: ...``; ``current_status`` is that status."""


class StatusTransitionError(_StatusError):
    """``... cannot be moved to order status: NEW while in status: CURRENT``."""


class StatusNotAllowedError(_StatusError):
    """``Cannot update order status to status: ...`` (e.g. cancellation requests not allowed)."""


class InvalidStatusError(_StatusError):
    """Zonos rejected the requested status itself."""


class StatusNotSettableError(InvalidStatusError):
    """``Cannot update order status to invalid status: ...``."""


class UnknownStatusError(InvalidStatusError):
    """``New Status: ... is not a valid order status``."""


class ZonosProcessingError(ZonosAPIError):
    """Zonos' generic internal failure, ``Could not process ...``; worth a retry."""

    retryable: ClassVar[bool] = True
