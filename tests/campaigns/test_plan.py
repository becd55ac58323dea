"""Campaign plans: guardrails, the budget, disclosures, the holdout, learned lifts."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advocates.campaigns.incentives import validate_catalogue
from advocates.campaigns.plan import (
    PLAN_COLUMNS,
    CampaignRequest,
    kept_pool,
    plan_and_store,
    plan_assignments,
    plan_campaign,
    plan_on_latest,
)
from advocates.errors import ConfigurationError, NotFoundError
from advocates.pipeline import RunOutcome
from advocates.store import SqliteStore
from tests.helpers import CATALOGUE


def eligible_frame(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n eligible customers; each reaches 10 people of their own plus 5 shared with everyone."""
    ids = [f"c{i:03d}" for i in range(n)]
    eligible = pd.DataFrame(
        {
            "customer_id": ids,
            "p_share": np.linspace(0.2, 0.9, n),
            "engagement_rate": np.linspace(0.01, 0.3, n),
            "sentiment": 0.5,
            "conversion_influence": 0.2,
            "expected_converted_peers": np.linspace(0.5, 3.0, n),
            "value_per_conversion": 60.0,
            "language": [["ro", "fr", "en", None, "de"][i % 5] for i in range(n)],
            "rank_detractor": pd.array([pd.NA] * n, dtype="Int64"),
            "fraud_flag": None,
            "contacts_recent": 0.0,
        }
    )
    audience = pd.DataFrame(
        [(c, f"{c}-{k}") for c in ids for k in range(10)]
        + [(c, f"shared-{k}") for c in ids for k in range(5)],
        columns=["customer_id", "member"],
    )
    return eligible, audience


def test_guardrails_leave_out_detractors_fraud_and_capped_customers_with_reasons() -> None:
    eligible, audience = eligible_frame(30)
    eligible.loc[0, "rank_detractor"] = 4
    eligible.loc[1, "fraud_flag"] = "referral ring"
    eligible.loc[2, "contacts_recent"] = 2
    plan = plan_campaign(
        eligible,
        audience,
        validate_catalogue(CATALOGUE),
        CampaignRequest("conversion", budget=200, advocates=30),
    )
    assert not {"c000", "c001", "c002"} & set(plan.assignments["customer_id"])
    assert plan.excluded.set_index("customer_id")["reason"].to_dict() == {
        "c000": "detractor",
        "c001": "referral fraud: referral ring",
        "c002": "contact cap reached",
    }
    assert plan.totals["excluded"] == {
        "detractor": 1,
        "referral fraud: referral ring": 1,
        "contact cap reached": 1,
    }


def test_plan_stays_within_budget_with_disclosures_in_the_right_language() -> None:
    eligible, audience = eligible_frame(40)
    plan = plan_campaign(
        eligible,
        audience,
        validate_catalogue(CATALOGUE),
        CampaignRequest("conversion", budget=150.0, advocates=40),
    )
    rows = plan.assignments.set_index("customer_id")
    assert rows["expected_cost"].sum() <= 150.0 and plan.totals["budget_left"] >= 0
    treated = rows[~rows["arm"].isin(["holdout", "none"])]
    assert len(treated) > 0
    by_id = CATALOGUE.set_index("incentive_id")
    for _, row in treated.iterrows():
        language = row["language"]
        column = f"disclosure_{language}"
        expected = by_id.at[row["arm"], column if column in by_id.columns else "disclosure_en"]
        assert row["disclosure"] == expected
    assert (rows.loc[rows["arm"].isin(["holdout", "none"]), "expected_cost"] == 0).all()


def test_holdout_is_random_reproducible_and_of_the_asked_share() -> None:
    eligible, audience = eligible_frame(50)
    catalogue = validate_catalogue(CATALOGUE)

    def holdout(seed: int) -> set[str]:
        plan = plan_campaign(
            eligible, audience, catalogue, CampaignRequest("awareness", 100.0, 50, 0.2, seed)
        )
        return set(plan.assignments.loc[plan.assignments["arm"] == "holdout", "customer_id"])

    first = holdout(7)
    assert len(first) == 10 and holdout(7) == first
    assert holdout(8) != first


