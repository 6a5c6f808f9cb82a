"""The order-success page of ``webapp.py``, as a FastAPI app.

The shop logic (acting on the status, the stand-in database, the page itself) is the Starlette
example's, imported from ``webapp.py`` beside this file; what changes with FastAPI is how the
app holds its session and hands it to a route: a lifespan opens one session for the app's life,
and a dependency (``ZonosDep``) gives it to every request. Tests override the session factory
(``create_app(factory)``) the same way as with Starlette. Run it with::

    pip install zonos-async fastapi uvicorn
    export ZONOS_STORE_ID=999 ZONOS_SECRET=...
    uvicorn fastapi_app:app --app-dir examples
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from webapp import SessionFactory, Shop, session_from_env, success_page

import zonos_async


# --8<-- [start:app]
def create_app(
    session_factory: SessionFactory = session_from_env, shop: Shop | None = None
) -> FastAPI:
    """The app. Tests pass a ``session_factory`` that returns a session on the fake."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One session, one connection pool, for the app's whole life.
        async with session_factory() as zonos:
            app.state.zonos = zonos
            yield

    app = FastAPI(lifespan=lifespan)
    app.state.shop = shop if shop is not None else Shop()
    app.get("/thank-you", response_class=HTMLResponse)(thank_you)
    return app


def get_zonos(request: Request) -> zonos_async.Session:
    """The app's session: shared by every request, never opened per request."""
    session: zonos_async.Session = request.app.state.zonos
    return session


def get_shop(request: Request) -> Shop:
    shop: Shop = request.app.state.shop
    return shop


ZonosDep = Annotated[zonos_async.Session, Depends(get_zonos)]
ShopDep = Annotated[Shop, Depends(get_shop)]


async def thank_you(
    zonos: ZonosDep, shop: ShopDep, order_id: Annotated[str, Query(alias="orderId")] = ""
) -> HTMLResponse:
    return await success_page(zonos, shop, order_id)


app = create_app()
# --8<-- [end:app]

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app)
