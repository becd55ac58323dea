"""Listening features: a customer's recency-weighted sentiment and their worst text."""

from __future__ import annotations

import pandas as pd

from advocates.features.listening import listening_features

T = pd.Timestamp("2024-06-01", tz="UTC")


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
    assert f.loc["a", "worst_text_at"] == evidence.loc[1, "at"]  # the customer-care queue's age
    assert pd.isna(f.loc["b", "worst_text_at"])
    assert f.loc["b", "sentiment"] == 0.0
    assert f.loc["b", "sentiment_evidence"] == 0
