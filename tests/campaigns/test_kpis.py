from __future__ import annotations

import pandas as pd
import pytest

from advocates.campaigns.kpis import campaign_result, kpis_over_time
from advocates.data.events import check_events
from advocates.errors import ConfigurationError
from advocates.store import PlanInfo

PLAN = PlanInfo(
    plan_id="plan-1",
    run_id="run-1",
    created_at="2026-11-02T00:00:00+00:00",
    request={
        "catalogue": [
            {"incentive_id": "DUO", "advocate_reward": 10, "friend_reward": 5},
            {"incentive_id": "ADV", "advocate_reward": 4, "friend_reward": 0},
        ]
    },
    totals={"advocates": 6, "holdout": 2, "expected_conversions": 2.5, "expected_cost": 30.0},
)
ASSIGNMENTS = pd.DataFrame(
    {
        "customer_id": ["a1", "a2", "a3", "a4", "h1", "h2"],
        "arm": ["DUO", "DUO", "ADV", "none", "holdout", "holdout"],
    }
)


def event(i: str, type_: str, who: str, day: str, **more: object) -> dict:
    return {"event_id": i, "type": type_, "customer_id": who, "occurred_at": day, **more}


EVENTS, _ = check_events(
    [
        event("s1", "share", "a1", "2026-11-02", campaign_id="plan-1"),
        event("s2", "share", "a2", "2026-11-10", campaign_id="plan-1"),
        event("k1", "click", "a1", "2026-11-03", campaign_id="plan-1"),
        event("c1", "conversion", "a1", "2026-11-03", campaign_id="plan-1", incentive_id="DUO",
              friend_customer_id="f1", order_id="o1", amount=100),
        event("c2", "conversion", "a3", "2026-11-11", campaign_id="plan-1", incentive_id="ADV",
              friend_customer_id="f2", order_id="o2", amount=40),
        event("r2", "refund", "f2", "2026-11-12", order_id="o2"),
        event("c3", "conversion", "h1", "2026-11-04", friend_customer_id="f3", amount=30),
        event("old", "conversion", "a2", "2026-10-01", friend_customer_id="f4", amount=10),
    ]
)  # fmt: skip
ASKED = pd.DataFrame(
    {"plan_id": ["plan-1"], "created_at": pd.to_datetime(["2026-11-02"], utc=True), "treated": [4]}
)


def test_kpis_per_week_count_reach_sharing_and_money() -> None:
    weeks = kpis_over_time(
        events=EVENTS,
        plans=[PLAN],
        asked=ASKED,
        start=pd.Timestamp("2026-11-02", tz="UTC"),
        end=pd.Timestamp("2026-11-15T23:59", tz="UTC"),
        granularity="week",
    ).set_index("period")
    assert weeks.index.tolist() == ["2026-11-02/2026-11-08", "2026-11-09/2026-11-15"]
    first, second = weeks.iloc[0], weeks.iloc[1]
    assert first["advocates_asked"] == 4 and second["advocates_asked"] == 0
    assert (first["shares"], first["clicks"], first["conversions"]) == (1, 1, 2)
    assert first["revenue"] == 130.0 and first["rewards_earned"] == 1
    assert first["incentive_cost"] == 15.0 and first["roi"] == pytest.approx((130 - 15) / 15)
    assert (second["conversions"], second["rewards_voided"], second["rewards_earned"]) == (1, 1, 0)
    assert second["incentive_cost"] == 0.0 and pd.isna(second["roi"])


def test_one_campaign_counts_only_its_own_events() -> None:
    days = kpis_over_time(
        events=EVENTS,
        plans=[PLAN],
        asked=ASKED,
        start=pd.Timestamp("2026-11-01", tz="UTC"),
        end=pd.Timestamp("2026-11-30", tz="UTC"),
        granularity="month",
        campaign_id="plan-1",
    )
    assert days["conversions"].tolist() == [2] and days["revenue"].tolist() == [140.0]


def test_a_campaign_is_measured_against_its_holdout_and_its_plan() -> None:
    result = campaign_result(plan=PLAN, assignments=ASSIGNMENTS, events=EVENTS)
    overall = result["incrementality"]
    assert (overall["treated"], overall["holdout"]) == (4, 2)
    assert overall["treated_rate"] == 0.5 and overall["holdout_rate"] == 0.5
    assert overall["incremental_rate"] == 0.0
    low, high = overall["ci95"]
    assert low < 0 < high  # two holdout advocates say little
    assert result["per_arm"]["DUO"]["treated_rate"] == 0.5  # a2's conversion came before the plan
    assert result["per_arm"]["none"]["treated_rate"] == 0.0
    assert result["expected"]["conversions"] == 2.5
    assert result["actual"] == {
        "conversions": 2,
        "revenue": 140.0,
        "incentive_cost": 15.0,
        "rewards_voided": 1,
    }


@pytest.mark.parametrize(
    ("granularity", "end", "message"),
    [
        ("hour", "2026-11-30", "granularity must be one of"),
        ("week", "2026-10-01", "is before"),
        ("day", "2030-01-01", "is more than 1,000"),
    ],
)
def test_bad_periods_are_refused(granularity: str, end: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        kpis_over_time(
            events=EVENTS,
            plans=[PLAN],
            asked=ASKED,
            start=pd.Timestamp("2026-11-01", tz="UTC"),
            end=pd.Timestamp(end, tz="UTC"),
            granularity=granularity,
        )
