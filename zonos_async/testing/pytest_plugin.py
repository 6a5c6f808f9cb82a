"""pytest fixtures for testing your own code against the fake Zonos.

pytest loads this module by itself wherever ``zonos-async`` is installed (a ``pytest11`` entry
point), so a test only names the fixtures:

- ``zonos_fake``: a fresh :class:`~zonos_async.testing.FakeZonos` per test, seeded the same way
  every time (50 orders, seed 0); plain pytest, usable in sync and async tests alike.
- ``zonos_session``: an open :class:`zonos_async.Session` on that fake's in-memory transport.
  It is an async fixture run by anyio's pytest plugin, so the test is an anyio test
  (``@pytest.mark.anyio``) and runs under every backend the ``anyio_backend`` fixture names:
  asyncio by default, asyncio and trio when your conftest parametrises it.

Options, nearest first:

- ``@pytest.mark.zonos_fake(orders=..., seed=..., ...)``: keyword arguments for
  :meth:`FakeZonos.seeded`, on a test, a class or a module (``pytestmark``);
- the ``zonos_fake_options`` fixture, overridden in a conftest for a whole directory;
- ``@pytest.mark.zonos_session(...)`` and the ``zonos_session_options`` fixture: keyword
  arguments for :class:`zonos_async.Session` (``retry=None``, ``timeout=...``).

The plain ``@pytest.fixture`` async fixture coexists with pytest-asyncio in strict mode: strict
mode leaves undecorated async fixtures to anyio, and ``@pytest.mark.asyncio`` tests keep working
beside ``@pytest.mark.anyio`` ones. Nothing of the library is imported until a fixture is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from zonos_async import Session
    from zonos_async.testing import FakeZonos

__all__ = [
    "DEFAULT_FAKE_OPTIONS",
    "zonos_fake",
    "zonos_fake_options",
    "zonos_session",
    "zonos_session_options",
]

DEFAULT_FAKE_OPTIONS: dict[str, Any] = {"orders": 50, "seed": 0}
"""What ``zonos_fake`` passes to :meth:`FakeZonos.seeded` unless told otherwise."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "zonos_fake(**options): keyword arguments for FakeZonos.seeded() in the zonos_fake "
        "fixture (zonos-async's pytest plugin)",
    )
    config.addinivalue_line(
        "markers",
        "zonos_session(**options): keyword arguments for zonos_async.Session() in the "
        "zonos_session fixture (zonos-async's pytest plugin)",
    )


def _marked(request: pytest.FixtureRequest, name: str) -> dict[str, Any]:
    """The keyword arguments of every ``name`` marker, the nearest (the test's) winning."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(name))):
        options.update(marker.kwargs)
    return options


@pytest.fixture
def zonos_fake_options() -> dict[str, Any]:
    """Keyword arguments for :meth:`FakeZonos.seeded`; override it in a conftest."""
    return dict(DEFAULT_FAKE_OPTIONS)


@pytest.fixture
def zonos_fake(request: pytest.FixtureRequest, zonos_fake_options: dict[str, Any]) -> FakeZonos:
    """A fresh, seeded fake Zonos: the same orders on every run."""
    from zonos_async.testing import FakeZonos

    return FakeZonos.seeded(**{**zonos_fake_options, **_marked(request, "zonos_fake")})


@pytest.fixture
def zonos_session_options() -> dict[str, Any]:
    """Keyword arguments for :class:`zonos_async.Session`; override it in a conftest."""
    return {}


@pytest.fixture
async def zonos_session(
    request: pytest.FixtureRequest,
    zonos_fake: FakeZonos,
    zonos_session_options: dict[str, Any],
    anyio_backend: object,
) -> AsyncIterator[Session]:
    """An open session on ``zonos_fake`` (in memory, no sockets), closed after the test."""
    if request.node.get_closest_marker("asyncio") is not None:
        # anyio runs this fixture, pytest-asyncio the test: two event loops, one session.
        pytest.fail(
            "zonos_session is an anyio fixture: mark the test @pytest.mark.anyio instead of "
            "@pytest.mark.asyncio, or open a Session on zonos_fake in the test",
            pytrace=False,
        )
    import zonos_async

    options = {**zonos_session_options, **_marked(request, "zonos_session")}
    options.setdefault("transport", zonos_fake.transport())
    async with zonos_async.Session(zonos_fake.store, zonos_fake.secret, **options) as session:
        yield session
