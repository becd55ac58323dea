"""``/v1/campaigns``: plans made, stored, paged and exported; their errors."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from advocates.campaigns.incentives import MAX_CATALOGUE_INCENTIVES
from advocates.campaigns.plan import PLAN_COLUMNS
from advocates.settings import Settings
from tests.api.conftest import keyed_client, serve
from tests.api.helpers import assert_error
from tests.helpers import CATALOGUE


def campaign_body(**changes: object) -> dict:
    body = {
        "objective": "conversion",
        "budget": 250.0,
        # JSON writes numbers as numbers and "no cap" as null, where a CSV has text and an
        # empty cell.
        "catalogue": [
            {
                **item,
                **{k: float(item[k]) for k in ("advocate_reward", "friend_reward")},
                "cap": float(item["cap"]) if item["cap"] else None,
            }
            for item in CATALOGUE.to_dict("records")
        ],
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
    assert list(table[0]) == list(rows[0]) == PLAN_COLUMNS
    assert [r["disclosure"] for r in table] == [r["disclosure"] for r in rows]


def test_assignments_carry_the_disclosure_in_the_advocates_language(client: httpx.Client) -> None:
    campaign = client.post("/v1/campaigns", json=campaign_body(budget=1000.0)).json()
    rows = client.get(
        f"/v1/campaigns/{campaign['campaign_id']}/assignments", params={"limit": 100}
    ).json()["data"]
    by_id = CATALOGUE.set_index("incentive_id")
    treated = [r for r in rows if r["arm"] not in ("holdout", "none")]
    assert treated and all(r["disclosure"] == "" for r in rows if r not in treated)
    for row in treated:
        column = f"disclosure_{row['language']}"
        text = by_id.at[row["arm"], column if column in by_id.columns else "disclosure_en"]
        assert row["disclosure"] == text


def test_campaign_errors(client: httpx.Client) -> None:
    bad = campaign_body(catalogue=[{**campaign_body()["catalogue"][0], "currency": "XXX"}])
    message = assert_error(client.post("/v1/campaigns", json=bad), 400, "input_error")
    assert "row 2, column 'currency': unknown currency 'XXX'" in message
    assert_error(
        client.post("/v1/campaigns", json=campaign_body(budget=-1)), 422, "invalid_request"
    )
    many = [
        {**campaign_body()["catalogue"][0], "incentive_id": f"i{k}"}
        for k in range(MAX_CATALOGUE_INCENTIVES + 1)
    ]
    message = assert_error(
        client.post("/v1/campaigns", json=campaign_body(catalogue=many)), 400, "input_error"
    )
    assert "the catalogue has 301 incentives, more than the 300" in message
    for wrong in ("10", True):  # the document says number: no text, no true or false
        item = {**campaign_body()["catalogue"][0], "advocate_reward": wrong}
        message = assert_error(
            client.post("/v1/campaigns", json=campaign_body(catalogue=[item])),
            422,
            "invalid_request",
        )
        assert message.startswith("body.catalogue.0.advocate_reward: ")
    assert_error(client.get("/v1/campaigns/plan-nope"), 404, "not_found")
    assert_error(client.get("/v1/campaigns/plan-nope/assignments"), 404, "not_found")


def test_the_catalogue_bound_is_a_setting_the_document_states(settings: Settings) -> None:
    small = settings.model_copy(update={"max_catalogue_incentives": 2})
    for base_url in serve(small):
        with keyed_client(base_url, small.store_url, "write") as client:
            spec = client.get("/openapi.json").json()
            catalogue = spec["components"]["schemas"]["CampaignCreate"]["properties"]["catalogue"]
            assert catalogue["maxItems"] == 2
            three = campaign_body()  # three incentives
            message = assert_error(client.post("/v1/campaigns", json=three), 400, "input_error")
            assert "the catalogue has 3 incentives, more than the 2 a plan accepts" in message
            two = campaign_body(catalogue=three["catalogue"][:2])
            assert client.post("/v1/campaigns", json=two).status_code == 201
