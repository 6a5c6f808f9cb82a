"""A process that has imported the command line once and forks a ``zonos-async`` run on request.

Python, SQLAlchemy and the drivers take a second or more to import on a busy two-core machine;
the kill test needs 50 and more runs per database, so it forks them from here instead: each run
is still its own OS process executing ``zonos_async.__main__.main`` (what the ``zonos-async``
console script calls) with its own argv, environment and output files, and it is killed with a
real SIGKILL. Nothing here starts a thread or an event loop before forking.

Protocol, one JSON object per line on stdin, one answer per line on stdout:

- ``{"run": [args...], "env": {...}, "out": path, "err": path, "fsize": bytes or null}`` ->
  ``{"pid": n}`` (``fsize``: the run's RLIMIT_FSIZE, with SIGXFSZ ignored so that a write past
  it fails with EFBIG as a full disk would)
- ``{"wait": pid, "timeout": seconds or null}`` -> ``{"code": exit status or null (still running),
  "signal": number or null}``
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import resource
import signal
import sys
import time
from typing import Any

PRELOAD = (
    "zonos_async",
    "zonos_async._cli",
    "zonos_async._sync",
    "sqlalchemy.ext.asyncio",
    "aiosqlite",
    "asyncpg",
    "alembic",
)


def _child(command: dict[str, Any]) -> None:
    code = 1
    try:
        out = os.open(command["out"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        err = os.open(command["err"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(out, 1)
        os.dup2(err, 2)
        if command.get("fsize") is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (command["fsize"], resource.RLIM_INFINITY))
        os.environ.clear()
        os.environ.update(command["env"])
        sys.argv = ["zonos-async", *command["run"]]
        from zonos_async.__main__ import main

        try:
            main(command["run"])
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


_ended: dict[int, dict[str, int | None]] = {}  # reaped runs: asking again gives the same answer


def _wait(pid: int, timeout: float | None) -> dict[str, int | None]:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        if pid in _ended:
            return _ended[pid]
        done, status = os.waitpid(pid, 0 if deadline is None else os.WNOHANG)
        if done:
            if os.WIFSIGNALED(status):
                _ended[pid] = {"code": None, "signal": os.WTERMSIG(status)}
            else:
                _ended[pid] = {"code": os.WEXITSTATUS(status), "signal": None}
            continue
        if deadline is not None and time.monotonic() >= deadline:
            return {"code": None, "signal": None}
        time.sleep(0.002)


def serve() -> None:
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    answer = sys.stdout
    print(json.dumps({"ready": True}), file=answer, flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if "run" in command:
            pid = os.fork()
            if pid == 0:
                sys.stdin.close()
                _child(command)
            print(json.dumps({"pid": pid}), file=answer, flush=True)
        else:
            print(json.dumps(_wait(command["wait"], command["timeout"])), file=answer, flush=True)


if __name__ == "__main__":
    serve()
