"""What the shared reads need of a store's database, whichever it is.

:class:`SqlConnection` is the base of each backend's connection class. The reads built on it
(:class:`~advocates.store.sql.tables.RunTables`, :class:`~advocates.store.sql.customers.CustomerRows`)
write their queries once, with ``?`` placeholders (SQLite's own; the PostgreSQL connection binds
them as ``%s``), and read rows by column name.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from advocates.store.common import KeptFrames, Row

__all__ = ["SqlConnection"]


class SqlConnection:
    """A store's database as the shared reads see it; each backend implements the methods."""

    url: str
    #: The frames of run files read whole, kept per process (:class:`KeptFrames`).
    _kept: KeptFrames
    #: The column of ``runs`` that orders runs as they were begun (their stamps are to the
    #: second): SQLite's rowid, a sequence in PostgreSQL.
    _BEGUN: str

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
        """The result of one query (``?`` placeholders), as a frame with the query's columns."""
        raise NotImplementedError

    def _row(self, sql: str, params: tuple[Any, ...] = ()) -> Row | None:
        """The first row of one query (``?`` placeholders), read by column name, or None."""
        raise NotImplementedError

    def _blob(self, sql: str, params: tuple[Any, ...] = ()) -> bytes | None:
        """The bytes of the first column of one query's first row, or None."""
        row = self._row(sql, params)
        return bytes(row[next(iter(row.keys()))]) if row is not None else None

    def _columns(self, table: str) -> list[str]:
        """The column names of ``table`` (a quoted name), in order; none when it does not exist."""
        raise NotImplementedError

    def _has_table(self, table: str) -> bool:
        """Whether ``table`` (a quoted name) exists."""
        return bool(self._columns(table))
