"""The PostgreSQL fixtures (see ``_postgres.py``): skipped only without the server binaries,
failing instead under ``CI=true``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _postgres import PG_BIN, Cluster, in_ci, running_cluster


def require_binaries(bin_dir: Path = PG_BIN) -> None:
    """Skip (or, under ``CI=true``, fail) unless the server binaries are in ``bin_dir``."""
    needed = ("initdb", "pg_ctl", "postgres", "psql")
    missing = [name for name in needed if not (bin_dir / name).is_file()]
    if not missing:
        return
    reason = (
        f"PostgreSQL server binaries not found in {bin_dir} ({', '.join(missing)}); "
        "install postgresql-15 or set ZONOS_PG_BIN"
    )
    if in_ci():
        pytest.fail(f"CI=true: the PostgreSQL tests must run, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """The session's throwaway PostgreSQL cluster."""
    require_binaries()
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres: Cluster) -> Iterator[str]:
    """A fresh empty database of the session's cluster, as a ``postgresql+asyncpg://`` URL."""
    name = postgres.create_database()
    try:
        yield postgres.url(name)
    finally:
        postgres.drop_database(name)
