from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from advocates.data.events import record_events
from advocates.errors import NotFoundError
from advocates.store import SqliteStore

AS_OF = pd.Timestamp("2026-11-01", tz="UTC")


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "s.db")
    run = store.begin_run(as_of=AS_OF)
    scores = pd.DataFrame(
        {"customer_id": ["c0", "c1"], "eligible": [1, 1], "rank_awareness": [1, 2]}
    )
    rewards = pd.DataFrame(
        {
            "referral_id": ["r1", "r2"],
            "referrer_customer_id": ["c1", "c0"],
            "converted_customer_id": ["c0", "c9"],
        }
    )
    audience = pd.DataFrame(
        {"customer_id": pd.Categorical(["c0", "c0", "c1"]), "member": [1, 2, 1]}
    )
    store.publish(
        run,
        scores=scores,
        report={},
        tables={"rewards": rewards, "audience": audience, "served": scores},
    )
    store.save_plan(
        run,
        request={},
        totals={},
        assignments=pd.DataFrame({"customer_id": ["c0", "c1"], "arm": ["A", "holdout"]}),
    )
    record_events(
        store,
        [
            {
                "event_id": "e1",
                "type": "do_not_contact",
                "customer_id": "c0",
                "occurred_at": "2026-11-02",
            },
            {
                "event_id": "e2",
                "type": "conversion",
                "customer_id": "c1",
                "friend_customer_id": "c0",
                "occurred_at": "2026-11-02",
            },
            {"event_id": "e3", "type": "click", "customer_id": "c1", "occurred_at": "2026-11-02"},
        ],
    )
    store.audit(key_id="k1", action="pii_read", customer_id="c0")
    return store


def test_erasure_removes_every_row_and_keeps_only_a_hash(store: SqliteStore) -> None:
    run = store.latest_run().run_id
    assert len(store.run_table(run, "audience")) == 3  # read and kept before the erasure
    removed = store.erase_customer("c0", key_id="admin1")
    # Runs: scores, a reward as referrer and one as converted friend, the served row and two
    # audience pairs (the run files are written again, and the kept copies renewed).
    assert removed == {"runs": 6, "plans": 1, "events": 2, "contact_blocks": 1}
    assert store.run_table(run, "audience")["customer_id"].tolist() == ["c1"]
    assert store.served(run)["customer_id"].tolist() == ["c1"]
    with sqlite3.connect(store.path) as con:
        dump = "\n".join(con.iterdump())
    assert "'c0'" not in dump  # nowhere, not even in the audit log
    assert "'c1'" in dump
    assert store.suppressed(pd.Series(["c0", "c1", "c2"])).tolist() == [True, False, False]
    log, total = store.audit_log(limit=10, offset=0)
    assert total == 2 and log["action"].tolist() == ["erase", "pii_read"]
    assert log["customer_id"][0] == log["customer_id"][1] and log["customer_id"][0].startswith(
        "erased:"
    )
    assert log["key_id"][0] == "admin1" and log["rows"][0] == 10


def test_a_customer_the_store_does_not_hold_is_not_found(store: SqliteStore) -> None:
    with pytest.raises(NotFoundError, match="'nobody' is not in the store"):
        store.erase_customer("nobody", key_id="admin1")
    store.erase_customer("c0", key_id="admin1")
    with pytest.raises(NotFoundError):
        store.erase_customer("c0", key_id="admin1")  # once erased, there is nothing left
    assert store.audit_log(limit=10, offset=0)[1] == 2  # failed erasures change nothing


def test_the_suppression_hash_is_keyed_per_store(store: SqliteStore, tmp_path: Path) -> None:
    other = SqliteStore(tmp_path / "other.db")
    assert store.id_hash("c0") != other.id_hash("c0")
    assert store.id_hash("c0") == store.id_hash("c0")
