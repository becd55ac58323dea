from __future__ import annotations

from advocates.demo import break_rows, generate_demo_tables


def test_broken_rows_are_about_the_fraction_asked() -> None:
    orders = generate_demo_tables(customers=500, seed=2)["orders"]
    broken, how = break_rows("orders", orders, fraction=0.1, seed=2)
    assert len(broken) == len(orders)
    assert how.total == round(0.1 * len(orders))
    assert how.duplicates > 0 and how.extra_field_lines
