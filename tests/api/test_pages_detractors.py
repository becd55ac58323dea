"""The customer-care page (``/detractors``) over the real server: the latest run's detractors,
most reach at risk first, paged on the server; the customer's own words only with the pii scope
(and that read audited); each row's age against the 12-hour triage and 24-hour resolution
times, in words and a label, not in colour alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import httpx
import pandas as pd
import pytest

from advocates.pipeline import RunOutcome
from advocates.ranking.shortlist import detractor_frame
from advocates.settings import Settings
from advocates.store import Store
from api.pages import detractors
from api.pages.detractors import waited
from api.pages.render import CSP
from tests.api.conftest import serve
from tests.api.test_pages import signed_in

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _text(html: str) -> str:
    """The text of some HTML, its white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _rows(html: str) -> list[tuple[str, list[str]]]:
    """The class and the cells' text of each body row of the detractors table."""
    table = html.split('<table id="detractors">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        (classes, [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)])
        for classes, row in re.findall(r'<tr(?: class="([^"]*)")?>(.*?)</tr>', body, re.S)
    ]


def _count(html: str, span: str) -> int:
    found = re.search(rf'<span id="{span}">([\d,]+)</span>', html)
    assert found is not None, span
    return int(found.group(1).replace(",", ""))


def _pii_reads(store: Store, key_id: str) -> pd.DataFrame:
    total = store.audit_log(limit=1, offset=0)[1]
    log = store.audit_log(limit=total, offset=0)[0]
    return log[(log["key_id"] == key_id) & (log["action"] == "pii_read")]


