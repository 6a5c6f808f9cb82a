"""The pytest plugin, used the way a shop's own test suite uses it (through ``pytester``).

The user's files below are run in a fresh pytest process: the plugin is found through its
``pytest11`` entry point (nothing in them imports it), beside pytest-asyncio in strict mode.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zonos_async.testing import FakeZonos

pytest_plugins = ["pytester"]

INI = "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"

CONFTEST = """
import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
"""

# docs/testing.md's example module, as a user would save it in their own project.
EXAMPLE = (
    (Path(__file__).parents[1] / "docs" / "test_testing_example.py")
    .read_text()
    .split("# --8<-- [start:example]\n", 1)[1]
    .split("# --8<-- [end:example]", 1)[0]
)

MORE_TESTS = """
import pytest

import zonos_async
from zonos_async.testing import FakeZonos


@pytest.mark.anyio
async def test_the_default_fake_is_seeded(zonos_fake, zonos_session, anyio_backend):
    assert zonos_fake.order_ids() == FakeZonos.seeded(orders=50, seed=0).order_ids()
    page = await zonos_session.order_numbers(since_date="20000101")
    assert len(page.ids) == 50
    print("ran under", anyio_backend)


@pytest.mark.anyio
@pytest.mark.zonos_fake(orders=3, seed=9, store=321, secret="00000000-0000-4000-8000-000000000321")
@pytest.mark.zonos_session(retry=None)
async def test_markers_configure_the_fake_and_the_session(zonos_fake, zonos_session):
    assert (zonos_fake.store, zonos_fake.secret) == (321, "00000000-0000-4000-8000-000000000321")
    assert zonos_session.store == 321 and zonos_session.retry.attempts == 1
    assert [o.id for o in (await zonos_session.order_numbers(since_date="20000101")).orders] == [
        "321-100001", "321-100002", "321-100003"
    ]


def test_the_fake_alone_is_plain_pytest(zonos_fake):
    assert len(zonos_fake.order_ids()) == 50


@pytest.mark.asyncio
async def test_pytest_asyncio_tests_still_run(zonos_fake):
    async with zonos_async.Session(
        zonos_fake.store, zonos_fake.secret, transport=zonos_fake.transport()
    ) as zonos:
        order = await zonos.order_detail(zonos_fake.order_ids()[0])
    assert order.id == zonos_fake.order_ids()[0]
"""


def run_user_suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_shop=EXAMPLE, test_more=MORE_TESTS)
    return pytester.runpytest_subprocess("-v", "-s", "--strict-markers", *args)


def test_the_fixtures_work_under_asyncio_and_trio(pytester: pytest.Pytester) -> None:
    result = run_user_suite(pytester)
    # The example: four tests on both backends, one without a loop, one on asyncio only;
    # the others: two on both backends, one without a loop, one of pytest-asyncio.
    result.assert_outcomes(passed=10 + 6)
    result.stdout.fnmatch_lines_random(
        [
            "*test_shop.py::test_ships_an_order_in_process?asyncio? PASSED*",
            "*test_shop.py::test_every_update_lands_once_on_a_flaky_zonos?trio? PASSED*",
            "*test_the_default_fake_is_seeded?asyncio? ran under asyncio*",
            "*test_the_default_fake_is_seeded?trio? ran under trio*",
            "*test_markers_configure_the_fake_and_the_session?trio? PASSED*",
            "*test_pytest_asyncio_tests_still_run PASSED*",
        ]
    )


def test_a_conftest_overrides_the_options(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makeconftest(
        """
import pytest

from zonos_async import RetryPolicy


@pytest.fixture
def anyio_backend():
    return "trio"


@pytest.fixture
def zonos_fake_options():
    return {"orders": 7, "seed": 4}


@pytest.fixture
def zonos_session_options():
    return {"retry": RetryPolicy(attempts=9, wait_initial=0, wait_max=0, retry_after_max=0)}
"""
    )
    pytester.makepyfile(
        """
import pytest

pytestmark = pytest.mark.anyio


async def test_options(zonos_fake, zonos_session):
    assert len(zonos_fake.order_ids()) == 7
    assert zonos_session.retry.attempts == 9


@pytest.mark.zonos_fake(orders=2)
async def test_the_marker_wins_key_by_key(zonos_fake, anyio_backend):
    assert len(zonos_fake.order_ids()) == 2
    assert anyio_backend == "trio"


@pytest.mark.asyncio
async def test_a_pytest_asyncio_test_cannot_take_the_session(zonos_session):
    pass
"""
    )
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:warnings")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*zonos_session is an anyio fixture: mark the test*"])


def test_same_seed_same_orders() -> None:
    """What ``zonos_fake`` promises: a test sees the same orders on every run."""
    assert FakeZonos.seeded(orders=50, seed=0).order_ids() == (
        FakeZonos.seeded(orders=50, seed=0).order_ids()
    )
