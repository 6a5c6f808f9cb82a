"""The fake over real HTTP: uvicorn on a loopback port, as an async context manager, a thread
or a CLI.

uvicorn is the optional ``fake-server`` extra and is imported only here, inside functions.
Its ``Server.serve`` is asyncio code, so :func:`serve` works under asyncio only (the in-memory
:meth:`FakeZonos.transport` works under trio too). :func:`serve_in_thread` runs uvicorn on its
own event loop in a thread: for synchronous tests, and for tests whose client is another process
while the test inspects the fake.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    import uvicorn

    from ._fake import FakeZonos

__all__ = ["bind_socket", "run", "serve", "serve_in_thread"]

logger = logging.getLogger("zonos_async.testing")

_MISSING = "serving the fake over HTTP needs uvicorn: pip install 'zonos-async[fake-server]'"


class _QuietDrops(logging.Filter):
    """Hides uvicorn's complaint about the answers the fake abandons on purpose (drops)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing response."


def _require_asyncio() -> None:
    try:
        import sniffio
    except ImportError:  # pragma: no cover - then uvicorn's own error has to do
        return
    library = sniffio.current_async_library()
    if library != "asyncio":
        raise RuntimeError(
            f"FakeZonos.serve() runs uvicorn, which needs asyncio (this is {library}); "
            "use FakeZonos.transport() instead"
        )


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket bound to ``(host, port)``; port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and accepted sockets inherit proto 0 otherwise (Nagle + delayed ACK: ~40 ms per answer).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _make_server(
    fake: FakeZonos, host: str, port: int, *, log_level: str, quiet: bool
) -> uvicorn.Server:
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(_MISSING) from exc
    config = uvicorn.Config(
        fake.asgi_app,
        host=host,
        port=port,
        lifespan="on",
        log_level=log_level,
        access_log=not quiet,
        log_config=None if quiet else uvicorn.config.LOGGING_CONFIG,
        timeout_graceful_shutdown=1,
    )

    class _Server(uvicorn.Server):
        """Leaves signal handling to the host application."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return _Server(config) if quiet else uvicorn.Server(config)


@contextlib.asynccontextmanager
async def serve(fake: FakeZonos, *, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Run ``fake`` under uvicorn in a background task; yields ``"http://host:port"``.

    asyncio only. Port 0 (the default) picks a free port. On exit the server is asked to stop
    and waited for (at most about a second for requests still hanging).

    Raises:
        RuntimeError: uvicorn is not installed, or the server did not start.
    """
    _require_asyncio()
    sock = bind_socket(host, port)
    server = _make_server(fake, host, sock.getsockname()[1], log_level="warning", quiet=True)
    stopped = anyio.Event()
    quiet = _QuietDrops()
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addFilter(quiet)

    async def run_server() -> None:
        try:
            await server.serve(sockets=[sock])
        finally:
            stopped.set()

    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run_server)
            while not server.started:
                if stopped.is_set():
                    raise RuntimeError("the fake Zonos server did not start")
                await anyio.sleep(0.005)
            try:
                yield _url(host, sock)
            finally:
                server.should_exit = True
    finally:
        uvicorn_errors.removeFilter(quiet)
        sock.close()


@contextlib.contextmanager
def serve_in_thread(fake: FakeZonos, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run ``fake`` under uvicorn in a daemon thread; yields ``"http://host:port"``.

    Works from synchronous code and from any event loop (the server has its own). On exit the
    server is asked to stop and the thread is waited for (a few seconds at most).

    Raises:
        RuntimeError: uvicorn is not installed, or the server did not start within 10 seconds.
    """
    sock = bind_socket(host, port)
    server = _make_server(fake, host, sock.getsockname()[1], log_level="warning", quiet=True)
    quiet = _QuietDrops()
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addFilter(quiet)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="fake-zonos-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Zonos server did not start")
            time.sleep(0.005)
        yield _url(host, sock)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        uvicorn_errors.removeFilter(quiet)
        sock.close()


def run(
    fake: FakeZonos,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve ``fake`` in the foreground until Ctrl-C (what the CLI does).

    ``announce`` is called with the URL once the port is bound; answers follow a moment later.
    """
    sock = bind_socket(host, port)
    url = _url(host, sock)
    server = _make_server(fake, host, sock.getsockname()[1], log_level="info", quiet=False)
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    logger.info("fake Zonos for store %s serving at %s", fake.store, url)
    if announce is not None:
        announce(url)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
