"""``python -m zonos_async.testing``: a real process whose banner says how to reach it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import anyio
import httpx
import pytest

import zonos_async
from zonos_async.testing import DOC_SECRET
from zonos_async.testing.__main__ import banner

REPO = Path(__file__).parents[2]
BANNER = re.compile(
    r"^Fake Zonos at (?P<url>http://127\.0\.0\.1:\d+)  store=(?P<store>\d+) "
    r"secret=(?P<secret>\S+)  \((?P<env>.+)\)$"
)


def start(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "zonos_async.testing", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )


@pytest.fixture
def server() -> Iterator[subprocess.Popen[str]]:
    process = start("--port", "0", "--orders", "5", "--seed", "3", "--store", "321")
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def first_line(process: subprocess.Popen[str], seconds: float = 30) -> str:
    """The process's first stdout line, or a failure after ``seconds`` (never a hang)."""
    stdout = process.stdout
    assert stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    assert lines, "no banner"
    return lines[0].rstrip("\n")


def answering(url: str) -> None:
    """Wait (20 s at most) until the server accepts connections: it binds before it listens."""
    for _ in range(400):
        try:
            httpx.post(f"{url}/v1/orderNumbers", json={}, trust_env=False)
            return
        except httpx.ConnectError:
            threading.Event().wait(0.05)
    pytest.fail("the fake never answered")


def test_the_banner_says_what_a_client_sends(
    server: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    match = BANNER.match(first_line(server))
    assert match is not None
    url, store, secret = match["url"], int(match["store"]), match["secret"]
    assert (store, secret) == (321, DOC_SECRET)
    env = dict(pair.split("=", 1) for pair in shlex.split(match["env"]))
    assert env == {"ZONOS_BASE_URL": url, "ZONOS_STORE_ID": "321", "ZONOS_SECRET": secret}

    # What the banner says is enough to talk to it.
    body = {"store": store, "secret": secret, "sinceDate": "20000101"}
    answering(url)
    response = httpx.post(f"{url}/v1/orderNumbers", json=body, trust_env=False)
    assert response.status_code == 200
    assert response.json()["totalCount"] == 5
    # ... and so are the variables, for code that builds its own Session().
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    async def count() -> int:
        async with zonos_async.Session() as zonos:
            return (await zonos.order_numbers(since_date=date(2000, 1, 1))).total_count

    assert anyio.run(count) == 5
    wrong = httpx.post(
        f"{url}/v1/orderNumbers", json={**body, "secret": "nope"}, trust_env=False
    ).json()
    assert "error" in wrong


def test_the_banner_quotes_for_a_shell() -> None:
    line = banner("http://127.0.0.1:8080", 7, "it's a secret")
    env = line.split("  (", 1)[1].rstrip(")")
    assert dict(pair.split("=", 1) for pair in shlex.split(env))["ZONOS_SECRET"] == "it's a secret"


def test_serve_is_still_accepted_and_a_busy_port_fails_clearly(
    server: subprocess.Popen[str],
) -> None:
    url = BANNER.match(first_line(server))["url"]  # type: ignore[index]
    answering(url)  # listening: before that, a second bind of the port may still succeed
    port = url.rsplit(":", 1)[1]
    second = subprocess.run(
        [sys.executable, "-m", "zonos_async.testing", "serve", "--port", port, "--orders", "1"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 1
    assert "error:" in second.stderr