def test_the_care_queue_lists_detractors_by_reach_at_risk_without_their_words(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    expected, total = store.ranked(outcome.run_id, objective="detractor", limit=50, offset=0)
    with signed_in(base_url, settings, "read") as (client, key_id):
        answer = client.get("/detractors")
    assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]
    assert answer.headers["content-security-policy"] == CSP
    assert "<title>Detractors · Advocates</title>" in answer.text
    assert f'<code id="run-id">{outcome.run_id}</code>' in answer.text
    assert _count(answer.text, "total") == total > 50
    rows = _rows(answer.text)
    assert [cells[0] for _, cells in rows] == [str(i) for i in range(1, 51)]
    assert [cells[1] for _, cells in rows] == expected["customer_id"].tolist()
    scores = [float(cells[2].replace(",", "")) for _, cells in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    # The evidence by its id alone: neither the text, nor a quote of it, nor an email.
    assert all(cells[7].endswith("text withheld") for _, cells in rows)
    assert [cells[7].split()[0] for _, cells in rows] == expected["worst_text_id"].tolist()
    for text in expected["worst_text"].dropna():
        assert unescape(answer.text).count(text) == 0, text
    assert "@" not in answer.text and _pii_reads(store, key_id).empty

    # The demo's evidence is days to years old: every row is past both response times, said
    # in words in the row, and the counts above the table are those of the rows.
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC [\d,]+ days overdue for resolution"
    assert all(re.fullmatch(when, cells[8]) for _, cells in rows)
    assert {classes for classes, _ in rows} == {"overdue"}
    assert _count(answer.text, "past-triage") == _count(answer.text, "past-resolution") == 50
    assert "triaged within 12 hours of being written and resolved within 24" in answer.text
    first_at = datetime.fromisoformat(expected["worst_text_at"].iloc[0]).astimezone(UTC)
    assert rows[0][1][8].startswith(first_at.strftime("%Y-%m-%d %H:%M UTC "))


def test_with_the_pii_scope_the_words_are_shown_and_the_read_audited(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    expected, _ = store.ranked(outcome.run_id, objective="detractor", limit=50, offset=50)
    with signed_in(base_url, settings, "read,pii") as (client, key_id):
        answer = client.get("/detractors", params={"page": 2})
    assert answer.status_code == 200
    rows = _rows(answer.text)
    assert [cells[0] for _, cells in rows][:1] == ["51"]
    for (_, cells), (_, customer) in zip(rows, expected.iterrows(), strict=True):
        assert customer["email"] in cells[1] and customer["name"] in cells[1]
        assert cells[7] == f"{customer['worst_text_id']} {_text(customer['worst_text'])}"
    assert "text withheld" not in answer.text
    reads = _pii_reads(store, key_id)
    assert reads[["target", "rows"]].to_dict("records") == [
        {"target": "/detractors", "rows": len(rows)}
    ]


def test_the_care_queue_pages_on_the_server_and_clamps_past_the_end(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    total = store.ranked(outcome.run_id, objective="detractor", limit=1, offset=0)[1]
    pages = -(-total // 50)
    assert pages >= 2, "the demo's queue fills more than one page"
    with signed_in(base_url, settings, "read") as (client, _):
        second = client.get("/detractors?page=2")
        assert _rows(second.text)[0][1][0] == "51"
        assert 'href="/detractors?page=1" rel="prev"' in second.text
        assert f"Page 2 of {pages}" in second.text
        for asked in (pages, pages + 1, 9999):
            last = client.get("/detractors", params={"page": asked})
            assert last.status_code == 200
            ranks = [int(cells[0]) for _, cells in _rows(last.text)]
            assert ranks == list(range((pages - 1) * 50 + 1, total + 1))
            assert f"Page {pages} of {pages}" in last.text and 'rel="next"' not in last.text
            assert ("There is no page" in last.text) == (asked != pages)
            assert _count(last.text, "past-resolution") == len(ranks)


def test_the_care_queue_needs_a_session_and_the_read_scope(
    base_url: str, settings: Settings
) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as nobody:
        answer = nobody.get("/detractors?page=2")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fdetractors%3Fpage%3D2"
    with signed_in(base_url, settings, "write") as (client, _):
        refused = client.get("/detractors")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert "lacks the &#39;read&#39; scope" in refused.text


@pytest.mark.parametrize("page", ["0", "x", "-1", "20001"])
def test_a_bad_page_answers_an_error_page(base_url: str, settings: Settings, page: str) -> None:
    with signed_in(base_url, settings, "read") as (client, _):
        answer = client.get("/detractors", params={"page": page})
    assert answer.status_code == 422 and "text/html" in answer.headers["content-type"]
    assert "query.page" in answer.text and '"error"' not in answer.text


def test_a_run_without_the_time_of_its_evidence_says_unknown(
    base_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def untimed(ranked: pd.DataFrame, **options: bool) -> pd.DataFrame:
        return detractor_frame(ranked.drop(columns="worst_text_at"), **options)

    monkeypatch.setattr(detractors, "detractor_frame", untimed)
    with signed_in(base_url, settings, "read") as (client, _):
        answer = client.get("/detractors")
    rows = _rows(answer.text)
    assert {cells[8] for _, cells in rows} == {"unknown"}
    assert {classes for classes, _ in rows} == {""}
    assert _count(answer.text, "past-triage") == _count(answer.text, "past-resolution") == 0
    assert _count(answer.text, "unknown-age") == 50


def test_with_keys_off_the_words_are_shown_and_audited_as_auth_off(
    scored: tuple[Store, RunOutcome],
) -> None:
    store, outcome = scored
    before = len(_pii_reads(store, "auth-off"))
    expected, _ = store.ranked(outcome.run_id, objective="detractor", limit=1, offset=0)
    for base in serve(Settings(store_url=store.url, auth="off")):
        with httpx.Client(base_url=base, timeout=30) as client:
            answer = client.get("/detractors")
    assert answer.status_code == 200 and expected["email"].iloc[0] in answer.text
    assert len(_pii_reads(store, "auth-off")) == before + 1


@pytest.mark.parametrize(
    ("written", "age", "due"),
    [
        (NOW - timedelta(hours=11), "11 hours", "waiting"),
        (NOW - timedelta(hours=12), "12 hours", "waiting"),  # older than 12 hours: not yet
        (NOW - timedelta(hours=13), "13 hours", "triage"),
        (NOW - timedelta(hours=25), "25 hours", "overdue"),
        (NOW - timedelta(days=3, hours=2), "3 days", "overdue"),
        (NOW - timedelta(days=1200), "1,200 days", "overdue"),
        (NOW - timedelta(minutes=20), "under an hour", "waiting"),
        (NOW + timedelta(hours=2), "under an hour", "waiting"),  # a clock ahead of ours
        ((NOW - timedelta(hours=1)).isoformat(), "1 hour", "waiting"),
        ("2026-11-01T10:00:00+02:00", "28 hours", "overdue"),
        ("2026-11-02T00:30:00", "12 hours", "waiting"),  # naive: taken as UTC
        ("2026-11-01T23:00:00Z", "13 hours", "triage"),
        (None, "unknown", "unknown"),
        (float("nan"), "unknown", "unknown"),
        (pd.NaT, "unknown", "unknown"),
        ("not a time", "unknown", "unknown"),
    ],
)
def test_the_age_of_evidence_against_the_response_times(
    written: object, age: str, due: str
) -> None:
    wait = waited(written, NOW)
    assert (wait.age, wait.due) == (age, due)
    assert wait.written_at is None or wait.written_at.tzinfo == UTC
