"""Program KPIs over time, and a campaign's result against its holdout and its plan.

Reach, sharing and monetisation per period, from the outcome events and the stored plans:
advocates asked (treated assignments of the plans made in the period), shares, invites, clicks,
conversions, revenue, rewards earned and voided (a conversion with an incentive earns its two
rewards unless a refund event names its order), incentive cost and ROI ((revenue − cost) / cost).

For one campaign, incrementality: the share of treated advocates with at least one conversion
after the plan was made, against the same share among the holdout advocates (who were never
asked), with a 95% confidence interval of the difference (normal approximation of two
independent proportions), overall and per incentive arm; and what happened beside what the plan
expected (conversions, cost).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from advocates.errors import ConfigurationError
from advocates.store import PlanInfo, Store

__all__ = ["GRANULARITIES", "KPI_COLUMNS", "campaign_result", "kpis_over_time", "program_kpis"]

GRANULARITIES = {"day": "D", "week": "W", "month": "M"}
#: Most periods one answer holds.
MAX_PERIODS = 1000
KPI_COLUMNS = [
    "period",
    "advocates_asked",
    "shares",
    "invites",
    "clicks",
    "conversions",
    "revenue",
    "rewards_earned",
    "rewards_voided",
    "incentive_cost",
    "roi",
]


def _reward_cost(plans: Sequence[PlanInfo]) -> dict[tuple[str, str], float]:
    """(campaign id, incentive id) → the two rewards of that incentive in that campaign."""
    return {
        (plan.plan_id, str(item["incentive_id"])): float(item["advocate_reward"] or 0)
        + float(item["friend_reward"] or 0)
        for plan in plans
        for item in plan.request.get("catalogue", [])
    }


def _conversions(
    events: pd.DataFrame, plans: Sequence[PlanInfo], *, refunded: set[str]
) -> pd.DataFrame:
    """Conversion events with their reward cost and whether a refund of their order (at any
    time, in any campaign) voided them."""
    conversions = events[events["type"] == "conversion"]
    costs = _reward_cost(plans)
    cost = [
        costs.get((str(c), str(i)), 0.0) if isinstance(i, str) else 0.0
        for c, i in zip(conversions["campaign_id"], conversions["incentive_id"], strict=True)
    ]
    voided = conversions["order_id"].isin(refunded) & conversions["order_id"].notna()
    return conversions.assign(reward_cost=cost, voided=voided.to_numpy())


def _refunded(events: pd.DataFrame) -> set[str]:
    return set(events.loc[events["type"] == "refund", "order_id"].dropna())


def kpis_over_time(
    *,
    events: pd.DataFrame,
    plans: Sequence[PlanInfo],
    asked: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    granularity: str = "week",
    campaign_id: str | None = None,
) -> pd.DataFrame:
    """One row of :data:`KPI_COLUMNS` per period from ``start`` to ``end`` (inclusive), empty
    periods included. ``asked`` holds ``plan_id, created_at, treated`` per plan (how many of its
    advocates were asked); with ``campaign_id`` only that campaign's events and plan count."""
    if granularity not in GRANULARITIES:
        raise ConfigurationError(
            f"granularity must be one of {', '.join(GRANULARITIES)}, got {granularity!r}"
        )
    if end < start:
        raise ConfigurationError(f"'to' ({end.date()}) is before 'from' ({start.date()})")
    freq = GRANULARITIES[granularity]
    refunded = _refunded(events)
    if campaign_id is not None:
        events = events[events["campaign_id"] == campaign_id]
        asked = asked[asked["plan_id"] == campaign_id]
    events = events[(events["occurred_at"] >= start) & (events["occurred_at"] <= end)]
    asked = asked[(asked["created_at"] >= start) & (asked["created_at"] <= end)]
    naive = events.assign(period=events["occurred_at"].dt.tz_localize(None).dt.to_period(freq))
    periods = pd.period_range(start.tz_localize(None), end.tz_localize(None), freq=freq)
    if len(periods) > MAX_PERIODS:
        raise ConfigurationError(
            f"{len(periods):,} {granularity}s from {start.date()} to {end.date()} is more than "
            f"{MAX_PERIODS:,}: narrow 'from' and 'to' or choose a longer granularity"
        )
    by_type = naive.groupby(["period", "type"]).size().unstack(fill_value=0)
    conversions = _conversions(naive, plans, refunded=refunded)
    earned = conversions[~conversions["voided"] & (conversions["reward_cost"] > 0)]
    voided = conversions[conversions["voided"] & (conversions["reward_cost"] > 0)]
    asked_per = (
        asked.assign(period=asked["created_at"].dt.tz_localize(None).dt.to_period(freq))
        .groupby("period")["treated"]
        .sum()
    )

    def per_period(series: pd.Series) -> list[float]:
        return series.reindex(periods, fill_value=0).astype(float).tolist()

    def count(kind: str) -> list[float]:
        return per_period(by_type[kind]) if kind in by_type else [0.0] * len(periods)

    revenue = per_period(conversions.groupby("period")["amount"].sum(min_count=1).fillna(0.0))
    cost = per_period(earned.groupby("period")["reward_cost"].sum())
    frame = pd.DataFrame(
        {
            "period": [str(p) for p in periods],
            "advocates_asked": per_period(asked_per),
            "shares": count("share"),
            "invites": count("invite"),
            "clicks": count("click"),
            "conversions": count("conversion"),
            "revenue": revenue,
            "rewards_earned": per_period(earned.groupby("period").size()),
            "rewards_voided": per_period(voided.groupby("period").size()),
            "incentive_cost": cost,
            "roi": [(r - c) / c if c > 0 else None for r, c in zip(revenue, cost, strict=True)],
        }
    )
    counts = [c for c in KPI_COLUMNS if c not in ("period", "revenue", "incentive_cost", "roi")]
    return frame.astype({c: "int64" for c in counts})[KPI_COLUMNS]


