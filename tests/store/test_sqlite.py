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
    StoreError,
)
from advocates.pipeline import RunOutcome
from advocates.store import SqliteStore, open_store
from advocates.store.common import arrow_table, cell, cells, scores_table
from advocates.store.sqlite import runs
from advocates.store.sqlite.bulk import ingest
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


def test_unknown_store_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="unsupported store URL 'mysql'://") as error:
        open_store("mysql://me:secret@db/advocates")
    assert "secret" not in str(error.value)


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
