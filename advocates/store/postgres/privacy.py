"""Privacy in the PostgreSQL store: erasing a customer everywhere, the suppression list, the audit
log; the same behaviour as the SQLite store's (:mod:`advocates.store.sqlite.privacy`).

An erasure runs in one transaction that first takes the publishing lock
(:data:`~advocates.store.postgres.connection.PUBLISH_LOCK_KEY`, which a publish holds for its
transaction), so that no run publishes between the tables the erasure lists and its commit, as
SQLite's one writer at a time does: the run published just before loses the customer's rows,
and the next run leaves them out by the suppression list.
"""

from __future__ import annotations

import secrets
from typing import Any

import pandas as pd
import psycopg

from advocates.errors import NotFoundError
from advocates.store.common import customer_hash, stored_time, suppressed_mask, utc_now
from advocates.store.postgres.connection import (
    PUBLISH_LOCK_KEY,
    PostgresConnection,
    bound,
    bump_version,
)
from advocates.store.sql.erasure import ERASED_PREFIXES, erase_rows

__all__ = ["PostgresPrivacy"]

Connection = psycopg.Connection[dict[str, Any]]


class PostgresPrivacy(PostgresConnection):
    """Erasure, suppression and the audit log of a PostgreSQL store."""

    @staticmethod
    def _secret(con: Connection) -> bytes:
        con.execute(
            "INSERT INTO meta VALUES ('suppression_secret', %s) ON CONFLICT (key) DO NOTHING",
            (secrets.token_hex(32),),
        )
        row = con.execute("SELECT value FROM meta WHERE key = 'suppression_secret'").fetchone()
        assert row is not None  # (inserted just above, or before)
        return bytes.fromhex(row["value"])

    def id_hash(self, customer_id: str) -> str:
        """The keyed hash under which an erased customer's id is kept."""
        with self._connect() as con:
            return customer_hash(self._secret(con), customer_id)

    def suppressed(self, customer_ids: pd.Series) -> pd.Series:
        """True for each id on the suppression list (an erased customer)."""
        with self._connect() as con:
            secret = self._secret(con)
            hashes = {r["id_hash"] for r in con.execute("SELECT id_hash FROM suppressed")}
        return suppressed_mask(customer_ids, secret, hashes)

    def erase_customer(self, customer_id: str, *, key_id: str) -> dict[str, int]:
        """Remove every row of ``customer_id`` and put the id's hash on the suppression list;
        how many rows each kind of table lost. NotFoundError when the store has none and the
        customer was not erased before (an erased customer is not found either)."""
        with self._connect() as con, con.transaction():
            removed = _erase(con, customer_id)
            id_hash = customer_hash(self._secret(con), customer_id)
            if not sum(removed.values()):
                raise NotFoundError(f"customer {customer_id!r} is not in the store")
            erased = f"erased:{id_hash[:16]}"
            con.execute(
                "INSERT INTO suppressed VALUES (%s, %s) ON CONFLICT (id_hash) DO NOTHING",
                (id_hash, utc_now().isoformat()),
            )
            con.execute(
                "UPDATE audit SET customer_id = %s WHERE customer_id = %s", (erased, customer_id)
            )
            _audit(con, key_id, "erase", None, erased, sum(removed.values()))
            bump_version(con)
        return removed

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
        with self._connect() as con:
            _audit(con, key_id, action, target, customer_id, rows)

    def audit_log(self, *, limit: int, offset: int) -> tuple[pd.DataFrame, int]:
        """One page of the audit log, newest first, and how many entries there are."""
        page = self._query(
            "SELECT at, key_id, action, target, customer_id, rows FROM audit "
            "ORDER BY at DESC, seq DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        page["at"] = page["at"].map(stored_time)
        total = self._row("SELECT COUNT(*) AS n FROM audit")
        return page, int(total["n"]) if total is not None else 0


def _erase(con: Connection, customer_id: str) -> dict[str, int]:
    """Delete a customer's rows from every run and plan table, run file, event and contact
    block, inside the caller's transaction; how many each kind lost."""
    con.execute("SELECT pg_advisory_xact_lock(%s)", (PUBLISH_LOCK_KEY,))
    tables: dict[str, list[str]] = {}
    for row in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name NOT IN "
        "(SELECT table_name FROM information_schema.views WHERE table_schema = current_schema()) "
        "ORDER BY table_name, ordinal_position"
    ).fetchall():
        if row["table_name"].startswith(ERASED_PREFIXES):
            tables.setdefault(row["table_name"], []).append(row["column_name"])
    return erase_rows(lambda sql, params: con.execute(bound(sql), params), customer_id, tables)


def _audit(
    con: Connection,
    key_id: str,
    action: str,
    target: str | None,
    customer_id: str | None,
    rows: int | None,
) -> None:
    con.execute(
        "INSERT INTO audit (at, key_id, action, target, customer_id, rows) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (utc_now().isoformat(), key_id, action, target, customer_id, rows),
    )
