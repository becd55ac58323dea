"""A deterministic generator of realistic demo data for all nine input tables.

Every customer has hidden traits (:mod:`advocates.demo.population`); the brand's own tables
(:mod:`advocates.demo.shop`) and what the social networks show (:mod:`advocates.demo.social`) are
drawn from them, so a good model can recover who the advocates are and a bad one (follower count)
cannot. A few cases of referral fraud are planted (:mod:`advocates.demo.fraud`), and
:func:`advocates.demo.broken.break_rows` corrupts a share of rows in the ways real exports break.

Examples
--------
>>> tables = generate_demo_tables(customers=200, seed=1, end="2026-11-01")
>>> sorted(tables)  # doctest: +NORMALIZE_WHITESPACE
['accounts', 'customers', 'edges', 'exposures', 'interactions', 'mentions', 'orders',
 'referrals', 'reviews']
>>> len(tables["customers"])
200
"""

from __future__ import annotations

import pandas as pd

from advocates.demo.fraud import plant_fraud
from advocates.demo.population import make_population
from advocates.demo.shop import (
    customers_table,
    exposures_table,
    orders_table,
    referrals_table,
    reviews_table,
)
from advocates.demo.social import interactions_table, mentions_table, social_graph

__all__ = ["generate_demo_tables"]


def generate_demo_tables(
    *, customers: int = 5000, seed: int = 0, end: str = "2026-11-01"
) -> dict[str, pd.DataFrame]:
    """Generate the nine input tables for ``customers`` customers, ending at ``end`` (UTC).

    The same arguments always give the same tables.
    """
    pop = make_population(customers=customers, seed=seed, end=end)
    # Every table draws from the population's one generator in turn: this order is part of the
    # data, and changing it changes every table generated after the change.
    customers_frame = customers_table(pop)
    orders = orders_table(pop)
    accounts, edges, graph = social_graph(pop)
    interactions = interactions_table(pop, graph)
    mentions = mentions_table(pop, graph["x"].nodes)
    reviews = reviews_table(pop, orders)
    referrals = referrals_table(pop)
    exposures = exposures_table(pop)
    made = {
        "customers": customers_frame,
        "orders": orders,
        "accounts": accounts,
        "edges": edges,
        "interactions": interactions,
        "mentions": mentions,
        "reviews": reviews,
        "referrals": referrals,
        "exposures": exposures,
    }
    # Last, from a generator of its own: the tables above are the same with or without it.
    return plant_fraud(made, seed=seed, end=end)[0]
