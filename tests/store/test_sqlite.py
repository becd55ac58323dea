from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advocates.errors import (
    ConfigurationError,
    NoPublishedRunError,
    NotFoundError,
    RunInProgressError,
    StoreError,
)
from advocates.pipeline import RunOutcome
from advocates.store import Condition, SqliteStore, open_store
from advocates.store.common import cell, cells, scores_table
from advocates.store.sqlite import runs
from advocates.store.sqlite.bulk import arrow_table, ingest
from advocates.store.sqlite.connection import write_frame

AS_OF = pd.Timestamp("2026-11-01", tz="UTC")


def scores(n: int, tag: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "awareness_score": [float(n - i) for i in range(n)],
            "rank_awareness": range(1, n + 1),
            "tag": tag,
        }
    )


@pytest.fixture(params=[False, True], ids=["row by row", "in bulk"])
def bulk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Publish as a small run is published, or in bulk, as a large one is."""
    if request.param:
        monkeypatch.setattr(runs, "BULK_ROWS", 0)
    return bool(request.param)


def test_latest_published_run_is_served(tmp_path: Path, bulk: bool) -> None:
    store = SqliteStore(tmp_path / "s.db")
    with pytest.raises(NoPublishedRunError, match="advocates score"):
        store.latest_run()
    first = store.begin_run(as_of=AS_OF)
    store.publish(first, scores=scores(5, "first"), report={"n": 5})
    page, total = store.ranked(first, objective="awareness", limit=2, offset=2)
    assert (total, page["customer_id"].tolist()) == (5, ["c2", "c3"])
    assert store.latest_run().report == {"n": 5}
    with pytest.raises(NotFoundError):
        store.customer(first, "nobody")


def test_a_run_being_written_or_failed_never_replaces_the_served_one(
    tmp_path: Path, bulk: bool
) -> None:
    store = SqliteStore(tmp_path / "s.db")
    good = store.begin_run(as_of=AS_OF)
    store.publish(good, scores=scores(3, "good"), report={})
    writing = store.begin_run(as_of=AS_OF)
    assert store.latest_run().run_id == good  # while the next run is being written
    broken = scores(3, "broken").assign(
        customer_id=["d", "d", "d"]
    )  # violates the unique index mid-publish
    with pytest.raises(Exception, match="UNIQUE"):
        store.publish(writing, scores=broken, report={})
    store.fail(writing, reason="boom")
    assert store.latest_run().run_id == good
    assert store.customer(good, "c0")["tag"] == "good"
    assert {r.run_id: r.status for r in store.runs()} == {good: "published", writing: "failed"}
    with closing(sqlite3.connect(tmp_path / "s.db")) as con:  # (written in bulk: dropped)
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master")]
    assert not [name for name in names if writing.replace("-", "_") in name]


def test_a_killed_run_is_abandoned_by_the_next(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    killed = store.begin_run(as_of=AS_OF)  # the process died here
    store.begin_run(as_of=AS_OF)
    assert {r.run_id: r.status for r in store.runs()}[killed] == "abandoned"


def test_one_run_at_a_time_holds_a_store_and_an_abandoned_run_cannot_publish(
    tmp_path: Path,
) -> None:
    store, other = SqliteStore(tmp_path / "s.db"), SqliteStore(tmp_path / "s.db")
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


def test_only_the_newest_published_runs_are_kept(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    made = []
    for i in range(4):
        made.append(store.begin_run(as_of=AS_OF))
        if i == 1:
            store.fail(made[-1], reason="bad input")
        else:
            store.publish(made[-1], scores=scores(2, f"run {i}"), report={})
    assert sorted(store.prune_runs(keep=2)) == sorted(made[:2])  # run 0; failed 1 before run 2
    assert [r.run_id for r in store.runs()] == made[:1:-1]
    with sqlite3.connect(store.path) as con:
        names = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
    assert scores_table(made[0])[1:-1] not in names and scores_table(made[2])[1:-1] in names
    assert store.latest_run().run_id == made[3] and store.prune_runs(keep=2) == []


def test_run_files_are_published_with_the_run_read_once_per_process_and_pruned_with_it(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "s.db")
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
    assert store.served(made[1])["tag"].tolist() == ["run 1"] * 3
    assert store.served(made[1]) is store.served(made[1])  # kept (and nobody blocked)
    store.prune_runs(keep=1)
    with sqlite3.connect(store.path) as con:
        kept = con.execute("SELECT DISTINCT run_id FROM run_files").fetchall()
    assert kept == [(made[2],)]
    # A run published without a served table (an older version's) serves its eligible rows.
    older = store.begin_run(as_of=AS_OF)
    store.publish(older, scores=scores(2, "older").assign(eligible=[1, 0]), report={})
    assert store.served(older)["customer_id"].tolist() == ["c0"]


def test_exports_read_in_chunks_what_one_page_holds(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    run = store.begin_run(as_of=AS_OF)
    store.publish(run, scores=scores(7, "t").sample(frac=1, random_state=1), report={})
    chunks = list(store.iter_ranked(run, objective="awareness", limit=5, chunk_rows=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    page, _ = store.ranked(run, objective="awareness", limit=5, offset=0)
    assert pd.concat(chunks)["customer_id"].tolist() == page["customer_id"].tolist()
    assert sum(map(len, store.iter_ranked(run, objective="awareness", limit=50))) == 7
    with pytest.raises(NotFoundError, match="no engagement ranking"):
        list(store.iter_ranked(run, objective="engagement", limit=5))


def test_listings_read_the_ranked_customers_through_the_rank_index(
    tmp_path: Path, bulk: bool
) -> None:
    """Rank indexes hold the ranked customers only (most have no rank in most lists); every
    listing must still find them through the index, never by reading the whole table."""
    store = SqliteStore(tmp_path / "s.db")
    run = store.begin_run(as_of=AS_OF)
    frame = scores(40, "t").assign(
        rank_awareness=[r if r % 2 else None for r in range(1, 41)],
        rank_unproven_awareness=[None if r % 2 else r // 2 for r in range(1, 41)],
    )
    store.publish(run, scores=frame, report={})
    statements: list[str] = []
    store._reader().set_trace_callback(statements.append)
    for objective in ("awareness", "unproven_awareness"):
        page, total = store.ranked(run, objective=objective, limit=5, offset=5)
        assert (len(page), total) == (5, 20)
        assert len(pd.concat(store.iter_ranked(run, objective=objective, limit=30))) == 20
    store._reader().set_trace_callback(None)
    table = scores_table(run).strip('"')
    listings = [s for s in statements if s.startswith("SELECT") and table in s]
    assert len(listings) >= 8
    for sql in listings:
        steps = [row[3] for row in store._reader().execute(f"EXPLAIN QUERY PLAN {sql}")]
        on_scores = [s for s in steps if table in s]
        assert on_scores and all("USING" in s and "INDEX" in s for s in on_scores), (sql, steps)


def test_a_listing_keeps_the_rows_meeting_every_condition_in_rank_order(
    tmp_path: Path, bulk: bool
) -> None:
    store = SqliteStore(tmp_path / "s.db")
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


def test_unknown_store_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="unsupported store URL"):
        open_store("postgres://nope")


def test_audiences_of_eligible_customers_are_published_with_the_run(
    scored: tuple[SqliteStore, RunOutcome],
) -> None:
    store, outcome = scored
    audience = store.run_table(outcome.run_id, "audience")
    eligible = store.eligible(outcome.run_id).set_index("customer_id")
    assert len(audience) > 0 and set(audience.columns) == {"customer_id", "member"}
    assert set(audience["customer_id"]) <= set(eligible.index)
    assert not audience.duplicated().any()
    sizes = audience.groupby("customer_id").size()
    # One account per customer mostly: the audience table agrees with the audience_size feature.
    agree = sizes == eligible.loc[sizes.index, "audience_size"]
    assert agree.mean() > 0.8


def test_a_customers_texts_are_read_through_an_index_and_erased_with_them(
    tmp_path: Path, bulk: bool
) -> None:
    store = SqliteStore(tmp_path / "s.db")
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
    with closing(sqlite3.connect(tmp_path / "s.db")) as con:
        plan = con.execute(
            f'EXPLAIN QUERY PLAN SELECT * FROM "{table}" WHERE customer_id = ?', ("c1",)
        ).fetchall()
    assert "USING INDEX" in str(plan)
    store.erase_customer("c1", key_id="ops")
    assert store.customer_evidence(run, "c1").empty and len(store.customer_evidence(run, "c2"))
    # A run published without the table (an older version's) has no texts, not an error.
    older = store.begin_run(as_of=AS_OF)
    store.publish(older, scores=scores(3, "y"), report={})
    assert store.customer_evidence(older, "c2").empty


def test_a_publish_failing_on_a_side_table_leaves_nothing_behind(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
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


def test_plans_keep_the_assignments_they_are_given_and_page_them(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    run = store.begin_run(as_of=AS_OF)
    store.publish(run, scores=scores(3, "first"), report={})
    rows = pd.DataFrame({"customer_id": ["c2", "c0", "c1"], "arm": ["a", "holdout", "none"]})
    info = store.save_plan(run, request={"catalogue": []}, totals={"n": 3}, assignments=rows)
    assert (info.run_id, info.totals) == (run, {"n": 3})
    page, total = store.plan_assignments(info.plan_id, limit=2, offset=1)
    assert total == 3 and page.to_dict("records") == rows.iloc[1:].to_dict("records")
    with pytest.raises(NotFoundError, match="campaign 'plan-nope' does not exist"):
        store.plan_assignments("plan-nope", limit=2, offset=0)


def test_a_customers_plans_are_those_that_picked_them_newest_first(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
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


def test_columns_are_written_as_each_value_would_be() -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None, "c"], dtype="str"),
            "mixed": pd.Series(["x", None, np.float32(2.5)], dtype=object),
            "real": [1.5, np.nan, 3.0],
            "whole": [1, 2, 3],
            "flag": [True, False, True],
            "nullable": pd.Series([1, None, 3], dtype="Int64"),
            "at": pd.to_datetime(
                ["2026-11-01", None, "2026-11-02T03:04:05.1Z"], format="ISO8601", utc=True
            ),
        }
    )
    by_value = [
        [cell(v) for v in row] for row in frame.astype(object).itertuples(index=False, name=None)
    ]
    by_column = [list(row) for row in zip(*(cells(frame[c]) for c in frame.columns), strict=True)]
    assert by_column == by_value
    assert [type(v) for v in by_column[2]] == [type(v) for v in by_value[2]]


def _every_kind_of_column() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": pd.Series(["a", None, "c"], dtype="str"),
            "mixed": pd.Series(["x", None, np.float32(2.5)], dtype=object),
            "real": [1.5, np.nan, np.inf],
            "whole": [1, 2, 3],
            "flag": [True, False, True],
            "maybe": pd.Series([True, None, False], dtype=object),
            "nullable": pd.Series([1, None, 3], dtype="Int64"),
            "at": pd.to_datetime(
                ["2026-11-01", None, "2026-11-02T03:04:05.1Z"], format="ISO8601", utc=True
            ),
            "kind": pd.Categorical(["p", "q", None]),
            "nothing": pd.Series([None, None, None], dtype=object),
            "words": pd.Series(["one", None, "two"], dtype=object),
            "numpy": pd.Series([np.float32(1.5), None, np.int64(2)], dtype=object),
        }
    )


def _columns(path: Path, table: str) -> dict[str, list[tuple[object, str]]]:
    """Each column's values and their SQLite types."""
    with closing(sqlite3.connect(path)) as con:
        columns = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
        return {
            c: con.execute(f'SELECT "{c}", typeof("{c}") FROM "{table}"').fetchall()
            for c in columns
        }


