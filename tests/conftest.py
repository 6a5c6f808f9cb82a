from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
STORE = 999
SECRET = "f5bde245-f55e-414d-b722-80b25161c12c"
BASE = "https://api.iglobalstores.com"


def load(name: str) -> Any:
    """A fixture file, numbers as Decimal (the way the library reads them)."""
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)


def raw(name: str) -> bytes:
    """A fixture file's bytes, to answer with exactly what the vendor documents."""
    return (FIXTURES / name).read_bytes()


def catalog() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads(
        (FIXTURES / "error-catalog.json").read_text()
    )
    return {key: value for key, value in data.items() if not key.startswith("_")}


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "asyncio")
