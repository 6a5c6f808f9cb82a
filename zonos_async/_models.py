"""What Zonos sends back, as frozen attrs classes.

Field names are the documented camelCase keys in snake_case (``grandTotal`` is
``grand_total``), except ``orderId``/``orderStatus``/``paymentProcessing`` which
read ``id``/``status``/``payment``. Every model keeps the JSON object it was
built from as ``raw`` (numbers in it are ``Decimal``), so a key Zonos adds
tomorrow is already in your hands. Empty strings become ``None``: Zonos sends
``""`` and ``null`` interchangeably for "no value".

A ``repr`` never shows a shopper's personal data (names, contacts, addresses,
notes, identity documents), so an order that lands in a log or a traceback
does not take them along; the data itself stays on the object.

Models know nothing of JSON: ``_converter`` builds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

import httpx
from attrs import field, frozen

from ._status import OrderStatus

__all__ = [
    "Address",
    "Item",
    "Note",
    "Order",
    "OrderNumbersPage",
    "OrderSummary",
    "Payment",
    "PromoCode",
    "ResponseInfo",
    "UpdateResult",
]

_EMPTY: Mapping[str, Any] = {}


def _raw() -> Any:
    return field(default=_EMPTY, repr=False, eq=False, kw_only=True)


@frozen
class ResponseInfo:
    """The HTTP answer behind a result or an error: ``order.response``, ``error.response``.

    Attributes:
        endpoint: The endpoint that answered, e.g. ``"orderDetail"``.
        status_code: The HTTP status (Zonos' v1 endpoints say 200 even for errors).
        headers: The answer's headers, an ``httpx.Headers`` (keys in any case).
        elapsed: Seconds from sending the request to the answer's last byte.

    The body is not kept: the model (``raw``) or the error (``message``,
    ``excerpt``) holds what was in it.
    """

    endpoint: str
    status_code: int
    _headers: Mapping[str, str] = field(repr=False, alias="headers")
    elapsed: float

    @cached_property
    def headers(self) -> httpx.Headers:
        """The answer's headers, as httpx reads them (any case, repeated ones joined)."""
        if isinstance(self._headers, httpx.Headers):
            return self._headers
        return httpx.Headers(self._headers)


def _repr_without_pii(model: object, **shown: object) -> str:
    fields = "".join(f"{name}={value!r}, " for name, value in shown.items())
    return f"{type(model).__name__}({fields}<personal data hidden>)"


@frozen
class OrderSummary:
    """One order in an ``orderNumbers`` answer.

    ``merchant_order_id``, ``status`` and ``status_changed_at`` are only filled
    when the listing was asked for ``statuses=True``. ``status_changed_at``
    comes from the epoch ``orderStatusDate``; ``status_date_string`` is Zonos'
    text form of it, kept as sent because the vendor's own example has the two
    disagree by hours.
    """

    id: str
    test_order: bool
    placed_at: datetime
    merchant_order_id: str | None = None
    status: OrderStatus | None = None
    status_changed_at: datetime | None = None
    status_date_string: str | None = None
    raw: Mapping[str, Any] = _raw()


@frozen
class OrderNumbersPage:
    """The answer to ``orderNumbers``: counts and the orders, oldest first.

    ``response`` is the HTTP answer it came from (status, headers, elapsed time).
    """

    total_count: int
    order_count: int
    test_order_count: int
    orders: tuple[OrderSummary, ...]
    raw: Mapping[str, Any] = _raw()
    response: ResponseInfo | None = field(default=None, repr=False, eq=False, kw_only=True)

    def __len__(self) -> int:
        return len(self.orders)

    @property
    def ids(self) -> tuple[str, ...]:
        """The order ids, in the order Zonos listed them."""
        return tuple(summary.id for summary in self.orders)


@frozen
class PromoCode:
    """A promotion applied at checkout; ``amount`` is positive."""

    code: str | None
    amount: Decimal | None
    raw: Mapping[str, Any] = _raw()


@frozen
class Payment:
    """How the order was paid (``paymentProcessing``); every field may be missing."""

    payment_gateway: str | None = None
    payment_processor: str | None = None
    card_type: str | None = None
    transaction_id: str | None = None
    transaction_type: str | None = None
    raw: Mapping[str, Any] = _raw()


@frozen
class Note:
    """An order note; ``customer_note`` marks one the shopper wrote."""

    note: str | None
    customer_note: bool = False
    raw: Mapping[str, Any] = _raw()

    def __repr__(self) -> str:
        return _repr_without_pii(self, customer_note=self.customer_note)


@frozen
class Item:
    """One order line. Discount lines have a negative ``unit_price`` and no ``product_id``."""

    quantity: int
    unit_price: Decimal
    description: str | None = None
    product_id: str | None = None
    sku: str | None = None
    item_customization: str | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def is_discount(self) -> bool:
        """Whether this line is a discount rather than a product."""
        return self.unit_price < 0

    @property
    def line_total(self) -> Decimal:
        """``quantity * unit_price``, exact."""
        return self.unit_price * self.quantity


@frozen
class Address:
    """A contact and postal address, gathered from an order's flat fields."""

    name: str | None
    company: str | None
    email: str | None
    phone: str | None
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    zip: str | None
    country_code: str | None
    alt_phone: str | None = None

    def __repr__(self) -> str:
        return _repr_without_pii(self, country_code=self.country_code)


@frozen
class Order:
    """One whole order, as ``orderDetail`` returns it.

    Money is ``Decimal`` exactly as Zonos wrote it. The totals are in the
    store's currency (our reading; ``foreign_currency_code`` is the shopper's).
    The library never recomputes or cross-checks them. ``response`` is the HTTP
    answer it came from (status, headers, elapsed time).
    """

    id: str
    status: OrderStatus
    test_order: bool
    reference_id: str | None = None
    merchant_order_id: str | None = None
    # Ship-to contact and address.
    name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country_code: str | None = None
    # Billing; an empty block means "same as shipping".
    billing_name: str | None = None
    billing_company: str | None = None
    billing_email: str | None = None
    billing_phone: str | None = None
    billing_alt_phone: str | None = None
    billing_address1: str | None = None
    billing_address2: str | None = None
    billing_city: str | None = None
    billing_state: str | None = None
    billing_zip: str | None = None
    billing_country_code: str | None = None
    # Shipping method.
    shipping_carrier_service_level: str | None = None
    customer_selected_shipping_name: str | None = None
    # Money.
    items_total: Decimal | None = None
    shipping_total: Decimal | None = None
    duty_taxes_total: Decimal | None = None
    grand_total: Decimal | None = None
    foreign_currency_code: str | None = None
    promo_code: PromoCode | None = None
    # Payment.
    payment: Payment | None = None
    po_number: str | None = None
    # The rest.
    items: tuple[Item, ...] = ()
    notes: tuple[Note, ...] = ()
    birth_date: str | None = None
    national_identifier: str | None = None
    box_count: int | None = None
    raw: Mapping[str, Any] = _raw()
    response: ResponseInfo | None = field(default=None, repr=False, eq=False, kw_only=True)

    def __repr__(self) -> str:
        return _repr_without_pii(
            self,
            id=self.id,
            status=str(self.status),
            test_order=self.test_order,
            items_total=self.items_total,
            shipping_total=self.shipping_total,
            duty_taxes_total=self.duty_taxes_total,
            grand_total=self.grand_total,
            foreign_currency_code=self.foreign_currency_code,
            items=len(self.items),
        )

    @property
    def shipping_address(self) -> Address:
        """Where the order goes."""
        return Address(
            name=self.name,
            company=self.company,
            email=self.email,
            phone=self.phone,
            address1=self.address1,
            address2=self.address2,
            city=self.city,
            state=self.state,
            zip=self.zip,
            country_code=self.country_code,
        )

    @property
    def billing_address(self) -> Address | None:
        """The billing address, or ``None`` when Zonos sent an empty block (same as shipping)."""
        if self.billing_address1 is None:
            return None
        return Address(
            name=self.billing_name,
            company=self.billing_company,
            email=self.billing_email,
            phone=self.billing_phone,
            address1=self.billing_address1,
            address2=self.billing_address2,
            city=self.billing_city,
            state=self.billing_state,
            zip=self.billing_zip,
            country_code=self.billing_country_code,
            alt_phone=self.billing_alt_phone,
        )

    @property
    def customer_notes(self) -> tuple[Note, ...]:
        """The notes the shopper wrote."""
        return tuple(note for note in self.notes if note.customer_note)


@frozen
class UpdateResult:
    """Zonos' answer to an update: ``message`` is its ``success`` text.

    ``replayed`` is true when an earlier attempt's answer was lost and a retry
    found the change already made (``message`` then says so; ``raw`` is empty,
    and ``response`` is the answer that showed it).
    """

    order_id: str
    message: str
    replayed: bool = False
    raw: Mapping[str, Any] = _raw()
    response: ResponseInfo | None = field(default=None, repr=False, eq=False, kw_only=True)
