"""Referral-fraud flags: shared identifiers and implausible invite velocity."""

from __future__ import annotations

import pandas as pd

from advocates.features.fraud import fraud_flags

T = pd.Timestamp("2024-06-01", tz="UTC")


def test_fraud_flags_with_missing_identifiers_and_fast_inviters() -> None:
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
