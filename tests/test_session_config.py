"""Session settings checked at construction, before any I/O."""

from __future__ import annotations

import pytest
from conftest import SECRET, STORE

import zonos_async
from zonos_async import Session


def test_credentials_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZONOS_STORE_ID", "1234")
    monkeypatch.setenv("ZONOS_SECRET", "from-env")
    assert Session().store == 1234
    monkeypatch.delenv("ZONOS_SECRET")
    with pytest.raises(zonos_async.InvalidRequestError, match="ZONOS_SECRET"):
        Session()


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
