"""How recent the input is, against the date a run scores as of.

A run scores what customers did up to its date: recency, the recent window's shares and invites,
sentiment weighted by age. Input whose newest activity is long before that date (a historical
data set scored without ``--as-of``) scores every customer 0 and ranks them by id, silently. So a
run refuses input whose newest order, interaction, mention, review or referral is more than
``ADVOCATES_MAX_INPUT_AGE_DAYS`` before its date (:func:`check_fresh`), and ``--as-of latest``
scores as of the newest activity (:func:`newest_activity`).

>>> tables = {"orders": pd.DataFrame({"ordered_at": pd.to_datetime(["2021-03-04"], utc=True)})}
>>> newest_activity(tables)
('orders', Timestamp('2021-03-04 00:00:00+0000', tz='UTC'))
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from advocates.errors import InputError

__all__ = ["ACTIVITY", "StaleInputError", "check_fresh", "newest_activity"]

#: The tables that record what customers did, with the time of each row.
ACTIVITY = {
    "orders": "ordered_at",
    "interactions": "occurred_at",
    "mentions": "posted_at",
    "reviews": "created_at",
    "referrals": "invited_at",
}
_WHAT = {
    "orders": "an order",
    "interactions": "an interaction",
    "mentions": "a mention",
    "reviews": "a review",
    "referrals": "a referral",
}


class StaleInputError(InputError):
    """The input's newest activity is too long before the run's date (or after it all)."""


def newest_activity(
    tables: Mapping[str, pd.DataFrame], *, until: pd.Timestamp | None = None
) -> tuple[str, pd.Timestamp] | None:
    """The table and time of the newest activity (at or before ``until``, when given), or
    ``None`` when there is none."""
    found: list[tuple[pd.Timestamp, str]] = []
    for name, column in ACTIVITY.items():
        if name in tables and column in tables[name] and len(tables[name]):
            times = tables[name][column]
            newest = (times[times <= until] if until is not None else times).max()
            if pd.notna(newest):
                found.append((pd.Timestamp(newest), name))
    if not found:
        return None
    at, name = max(found)
    return name, at


def check_fresh(
    tables: Mapping[str, pd.DataFrame], *, as_of: pd.Timestamp, max_age_days: int
) -> None:
    """StaleInputError when the newest activity at or before ``as_of`` is more than
    ``max_age_days`` before it, or when all activity is after it. Input with no activity at
    all (customers alone) passes: there is nothing to date it by."""
    if newest_activity(tables) is None:
        return
    found = newest_activity(tables, until=as_of)
    day = as_of.date().isoformat()
    if found is None:
        first, name = min(
            (tables[n][c].dropna().min(), n)
            for n, c in ACTIVITY.items()
            if n in tables and c in tables[n] and tables[n][c].notna().any()
        )
        raise StaleInputError(
            f"the input has no activity on or before the run date {day}: its first is "
            f"{_WHAT[name]} on {pd.Timestamp(first).date()}; score it with --as-of latest or a "
            "later --as-of"
        )
    name, newest = found
    age = (as_of - newest) / pd.Timedelta(days=1)
    if age > max_age_days:
        raise StaleInputError(
            f"the input's newest activity is {_WHAT[name]} on {newest.date()}, {age:,.0f} days "
            f"before the run date {day} (ADVOCATES_MAX_INPUT_AGE_DAYS is {max_age_days}): every "
            f"score would be 0. Score it as of its own date with --as-of {newest.date()} (or "
            "--as-of latest), or raise ADVOCATES_MAX_INPUT_AGE_DAYS"
        )
