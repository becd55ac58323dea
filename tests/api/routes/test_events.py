"""``/v1/events``: outcome events stored once each, partly invalid batches, and consent
withdrawals that take effect from the next request on."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.helpers import ClientWith, assert_error
from tests.api.routes.test_campaigns import campaign_body


@pytest.fixture(scope="module")
def own_client(private_with: ClientWith) -> httpx.Client:
    """A client over a private copy of the scored store: these tests change who is listed."""
    return private_with("read,write,export")


def share(event_id: str, customer_id: str = "C0000001") -> dict:
    return {
        "event_id": event_id,
        "type": "share",
        "customer_id": customer_id,
        "occurred_at": "2026-11-02T09:00:00Z",
    }


def test_a_batch_keeps_its_valid_events_once_and_rejects_the_rest_one_by_one(
    own_client: httpx.Client,
) -> None:
    batch = {
        "events": [share("a1"), share("a1"), {"event_id": "bad", "type": "share"}, share("a2")]
    }
    first = own_client.post("/v1/events", json=batch)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [{"index": 2, "event_id": "bad", "reason": "customer_id is required"}],
    }
    again = own_client.post("/v1/events", json=batch).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)


def test_a_batch_is_bounded(own_client: httpx.Client) -> None:
    too_many = {"events": [share(f"e{i}") for i in range(1001)]}
    assert "body.events" in assert_error(
        own_client.post("/v1/events", json=too_many), 422, "invalid_request"
    )


def test_consent_withdrawn_takes_effect_at_once_in_listings_exports_and_plans(
    own_client: httpx.Client, tmp_path: Path
) -> None:
    params = {"objective": "conversion", "limit": 1000}
    before = own_client.get("/v1/advocates", params=params).json()
    top = before["data"][0]["customer_id"]
    planned = own_client.post("/v1/campaigns", json=campaign_body(advocates=30)).json()
    rows = own_client.get(f"/v1/campaigns/{planned['campaign_id']}/assignments").json()["data"]
    assert top in {r["customer_id"] for r in rows}

    withdrawn = {
        "event_id": "w-top",
        "type": "consent_withdrawn",
        "customer_id": top,
        "occurred_at": "2026-11-02T10:00:00Z",
    }
    assert own_client.post("/v1/events", json={"events": [withdrawn]}).json()["accepted"] == 1

    after = own_client.get("/v1/advocates", params=params).json()
    assert after["count"] == before["count"] - 1
    assert top not in {a["customer_id"] for a in after["data"]}
    custom = own_client.get("/v1/advocates", params={"weights": "conversion=1", "limit": 1000})
    assert top not in {a["customer_id"] for a in custom.json()["data"]}
    export = own_client.get(
        "/v1/exports/shortlist.csv", params={"objective": "conversion", "limit": 500}
    )
    assert export.status_code == 200 and top not in export.text
    replanned = own_client.post("/v1/campaigns", json=campaign_body(advocates=30)).json()
    rows = own_client.get(f"/v1/campaigns/{replanned['campaign_id']}/assignments").json()["data"]
    assert top not in {r["customer_id"] for r in rows}
