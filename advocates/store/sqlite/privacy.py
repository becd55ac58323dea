"""Privacy in the SQLite store: erasing a customer everywhere, the suppression list, the audit log.

:meth:`SqlitePrivacy.erase_customer` removes a customer's rows from every run (scores, audience
and reward tables, and the run files that hold them, written again under a new version), every
campaign plan's assignments, the events and the contact blocks, in one
transaction, and keeps the id only as a keyed hash on the suppression list (HMAC-SHA-256 under a
secret made once per store), so that later runs drop the customer even when the CRM export still
holds them. The audit log records who (the key id) did what (route, customer, rows) and when,
for exports, reads of personal data, erasures and key changes; an erased customer's id in it is
replaced by its hash.
"""

from __future__ import annotations

import secrets
import sqlite3
from contextlib import closing

import pandas as pd

from advocates.errors import NotFoundError
from advocates.store.common import customer_hash, suppressed_mask, utc_now
from advocates.store.sql.erasure import ERASED_PREFIXES, erase_rows
from advocates.store.sqlite.connection import SqliteConnection, bump_version

__all__ = ["PRIVACY_SCHEMA", "SqlitePrivacy"]

PRIVACY_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS suppressed (id_hash TEXT PRIMARY KEY, erased_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS audit (at TEXT NOT NULL, key_id TEXT NOT NULL, "
    "action TEXT NOT NULL, target TEXT, customer_id TEXT, rows INTEGER)",
)


class SqlitePrivacy(SqliteConnection):
    """Erasure, suppression and the audit log of a SQLite store."""

    def _secret(self, con: sqlite3.Connection) -> bytes:
        row = con.execute("SELECT value FROM meta WHERE key = 'suppression_secret'").fetchone()
        if row is None:
            con.execute(
                "INSERT OR IGNORE INTO meta VALUES ('suppression_secret', ?)",
                (secrets.token_hex(32),),
            )
            row = con.execute("SELECT value FROM meta WHERE key = 'suppression_secret'").fetchone()
        return bytes.fromhex(row[0])

    def id_hash(self, customer_id: str) -> str:
        """The keyed hash under which an erased customer's id is kept."""
        with closing(self._connect()) as con, con:
            return customer_hash(self._secret(con), customer_id)

    def suppressed(self, customer_ids: pd.Series) -> pd.Series:
        """True for each id on the suppression list (an erased customer)."""
        with closing(self._connect()) as con, con:
            secret = self._secret(con)
            hashes = {r[0] for r in con.execute("SELECT id_hash FROM suppressed")}
        return suppressed_mask(customer_ids, secret, hashes)

    def erase_customer(self, customer_id: str, *, key_id: str) -> dict[str, int]:
        """Remove every row of ``customer_id`` and put the id's hash on the suppression list;
        how many rows each kind of table lost. NotFoundError when the store has none and the
        customer was not erased before (an erased customer is not found either)."""
        with closing(self._connect()) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                removed = self._erase(con, customer_id)
                id_hash = customer_hash(self._secret(con), customer_id)
                if not sum(removed.values()):
                    raise NotFoundError(f"customer {customer_id!r} is not in the store")
                con.execute(
                    "INSERT OR IGNORE INTO suppressed VALUES (?, ?)",
                    (id_hash, utc_now().isoformat()),
                )
                con.execute(
                    "UPDATE audit SET customer_id = ? WHERE customer_id = ?",
                    (f"erased:{id_hash[:16]}", customer_id),
                )
                self._audit(
                    con, key_id, "erase", None, f"erased:{id_hash[:16]}", sum(removed.values())
                )
                bump_version(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return removed

    @staticmethod
    def _erase(con: sqlite3.Connection, customer_id: str) -> dict[str, int]:
        tables = {
            row["name"]: [c[1] for c in con.execute(f'PRAGMA table_info("{row["name"]}")')]
            for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row["name"].startswith(ERASED_PREFIXES)
        }
        return erase_rows(con.execute, customer_id, tables)

    @staticmethod
    def _audit(
        con: sqlite3.Connection,
        key_id: str,
        action: str,
        target: str | None,
        customer_id: str | None,
        rows: int | None,
    ) -> None:
        con.execute(
            "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now().isoformat(), key_id, action, target, customer_id, rows),
        )

    def audit(
        self,
        *,
        key_id: str,
        action: str,
        target: str | None = None,
        customer_id: str | None = None,
        rows: int | None = None,
    ) -> None:
        """Record one audited action: an export, a read of personal data, a key change."""
        with closing(self._connect()) as con, con:
            self._audit(con, key_id, action, target, customer_id, rows)

    def audit_log(self, *, limit: int, offset: int) -> tuple[pd.DataFrame, int]:
        """One page of the audit log, newest first, and how many entries there are."""
        page = self._query(
            "SELECT * FROM audit ORDER BY at DESC, rowid DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        total = int(self._query("SELECT COUNT(*) AS n FROM audit", ())["n"].iloc[0])
        return page, total
