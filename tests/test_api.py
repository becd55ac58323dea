"""The API over a real HTTP server (uvicorn on a loopback port) and a real client (httpx)."""

from __future__ import annotations

import csv
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import SqliteStore
from api.app import create_app


def serve(settings: Settings) -> Iterator[httpx.Client]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def client(scored: tuple[SqliteStore, RunOutcome]) -> Iterator[httpx.Client]:
    store, _ = scored
    yield from serve(Settings(store_url=f"sqlite:///{store.path}", export_max_rows=500))


def assert_error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    return str(body["error"]["message"])


def test_ranked_advocates_are_paginated(
    client: httpx.Client, scored: tuple[SqliteStore, RunOutcome]
) -> None:
    first = client.get("/v1/advocates", params={"objective": "conversion", "limit": 10}).json()
    second = client.get(
        "/v1/advocates", params={"objective": "conversion", "limit": 10, "offset": 10}
    ).json()
    assert first["count"] == scored[1].report["eligible"] == second["count"]
    assert [a["rank"] for a in first["data"] + second["data"]] == list(range(1, 21))
    assert first["run_id"] == scored[1].run_id
    item = first["data"][0]
    assert item["score"] >= first["data"][1]["score"] and item["explanation"]
    assert set(item["parts"]) >= {"expected_converted_peers", "conversion_influence"}


def test_one_customer_and_unknown_customer(client: httpx.Client) -> None:
    top = client.get("/v1/advocates", params={"objective": "awareness", "limit": 1}).json()["data"][
        0
    ]
    detail = client.get(f"/v1/advocates/{top['customer_id']}").json()
    assert detail["objectives"]["awareness"]["rank"] == 1
    assert detail["eligible"] is True and "unique_reach_2hop" in detail["features"]
    assert "email" not in detail["features"] and "name" not in detail["features"]
    assert "C_NOBODY" in assert_error(client.get("/v1/advocates/C_NOBODY"), 404, "not_found")


def test_errors_have_one_shape(client: httpx.Client) -> None:
    assert "objective" in assert_error(
        client.get("/v1/advocates", params={"objective": "fame"}), 422, "invalid_request"
    )
    assert_error(
        client.get("/v1/advocates", params={"objective": "awareness", "limit": 0}),
        422,
        "invalid_request",
    )
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    assert "export cap" in assert_error(
        client.get("/v1/exports/shortlist.csv", params={"objective": "awareness", "limit": 501}),
        400,
        "configuration_error",
    )


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


def test_health_and_openapi(client: httpx.Client, scored: tuple[SqliteStore, RunOutcome]) -> None:
    health = client.get("/health").json()
    assert health["run_id"] == scored[1].run_id and health["age_seconds"] >= 0
    assert "/v1/advocates" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_no_published_run_is_a_clear_503(tmp_path: Path) -> None:
    for empty in serve(Settings(store_url=f"sqlite:///{tmp_path / 'empty.db'}")):
        assert "no published run" in assert_error(empty.get("/health"), 503, "no_published_run")
        assert_error(
            empty.get("/v1/advocates", params={"objective": "awareness"}), 503, "no_published_run"
        )


def test_detractors_come_with_their_evidence(client: httpx.Client) -> None:
    first = client.get("/v1/detractors", params={"limit": 5}).json()
    assert first["count"] > 5 and [d["rank"] for d in first["data"]] == [1, 2, 3, 4, 5]
    scores = [d["detractor_score"] for d in first["data"]]
    assert scores == sorted(scores, reverse=True)
    top = first["data"][0]
    assert top["sentiment"] < 0 or top["negative_mentions_recent"] > 0
    assert top["evidence_id"] and top["evidence_text"] and top["evidence_id"] in top["explanation"]
    assert "email" not in top
    second = client.get("/v1/detractors", params={"limit": 5, "offset": 5}).json()
    assert second["data"][0]["rank"] == 6
    assert_error(client.get("/v1/detractors", params={"limit": 0}), 422, "invalid_request")