def test_a_bulk_load_keeps_every_value_as_the_row_by_row_write_does(tmp_path: Path) -> None:
    frame = _every_kind_of_column()
    ingest(tmp_path / "bulk.db", {"t": frame})
    with closing(sqlite3.connect(tmp_path / "rows.db", isolation_level=None)) as con:
        write_frame(con, '"t"', frame)
    in_bulk, row_by_row = _columns(tmp_path / "bulk.db", "t"), _columns(tmp_path / "rows.db", "t")
    # Booleans or numbers in an object column stay numbers: the row-by-row write declared such
    # a column TEXT, and SQLite turned them into texts.
    assert in_bulk.pop("maybe") == [(1, "integer"), (None, "null"), (0, "integer")]
    assert row_by_row.pop("maybe") == [("1", "text"), (None, "null"), ("0", "text")]
    assert in_bulk.pop("numpy") == [(1.5, "real"), (None, "null"), (2.0, "real")]
    assert row_by_row.pop("numpy") == [("1.5", "text"), (None, "null"), ("2", "text")]
    assert in_bulk == row_by_row
    assert in_bulk["mixed"][2] == ("2.5", "text") and in_bulk["real"][2] == (np.inf, "real")
    assert in_bulk["at"][2] == ("2026-11-02T03:04:05.100000+00:00", "text")


