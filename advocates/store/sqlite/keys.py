"""API keys in the SQLite store: their salted hashes, names, scopes and use, never the keys.

:class:`SqliteKeys` keeps the ``api_keys`` table (:data:`KEYS_SCHEMA`). A key is found by its
public id; the secret part is only ever compared with its salted hash, by
:mod:`advocates.access.keys`.
"""

from __future__ import annotations

from contextlib import closing

from advocates.errors import NotFoundError
from advocates.store.base import StoredKey
from advocates.store.common import stored_key
from advocates.store.sqlite.connection import SqliteConnection, bump_version

__all__ = ["KEYS_SCHEMA", "SqliteKeys"]

#: The table of API keys: one row per key, revoked keys kept (with the time) for the record.
KEYS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS api_keys (key_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "scopes TEXT NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL, created_at TEXT NOT NULL, "
    "last_used_at TEXT, revoked_at TEXT)"
)


class SqliteKeys(SqliteConnection):
    """The API keys of a SQLite store."""

    def save_key(self, key: StoredKey) -> None:
        """Store a new key's record (its id must be new)."""
        with closing(self._connect()) as con, con:
            con.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key.key_id,
                    key.name,
                    ",".join(key.scopes),
                    key.salt,
                    key.hash,
                    key.created_at,
                    key.last_used_at,
                    key.revoked_at,
                ),
            )
            bump_version(con)

    def api_key(self, key_id: str) -> StoredKey:
        """One key's record; NotFoundError when there is no key of that id."""
        row = self._row("SELECT * FROM api_keys WHERE key_id = ?", (key_id,))
        if row is None:
            raise NotFoundError(f"API key {key_id!r} does not exist")
        return stored_key(row)

    def api_keys(self) -> list[StoredKey]:
        """Every key's record, oldest first."""
        rows = self._reader().execute("SELECT * FROM api_keys ORDER BY created_at, rowid")
        return [stored_key(row) for row in rows]

    def revoke_key(self, key_id: str, *, at: str) -> None:
        """Mark a key revoked at ``at``; revoking a revoked key keeps the first time."""
        self.api_key(key_id)
        with closing(self._connect()) as con, con:
            con.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ?",
                (at, key_id),
            )
            bump_version(con)

    def touch_key(self, key_id: str, *, at: str) -> None:
        """Record that a key was used at ``at``."""
        with closing(self._connect()) as con, con:
            con.execute("UPDATE api_keys SET last_used_at = ? WHERE key_id = ?", (at, key_id))
