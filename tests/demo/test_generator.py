from __future__ import annotations

import pandas as pd
import pytest

from advocates.data.contract import TABLES
from advocates.demo import generate_demo_tables


def test_same_seed_same_data_and_customers_link_to_graph() -> None:
    a = generate_demo_tables(customers=300, seed=4, end="2026-11-01")
    b = generate_demo_tables(customers=300, seed=4, end="2026-11-01")
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert set(a["accounts"]["customer_id"]) <= set(a["customers"]["customer_id"])
    handles = set(a["accounts"]["handle"])
    assert handles & set(a["edges"]["target"])  # customers are in the graph
    assert set(a["edges"]["source"]) - handles  # and so are people who are not customers
    assert set(a["mentions"]["language"]) == {"en", "fr", "ro"}
    assert set(a["exposures"]["arm"]) >= {"control"}
    assert a["customers"]["do_not_contact"].eq("true").any()


def test_every_table_has_the_contracts_columns_in_order() -> None:
    tables = generate_demo_tables(customers=300, seed=4, end="2026-11-01")
    assert set(tables) == set(TABLES)
    for name, frame in tables.items():
        assert list(frame.columns) == [c.name for c in TABLES[name].columns], name
        assert len(frame) > 0, name


def test_tables_drawn_from_one_population_agree() -> None:
    t = generate_demo_tables(customers=300, seed=4, end="2026-11-01")
    customers, orders, edges = t["customers"], t["orders"], t["edges"]
    ids = set(customers["customer_id"])
    assert set(t["referrals"]["referrer_customer_id"]) | set(t["exposures"]["customer_id"]) <= ids
    joined = orders.merge(customers[["customer_id", "created_at"]], on="customer_id")
    assert len(joined) == len(orders)
    assert (joined["ordered_at"] >= joined["created_at"]).all()  # no order before sign-up
    completed = orders.loc[orders["status"] == "completed", "customer_id"]
    assert set(t["reviews"]["customer_id"]) <= set(completed)  # reviews are of completed orders
    interactions = t["interactions"]
    shares = interactions[interactions["kind"] == "share"]
    reactions = interactions[interactions["kind"] != "share"]
    accounts = set(zip(t["accounts"]["network"], t["accounts"]["handle"], strict=True))
    assert set(zip(shares["network"], shares["actor"], strict=True)) <= accounts
    assert (shares["actor"] == shares["target"]).all()
    follows = set(zip(edges["network"], edges["source"], edges["target"], strict=True))
    assert len(reactions) > 0  # followers react to what customers share
    assert (
        set(zip(reactions["network"], reactions["actor"], reactions["target"], strict=True))
        <= follows
    )


def test_too_few_customers_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 10"):
        generate_demo_tables(customers=9)


def test_audiences_are_heavy_tailed() -> None:
    edges = generate_demo_tables(customers=2000, seed=1)["edges"]
    audience = edges.groupby(["network", "target"]).size()
    assert audience.max() > 20 * audience.median()
