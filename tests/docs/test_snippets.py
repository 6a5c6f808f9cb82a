"""Every ```python block in docs/*.md and README.md runs, against the fake Zonos.

How a page's blocks are run (so the pages can read as a user would write the code):

- One test per page. Its blocks run in order and share one namespace, like a notebook, in a
  temporary working directory (files a block writes stay there for the next block).
- The page gets a fake Zonos: ``FakeZonos.seeded(orders=300, seed=8)`` over the 30 days before
  ``NOW``, plus the orders the pages name: ``999-99991`` (in process, reference ``cart-123``)
  and ``999-99992`` (in fraud review). Its credentials are the vendor's documentation ones, store
  999 and secret ``f5bde245-f55e-414d-b722-80b25161c12c``, which the pages shorten to
  ``secret="f5bde245-..."``; ``ZONOS_STORE_ID``/``ZONOS_SECRET`` are set to them.
- ``zonos_async.Session`` is swapped, for the page, for a subclass that plugs in the fake's
  in-memory transport when a block gives no ``client``, ``transport`` or ``base_url``, and reads
  the shortened secret as the whole one (a real user pastes their own). So a page
  shows ``async with zonos_async.Session(store=999, secret="f5bde245-...") as zonos:`` and that
  very line runs; a block that brings its own fake or server is left alone.
- A block with top-level ``await`` runs in the page's event loop (an anyio blocking portal) in
  which ``zonos`` is already open on the fake and ``fake`` is that fake. Any other block runs as
  a plain script, so ``anyio.run(main)`` works.
- A page may need names that stand for the reader's own things (``ids_in_my_db``); ``SETUP``
  below provides them.
- A ``print(...)`` line with a comment after it states what it prints: the block's output must
  contain the comment's text (``print(result.message)  # Updated Order: 99991 ...``).
- Not run: a block whose first line is ``# not run`` (keep these very few: live credentials
  only), and a block made only of ``--8<-- "file:section"`` includes, whose file is tested on
  its own (``INCLUDED_AND_TESTED``).
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import linecache
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio.from_thread
import pytest

import zonos_async
from zonos_async.testing import DOC_SECRET, FakeClock, FakeZonos

ROOT = Path(__file__).parents[2]
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
STORE = 999
SECRET = DOC_SECRET
SHOWN_SECRET = "f5bde245-..."  # how the pages show it
INCLUDED_AND_TESTED = {
    "examples/webapp.py": "tests/docs/test_webapp.py",
    "examples/fastapi_app.py": "tests/docs/test_webapp.py",
    "tests/docs/test_webapp.py": "itself",
    "tests/docs/test_testing_example.py": "itself",
}

# Names a page uses for the reader's own data.
SETUP: dict[str, dict[str, Any]] = {
    "sync.md": {
        "date": date,
        "reconcile": zonos_async.reconcile,
        "ids_in_my_db": {"999-99991"},
        "my_numbers": {"999-99991": "12-34567"},
    },
    "README.md": {"order_id": "999-99991"},
}

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_PRINTS = re.compile(r"^\s*print\(.*\)\s+# (?P<said>.+)$")
_INCLUDE = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::[\w-]+)?"$')


def python_blocks(page: Path) -> Iterator[tuple[int, str]]:
    """``(line number of the first code line, code)`` for each ```python block of ``page``."""
    lines = page.read_text().splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        language = match["info"].strip().split(" ")[0].lstrip(".").lower()
        start = index + 1
        index = start
        while index < len(lines) and lines[index].strip() != fence:
            index += 1
        if language in ("python", "py"):
            body = [line[indent:] for line in lines[start:index]]
            yield start + 1, "\n".join(body)
        index += 1


def make_fake() -> FakeZonos:
    fake = FakeZonos.seeded(
        orders=300, seed=8, store=STORE, secret=SECRET, now=NOW, days=30, clock=FakeClock(NOW)
    )
    fake.add_order(
        order_id="999-99991",
        placed_at=NOW - timedelta(hours=20),
        status="IGLOBAL_ORDER_IN_PROCESS",
        reference_id="cart-123",
    )
    fake.add_order(
        order_id="999-99992", placed_at=NOW - timedelta(hours=19), status="IGLOBAL_FRAUD_REVIEW"
    )
    return fake


def docs_session_class(fake: FakeZonos) -> type[zonos_async.Session]:
    real = zonos_async.Session

    class Session(real):  # type: ignore[misc, valid-type]
        """``zonos_async.Session``, on the page's fake unless the block says where to go."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            args = tuple(SECRET if arg == SHOWN_SECRET else arg for arg in args)
            if kwargs.get("secret") == SHOWN_SECRET:
                kwargs["secret"] = SECRET
            if not {"client", "transport", "base_url"} & kwargs.keys():
                kwargs["transport"] = fake.transport()
            super().__init__(*args, **kwargs)

    Session.__qualname__ = Session.__name__ = "Session"
    return Session


def run_page(page: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> int:
    """Run every block of ``page``; returns how many ran."""
    fake = make_fake()
    monkeypatch.setattr(zonos_async, "Session", docs_session_class(fake))
    monkeypatch.setenv("ZONOS_STORE_ID", str(STORE))
    monkeypatch.setenv("ZONOS_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    library_logger = logging.getLogger("zonos_async")
    monkeypatch.setattr(library_logger, "level", library_logger.level)  # a page may change it
    ran = 0
    with anyio.from_thread.start_blocking_portal() as portal:
        session = zonos_async.Session(STORE, SECRET)
        with portal.wrap_async_context_manager(session) as zonos:
            namespace: dict[str, Any] = {
                "__name__": "__main__",
                "fake": fake,
                "zonos": zonos,
                **SETUP.get(page.name, {}),
            }
            for line, code in python_blocks(page):
                where = f"{page.relative_to(ROOT)}:{line}"
                if code.lstrip().startswith("# not run"):
                    continue
                if _only_includes(code, where):
                    continue
                # Pad so that tracebacks name the line in the Markdown file.
                source = "\n" * (line - 1) + code + "\n"
                linecache.cache[where] = (len(source), None, source.splitlines(True), where)
                compiled = compile(
                    source, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
                )
                output = io.StringIO()
                with contextlib.redirect_stdout(output):
                    if compiled.co_flags & inspect.CO_COROUTINE:

                        async def run_async(compiled: Any = compiled) -> None:
                            await eval(compiled, namespace)

                        portal.call(run_async)
                    else:
                        exec(compiled, namespace)
                print(output.getvalue(), end="")
                for said in filter(None, map(_PRINTS.match, code.splitlines())):
                    assert said["said"].strip() in output.getvalue(), (
                        f"{where}: the page says {said['said']!r}, but the block printed:\n"
                        f"{output.getvalue()}"
                    )
                ran += 1
    return ran


def _only_includes(code: str, where: str) -> bool:
    lines = [line.strip() for line in code.splitlines() if line.strip()]
    includes = [_INCLUDE.match(line) for line in lines]
    if not lines or not all(includes):
        return False
    for match in includes:
        assert match is not None
        path = match["path"]
        assert (ROOT / path).is_file(), f"{where}: includes {path}, which does not exist"
        assert path in INCLUDED_AND_TESTED, f"{where}: {path} is included but not known as tested"
    return True


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_python_block_runs(
    page: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run_page(page, monkeypatch, tmp_path)


def test_the_pages_have_code_and_it_is_collected() -> None:
    counts = {page.name: len(list(python_blocks(page))) for page in PAGES}
    for name in ("README.md", "quickstart.md", "errors.md", "testing.md", "sync.md"):
        assert counts.get(name, 0) > 0, f"{name} has no python block (or the parser missed it)"
    assert sum(counts.values()) >= 20, counts


def test_the_fake_accepts_only_the_placeholder_credentials() -> None:
    """The pages' credentials are what the fake checks: a wrong secret fails like on Zonos."""
    fake = make_fake()

    async def main() -> None:
        async with zonos_async.Session(
            STORE, "00000000-1111-2222-3333-444444444444", transport=fake.transport(), retry=None
        ) as zonos:
            with pytest.raises(zonos_async.InvalidCredentialsError):
                await zonos.order_detail("999-99991")

    anyio.run(main)


def test_included_files_are_tested() -> None:
    for path, test in INCLUDED_AND_TESTED.items():
        assert (ROOT / path).is_file(), path
        assert test == "itself" or (ROOT / test).is_file(), test
