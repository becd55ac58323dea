"""One customer in a store's runs: their row of a run, their texts behind its sentiment, their
row in every published run, and the customers a run left out, in any SQL store.

:class:`CustomerRows` reads what the runs role publishes, a customer at a time, through the
indexes on ``customer_id`` that publishing makes. It writes nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from advocates.errors import NotFoundError
from advocates.store.common import cell, scores_table, side_table, stored_time
from advocates.store.sql.connection import SqlConnection

__all__ = ["LEFT_OUT_COLUMNS", "CustomerRows"]

#: What a list of the customers left out shows of each: the reason and the figures behind it.
LEFT_OUT_COLUMNS = (
    "customer_id",
    "excluded_reason",
    "sentiment",
    "sentiment_evidence",
    "negative_mentions_recent",
    "worst_text_id",
    "language",
    "country",
    "audience_size",
    "unique_reach_2hop",
)
_EVIDENCE_COLUMNS = ["kind", "id", "at", "sentiment", "text"]


class CustomerRows(SqlConnection):
    """One customer's rows in a store's runs."""

    def customer(self, run_id: str, customer_id: str) -> dict[str, Any]:
        """One customer's row of a run."""
        row = self._row(
            f"SELECT * FROM {scores_table(run_id)} WHERE customer_id = ?", (customer_id,)
        )
        if row is None:
            raise NotFoundError(f"customer {customer_id!r} is not in run {run_id}")
        # A plain row, no frame: 2.7 ms -> 0.05 ms.
        return {name: cell(row[name]) for name in row.keys()}  # noqa: SIM118 (a Row iterates over its values)

    def customer_evidence(self, run_id: str, customer_id: str) -> pd.DataFrame:
        """One customer's texts behind their sentiment in a run, newest first (through the
        table's index on customer_id); no rows for a run published without them."""
        table = side_table(run_id, "evidence")
        frame = (
            self._query(
                f"SELECT {', '.join(_EVIDENCE_COLUMNS)} FROM {table} WHERE customer_id = ? "
                "ORDER BY at DESC, id",
                (customer_id,),
            )
            if self._has_table(table)
            else pd.DataFrame(columns=_EVIDENCE_COLUMNS)
        )
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        return frame

    def customer_history(self, customer_id: str) -> pd.DataFrame:
        """One customer's row in every published run, newest run first, with the run's id and
        as-of date; no rows when no published run holds the customer."""
        runs = self._query(
            "SELECT run_id, as_of FROM runs WHERE status = 'published' "
            f"ORDER BY published_at DESC, {self._BEGUN} DESC"
        )
        frames = []
        for run_id, as_of in runs.itertuples(index=False, name=None):
            found = self._query(
                f"SELECT * FROM {scores_table(run_id)} WHERE customer_id = ?", (customer_id,)
            )
            if not found.empty:
                frames.append(found.assign(run_id=run_id, as_of=stored_time(as_of)))
        if not frames:
            return pd.DataFrame()
        history = pd.concat(frames, ignore_index=True)
        return history[["run_id", "as_of", *(c for c in history if c not in ("run_id", "as_of"))]]

    def left_out(
        self, run_id: str, *, reason: str, limit: int, offset: int
    ) -> tuple[pd.DataFrame, int]:
        """One page of a run's customers left out for ``reason`` (their ``excluded_reason``),
        by customer id, with what a person needs to see why (no personal data), and how many
        there are."""
        table = scores_table(run_id)
        have = set(self._columns(table))
        columns = ", ".join(f'"{c}"' for c in LEFT_OUT_COLUMNS if c in have)
        total = self._row(f"SELECT COUNT(*) AS n FROM {table} WHERE excluded_reason = ?", (reason,))
        page = self._query(
            f"SELECT {columns} FROM {table} WHERE excluded_reason = ? "
            "ORDER BY customer_id LIMIT ? OFFSET ?",
            (reason, limit, offset),
        )
        return page, int(total["n"]) if total is not None else 0
