"""The PostgreSQL database a store lives in: its schema brought up to date on opening, a
connection per thread for reads, and the store's version."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg.rows import dict_row

from advocates.errors import StoreError
from advocates.store.common import KeptFrames, arrow_table
from advocates.store.postgres.migrate import LOCK_KEY, migrate
from advocates.store.sql.connection import SqlConnection

__all__ = [
    "PUBLISH_LOCK_KEY",
    "ROW",
    "PostgresConnection",
    "bound",
    "bump_version",
    "write_frame",
]

#: The advisory lock a run's publishing transaction holds, and an erasure's: one of them at a
#: time (the migrations' key, plus two; a whole run holds the one of ``runs.RUN_LOCK_KEY``).
PUBLISH_LOCK_KEY = LOCK_KEY + 2


def bump_version(con: psycopg.Connection[Any]) -> None:
    """Move the store's version on, inside the caller's transaction (as the SQLite store's)."""
    con.execute("UPDATE store_version SET version = version + 1 WHERE id = 1")


class PostgresConnection(SqlConnection):
    """The database of a PostgreSQL store: connecting to it and querying it."""

    _BEGUN = "seq"

    def __init__(self, url: str) -> None:
        #: The URL as messages name it: without its password.
        self.url = _safe(url)
        self._dsn = url
        self._local = threading.local()
        self._kept = KeptFrames()
        try:
            migrate(url)
        except psycopg.Error as error:
            raise StoreError(f"cannot open the store {self.url}: {error}") from error

    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        """A new connection, in autocommit mode (a transaction only where one is opened), with
        rows as dicts and times in UTC (as the SQLite store's ISO texts are)."""
        con = psycopg.connect(self._dsn, autocommit=True, row_factory=dict_row)
        con.execute("SET TIME ZONE 'UTC'")
        return con

    def _reader(self) -> psycopg.Connection[dict[str, Any]]:
        """This thread's connection for reads, opened on first use and kept."""
        con: psycopg.Connection[dict[str, Any]] | None = getattr(self._local, "con", None)
        if con is None or con.closed:
            con = self._local.con = self._connect()
        return con

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
        """The result of one query (``?`` placeholders), as a frame with the query's columns."""
        cursor = self._reader().execute(bound(sql), params)
        columns = cursor.description or ()
        names = [column.name for column in columns]
        frame = pd.DataFrame([list(row.values()) for row in cursor.fetchall()], columns=names)
        # Flags as 0 and 1, as the SQLite store reads them back: the same frames either way.
        flags = [c.name for c in columns if c.type_code == _BOOLEAN and frame[c.name].notna().all()]
        return frame.astype(dict.fromkeys(flags, "int64")) if flags else frame

    def _row(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """The first row of one query (``?`` placeholders), or ``None``."""
        return self._reader().execute(bound(sql), params).fetchone()

    def _blob(self, sql: str, params: tuple[Any, ...] = ()) -> bytes | None:
        """The bytes of the first column of one query's first row, or None: fetched in
        PostgreSQL's binary format (a 73 MB file: 0.27 s, where text took 0.8 s)."""
        cursor = self._reader().cursor(binary=True)
        row = cursor.execute(bound(sql), params).fetchone()
        return bytes(next(iter(row.values()))) if row is not None else None

    def _columns(self, table: str) -> list[str]:
        """The column names of ``table`` (a quoted name), in order; none when it does not exist."""
        # (one round trip: every listing asks, and a missing table has no attributes)
        found = self._query(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (table,),
        )
        return [str(name) for name in found["attname"]]

    def version(self) -> int:
        """The store's version (see the SQLite store's): any process using the database sees it
        move on."""
        row = self._row("SELECT version FROM store_version WHERE id = 1")
        return int(row["version"]) if row is not None else 0


def bound(sql: str) -> bytes:
    """A query written with ``?`` placeholders (the shared reads', :mod:`advocates.store.sql`)
    as psycopg binds it: ``%s``, a literal ``%`` doubled.

    >>> bound("SELECT * FROM t WHERE a = ? AND b LIKE 'x%'")
    b"SELECT * FROM t WHERE a = %s AND b LIKE 'x%%'"
    """
    return sql.replace("%", "%%").replace("?", "%s").encode("utf-8")


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


#: The type of a boolean column in a result's description (PostgreSQL's ``bool`` type).
_BOOLEAN = 16

#: Rows per batch of a table's ``COPY``.
_COPY_ROWS = 65_536

#: The column that numbers a table's rows in the order they were written, where that order is
#: the table's (a plan's assignments: the order they were picked); SQLite's rowid does it there.
ROW = "_row"


def write_frame(
    con: psycopg.Connection[Any], table: str, frame: pd.DataFrame, *, ordered: bool = False
) -> None:
    """Create ``table`` (a quoted name) with the columns of ``frame`` (and, ``ordered``, a
    :data:`ROW` number) and load its rows by ``COPY``, as CSV that Arrow writes a batch at a
    time (the values the SQLite store keeps, :func:`~advocates.store.common.arrow_table`: a
    missing value is an unquoted empty field, which ``COPY`` reads as NULL, and text is always
    quoted, so an empty text stays empty)."""
    columns = [str(c) for c in frame.columns]
    ddl = ", ".join(f'"{c}" {_sql_type(frame[c].dtype)}' for c in columns)
    if ordered:
        ddl = f"{ROW} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {ddl}"
    con.execute(f"CREATE TABLE {table} ({ddl})".encode())
    if frame.empty or not columns:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    # FREEZE (the table is new in this transaction): its rows are written frozen and its pages
    # marked all-visible, so that counts over a ranking's index read the index alone from the
    # first request (without, until a vacuum passes: a scan of the whole table, 0.6 s a page
    # at 1,000,000 customers, bench/bench_store.py).
    copy_sql = f"COPY {table} ({names}) FROM STDIN (FORMAT csv, FREEZE)".encode()
    with con.cursor().copy(copy_sql) as copy:
        for batch in arrow_table(frame).to_batches(max_chunksize=_COPY_ROWS):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(batch, sink, write_options=options)
            copy.write(sink.getvalue().to_pybytes())


def _sql_type(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    return "text"
