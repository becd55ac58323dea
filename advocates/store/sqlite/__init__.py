"""The embedded store: one SQLite file, the default (``sqlite:///advocates.db``).

It needs no setup, and readers (the API) keep serving the latest published run while the next one
is written. A run is first registered as ``writing``; its scores and side tables go into tables of
their own, and the status turns ``published`` in the same transaction that finishes those tables,
so a run that fails or is killed never becomes visible. Runs are kept, for history.

:class:`SqliteStore` is composed of one class per role, each over the connection base of
:mod:`~advocates.store.sqlite.connection` (the file, its connections, queries, table writes):

- :mod:`~advocates.store.sqlite.runs`: the run lifecycle (begin, publish, fail, list);
- :mod:`~advocates.store.sql`: reading a run's tables (rankings, side tables) and one
  customer's rows, texts and history, written once for every SQL store;
- :mod:`~advocates.store.sqlite.plans`: campaign plans and their assignments;
- :mod:`~advocates.store.sqlite.keys`: API keys (salted hashes, scopes, use);
- :mod:`~advocates.store.sqlite.events`: outcome events and the contact blocks they imply;
- :mod:`~advocates.store.sqlite.privacy`: erasure, the suppression list and the audit log.

Ids, table names, cell values and JSON are not SQLite's own: they are in
:mod:`advocates.store.common`, for any other backend to share.
"""

from __future__ import annotations

from pathlib import Path

from advocates.store.sql import CustomerRows, RunTables
from advocates.store.sqlite.events import EVENTS_SCHEMA, SqliteEvents
from advocates.store.sqlite.keys import KEYS_SCHEMA, SqliteKeys
from advocates.store.sqlite.plans import PLANS_SCHEMA, SqlitePlans
from advocates.store.sqlite.privacy import PRIVACY_SCHEMA, SqlitePrivacy
from advocates.store.sqlite.runs import (
    MODEL_STATES_SCHEMA,
    RUN_FILES_SCHEMA,
    RUNS_SCHEMA,
    SqliteRuns,
)

__all__ = ["SqliteStore"]


class SqliteStore(
    SqliteRuns, RunTables, CustomerRows, SqlitePlans, SqliteKeys, SqliteEvents, SqlitePrivacy
):
    """A store in one SQLite file."""

    def __init__(self, path: Path, *, url: str | None = None) -> None:
        super().__init__(
            path,
            url=url,
            schema=(
                PLANS_SCHEMA,
                RUNS_SCHEMA,
                RUN_FILES_SCHEMA,
                MODEL_STATES_SCHEMA,
                KEYS_SCHEMA,
                *EVENTS_SCHEMA,
                *PRIVACY_SCHEMA,
            ),
        )
