"""The benchmark harness runs end to end (``benchmarks/run.py --quick``); never a timing assert.

Speed is measured only by ``nox -s bench``; this smoke run only proves the harness, the fake
over HTTP and the clients still fit together.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not (ROOT / "benchmarks" / "run.py").exists(), reason="no benchmarks/ in this checkout"
)


def test_quick_bench_prints_the_tables() -> None:
    missing = [m for m in ("aiohttp", "requests") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"bench-only dependencies not installed: {', '.join(missing)} (nox -s bench)")
    env = {**os.environ, "BENCH_SMOKE": "1"}
    done = subprocess.run(
        # The importer's table timed JsonLinesSink + FileCheckpoint, which the sync replaced
        # (issue 12); the sync's benchmark takes its place.
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--no-importer"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for header in (
        "# Performance",
        "**A smoke run (tiny N, one process): these figures are not a measurement.**",
        "## Targets",
        "### Client CPU per call, µs (asyncio, latency 0",
        "| client | C=1 | C=10 |",
        "### Wall time / ideal at 50 ms server latency (asyncio)",
        "### Parse cost alone",
        "## How it was measured",
    ):
        assert header in out, out
    assert "zonos_async `Session.order_detail`" in out
