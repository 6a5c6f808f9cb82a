"""The pages that restate the code stay in step with it."""

from __future__ import annotations

import re
from pathlib import Path

import zonos_async
from zonos_async import _errors
from zonos_async.testing import _fake

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"


def _flat(text: str) -> str:
    """Docstring or Markdown text with code marks unified and whitespace collapsed."""
    text = text.replace("``", "`").replace("\\\\", "\\")
    return " ".join(text.split())


def _docstring_bullets(doc: str, heading: str) -> list[str]:
    section = doc.split(f"{heading}\n{'-' * len(heading)}\n", 1)[1]
    bullets = re.split(r"\n- ", "\n" + section.split("\n\n", 1)[1].strip())
    return [_flat(bullet.lstrip("- ")) for bullet in bullets if bullet.strip()]


def test_every_guess_of_the_fake_is_on_the_api_facts_page() -> None:
    assert _fake.__doc__ is not None
    guesses = _docstring_bullets(_fake.__doc__, "Guesses")
    assert len(guesses) > 30
    page = _flat((DOCS / "api-facts.md").read_text())
    missing = [guess for guess in guesses if guess not in page]
    assert not missing, f"add these to docs/api-facts.md (What the fake assumes): {missing}"


def test_the_error_tree_on_the_errors_page_is_the_code_s() -> None:
    assert _errors.__doc__ is not None
    tree = [line.strip() for line in _errors.__doc__.splitlines() if re.search(r"[├└]──", line)]
    page = (DOCS / "errors.md").read_text()
    block = page.split("```text\n", 1)[1].split("```", 1)[0]
    assert [line.strip() for line in block.splitlines() if line.strip()][1:] == tree


def test_every_error_class_is_in_the_errors_table() -> None:
    page = (DOCS / "errors.md").read_text()
    table = "\n".join(line for line in page.splitlines() if line.startswith("| `"))
    errors = [
        name
        for name in zonos_async.__all__
        if isinstance(getattr(zonos_async, name), type)
        and issubclass(getattr(zonos_async, name), zonos_async.ZonosError)
    ]
    missing = [name for name in errors if f"`{name}`" not in table and name not in ("ZonosError",)]
    # The abstract middles of the tree are described by their leaves.
    assert set(missing) <= {
        "ZonosTransportError",
        "UnexpectedResponseError",
        "InvalidStatusError",
    }, missing


def test_the_defaults_on_the_errors_page_are_the_code_s() -> None:
    page = (DOCS / "errors.md").read_text()
    retry = zonos_async.DEFAULT_RETRY
    assert f"`attempts={retry.attempts}`, `deadline={retry.deadline}`" in page
    assert f"`wait_initial={retry.wait_initial}`, `wait_max={retry.wait_max}`" in page
    assert f"`retry_after_max={retry.retry_after_max}`" in page
    timeout = zonos_async.DEFAULT_TIMEOUT
    assert f"httpx.Timeout({timeout.read}, connect={timeout.connect})" in page
    limits = zonos_async.DEFAULT_LIMITS
    assert f"max_connections={limits.max_connections}" in page
    assert f"keepalive_expiry={limits.keepalive_expiry}" in page


def test_every_page_in_the_nav_exists_and_every_page_is_in_the_nav() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    nav = re.findall(r"^  - [^:\n]+: (\S+\.md)$", config, re.MULTILINE)
    assert nav[0] == "index.md"
    assert sorted(nav) == sorted(page.name for page in DOCS.glob("*.md"))


def test_no_page_promises_that_a_timeout_of_none_waits_forever() -> None:
    # retry=None is RetryPolicy.never(): one attempt, still under a deadline.
    page = (DOCS / "errors.md").read_text()
    deadline = zonos_async.RetryPolicy.never().deadline
    assert deadline is not None
    for text in (page, zonos_async.Session.__doc__ or ""):
        assert "waits forever" not in text
    assert f"still bounded by a {deadline:g} s deadline" in page
    assert f"still within a {deadline:g} s deadline" in (zonos_async.Session.__doc__ or "")
