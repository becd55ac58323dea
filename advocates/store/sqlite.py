"""The embedded store: one SQLite file.

The default store (``sqlite:///advocates.db``), which needs no setup and
lets readers (the API) keep serving the latest published run while the next one is written. A
run is first registered as ``writing``; its scores go into a table of its own, and the status
turns ``published`` in the same transaction that finishes that table, so a run that fails or is
killed never becomes visible. Runs are kept, for history.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advocates.errors import NoPublishedRunError, NotFoundError, StoreError
from advocates.store.base import RUN_TABLES, PlanInfo, RunInfo

__all__ = ["SqliteStore"]


def _write_frame(con: sqlite3.Connection, table: str, frame: pd.DataFrame) -> None:
    columns = [str(c) for c in frame.columns]
    ddl = ", ".join(f'"{c}" {_sql_type(frame[c].dtype)}' for c in columns)
    con.execute(f"CREATE TABLE {table} ({ddl})")
    insert = f"INSERT INTO {table} VALUES ({', '.join('?' for _ in columns)})"
    for start in range(0, len(frame), 50_000):
        chunk = frame.iloc[start : start + 50_000].astype(object)
        con.executemany(
            insert, ([_cell(v) for v in row] for row in chunk.itertuples(index=False, name=None))
        )


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").floor("s")


def _sql_type(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return "INTEGER"
    if pd.api.types.is_float_dtype(dtype):
        return "REAL"
    return "TEXT"


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


class SqliteStore:
    """A store in one SQLite file."""

    def __init__(self, path: Path, *, url: str | None = None) -> None:
        self.path = path
        self.url = url or f"sqlite:///{path}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as con, con:
                con.execute("PRAGMA journal_mode=WAL")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS plans (plan_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, "
                    "created_at TEXT NOT NULL, request TEXT NOT NULL, totals TEXT NOT NULL)"
                )
                con.execute(
                    "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, status TEXT NOT NULL, "
                    "as_of TEXT NOT NULL, created_at TEXT NOT NULL, published_at TEXT, report TEXT)"
                )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the store {self.url}: {error}") from error

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        con.row_factory = sqlite3.Row
        return con

    @staticmethod
    def _table(run_id: str) -> str:
        return '"scores_' + run_id.replace("-", "_") + '"'

    def begin_run(self, *, as_of: pd.Timestamp) -> str:
        """Register a new run as ``writing``; runs left ``writing`` by a killed job are abandoned."""
        now = _now()
        run_id = f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            for row in con.execute("SELECT run_id FROM runs WHERE status = 'writing'").fetchall():
                con.execute(f"DROP TABLE IF EXISTS {self._table(row['run_id'])}")
                for name in RUN_TABLES:
                    con.execute(f"DROP TABLE IF EXISTS {self._run_table(row['run_id'], name)}")
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
    ) -> None:
        """Write the run's scores and side ``tables`` (names from :data:`RUN_TABLES`) and make it
        the latest published run, all or nothing."""
        table = self._table(run_id)
        with closing(self._connect()) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                _write_frame(con, table, scores)
                con.execute(
                    f'CREATE UNIQUE INDEX "{table[1:-1]}_customer" ON {table} (customer_id)'
                )
                for c in scores.columns:
                    if str(c).startswith("rank_"):
                        con.execute(f'CREATE INDEX "{table[1:-1]}_{c}" ON {table} ("{c}")')
                for name, frame in (tables or {}).items():
                    if name not in RUN_TABLES:
                        raise StoreError(f"unknown run table {name!r}")
                    _write_frame(con, self._run_table(run_id, name), frame)
                con.execute(
                    "UPDATE runs SET status = 'published', published_at = ?, report = ? WHERE run_id = ?",
                    (_now().isoformat(), json.dumps(report, default=str), run_id),
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def run_table(self, run_id: str, name: str) -> pd.DataFrame:
        """A side table of a run: ``audience`` (customer_id, member: who is in each eligible
        customer's audience) or ``rewards`` (the reward status of each converted referral)."""
        table = self._run_table(run_id, name)
        with closing(self._connect()) as con:
            exists = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table[1:-1],)
            ).fetchone()
        if not exists:
            raise NotFoundError(
                f"run {run_id} has no {name} table (it was scored by an older version); "
                "run advocates score again"
            )
        return self._query(f"SELECT * FROM {table}", ())

    def save_plan(
        self,
        run_id: str,
        *,
        request: dict[str, Any],
        totals: dict[str, Any],
        assignments: pd.DataFrame,
    ) -> PlanInfo:
        """Store a campaign plan and its assignments, in one transaction; return its info."""
        now = _now()
        plan_id = f"plan-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        with closing(self._connect()) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                _write_frame(con, self._plan_table(plan_id), assignments)
                con.execute(
                    "INSERT INTO plans VALUES (?, ?, ?, ?, ?)",
                    (
                        plan_id,
                        run_id,
                        now.isoformat(),
                        json.dumps(request, default=str),
                        json.dumps(totals, default=str),
                    ),
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return self.plan(plan_id)

    def plan(self, plan_id: str) -> PlanInfo:
        """A stored plan's info; NotFoundError when there is none of that id."""
        with closing(self._connect()) as con:
            row = con.execute("SELECT * FROM plans WHERE plan_id = ?", (plan_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"campaign {plan_id!r} does not exist")
        return PlanInfo(
            plan_id=row["plan_id"],
            run_id=row["run_id"],
            created_at=row["created_at"],
            request=json.loads(row["request"]),
            totals=json.loads(row["totals"]),
        )

    def plan_assignments(
        self, plan_id: str, *, limit: int, offset: int
    ) -> tuple[pd.DataFrame, int]:
        """One page of a plan's assignments, in selection order, and how many there are."""
        self.plan(plan_id)
        table = self._plan_table(plan_id)
        page = self._query(
            f"SELECT * FROM {table} ORDER BY rowid LIMIT ? OFFSET ?", (limit, offset)
        )
        total = int(self._query(f"SELECT COUNT(*) AS n FROM {table}", ())["n"].iloc[0])
        return page, total

    @staticmethod
    def _plan_table(plan_id: str) -> str:
        return '"' + plan_id.replace("-", "_") + '"'

    @staticmethod
    def _run_table(run_id: str, name: str) -> str:
        return f'"{name}_' + run_id.replace("-", "_") + '"'

    def fail(self, run_id: str, *, reason: str) -> None:
        """Mark a run failed; it is never served."""
        with closing(self._connect()) as con, con:
            con.execute(
                "UPDATE runs SET status = 'failed', report = ? WHERE run_id = ? AND status = 'writing'",
                (json.dumps({"error": reason}), run_id),
            )

    @staticmethod
    def _info(row: sqlite3.Row) -> RunInfo:
        return RunInfo(
            row["run_id"],
            row["status"],
            row["as_of"],
            row["created_at"],
            row["published_at"],
            json.loads(row["report"] or "{}"),
        )

    def runs(self) -> list[RunInfo]:
        """All runs, newest first."""
        with closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM runs ORDER BY created_at DESC, rowid DESC").fetchall()
        return [self._info(r) for r in rows]

    def latest_run(self) -> RunInfo:
        """The run the API serves: the most recently published one."""
        with closing(self._connect()) as con:
            row = con.execute(
                "SELECT * FROM runs WHERE status = 'published' ORDER BY published_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
        if row is None:
            raise NoPublishedRunError(self.url)
        return self._info(row)

    def _query(self, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
        with closing(self._connect()) as con:
            cursor = con.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return pd.DataFrame(cursor.fetchall(), columns=names)

    def ranked(
        self, run_id: str, *, objective: str, limit: int, offset: int
    ) -> tuple[pd.DataFrame, int]:
        """One page of the eligible customers of a run, best first, and how many there are."""
        rank = f'"rank_{objective}"'
        table = self._table(run_id)
        with closing(self._connect()) as con:
            columns = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
        if f"rank_{objective}" not in columns:
            raise NotFoundError(
                f"run {run_id} has no {objective} ranking (it was scored by an older version); "
                "run advocates score again"
            )
        page = self._query(
            f"SELECT * FROM {table} WHERE {rank} IS NOT NULL ORDER BY {rank} LIMIT ? OFFSET ?",
            (limit, offset),
        )
        total = int(
            self._query(f"SELECT COUNT(*) AS n FROM {table} WHERE {rank} IS NOT NULL", ())[
                "n"
            ].iloc[0]
        )
        return page, total

    def iter_ranked(
        self, run_id: str, *, objective: str, limit: int, chunk_rows: int = 5000
    ) -> Iterator[pd.DataFrame]:
        """The top ``limit`` eligible customers in chunks, for streaming exports."""
        for offset in range(0, limit, chunk_rows):
            page, _ = self.ranked(
                run_id, objective=objective, limit=min(chunk_rows, limit - offset), offset=offset
            )
            if page.empty:
                return
            yield page

    def eligible(self, run_id: str) -> pd.DataFrame:
        """Every eligible customer's row of a run (for rankings computed per request)."""
        return self._query(f"SELECT * FROM {self._table(run_id)} WHERE eligible = 1", ())

    def customer(self, run_id: str, customer_id: str) -> dict[str, Any]:
        """One customer's row of a run."""
        frame = self._query(
            f"SELECT * FROM {self._table(run_id)} WHERE customer_id = ?", (customer_id,)
        )
        if frame.empty:
            raise NotFoundError(f"customer {customer_id!r} is not in run {run_id}")
        return {k: _cell(v) for k, v in frame.iloc[0].items()}
