"""The PostgreSQL store's schema, created and upgraded by numbered SQL files applied in order.

Each file of ``migrations/`` is named ``NNNN_what.sql``. :func:`migrate` applies those a
database has not had yet, each in a transaction of its own that also records it in
``schema_migrations`` (its number, name and SHA-256), so a migration is applied whole or not at
all. A transaction-level advisory lock makes processes that migrate at once (several API
workers starting) take turns: the first applies, the others find nothing left to do. A file
changed after it was applied is refused, never applied again: a schema is only ever changed by
a new file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

from advocates.errors import StoreError

__all__ = ["Migration", "MigrationError", "migrate", "migrations"]

#: The key of the advisory lock migrations take (any fixed number; this one spells "advoc").
LOCK_KEY = 0x6164766F63
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(StoreError):
    """A migration that cannot be applied, or one changed after it was."""

    code = "migration_failed"


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    number: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def migrations(folder: Path | None = None) -> list[Migration]:
    """The migrations of ``folder`` (by default the package's own), in order; MigrationError
    for a file named otherwise or two files of one number."""
    root = folder if folder is not None else resources.files(__package__) / "migrations"
    found: dict[int, Migration] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        named = _NAME.match(entry.name)
        if named is None:
            raise MigrationError(f"{entry.name}: a migration is named NNNN_what.sql")
        number = int(named[1])
        if number in found:
            raise MigrationError(f"{entry.name}: migration {number} is there twice")
        found[number] = Migration(number, named[2], entry.read_text(encoding="utf-8"))
    return [found[n] for n in sorted(found)]


def migrate(url: str, folder: Path | None = None) -> list[str]:
    """Apply the migrations ``url``'s database has not had; the names of those applied."""
    applied: list[str] = []
    with psycopg.connect(url, autocommit=True) as con:
        with con.transaction():  # (two processes creating one table at once would collide)
            con.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (number integer PRIMARY KEY, "
                "name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL "
                "DEFAULT now())"
            )
        for migration in migrations(folder):
            with con.transaction():
                con.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                row = con.execute(
                    "SELECT checksum FROM schema_migrations WHERE number = %s",
                    (migration.number,),
                ).fetchone()
                if row is not None:
                    if row[0] != migration.checksum:
                        raise MigrationError(
                            f"migration {migration.number:04d}_{migration.name} was changed "
                            "after it was applied: change a schema with a new migration"
                        )
                    continue
                try:
                    con.execute(migration.sql.encode("utf-8"))
                except psycopg.Error as error:
                    raise MigrationError(
                        f"migration {migration.number:04d}_{migration.name} failed, nothing of "
                        f"it was applied: {error}"
                    ) from error
                con.execute(
                    "INSERT INTO schema_migrations (number, name, checksum) VALUES (%s, %s, %s)",
                    (migration.number, migration.name, migration.checksum),
                )
                applied.append(f"{migration.number:04d}_{migration.name}")
    return applied
