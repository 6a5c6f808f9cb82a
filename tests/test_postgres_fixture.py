"""The throwaway PostgreSQL cluster of the sync tests really runs and hands out fresh databases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _postgres import Cluster, in_ci
from _postgres_fixtures import require_binaries


def test_the_cluster_runs_as_an_unprivileged_user(postgres: Cluster) -> None:
    owner = postgres.psql("SELECT current_setting('data_directory')")
    assert owner == str(postgres.data)
    assert postgres.data.stat().st_uid != 0 or os.geteuid() != 0
    assert postgres.psql("SHOW server_version").startswith("15")


@pytest.mark.asyncio
async def test_each_test_gets_a_fresh_database(postgres: Cluster, postgres_url: str) -> None:
    asyncpg = pytest.importorskip("asyncpg")
    assert postgres_url.startswith("postgresql+asyncpg://")
    database = postgres_url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(postgres.dsn(database))
    try:
        assert await connection.fetchval("SELECT current_database()") == database
        tables = await connection.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == 0
        await connection.execute("CREATE TABLE t (x int)")
    finally:
        await connection.close()


def test_absent_binaries_skip_but_fail_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CI", "")
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception, match="not found in"):
        require_binaries(tmp_path)
    monkeypatch.setenv("CI", "true")
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="CI=true: the PostgreSQL tests must run"):
        require_binaries(tmp_path)
