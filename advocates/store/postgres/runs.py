"""The run lifecycle of the PostgreSQL store: begin, publish all or nothing, fail, list, prune.

The same behaviour as the SQLite store's (:mod:`advocates.store.sqlite.runs`). A run is
registered as ``writing``; :meth:`~PostgresRuns.publish` creates the run's scores and side
tables, loads them by ``COPY``, indexes them, stores the run's Parquet files and model states
and marks the run ``published``, all in one transaction: until it commits, no other connection
sees any of it, and readers go on answering from the run before (PostgreSQL's snapshots, where
SQLite needs its write-ahead log), so the API never serves a partial or mixed run. One run is
written at a time: :meth:`~PostgresRuns.run_lock` holds an advisory lock for the run's length,
on a session that ends, releasing it, when its process does. The view ``latest_scores`` is
the latest published run's scores table, for BI tools, moved by each publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pandas as pd
import psycopg
from psycopg.types.json import Json

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
from advocates.store.postgres.connection import (
    PUBLISH_LOCK_KEY,
    PostgresConnection,
    bump_version,
    write_frame,
)
from advocates.store.postgres.migrate import LOCK_KEY

__all__ = ["LATEST_SCORES", "RUN_LOCK_KEY", "PostgresRuns"]

#: The advisory lock a run holds for its whole length (the migrations' key, plus one).
RUN_LOCK_KEY = LOCK_KEY + 1

#: A view of the latest published run's scores, for BI tools: each publish points it at its run,
#: in the same transaction.
LATEST_SCORES = "latest_scores"

Connection = psycopg.Connection[dict[str, Any]]


class PostgresRuns(PostgresConnection):
    """The runs of a PostgreSQL store: registering, publishing, failing and listing them."""

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """Hold the store for one whole run, or raise RunInProgressError at once when another
        run (in any process, on any host) holds it. The lock is a session advisory lock, which
        the server releases when the session ends, its process killed or not: a killed run
        never blocks the next, which then abandons what it left (:meth:`begin_run`)."""
        with self._connect() as con:
            row = con.execute("SELECT pg_try_advisory_lock(%s) AS held", (RUN_LOCK_KEY,))
            held = row.fetchone()
            if held is None or not held["held"]:
                raise RunInProgressError(
                    f"another run is being written to the store {self.url}: wait for it "
                    "to end (advocates runs shows it as writing) or stop it, then start this "
                    "one again"
                )
            try:
                yield
            finally:
                con.execute("SELECT pg_advisory_unlock(%s)", (RUN_LOCK_KEY,))

    def begin_run(self, *, as_of: pd.Timestamp) -> str:
        """Register a new run as ``writing``; runs left ``writing`` by a killed job are abandoned."""
        now = utc_now()
        run_id = new_run_id(now)
        with self._connect() as con, con.transaction():
            left = con.execute("SELECT run_id FROM runs WHERE status = 'writing' FOR UPDATE")
            for row in left.fetchall():
                _drop_run_tables(con, row["run_id"])
                con.execute(
                    "UPDATE runs SET status = 'abandoned' WHERE run_id = %s", (row["run_id"],)
                )
            con.execute(
                "INSERT INTO runs (run_id, status, as_of, created_at) "
                "VALUES (%s, 'writing', %s, %s)",
                (run_id, as_of.isoformat(), now.isoformat()),
            )
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
        tables = tables or {}
        unknown = set(tables) - set(RUN_TABLES)
        if unknown:
            raise StoreError(f"unknown run table {sorted(unknown)[0]!r}")
        written = {
            scores_table(run_id): scores,
            **{side_table(run_id, n): f for n, f in tables.items() if n not in RUN_FILES},
        }
        with ThreadPoolExecutor(max_workers=1) as pool, self._connect() as con:
            # The run files are compressed meanwhile (Arrow works without holding Python's lock).
            files = pool.submit(
                lambda: {n: to_parquet(f) for n, f in tables.items() if n in RUN_FILES}
            )
            with con.transaction():
                # (one publish or erasure at a time: see the privacy role)
                con.execute("SELECT pg_advisory_xact_lock(%s)", (PUBLISH_LOCK_KEY,))
                writing = con.execute(
                    "SELECT 1 FROM runs WHERE run_id = %s AND status = 'writing' FOR UPDATE",
                    (run_id,),
                ).fetchone()
                if writing is None:  # abandoned by a later run meanwhile, or unknown
                    raise StoreError(f"run {run_id} is not being written: it cannot be published")
                for name, frame in written.items():
                    write_frame(con, name, frame)
                _index(con, run_id, scores.columns, tables)
                for name in written:  # (the planner's statistics, before anyone reads them)
                    con.execute(f"ANALYZE {name}".encode())
                for name, data in files.result().items():
                    con.execute(
                        "INSERT INTO run_files (run_id, name, data) VALUES (%s, %s, %s)",
                        (run_id, name, data),
                    )
                for name, data in (states or {}).items():
                    con.execute(
                        "INSERT INTO model_states (name, run_id, data) VALUES (%s, %s, %s) "
                        "ON CONFLICT (name) DO UPDATE SET run_id = EXCLUDED.run_id, "
                        "data = EXCLUDED.data",
                        (name, run_id, data),
                    )
                con.execute(
                    "UPDATE runs SET status = 'published', published_at = %s, report = %s, "
                    "as_of = COALESCE(%s, as_of) WHERE run_id = %s",
                    (
                        utc_now().isoformat(),
                        Json(report, dumps=to_json),
                        as_of.isoformat() if as_of is not None else None,
                        run_id,
                    ),
                )
                # BI tools read the latest run as one name, moved with the status.
                con.execute(f"DROP VIEW IF EXISTS {LATEST_SCORES}".encode())
                con.execute(
                    f"CREATE VIEW {LATEST_SCORES} AS SELECT * FROM {scores_table(run_id)}".encode()
                )
                bump_version(con)  # (last: the version's row is locked until the commit)

    def model_state(self, name: str) -> bytes | None:
        """What the latest publish kept of the model ``name`` for the next run, or None."""
        row = self._row("SELECT data FROM model_states WHERE name = ?", (name,))
        return bytes(row["data"]) if row is not None else None

    def fail(self, run_id: str, *, reason: str) -> None:
        """Mark a run failed, dropping whatever tables it had written; it is never served."""
        with self._connect() as con, con.transaction():
            failed = con.execute(
                "UPDATE runs SET status = 'failed', report = %s "
                "WHERE run_id = %s AND status = 'writing'",
                (Json({"error": reason}), run_id),
            )
            if failed.rowcount == 1:
                _drop_run_tables(con, run_id)

    def prune_runs(self, *, keep: int) -> list[str]:
        """Delete the published runs older than the newest ``keep`` (with their scores and side
        tables) and the failed and abandoned runs begun before the oldest run kept; return the
        ids deleted. Campaign plans made on a deleted run are kept."""
        with self._connect() as con, con.transaction():
            published = con.execute(
                "SELECT run_id, seq FROM runs WHERE status = 'published' "
                "ORDER BY published_at DESC, seq DESC FOR UPDATE"
            ).fetchall()
            deleted = [row["run_id"] for row in published[keep:]]
            if deleted:
                oldest_kept = published[keep - 1]["seq"]
                older = con.execute(
                    "SELECT run_id FROM runs WHERE status IN ('failed', 'abandoned') AND seq < %s",
                    (oldest_kept,),
                )
                deleted += [row["run_id"] for row in older.fetchall()]
            for run_id in deleted:
                _drop_run_tables(con, run_id)
                con.execute("DELETE FROM runs WHERE run_id = %s", (run_id,))
        return deleted

    def runs(self) -> list[RunInfo]:
        """All runs, newest first."""
        rows = self._reader().execute("SELECT * FROM runs ORDER BY created_at DESC, seq DESC")
        return [run_info(r) for r in rows.fetchall()]

    def latest_run(self) -> RunInfo:
        """The run the API serves: the most recently published one."""
        row = self._row(
            "SELECT * FROM runs WHERE status = 'published' "
            "ORDER BY published_at DESC, seq DESC LIMIT 1"
        )
        if row is None:
            raise NoPublishedRunError(self.url)
        return run_info(row)


def _drop_run_tables(con: Connection, run_id: str) -> None:
    con.execute(f"DROP TABLE IF EXISTS {scores_table(run_id)}".encode())
    con.execute("DELETE FROM run_files WHERE run_id = %s", (run_id,))
    for name in RUN_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {side_table(run_id, name)}".encode())


def _index(
    con: Connection, run_id: str, columns: Iterable[str], tables: Mapping[str, object]
) -> None:
    """The indexes of a run's tables, as the SQLite store makes them (see there why): each
    customer's row and texts, each ranking's ranked customers (partial indexes), and those left
    out per reason by id."""
    table = scores_table(run_id)
    bare = table[1:-1]
    con.execute(f'CREATE UNIQUE INDEX "{bare}_customer" ON {table} (customer_id)'.encode())
    for c in columns:
        if str(c).startswith("rank_"):
            con.execute(
                f'CREATE INDEX "{bare}_{c}" ON {table} ("{c}") WHERE "{c}" IS NOT NULL'.encode()
            )
    if "excluded_reason" in columns:
        con.execute(
            f'CREATE INDEX "{bare}_excluded" ON {table} (excluded_reason, customer_id) '
            "WHERE excluded_reason IS NOT NULL".encode()
        )
    if "evidence" in tables:
        evidence = side_table(run_id, "evidence")
        con.execute(
            f'CREATE INDEX "{evidence[1:-1]}_customer" ON {evidence} (customer_id)'.encode()
        )
