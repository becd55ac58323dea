from __future__ import annotations

import numpy as np
import pandas as pd

from advocates.demo import generate_demo_tables
from advocates.demo.population import iso, missing_unless, numbered, texts


def test_iso_is_numpys_iso_8601_in_utc() -> None:
    rng = np.random.default_rng(0)
    start = np.datetime64("1969-12-30T00:00:00")
    instants = start + rng.integers(0, 60 * 365 * 86400, 5000).astype("timedelta64[s]")
    instants[:2] = [np.datetime64("1970-01-01T00:00:00"), np.datetime64("2026-11-01T23:59:59")]
    expected = np.datetime_as_string(instants, unit="s", timezone="UTC")
    formatted = iso(instants)
    assert formatted.dtype == "str"
    assert list(formatted) == expected.tolist()
    assert len(iso(np.array([], dtype="datetime64[s]"))) == 0


def test_numbered_pads_and_never_truncates() -> None:
    assert list(numbered("R", 3, width=2, start=98)) == ["R98", "R99", "R100"]
    assert list(numbered("F", 0)) == []


def test_missing_unless_leaves_missing_values_where_told() -> None:
    column = pd.Series(missing_unless(np.array([True, False]), texts(["a", "b"])))
    assert column.dtype == "str"
    assert column.iloc[0] == "a"
    assert pd.isna(column.iloc[1])


def test_edges_are_distinct_follows_ordered_by_follower() -> None:
    edges = generate_demo_tables(customers=500, seed=3)["edges"]
    assert not edges.duplicated(["network", "source", "target"]).any()
    assert (edges["source"] != edges["target"]).all()
    for _, network in edges.groupby("network", sort=False):
        number = network["source"].str.split("_").str[-1].astype(int)
        assert number.is_monotonic_increasing
