"""Seeded, realistic-looking orders for the fake.

Two layers, so that 100,000 orders stay cheap:

* :func:`generate_records` makes the small per-order state the fake keeps (id, placement time,
  test flag, status, status time, merchant id, reference id), all from one
  ``random.Random(seed)``.
* :func:`build_detail` makes the full ``orderDetail`` object on demand, from its own generator
  seeded with ``(seed, number)``; the same order always gets the same detail, and nothing is
  stored until someone asks.

The detail follows spec 3.2 and the two reconstructed examples: most orders have the full key
set of ``orderDetail-response-full.json``; some have the sparse shape of
``orderDetail-response-minimal.json`` (billing block of empty strings, optional keys absent).
Money is a JSON number with at most two decimals, computed in cents; ``itemsTotal`` is the sum
of ``quantity * unitPrice`` over all lines (discount lines included) and ``grandTotal`` is
``itemsTotal + shippingTotal + dutyTaxesTotal - promoCode.amount``. All names, addresses,
phone numbers and e-mails are invented.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from attrs import define

__all__ = [
    "FIRST_ORDER_NUMBER",
    "OrderRecord",
    "build_detail",
    "from_ms",
    "generate_records",
    "java_timestamp",
    "to_ms",
]

FIRST_ORDER_NUMBER: Final = 100001
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DAY_MS: Final = 86_400_000


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime (sub-millisecond parts are dropped)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"need a timezone-aware datetime, got {moment!r}")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime of epoch milliseconds."""
    return _EPOCH + timedelta(milliseconds=ms)


def java_timestamp(ms: int) -> str:
    """``yyyy-MM-dd HH:mm:ss.S`` the way Java's ``Timestamp.toString()`` prints it.

    The fraction loses its trailing zeros and is ``.0`` when zero: ``12:00:00.0``,
    ``12:00:00.23`` for 230 ms.
    """
    moment = from_ms(ms)
    fraction = f"{ms % 1000:03d}".rstrip("0") or "0"
    return f"{moment:%Y-%m-%d %H:%M:%S}.{fraction}"


@define
class OrderRecord:
    """What the fake keeps per order; the rest of the detail is built on request."""

    number: int
    placed_ms: int
    test_order: bool
    status: str
    status_ms: int
    merchant_order_id: str | None = None
    reference_id: str | None = None
    detail: dict[str, Any] | None = None  # extra/overriding orderDetail fields (add_order)


_EARLY_STATUSES: Final = (
    ("IGLOBAL_ORDER_IN_PROCESS", 66),
    ("IGLOBAL_FRAUD_REVIEW", 16),
    ("VENDOR_PREPARING_ORDER", 12),
    ("IGLOBAL_ORDER_ON_HOLD", 4),
    ("IGLOBAL_ORDER_CANCELLED", 2),
)
_LATER_STATUSES: Final = (
    ("IGLOBAL_ORDER_IN_PROCESS", 40),
    ("VENDOR_END_OF_DAY_COMPLETE", 20),
    ("VENDOR_PREPARING_ORDER", 8),
    ("VENDOR_SHIPMENT_READY", 7),
    ("VENDOR_LABELS_PRINTED_DATE", 7),
    ("IGLOBAL_FRAUD_REVIEW", 6),
    ("IGLOBAL_ORDER_ON_HOLD", 4),
    ("IGLOBAL_ORDER_CANCELLED", 4),
    ("VENDOR_CANCELLATION_REQUEST", 4),
)


