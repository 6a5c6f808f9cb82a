"""Every error the library raises, under one root.

::

    ZonosError
    ├── InvalidRequestError (also ValueError)   refused before anything was sent
    ├── SessionStateError (also RuntimeError)   session not open, or already closed
    ├── ZonosTransportError                     no HTTP answer at all
    │   ├── ZonosTimeoutError
    │   └── ZonosConnectionError
    ├── UnexpectedResponseError                 an answer we cannot use
    │   ├── UnexpectedStatusError               a status other than 200 (or 400 with {"error": ...})
    │   │   ├── RateLimitedError                429
    │   │   └── ServerError                     5xx
    │   ├── ResponseParseError                  not JSON, or not the documented shape
    │   ├── ResponseTooLargeError               over the session's max_response_bytes
    │   └── OrderMismatchError                  the answer is about another order
    ├── ZonosAPIError                           Zonos refused the call: {"error": "..."}
    │   ├── InvalidCredentialsError
    │   ├── OrderNotFoundError
    │   ├── OrderCancelledError
    │   ├── StatusUnchangedError
    │   ├── StatusTransitionError
    │   ├── StatusNotAllowedError
    │   ├── ZonosProcessingError                Zonos' generic "Could not process ...": retried
    │   └── RequestRejectedError                the request itself (a bug: never expected)
    └── SyncError                               the sync cannot go on (defined in _sync)
        ├── LeaseHeldError                      another run syncs this store now
        ├── LeaseLostError                      this run's lease ran out and was taken
        └── StoreError                          the store failed; its transaction rolled back

Only the classes a caller can act on differently have their own name: every
rejection of the request itself (a body Zonos cannot parse, a missing or
conflicting parameter, a malformed order id or status, HTTP 406/415 about the
headers) is one ``RequestRejectedError``, because the library checks all of
these before it sends, so seeing one means a bug (ours, or a proxy's).

Messages never contain the API secret: every text that came from the network is
passed through the session's redaction before it lands in an exception.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ._models import ResponseInfo
from ._status import OrderStatus

if TYPE_CHECKING:
    from typing_extensions import NotRequired, TypedDict, Unpack

    class _Answer(TypedDict):
        """What every error about an answer is built with (see UnexpectedResponseError)."""

        endpoint: str
        status_code: int
        excerpt: str
        response: NotRequired[ResponseInfo | None]

    class _Refusal(TypedDict):
        """What every refusal from Zonos is built with (see ZonosAPIError)."""

        endpoint: str
        status_code: NotRequired[int]
        order_id: NotRequired[str | None]
        response: NotRequired[ResponseInfo | None]


__all__ = [
    "InvalidCredentialsError",
    "InvalidRequestError",
    "OrderCancelledError",
    "OrderMismatchError",
    "OrderNotFoundError",
    "RateLimitedError",
    "RequestRejectedError",
    "ResponseParseError",
    "ResponseTooLargeError",
    "ServerError",
    "SessionStateError",
    "StatusNotAllowedError",
    "StatusTransitionError",
    "StatusUnchangedError",
    "UnexpectedResponseError",
    "UnexpectedStatusError",
    "ZonosAPIError",
    "ZonosConnectionError",
    "ZonosError",
    "ZonosProcessingError",
    "ZonosTimeoutError",
    "ZonosTransportError",
]


class ZonosError(Exception):
    """The root of every error this library raises.

    Attributes:
        response: The HTTP answer behind the error (status, headers, elapsed
            time), or ``None`` when there was none: ``except ZonosError as e:
            e.response`` works for every error.
    """

    response: ResponseInfo | None = None


class InvalidRequestError(ZonosError, ValueError):
    """A call's arguments are wrong; nothing was sent."""


class SessionStateError(ZonosError, RuntimeError):
    """The session is used outside ``async with``, or after it was closed."""


class ZonosTransportError(ZonosError):
    """No HTTP answer arrived (the request may or may not have reached Zonos).

    Attributes:
        endpoint: The endpoint called, e.g. ``"orderDetail"``.
        request_sent: False when the request provably never left (the
            connection failed, or was found dead before anything was written):
            a retry cannot repeat an update then.
    """

    def __init__(self, message: str, *, endpoint: str, request_sent: bool = True) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.request_sent = request_sent


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
        response: The answer's status, headers and elapsed time (``None`` when
            the error was built without I/O).
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        status_code: int,
        excerpt: str,
        response: ResponseInfo | None = None,
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status_code = status_code
        self.excerpt = excerpt
        self.response = response


class UnexpectedStatusError(UnexpectedResponseError):
    """An HTTP status other than the documented ones, with no ``{"error": ...}`` body."""


