"""The demo plants referral fraud, and the guardrails find it as they would in real data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from advocates.demo import generate_demo_tables
from advocates.demo.fraud import BURST_INVITES, plant_fraud
from advocates.pipeline import ScoringParams, run_nightly
from advocates.store import SqliteStore
from advocates.store.common import scores_table
from tests.helpers import AS_OF, END, write_demo


def test_planting_adds_each_kind_and_leaves_the_rest_of_the_demo_as_it_was() -> None:
    tables = generate_demo_tables(customers=4000, seed=5, end=END)
    made, planted = plant_fraud(tables, seed=5, end=END)  # planted twice: same rows again
    assert planted.counts() == {"self_referral": 2, "referral_ring": 6, "invite_burst": 2}
    referrals = made["referrals"]
    # Planted on top of the demo's own planting: 2 self-referrals, 2 rings of 3 referrals and
    # 2 bursts of BURST_INVITES invites more, under new ids.
    assert len(referrals) == len(tables["referrals"]) + 2 + 2 * 3 + 2 * BURST_INVITES
    assert referrals["referral_id"].is_unique
    for name in ("orders", "edges", "mentions", "exposures"):
        assert made[name] is tables[name]
    burst = referrals[referrals["referrer_customer_id"] == planted.invite_burst[0]]
    day = pd.to_datetime(burst["invited_at"]).dt.floor("D")
    assert day.value_counts().max() >= BURST_INVITES
    emails = made["customers"].set_index("customer_id")["email"]
    friend = (
        referrals.loc[
            referrals["referrer_customer_id"] == planted.self_referral[0], "converted_customer_id"
        ]
        .dropna()
        .iloc[-1]
    )
    assert emails[friend].strip().lower() == emails[planted.self_referral[0]].lower()


@pytest.mark.slow  # a run of its own: the session's demo breaks rows, which can break a ring
def test_the_scored_demo_flags_every_kind_of_planted_fraud(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    outcome = run_nightly(
        input_dir=write_demo(tmp_path / "in"),
        store=store,
        params=ScoringParams(as_of=AS_OF),
        rejects_dir=tmp_path / "rejects",
        max_reject_share=0.05,
    )
    with sqlite3.connect(store.path) as con:
        flags = pd.read_sql(
            f"SELECT customer_id, fraud_flag FROM {scores_table(outcome.run_id)} "
            "WHERE fraud_flag IS NOT NULL",
            con,
        ).set_index("customer_id")["fraud_flag"]
    reasons = flags.str.split(" \\(").str[0].value_counts().to_dict()
    assert reasons == {"referral ring": 3, "self-referral": 1, "more than 50 invites in one day": 1}
