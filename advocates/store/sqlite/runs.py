"""The run lifecycle of the SQLite store: begin, publish all or nothing, fail, list.

:class:`SqliteRuns` keeps the ``runs`` table (:data:`RUNS_SCHEMA`). A run is registered as
``writing`` by :meth:`~SqliteRuns.begin_run`, which first abandons any run a killed job left
``writing`` (dropping whatever tables it had); :meth:`~SqliteRuns.publish` writes the run's scores
table and side tables, their indexes and the run's Parquet files (``run_files``,
:data:`RUN_FILES_SCHEMA`) and marks it ``published`` in one transaction, so a failure leaves
nothing served (a large run's tables are written in bulk just before, in a transaction of their
own, read by nobody while the run is ``writing``: :data:`BULK_ROWS`); :meth:`~SqliteRuns.fail`
marks it ``failed`` and drops its tables. Reading a published run's tables is
:mod:`advocates.store.sql.tables`.
"""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from typing import Any

import pandas as pd

from advocates.errors import NoPublishedRunError, RunInProgressError, StoreError
from advocates.store.base import RUN_FILES, RUN_TABLES, RunInfo
from advocates.store.common import (
    new_run_id,
    run_info,
    scores_table,
    side_table,
    to_json,
    to_parquet,
    utc_now,
)
from advocates.store.sqlite.bulk import ingest
from advocates.store.sqlite.connection import SqliteConnection, bump_version, write_frame

__all__ = ["BULK_ROWS", "MODEL_STATES_SCHEMA", "RUNS_SCHEMA", "RUN_FILES_SCHEMA", "SqliteRuns"]

#: A run of at least this many customers has its scores and side tables written in bulk by a
#: process of its own (:mod:`~advocates.store.sqlite.bulk`: 8.4 s instead of 14.4 at 1,000,000
#: customers); a smaller one by the store's connection, inside the publishing transaction
#: (starting that process costs 0.6 s, more than it saves below 100,000 customers).
BULK_ROWS = 100_000

#: The table of runs: one row per run, whatever its status.
RUNS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, status TEXT NOT NULL, "
    "as_of TEXT NOT NULL, created_at TEXT NOT NULL, published_at TEXT, report TEXT)"
)
#: What the latest published run kept of each model for the next run (a model, its version,
#: the scores it gave): one row per model, replaced by each publish that writes it.
MODEL_STATES_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS model_states (name TEXT PRIMARY KEY, run_id TEXT NOT NULL, "
    "data BLOB NOT NULL)"
)
#: The side tables of :data:`~advocates.store.base.RUN_FILES`: one Parquet file per run and name;
#: ``version`` moves on when the file is written again (an erasure), so kept copies are renewed.
RUN_FILES_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS run_files (run_id TEXT NOT NULL, name TEXT NOT NULL, "
    "data BLOB NOT NULL, version INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, name))"
)


