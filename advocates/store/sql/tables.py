"""Reading a run's tables: rankings, eligible customers, side tables, in any SQL store.

:class:`RunTables` reads the tables a store's runs role publishes: pages of a run's scores in the
order of one objective's rank (:meth:`~RunTables.ranked`, and in chunks for streaming exports,
:meth:`~RunTables.iter_ranked`), every eligible customer's row, and a side table (``audience``,
``rewards``, ``served``). It writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd

from advocates.errors import NotFoundError
from advocates.store.base import RUN_FILES, Condition
from advocates.store.common import from_parquet, parquet_columns, scores_table, side_table
from advocates.store.sql.connection import SqlConnection

__all__ = ["RunTables"]

#: Customers who withdrew consent or asked not to be contacted after the run are in no listing,
#: export or plan, from the next request on (see the events role of each store).
_NOT_BLOCKED = "customer_id NOT IN (SELECT customer_id FROM contact_blocks)"


class RunTables(SqlConnection):
    """The published tables of a store's runs, read by ranking, customer or name.

    Listings leave out the customers of ``contact_blocks`` (kept by the events role).
    """

    def ranked(
        self,
        run_id: str,
        *,
        objective: str,
        limit: int,
        offset: int,
        where: Sequence[Condition] = (),
    ) -> tuple[pd.DataFrame, int]:
        """One page of the eligible customers of a run, best first, and how many there are;
        with ``where``, of those that meet every condition (a column the run lacks matches
        nobody)."""
        rank = f'"rank_{objective}"'
        table = scores_table(run_id)
        columns = set(self._columns(table))
        if f"rank_{objective}" not in columns:
            raise NotFoundError(
                f"run {run_id} has no {objective} ranking (it was scored by an older version); "
                "run advocates score again"
            )
        if where:
            return self._ranked_where(table, rank, columns, where, limit=limit, offset=offset)
        listed = f"{rank} IS NOT NULL AND {_NOT_BLOCKED}"
        page = self._query(
            f"SELECT * FROM {table} WHERE {listed} ORDER BY {rank} LIMIT ? OFFSET ?",
            (limit, offset),
        )
        # Ranked customers (an index-only count) less the blocked ones among them (few, each
        # found by the customer index): a NOT IN inside the count would read the whole table.
        total = self._row(
            f"SELECT (SELECT COUNT(*) FROM {table} WHERE {rank} IS NOT NULL) - "
            f"(SELECT COUNT(*) FROM contact_blocks AS b WHERE EXISTS (SELECT 1 FROM {table} "
            f"AS s WHERE s.customer_id = b.customer_id AND s.{rank} IS NOT NULL)) AS n",
        )
        return page, int(total["n"]) if total is not None else 0

    def _ranked_where(
        self,
        table: str,
        rank: str,
        columns: set[str],
        where: Sequence[Condition],
        *,
        limit: int,
        offset: int,
    ) -> tuple[pd.DataFrame, int]:
        """:meth:`ranked` of the rows meeting ``where``: the rank's index walked in order,
        each row checked (the count reads every ranked row once)."""
        if any(c.column not in columns for c in where):
            return self._query(f"SELECT * FROM {table} LIMIT 0"), 0
        met = " AND ".join(f'"{c.column}" {c.op} ?' for c in where)
        values = tuple(c.value for c in where)
        listed = f"{rank} IS NOT NULL AND {met} AND {_NOT_BLOCKED}"
        page = self._query(
            f"SELECT * FROM {table} WHERE {listed} ORDER BY {rank} LIMIT ? OFFSET ?",
            (*values, limit, offset),
        )
        total = self._row(f"SELECT COUNT(*) AS n FROM {table} WHERE {listed}", values)
        return page, int(total["n"]) if total is not None else 0

    def iter_ranked(
        self, run_id: str, *, objective: str, limit: int, chunk_rows: int = 5000
    ) -> Iterator[pd.DataFrame]:
        """The top ``limit`` eligible customers in chunks, for streaming exports. Each chunk
        starts after the last rank of the one before (ranks are unique), through the rank's
        index: an OFFSET would read every row it skips, and an export of 100,000 rows would
        read 1,000,000."""
        self.ranked(run_id, objective=objective, limit=0, offset=0)  # (an unknown ranking)
        rank = f'"rank_{objective}"'
        after, sent = 0, 0
        while sent < limit:
            page = self._query(
                f"SELECT * FROM {scores_table(run_id)} WHERE {rank} > ? AND {_NOT_BLOCKED} "
                f"ORDER BY {rank} LIMIT ?",
                (after, min(chunk_rows, limit - sent)),
            )
            if page.empty:
                return
            yield page
            after, sent = int(page[f"rank_{objective}"].iloc[-1]), sent + len(page)

    def eligible(self, run_id: str) -> pd.DataFrame:
        """Every eligible customer's row of a run (for rankings computed per request and
        campaign plans); customers blocked since the run are left out."""
        # (eligible is a boolean, or 0 and 1: a run written by an older version, or SQLite's)
        return self._query(
            f"SELECT * FROM {scores_table(run_id)} "
            f"WHERE CAST(eligible AS INTEGER) = 1 AND {_NOT_BLOCKED}"
        )

    def run_table(self, run_id: str, name: str) -> pd.DataFrame:
        """A side table of a run (see :data:`~advocates.store.base.RUN_TABLES`); the ones kept
        as files are read once per process and shared (do not change them in place)."""
        if name in RUN_FILES:
            version = self._file_version(run_id, name)
            if version is not None:
                return self._kept.get(
                    run_id, f"{name}@{version}", lambda: self._run_file(run_id, name)
                )
        table = side_table(run_id, name)
        if not self._has_table(table):
            raise NotFoundError(
                f"run {run_id} has no {name} table (it was scored by an older version); "
                "run advocates score again"
            )
        return self._query(f"SELECT * FROM {table}")

    def _file_version(self, run_id: str, name: str) -> int | None:
        """The version of a run's file ``name``, or None when the run has none."""
        row = self._row(
            "SELECT version FROM run_files WHERE run_id = ? AND name = ?", (run_id, name)
        )
        return int(row["version"]) if row is not None else None

    def _file(self, run_id: str, name: str) -> bytes:
        data = self._blob(
            "SELECT data FROM run_files WHERE run_id = ? AND name = ?", (run_id, name)
        )
        assert data is not None  # (checked by the caller; run files are deleted with their run)
        return data

    def _run_file(
        self, run_id: str, name: str, *, columns: list[str] | None = None
    ) -> pd.DataFrame:
        return from_parquet(self._file(run_id, name), columns)

    def served(self, run_id: str, *, explanations: Sequence[str] = ()) -> pd.DataFrame:
        """The run's ``served`` table less the customers blocked since the run (a run published
        without one, by an older version or a caller that made none: its eligible rows).

        Explanations are long texts: a column ``explanation_<ranking>`` is read (and kept) only
        for the ``explanations`` rankings asked for.
        """
        version = self._file_version(run_id, "served")
        if version is None:
            return self.eligible(run_id)

        def numbers() -> tuple[list[str], pd.DataFrame]:
            """The file's columns and its frame but the texts: one fetch of the file."""
            data = self._file(run_id, "served")
            names = parquet_columns(data)
            return names, from_parquet(data, [c for c in names if not c.startswith("explanation_")])

        names, frame = self._kept.get(run_id, f"served@{version}:numbers", numbers)
        texts = [c for c in names if c.startswith("explanation_")]

        def text(column: str) -> pd.Series:
            return self._kept.get(
                run_id,
                f"served@{version}:{column}",
                lambda: self._run_file(run_id, "served", columns=[column])[column],
            )

        wanted = [c for c in (f"explanation_{r}" for r in explanations) if c in texts]
        if wanted:
            frame = frame.assign(**{c: text(c) for c in wanted})
        blocked = self._query("SELECT customer_id FROM contact_blocks")["customer_id"]
        if blocked.empty:
            return frame
        return frame[~frame["customer_id"].isin(blocked)].reset_index(drop=True)
