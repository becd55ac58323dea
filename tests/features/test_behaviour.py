"""Behaviour features: referral conversion shrunk toward the pooled rate by its Beta prior."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.data.contract import empty_table
from advocates.data.identity import link_customers
from advocates.features.behaviour import behaviour_features, beta_prior

T = pd.Timestamp("2024-06-01", tz="UTC")


def test_conversion_influence_shrinks_one_lucky_invite() -> None:
    typical = [f"t{i}" for i in range(10)]  # ten referrers, 1 of 10 invites converted each
    customers = pd.DataFrame({"customer_id": ["lucky", "steady", "new", *typical]})
    rows = [("lucky", True)] + [("steady", i < 12) for i in range(20)]
    rows += [(t, i == 0) for t in typical for i in range(10)]
    referrals = pd.DataFrame(
        {
            "referrer_customer_id": [who for who, _ in rows],
            "invited_at": [T - pd.Timedelta(days=10)] * len(rows),
            "converted_customer_id": ["x" if won else None for _, won in rows],
            "converted_at": [T - pd.Timedelta(days=5) if won else pd.NaT for _, won in rows],
        }
    )
    links = link_customers(empty_table("accounts"))
    f = behaviour_features(
        customers=customers,
        links=links,
        interactions=empty_table("interactions"),
        referrals=referrals,
        as_of=T,
        recent_days=90,
    )
    influence = f["conversion_influence"]
    assert f.loc["lucky", "invites_converted"] == 1
    assert influence["lucky"] < 0.5  # 1 of 1 is not a 100% star
    assert influence["new"] < influence["steady"] < 0.6  # 12 of 20 stands out, shrunk a little
    assert influence["new"] == pytest.approx(23 / 121, abs=0.02)  # no invites: the pooled rate


def test_beta_prior_without_data_is_weak() -> None:
    assert beta_prior(np.array([]), np.array([])) == (1.0, 9.0)


def test_conversions_are_counted_per_window_and_peers_once() -> None:
    """What the peer-conversion model learns from: conversions in the recent window, in the
    window before, and distinct peers ever converted (one friend converting twice is one)."""
    day = pd.Timedelta(days=1)
    rows = [  # referrer, converted peer, converted so many days before T (None: not converted)
        ("ann", "p1", 10),
        ("ann", "p1", 20),  # the same friend again, in the recent window
        ("ann", "p2", 120),  # the window before (90 to 180 days)
        ("ann", "p3", 400),  # long ago
        ("ann", None, None),
        ("bob", "p4", -5),  # after the run's date: not yet
    ]
    referrals = pd.DataFrame(
        {
            "referrer_customer_id": [r for r, _, _ in rows],
            "invited_at": [T - 500 * day] * len(rows),
            "converted_customer_id": [p for _, p, _ in rows],
            "converted_at": [T - d * day if d is not None else pd.NaT for _, _, d in rows],
        }
    )
    f = behaviour_features(
        customers=pd.DataFrame({"customer_id": ["ann", "bob", "cy"]}),
        links=link_customers(empty_table("accounts")),
        interactions=empty_table("interactions"),
        referrals=referrals,
        as_of=T,
        recent_days=90,
    )
    assert f["conversions_recent"].to_dict() == {"ann": 2, "bob": 0, "cy": 0}
    assert f["conversions_previous"].to_dict() == {"ann": 1, "bob": 0, "cy": 0}
    assert f["converted_peers"].to_dict() == {"ann": 3, "bob": 0, "cy": 0}
    assert f.loc["ann", "invites_converted"] == 4


def test_shares_count_for_the_customer_owning_the_sharing_account() -> None:
    """A share counts for the customer whose account shared it (any of their networks); a share
    by a handle no customer owns, or by a customer outside the list, counts for nobody."""
    day = pd.Timedelta(days=1)
    accounts = pd.DataFrame(
        {
            "customer_id": ["ann", "ann", "bob", "gone"],
            "network": ["x", "instagram", "x", "x"],
            "handle": ["ann", "ann", "bob", "gone"],
        }
    )
    shares = [  # network, actor, days before T
        ("x", "ann", 10),
        ("instagram", "ann", 200),  # ann's other account, before the recent window
        ("x", "bob", -1),  # after the run's date: not yet
        ("x", "stranger", 1),  # nobody's account
        ("instagram", "bob", 1),  # bob has no instagram account
        ("x", "gone", 1),  # a customer not in the list
    ]
    interactions = pd.DataFrame(
        {
            "network": [n for n, _, _ in shares],
            "actor": [a for _, a, _ in shares],
            "kind": "share",
            "occurred_at": [T - d * day for _, _, d in shares],
        }
    )
    f = behaviour_features(
        customers=pd.DataFrame({"customer_id": ["ann", "bob", "cy"]}),
        links=link_customers(accounts),
        interactions=interactions,
        referrals=empty_table("referrals"),
        as_of=T,
        recent_days=90,
    )
    assert f["shares_total"].to_dict() == {"ann": 2, "bob": 0, "cy": 0}
    assert f["shares_recent"].to_dict() == {"ann": 1, "bob": 0, "cy": 0}
