"""A run's life in a store, and reading it back: on every store (see conftest), alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.errors import NoPublishedRunError, NotFoundError, RunInProgressError, StoreError
from advocates.store import Condition, PostgresStore, SqliteStore, Store, open_store
from advocates.store.common import scores_table
from tests.store.conftest import index_names, table_names
from tests.store.test_sqlite import AS_OF, scores


def test_latest_published_run_is_served(store: Store) -> None:
    with pytest.raises(NoPublishedRunError, match="advocates score"):
        store.latest_run()
    first = store.begin_run(as_of=AS_OF)
    store.publish(first, scores=scores(5, "first"), report={"n": 5})
    page, total = store.ranked(first, objective="awareness", limit=2, offset=2)
    assert (total, page["customer_id"].tolist()) == (5, ["c2", "c3"])
    assert store.latest_run().report == {"n": 5}
    with pytest.raises(NotFoundError):
        store.customer(first, "nobody")


def test_a_run_being_written_or_failed_never_replaces_the_served_one(store: Store) -> None:
    good = store.begin_run(as_of=AS_OF)
    store.publish(good, scores=scores(3, "good"), report={})
    writing = store.begin_run(as_of=AS_OF)
    assert store.latest_run().run_id == good  # while the next run is being written
    broken = scores(3, "broken").assign(
        customer_id=["d", "d", "d"]
    )  # violates the unique index mid-publish
    with pytest.raises(Exception, match=r"UNIQUE|unique"):
        store.publish(writing, scores=broken, report={})
    store.fail(writing, reason="boom")
    assert store.latest_run().run_id == good
    assert store.customer(good, "c0")["tag"] == "good"
    assert {r.run_id: r.status for r in store.runs()} == {good: "published", writing: "failed"}
    # (a run written in bulk or in its own transaction: its tables are dropped)
    assert not [name for name in table_names(store) if writing.replace("-", "_") in name]


def test_a_killed_run_is_abandoned_by_the_next(store: Store) -> None:
    killed = store.begin_run(as_of=AS_OF)  # the process died here
    store.begin_run(as_of=AS_OF)
    assert {r.run_id: r.status for r in store.runs()}[killed] == "abandoned"


def test_one_run_at_a_time_holds_a_store_and_an_abandoned_run_cannot_publish(
    store_url: str,
) -> None:
    store, other = open_store(store_url), open_store(store_url)
    with (
        store.run_lock(),
        pytest.raises(RunInProgressError, match="another run is being written"),
        other.run_lock(),
    ):
        pass
    with other.run_lock():  # released when the first run ended
        pass
    first = store.begin_run(as_of=AS_OF)
    store.begin_run(as_of=AS_OF)  # (without the lock) abandons the first, dropping its tables
    with pytest.raises(StoreError, match=f"run {first} is not being written"):
        store.publish(first, scores=scores(3, "late"), report={})
    with pytest.raises(NoPublishedRunError):
        store.latest_run()
    assert {r.run_id: r.status for r in store.runs()}[first] == "abandoned"


def test_only_the_newest_published_runs_are_kept(store: Store) -> None:
    made = []
    for i in range(4):
        made.append(store.begin_run(as_of=AS_OF))
        if i == 1:
            store.fail(made[-1], reason="bad input")
        else:
            store.publish(made[-1], scores=scores(2, f"run {i}"), report={})
    assert sorted(store.prune_runs(keep=2)) == sorted(made[:2])  # run 0; failed 1 before run 2
    assert [r.run_id for r in store.runs()] == made[:1:-1]
    names = table_names(store)
    assert scores_table(made[0])[1:-1] not in names and scores_table(made[2])[1:-1] in names
    assert store.latest_run().run_id == made[3] and store.prune_runs(keep=2) == []


def test_run_files_are_published_with_the_run_read_once_per_process_and_pruned_with_it(
    store: Store,
) -> None:
    audience = pd.DataFrame(
        {"customer_id": pd.Categorical(["c0", "c0", "c1"]), "member": np.array([7, 9, 7], "int32")}
    )
    made = []
    for i in range(3):
        made.append(store.begin_run(as_of=AS_OF))
        served = scores(3, f"run {i}")
        store.publish(
            made[-1], scores=served, report={}, tables={"audience": audience, "served": served}
        )
    first = store.run_table(made[0], "audience")
    assert first.to_dict("records") == audience.to_dict("records")
    assert isinstance(first["customer_id"].dtype, pd.CategoricalDtype)  # as the plans read it
    assert store.run_table(made[0], "audience") is first  # kept: one copy per process
    whole = store.run_table(made[1], "served")  # (kept apart from what served() keeps)
    assert store.served(made[1])["tag"].tolist() == whole["tag"].tolist() == ["run 1"] * 3
    assert store.served(made[1]) is store.served(made[1])  # kept (and nobody blocked)
    store.prune_runs(keep=1)
    kept = store._query("SELECT DISTINCT run_id FROM run_files")  # type: ignore[attr-defined]
    assert kept["run_id"].tolist() == [made[2]]
    # A run published without a served table (an older version's) serves its eligible rows.
    older = store.begin_run(as_of=AS_OF)
    store.publish(older, scores=scores(2, "older").assign(eligible=[1, 0]), report={})
    assert store.served(older)["customer_id"].tolist() == ["c0"]


def test_exports_read_in_chunks_what_one_page_holds(store: Store) -> None:
    run = store.begin_run(as_of=AS_OF)
    store.publish(run, scores=scores(7, "t").sample(frac=1, random_state=1), report={})
    chunks = list(store.iter_ranked(run, objective="awareness", limit=5, chunk_rows=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    page, _ = store.ranked(run, objective="awareness", limit=5, offset=0)
    assert pd.concat(chunks)["customer_id"].tolist() == page["customer_id"].tolist()
    assert sum(map(len, store.iter_ranked(run, objective="awareness", limit=50))) == 7
    with pytest.raises(NotFoundError, match="no engagement ranking"):
        list(store.iter_ranked(run, objective="engagement", limit=5))


def test_a_listing_keeps_the_rows_meeting_every_condition_in_rank_order(store: Store) -> None:
    run = store.begin_run(as_of=AS_OF)
    frame = scores(12, "t").assign(
        language=["fr", "en", "ro"] * 4, sentiment=[i / 12 for i in range(12)]
    )
    store.publish(run, scores=frame, report={})
    french = [Condition("language", "=", "fr")]
    page, total = store.ranked(run, objective="awareness", limit=2, offset=1, where=french)
    assert (page["customer_id"].tolist(), total) == (["c3", "c6"], 4)
    happy = [*french, Condition("sentiment", ">=", 0.5)]
    page, total = store.ranked(run, objective="awareness", limit=10, offset=0, where=happy)
    assert (page["customer_id"].tolist(), total) == (["c6", "c9"], 2)
    nowhere = [Condition("country", "=", "FR")]  # a column this run does not have
    page, total = store.ranked(run, objective="awareness", limit=10, offset=0, where=nowhere)
    assert (len(page), total) == (0, 0)
    with pytest.raises(ValueError, match="not a listing condition"):
        Condition('language" OR 1=1 --', "=", "fr")
    with pytest.raises(ValueError, match="not a listing condition"):
        Condition("language", "LIKE", "%")


def test_a_customers_texts_are_read_through_an_index_and_erased_with_them(store: Store) -> None:
    run = store.begin_run(as_of=AS_OF)
    evidence = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2"],
            "kind": ["mention", "review", "review"],
            "id": ["m1", "r1", "r2"],
            "at": pd.to_datetime(["2026-10-01", "2026-10-20", "2026-09-01"], utc=True),
            "sentiment": [0.5, -1.0, 1.0],
            "text": ["fine", "broke", "great"],
        }
    )
    store.publish(run, scores=scores(3, "x"), report={}, tables={"evidence": evidence})
    theirs = store.customer_evidence(run, "c1")
    assert theirs["id"].tolist() == ["r1", "m1"]  # newest first
    assert theirs["at"].iloc[0] == evidence["at"].iloc[1]
    assert theirs.columns.tolist() == ["kind", "id", "at", "sentiment", "text"]
    assert store.customer_evidence(run, "nobody").empty
    table = f"evidence_{run.replace('-', '_')}"
    assert f"{table}_customer" in index_names(store)
    assert f"{table}_customer" in _plan(store, f'SELECT * FROM "{table}" WHERE customer_id = ?')
    store.erase_customer("c1", key_id="ops")
    assert store.customer_evidence(run, "c1").empty and len(store.customer_evidence(run, "c2"))
    # A run published without the table (an older version's) has no texts, not an error.
    older = store.begin_run(as_of=AS_OF)
    store.publish(older, scores=scores(3, "y"), report={})
    assert store.customer_evidence(older, "c2").empty


def test_a_publish_failing_on_a_side_table_leaves_nothing_behind(store: Store) -> None:
    run = store.begin_run(as_of=AS_OF)
    audience = pd.DataFrame({"customer_id": ["c0"], "member": ["m0"]})
    with pytest.raises(StoreError, match="unknown run table 'nope'"):
        store.publish(
            run,
            scores=scores(3, "first"),
            report={},
            tables={"audience": audience, "nope": audience},
        )
    assert [(r.run_id, r.status) for r in store.runs()] == [(run, "writing")]
    with pytest.raises(NoPublishedRunError):
        store.latest_run()
    # Neither the scores nor the side table written before the failure is left behind: the same
    # run publishes again (CREATE TABLE would fail on a leftover), with the second attempt's rows.
    store.publish(run, scores=scores(2, "second"), report={"n": 2}, tables={"audience": audience})
    assert store.latest_run().run_id == run
    assert store.customer(run, "c1")["tag"] == "second"
    assert store.run_table(run, "audience").to_dict("records") == audience.to_dict("records")


def test_plans_keep_the_assignments_they_are_given_and_page_them(store: Store) -> None:
    run = store.begin_run(as_of=AS_OF)
    store.publish(run, scores=scores(3, "first"), report={})
    rows = pd.DataFrame({"customer_id": ["c2", "c0", "c1"], "arm": ["a", "holdout", "none"]})
    info = store.save_plan(run, request={"catalogue": []}, totals={"n": 3}, assignments=rows)
    assert (info.run_id, info.totals) == (run, {"n": 3})
    page, total = store.plan_assignments(info.plan_id, limit=2, offset=1)
    assert total == 3 and page.to_dict("records") == rows.iloc[1:].to_dict("records")
    with pytest.raises(NotFoundError, match="campaign 'plan-nope' does not exist"):
        store.plan_assignments("plan-nope", limit=2, offset=0)


def test_a_customers_plans_are_those_that_picked_them_newest_first(store: Store) -> None:
    run = store.begin_run(as_of=AS_OF)
    store.publish(run, scores=scores(3, "first"), report={})
    saved = [
        store.save_plan(
            run,
            request={"objective": objective, "catalogue": []},
            totals={},
            assignments=pd.DataFrame(
                {"customer_id": picked, "arm": arm, "expected_cost": [2.5] * len(picked)}
            ),
        ).plan_id
        for objective, picked, arm in [
            ("awareness", ["c0", "c1"], ["both10", "holdout"]),
            ("conversion", ["c2"], ["adv5"]),
            ("engagement", ["c1"], ["none"]),
        ]
    ]
    theirs = store.customer_plans("c1", limit=10)
    assert theirs["plan_id"].tolist() == [saved[2], saved[0]]
    assert theirs[["objective", "arm"]].values.tolist() == [
        ["engagement", "none"],
        ["awareness", "holdout"],
    ]
    assert store.customer_plans("c1", limit=1)["plan_id"].tolist() == [saved[2]]
    assert store.customer_plans("nobody", limit=10).empty


def test_bi_tools_read_the_latest_published_run_as_one_view(postgres_url: str) -> None:
    store = open_store(postgres_url)
    for n, tag in ((3, "first"), (5, "second")):
        run = store.begin_run(as_of=AS_OF)
        store.publish(run, scores=scores(n, tag), report={})
    store.fail(store.begin_run(as_of=AS_OF), reason="boom")  # (never what the view shows)
    latest = store._query("SELECT tag, COUNT(*) AS n FROM latest_scores GROUP BY tag")  # type: ignore[attr-defined]
    assert latest.to_dict("records") == [{"tag": "second", "n": 5}]
    assert store.prune_runs(keep=1)  # the first run goes; the view's run stays


def _plan(store: Store, sql: str) -> str:
    """How ``store``'s database would run ``sql`` (for customer "c1"), as text; PostgreSQL is
    told to avoid whole-table scans where an index serves (its tables here are tiny)."""
    if isinstance(store, SqliteStore):
        return str(store._query(f"EXPLAIN QUERY PLAN {sql}", ("c1",))["detail"].tolist())
    assert isinstance(store, PostgresStore)
    store._reader().execute("SET enable_seqscan = off")
    return str(store._query(f"EXPLAIN {sql}", ("c1",)).iloc[:, 0].tolist())
