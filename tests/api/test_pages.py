"""Signing in to the pages and reading one, over the real server: the key is exchanged for an
HttpOnly, SameSite=Strict session cookie, and every way around it is refused."""

from __future__ import annotations

import csv
import io
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from html import unescape
from urllib.parse import urlencode

import httpx
import pytest

from advocates.access.keys import create_key, parse_scopes, revoke_key
from advocates.pipeline import RunOutcome
from advocates.ranking.objectives import parse_ranking
from advocates.ranking.shortlist import listing_filters, ranked_page
from advocates.settings import Settings
from advocates.store import Store, open_store
from api.pages import runs
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


@contextmanager
def signed_in(base_url: str, settings: Settings, scopes: str) -> Iterator[tuple[httpx.Client, str]]:
    """A browser-like client signed in with a new key of ``scopes``, and the key's id."""
    key_id, secret = _key(settings, scopes)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert _sign_in(client, secret, "/").status_code == 303
        yield client, key_id


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
    browser_like: httpx.Client, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    _, key = _key(settings)
    answer = _sign_in(browser_like, key)
    assert answer.status_code == 303 and answer.headers["location"] == "/runs/latest"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Path=/" in cookie and "Max-Age=28800" in cookie
    # The key's secret never reaches the browser. (adv_<id>_<secret>: the secret, URL-safe
    # base64, may hold "_" itself; its last fragment alone, two letters, was found in the name
    # "advocates_session" once.)
    secret = key.split("_", 2)[2]
    assert len(secret) >= 40 and secret not in cookie
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


