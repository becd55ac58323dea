"""``/v1/campaigns``: plans made, stored, paged and exported; their errors."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.api.helpers import assert_error
from tests.helpers import CATALOGUE


def campaign_body(**changes: object) -> dict:
    body = {
        "objective": "conversion",
        "budget": 250.0,
        # JSON says "no cap" with null, where a CSV leaves the cell empty.
        "catalogue": CATALOGUE.replace({"cap": {"": None}}).to_dict("records"),
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