def _rate_difference(treated: pd.Series, holdout: pd.Series) -> dict[str, Any]:
    """Conversion rates of two groups (booleans per advocate), their difference and its 95% CI."""
    n1, n0 = len(treated), len(holdout)
    p1 = float(treated.mean()) if n1 else None
    p0 = float(holdout.mean()) if n0 else None
    result: dict[str, Any] = {
        "treated": n1,
        "holdout": n0,
        "treated_rate": p1,
        "holdout_rate": p0,
        "incremental_rate": None,
        "ci95": None,
    }
    if p1 is None or p0 is None:
        return result
    diff = p1 - p0
    half = 1.96 * math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    result["incremental_rate"] = round(diff, 4)
    result["ci95"] = [round(diff - half, 4), round(diff + half, 4)]
    return result


def campaign_result(
    *, plan: PlanInfo, assignments: pd.DataFrame, events: pd.DataFrame
) -> dict[str, Any]:
    """A campaign's incrementality (treated against holdout, overall and per arm, with 95%
    confidence intervals) and what happened beside what its plan expected."""
    created = pd.Timestamp(plan.created_at)
    after = events[(events["occurred_at"] >= created) & (events["type"] == "conversion")]
    converted = assignments["customer_id"].isin(after["customer_id"])
    arm = assignments["arm"]
    holdout = converted[arm == "holdout"]
    mine = _conversions(
        events[events["campaign_id"] == plan.plan_id], [plan], refunded=_refunded(events)
    )
    earned = mine[~mine["voided"]]
    result: dict[str, Any] = {
        "campaign_id": plan.plan_id,
        "since": plan.created_at,
        "incrementality": _rate_difference(converted[arm != "holdout"], holdout),
        "per_arm": {
            str(name): _rate_difference(converted[arm == name], holdout)
            for name in sorted(set(arm) - {"holdout"})
        },
        "expected": {
            "conversions": plan.totals.get("expected_conversions"),
            "incentive_cost": plan.totals.get("expected_cost"),
            "incremental_value": plan.totals.get("expected_incremental_value"),
        },
        "actual": {
            "conversions": len(mine),
            "revenue": round(float(mine["amount"].fillna(0).sum()), 2),
            "incentive_cost": round(float(earned["reward_cost"].sum()), 2),
            "rewards_voided": int(mine["voided"].sum()),
        },
    }
    return result


def program_kpis(
    store: Store,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    granularity: str = "week",
    campaign_id: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """KPIs per period from the store's events and plans (by default from the first plan or
    event to now), and, for one campaign, its result against its holdout and its plan."""
    events = store.events()
    plans = store.plans()
    plan = store.plan(campaign_id) if campaign_id is not None else None
    asked = pd.DataFrame(
        {
            "plan_id": [p.plan_id for p in plans],
            "created_at": pd.to_datetime([p.created_at for p in plans], utc=True),
            "treated": [
                int(p.totals.get("advocates", 0)) - int(p.totals.get("holdout", 0)) for p in plans
            ],
        }
    )
    now = pd.Timestamp.now(tz="UTC")
    firsts = [t.min() for t in (events["occurred_at"], asked["created_at"]) if len(t)]
    start = start if start is not None else (min(firsts) if firsts else now)
    frame = kpis_over_time(
        events=events,
        plans=plans,
        asked=asked,
        start=start,
        end=end if end is not None else now,
        granularity=granularity,
        campaign_id=campaign_id,
    )
    if plan is None:
        return frame, None
    assignments, _ = store.plan_assignments(plan.plan_id, limit=10**9, offset=0)
    return frame, campaign_result(plan=plan, assignments=assignments, events=events)
