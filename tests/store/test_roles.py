"""API keys, and events with the contact blocks they imply, on every store (see conftest)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from advocates.data.events import check_events
from advocates.errors import NotFoundError
from advocates.store.base import StoredKey


def _key(key_id: str, created_at: str = "2026-11-02T10:00:00+00:00") -> StoredKey:
    return StoredKey(key_id, f"name {key_id}", ("export", "read"), "salt", "hash", created_at)


def _save(store: Any, *items: dict[str, Any]) -> tuple[int, int]:
    events, _ = check_events(items)
    added, again = store.save_events(events)
    return int(added), int(again)


def _event(event_id: str, type_: str, customer: str, at: str = "2026-11-02") -> dict[str, Any]:
    return {"event_id": event_id, "type": type_, "customer_id": customer, "occurred_at": at}


def test_keys_are_kept_listed_in_order_revoked_once_and_touched(store: Any) -> None:
    start = store.version()
    for key_id in ("k2", "k1", "k3"):  # made in the same second: listed as they were made
        store.save_key(_key(key_id))
    assert store.api_key("k1") == _key("k1")
    assert [k.key_id for k in store.api_keys()] == ["k2", "k1", "k3"]
    store.revoke_key("k1", at="2026-11-03T00:00:00+00:00")
    store.revoke_key("k1", at="2026-11-04T00:00:00+00:00")  # the first revocation stands
    assert store.api_key("k1").revoked_at == "2026-11-03T00:00:00+00:00"
    assert store.version() == start + 5  # each key made, each revocation
    store.touch_key("k2", at="2026-11-05T08:30:00+00:00")
    assert store.api_key("k2").last_used_at == "2026-11-05T08:30:00+00:00"
    assert store.version() == start + 5  # a use changes nothing kept
    with pytest.raises(NotFoundError, match="API key 'nope' does not exist"):
        store.api_key("nope")
    with pytest.raises(NotFoundError):
        store.revoke_key("nope", at="2026-11-03T00:00:00+00:00")


def test_an_event_is_stored_once_and_read_back_as_it_was(store: Any) -> None:
    sale = {
        **_event("e2", "conversion", "c1"),
        "friend_customer_id": "f1",
        "amount": 80.5,
        "currency": "EUR",
    }
    assert _save(store, _event("e1", "share", "c0", at="2026-11-02T09:15:00Z"), sale) == (2, 0)
    assert _save(store, sale, _event("e3", "click", "c1", at="2026-11-01")) == (1, 1)
    stored = store.events()
    assert stored["event_id"].tolist() == ["e3", "e2", "e1"]  # by when they occurred
    assert isinstance(stored["occurred_at"].dtype, pd.DatetimeTZDtype)
    assert stored["occurred_at"].iloc[2] == pd.Timestamp("2026-11-02T09:15:00Z")
    assert stored["amount"].iloc[1] == 80.5 and stored["currency"].iloc[1] == "EUR"
    assert stored["friend_customer_id"].iloc[1] == "f1" and pd.isna(stored["amount"].iloc[0])
    assert all(isinstance(t, str) for t in stored["received_at"])
    until = store.events(until=pd.Timestamp("2026-11-01T12:00:00Z"))
    assert until["event_id"].tolist() == ["e3"]
    assert store.events(customer_id="c1")["event_id"].tolist() == ["e3", "e2"]


def test_consent_blocks_follow_the_latest_consent_event_and_do_not_contact_stays(
    store: Any,
) -> None:
    start = store.version()
    _save(store, _event("g1", "consent_given", "c0", at="2026-11-05"))
    _save(store, _event("w1", "consent_withdrawn", "c0", at="2026-11-03"))  # older: no block
    assert store.contact_blocks().empty
    _save(store, _event("w2", "consent_withdrawn", "c0", at="2026-11-06"))
    assert store.contact_blocks().values.tolist() == [["c0", "consent withdrawn"]]
    _save(store, _event("g2", "consent_given", "c0", at="2026-11-07"))
    assert store.contact_blocks().empty
    # Two at the same instant: the later to arrive decides.
    _save(
        store,
        _event("w3", "consent_withdrawn", "c0", at="2026-11-08"),
        _event("g3", "consent_given", "c0", at="2026-11-08"),
    )
    assert store.contact_blocks().empty
    _save(store, _event("d1", "do_not_contact", "c0", at="2026-11-01"))
    _save(store, _event("g4", "consent_given", "c0", at="2026-11-09"))
    assert store.contact_blocks().values.tolist() == [["c0", "do not contact"]]
    assert store.version() == start + 7  # every batch with a consent event
    _save(store, _event("s1", "share", "c0"))
    assert store.version() == start + 7  # others block no one


def test_a_plan_is_kept_with_its_request_totals_and_assignments_in_order(store: Any) -> None:
    assignments = pd.DataFrame(
        {
            "customer_id": ["c2", "c0", "c1"],
            "arm": ["both10", "holdout", "none"],
            "expected_cost": [2.5, 0.0, None],
            "picked": [True, False, True],
            "rank": [3, 1, 2],
        }
    )
    request = {"objective": "conversion", "budget": 500.0, "catalogue": [{"id": "both10"}]}
    totals = {"advocates": 3, "excluded": {"detractor": 2, "contact cap reached": 1}}
    info = store.save_plan("run-1", request=request, totals=totals, assignments=assignments)
    assert (info.run_id, info.request, info.totals) == ("run-1", request, totals)
    assert list(info.totals["excluded"]) == ["detractor", "contact cap reached"]  # as written
    assert store.plan(info.plan_id) == info
    page, total = store.plan_assignments(info.plan_id, limit=2, offset=1)
    assert total == 3
    pd.testing.assert_frame_equal(
        page, assignments.iloc[1:].reset_index(drop=True), check_dtype=False
    )
    with pytest.raises(NotFoundError, match="campaign 'plan-nope' does not exist"):
        store.plan_assignments("plan-nope", limit=2, offset=0)
    with pytest.raises(NotFoundError, match="campaign 'plan-nope' does not exist"):
        store.plan("plan-nope")


def test_plans_are_listed_as_saved_and_a_customers_newest_first(store: Any) -> None:
    saved = [
        store.save_plan(
            "run-1",
            request={"objective": objective},
            totals={},
            assignments=pd.DataFrame({"customer_id": picked, "arm": "adv5", "expected_cost": 1.5}),
        ).plan_id
        for objective, picked in [
            ("awareness", ["c0", "c1"]),
            ("conversion", ["c2"]),
            ("engagement", ["c1"]),
        ]
    ]
    assert [p.plan_id for p in store.plans()] == saved  # (in one second: as saved)
    theirs = store.customer_plans("c1", limit=10)
    assert theirs["plan_id"].tolist() == [saved[2], saved[0]]
    assert theirs["objective"].tolist() == ["engagement", "awareness"]
    assert theirs["expected_cost"].tolist() == [1.5, 1.5]
    assert store.customer_plans("c1", limit=1)["plan_id"].tolist() == [saved[2]]
    assert store.customer_plans("nobody", limit=10).empty
