"""Rows broken on purpose, the ways real exports break.

:func:`break_rows` puts impossible values into a share of a demo table's rows, duplicates some
unique ids, and picks CSV lines to get bytes that are not UTF-8 or an extra field when written
(:func:`advocates.data.io.write_table` does that), so the import path has real damage to reject.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"customer_id": ["C1", "C2"], "network": "x", "handle": ["a", "b"]})
>>> broken, how = break_rows("accounts", frame, fraction=0.5, seed=0)
>>> how.value_errors, how.total
(1, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BrokenRows", "break_rows"]


@dataclass(frozen=True)
class BrokenRows:
    """Which rows of a table :func:`break_rows` corrupted, and how (for tests and the manifest)."""

    table: str
    value_errors: int
    duplicates: int
    bad_bytes_lines: list[int]
    extra_field_lines: list[int]

    @property
    def total(self) -> int:
        return (
            self.value_errors
            + self.duplicates
            + len(self.bad_bytes_lines)
            + len(self.extra_field_lines)
        )


_BREAKERS: dict[str, list[tuple[str, str]]] = {
    # table -> (column, broken value) pairs chosen at random per broken row
    "customers": [
        ("created_at", "31/02/2025"),
        ("marketing_consent", "maybe"),
        ("customer_id", ""),
    ],
    "orders": [
        ("amount", "-19.90"),
        ("customer_id", "C_UNKNOWN"),
        ("ordered_at", "last tuesday"),
        ("amount", "12,50 EUR"),
        ("status", "lost"),
    ],
    "accounts": [("customer_id", "C_UNKNOWN"), ("handle", "")],
    "edges": [("kind", "blocks"), ("target", "")],
    "interactions": [("actor", "ghost_account"), ("kind", "poke"), ("occurred_at", "2025-13-45")],
    "mentions": [("posted_at", "not a date"), ("text", ""), ("sentiment_label", "angry")],
    "reviews": [("rating", "6"), ("customer_id", "C_UNKNOWN"), ("rating", "four")],
    "referrals": [("referrer_customer_id", "C_UNKNOWN"), ("invited_at", "2025-02-30")],
    "exposures": [("customer_id", "C_UNKNOWN"), ("assigned_at", "soon")],
}
_UNIQUE = {
    "customers": "customer_id",
    "orders": "order_id",
    "mentions": "mention_id",
    "reviews": "review_id",
    "referrals": "referral_id",
}
_TEXT_COLUMNS = {"customers": "name", "mentions": "text", "reviews": "text"}


def break_rows(
    table: str, frame: pd.DataFrame, *, fraction: float, seed: int
) -> tuple[pd.DataFrame, BrokenRows]:
    """Corrupt about ``fraction`` of the rows of ``frame`` in realistic ways.

    Returns the frame with value errors and duplicate rows, and which CSV lines (file rows, the
    header being line 1) should get bytes that are not UTF-8 or an extra field when written.
    """
    rng = np.random.default_rng([seed, len(table), sum(map(ord, table))])
    count = round(fraction * len(frame))
    if count == 0:
        return frame, BrokenRows(table, 0, 0, [], [])
    out = frame.astype(object).copy()
    picked = rng.choice(len(out), size=min(count, len(out)), replace=False)
    n_dup = len(picked) // 6 if table in _UNIQUE else 0
    n_bytes = len(picked) // 8 if table in _TEXT_COLUMNS else 0
    n_extra = len(picked) // 10
    value_rows = picked[n_dup + n_bytes + n_extra :]
    breakers = _BREAKERS[table]
    choice = rng.integers(len(breakers), size=len(value_rows))
    for index, (column, value) in enumerate(breakers):
        out.iloc[value_rows[choice == index], out.columns.get_loc(column)] = value
    dups = out.iloc[picked[:n_dup]].copy() if n_dup else out.iloc[:0]
    if n_dup:
        dups[_UNIQUE[table]] = out.iloc[rng.integers(len(out), size=n_dup)][
            _UNIQUE[table]
        ].to_numpy()
    out = pd.concat([out.drop(out.index[picked[:n_dup]]), dups], ignore_index=True)
    lines = rng.choice(len(out), size=n_bytes + n_extra, replace=False) + 2
    return out, BrokenRows(
        table,
        len(value_rows),
        n_dup,
        sorted(lines[:n_bytes].tolist()),
        sorted(lines[n_bytes:].tolist()),
    )
