"""The examples in examples/ run as a user would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_quickstart_runs_without_credentials() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONOS_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "2 orders (1 test)" in done.stdout
    assert "Updated Order: 99991 to new order status: VENDOR_PREPARING_ORDER" in done.stdout
    assert "refused before sending" in done.stdout
    assert "(HTTP 200 in " in done.stdout
    assert "safe to log: Order(id='999-99991'" in done.stdout
    assert "erika@example.com" not in done.stdout.split("safe to log:")[1].split("\n")[0]
    assert "f5bde245" not in done.stdout + done.stderr
