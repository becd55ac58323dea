"""``/v1/exports``: the streamed shortlist CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pandas as pd

from advocates.settings import Settings
from advocates.store import open_store
from tests.api.conftest import keyed_client, serve
from tests.api.helpers import assert_error


def test_streamed_csv_export_is_spreadsheet_safe_and_has_no_pii(client: httpx.Client) -> None:
    response = client.get(
        "/v1/exports/shortlist.csv", params={"objective": "engagement", "limit": 300}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [int(r["rank"]) for r in rows] == list(range(1, min(300, len(rows)) + 1))
    assert "email" not in rows[0]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value


def test_an_export_whose_every_score_is_0_is_409_not_a_list_by_id(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'zero.db'}"
    store = open_store(url)
    run = store.begin_run(as_of=pd.Timestamp("2026-11-01", tz="UTC"))
    scores = pd.DataFrame(
        {"customer_id": ["c1", "c2"], "eligible": [1, 1], "awareness_score": [0.0, 0.0]}
    )
    store.publish(run, scores=scores.assign(rank_awareness=[1, 2]), report={})
    for base_url in serve(Settings(store_url=url)):
        with keyed_client(base_url, url, "export") as client:
            answer = client.get("/v1/exports/shortlist.csv", params={"objective": "awareness"})
            assert "there is nothing to rank by" in assert_error(answer, 409, "nothing_to_rank")


def test_an_export_with_nobody_eligible_is_the_header_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nobody.db'}"
    store = open_store(url)
    run = store.begin_run(as_of=pd.Timestamp("2026-11-01", tz="UTC"))
    scores = pd.DataFrame(
        {"customer_id": ["c1"], "eligible": [0], "awareness_score": [0.5], "rank_awareness": [1]}
    )
    store.publish(run, scores=scores.assign(explanation_awareness=["no consent"]), report={})
    for base_url in serve(Settings(store_url=url)):
        with keyed_client(base_url, url, "export") as client:
            answer = client.get("/v1/exports/shortlist.csv", params={"objective": "awareness"})
            assert answer.status_code == 200
            assert answer.content.decode("utf-8-sig") == (
                "rank,customer_id,awareness_score,p_share,unique_reach_2hop,audience_size,"
                "sentiment,shares_recent,language,explanation\r\n"
            )


def test_the_unproven_are_exported_apart_to_be_asked_for_a_review_first(
    client: httpx.Client,
) -> None:
    response = client.get(
        "/v1/exports/shortlist.csv",
        params={"objective": "awareness", "limit": 50, "unproven": "true"},
    )
    assert response.status_code == 200
    assert 'filename="unproven-awareness-' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1)) and len(rows) > 10
    assert all("ask for a review first" in r["explanation"] for r in rows)
    listed = client.get("/v1/advocates", params={"objective": "awareness", "limit": 1000})
    assert not {r["customer_id"] for r in rows} & {a["customer_id"] for a in listed.json()["data"]}
    mixed = client.get(
        "/v1/exports/shortlist.csv", params={"weights": "awareness=1", "unproven": "true"}
    )
    assert "one objective" in assert_error(mixed, 400, "configuration_error")
