from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from advocates.data.events import record_events
from advocates.errors import NotFoundError
from advocates.store import SqliteStore, Store, open_store
from tests.postgres import new_database
from tests.store.conftest import table_names

AS_OF = pd.Timestamp("2026-11-01", tz="UTC")


@pytest.fixture
def store(store_url: str) -> Store:
    store = open_store(store_url)
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


def test_erasure_removes_every_row_and_keeps_only_a_hash(store: Store) -> None:
    run = store.latest_run().run_id
    assert len(store.run_table(run, "audience")) == 3  # read and kept before the erasure
    removed = store.erase_customer("c0", key_id="admin1")
    # Runs: scores, a reward as referrer and one as converted friend, the served row and two
    # audience pairs (the run files are written again, and the kept copies renewed).
    assert removed == {"runs": 6, "plans": 1, "events": 2, "contact_blocks": 1}
    assert store.run_table(run, "audience")["customer_id"].tolist() == ["c1"]
    assert store.served(run)["customer_id"].tolist() == ["c1"]
    values = _every_value(store)
    assert "c0" not in values  # nowhere, not even in the audit log
    assert "c1" in values
    assert store.suppressed(pd.Series(["c0", "c1", "c2"])).tolist() == [True, False, False]
    log, total = store.audit_log(limit=10, offset=0)
    assert total == 2 and log["action"].tolist() == ["erase", "pii_read"]
    assert log["customer_id"][0] == log["customer_id"][1] and log["customer_id"][0].startswith(
        "erased:"
    )
    assert log["key_id"][0] == "admin1" and log["rows"][0] == 10


def test_a_customer_the_store_does_not_hold_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="'nobody' is not in the store"):
        store.erase_customer("nobody", key_id="admin1")
    store.erase_customer("c0", key_id="admin1")
    with pytest.raises(NotFoundError):
        store.erase_customer("c0", key_id="admin1")  # once erased, there is nothing left
    assert store.audit_log(limit=10, offset=0)[1] == 2  # failed erasures change nothing


def test_the_suppression_hash_is_keyed_per_store(
    store: Store, request: pytest.FixtureRequest
) -> None:
    other = (
        SqliteStore(store.path.with_name("other.db"))
        if isinstance(store, SqliteStore)
        else open_store(new_database(request.getfixturevalue("postgres_server")))
    )
    assert store.id_hash("c0") != other.id_hash("c0")
    assert store.id_hash("c0") == store.id_hash("c0")


def _every_value(store: Store) -> set[object]:
    """Every value of every table of ``store``, and every string in its JSON documents, but the
    files (Parquet bytes, checked by reading them through the store above)."""
    values: set[object] = set()
    for table in table_names(store):
        frame = store._query(f'SELECT * FROM "{table}"')  # type: ignore[attr-defined]
        for column in frame:
            for value in frame[column]:
                if isinstance(value, dict | list):  # (a JSON document: its strings)
                    value = json.dumps(value)
                if isinstance(value, str):  # (and the strings in a JSON text)
                    values.update(re.findall(r'"([^"]*)"', value))
                if not isinstance(value, bytes | memoryview):
                    values.add(value)
    return values
