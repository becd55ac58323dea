"""The footing of the SQLite store: the file, its connections, queries and table writes.

:class:`SqliteConnection` opens the file (in WAL mode, creating the tables of the schema it is
given), hands out connections in autocommit mode, so that every transaction is an explicit
``BEGIN IMMEDIATE`` … ``COMMIT``, and reads a query into a frame over a connection kept open per
thread (opening one costs about 0.2 ms, a small indexed read about 0.01 ms). It also keeps the
store's version (:data:`VERSION_SCHEMA`): a counter that every write changing a kept answer
(a listing, an authenticated key) moves on, inside its own transaction (:func:`bump_version`),
so that the API can keep them for as long as the version holds. :func:`write_frame` creates and
fills a table from a frame inside the caller's transaction. The role classes of
:mod:`advocates.store.sqlite` build on it; what is not SQLite's own (ids, table names, cell values,
JSON) is in :mod:`advocates.store.common`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd

from advocates.errors import StoreError
from advocates.store.common import KeptFrames, cells
from advocates.store.sql.connection import SqlConnection

__all__ = ["VERSION_SCHEMA", "SqliteConnection", "bump_version", "write_frame"]

#: The store's version: one row, one counter.
VERSION_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS store_version "
    "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO store_version VALUES (1, 0)",
)


def bump_version(con: sqlite3.Connection) -> None:
    """Move the store's version on, inside the caller's transaction: a run was published, a
    contact block changed, a customer was erased, a key was made or revoked."""
    con.execute("UPDATE store_version SET version = version + 1 WHERE id = 1")


def write_frame(con: sqlite3.Connection, table: str, frame: pd.DataFrame) -> None:
    """Create ``table`` (a quoted name) with the columns of ``frame`` and insert its rows."""
    columns = [str(c) for c in frame.columns]
    ddl = ", ".join(f'"{c}" {_sql_type(frame[c].dtype)}' for c in columns)
    con.execute(f"CREATE TABLE {table} ({ddl})")
    insert = f"INSERT INTO {table} VALUES ({', '.join('?' for _ in columns)})"
    for start in range(0, len(frame), 50_000):
        chunk = frame.iloc[start : start + 50_000]
        con.executemany(insert, zip(*(cells(chunk[c]) for c in chunk.columns), strict=True))


def _sql_type(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return "INTEGER"
    if pd.api.types.is_float_dtype(dtype):
        return "REAL"
    return "TEXT"


class SqliteConnection(SqlConnection):
    """The SQLite file a store lives in: opening it, connecting to it and querying it."""

    def __init__(self, path: Path, *, url: str | None = None, schema: Sequence[str] = ()) -> None:
        self.path = path
        self.url = url or f"sqlite:///{path}"
        self._local = threading.local()
        self._kept = KeptFrames()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as con, con:
                con.execute("PRAGMA journal_mode=WAL")
                for ddl in (*VERSION_SCHEMA, *schema):
                    con.execute(ddl)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the store {self.url}: {error}") from error

    def _connect(self) -> sqlite3.Connection:
        """A new connection to the file, in autocommit mode, with rows readable by name."""
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        con.row_factory = sqlite3.Row
        return con

    def _reader(self) -> sqlite3.Connection:
        """This thread's connection for reads, opened on first use and kept (autocommit: no
        read holds a snapshot past its statement)."""
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._connect()
        return con

    #: The column that orders runs as they were begun (their stamps are to the second).
    _BEGUN = "rowid"

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
        """The result of one query, as a frame with the query's column names."""
        cursor = self._reader().execute(sql, params)
        names = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=names)

    def _row(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        """The first row of one query, or ``None``."""
        row: sqlite3.Row | None = self._reader().execute(sql, params).fetchone()
        return row

    def _columns(self, table: str) -> list[str]:
        """The column names of ``table`` (a quoted name), in order; none when it does not exist."""
        return [row[1] for row in self._reader().execute(f"PRAGMA table_info({table})")]

    def version(self) -> int:
        """The store's version: it moves on whenever an answer kept from the store may be stale
        (a run published, a contact block, an erasure, a key made or revoked), in any process
        using the file."""
        row = self._row("SELECT version FROM store_version WHERE id = 1", ())
        return int(row[0]) if row is not None else 0
