"""The PostgreSQL store's schema by versioned migrations, on a real (throwaway) server: applied
once and recorded, whole or not at all, in turns when processes migrate at once, and never
again once applied, even changed."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psycopg
import pytest

from advocates.errors import StoreError
from advocates.store.postgres import MigrationError, PostgresStore, migrate, migrations


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as con:
        rows = con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
    return [row[0] for row in rows]


ALL = [f"{m.number:04d}_{m.name}" for m in migrations()]


def test_the_schema_is_made_once_and_each_migration_recorded(postgres_url: str) -> None:
    assert ALL[:3] == ["0001_schema", "0002_arrival_order", "0003_as_written"]
    assert migrate(postgres_url) == ALL
    assert migrate(postgres_url) == []  # nothing left to do
    assert {"runs", "run_files", "model_states", "plans", "api_keys", "events"} <= set(
        _tables(postgres_url)
    )
    with psycopg.connect(postgres_url) as con:
        recorded = con.execute(
            "SELECT number, name, checksum FROM schema_migrations ORDER BY number"
        ).fetchall()
        version = con.execute("SELECT version FROM store_version").fetchall()
    assert recorded == [(m.number, m.name, m.checksum) for m in migrations()]
    assert version == [(0,)]


def test_processes_migrating_at_once_take_turns(postgres_url: str) -> None:
    with ProcessPoolExecutor(max_workers=4) as pool:
        applied = list(pool.map(migrate, [postgres_url] * 4))
    assert sorted(name for names in applied for name in names) == ALL  # each once


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, sql in files.items():
        (tmp_path / name).write_text(sql, encoding="utf-8")
    return tmp_path


def test_a_failing_migration_leaves_nothing_of_itself_and_says_which(
    postgres_url: str, tmp_path: Path
) -> None:
    folder = _folder(
        tmp_path,
        {
            "0001_first.sql": "CREATE TABLE first (id integer);",
            "0002_broken.sql": "CREATE TABLE second (id integer);\nSELECT nonsense FROM nowhere;",
        },
    )
    with pytest.raises(MigrationError, match="migration 0002_broken failed, nothing of it"):
        migrate(postgres_url, folder)
    assert "first" in _tables(postgres_url) and "second" not in _tables(postgres_url)
    (folder / "0002_broken.sql").write_text("CREATE TABLE second (id integer);")
    assert migrate(postgres_url, folder) == ["0002_broken"]  # fixed, it goes on from there


def test_a_migration_changed_after_it_was_applied_is_refused(
    postgres_url: str, tmp_path: Path
) -> None:
    folder = _folder(tmp_path, {"0001_first.sql": "CREATE TABLE first (id integer);"})
    migrate(postgres_url, folder)
    (folder / "0001_first.sql").write_text("CREATE TABLE first (id bigint);")
    with pytest.raises(MigrationError, match="0001_first was changed after it was applied"):
        migrate(postgres_url, folder)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"1_first.sql": "SELECT 1;"}, "1_first.sql: a migration is named NNNN_what.sql"),
        (
            {"0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"},
            "0001_b.sql: migration 1 is there twice",
        ),
    ],
)
def test_migration_files_are_named_by_number_once_each(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    with pytest.raises(MigrationError, match=message):
        migrations(_folder(tmp_path, files))


def test_a_store_that_cannot_be_reached_is_named_without_its_password() -> None:
    with pytest.raises(StoreError, match=r"cannot open the store postgresql://me@/nodb") as error:
        PostgresStore("postgresql://me:secret@/nodb?host=/nonexistent")
    assert "secret" not in str(error.value)
