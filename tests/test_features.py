from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.data.contract import empty_table
from advocates.data.identity import link_customers
from advocates.features.behaviour import behaviour_features, beta_prior
from advocates.features.listening import listening_features

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


def test_sentiment_is_recency_weighted_and_keeps_the_worst_text() -> None:
    customers = pd.DataFrame({"customer_id": ["a", "b"]})
    evidence = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a"],
            "kind": ["review", "mention", "mention"],
            "id": ["r1", "m1", "m_future"],
            "at": [T - pd.Timedelta(days=720), T - pd.Timedelta(days=3), T + pd.Timedelta(days=1)],
            "text": ["great", "awful service", "after as-of"],
            "sentiment": [1.0, -1.0, 1.0],
        }
    )
    f = listening_features(
        customers=customers, evidence=evidence, as_of=T, half_life_days=180, recent_days=90
    )
    assert f.loc["a", "sentiment"] < -0.8  # the recent complaint outweighs a two-year-old review
    assert f.loc["a", "negative_mentions_recent"] == 1
    assert f.loc["a", "worst_text_id"] == "m1"
    assert f.loc["b", "sentiment"] == 0.0
    assert f.loc["b", "sentiment_evidence"] == 0


def test_fraud_flags_with_missing_identifiers_and_fast_inviters() -> None:
    from advocates.features.fraud import fraud_flags

    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "email": [None, None, "c@x.com"],
            "device_id": ["d1", "d1", None],
        }
    )
    invites = pd.DataFrame(
        {
            "referrer_customer_id": ["a"] + ["c"] * 4,
            "converted_customer_id": ["b", None, None, None, None],
            "invited_at": [T] * 5,
        }
    )
    flags = fraud_flags(customers=customers, referrals=invites, as_of=T, max_invites_per_day=3)
    assert flags.to_dict() == {
        "a": "self-referral (shared device_id)",
        "b": None,
        "c": "more than 3 invites in one day",
    }