def test_a_sign_in_form_posted_from_another_site_is_refused(
    browser_like: httpx.Client, base_url: str, settings: Settings
) -> None:
    _, key = _key(settings)
    form = {"key": key, "next": "/"}
    refused = browser_like.post("/sign-in", data=form, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert "sent from another site" in refused.text
    ours = browser_like.post("/sign-in", data=form, headers={"Origin": base_url})
    assert ours.status_code == 303 and COOKIE in ours.headers["set-cookie"]
    # Nor can another site sign a visitor out.
    elsewhere = browser_like.post("/sign-out", headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403 and "set-cookie" not in elsewhere.headers
    assert browser_like.get("/runs/latest").status_code == 200


def test_behind_a_proxy_the_public_address_is_the_pages_origin(
    scored: tuple[Store, RunOutcome],
) -> None:
    public = "https://advocates.example.com"
    settings = Settings(store_url=scored[0].url, public_url=public)
    _, key = _key(settings)
    form = {"key": key, "next": "/"}
    for base in serve(settings):
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.post("/sign-in", data=form, headers={"Origin": base}).status_code == 403
            answer = client.post("/sign-in", data=form, headers={"Origin": public})
            assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]
    with pytest.raises(ValueError, match="public_url"):
        Settings(public_url="advocates.example.com/path")


def test_every_page_needs_the_read_scope(base_url: str, settings: Settings) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert _sign_in(client, _key(settings, "write")[1], "/").status_code == 303
        for path in ("/", "/runs/latest", "/shortlist.csv"):
            refused = client.get(path)
            assert refused.status_code == 403, path
            assert "lacks the &#39;read&#39; scope" in refused.text


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


def test_with_keys_off_nobody_signs_in(scored: tuple[Store, RunOutcome]) -> None:
    settings = Settings(store_url=scored[0].url, auth="off")
    for base in serve(settings):
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/runs/latest").status_code == 200
            assert client.get("/sign-in?next=/runs/latest").headers["location"] == "/runs/latest"


def _cells(html: str, table: str) -> list[list[str]]:
    """The text of each body row's cells of the table with id ``table``."""
    body = html.split(f'<table id="{table}">', 1)[1].split("</tbody>", 1)[0].split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def test_the_shortlist_filters_and_pages_on_the_server(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    frame = store.eligible(outcome.run_id)
    with signed_in(base_url, settings, "read,export") as (client, _):
        first = client.get("/", params={"objective": "conversion"})
        assert first.status_code == 200 and outcome.run_id in first.text
        rows = _cells(first.text, "advocates")
        assert len(rows) == 50 and [r[0] for r in rows] == [str(i) for i in range(1, 51)]
        assert re.search(rf'<span id="total">{len(frame):,}</span>', first.text)
        excluded = {r[0]: int(r[1].replace(",", "")) for r in _cells(first.text, "excluded")}
        assert excluded == outcome.report["excluded"]

        french = frame[(frame["language"] == "fr") & (frame["sentiment"] >= 0.3)]
        asked = {"objective": "conversion", "language": "fr", "min_sentiment": "0.3", "page": "2"}
        second = client.get("/", params=asked)
        rows = _cells(second.text, "advocates")
        best = french.sort_values("rank_conversion")["customer_id"].tolist()
        assert [r[1] for r in rows] == best[50:100] and {r[4] for r in rows} == {"fr"}
        assert f'<span id="total">{len(french):,}</span>' in second.text
        assert 'rel="prev"' in second.text

        link = re.search(r'id="download" href="([^"]+)"', second.text)
        assert link and f"run={outcome.run_id}" in unescape(link[1])
        download = client.get(unescape(link[1]))
        assert download.status_code == 200 and download.text.startswith("\ufeff")
        listed = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
        assert [r["customer_id"] for r in listed] == best[50:100]  # exactly what is shown
        assert "country" in listed[0] and "explanation" in listed[0]
        assert "attachment" in download.headers["content-disposition"]
        # A link from a page of an older run is refused rather than answered with other rows.
        stale = client.get("/shortlist.csv", params={**asked, "run": "20000101T000000Z-old"})
        assert stale.status_code == 409 and "no longer the latest" in stale.text

        # Codes in any case; a page past the end is the last page.
        upper = client.get("/", params={**asked, "language": "FR"})
        assert [r[1] for r in _cells(upper.text, "advocates")] == best[50:100]
        past = client.get("/", params={**asked, "page": "9999"}, follow_redirects=False)
        last = -(-len(french) // 50)
        assert past.status_code == 303 and past.headers["location"].endswith(f"page={last}")
        # Pages far down the list are listed too (their scores may be 0: only the top's matter).
        tail = client.get("/", params={"objective": "conversion", "page": -(-len(frame) // 50)})
        assert (
            tail.status_code == 200 and _cells(tail.text, "advocates")[-1][0] == f"{len(frame):,}"
        )

        none = client.get("/", params={"objective": "awareness", "country": "nowhere"})
        assert "No eligible advocate meets these filters." in none.text
        bad = client.get("/", params={"objective": "fame"})
        assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
        for sentiment in ("9", "nan", "lots"):
            bad = client.get("/", params={"min_sentiment": sentiment})
            assert bad.status_code == 400 and "a number from -1 to 1" in bad.text
        blank = client.get("/?objective=awareness&language=&country=&min_sentiment=")
        assert blank.status_code == 200 and len(_cells(blank.text, "advocates")) == 50


def test_the_shortlist_ranks_by_a_custom_mix_of_objectives(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    expected, total = ranked_page(
        store,
        outcome.run_id,
        ranking=parse_ranking(objective=None, weights="awareness=1,conversion=2"),
        limit=50,
        offset=0,
        where=listing_filters(language="fr"),
    )
    asked = {"objective": "custom", "w_awareness": "1", "w_conversion": "2", "language": "fr"}
    with signed_in(base_url, settings, "read,export") as (client, _):
        page = client.get("/", params=asked)
        assert page.status_code == 200
        assert "Shortlist for a mix of awareness × 1 and conversion × 2" in unescape(page.text)
        rows = _cells(page.text, "advocates")
        assert [r[1] for r in rows] == expected["customer_id"].tolist()
        assert f'<span id="total">{total:,}</span>' in page.text
        download = client.get("/shortlist.csv", params=asked)
        listed = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
        assert [r["customer_id"] for r in listed] == expected["customer_id"].tolist()
        for weights, message in [
            ({}, "give at least one objective a weight above 0"),
            ({"w_awareness": "lots"}, "weights"),
            ({"w_awareness": "0"}, "weights"),
        ]:
            bad = client.get("/", params={"objective": "custom", **weights})
            assert bad.status_code == 400 and message in unescape(bad.text), weights


def test_downloading_the_shortlist_needs_the_export_scope(
    base_url: str, settings: Settings
) -> None:
    with signed_in(base_url, settings, "read") as (client, _):
        assert 'id="download"' not in client.get("/").text
        refused = client.get("/shortlist.csv")
        assert refused.status_code == 403 and "lacks the &#39;export&#39; scope" in refused.text


def test_a_run_report_is_drawn_once_per_store_version(
    scored: tuple[Store, RunOutcome], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, outcome = scored
    drawn: list[str | None] = []

    def draw(source: Store, run_id: str | None) -> str:
        drawn.append(run_id)
        return f"report of {run_id}"

    monkeypatch.setattr(runs, "run_report", draw)
    kept = runs.KeptReports()
    assert kept.get(store, None) == kept.get(store, outcome.run_id) == f"report of {outcome.run_id}"
    assert drawn == [outcome.run_id]  # "latest" and the run's id are one report
    _key(settings)  # a key made moves the store's version on
    kept.get(store, None)
    assert drawn == [outcome.run_id, outcome.run_id]


def test_requests_that_arrive_while_a_report_is_drawn_wait_for_that_drawing(
    scored: tuple[Store, RunOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, outcome = scored
    drawn: list[str | None] = []
    started = threading.Event()

    def draw(source: Store, run_id: str | None) -> str:
        drawn.append(run_id)
        started.set()
        time.sleep(0.3)  # a slow first drawing: the other requests arrive meanwhile
        return f"report of {run_id}"

    monkeypatch.setattr(runs, "run_report", draw)
    kept = runs.KeptReports()
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(kept.get, store, None)
        started.wait(5)
        others = [pool.submit(kept.get, store, None) for _ in range(3)]
        answers = {first.result(), *(o.result() for o in others)}
    assert answers == {f"report of {outcome.run_id}"} and drawn == [outcome.run_id]


def test_who_was_left_out_is_listed_per_reason(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    reason, count = max(outcome.report["excluded"].items(), key=lambda kv: kv[1])
    with signed_in(base_url, settings, "read") as (client, _):
        shortlist = client.get("/").text
        link = re.search(rf'<a href="(/left-out\?reason=[^"]+)">{re.escape(reason)}</a>', shortlist)
        assert link, "each reason links to its customers"
        first = client.get(unescape(link[1]))
        assert first.status_code == 200 and f'<span id="total">{count:,}</span>' in first.text
        rows = _cells(first.text, "left-out")
        assert len(rows) == min(50, count) and [r[0] for r in rows] == sorted(r[0] for r in rows)
        assert {store.customer(outcome.run_id, r[0])["excluded_reason"] for r in rows} == {reason}
        if count > 50:
            second = _cells(client.get(unescape(link[1]) + "&page=2").text, "left-out")
            assert second[0][0] > rows[-1][0]
        past = client.get(unescape(link[1]) + "&page=9999", follow_redirects=False)
        assert past.status_code == 303  # to the last page, by a relative address
        assert past.headers["location"] == "/left-out?" + urlencode(
            {"reason": reason, "page": -(-count // 50)}
        )
        nobody = client.get("/left-out", params={"reason": "no such reason"})
        assert "Nobody was left out for this reason." in nobody.text
        assert client.get("/left-out").status_code == 422