def test_a_bulk_load_writes_every_table_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.db"
    SqliteStore(path)
    frame = pd.DataFrame({"a": [1, 2]})
    ingest(path, {"taken": frame})
    with pytest.raises(StoreError, match=r"cannot write the run's tables to .*s\.db: .*taken"):
        ingest(path, {"first": frame, "taken": frame})  # (the second exists)
    calls: list[str] = []

    def failing(table: pd.DataFrame) -> object:
        calls.append("converted")
        if len(calls) == 2:
            raise MemoryError("the parent fails part way")
        return arrow_table(table)

    monkeypatch.setattr("advocates.store.sqlite.bulk.arrow_table", failing)
    with pytest.raises(MemoryError):
        ingest(path, {"second": frame, "third": frame})
    with closing(sqlite3.connect(path)) as con:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "taken" in names and not names & {"first", "second", "third"}


def test_a_bulk_load_waits_for_a_write_lock_held_in_this_very_process(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SqliteStore(path)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE held (a INTEGER)")
    threading.Timer(1.0, lambda: holder.execute("COMMIT")).start()
    start = time.monotonic()
    ingest(path, {"loaded": pd.DataFrame({"a": [1]})})
    assert time.monotonic() - start >= 0.9  # it waited for the lock: it did not write beside it
    with closing(sqlite3.connect(path)) as con:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"held", "loaded"} <= names
    holder.close()
