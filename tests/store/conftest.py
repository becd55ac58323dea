"""The store every test here runs on: SQLite (publishing as a small run does, and in bulk as a
large one does) and PostgreSQL on a real, throwaway server, so that the stores behave alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocates.store import PostgresStore, SqliteStore, Store, open_store
from advocates.store.sqlite import runs


@pytest.fixture(params=["sqlite", "sqlite in bulk", "postgres"])
def store_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The URL of a new, empty store."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    if request.param == "sqlite in bulk":
        monkeypatch.setattr(runs, "BULK_ROWS", 0)
    return f"sqlite:///{tmp_path / 's.db'}"


@pytest.fixture
def store(store_url: str) -> Store:
    return open_store(store_url)


def table_names(store: Store) -> set[str]:
    """The names of every table in ``store``'s database."""
    return _catalogue(store, "table")


def index_names(store: Store) -> set[str]:
    """The names of every index in ``store``'s database."""
    return _catalogue(store, "index")


#: PostgreSQL's lists of the tables and the indexes of the store's schema.
_POSTGRES_CATALOGUE = {
    "table": "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()",
    "index": "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()",
}


def _catalogue(store: Store, kind: str) -> set[str]:
    if isinstance(store, SqliteStore):
        found = store._query("SELECT name FROM sqlite_master WHERE type = ?", (kind,))
    else:
        assert isinstance(store, PostgresStore)
        found = store._query(_POSTGRES_CATALOGUE[kind])
    return set(found["name"])
