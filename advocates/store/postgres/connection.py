"""The PostgreSQL database a store lives in: its schema brought up to date on opening, a
connection per thread for reads, and the store's version."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd
import psycopg
from psycopg.rows import dict_row

from advocates.errors import StoreError
from advocates.store.common import cells
from advocates.store.postgres.migrate import migrate

__all__ = ["ROW", "PostgresConnection", "bump_version", "write_frame"]


def bump_version(con: psycopg.Connection[Any]) -> None:
    """Move the store's version on, inside the caller's transaction (as the SQLite store's)."""
    con.execute("UPDATE store_version SET version = version + 1 WHERE id = 1")


class PostgresConnection:
    """The database of a PostgreSQL store: connecting to it and querying it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        try:
            migrate(url)
        except psycopg.Error as error:
            raise StoreError(f"cannot open the store {_safe(url)}: {error}") from error

    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        """A new connection, in autocommit mode (a transaction only where one is opened), with
        rows as dicts."""
        return psycopg.connect(self.url, autocommit=True, row_factory=dict_row)

    def _reader(self) -> psycopg.Connection[dict[str, Any]]:
        """This thread's connection for reads, opened on first use and kept."""
        con: psycopg.Connection[dict[str, Any]] | None = getattr(self._local, "con", None)
        if con is None or con.closed:
            con = self._local.con = self._connect()
        return con

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
        """The result of one query, as a frame with the query's column names."""
        cursor = self._reader().execute(sql.encode("utf-8"), params)
        names = [column.name for column in cursor.description or ()]
        return pd.DataFrame([list(row.values()) for row in cursor.fetchall()], columns=names)

    def _row(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """The first row of one query, or ``None``."""
        return self._reader().execute(sql.encode("utf-8"), params).fetchone()

    def version(self) -> int:
        """The store's version (see the SQLite store's): any process using the database sees it
        move on."""
        row = self._row("SELECT version FROM store_version WHERE id = 1")
        return int(row["version"]) if row is not None else 0


def _safe(url: str) -> str:
    """``url`` without its password, to name it in a message.

    >>> _safe("postgresql://me:secret@db.example/advocates"), _safe("postgresql:///advocates")
    ('postgresql://me@db.example/advocates', 'postgresql:///advocates')
    """
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    return f"{scheme}://{credentials.split(':', 1)[0]}@{tail}"


#: The column that numbers a table's rows in the order they were written, where that order is
#: the table's (a plan's assignments: the order they were picked); SQLite's rowid does it there.
ROW = "_row"


def write_frame(
    con: psycopg.Connection[Any], table: str, frame: pd.DataFrame, *, ordered: bool = False
) -> None:
    """Create ``table`` (a quoted name) with the columns of ``frame`` (and, ``ordered``, a
    :data:`ROW` number) and load its rows by ``COPY`` (the SQLite store's
    :func:`~advocates.store.sqlite.connection.write_frame`)."""
    columns = [str(c) for c in frame.columns]
    ddl = ", ".join(f'"{c}" {_sql_type(frame[c].dtype)}' for c in columns)
    if ordered:
        ddl = f"{ROW} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {ddl}"
    con.execute(f"CREATE TABLE {table} ({ddl})".encode())
    names = ", ".join(f'"{c}"' for c in columns)
    with con.cursor().copy(f"COPY {table} ({names}) FROM STDIN".encode()) as copy:
        for row in zip(*(cells(frame[c]) for c in columns), strict=True):
            copy.write_row(row)


def _sql_type(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    return "text"
