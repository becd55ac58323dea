"""``/v1/audit``: exports, reads of personal data and erasures, with who did them."""

from __future__ import annotations

from tests.api.helpers import ClientWith
from tests.api.routes.test_campaigns import campaign_body


def test_exports_pii_reads_and_erasures_are_audited_with_their_key(
    private_with: ClientWith,
) -> None:
    exporter, pii, admin = private_with("export"), private_with("read,pii"), private_with("admin")
    already = admin.get("/v1/audit").json()["count"]  # the copied store's own history
    exporter.get("/v1/exports/shortlist.csv", params={"objective": "awareness", "limit": 7})
    planned = private_with("write").post("/v1/campaigns", json=campaign_body(advocates=6))
    campaign = planned.json()["campaign_id"]
    assert exporter.get(f"/v1/campaigns/{campaign}/assignments.csv").status_code == 200
    detractors = pii.get("/v1/detractors", params={"limit": 3}).json()["data"]
    one = detractors[0]["customer_id"]
    pii.get(f"/v1/advocates/{one}")
    private_with("read").get(f"/v1/advocates/{one}")  # no pii scope: nothing personal, no entry

    log = admin.get("/v1/audit").json()
    new = log["data"][: log["count"] - already]
    entries = [(e["action"], e["target"], e["customer_id"], e["rows"]) for e in new]
    assert len(entries) == 4
    assert ("export", "/v1/exports/shortlist.csv", None, 7) in entries
    assert ("export", f"/v1/campaigns/{campaign}/assignments.csv", None, 6) in entries
    assert ("pii_read", "/v1/detractors", None, 3) in entries
    assert ("pii_read", "/v1/advocates", one, None) in entries
    keys = {e["action"]: e["key_id"] for e in new}
    assert keys["export"] != keys["pii_read"] and len(keys["export"]) == 12

    assert admin.delete(f"/v1/customers/{one}").status_code == 204
    after = admin.get("/v1/audit", params={"limit": 100}).json()
    assert after["count"] == log["count"] + 1 and after["data"][0]["action"] == "erase"
    assert one not in str(after)  # the erased id is a hash in the log too
