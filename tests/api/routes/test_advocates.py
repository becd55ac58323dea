"""``/v1/advocates``: ranked, paginated advocates, one customer, custom weights."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from advocates.pipeline import RunOutcome
from advocates.store import SqliteStore
from tests.api.helpers import ClientWith, assert_error


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


def test_the_unproven_are_listed_apart(
    client: httpx.Client, scored: tuple[SqliteStore, RunOutcome]
) -> None:
    """Customers held back only for want of positive evidence, to ask for a review first."""
    outcome = scored[1]
    asked = client.get(
        "/v1/advocates", params={"objective": "engagement", "unproven": "true", "limit": 5}
    ).json()
    held_back = outcome.report["excluded"]
    assert asked["unproven"] is True
    assert asked["count"] == held_back.get("no sentiment evidence yet", 0) + held_back.get(
        "no positive evidence yet", 0
    )
    assert asked["count"] > 5 and [a["rank"] for a in asked["data"]] == [1, 2, 3, 4, 5]
    assert all("ask for a review first" in a["explanation"] for a in asked["data"])
    advocates = client.get("/v1/advocates", params={"objective": "engagement", "limit": 1000})
    listed = {a["customer_id"] for a in advocates.json()["data"]}
    assert advocates.json()["unproven"] is False
    assert not listed & {a["customer_id"] for a in asked["data"]}
    mixed = client.get("/v1/advocates", params={"weights": "awareness=1", "unproven": "true"})
    assert "one objective" in assert_error(mixed, 400, "configuration_error")


def test_one_customer_and_unknown_customer(client: httpx.Client) -> None:
    top = client.get("/v1/advocates", params={"objective": "awareness", "limit": 1}).json()["data"][
        0
    ]
    detail = client.get(f"/v1/advocates/{top['customer_id']}").json()
    assert detail["objectives"]["awareness"]["rank"] == 1
    assert detail["eligible"] is True and "unique_reach_2hop" in detail["features"]
    assert "email" not in detail["features"] and "name" not in detail["features"]
    assert "C_NOBODY" in assert_error(client.get("/v1/advocates/C_NOBODY"), 404, "not_found")


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
        ({"weights": "awareness=-1"}, "must be a number from 0 to 1,000,000"),
        ({"weights": "awareness=lots"}, "needs a number"),
        ({"weights": "awareness=0"}, "at least one positive weight"),
        ({"weights": "awareness=1", "objective": "awareness"}, "either an objective or weights"),
        ({}, "either an objective or weights"),
    ],
)
def test_bad_weights_get_a_clear_400(client: httpx.Client, params: dict, message: str) -> None:
    response = client.get("/v1/advocates", params=params)
    assert message in assert_error(response, 400, "configuration_error")


def test_only_the_pii_scope_sees_contact_details_and_the_customers_words(
    client: httpx.Client, client_with: ClientWith
) -> None:
    worst = client_with("read").get("/v1/detractors", params={"limit": 1}).json()["data"][0]
    without = client.get(f"/v1/advocates/{worst['customer_id']}").json()
    assert not {"email", "name", "worst_text"} & set(without["features"])
    assert all(
        worst["evidence_id"] not in o["explanation"] or "(text withheld)" in o["explanation"]
        for o in without["objectives"].values()
    )
    pii = client_with("read,pii").get(f"/v1/advocates/{worst['customer_id']}").json()
    assert {"email", "name", "worst_text"} <= set(pii["features"])
    assert pii["features"]["worst_text"]