class RateLimitedError(UnexpectedStatusError):
    """HTTP 429. ``retry_after`` holds the seconds Zonos asked us to wait, when it said."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, **answer: Unpack[_Answer]
    ) -> None:
        super().__init__(message, **answer)
        self.retry_after = retry_after


class ServerError(UnexpectedStatusError):
    """HTTP 5xx with no ``{"error": ...}`` body: Zonos or a proxy failed."""


class ResponseParseError(UnexpectedResponseError):
    """The body is not JSON, or not the shape the endpoint documents.

    ``problems`` lists each field that did not fit, as ``"... @ $.orders[3].id"``.
    """

    def __init__(
        self, message: str, *, problems: tuple[str, ...] = (), **answer: Unpack[_Answer]
    ) -> None:
        super().__init__(message, **answer)
        self.problems = problems


class ResponseTooLargeError(UnexpectedResponseError):
    """The answer is larger than the session's ``max_response_bytes`` (announced, read or
    decompressed); it was not read whole. ``limit`` is that setting."""

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        status_code: int,
        excerpt: str = "",
        limit: int,
        response: ResponseInfo | None = None,
    ) -> None:
        super().__init__(
            message, endpoint=endpoint, status_code=status_code, excerpt=excerpt, response=response
        )
        self.limit = limit


class OrderMismatchError(UnexpectedResponseError):
    """``orderDetail`` answered with another order than the one asked for.

    A connection out of step with its requests (or a confused proxy) can hand
    one call the answer to another; the session drops that connection.
    ``requested`` and ``received`` are the two order ids.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        requested: str,
        received: str,
        excerpt: str = "",
        response: ResponseInfo | None = None,
    ) -> None:
        super().__init__(
            message, endpoint=endpoint, status_code=200, excerpt=excerpt, response=response
        )
        self.requested = requested
        self.received = received


class ZonosAPIError(ZonosError):
    """Zonos refused the call: it answered ``{"error": "..."}``.

    An error text this library does not recognise raises this class itself, so
    ``except ZonosAPIError`` catches every refusal Zonos gives.

    Attributes:
        endpoint: The endpoint called, e.g. ``"updateVendorOrderStatus"``.
        message: Zonos' error text, exactly as sent (the secret redacted).
        status_code: 200 on v1 endpoints, 400 on v2 ``orderDetail``.
        order_id: The order id the message names, when it names one.
        response: The answer's status, headers and elapsed time (``None`` when
            the error was built without I/O).
        retryable: Whether asking again can help (only for Zonos' own
            internal failure); the session's retries read it.
    """

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        status_code: int = 200,
        order_id: str | None = None,
        response: ResponseInfo | None = None,
    ) -> None:
        super().__init__(f"{endpoint}: {message}")
        self.endpoint = endpoint
        self.message = message
        self.status_code = status_code
        self.order_id = order_id
        self.response = response


class InvalidCredentialsError(ZonosAPIError):
    """``Invalid security credentials``: the store id and secret do not match."""


class OrderNotFoundError(ZonosAPIError):
    """No such order (``Could not find``/``Could not retrieve``/``Couldn't find``).

    ``reference_id`` is set instead of ``order_id`` for a lookup by reference.
    """

    def __init__(
        self,
        message: str,
        *,
        reference_id: str | None = None,
        **refusal: Unpack[_Refusal],
    ) -> None:
        super().__init__(message, **refusal)
        self.reference_id = reference_id


class OrderCancelledError(ZonosAPIError):
    """``OrderId: ... has already been cancelled and status cannot be updated. ...``."""


class _StatusError(ZonosAPIError):
    """A status update Zonos refused; the statuses its message names."""

    def __init__(
        self,
        message: str,
        *,
        current_status: OrderStatus | None = None,
        requested_status: OrderStatus | None = None,
        **refusal: Unpack[_Refusal],
    ) -> None:
        super().__init__(message, **refusal)
        self.current_status = current_status
        self.requested_status = requested_status


class StatusUnchangedError(_StatusError):
    """``OrderId: ... already has current status: ...``; ``current_status`` is that status."""


class StatusTransitionError(_StatusError):
    """``... cannot be moved to order status: NEW while in status: CURRENT``."""


class StatusNotAllowedError(_StatusError):
    """``Cannot update order status to status: ...`` (e.g. cancellation requests not allowed)."""


class ZonosProcessingError(ZonosAPIError):
    """Zonos' generic internal failure, ``Could not process ...``; worth a retry."""

    retryable: ClassVar[bool] = True


class RequestRejectedError(ZonosAPIError):
    """Zonos refused the request itself, which the library checks before sending.

    Raised for ``could not parse input``/``Invalid post body``, ``Parameter ...
    is required``, ``Cannot specify both Parameters ...``, ``orderId: ... is not
    a valid orderId``, a status Zonos does not know or a vendor may not set, and
    HTTP 406/415 (the ``Accept``/``Content-Type`` headers, e.g. rewritten by a
    proxy). Seeing one means a bug: please report it with ``message``.

    Attributes:
        parameter: What was refused, as Zonos names it (``"orderId"``,
            ``"sinceDate and sinceOrderId"``, ``"orderStatus"``, ``"Accept"``),
            or ``None`` for a body Zonos could not read.
    """

    def __init__(
        self,
        message: str,
        *,
        parameter: str | None = None,
        **refusal: Unpack[_Refusal],
    ) -> None:
        super().__init__(message, **refusal)
        self.parameter = parameter
