from __future__ import annotations

import pandas as pd

from advocates.demo import break_rows, generate_demo_tables


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


def test_audiences_are_heavy_tailed() -> None:
    edges = generate_demo_tables(customers=2000, seed=1)["edges"]
    audience = edges.groupby(["network", "target"]).size()
    assert audience.max() > 20 * audience.median()


def test_broken_rows_are_about_the_fraction_asked() -> None:
    orders = generate_demo_tables(customers=500, seed=2)["orders"]
    broken, how = break_rows("orders", orders, fraction=0.1, seed=2)
    assert len(broken) == len(orders)
    assert how.total == round(0.1 * len(orders))
    assert how.duplicates > 0 and how.extra_field_lines