def test_selection_prefers_new_audiences_over_the_shared_one() -> None:
    eligible, audience = eligible_frame(20)
    plan = plan_campaign(
        eligible,
        audience,
        validate_catalogue(CATALOGUE),
        CampaignRequest("awareness", 0.0, advocates=3),
    )
    gains = plan.assignments["marginal_reach"].tolist()
    p = eligible.set_index("customer_id")["p_share"]
    first = plan.assignments["customer_id"][0]
    assert gains[0] == pytest.approx(15 * p[first])  # its own 10 and the 5 shared people
    assert gains[1] < 15 * p[plan.assignments["customer_id"][1]]  # the shared 5 count less now


def test_learned_lifts_replace_the_priors_for_their_incentives() -> None:
    eligible, audience = eligible_frame(30)
    eligible["lift_both10"] = 0.0  # the test said the two-sided reward does nothing
    plan = plan_campaign(
        eligible, audience, validate_catalogue(CATALOGUE), CampaignRequest("conversion", 500.0, 30)
    )
    assert plan.totals["response_source"] == {
        "both10": "uplift model",
        "friend15": "prior",
        "adv5": "prior",
    }
    assert "both10" not in set(plan.assignments["arm"])


def test_an_incentive_costing_more_than_it_brings_is_not_offered() -> None:
    eligible, audience = eligible_frame(20)
    eligible["value_per_conversion"] = 1.0  # a conversion is worth almost nothing
    plan = plan_campaign(
        eligible,
        audience,
        validate_catalogue(CATALOGUE),
        CampaignRequest("conversion", 10_000.0, 20),
    )
    assert set(plan.assignments["arm"]) <= {"holdout", "none"}
    assert plan.totals["expected_cost"] == 0


def test_without_a_number_of_advocates_the_budget_decides_how_many() -> None:
    eligible, audience = eligible_frame(60)
    catalogue = validate_catalogue(CATALOGUE)
    small = plan_campaign(
        eligible, audience, catalogue, CampaignRequest("conversion", 50.0, None, 0.0)
    )
    large = plan_campaign(
        eligible, audience, catalogue, CampaignRequest("conversion", 400.0, None, 0.0)
    )
    assert 0 < small.totals["advocates"] < large.totals["advocates"]
    for plan, budget in ((small, 50.0), (large, 400.0)):
        assert plan.assignments["expected_cost"].sum() <= budget
        assert (
            plan.assignments["arm"] != "none"
        ).all()  # each was chosen for an incentive it can afford


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"objective": "fame"}, "unknown objective 'fame'"),
        ({"budget": -1.0}, "the budget must be a number from 0 to 1,000,000,000, got -1.0"),
        ({"budget": float("inf")}, "the budget must be a number from 0 to 1,000,000,000"),
        ({"budget": float("nan")}, "the budget must be a number from 0 to 1,000,000,000"),
        ({"budget": 1e308}, "the budget must be a number from 0 to 1,000,000,000"),
        ({"advocates": 0}, "advocates must be at least 1"),
        ({"holdout": 1.0}, "holdout must be a share from 0 to below 1"),
        ({"seed": -1}, "the seed must be a whole number from 0 to 4294967295"),
        ({"seed": 2**32}, "the seed must be a whole number from 0 to 4294967295"),
    ],
)
def test_a_request_is_checked_once_when_it_is_made(fields: dict, message: str) -> None:
    request = {"objective": "awareness", "budget": 100.0, **fields}
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        CampaignRequest(**request)


