"""Outcome events in the SQLite store, and the customers no one may contact from now on.

:class:`SqliteEvents` keeps the ``events`` table (:data:`EVENTS_SCHEMA`, the event id its
primary key, so a repeated event is stored once) and ``contact_blocks``: the customers whose
latest consent event withdrew consent, or who asked not to be contacted. Blocks are recomputed
from all of a customer's consent events whenever new ones arrive, so their order of arrival
does not matter; rankings, exports and plans leave blocked customers out at once, before the
next nightly run.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd

from advocates.store.common import cell, utc_now
from advocates.store.sqlite.connection import SqliteConnection, bump_version

__all__ = ["EVENTS_SCHEMA", "SqliteEvents"]

#: The events table and the contact blocks derived from consent events.
EVENTS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, type TEXT NOT NULL, "
    "customer_id TEXT NOT NULL, occurred_at TEXT NOT NULL, campaign_id TEXT, incentive_id TEXT, "
    "friend_customer_id TEXT, order_id TEXT, amount REAL, currency TEXT, received_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_customer ON events (customer_id)",
    "CREATE TABLE IF NOT EXISTS contact_blocks (customer_id TEXT PRIMARY KEY, reason TEXT NOT NULL)",
)
_CONSENT = ("consent_withdrawn", "consent_given", "do_not_contact")


class SqliteEvents(SqliteConnection):
    """The outcome events of a SQLite store and the contact blocks they imply."""

    def save_events(self, events: pd.DataFrame) -> tuple[int, int]:
        """Store new events durably (the transaction is synced before this returns); return how
        many were new and how many were already stored (same ``event_id``)."""
        columns = [str(c) for c in events.columns]
        rows = [
            [cell(v) for v in row]
            for row in events.astype(object).itertuples(index=False, name=None)
        ]
        received = utc_now().isoformat()
        insert = (
            f"INSERT OR IGNORE INTO events ({', '.join(columns)}, received_at) "
            f"VALUES ({', '.join('?' for _ in columns)}, ?)"
        )
        with closing(self._connect()) as con:
            con.execute("PRAGMA synchronous=FULL")
            try:
                con.execute("BEGIN IMMEDIATE")
                before = con.total_changes
                con.executemany(insert, [[*row, received] for row in rows])
                added = con.total_changes - before
                touched = events.loc[events["type"].isin(_CONSENT), "customer_id"].unique()
                for customer_id in touched:
                    self._recompute_block(con, str(customer_id))
                if len(touched):
                    bump_version(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return added, len(rows) - added

    @staticmethod
    def _recompute_block(con: sqlite3.Connection, customer_id: str) -> None:
        execute = con.execute
        execute("DELETE FROM contact_blocks WHERE customer_id = ?", (customer_id,))
        dnc = execute(
            "SELECT 1 FROM events WHERE customer_id = ? AND type = 'do_not_contact' LIMIT 1",
            (customer_id,),
        ).fetchone()
        latest = execute(
            "SELECT type FROM events WHERE customer_id = ? AND type IN "
            "('consent_withdrawn', 'consent_given') ORDER BY occurred_at DESC, rowid DESC LIMIT 1",
            (customer_id,),
        ).fetchone()
        reason = (
            "do not contact"
            if dnc
            else ("consent withdrawn" if latest and latest[0] == "consent_withdrawn" else None)
        )
        if reason:
            execute("INSERT INTO contact_blocks VALUES (?, ?)", (customer_id, reason))

    def events(
        self, *, until: pd.Timestamp | None = None, customer_id: str | None = None
    ) -> pd.DataFrame:
        """Stored events (those that occurred by ``until``, and of ``customer_id``, when given),
        oldest first, with ``occurred_at`` as UTC timestamps."""
        where, params = ["1 = 1"], []
        if until is not None:
            where.append("occurred_at <= ?")
            params.append(until.isoformat())
        if customer_id is not None:
            where.append("customer_id = ?")  # the events_customer index
            params.append(customer_id)
        frame = self._query(
            f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY occurred_at, rowid",
            tuple(params),
        )
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601")
        frame["amount"] = pd.to_numeric(frame["amount"]).astype(float)
        return frame

    def contact_blocks(self) -> pd.DataFrame:
        """``customer_id, reason`` of every customer no one may contact now."""
        return self._query("SELECT customer_id, reason FROM contact_blocks", ())
