"""The outcome events of a PostgreSQL store and the contact blocks they imply: the same
behaviour as the SQLite store's (:mod:`advocates.store.sqlite.events`). A batch is loaded by
``COPY`` into a temporary table and inserted from there, a repeated event id ignored."""

from __future__ import annotations

from typing import Any

import pandas as pd
import psycopg

from advocates.store.common import cell, stored_time, utc_now
from advocates.store.postgres.connection import PostgresConnection, bump_version

__all__ = ["PostgresEvents"]

#: The columns of an event, in the order the SQLite store's ``SELECT *`` gives them.
EVENT_COLUMNS = (
    "event_id",
    "type",
    "customer_id",
    "occurred_at",
    "campaign_id",
    "incentive_id",
    "friend_customer_id",
    "order_id",
    "amount",
    "currency",
    "received_at",
)
_CONSENT = ("consent_withdrawn", "consent_given", "do_not_contact")


class PostgresEvents(PostgresConnection):
    """The outcome events of a PostgreSQL store and the contact blocks they imply."""

    def save_events(self, events: pd.DataFrame) -> tuple[int, int]:
        """Store new events durably (committed before this returns); return how many were new
        and how many were already stored (same ``event_id``)."""
        columns = [str(c) for c in events.columns]
        received = utc_now().isoformat()
        names = ", ".join(columns)
        with self._connect() as con, con.transaction():
            con.execute(
                "CREATE TEMPORARY TABLE incoming (LIKE events INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            with con.cursor().copy(f"COPY incoming ({names}, received_at) FROM STDIN") as copy:
                for row in events.astype(object).itertuples(index=False, name=None):
                    copy.write_row([*(cell(v) for v in row), received])
            # (seq: numbered by the events' sequence as they were copied, in the batch's order)
            added = con.execute(
                f"INSERT INTO events ({names}, received_at, seq) SELECT {names}, received_at, "
                "seq FROM incoming ON CONFLICT (event_id) DO NOTHING"
            ).rowcount
            touched = events.loc[events["type"].isin(_CONSENT), "customer_id"].unique()
            for customer_id in touched:
                _recompute_block(con, str(customer_id))
            if len(touched):
                bump_version(con)
        return added, len(events) - added

    def events(
        self, *, until: pd.Timestamp | None = None, customer_id: str | None = None
    ) -> pd.DataFrame:
        """Stored events (those that occurred by ``until``, and of ``customer_id``, when given),
        oldest first, with ``occurred_at`` as UTC timestamps."""
        where, params = ["TRUE"], []
        if until is not None:
            where.append("occurred_at <= ?")
            params.append(until.isoformat())
        if customer_id is not None:
            where.append("customer_id = ?")
            params.append(customer_id)
        frame = self._query(
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE {' AND '.join(where)} "
            "ORDER BY occurred_at, seq",
            tuple(params),
        )
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
        frame["amount"] = pd.to_numeric(frame["amount"]).astype(float)
        frame["received_at"] = [stored_time(v) for v in frame["received_at"]]
        return frame

    def contact_blocks(self) -> pd.DataFrame:
        """``customer_id, reason`` of every customer no one may contact now."""
        return self._query("SELECT customer_id, reason FROM contact_blocks")


def _recompute_block(con: psycopg.Connection[dict[str, Any]], customer_id: str) -> None:
    """A customer's contact block from all their consent events (order of arrival aside):
    do-not-contact for good, else the latest of consent withdrawn and given."""
    con.execute("DELETE FROM contact_blocks WHERE customer_id = %s", (customer_id,))
    row = con.execute(
        "SELECT bool_or(type = 'do_not_contact') AS dnc, (array_agg(type ORDER BY occurred_at "
        "DESC, seq DESC) FILTER (WHERE type IN ('consent_withdrawn', 'consent_given')))[1] "
        "AS latest FROM events WHERE customer_id = %s",
        (customer_id,),
    ).fetchone()
    dnc, latest = (row["dnc"], row["latest"]) if isinstance(row, dict) else row or (None, None)
    reason = (
        "do not contact"
        if dnc
        else ("consent withdrawn" if latest == "consent_withdrawn" else None)
    )
    if reason:
        con.execute("INSERT INTO contact_blocks VALUES (%s, %s)", (customer_id, reason))