def test_custom_weights_rank_a_mix_of_objectives(client: httpx.Client) -> None:
    one = client.get("/v1/advocates", params={"objective": "awareness", "limit": 20}).json()
    same = client.get("/v1/advocates", params={"weights": "awareness=3", "limit": 20}).json()
    assert same["objective"] == "custom" and same["weights"] == {"awareness": 3.0}
    assert [a["customer_id"] for a in same["data"]] == [a["customer_id"] for a in one["data"]]
    assert same["count"] == one["count"]

    mixed = client.get(
        "/v1/advocates", params={"weights": "awareness:1,conversion:1", "limit": 5, "offset": 5}
    ).json()
    assert [a["rank"] for a in mixed["data"]] == [6, 7, 8, 9, 10]
    assert {"awareness_score", "conversion_score"} <= set(mixed["data"][0]["parts"])
    assert mixed["data"][0]["explanation"].startswith("awareness: ")
    assert " | conversion: " in mixed["data"][0]["explanation"]

    exported = client.get(
        "/v1/exports/shortlist.csv", params={"weights": "engagement=1", "limit": 7}
    )
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [int(r["rank"]) for r in rows] == list(range(1, 8)) and "custom_score" in rows[0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"weights": "reach=1"}, "unknown objective 'reach'"),
        ({"weights": "awareness=-1"}, "must be a number >= 0"),
        ({"weights": "awareness=lots"}, "needs a number"),
        ({"weights": "awareness=0"}, "at least one positive weight"),
        ({"weights": "awareness=1", "objective": "awareness"}, "either an objective or weights"),
        ({}, "either an objective or weights"),
    ],
)
def test_bad_weights_get_a_clear_400(client: httpx.Client, params: dict, message: str) -> None:
    response = client.get("/v1/advocates", params=params)
    assert message in assert_error(response, 400, "configuration_error")


def campaign_body(**changes: object) -> dict:
    from .test_campaign import CATALOGUE

    body = {
        "objective": "conversion",
        "budget": 250.0,
        "catalogue": CATALOGUE.to_dict("records"),
        "advocates": 30,
        "holdout": 0.1,
        "seed": 4,
    }
    return {**body, **changes}


def test_campaigns_are_planned_stored_and_paged(client: httpx.Client) -> None:
    created = client.post("/v1/campaigns", json=campaign_body())
    assert created.status_code == 201, created.text
    campaign = created.json()
    totals = campaign["totals"]
    assert totals["advocates"] == 30 and totals["holdout"] == 3
    assert totals["expected_cost"] <= 250.0 and totals["budget_left"] >= 0
    assert campaign["request"]["seed"] == 4 and len(campaign["request"]["catalogue"]) == 3
    same = client.get(f"/v1/campaigns/{campaign['campaign_id']}").json()
    assert same == campaign

    first = client.get(
        f"/v1/campaigns/{campaign['campaign_id']}/assignments", params={"limit": 20}
    ).json()
    rest = client.get(
        f"/v1/campaigns/{campaign['campaign_id']}/assignments", params={"limit": 20, "offset": 20}
    ).json()
    assert first["count"] == 30 and len(first["data"]) == 20 and len(rest["data"]) == 10
    rows = first["data"] + rest["data"]
    assert sum(r["expected_cost"] for r in rows) == pytest.approx(totals["expected_cost"], abs=0.01)
    assert {r["arm"] for r in rows} <= {"both10", "friend15", "adv5", "holdout", "none"}

    again = client.post("/v1/campaigns", json=campaign_body()).json()
    again_rows = client.get(
        f"/v1/campaigns/{again['campaign_id']}/assignments", params={"limit": 100}
    ).json()["data"]
    assert (
        again["campaign_id"] != campaign["campaign_id"] and again_rows == rows
    )  # same seed, same plan

    exported = client.get(f"/v1/campaigns/{campaign['campaign_id']}/assignments.csv")
    table = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [r["customer_id"] for r in table] == [r["customer_id"] for r in rows]


def test_campaign_errors(client: httpx.Client) -> None:
    bad = campaign_body(catalogue=[{**campaign_body()["catalogue"][0], "currency": "XXX"}])
    message = assert_error(client.post("/v1/campaigns", json=bad), 400, "input_error")
    assert "row 2, column 'currency': unknown currency 'XXX'" in message
    assert_error(
        client.post("/v1/campaigns", json=campaign_body(budget=-1)), 422, "invalid_request"
    )
    assert_error(client.get("/v1/campaigns/plan-nope"), 404, "not_found")
    assert_error(client.get("/v1/campaigns/plan-nope/assignments"), 404, "not_found")
