"""The exactly-once proof: SIGKILL a real import process at 50+ seeded random moments.

The fake Zonos is served over HTTP from this test process (so new orders can arrive between
runs, as they would for a scheduled job). Each run is a real OS process executing the
``zonos-async import`` command with the same arguments, checkpoint and output file; it is
killed with SIGKILL at a random moment and started again. Python needs about a second to
import httpx and friends, so runs are forked from a helper process that has already imported
the command (a "zygote"): each run is still its own process, killed for real. The first and
the last runs are plain ``python -m zonos_async`` processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import anyio
import pytest
from anyio.abc import Process
from importer_support import NOW, make_fake

from zonos_async.testing import Faults

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
KILLS = 50
ORDERS = 300

ZYGOTE = r"""
import json, os, sys
from zonos_async._cli import main
for line in sys.stdin:
    argv = json.loads(line)
    pid = os.fork()
    if pid == 0:
        log = os.open(argv.pop(), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(log, 1)
        os.dup2(log, 2)
        code = 0
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 99
        os._exit(code)
    print("pid", pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print("status", status, flush=True)
"""


class Lines:
    def __init__(self, process: Process) -> None:
        assert process.stdout is not None
        self.stream = process.stdout
        self.buffer = b""

    async def next(self) -> str:
        while b"\n" not in self.buffer:
            self.buffer += await self.stream.receive()
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()


async def first_call(calls: Sequence[object], before: int) -> None:
    """Until the fake has seen a request beyond the first ``before`` (it records every call)."""
    while len(calls) == before:  # noqa: ASYNC110 (the fake offers no event to wait on)
        await anyio.sleep(0.002)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("ZONOS_SECRET", None)
    return env


@pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL")
async def test_killed_at_random_moments_every_order_lands_exactly_once(tmp_path: Path) -> None:
    rng = random.Random(20261120)
    fake = make_fake(orders=ORDERS, seed=5)
    # Latency long enough that a resumed run is still working when its kill comes, however
    # fast the client gets.
    fake.faults = Faults(seed=5, latency=0.02)
    out = tmp_path / "orders.jsonl"
    state = tmp_path / "orders.checkpoint.json"
    log = tmp_path / "runs.log"
    since = (NOW - timedelta(days=31)).date().isoformat()

    async with fake.serve(port=0) as base_url:
        argv = [
            "import", "--store", str(fake.store), "--secret", fake.secret,
            "--base-url", base_url, "--since", since, "--out", str(out),
            "--checkpoint", str(state), "--concurrency", "4", "--window-days", "5",
            "--commit-every", "5", "--no-progress",
        ]  # fmt: skip

        async def plain_run() -> int:
            command = [sys.executable, "-m", "zonos_async", *argv]
            result = await anyio.run_process(command, check=False, env=environment(), cwd=ROOT)
            assert fake.secret.encode() not in result.stdout + result.stderr
            assert b"Traceback" not in result.stderr, result.stderr.decode()
            return result.returncode

        # A first, short plain run, killed as soon as it has made its first call.
        async with await anyio.open_process(
            [sys.executable, "-m", "zonos_async", *argv], env=environment(), cwd=ROOT
        ) as first:
            calls = len(fake.calls)
            with anyio.move_on_after(20):
                await first_call(fake.calls, calls)
            first.kill()
            await first.wait()

        landed = 0
        progress: list[int] = []
        zygote = await anyio.open_process(
            [sys.executable, "-c", ZYGOTE], env=environment(), cwd=ROOT
        )
        try:
            lines = Lines(zygote)
            assert zygote.stdin is not None
            attempts = 0
            while landed < KILLS:
                attempts += 1
                assert attempts < 3 * KILLS, "runs keep finishing before the kill"
                for _ in range(rng.randrange(0, 8)):  # the shop keeps selling
                    fake.add_order(placed_at=NOW - timedelta(minutes=rng.randrange(0, 600)))
                calls = len(fake.calls)
                await zygote.stdin.send((json.dumps([*argv, str(log)]) + "\n").encode())
                pid = int((await lines.next()).split()[1])
                if rng.random() < 0.2:  # while starting up
                    await anyio.sleep(rng.uniform(0.0, 0.05))
                else:  # while importing: after its first call, up to ~a whole run later
                    with anyio.move_on_after(5):
                        await first_call(fake.calls, calls)
                    await anyio.sleep(rng.uniform(0.0, 0.2))
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                status = int((await lines.next()).split()[1])
                if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                    landed += 1
                else:
                    assert os.WIFEXITED(status), status
                    assert os.WEXITSTATUS(status) == 0, log.read_text()[-2000:]
                progress.append(len(out.read_bytes().splitlines()) if out.exists() else 0)
        finally:
            if zygote.stdin is not None:
                await zygote.stdin.aclose()
            with anyio.move_on_after(5):
                await zygote.wait()
            if zygote.returncode is None:
                zygote.kill()
            await zygote.aclose()

        assert await plain_run() == 0  # the last run completes the import

    lines_ = out.read_text().splitlines()
    counted = Counter(json.loads(line)["orderId"] for line in lines_)
    assert counted == Counter(fake.order_ids()), "every order exactly once"
    assert landed >= KILLS
    # The kills really did land mid-import, at many different points of the output.
    assert len(set(progress)) >= 10, progress
    assert fake.secret not in log.read_text()
    assert "Traceback" not in log.read_text()
