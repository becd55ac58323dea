"""``/v1/kpis`` and ``/v1/advocates/{id}/history``: outcomes followed per campaign and person."""

from __future__ import annotations

from tests.api.helpers import ClientWith, assert_error
from tests.api.routes.test_campaigns import campaign_body


def test_a_campaigns_kpis_follow_its_events(private_with: ClientWith) -> None:
    client = private_with("read,write")
    plan = client.post("/v1/campaigns", json=campaign_body(advocates=20, holdout=0.2)).json()
    rows = client.get(f"/v1/campaigns/{plan['campaign_id']}/assignments").json()["data"]
    treated = [r for r in rows if r["arm"] not in ("holdout", "none")]
    first = treated[0]
    conversion = {
        "event_id": "kpi-c1",
        "type": "conversion",
        "customer_id": first["customer_id"],
        "friend_customer_id": "FRIEND-1",
        "occurred_at": "2099-01-02T10:00:00Z",  # after the plan, whatever today is
        "campaign_id": plan["campaign_id"],
        "incentive_id": first["arm"],
        "order_id": "KPI-O1",
        "amount": 80,
        "currency": "EUR",
    }
    assert client.post("/v1/events", json={"events": [conversion]}).json()["accepted"] == 1

    kpis = client.get(
        "/v1/kpis",
        params={"campaign_id": plan["campaign_id"], "from": "2099-01-01", "to": "2099-01-31",
                "granularity": "month"},
    ).json()  # fmt: skip
    assert [(p["period"], p["conversions"], p["revenue"]) for p in kpis["data"]] == [
        ("2099-01", 1, 80.0)
    ]
    assert kpis["data"][0]["incentive_cost"] > 0 and kpis["data"][0]["roi"] is not None
    result = kpis["campaign"]
    assert result["incrementality"]["treated"] == 16 and result["incrementality"]["holdout"] == 4
    assert result["actual"]["conversions"] == 1
    assert result["expected"]["conversions"] == plan["totals"]["expected_conversions"]

    history = client.get(f"/v1/advocates/{first['customer_id']}/history").json()
    assert history["runs"][0]["eligible"] and "rank_awareness" in history["runs"][0]
    assert "email" not in history["runs"][0]
    assert [e["event_id"] for e in history["events"]] == ["kpi-c1"]


def test_kpi_errors_are_clear(private_with: ClientWith) -> None:
    client = private_with("read")
    assert_error(client.get("/v1/kpis", params={"granularity": "hour"}), 422, "invalid_request")
    assert "is before" in assert_error(
        client.get("/v1/kpis", params={"from": "2026-11-10", "to": "2026-11-01"}),
        400,
        "configuration_error",
    )
    assert_error(client.get("/v1/kpis", params={"from": "soon"}), 400, "configuration_error")
    assert_error(client.get("/v1/kpis", params={"campaign_id": "plan-nope"}), 404, "not_found")
    assert_error(client.get("/v1/advocates/C_NOBODY/history"), 404, "not_found")
