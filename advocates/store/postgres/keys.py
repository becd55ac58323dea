"""The API keys of a PostgreSQL store: the ``api_keys`` table of the schema, the same records
as the SQLite store's (:mod:`advocates.store.sqlite.keys`)."""

from __future__ import annotations

from advocates.errors import NotFoundError
from advocates.store.base import StoredKey
from advocates.store.common import stored_key
from advocates.store.postgres.connection import PostgresConnection, bump_version

__all__ = ["PostgresKeys"]


class PostgresKeys(PostgresConnection):
    """The API keys of a PostgreSQL store."""

    def save_key(self, key: StoredKey) -> None:
        """Store a new key's record (its id must be new)."""
        with self._connect() as con, con.transaction():
            con.execute(
                "INSERT INTO api_keys (key_id, name, scopes, salt, hash, created_at, "
                "last_used_at, revoked_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
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
        rows = self._reader().execute("SELECT * FROM api_keys ORDER BY created_at, seq")
        return [stored_key(row) for row in rows]

    def revoke_key(self, key_id: str, *, at: str) -> None:
        """Mark a key revoked at ``at``; revoking a revoked key keeps the first time."""
        self.api_key(key_id)
        with self._connect() as con, con.transaction():
            con.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, %s) WHERE key_id = %s",
                (at, key_id),
            )
            bump_version(con)

    def touch_key(self, key_id: str, *, at: str) -> None:
        """Record that a key was used at ``at``."""
        with self._connect() as con:
            con.execute("UPDATE api_keys SET last_used_at = %s WHERE key_id = %s", (at, key_id))
