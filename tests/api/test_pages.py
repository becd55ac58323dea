"""Signing in to the pages and reading one, over the real server: the key is exchanged for an
HttpOnly, SameSite=Strict session cookie, and every way around it is refused."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from advocates.access.keys import create_key, parse_scopes, revoke_key
from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import SqliteStore, open_store
from api.pages.render import CSP
from api.pages.session import COOKIE
from tests.api.conftest import serve


def _key(settings: Settings, scopes: str = "read") -> tuple[str, str]:
    made = create_key(open_store(settings.store_url), name="marketer", scopes=parse_scopes(scopes))
    return made.key.key_id, made.secret


@pytest.fixture
def browser_like(base_url: str) -> Iterator[httpx.Client]:
    """A client that keeps cookies, as a browser does, and shows redirects instead of following
    them."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


def _sign_in(client: httpx.Client, key: str, next_path: str = "/runs/latest") -> httpx.Response:
    return client.post("/sign-in", data={"key": key, "next": next_path})


def test_a_page_without_a_session_sends_the_browser_to_sign_in(
    browser_like: httpx.Client,
) -> None:
    answer = browser_like.get("/runs/latest")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fruns%2Flatest"
    form = browser_like.get("/sign-in", params={"next": "/runs/latest"})
    assert form.status_code == 200 and 'name="key"' in form.text
    assert 'type="password"' in form.text and 'value="/runs/latest"' in form.text
    assert form.headers["content-security-policy"] == CSP
    assert form.headers["cache-control"] == "no-store"


def test_a_key_is_exchanged_for_an_http_only_strict_session_cookie(
    browser_like: httpx.Client, settings: Settings, scored: tuple[SqliteStore, RunOutcome]
) -> None:
    _, key = _key(settings)
    answer = _sign_in(browser_like, key)
    assert answer.status_code == 303 and answer.headers["location"] == "/runs/latest"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Path=/" in cookie and "Max-Age=28800" in cookie
    assert key.split("_")[-1] not in cookie  # the key's secret never reaches the browser
    page = browser_like.get("/runs/latest")
    assert page.status_code == 200 and scored[1].run_id in page.text
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["cache-control"] == "no-store"
    signed_out = browser_like.post("/sign-out")
    assert signed_out.status_code == 303 and f'{COOKIE}=""' in signed_out.headers["set-cookie"]
    assert browser_like.get("/runs/latest").status_code == 303


def test_a_wrong_key_is_refused_on_the_page_without_a_cookie(browser_like: httpx.Client) -> None:
    for key in ("", "adv_000000000000_nope", "not a key", "x" * 5000):
        answer = _sign_in(browser_like, key)
        assert answer.status_code == 401 and "unknown, revoked or mistyped" in answer.text
        assert "set-cookie" not in answer.headers
    many_fields = browser_like.post("/sign-in", content="&".join(f"f{i}=1" for i in range(99)))
    assert many_fields.status_code == 401 and "set-cookie" not in many_fields.headers
    huge = browser_like.post("/sign-in", content=b"key=" + b"x" * 5_000_000)
    assert huge.status_code == 413


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_signing_in_never_redirects_to_another_site(
    browser_like: httpx.Client, settings: Settings, elsewhere: str
) -> None:
    _, key = _key(settings)
    assert _sign_in(browser_like, key, elsewhere).headers["location"] == "/"


def test_a_revoked_key_or_a_forged_session_is_sent_back_to_sign_in(
    base_url: str, settings: Settings
) -> None:
    key_id, key = _key(settings)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        _sign_in(client, key)
        token = client.cookies[COOKIE]
        assert client.get("/runs/latest").status_code == 200
        key_part, expires, signature = token.split(".")
        forged = [
            f"{key_part}.{int(expires) + 86400}.{signature}",  # a longer session
            f"{key_part}.{expires}.{'0' * len(signature)}",
            f"{key_part}.{expires}",
            "",
        ]
        for cookie in forged:
            client.cookies.set(COOKIE, cookie)
            assert client.get("/runs/latest").status_code == 303, cookie
        client.cookies.set(COOKIE, token)
        revoke_key(open_store(settings.store_url), key_id)
        assert client.get("/runs/latest").status_code == 303


def test_errors_on_pages_are_pages(browser_like: httpx.Client, settings: Settings) -> None:
    _sign_in(browser_like, _key(settings)[1])
    unknown = browser_like.get("/runs/nope")
    assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]
    assert "no published run &#39;nope&#39;" in unknown.text
    nowhere = browser_like.get("/no/such/page")
    assert nowhere.status_code == 404 and "There is no page at /no/such/page" in nowhere.text
    # The API still answers in JSON, and a session cookie is no API credential (so another
    # site's form can never act through it).
    assert browser_like.get("/v1/advocates").json()["error"]["code"] == "unauthorized"


def test_with_keys_off_nobody_signs_in(scored: tuple[SqliteStore, RunOutcome]) -> None:
    settings = Settings(store_url=f"sqlite:///{scored[0].path}", auth="off")
    for base in serve(settings):
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/runs/latest").status_code == 200
            assert client.get("/sign-in?next=/runs/latest").headers["location"] == "/runs/latest"
