from __future__ import annotations

import pandas as pd
import pytest

from advocates.access.keys import Scope, create_key, revoke_key
from advocates.data.events import check_events, record_events
from advocates.store import Store, open_store

AS_OF = pd.Timestamp("2026-11-01", tz="UTC")


def event(event_id: str, type_: str, customer: str, at: str = "2026-11-02") -> dict:
    return {"event_id": event_id, "type": type_, "customer_id": customer, "occurred_at": at}


@pytest.fixture
def store(store_url: str) -> Store:
    store = open_store(store_url)
    run = store.begin_run(as_of=AS_OF)
    scores = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(5)],
            "eligible": [1] * 5,
            "awareness_score": [5.0, 4.0, 3.0, 2.0, 1.0],
            "rank_awareness": [1, 2, 3, 4, 5],
        }
    )
    store.publish(run, scores=scores, report={}, tables={"served": scores})
    return store


def test_an_event_is_stored_once_however_often_it_is_sent(store: Store) -> None:
    batch = [event("e1", "share", "c0"), event("e2", "click", "c1")]
    first = record_events(store, batch)
    again = record_events(store, [*batch, event("e3", "click", "c1")])
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates) == (1, 2)
    stored = store.events()
    assert stored["event_id"].tolist() == ["e1", "e2", "e3"]
    assert isinstance(stored["occurred_at"].dtype, pd.DatetimeTZDtype)
    assert store._query("SELECT COUNT(*) AS n FROM events")["n"].tolist() == [3]  # type: ignore[attr-defined]
    assert store.events(until=pd.Timestamp("2026-11-01", tz="UTC")).empty


def test_consent_withdrawn_or_do_not_contact_leave_every_listing_at_once(
    store: Store,
) -> None:
    run = store.latest_run().run_id
    record_events(
        store, [event("w1", "consent_withdrawn", "c0"), event("d1", "do_not_contact", "c3")]
    )
    page, total = store.ranked(run, objective="awareness", limit=10, offset=0)
    assert page["customer_id"].tolist() == ["c1", "c2", "c4"] and total == 3
    assert store.eligible(run)["customer_id"].tolist() == ["c1", "c2", "c4"]
    assert store.served(run)["customer_id"].tolist() == ["c1", "c2", "c4"]
    assert [
        p["customer_id"].tolist() for p in store.iter_ranked(run, objective="awareness", limit=10)
    ] == [["c1", "c2", "c4"]]
    assert store.contact_blocks().set_index("customer_id")["reason"].to_dict() == {
        "c0": "consent withdrawn",
        "c3": "do not contact",
    }


def test_the_latest_consent_event_decides_whatever_the_order_of_arrival(store: Store) -> None:
    record_events(store, [event("g1", "consent_given", "c0", at="2026-11-05")])
    record_events(store, [event("w1", "consent_withdrawn", "c0", at="2026-11-03")])  # older
    assert store.contact_blocks().empty
    record_events(store, [event("w2", "consent_withdrawn", "c0", at="2026-11-06")])
    assert store.contact_blocks()["customer_id"].tolist() == ["c0"]
    record_events(store, [event("g2", "consent_given", "c0", at="2026-11-07")])
    assert store.contact_blocks().empty
    record_events(store, [event("d1", "do_not_contact", "c0", at="2026-11-01")])
    record_events(store, [event("g3", "consent_given", "c0", at="2026-11-08")])
    assert store.contact_blocks()["reason"].tolist() == [
        "do not contact"
    ]  # consent does not undo it


def test_a_batch_with_only_invalid_items_stores_nothing(store: Store) -> None:
    recorded = record_events(store, [{"type": "share"}])
    assert (recorded.accepted, recorded.duplicates, len(recorded.rejected)) == (0, 0, 1)
    assert store.events().empty and check_events([])[0].empty


def test_the_version_moves_on_with_each_change_a_kept_answer_could_miss(
    store: Store, store_url: str
) -> None:
    """Publishing, contact blocks, erasure and key changes move the version on (in any
    process using the file); events that block no one, audits and key use do not."""
    other = open_store(store_url)  # another process's view of the same store
    seen = [other.version()]

    def moved() -> bool:
        seen.append(other.version())
        return seen[-1] > seen[-2]

    record_events(store, [event("e1", "click", "c1")])
    store.audit(key_id="k", action="export", target="/v1/exports", rows=3)
    assert not moved()
    record_events(store, [event("e2", "do_not_contact", "c1")])
    assert moved()
    store.publish(
        store.begin_run(as_of=AS_OF), scores=store.eligible(store.latest_run().run_id), report={}
    )
    assert moved()
    store.erase_customer("c2", key_id="k")
    assert moved()
    made = create_key(store, name="k", scopes=frozenset({Scope.READ}))
    assert moved()
    store.touch_key(made.key.key_id, at="2026-11-25T00:00:00+00:00")
    assert not moved()
    revoke_key(store, made.key.key_id)
    assert moved()
