"""``/v1/detractors``: detractors with reach, each with its evidence."""

from __future__ import annotations

import httpx

from tests.api.helpers import ClientWith, assert_error


def test_detractors_come_with_their_evidence(client: httpx.Client) -> None:
    first = client.get("/v1/detractors", params={"limit": 5}).json()
    assert first["count"] > 5 and [d["rank"] for d in first["data"]] == [1, 2, 3, 4, 5]
    scores = [d["detractor_score"] for d in first["data"]]
    assert scores == sorted(scores, reverse=True)
    top = first["data"][0]
    assert top["sentiment"] < 0 or top["negative_mentions_recent"] > 0
    # Without the pii scope the customer's own words are withheld, and named by their id.
    assert top["evidence_id"] and top["evidence_text"] is None and top["email"] is None
    assert f"{top['evidence_id']} (text withheld)" in top["explanation"]
    assert top["evidence_at"].startswith("20")  # when it was written: its age in the care queue
    second = client.get("/v1/detractors", params={"limit": 5, "offset": 5}).json()
    assert second["data"][0]["rank"] == 6
    assert_error(client.get("/v1/detractors", params={"limit": 0}), 422, "invalid_request")


def test_the_pii_scope_shows_the_customers_words_email_and_name(client_with: ClientWith) -> None:
    top = client_with("read,pii").get("/v1/detractors", params={"limit": 1}).json()["data"][0]
    assert top["evidence_text"] and top["email"] and top["name"]
    assert f'{top["evidence_id"]}: "{top["evidence_text"][:40]}' in top["explanation"]
    assert "withheld" not in top["explanation"]
