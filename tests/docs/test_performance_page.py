"""docs/performance.md is drawn from the results saved beside it, and fits the page."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
PAGE = ROOT / "docs" / "performance.md"


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def snap() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PAGE.with_suffix(".json").read_text())
    return data


def test_the_page_is_what_its_saved_results_render(snap: dict[str, Any]) -> None:
    charts = re.findall(r"^!\[(.+)\]\((performance-\w+\.svg)\)$", PAGE.read_text(), re.M)
    assert len(charts) == 2
    for _, name in charts:
        assert (PAGE.parent / name).read_text().startswith("<?xml")
    expected = bench.render_page(snap, [(name, caption) for caption, name in charts])
    assert PAGE.read_text() == expected, "re-render: python benchmarks/run.py --render-from ..."


def test_the_verdict_and_the_pictures_come_first() -> None:
    text = PAGE.read_text()
    verdict = re.search(r"^\*\*(Every target holds|\d+ of \d+ targets? missed)\*\*", text, re.M)
    assert verdict is not None, "the page opens with the verdict"
    assert verdict.start() < text.index("![") < text.index("## Targets")
    assert text.index("## Targets") < text.index("## How it was measured")


def test_no_table_is_wider_than_the_page_and_no_internal_labels() -> None:
    text = PAGE.read_text()
    widths = [line.count("|") - 1 for line in text.splitlines() if line.startswith("|")]
    assert max(widths) <= bench.MAX_COLUMNS
    assert not re.search(r"\bissue \d", text, re.IGNORECASE)


def test_wide_tables_are_split_keeping_the_first_column() -> None:
    table = ["| a | b | c | d |", "|---|---:|---:|---:|", "| x | 1 | 2 | 3 |", "after"]
    assert bench._fit_tables(table, max_columns=3) == [
        "| a | b | c |",
        "| --- | ---: | ---: |",
        "| x | 1 | 2 |",
        "",
        "| a | d |",
        "| --- | ---: |",
        "| x | 3 |",
        "after",
    ]


def test_a_snapshot_round_trips(snap: dict[str, Any]) -> None:
    plan, results = bench.restore(snap)
    again = bench.snapshot(plan, results)
    # json.dumps: the runs hold NaN (no CPU figure for a latency run), and NaN != NaN.
    assert json.dumps(again["runs"], sort_keys=True) == json.dumps(snap["runs"], sort_keys=True)
    assert bench.restore(json.loads(json.dumps(again)))[0] == plan
