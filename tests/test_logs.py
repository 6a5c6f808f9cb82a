"""ZONOS_LOG turns the library's logging on, without code."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from zonos_async import _logs

ROOT = Path(__file__).parents[1]

SCRIPT = """
import anyio, zonos_async
from zonos_async.testing import FakeZonos

async def main():
    fake = FakeZonos.seeded(orders=1, seed=1)
    async with zonos_async.Session(fake.store, fake.secret, transport=fake.transport()) as zonos:
        await zonos.order_detail(fake.order_ids()[0])

anyio.run(main)
"""


def run(zonos_log: str | None, script: str = SCRIPT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ZONOS_LOG"}
    if zonos_log is not None:
        env["ZONOS_LOG"] = zonos_log
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )


def test_zonos_log_debug_prints_every_request_to_stderr() -> None:
    quiet, loud = run(None), run("DEBUG")
    assert quiet.returncode == loud.returncode == 0, loud.stderr
    assert quiet.stderr == ""
    assert "zonos_async DEBUG orderDetail order_id=999-100001 attempt=1 -> HTTP 200" in loud.stderr
    assert "f5bde245-f55e-414d-b722-80b25161c12c" not in loud.stderr


def test_an_app_that_configures_logging_after_the_import_sees_each_line_once() -> None:
    script = SCRIPT.replace(
        "from zonos_async.testing import FakeZonos",
        "from zonos_async.testing import FakeZonos\n"
        "import logging\n"
        "logging.basicConfig(format='APP %(name)s %(message)s')",
    )
    result = run("debug", script)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "attempt=1 -> HTTP 200" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("APP zonos_async orderDetail")


@pytest.fixture
def library_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("zonos_async")
    level, handlers = logger.level, list(logger.handlers)
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


def test_the_level_is_set_and_a_handler_added_once(
    library_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # an app that configured nothing
    _logs.configure_from_environment({"ZONOS_LOG": " info "})
    _logs.configure_from_environment({"ZONOS_LOG": "info"})
    assert library_logger.level == logging.INFO
    added = [h for h in library_logger.handlers if isinstance(h, _logs._EnvironmentHandler)]
    assert len(added) == 1


def test_an_app_s_own_logging_gets_the_level_and_the_added_handler_stays_silent(
    library_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert logging.getLogger().handlers  # pytest's capture handler stands for the app's
    _logs.configure_from_environment({"ZONOS_LOG": "warning"})
    assert library_logger.level == logging.WARNING
    library_logger.warning("heard once")
    assert "heard once" not in capsys.readouterr().err


def test_an_unknown_level_is_ignored_with_a_warning(library_logger: logging.Logger) -> None:
    before = library_logger.level
    with pytest.warns(UserWarning, match="ZONOS_LOG='loud' is not one of debug, info"):
        _logs.configure_from_environment({"ZONOS_LOG": "loud"})
    _logs.configure_from_environment({})
    assert library_logger.level == before
