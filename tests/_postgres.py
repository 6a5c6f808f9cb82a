"""A throwaway PostgreSQL cluster for the tests: ``initdb`` + ``pg_ctl`` on a temporary directory.

The server listens on a unix socket in its own directory and on a free loopback TCP port, trusts
local connections, and runs with ``fsync=off`` (the tests kill clients, never the server). As
root (here and in CI) it runs as an unprivileged user: ``$ZONOS_PG_USER``, else ``postgres``
when it exists, else a system user ``zonos-pg`` created on the spot with ``useradd``.

Where the server binaries are absent (``$ZONOS_PG_BIN``, default
``/usr/lib/postgresql/15/bin``), the tests that need it are skipped with that reason, except
under ``CI=true``, where they fail: CI must never pass by skipping them. Any other failure to
start (no such user, a port taken) is an error, never a skip.

The fixtures (``_postgres_fixtures.py``, registered in ``conftest.py``): ``postgres`` (the
session's :class:`Cluster`) and ``postgres_url`` (a fresh, empty database per test, as a
``postgresql+asyncpg://`` URL). This module imports no pytest: the benchmark uses it too.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_BIN = Path(os.environ.get("ZONOS_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "zonos"
_FALLBACK_USER = "zonos-pg"
_names = itertools.count(1)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _server_account() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as (``None``: we are not root)."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("ZONOS_PG_USER")
    for candidate in (name,) if name else ("postgres", _FALLBACK_USER):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(candidate)
    subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            name or _FALLBACK_USER,
        ],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(name or _FALLBACK_USER)


class Cluster:
    """One running server; :meth:`create_database` hands out fresh databases."""

    def __init__(self, root: Path, account: pwd.struct_passwd | None) -> None:
        self.root = root
        self.data = root / "data"
        self.socket_dir = root / "socket"
        self.log = root / "server.log"
        self.port = _free_port()
        self._account = account

    def __repr__(self) -> str:
        return f"<Cluster 127.0.0.1:{self.port} socket={self.socket_dir}>"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy asyncpg URL of ``database`` over loopback TCP."""
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """A plain libpq/asyncpg DSN of ``database`` (for ``asyncpg.connect`` in tests)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL binary as the server's user; raises with its output on failure."""
        account = self._account
        result = subprocess.run(
            [str(PG_BIN / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.root,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        )
        if check and result.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{command[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n"
                f"server log:\n{log}"
            )
        return result

    def start(self) -> None:
        self.socket_dir.mkdir()
        if self._account is not None:
            for path in (self.root, self.socket_dir):
                os.chown(path, self._account.pw_uid, self._account.pw_gid)
        self.run(
            "initdb", "--pgdata", str(self.data), "--username", SUPERUSER, "--auth", "trust",
            "--encoding", "UTF8", "--locale", "C", "--no-sync",
        )  # fmt: skip
        options = " ".join(
            (
                f"-p {self.port}",
                f"-k {self.socket_dir}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
                "-c full_page_writes=off",
                "-c synchronous_commit=off",
                "-c max_connections=200",
                "-c shared_buffers=32MB",
            )
        )
        self.run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.log), "--options",
                 options, "--wait", "--timeout", "60", "start")  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "--pgdata", str(self.data), "--mode", "immediate", "stop", check=False)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` through psql over the socket; returns the unaligned, tuples-only output."""
        result = self.run(
            "psql", "--no-psqlrc", "--quiet", "--tuples-only", "--no-align", "--set",
            "ON_ERROR_STOP=1", "--host", str(self.socket_dir), "--port", str(self.port),
            "--username", SUPERUSER, "--dbname", database, "--command", sql,
        )  # fmt: skip
        return result.stdout.strip()

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"test_{os.getpid()}_{next(_names)}"
        self.psql(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster]:
    """Start a cluster in a new temporary directory; stop it and remove everything after."""
    root = Path(tempfile.mkdtemp(prefix="zonos-pg-"))  # not under pytest's 0700 tmp tree
    cluster = Cluster(root, _server_account())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
