"""Session settings checked at construction, before any I/O."""

from __future__ import annotations

import pytest
from conftest import SECRET, STORE

import zonos_async
from zonos_async import Session


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("ZONOS_STORE_ID", "ZONOS_SECRET", "ZONOS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_credentials_from_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ZONOS_STORE_ID", "1234")
    clean_env.setenv("ZONOS_SECRET", SECRET)
    assert Session().store == 1234
    clean_env.delenv("ZONOS_SECRET")
    with pytest.raises(zonos_async.InvalidRequestError, match="ZONOS_SECRET"):
        Session()


def test_base_url_from_environment(clean_env: pytest.MonkeyPatch) -> None:
    assert Session(STORE, SECRET).base_url == "https://api.iglobalstores.com"
    clean_env.setenv("ZONOS_BASE_URL", "http://127.0.0.1:8080/")
    assert Session(STORE, SECRET).base_url == "http://127.0.0.1:8080"
    assert Session(STORE, SECRET, base_url="https://x.test").base_url == "https://x.test"
    clean_env.setenv("ZONOS_BASE_URL", "http://zonos.example")  # plain http off loopback
    with pytest.raises(zonos_async.InvalidRequestError, match="refusing plain http"):
        Session(STORE, SECRET)


@pytest.mark.parametrize("shown", [f"{SECRET}\n", f"  {SECRET}  ", f"\t{SECRET}\r\n"])
def test_whitespace_around_the_secret_is_dropped(clean_env: pytest.MonkeyPatch, shown: str) -> None:
    clean_env.setenv("ZONOS_SECRET", shown)  # e.g. $(cat secret.txt) kept the newline
    clean_env.setenv("ZONOS_STORE_ID", " 999 ")
    assert Session()._credentials.secret == SECRET


@pytest.mark.parametrize("secret", ["bogus", SECRET[:-1], SECRET.replace("-", "")])
def test_a_secret_that_is_not_a_guid_is_refused_unless_told(secret: str) -> None:
    with pytest.raises(zonos_async.InvalidRequestError, match="not a GUID") as info:
        Session(STORE, secret)
    assert secret not in str(info.value)
    assert Session(STORE, secret, validate_secret=False).store == STORE


@pytest.mark.asyncio
async def test_session_from_the_environment_alone_reaches_the_server_it_names(
    clean_env: pytest.MonkeyPatch,
) -> None:
    from zonos_async.testing import FakeZonos

    fake = FakeZonos.seeded(orders=2, seed=5)
    async with fake.serve() as base_url:
        clean_env.setenv("ZONOS_BASE_URL", base_url)
        clean_env.setenv("ZONOS_STORE_ID", str(fake.store))
        clean_env.setenv("ZONOS_SECRET", fake.secret + "\n")
        async with Session(retry=None) as zonos:
            order = await zonos.order_detail(fake.order_ids()[0])
    assert order.id == fake.order_ids()[0]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.iglobalstores.com", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080/", True),
        ("http://[::1]:8080", True),
        ("http://api.iglobalstores.com", False),
        ("http://10.0.0.5", False),
        ("ftp://example.com", False),
    ],
)
def test_plain_http_only_on_loopback(url: str, ok: bool) -> None:
    if ok:
        assert Session(store=STORE, secret=SECRET, base_url=url).base_url == url.rstrip("/")
    else:
        with pytest.raises(zonos_async.InvalidRequestError):
            Session(store=STORE, secret=SECRET, base_url=url)


def test_repr_names_the_store_not_the_secret() -> None:
    session = Session(store=STORE, secret=SECRET)
    assert repr(session) == "<Session store=999 base_url='https://api.iglobalstores.com' unopened>"


def test_client_and_transport_are_exclusive() -> None:
    import httpx

    with pytest.raises(zonos_async.InvalidRequestError, match="not both"):
        Session(STORE, SECRET, client=httpx.AsyncClient(), transport=httpx.AsyncHTTPTransport())


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"rate_limit": 0}, "rate_limit must be a positive number"),
        ({"rate_limit": -1.0}, "rate_limit must be a positive number"),
        ({"rate_limit": float("nan")}, "rate_limit must be a positive number"),
        ({"max_concurrency": 0}, "max_concurrency must be at least 1"),
    ],
)
def test_limits_that_would_stall_or_mean_nothing_are_refused(
    kwargs: dict[str, float], said: str
) -> None:
    with pytest.raises(zonos_async.InvalidRequestError, match=said):
        Session(STORE, SECRET, **kwargs)  # type: ignore[arg-type]