class SqliteRuns(SqliteConnection):
    """The runs of a SQLite store: registering, publishing, failing and listing them."""

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """Hold the store for one whole run, or raise RunInProgressError at once when another
        run (in any process) holds it. The lock is an exclusive ``flock`` on a file beside the
        store's, which the system releases when its process ends, killed or not: a killed run
        never blocks the next, which then abandons what it left (:meth:`begin_run`)."""
        lock_path = self.path.with_name(self.path.name + ".run-lock")
        with open(lock_path, "a", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunInProgressError(
                    f"another run is being written to the store {self.url}: wait for it to end "
                    "(advocates runs shows it as writing) or stop it, then start this one again"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def begin_run(self, *, as_of: pd.Timestamp) -> str:
        """Register a new run as ``writing``; runs left ``writing`` by a killed job are abandoned."""
        now = utc_now()
        run_id = new_run_id(now)
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            for row in con.execute("SELECT run_id FROM runs WHERE status = 'writing'").fetchall():
                self._drop_run_tables(con, row["run_id"])
                con.execute(
                    "UPDATE runs SET status = 'abandoned' WHERE run_id = ?", (row["run_id"],)
                )
            con.execute(
                "INSERT INTO runs (run_id, status, as_of, created_at) VALUES (?, 'writing', ?, ?)",
                (run_id, as_of.isoformat(), now.isoformat()),
            )
            con.execute("COMMIT")
        return run_id

    def publish(
        self,
        run_id: str,
        *,
        scores: pd.DataFrame,
        report: dict[str, Any],
        tables: Mapping[str, pd.DataFrame] | None = None,
        as_of: pd.Timestamp | None = None,
        states: Mapping[str, bytes] | None = None,
    ) -> None:
        """Write the run's scores and side ``tables`` (names from :data:`RUN_TABLES`) and make it
        the latest published run, all or nothing; ``as_of`` replaces the date the run was begun
        with when the run settled it later (``--as-of latest``); ``states`` replace what is kept
        of each model named for the next run (:meth:`model_state`)."""
        table = scores_table(run_id)
        unknown = set(tables or {}) - set(RUN_TABLES)
        if unknown:
            raise StoreError(f"unknown run table {sorted(unknown)[0]!r}")
        written = {
            table: scores,
            **{
                side_table(run_id, name): frame
                for name, frame in (tables or {}).items()
                if name not in RUN_FILES
            },
        }
        bulk = len(scores) >= BULK_ROWS
        with ThreadPoolExecutor(max_workers=1) as pool:
            # The run files are compressed meanwhile (Arrow works without holding Python's lock).
            files = pool.submit(
                lambda: {n: to_parquet(f) for n, f in (tables or {}).items() if n in RUN_FILES}
            )
            if bulk:  # in a transaction of their own: nobody reads a run being written, and a
                # run that fails or is abandoned drops them (:mod:`~advocates.store.sqlite.bulk`)
                ingest(self.path, {name.strip('"'): frame for name, frame in written.items()})
            parquet = files.result()
        with closing(self._connect()) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                if not bulk:
                    for name, frame in written.items():
                        write_frame(con, name, frame)
                _index(con, run_id, scores.columns, tables or {})
                for name, data in parquet.items():
                    con.execute(
                        "INSERT INTO run_files (run_id, name, data) VALUES (?, ?, ?)",
                        (run_id, name, data),
                    )
                for name, data in (states or {}).items():
                    con.execute(
                        "INSERT OR REPLACE INTO model_states (name, run_id, data) VALUES (?, ?, ?)",
                        (name, run_id, data),
                    )
                published = con.execute(
                    "UPDATE runs SET status = 'published', published_at = ?, report = ?, "
                    "as_of = COALESCE(?, as_of) WHERE run_id = ? AND status = 'writing'",
                    (
                        utc_now().isoformat(),
                        to_json(report),
                        as_of.isoformat() if as_of is not None else None,
                        run_id,
                    ),
                )
                if published.rowcount != 1:  # abandoned by a later run meanwhile, or unknown
                    raise StoreError(f"run {run_id} is not being written: it cannot be published")
                bump_version(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def model_state(self, name: str) -> bytes | None:
        """What the latest publish kept of the model ``name`` for the next run, or None."""
        row = self._row("SELECT data FROM model_states WHERE name = ?", (name,))
        return bytes(row[0]) if row is not None else None

    def fail(self, run_id: str, *, reason: str) -> None:
        """Mark a run failed, dropping whatever tables it had written; it is never served."""
        with closing(self._connect()) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                failed = con.execute(
                    "UPDATE runs SET status = 'failed', report = ? "
                    "WHERE run_id = ? AND status = 'writing'",
                    (to_json({"error": reason}), run_id),
                )
                if failed.rowcount == 1:
                    self._drop_run_tables(con, run_id)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def prune_runs(self, *, keep: int) -> list[str]:
        """Delete the published runs older than the newest ``keep`` (with their scores and side
        tables) and the failed and abandoned runs begun before the oldest run kept; return the
        ids deleted. Campaign plans made on a deleted run are kept."""
        with closing(self._connect()) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                published = con.execute(
                    "SELECT run_id, rowid FROM runs WHERE status = 'published' "
                    "ORDER BY published_at DESC, rowid DESC"
                ).fetchall()
                deleted = [row["run_id"] for row in published[keep:]]
                if deleted:  # rowid: the order runs were begun in (stamps are to the second)
                    oldest_kept = published[keep - 1]["rowid"]
                    deleted += [
                        row["run_id"]
                        for row in con.execute(
                            "SELECT run_id FROM runs WHERE status IN ('failed', 'abandoned') "
                            "AND rowid < ?",
                            (oldest_kept,),
                        )
                    ]
                for run_id in deleted:
                    self._drop_run_tables(con, run_id)
                    con.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return deleted

    @staticmethod
    def _drop_run_tables(con: sqlite3.Connection, run_id: str) -> None:
        con.execute(f"DROP TABLE IF EXISTS {scores_table(run_id)}")
        con.execute("DELETE FROM run_files WHERE run_id = ?", (run_id,))
        for name in RUN_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {side_table(run_id, name)}")

    def runs(self) -> list[RunInfo]:
        """All runs, newest first."""
        rows = self._reader().execute("SELECT * FROM runs ORDER BY created_at DESC, rowid DESC")
        return [run_info(r) for r in rows]

    def latest_run(self) -> RunInfo:
        """The run the API serves: the most recently published one."""
        row = self._row(
            "SELECT * FROM runs WHERE status = 'published' "
            "ORDER BY published_at DESC, rowid DESC LIMIT 1",
            (),
        )
        if row is None:
            raise NoPublishedRunError(self.url)
        return run_info(row)


def _index(
    con: sqlite3.Connection, run_id: str, columns: Iterable[str], tables: Mapping[str, object]
) -> None:
    """The indexes of a run's tables: each customer's row and texts (read one customer at a
    time), and each ranking's ranked customers (listings ask for "rank IS NOT NULL" or
    "rank > ?", and most customers are in few of the lists: at 1,000,000 customers, seven
    partial indexes in 4.0 s instead of 6.7 s), and those left out per reason by id (the
    left-out page: 0.9 s to build at 1,000,000 customers; a page then reads 50 rows, where it
    scanned the table for 0.4 s)."""
    table = scores_table(run_id)
    con.execute(f'CREATE UNIQUE INDEX "{table[1:-1]}_customer" ON {table} (customer_id)')
    for c in columns:
        if str(c).startswith("rank_"):
            con.execute(
                f'CREATE INDEX "{table[1:-1]}_{c}" ON {table} ("{c}") WHERE "{c}" IS NOT NULL'
            )
    if "excluded_reason" in columns:
        con.execute(
            f'CREATE INDEX "{table[1:-1]}_excluded" ON {table} (excluded_reason, customer_id) '
            "WHERE excluded_reason IS NOT NULL"
        )
    if "evidence" in tables:
        evidence = side_table(run_id, "evidence")
        con.execute(f'CREATE INDEX "{evidence[1:-1]}_customer" ON {evidence} (customer_id)')