def _cumulative(table: tuple[tuple[str, int], ...]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    names = tuple(name for name, _ in table)
    edges: list[int] = []
    total = 0
    for _, weight in table:
        total += weight
        edges.append(total)
    return names, tuple(edges)


_EARLY: Final = _cumulative(_EARLY_STATUSES)
_LATER: Final = _cumulative(_LATER_STATUSES)


def _pick_status(roll: float, table: tuple[tuple[str, ...], tuple[int, ...]]) -> str:
    names, edges = table
    return names[bisect.bisect_right(edges, int(roll * edges[-1]))]


def generate_records(
    count: int,
    *,
    seed: int,
    now: datetime,
    days: float,
    first_number: int = FIRST_ORDER_NUMBER,
) -> list[OrderRecord]:
    """``count`` orders placed over the ``days`` before ``now``, ids and times ascending.

    About 5% are test orders; most are ``IGLOBAL_ORDER_IN_PROCESS``; older orders are more
    often finished and more often have a ``merchantOrderId``; about 40% carry a
    ``referenceId`` (a few shared between two orders).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    draw = rng.random  # int(draw() * n) instead of randrange: same idea, several times faster
    now_ms = to_ms(now)
    span = max(1, int(days * _DAY_MS))
    start = now_ms - span
    offsets = sorted([int(draw() * span) for _ in range(count)])
    records: list[OrderRecord] = []
    references: list[str] = []
    for index, offset in enumerate(offsets):
        placed = start + offset
        early = now_ms - placed < _DAY_MS
        status = _pick_status(draw(), _EARLY if early else _LATER)
        if status.startswith("VENDOR_"):
            delay = 3_600_000 + int(draw() * (3 * _DAY_MS - 3_600_000))
        else:
            delay = 1_000 + int(draw() * 599_000)
        has_merchant_id = draw() < (0.4 if early else 0.85)
        reference: str | None = None
        roll = draw()
        if roll < 0.01 and references:
            reference = references[int(draw() * len(references))]
        elif roll < 0.2:
            reference = f"cart-{1000 + int(draw() * 998_999)}"
        elif roll < 0.4:
            reference = str(1000 + int(draw() * 9_998_999))
        if reference is not None:
            references.append(reference)
        records.append(
            OrderRecord(
                number=first_number + index,
                placed_ms=placed,
                test_order=draw() < 0.05,
                status=status,
                status_ms=max(min(placed + delay, now_ms), placed),
                merchant_order_id=str(100_000_001 + index) if has_merchant_id else None,
                reference_id=reference,
            )
        )
    return records


# ---------------------------------------------------------------------------------------------
# The detail: invented but plausible.

# code, currency, phone prefix, street template, [(city, state, zip)]; None/"" where the
# country has no such thing (HK/AE have no postcodes; Irish addresses often come without one).
_Place = tuple[str, str | None, str | None]
_Country = tuple[str, str, str, str, tuple[_Place, ...]]
_COUNTRIES: Final[tuple[_Country, ...]] = (
    ("GB", "GBP", "+44 20 7946 ", "{n} Example Street", (
        ("London", "Greater London", "SW1A 1AA"), ("Leeds", "West Yorkshire", "LS1 1AA"),
        ("Manchester", "Greater Manchester", "M1 1AE"))),
    ("DE", "EUR", "+49 30 9018 ", "Musterstraße {n}", (
        ("Berlin", "Berlin", "10115"), ("Hamburg", "Hamburg", "20095"),
        ("München", "Bayern", "80331"))),
    ("CA", "CAD", "+1 416 555 ", "{n} Sample Avenue", (
        ("Toronto", "Ontario", "M5H 2N2"), ("Vancouver", "British Columbia", "V6B 1A1"),
        ("Montréal", "Quebec", "H2Y 1C6"))),
    ("AU", "AUD", "+61 2 5550 ", "{n} Example Parade", (
        ("Sydney", "New South Wales", "2000"), ("Melbourne", "Victoria", "3000"))),
    ("FR", "EUR", "+33 1 99 00 ", "{n} rue de l'Exemple", (
        ("Paris", "Île-de-France", "75001"), ("Lyon", "Auvergne-Rhône-Alpes", "69001"))),
    ("JP", "JPY", "+81 3 5550 ", "{n}-1 Sample-cho", (
        ("Tokyo", "Tokyo", "100-0001"), ("Osaka", "Osaka", "530-0001"))),
    ("BR", "BRL", "+55 11 5550 ", "Rua Exemplo, {n}", (
        ("São Paulo", "São Paulo", "01000-000"),
        ("Rio de Janeiro", "Rio de Janeiro", "20000-000"))),
    ("MX", "MXN", "+52 55 5550 ", "Calle Ejemplo {n}", (
        ("Ciudad de México", "Ciudad de México", "06000"), ("Guadalajara", "Jalisco", "44100"))),
    ("HK", "HKD", "+852 5550 ", "{n} Sample Road", (
        ("Kowloon", "Kowloon", None), ("", "Hong Kong Island", None))),
    ("AE", "AED", "+971 4 555 ", "Villa {n}, Example Street", (
        ("Dubai", "Dubai", None), ("Abu Dhabi", "Abu Dhabi", None))),
    ("IE", "EUR", "+353 1 555 ", "{n} Sample Lane", (
        ("Dublin", "County Dublin", ""), ("Cork", "County Cork", ""))),
    ("PR", "USD", "+1 787 555 ", "{n} Calle Muestra", (("San Juan", "Puerto Rico", "00901"),)),
    ("VI", "USD", "+1 340 555 ", "{n} Example Gade", (
        ("Charlotte Amalie", "Virgin Islands", "00802"),)),
    ("NZ", "NZD", "+64 9 555 ", "{n} Example Terrace", (("Auckland", "Auckland", "1010"),)),
    ("NL", "EUR", "+31 20 555 ", "Voorbeeldstraat {n}", (
        ("Amsterdam", "Noord-Holland", "1012 JS"),)),
    ("SE", "SEK", "+46 8 555 ", "Exempelgatan {n}", (("Stockholm", "Stockholms län", "111 20"),)),
    ("KR", "KRW", "+82 2 555 ", "{n} Sample-ro", (("Seoul", "Seoul", "04524"),)),
    ("SG", "SGD", "+65 6555 ", "{n} Example Walk", (("Singapore", None, "018956"),)),
)  # fmt: skip

_FIRST_NAMES: Final = (
    "Erika", "Max", "Jane", "John", "Aiko", "Kenji", "Maria", "João", "Sofia", "Liam",
    "Chloé", "Lucas", "Min-jun", "Seo-yeon", "Aoife", "Sean", "Fatima", "Omar", "Wei", "Mei",
)  # fmt: skip
_LAST_NAMES: Final = (
    "Mustermann", "Doe", "Sample", "Example", "Tanaka", "Suzuki", "Silva", "Santos", "Martin",
    "Dubois", "Kim", "Lee", "Murphy", "Kelly", "Haddad", "Chan", "Wong", "Garcia", "Smith",
)  # fmt: skip
_COMPANIES: Final = ("Beispiel GmbH", "Example Ltd", "Sample Trading Co.", "Exemple SARL")
_LINE2: Final = ("Flat 2", "Apt 5B", "3. OG", "Suite 100", "Unit 7", "Rm 1203")

# productId, sku, description, unit price in cents
_PRODUCTS: Final = (
    ("1201", "TEE-ORG-BLK-M", "Organic cotton T-shirt, black, M", 2495),
    ("1202", "TEE-ORG-WHT-S", "Organic cotton T-shirt, white, S", 2495),
    ("1377", "HOOD-GRY-L", "Hooded sweatshirt, grey, L", 7900),
    ("1410", "CAP-NVY", "Baseball cap, navy", 1950),
    ("1533", "MUG-ENAMEL", "Enamel camping mug", 1200),
    ("1602", "BOTTLE-750", "Insulated bottle, 750 ml", 3499),
    ("1788", "PACK-20L", "Day pack, 20 l", 8900),
    ("1845", "SOCK-MERINO-3", "Merino socks, 3 pairs", 2900),
    ("1901", "JKT-RAIN-M", "Rain jacket, M", 14900),
    ("2044", "BELT-LTHR", "Leather belt", 4500),
    ("2120", "SCARF-WOOL", "Wool scarf", 3900),
    ("2299", "GIFT-CARD-50", "Gift card 50", 5000),
)
# code, name the customer saw, shipping price range in cents
_SHIPPING: Final = (
    ("DHL_EXPRESS", "DHL Express Worldwide", 1800, 4500),
    ("UPS_EXPRESS_SAVER", "UPS Worldwide Saver", 2000, 5200),
    ("UPS_STANDARD", "UPS Standard", 1200, 2500),
    ("FEDEX_IPD", "FedEx International Priority Direct", 1900, 4200),
    ("FEDEX_ECONOMY", "FedEx International Economy", 1500, 3000),
    ("USPS_PRIORITY_MAIL_INTERNATIONAL", "USPS Priority Mail International", 1400, 3200),
    ("USPS_FIRST_CLASS_PACKAGE_INTL_SERVICE", "USPS First-Class Package International", 900, 1600),
    ("LANDMARK_LGINTSTD", "Landmark Global Standard", 800, 1500),
)
# paymentGateway, paymentProcessor
_PAYMENTS: Final = (
    ("STRIPE", "STRIPE"),
    ("BRAINTREE", "BRAINTREE"),
    ("iGlobal_CC", "AUTHORIZE_NET"),
    ("PAYPAL_EXPRESS", "PAYPAL"),
    ("CYBERSOURCE", "CYBERSOURCE"),
)
_CARDS: Final = ("VISA", "VISA", "MASTERCARD", "AMEX", "DISCOVER")
_COUPONS: Final = ("SPRING10", "WELCOME5", "VIP15", "FREESHIP")
_CUSTOMER_NOTES: Final = (
    "Leave at reception",
    "Bitte beim Nachbarn abgeben, falls niemand da ist.",
    "Gift, please no invoice in the box.",
    "Call before delivery.",
)
_STAFF_NOTES: Final = ("Address verified by support.", "Customer asked to combine shipments.")


def _money(cents: int) -> float:
    # A float with at most two decimals; int/100 is the nearest double and prints shortest.
    return cents / 100


def _person(rng: random.Random) -> tuple[str, str]:
    first = rng.choice(_FIRST_NAMES)
    last = rng.choice(_LAST_NAMES)
    plain = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    mail = plain.lower().replace("-", "")
    return f"{first} {last}", f"{mail}@example.com"


def _address(
    rng: random.Random,
    country: tuple[str, str, str, str, tuple[tuple[str, str | None, str | None], ...]],
) -> tuple[str, str | None, str | None, str | None, str | None]:
    _code, _currency, _phone, street, places = country
    city, state, zip_code = rng.choice(places)
    line1 = street.format(n=rng.randrange(1, 200))
    line2 = rng.choice(_LINE2) if rng.random() < 0.3 else None
    return line1, line2, city, state, zip_code


def build_detail(seed: int, store: int, number: int) -> dict[str, Any]:
    """The generated ``orderDetail`` ``order`` object of order ``<store>-<number>``.

    Identity fields (``referenceId``, ``merchantOrderId``, ``testOrder``, ``orderStatus``) are
    placeholders; the fake overwrites them with the order's current state.
    """
    rng = random.Random(f"zonos-fake-detail:{seed}:{number}")
    country = rng.choice(_COUNTRIES)
    code, currency, phone_prefix = country[0], country[1], country[2]
    sparse = rng.random() < 0.15
    name, email = _person(rng)
    line1, line2, city, state, zip_code = _address(rng, country)
    phone = f"{phone_prefix}{rng.randrange(1000, 9999)}"
    company = rng.choice(_COMPANIES) if rng.random() < 0.2 else None

    # Items: 1-4 product lines, sometimes a discount line (negative price, no productId).
    numeric_ids = rng.random() < 0.1
    items: list[dict[str, Any]] = []
    items_cents = 0
    for product_id, sku, description, price in rng.sample(_PRODUCTS, rng.randint(1, 4)):
        quantity = rng.choice((1, 1, 1, 2, 2, 3))
        items_cents += quantity * price
        line: dict[str, Any] = {
            "productId": int(product_id) if numeric_ids else product_id,
            "sku": sku,
            "description": description,
            "quantity": quantity,
            "unitPrice": _money(price),
        }
        if not sparse:
            line["itemCustomization"] = rng.choice(("0", "0", "0", 318, "gift-wrap"))
        items.append(line)
    if not sparse and rng.random() < 0.15:
        discount = min(rng.choice((500, 1000, 1500)), items_cents // 2)
        items_cents -= discount
        items.append(
            {
                "description": f"Coupon {rng.choice(_COUPONS)}",
                "quantity": 1,
                "unitPrice": _money(-discount),
            }
        )

    carrier, carrier_name, low, high = rng.choice(_SHIPPING)
    shipping_cents = rng.randrange(low, high + 1, 50)
    duty_cents = (
        0 if rng.random() < 0.25 else rng.randrange(items_cents // 10, items_cents // 4 + 2)
    )
    promo: dict[str, Any] | None = None
    promo_cents = 0
    if not sparse and rng.random() < 0.15:
        promo_cents = min(rng.choice((500, 1000, 1500)), items_cents // 2)
        promo = {"code": rng.choice(_COUPONS), "amount": _money(promo_cents)}
    grand_cents = items_cents + shipping_cents + duty_cents - promo_cents
    duty: float | int = _money(duty_cents) if duty_cents else 0
    gateway, processor = rng.choice(_PAYMENTS)
    transaction = f"TX-{rng.randrange(16**10):010x}"

    detail: dict[str, Any] = {
        "orderId": f"{store}-{number}",
        "referenceId": None,
        "merchantOrderId": None,
        "testOrder": False,
        "orderStatus": "IGLOBAL_ORDER_IN_PROCESS",
        "name": name,
        "company": company,
        "email": email,
        "phone": phone,
        "address1": line1,
        "address2": line2,
        "city": city,
        "state": state,
        "zip": zip_code,
        "countryCode": code,
    }
    if sparse:
        # Billing same as shipping: Zonos leaves the block as empty strings.
        for key in (
            "billingName", "billingPhone", "billingAddress1", "billingAddress2",
            "billingCity", "billingState", "billingZip", "billingCountryCode",
        ):  # fmt: skip
            detail[key] = ""
        detail.update(
            {
                "shippingCarrierServiceLevel": carrier,
                "customerSelectedShippingName": carrier_name,
                "shippingTotal": _money(shipping_cents),
                "dutyTaxesTotal": duty,
                "grandTotal": _money(grand_cents),
                "paymentProcessing": {"paymentGateway": gateway, "transactionId": transaction},
                "notes": [],
                "items": items,
            }
        )
        return detail

    if rng.random() < 0.6:
        billing_name, billing_line1, billing_line2 = name, line1, line2
        billing_city, billing_state, billing_zip, billing_country = city, state, zip_code, code
    else:
        billing_name = _person(rng)[0]
        billing_line1, billing_line2, billing_city, billing_state, billing_zip = _address(
            rng, country
        )
        billing_country = code
    purchase_order = rng.random() < 0.03
    notes: list[dict[str, Any]] | None = []
    note_roll = rng.random()
    if note_roll < 0.05:
        notes = None
    elif note_roll < 0.25:
        notes = [{"customerNote": True, "note": rng.choice(_CUSTOMER_NOTES)}]
    elif note_roll < 0.32:
        notes = [
            {"customerNote": True, "note": rng.choice(_CUSTOMER_NOTES)},
            {"customerNote": False, "note": rng.choice(_STAFF_NOTES)},
        ]
    birth_date = national_id = None
    if code == "BR":
        national_id = f"CPF {rng.randrange(10**11):011d}"
    elif code == "KR":
        national_id = f"P{rng.randrange(10**12):012d}"
        birth_date = (
            f"{rng.randrange(1950, 2005)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        )
    detail.update(
        {
            "billingName": billing_name,
            "billingCompany": company,
            "billingEmail": email if rng.random() < 0.7 else f"accounts.{number}@example.com",
            "billingPhone": phone,
            "billingAltPhone": f"{phone_prefix}{rng.randrange(1000, 9999)}"
            if rng.random() < 0.2
            else None,
            "billingAddress1": billing_line1,
            "billingAddress2": billing_line2,
            "billingCity": billing_city,
            "billingState": billing_state,
            "billingZip": billing_zip,
            "billingCountryCode": billing_country,
            "shippingCarrierServiceLevel": carrier,
            "customerSelectedShippingName": carrier_name,
            "itemsTotal": _money(items_cents),
            "shippingTotal": _money(shipping_cents),
            "dutyTaxesTotal": duty,
            "grandTotal": _money(grand_cents),
            "foreignCurrencyCode": currency if rng.random() < 0.85 else "USD",
            "promoCode": promo,
            "poNumber": f"PO-{rng.randrange(1000, 9999)}" if purchase_order else None,
            "paymentProcessing": {
                "paymentGateway": gateway,
                "paymentProcessor": processor,
                "cardType": "PURCHASE_ORDER" if purchase_order else rng.choice(_CARDS),
                "transactionId": transaction,
                "transactionType": "AUTH_CAPTURE" if rng.random() < 0.9 else "AUTH_ONLY",
            },
            "notes": notes,
            "birthDate": birth_date,
            "nationalIdentifier": national_id,
            "boxCount": rng.choice((1, 1, 1, 1, 2, None)),
            "items": items,
        }
    )
    return detail
