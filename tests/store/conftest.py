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
    if isinstance(store, SqliteStore):
        return set(store._query("SELECT name FROM sqlite_master WHERE type = 'table'")["name"])
    assert isinstance(store, PostgresStore)
    return set(
        store._query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")[
            "tablename"
        ]
    )


def index_names(store: Store) -> set[str]:
    """The names of every index in ``store``'s database."""
    if isinstance(store, SqliteStore):
        return set(store._query("SELECT name FROM sqlite_master WHERE type = 'index'")["name"])
    assert isinstance(store, PostgresStore)
    return set(
        store._query("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")[
            "indexname"
        ]
    )
