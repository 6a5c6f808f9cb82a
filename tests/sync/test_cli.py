"""``zonos-async sync``, ``status`` and ``export`` against the fake over loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import anyio
import anyio.from_thread
import pytest
from click.testing import CliRunner, Result
from sync_support import fake_at

from zonos_async import SqlStore
from zonos_async._cli import cli
from zonos_async.testing import DOC_SECRET, FakeZonos

TODAY = datetime.now(timezone.utc)
SINCE = (TODAY - timedelta(days=31)).date().isoformat()


def run(*args: str) -> Result:
    clean = {"ZONOS_STORE_ID": None, "ZONOS_SECRET": None, "ZONOS_BASE_URL": None}
    return CliRunner().invoke(cli, list(args), env=clean, catch_exceptions=False)


def one_error_line(result: Result) -> str:
    text = result.stderr.strip()
    assert "Traceback" not in result.output + result.stderr
    assert len(text.splitlines()) == 1, text
    assert text.startswith("error:")
    return text


@pytest.fixture
def served() -> Iterator[tuple[FakeZonos, list[str]]]:
    fake = fake_at(now=TODAY, orders=60)
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(fake.serve()) as base_url,
    ):
        yield fake, ["--store", str(fake.store), "--secret", DOC_SECRET, "--base-url", base_url]


def test_sync_then_status_then_export(served: tuple[FakeZonos, list[str]], tmp_path: Path) -> None:
    fake, credentials = served
    db, changes = tmp_path / "orders.db", tmp_path / "changes.jsonl"
    first = run("sync", *credentials, "--since", SINCE, "--db", str(db), "--json")
    assert first.exit_code == 0, first.output + first.stderr
    summary = json.loads(first.stdout)
    assert summary["new"] == 60 and summary["listed"] == 60

    target = fake.order_ids()[-1]
    fake.set_status(target, "IGLOBAL_ORDER_CANCELLED")
    second = run("sync", *credentials, "--db", str(db), "--changes", str(changes))
    assert second.exit_code == 0, second.stderr
    assert "1 status changes" in second.stdout
    events = [json.loads(line) for line in changes.read_text().splitlines()]
    assert len(events) == 61  # the first run had no consumer: its 60 new orders come now
    assert events[-1]["kind"] == "status" and events[-1]["orderId"] == target
    assert events[-1]["to"] == "IGLOBAL_ORDER_CANCELLED"
    assert events[-1]["order"]["orderStatus"] == "IGLOBAL_ORDER_CANCELLED"

    status = run("status", "--db", str(db), "--json")
    assert status.exit_code == 0
    (store,) = json.loads(status.stdout)
    assert store["orders"] == 60 and store["lease"]["holder"] is None
    assert store["by_status"]["IGLOBAL_ORDER_CANCELLED"] >= 1
    assert store["last_run"]["result"] == "ok"

    out = tmp_path / "export.jsonl"
    exported = run("export", "--db", str(db), "--out", str(out))
    assert exported.exit_code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(order["orderId"] for order in lines) == fake.order_ids()
    assert {o["orderId"]: o["orderStatus"] for o in lines}[target] == "IGLOBAL_ORDER_CANCELLED"


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ([], "first run"),
        (["--since", SINCE, "--status", "IGLOBAL_ORDER_INPROCESS"], "unknown status"),
        (["--since", SINCE, "--trailing-days", "-1"], "trailing-days"),
        (["--since", "2026-13-45"], "since"),
    ],
)
def test_bad_arguments_exit_2_before_any_file_is_created(
    served: tuple[FakeZonos, list[str]], tmp_path: Path, extra: list[str], says: str
) -> None:
    fake, credentials = served
    db = tmp_path / "orders.db"
    changes = str(tmp_path / "changes.jsonl")
    result = run("sync", *credentials, "--db", str(db), "--changes", changes, *extra)
    assert result.exit_code == 2
    assert says in one_error_line(result)
    assert list(tmp_path.iterdir()) == []
    assert [c for c in fake.calls if c.endpoint == "orderDetail"] == []


@pytest.mark.parametrize(
    ("db", "says"),
    [
        ("nowhere/orders.db", "does not exist"),
        ("mysql+nosuchdriver://u@h/db", "--db"),
        ("oracle://u@h/db", "--db"),
    ],
)
def test_a_bad_db_exits_2(tmp_path: Path, db: str, says: str) -> None:
    result = run("sync", "--store", "999", "--secret", "s", "--since", SINCE, "--db", db)
    assert result.exit_code == 2
    assert says in one_error_line(result)


def test_missing_credentials_exit_2(tmp_path: Path) -> None:
    result = run("sync", "--since", SINCE, "--db", str(tmp_path / "o.db"))
    assert result.exit_code == 2
    assert "store id" in one_error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_a_held_lease_exits_75_and_does_nothing(
    served: tuple[FakeZonos, list[str]], tmp_path: Path
) -> None:
    fake, credentials = served
    db = tmp_path / "orders.db"

    async def hold() -> None:
        async with SqlStore.open(str(db)) as store:
            await store.migrate()
            await store.acquire(
                fake.store,
                "elsewhere:1:other-run",
                since=TODAY.date(),
                now=datetime.now(timezone.utc),
                lease_seconds=600,
            )

    anyio.run(hold)
    calls = len(fake.calls)
    result = run("sync", *credentials, "--since", SINCE, "--db", str(db))
    assert result.exit_code == 75
    assert "elsewhere:1:other-run" in one_error_line(result)
    assert fake.calls[calls:] == []


def test_a_zonos_failure_exits_1_with_one_line(
    served: tuple[FakeZonos, list[str]], tmp_path: Path
) -> None:
    _, credentials = served
    wrong_secret = "0badc0de-0000-4000-8000-000000000000"  # well formed, but not the store's
    wrong = [*credentials[:3], wrong_secret, *credentials[4:]]
    result = run("sync", *wrong, "--since", SINCE, "--db", str(tmp_path / "o.db"))
    assert result.exit_code == 1
    assert "Invalid security credentials" in one_error_line(result)
    assert wrong_secret not in result.output + result.stderr


def test_the_demo_shows_status_changes_between_two_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("sync", "--demo", "--demo-orders", "300", "--demo-latency-ms", "0")
    assert result.exit_code == 0, result.stderr
    assert "run 2" in result.stdout
    assert "IGLOBAL_FRAUD_REVIEW -> IGLOBAL_ORDER_IN_PROCESS" in result.stdout
    assert "-> IGLOBAL_ORDER_CANCELLED" in result.stdout
    second = result.stdout.split("run 2", 1)[1]
    assert " 0 status changes" not in second
    status = run("status", "--db", "zonos-demo.db", "--json")
    (store,) = json.loads(status.stdout)
    assert store["orders"] >= 300
    assert store["last_run"]["result"] == "ok"
    again = run("sync", "--demo", "--demo-orders", "300", "--demo-latency-ms", "0")
    assert again.exit_code == 0  # a fresh demo store each time


@pytest.mark.parametrize("command", [["status"], ["export", "--out", "orders.jsonl"]])
def test_status_and_export_of_a_missing_database_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*command, "--db", "typo.db")
    assert result.exit_code == 2
    assert "no such database" in one_error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_the_same_commands_on_postgresql(
    served: tuple[FakeZonos, list[str]], postgres_url: str, tmp_path: Path
) -> None:
    _, credentials = served
    first = run("sync", *credentials, "--since", SINCE, "--db", postgres_url, "--json")
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["new"] == 60
    again = run("sync", *credentials, "--db", postgres_url, "--json")
    assert json.loads(again.stdout)["fetched"] == 0
    (store,) = json.loads(run("status", "--db", postgres_url, "--json").stdout)
    assert store["orders"] == 60 and store["lease"]["holder"] is None
    out = tmp_path / "orders.jsonl"
    assert run("export", "--db", postgres_url, "--out", str(out)).exit_code == 0
    assert len(out.read_text().splitlines()) == 60


def test_a_secret_that_is_not_a_guid_is_refused_unless_the_user_opts_out(
    served: tuple[FakeZonos, list[str]], tmp_path: Path
) -> None:
    fake, credentials = served
    odd = [*credentials[:3], "not-a-guid", *credentials[4:]]
    order_id = fake.order_ids()[0]
    calls = len(fake.calls)
    refused = run("order", order_id, *odd)
    assert refused.exit_code == 2  # a bad argument, like any other
    assert "secret is not a GUID" in one_error_line(refused)
    assert "--no-validate-secret" in refused.stderr
    assert len(fake.calls) == calls  # refused before anything was sent
    sent = run("order", order_id, *odd, "--no-validate-secret")
    assert sent.exit_code == 1
    assert "Invalid security credentials" in one_error_line(sent)  # Zonos' own answer
    assert "secret is not a GUID" not in sent.stderr
    assert len(fake.calls) == calls + 1
