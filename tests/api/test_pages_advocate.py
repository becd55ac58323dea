"""One customer's page (``/advocates/{customer_id}``) over the real server: scores and ranks per
objective, where each figure stands among eligible customers, the texts behind the sentiment,
contact history and past runs; name, email and the customer's own words only with the pii scope
(and that read audited)."""

from __future__ import annotations

import re
from html import unescape

import numpy as np

from advocates.data.events import record_events
from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import Store
from tests.api.test_pages import _cells, signed_in
from tests.api.test_pages_detractors import _pii_reads


def _figures(html: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in _cells(html, "standing")}


def test_an_advocate_page_shows_ranks_standing_and_evidence_without_personal_data(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    eligible = store.eligible(outcome.run_id)
    top = eligible.sort_values("rank_awareness").iloc[0]
    with signed_in(base_url, settings, "read") as (client, key_id):
        answer = client.get(f"/advocates/{top['customer_id']}")
        assert answer.status_code == 200 and outcome.run_id in answer.text
        html = answer.text
        objectives = {row[0]: row for row in _cells(html, "objectives")}
        assert objectives["awareness"][2] == f"1 of {outcome.report['eligible']:,}"
        rank = int(top["rank_conversion"])
        assert objectives["conversion"][2] == f"{rank:,} of {outcome.report['eligible']:,}"
        assert objectives["awareness"][3] == top["explanation_awareness"]
        # The best for awareness stands at the top of the awareness scores; a figure's share
        # below it is computed over the run's eligible customers.
        figures = _figures(html)
        assert figures["awareness score"][2] == "top 1%"
        reach = eligible["unique_reach_2hop"].to_numpy(dtype=float)
        value = float(top["unique_reach_2hop"])
        above = 100 * (np.sum(reach < value) + np.sum(reach == value) / 2) / len(reach)
        assert figures["people reached within two hops"][1] == f"{round(above, 1)}%"
        assert len(re.findall(r"<meter ", html)) == len(figures) == 12
        # Texts: dated, newest first, their words withheld; no name or email; nothing audited.
        evidence = store.customer_evidence(outcome.run_id, str(top["customer_id"]))
        rows = _cells(html, "evidence")
        assert [r[2] for r in rows] == evidence["id"].tolist() and len(rows) > 0
        assert all(r[4] == "text withheld" for r in rows)
        assert rows[0][0] == evidence["at"].iloc[0].strftime("%Y-%m-%d %H:%M")
        assert 'id="email"' not in html and str(top["email"]) not in html
        assert "need a key with the <code>pii</code> scope" in html
        assert _pii_reads(store, key_id).empty
        # The shortlist links to the page.
        assert f'href="/advocates/{top["customer_id"]}"' in client.get("/").text


def test_with_the_pii_scope_the_name_email_and_words_are_shown_and_audited(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    row = store.eligible(outcome.run_id).sort_values("rank_conversion").iloc[0]
    customer = str(row["customer_id"])
    record_events(
        store,
        [
            {
                "event_id": "page-share-1",
                "type": "share",
                "customer_id": customer,
                "occurred_at": "2026-11-20T10:00:00Z",
                "campaign_id": "spring",
            }
        ],
    )
    with signed_in(base_url, settings, "read,pii") as (client, key_id):
        html = client.get(f"/advocates/{customer}").text
        assert f'<dd id="email">{row["email"]}</dd>' in html
        assert f'<dd id="name">{unescape(str(row["name"]))}</dd>' in unescape(html)
        texts = store.customer_evidence(outcome.run_id, customer)["text"].tolist()
        assert [r[4] for r in _cells(html, "evidence")] == texts
        events = _cells(html, "events")  # (other tests may record events of this customer)
        assert ["2026-11-20 10:00", "share", "spring"] in [e[:3] for e in events]
        reads = _pii_reads(store, key_id)
        assert len(reads) == 1 and reads.iloc[0]["customer_id"] == customer


def test_a_left_out_customer_says_why_and_an_unknown_one_is_a_404_page(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    everyone = store.run_table(outcome.run_id, "evidence")["customer_id"].unique()
    left_out = next(c for c in everyone if not store.customer(outcome.run_id, str(c))["eligible"])
    reason = store.customer(outcome.run_id, str(left_out))["excluded_reason"]
    with signed_in(base_url, settings, "read") as (client, _):
        html = client.get(f"/advocates/{left_out}").text
        assert f"left out: {reason}" in unescape(html)
        assert {r[2] for r in _cells(html, "objectives")} == {"not ranked"}
        unknown = client.get("/advocates/nobody")
        assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]
        assert "nobody" in unescape(unknown.text)
        huge = client.get("/advocates/" + "x" * 5000)
        assert huge.status_code == 422 and "text/html" in huge.headers["content-type"]
