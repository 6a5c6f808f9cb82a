from __future__ import annotations

import functools
import json
import logging
import socket
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from _postgres_fixtures import postgres, postgres_url  # noqa: F401 - a throwaway PostgreSQL

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


# --- The secret never shows: every log record, library error and repr of the whole run -------

SECRETS = (SECRET,)


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(f"{record.name}: {record.getMessage()}")
        if record.exc_info and record.exc_info[1] is not None:
            self.texts.append(repr(record.exc_info[1]))


def _record_after(cls: type, method: str, texts: list[str], show: Callable[[Any], str]) -> None:
    original = cls.__dict__[method]

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        texts.append(show(self))
        return result

    setattr(cls, method, wrapper)


def _all_subclasses(cls: type) -> list[type]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_all_subclasses(sub))
    return found


@pytest.fixture(scope="session", autouse=True)
def secret_never_shows(request: pytest.FixtureRequest) -> Iterator[None]:
    """Records what the library says, for the whole run, and fails the run if a secret is in it."""
    import zonos_async
    from zonos_async.testing import FakeZonos

    handler = _Everything()
    root = logging.getLogger()
    library = logging.getLogger("zonos_async")
    old_level = library.level
    library.setLevel(logging.DEBUG)
    root.addHandler(handler)
    texts = handler.texts
    saved = {cls: dict(cls.__dict__) for cls in _all_subclasses(zonos_async.ZonosError)}
    for cls in _all_subclasses(zonos_async.ZonosError):
        if "__init__" in cls.__dict__:
            _record_after(cls, "__init__", texts, lambda e: f"{e!s} {e!r} {vars(e)!r}")
    for cls in (zonos_async.Session, FakeZonos):
        saved[cls] = dict(cls.__dict__)
        _record_after(cls, "__init__", texts, repr)
    try:
        yield
    finally:
        root.removeHandler(handler)
        library.setLevel(old_level)
        for cls, namespace in saved.items():
            if "__init__" in namespace:
                cls.__init__ = namespace["__init__"]  # type: ignore[misc]
    # The whole suite, not files named one by one (as nox -s mutants runs a few hundred tests).
    whole_suite = all(Path(arg).is_dir() for arg in request.config.args)
    if whole_suite and request.session.testscollected > 300:
        assert len(texts) > 1000, "the scan saw too little to mean anything"
    leaks = [text for text in texts if any(secret in text for secret in SECRETS)]
    assert not leaks, f"the secret showed in {len(leaks)} texts, e.g. {leaks[:3]}"


def order_answer(request: Any, name: str = "orderDetail-response-minimal.json") -> Any:
    """A fixture order as the answer to an ``orderDetail`` request: the order asked for."""
    import httpx

    data = load(name)
    asked = json.loads(request.content).get("orderId")  # by referenceId: the fixture's order
    data["order"]["orderId"] = asked or data["order"]["orderId"]
    return httpx.Response(200, content=json.dumps(data, default=str).encode())


async def no_wait(seconds: float) -> None:
    """A retry policy's ``sleep=``: waits are reported to the hook, not slept."""
    await anyio.lowlevel.checkpoint()


def free_port() -> int:
    """A loopback port nothing listens on (a refused connection)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