def stored_size(path: Path) -> int:
    """A SQLite file's size with its write-ahead log moved into it."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def test_disclosures_are_stored_once_per_incentive_and_read_back_per_assignment(
    tmp_path: Path,
) -> None:
    eligible, audience = eligible_frame(60)
    store = SqliteStore(tmp_path / "s.db")
    run = store.begin_run(as_of=pd.Timestamp("2026-11-01", tz="UTC"))
    store.publish(run, scores=eligible.assign(eligible=1), report={}, tables={"audience": audience})
    long = CATALOGUE.copy()
    for column in ("disclosure_en", "disclosure_fr", "disclosure_ro"):
        long[column] = [f"{text} " * (100_000 // len(text)) for text in CATALOGUE[column]]
    catalogue = validate_catalogue(long)
    request = CampaignRequest("conversion", budget=1_000.0, advocates=60)
    before = stored_size(store.path)
    info = plan_and_store(store, catalogue, request)
    grown = stored_size(store.path) - before

    texts = sum(
        len(t.encode()) for c in long.columns if c.startswith("disclosure_") for t in long[c]
    )
    assert info.totals["with_incentive"] >= 30  # copied per row, that would be 3 MB and more
    assert grown < texts + 100_000  # the catalogue once (in the request), and small rows
    page, total = plan_assignments(store, info.plan_id, limit=1_000, offset=0)
    expected = plan_campaign(eligible, audience, catalogue, request).assignments
    assert total == 60 and page.columns.tolist() == PLAN_COLUMNS
    pd.testing.assert_frame_equal(page, expected, check_dtype=False)
    assert (page["disclosure"].str.len() > 90_000).sum() == info.totals["with_incentive"]
    second, _ = plan_assignments(store, info.plan_id, limit=7, offset=10)
    pd.testing.assert_frame_equal(
        second, expected.iloc[10:17].reset_index(drop=True), check_dtype=False
    )


def test_assignments_stored_with_their_disclosures_read_back_as_they_are(tmp_path: Path) -> None:
    """Plans stored when each assignment carried its disclosure are served unchanged."""
    store = SqliteStore(tmp_path / "s.db")
    run = store.begin_run(as_of=pd.Timestamp("2026-11-01", tz="UTC"))
    store.publish(run, scores=pd.DataFrame({"customer_id": ["c0"]}), report={})
    rows = pd.DataFrame(
        [["c0", "adv5", "fr", "as stored", 1.0, 0.5, 2.0, 1.0]], columns=PLAN_COLUMNS
    )
    request = {"catalogue": validate_catalogue(CATALOGUE).to_dict("records")}
    info = store.save_plan(run, request=request, totals={}, assignments=rows)
    page, _ = plan_assignments(store, info.plan_id, limit=10, offset=0)
    assert page.to_dict("records") == rows.to_dict("records")
    with pytest.raises(NotFoundError, match="campaign 'plan-nope' does not exist"):
        plan_assignments(store, "plan-nope", limit=10, offset=0)


def test_a_runs_pool_is_made_once_per_store_version_and_contact_cap(
    scored: tuple[SqliteStore, RunOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = scored
    catalogue = validate_catalogue(CATALOGUE)
    request = CampaignRequest("conversion", budget=500.0, advocates=50)
    run_id, kept = plan_on_latest(store, catalogue, request)
    pool = kept_pool(store, run_id, request.contact_cap)
    assert kept_pool(store, run_id, request.contact_cap) is pool  # kept, not made again
    fresh = plan_campaign(
        store.served(run_id), store.run_table(run_id, "audience"), catalogue, request
    )
    pd.testing.assert_frame_equal(kept.assignments, fresh.assignments)
    assert kept.totals == fresh.totals
    assert kept_pool(store, run_id, request.contact_cap + 1) is not pool  # another cap
    again = kept_pool(store, run_id, request.contact_cap)
    assert again is not pool  # (only the latest pool is kept)
    monkeypatch.setattr(store, "version", lambda: -1)  # a block or an erasure
    assert kept_pool(store, run_id, request.contact_cap) is not again
