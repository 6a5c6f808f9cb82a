"""Order statuses: the documented nine, and room for the ones Zonos adds later.

Zonos says it "may add more statuses at any time" and never removes one, so an
``OrderStatus`` is open-ended: ``OrderStatus("IGLOBAL_SOMETHING_NEW")`` is a real
member-like value (equal to itself, hashable, the same object each time, its
string is what Zonos sent) with ``is_known`` false, instead of a ``ValueError``.
"""

from __future__ import annotations

import enum
import threading
from typing import Literal

__all__ = ["OrderStatus", "SetBy"]

SetBy = Literal["zonos", "vendor"]
"""Who moves an order into a status: Zonos itself or the merchant (vendor)."""

_new_value_lock = threading.Lock()


class OrderStatus(str, enum.Enum):
    """An order's status, as ``orderDetail`` and ``orderNumbers(statuses=True)`` report it.

    Compare with members (``order.status is OrderStatus.IGLOBAL_FRAUD_REVIEW``) or
    with plain strings (``order.status == "IGLOBAL_FRAUD_REVIEW"``). A status
    Zonos invents later still parses: check :attr:`is_known` to tell the two apart.

    Example::

        >>> OrderStatus("VENDOR_SHIPMENT_READY").settable_by
        'vendor'
        >>> new = OrderStatus("IGLOBAL_SOMETHING_NEW")
        >>> new.is_known, str(new), new is OrderStatus("IGLOBAL_SOMETHING_NEW")
        (False, 'IGLOBAL_SOMETHING_NEW', True)
    """

    IGLOBAL_FRAUD_REVIEW = "IGLOBAL_FRAUD_REVIEW"
    IGLOBAL_ORDER_IN_PROCESS = "IGLOBAL_ORDER_IN_PROCESS"
    IGLOBAL_ORDER_ON_HOLD = "IGLOBAL_ORDER_ON_HOLD"
    IGLOBAL_ORDER_CANCELLED = "IGLOBAL_ORDER_CANCELLED"
    VENDOR_PREPARING_ORDER = "VENDOR_PREPARING_ORDER"
    VENDOR_SHIPMENT_READY = "VENDOR_SHIPMENT_READY"
    VENDOR_LABELS_PRINTED_DATE = "VENDOR_LABELS_PRINTED_DATE"
    VENDOR_CANCELLATION_REQUEST = "VENDOR_CANCELLATION_REQUEST"
    VENDOR_END_OF_DAY_COMPLETE = "VENDOR_END_OF_DAY_COMPLETE"

    @classmethod
    def _missing_(cls, value: object) -> OrderStatus | None:
        # Keep statuses we have never heard of, once each, so identity and
        # equality behave like a declared member.
        if not isinstance(value, str) or not value:
            return None
        with _new_value_lock:
            existing = cls._value2member_map_.get(value)
            if existing is not None:
                return existing  # type: ignore[return-value]
            member = str.__new__(cls, value)
            member._name_ = value
            member._value_ = value
            cls._value2member_map_[value] = member
            return member

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        suffix = "" if self.is_known else " (unknown)"
        return f"<OrderStatus.{self.name}: {self.value!r}{suffix}>"

    def __reduce_ex__(self, protocol: object) -> tuple[type[OrderStatus], tuple[str]]:
        return (type(self), (str(self.value),))

    @property
    def is_known(self) -> bool:
        """Whether this is one of the nine statuses documented when this library was released."""
        return self._name_ in type(self)._member_map_

    @property
    def settable_by(self) -> SetBy | None:
        """``"zonos"`` or ``"vendor"`` for documented statuses, ``None`` for unknown ones."""
        if not self.is_known:
            return None
        return "vendor" if self.value.startswith("VENDOR_") else "zonos"

    @property
    def is_vendor_settable(self) -> bool:
        """Whether ``update_vendor_order_status`` may request this status."""
        return self.settable_by == "vendor"

    @property
    def blocks_vendor_updates(self) -> bool:
        """Whether Zonos refuses vendor status updates while an order is in this status."""
        return self.value in _BLOCKING

    @property
    def description(self) -> str:
        """What the status means, paraphrasing the vendor's table (empty for unknown ones)."""
        return _DESCRIPTIONS.get(self.value, "")


_DESCRIPTIONS: dict[str, str] = {
    "IGLOBAL_FRAUD_REVIEW": "Zonos is screening the order for fraud; hold it and poll again.",
    "IGLOBAL_ORDER_IN_PROCESS": "The order is valid and ready to prepare and ship.",
    "IGLOBAL_ORDER_ON_HOLD": "Zonos has put the order on a temporary hold.",
    "IGLOBAL_ORDER_CANCELLED": "The order was cancelled on the Zonos side.",
    "VENDOR_PREPARING_ORDER": "The merchant is preparing the order.",
    "VENDOR_SHIPMENT_READY": "The merchant has the order ready to ship.",
    "VENDOR_LABELS_PRINTED_DATE": "The merchant has printed the shipping labels.",
    "VENDOR_CANCELLATION_REQUEST": "The merchant asked Zonos to cancel the order.",
    "VENDOR_END_OF_DAY_COMPLETE": "The order is finalised and complete.",
}

# The statuses Zonos will not let a vendor move an order out of (UVOS-NEW). The
# first is not in the status table at all, so it parses as an unknown status.
_BLOCKING = frozenset(
    {
        "IGLOBAL_LABELS_PROCESSING",
        "IGLOBAL_ORDER_ON_HOLD",
        "IGLOBAL_FRAUD_REVIEW",
        "IGLOBAL_ORDER_CANCELLED",
        "VENDOR_CANCELLATION_REQUEST",
        "VENDOR_END_OF_DAY_COMPLETE",
    }
)
