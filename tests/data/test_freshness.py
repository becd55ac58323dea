"""Input older than the run's date is refused with the date to score it as of."""

from __future__ import annotations

import pandas as pd
import pytest

from advocates.data.freshness import StaleInputError, check_fresh, newest_activity


def _times(*days: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(days), utc=True))


TABLES = {
    "orders": pd.DataFrame({"ordered_at": _times("2021-03-01", "2021-03-04")}),
    "reviews": pd.DataFrame({"created_at": _times("2021-02-01", None)}),
    "referrals": pd.DataFrame({"invited_at": _times()}),
    "customers": pd.DataFrame({"created_at": _times("2026-11-20")}),  # not activity
}
DAY = pd.Timestamp("2021-03-04", tz="UTC")


def test_the_newest_activity_is_found_across_tables_and_before_a_date() -> None:
    assert newest_activity(TABLES) == ("orders", DAY)
    assert newest_activity(TABLES, until=pd.Timestamp("2021-03-02", tz="UTC")) == (
        "orders",
        pd.Timestamp("2021-03-01", tz="UTC"),
    )
    assert newest_activity({"customers": TABLES["customers"]}) is None


def test_input_within_the_age_passes_and_older_input_names_its_date() -> None:
    check_fresh(TABLES, as_of=DAY + pd.Timedelta(days=7), max_age_days=7)
    with pytest.raises(StaleInputError) as stale:
        check_fresh(TABLES, as_of=pd.Timestamp("2026-11-25", tz="UTC"), max_age_days=7)
    message = str(stale.value)
    assert "newest activity is an order on 2021-03-04, 2,092 days before" in message
    assert "--as-of 2021-03-04 (or --as-of latest)" in message


def test_input_that_all_happens_after_the_date_is_refused() -> None:
    with pytest.raises(StaleInputError, match="no activity on or before the run date 2020-01-01"):
        check_fresh(TABLES, as_of=pd.Timestamp("2020-01-01", tz="UTC"), max_age_days=7)


def test_customers_alone_cannot_be_dated_and_pass() -> None:
    check_fresh({"customers": TABLES["customers"]}, as_of=DAY, max_age_days=0)
