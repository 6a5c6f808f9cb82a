"""The zonos-async command: the demo, every command against a served fake, and clean errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from zonos_async._cli import cli
from zonos_async.testing import DOC_SECRET

ROOT = Path(__file__).resolve().parents[2]
SECRET = DOC_SECRET
SINCE = (datetime.now(timezone.utc).date() - timedelta(days=12)).isoformat()


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    runner = CliRunner()
    clean = {"ZONOS_STORE_ID": None, "ZONOS_SECRET": None, "ZONOS_BASE_URL": None}
    return runner.invoke(cli, list(args), env={**clean, **(env or {})}, catch_exceptions=False)


def one_error_line(result: Result) -> str:
    assert result.exit_code != 0
    text = result.stderr.strip()
    assert "Traceback" not in result.output + result.stderr
    assert len(text.splitlines()) == 1, text
    assert text.startswith("error:")
    return text


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "zonos_async.testing", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--orders", "40", "--days", "10"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(base_url + "/v1/orderNumbers", json={}, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the fake server did not start"
                time.sleep(0.05)
        yield base_url
    finally:
        process.terminate()
        process.wait(10)


def creds(base_url: str) -> list[str]:
    return ["--store", "999", "--secret", SECRET, "--base-url", base_url]


def test_import_demo_writes_every_order(tmp_path: Path) -> None:
    out = tmp_path / "demo.jsonl"
    args = ["import", "--demo", "--demo-orders", "40", "--demo-latency-ms", "1", "--out", str(out)]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert len(out.read_text().splitlines()) == 40
    assert "written to the file" in result.stdout
    assert Path(f"{out}.checkpoint.json").exists()
    again = run(*args)  # resumes: nothing new
    assert again.exit_code == 0
    assert "(resumed)" in again.stdout
    assert len(out.read_text().splitlines()) == 40


def test_import_against_a_server_and_resume_without_since(server: str, tmp_path: Path) -> None:
    out = tmp_path / "orders.jsonl"
    since = SINCE
    first = run("import", *creds(server), "--since", since, "--out", str(out), "--ordered")
    assert first.exit_code == 0, first.stderr
    ids = [json.loads(line)["orderId"] for line in out.read_text().splitlines()]
    assert len(ids) == 40
    assert ids == sorted(ids)
    env = {"ZONOS_STORE_ID": "999", "ZONOS_SECRET": SECRET, "ZONOS_BASE_URL": server}
    second = run("import", "--out", str(out), "--ordered", env=env)
    assert second.exit_code == 0, second.stderr
    assert len(out.read_text().splitlines()) == 40
    assert SECRET not in first.output + first.stderr + second.output + second.stderr


def test_orders_order_and_updates(server: str, tmp_path: Path) -> None:
    listed = run("orders", *creds(server), "--since", SINCE, "--json")
    assert listed.exit_code == 0, listed.stderr
    page = json.loads(listed.stdout)
    assert page["totalCount"] == 40
    first = page["orders"][0]["id"]
    table = run("orders", *creds(server), "--since", SINCE, "--statuses")
    assert table.exit_code == 0
    assert first in table.stdout
    shown = run("order", *creds(server), first)
    assert shown.exit_code == 0
    assert f"order {first}" in shown.stdout
    raw = run("order", *creds(server), first, "--json")
    assert json.loads(raw.stdout)["orderId"] == first
    merchant = run("set-merchant-id", *creds(server), first, "M-1")
    assert merchant.exit_code == 0, merchant.stderr
    assert (
        json.loads(run("order", *creds(server), first, "--json").stdout)["merchantOrderId"] == "M-1"
    )
    status = run("set-status", *creds(server), first, "vendor_end_of_day_complete")
    assert status.exit_code in (0, 1)  # the generated order may already be in a final status
    if status.exit_code:
        one_error_line(status)
    for result in (listed, table, shown, raw, merchant, status):
        assert SECRET not in result.output + result.stderr


def test_reconcile_command(server: str, tmp_path: Path) -> None:
    page = json.loads(run("orders", *creds(server), "--since", SINCE, "--json").stdout)
    ids = [entry["id"] for entry in page["orders"]]
    known = tmp_path / "known.txt"
    known.write_text("\n".join(ids[:30]) + "\n")
    result = run("reconcile", *creds(server), "--since", SINCE, "--known", str(known), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["missing_here"] == ids[30:]
    assert report["listed"] == 40


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["order", "999-1"], "store"),
        (["order", "999-1", "--store", "999"], "secret"),
        (["import", "--since", "2026-13-01"], "since"),
        (["import", "--out", "nowhere.jsonl", "--no-checkpoint"], "--since"),
        (["import", "--demo", "--concurrency", "0"], "concurrency"),
        (
            ["set-status", "999-1", "IGLOBAL_ORDER_ON_HOLD", "--store", "999", "--secret", SECRET],
            "vendor cannot set",
        ),
        (["order", "abc", "--store", "999", "--secret", SECRET], "not a Zonos order id"),
        (["nonsense"], "nonsense"),
    ],
)
def test_bad_input_is_one_red_line(args: list[str], needle: str, tmp_path: Path) -> None:
    os.chdir(tmp_path)
    result = run(*args)
    line = one_error_line(result)
    assert needle in line
    assert SECRET not in result.output + result.stderr


def test_api_and_network_errors_are_one_line_without_the_secret(server: str) -> None:
    wrong = "0e5a9c1e-1111-2222-3333-444455556666"
    denied = run("orders", "--store", "999", "--secret", wrong, "--base-url", server,
                 "--since", SINCE)  # fmt: skip
    assert "Invalid security credentials" in one_error_line(denied)
    assert wrong not in denied.output + denied.stderr
    missing = run("order", *creds(server), "999-1")
    assert "Could not find" in one_error_line(missing)
    refused = run("order", "999-1", "--store", "999", "--secret", wrong,
                  "--base-url", "http://127.0.0.1:9")  # fmt: skip
    assert refused.exit_code == 1
    one_error_line(refused)
    assert wrong not in refused.output + refused.stderr


def test_python_dash_m_without_arguments_shows_help() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "zonos_async", "--help"], capture_output=True, env=env, check=False
    )
    assert result.returncode == 0
    assert b"import" in result.stdout
