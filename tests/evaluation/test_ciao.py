"""The Ciao importer: the mapping onto the contract, on a small hand-made Ciao folder."""

from __future__ import annotations

import pandas as pd
import pytest

from advocates.errors import InputError
from advocates.evaluation.ciao import ciao_tables
from tests.helpers import CATEGORIES, RATINGS, TRUST, ratings_frame, trust_frame


def test_mapping_onto_the_contract() -> None:
    tables = ciao_tables(ratings_frame(), trust_frame(), CATEGORIES)
    customers = tables["customers"].set_index("customer_id")
    assert list(customers.index) == ["u1", "u2", "u3", "u4"]
    assert customers["marketing_consent"].all()
    assert str(customers.loc["u1", "created_at"].date()) == "2007-01-10"
    assert len(tables["orders"]) == len(RATINGS) and (tables["orders"]["amount"] == 1.0).all()
    assert set(tables["orders"]["category"]) == {"DVDs", "Books"}
    assert len(tables["reviews"]) == len(RATINGS) - 1  # the 0-star rating is an order only
    assert tables["edges"][["source", "target"]].values.tolist() == [list(t) for t in TRUST]
    assert set(tables["interactions"]["actor"]) == {"u1", "u2", "u3"}  # u4 is not in the graph
    referrals = tables["referrals"]
    assert referrals[["referrer_customer_id", "converted_customer_id"]].values.tolist() == [
        ["u1", "u2"],
        ["u1", "u2"],
    ]
    assert [str(d.date()) for d in referrals["converted_at"]] == ["2007-02-01", "2008-07-01"]


def test_until_leaves_out_the_future_referrals_included() -> None:
    tables = ciao_tables(
        ratings_frame(), trust_frame(), CATEGORIES, until=pd.Timestamp("2008-01-01", tz="UTC")
    )
    assert len(tables["orders"]) == 7
    assert len(tables["referrals"]) == 1


def test_bad_dates_are_named_with_their_row() -> None:
    ratings = ratings_frame()
    ratings.loc[2, "date_utc"] = "yesterday"
    with pytest.raises(InputError, match=r"ratings.csv.gz: row 4, column 'date_utc': 'yesterday'"):
        ciao_tables(ratings, trust_frame(), CATEGORIES)
