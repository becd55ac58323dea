"""The store of scored runs and campaign plans: one interface, an embedded SQLite default, and
PostgreSQL for teams.

Holds the :class:`Store` protocol and its records (:mod:`advocates.store.base`), what any SQL
backend shares whatever its database (:mod:`advocates.store.common`: ids, table names, cell values,
JSON; :mod:`advocates.store.sql`: the reads and the erasure both run alike), the SQLite
implementation (:mod:`advocates.store.sqlite`, one class per role) and the PostgreSQL one
(:mod:`advocates.store.postgres`, the same roles). It may import only :mod:`advocates.errors`:
every layer above (pipeline, ranking, campaigns, CLI, API) reaches stored runs through it.
"""

from __future__ import annotations

from pathlib import Path

from advocates.errors import ConfigurationError
from advocates.store.base import (
    RUN_FILES,
    RUN_TABLES,
    Condition,
    PlanInfo,
    RunInfo,
    Store,
    StoredKey,
)
from advocates.store.postgres import PostgresStore
from advocates.store.sqlite import SqliteStore

__all__ = [
    "RUN_FILES",
    "RUN_TABLES",
    "Condition",
    "PlanInfo",
    "PostgresStore",
    "RunInfo",
    "SqliteStore",
    "Store",
    "StoredKey",
    "open_store",
]


def open_store(url: str) -> Store:
    """Open the store at ``url``: ``sqlite:///PATH``, or ``postgresql://...`` (also
    ``postgres://``; any URL libpq takes: user, password, host or socket folder, port, database,
    parameters)."""
    prefix = "sqlite:///"
    if url.startswith(prefix):
        return SqliteStore(Path(url[len(prefix) :]), url=url)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    raise ConfigurationError(
        f"unsupported store URL {url.split('://')[0]!r}://...: expected sqlite:///PATH or "
        "postgresql://USER@HOST/DATABASE"
    )
