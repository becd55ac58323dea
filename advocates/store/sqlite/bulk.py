"""Bulk loads into a SQLite store's file: a run's big tables, written by ADBC's SQLite driver in a
process of its own.

Writing a million-customer run's scores through Python's ``sqlite3`` makes a Python value of each
of its 59 million cells (13 s of a 26-s publish); the ADBC driver binds Arrow columns in C
(about 4.5 s). The driver carries its own copy of SQLite, and two copies of SQLite in one process
do not see each other's locks on a file (a POSIX lock belongs to the process, and each copy keeps
its own table of them; SQLite's documentation lists this among the ways to corrupt a database):
measured here, the driver wrote and committed while a ``sqlite3`` connection of the same process
held the write lock. So :func:`ingest` starts a child process, whose locks every other connection
respects, and streams it the tables in Arrow's IPC format through a pipe.

The child creates and fills every table in one transaction, and commits only once it has read
every table whole: a parent killed or failing part way leaves none of them. The tables belong to
a run still being written, which nobody reads; the run's publish (indexes, files, status) follows
in a transaction of the store's own connection.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa

from advocates.errors import StoreError
from advocates.store.common import arrow_table

__all__ = ["ingest", "main"]

#: How long the child waits for another connection's write lock (as the store's connections do).
_BUSY_MS = 60_000
#: What the child runs.
_CHILD = "import sys; from advocates.store.sqlite.bulk import main; main(sys.argv[1:])"


def ingest(path: Path, tables: Mapping[str, pd.DataFrame]) -> None:
    """Create each table of ``tables`` (unquoted name: frame) in the SQLite file ``path`` and fill
    it, all in one transaction, in a child process (see the module's docstring).

    Raises
    ------
    StoreError
        When the child could not write them (a table that exists, a locked or full store); none
        of them is then written.
    """
    root = str(Path(__file__).resolve().parents[3])  # (the child imports this very library)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), str(len(tables))],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert child.stdin is not None and child.stderr is not None
    try:
        try:
            for name, frame in tables.items():
                table = arrow_table(frame)
                table = table.replace_schema_metadata({"table": name})
                with pa.ipc.new_stream(child.stdin, table.schema) as stream:
                    stream.write_table(table, max_chunksize=65_536)
            child.stdin.close()
        except BrokenPipeError:  # the child stopped: its message says why
            pass
        error = child.stderr.read().decode("utf-8", "replace").strip()
        if child.wait() != 0:
            reason = error.splitlines()[-1] if error else f"exit code {child.returncode}"
            raise StoreError(f"cannot write the run's tables to {path}: {reason}")
    except BaseException:
        child.kill()  # (a parent failing part way: the child commits nothing)
        child.wait()
        raise


def main(argv: list[str]) -> None:
    """The child of :func:`ingest`: ``PATH COUNT``, the tables on standard input. On failure,
    the last line of its standard error says why, and its exit code is 1."""
    try:
        _load(argv[0], int(argv[1]))
    except Exception as failure:
        print(f"{type(failure).__name__}: {failure}", file=sys.stderr)
        raise SystemExit(1) from None


def _load(path: str, count: int) -> None:
    """Read ``count`` tables from standard input and write them in one transaction."""
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    source = sys.stdin.buffer
    with adbc_sqlite.connect(path) as con:  # (not in autocommit: one transaction)
        with con.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            cursor.fetchall()
            for _ in range(count):
                reader = pa.ipc.open_stream(source)
                name = (reader.schema.metadata or {})[b"table"].decode()
                cursor.adbc_ingest(name, reader, mode="create")
        if source.read(1):
            raise StoreError("more data than the tables announced")
        con.commit()
