"""The four calls, end to end.

With ZONOS_STORE_ID and ZONOS_SECRET set this talks to Zonos, or to ZONOS_BASE_URL if set
(read-only unless you pass --write). Without them it answers from the vendor's documented
example payloads through ``httpx.MockTransport``, so it runs anywhere.

    python examples/quickstart.py
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta

import anyio
import httpx

import zonos_async
from zonos_async import OrderStatus

DOC_STORE, DOC_SECRET = 999, "f5bde245-f55e-414d-b722-80b25161c12c"

# The vendor's documented answers (values abridged from its pages).
CANNED = {
    "/v1/orderNumbers": {
        "totalCount": 2,
        "orderCount": 1,
        "testOrderCount": 1,
        "orders": [
            {"testOrder": False, "id": "999-99991", "timestamp": "2015-01-01 00:33:14.0",
             "merchantOrderId": None, "orderStatus": "IGLOBAL_ORDER_IN_PROCESS",
             "orderStatusDate": 1420097594000, "orderStatusDateString": "2015-01-01 14:16:17.0"},
            {"testOrder": True, "id": "999-99992", "timestamp": "2015-01-01 05:12:46.0",
             "merchantOrderId": "abc123", "orderStatus": "IGLOBAL_FRAUD_REVIEW",
             "orderStatusDate": 1420097594000, "orderStatusDateString": "2015-01-01 14:16:17.0"},
        ],
    },
    "/v2/orderDetail": {
        "order": {
            "orderId": "999-99991", "testOrder": False, "orderStatus": "IGLOBAL_ORDER_IN_PROCESS",
            "name": "Erika Mustermann", "email": "erika@example.com", "address1": "Musterstr. 12",
            "city": "Berlin", "zip": "10115", "countryCode": "DE", "grandTotal": 169.58,
            "items": [{"productId": "1201", "sku": "TEE-M", "description": "T-shirt",
                       "quantity": 2, "unitPrice": 24.95}],
        }
    },
    "/v1/updateMerchantOrderId": {
        "success": "Updated Order: 99991 with new merchantOrderId: 12-34567"
    },
    "/v1/updateVendorOrderStatus": {
        "success": "Updated Order: 99991 to new order status: VENDOR_PREPARING_ORDER"
    },
}  # fmt: skip


def canned(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=CANNED[request.url.path])


async def main() -> None:
    live = "ZONOS_STORE_ID" in os.environ and "ZONOS_SECRET" in os.environ
    write = "--write" in sys.argv or not live
    session = (
        zonos_async.Session()
        if live
        else zonos_async.Session(DOC_STORE, DOC_SECRET, transport=httpx.MockTransport(canned))
    )
    print(f"{session!r} ({'live' if live else 'documented examples, no network'})")
    async with session as zonos:
        page = await zonos.order_numbers(since_date=date.today() - timedelta(days=7), statuses=True)
        print(f"{page.total_count} orders ({page.test_order_count} test)")
        for summary in page.orders:
            print(f"  {summary.id} placed {summary.placed_at:%Y-%m-%d %H:%M} UTC  {summary.status}")
        if not page.orders:
            return
        order = await zonos.order_detail(page.orders[0].id)
        print(f"{order.id}: {order.status} - {order.status.description}")
        if order.response is not None:
            answer = order.response
            print(f"  (HTTP {answer.status_code} in {answer.elapsed * 1000:.1f} ms)")
        print(f"  safe to log: {order!r}")
        print(f"  ship to {order.name}, {order.city} {order.country_code}")
        print(f"  total {order.grand_total}")
        for item in order.items:
            print(f"  {item.quantity} x {item.description} at {item.unit_price}")
        if write and order.status is OrderStatus.IGLOBAL_ORDER_IN_PROCESS:
            print((await zonos.update_merchant_order_id(order.id, "12-34567")).message)
            result = await zonos.update_vendor_order_status(
                order.id, OrderStatus.VENDOR_PREPARING_ORDER
            )
            print(result.message)
        try:
            await zonos.update_vendor_order_status(order.id, "IGLOBAL_ORDER_CANCELLED")
        except zonos_async.InvalidRequestError as error:
            print(f"refused before sending: {error}")


if __name__ == "__main__":
    anyio.run(main)
