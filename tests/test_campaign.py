"""Campaign plans: catalogue validation, the knapsack, guardrails, the holdout, the CLI."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advocates.campaigns.incentives import assign_incentives, read_catalogue, validate_catalogue
from advocates.campaigns.plan import CampaignRequest, plan_campaign
from advocates.errors import InputError

from .conftest import END, advocates, write_demo

CATALOGUE = pd.DataFrame(
    {
        "incentive_id": ["both10", "friend15", "adv5"],
        "advocate_reward": ["10", "0", "5"],
        "friend_reward": ["10", "15", "0"],
        "currency": ["EUR"] * 3,
        "kind": ["two-sided", "friend-only", "advocate-only"],
        "cap": ["5", "", "3"],
        "disclosure_en": [
            "I get 10 EUR, you get 10 EUR off.",
            "You get 15 EUR off.",
            "I get 5 EUR.",
        ],
        "disclosure_fr": [
            "Je reçois 10 EUR, vous 10 EUR de remise.",
            "Vous avez 15 EUR de remise.",
            "Je reçois 5 EUR.",
        ],
        "disclosure_ro": [
            "Primesc 10 EUR, tu 10 EUR reducere.",
            "Primești 15 EUR reducere.",
            "Primesc 5 EUR.",
        ],
    }
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.drop(columns="disclosure_ro"), "missing column(s) disclosure_ro"),
        (
            lambda c: c.assign(friend_reward=["10", "-15", "0"]),
            "row 3, column 'friend_reward': negative value -15",
        ),
        (
            lambda c: c.assign(currency=["EUR", "EUR", "DOGE"]),
            "row 4, column 'currency': unknown currency 'DOGE'",
        ),
        (
            lambda c: c.assign(disclosure_en=["ok", " ", "ok"]),
            "row 3, column 'disclosure_en': the disclosure text is empty",
        ),
        (
            lambda c: c.assign(kind=["two-sided", "two-sided", "advocate-only"]),
            "row 3, column 'kind': two-sided does not match",
        ),
        (
            lambda c: c.assign(advocate_reward=["ten", "0", "5"]),
            "row 2, column 'advocate_reward': 'ten' is not a number",
        ),
        (
            lambda c: c.assign(incentive_id=["a", "a", "b"]),
            "row 3, column 'incentive_id': duplicate id 'a'",
        ),
        (lambda c: c.assign(incentive_id=["a", "holdout", "b"]), "reserved"),
        (lambda c: c.assign(currency=["EUR", "EUR", "RON"]), "one currency per catalogue"),
        (lambda c: c.iloc[0:0], "no incentive"),
        (
            lambda c: c.assign(disclosure_ro=["ok", None, "ok"]),
            "row 3, column 'disclosure_ro': the disclosure text is empty",
        ),
        (
            lambda c: c.assign(friend_reward=["10", "", "0"]),
            "row 3, column 'friend_reward': is empty",
        ),
    ],
)
def test_bad_catalogues_get_clear_errors(
    change: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        validate_catalogue(change(CATALOGUE.copy()))


def test_catalogue_reads_from_csv_and_json(tmp_path: Path) -> None:
    CATALOGUE.to_csv(tmp_path / "c.csv", index=False)
    CATALOGUE.to_json(tmp_path / "c.json", orient="records", force_ascii=False)
    for name in ("c.csv", "c.json"):
        catalogue = read_catalogue(tmp_path / name)
        assert catalogue["advocate_reward"].tolist() == [10.0, 0.0, 5.0]
        assert np.isnan(catalogue["cap"][1])
    with pytest.raises(InputError, match=r"nowhere\.csv: no such file"):
        read_catalogue(tmp_path / "nowhere.csv")


def brute_force(value: np.ndarray, cost: np.ndarray, budget: float) -> float:
    best = 0.0
    options = range(-1, value.shape[1])
    for choice in itertools.product(options, repeat=value.shape[0]):
        picked = [(i, j) for i, j in enumerate(choice) if j >= 0]
        if sum(cost[i, j] for i, j in picked) <= budget + 1e-9:
            best = max(best, sum(value[i, j] for i, j in picked))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_knapsack_is_exact_and_never_exceeds_the_budget(seed: int) -> None:
    rng = np.random.default_rng(seed)
    value = np.round(rng.uniform(0, 50, (6, 3)), 2)
    cost = np.round(rng.uniform(0, 20, (6, 3)), 2)
    budget = float(np.round(rng.uniform(5, 60), 2))
    plan = assign_incentives(value, cost, budget=budget)
    assert plan.total_cost <= budget
    assert plan.total_value == pytest.approx(brute_force(value, cost, budget))


def test_knapsack_on_a_coarse_grid_still_respects_the_budget() -> None:
    rng = np.random.default_rng(1)
    value = rng.uniform(0, 100, (300, 4))
    cost = rng.uniform(0, 50, (300, 4))
    plan = assign_incentives(value, cost, budget=2_000.0, max_cells=300 * 5_000)
    assert plan.unit > 0.01 and plan.total_cost <= 2_000.0


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


@pytest.mark.slow
def test_campaign_plan_from_the_command_line(tmp_path: Path) -> None:
    write_demo(tmp_path / "in", customers=600, seed=3)
    assert (
        advocates("score", "--input", tmp_path / "in", "--as-of", END, cwd=tmp_path).returncode == 0
    )
    CATALOGUE.to_csv(tmp_path / "catalogue.csv", index=False)
    done = advocates(
        "campaign", "plan", "--objective", "conversion", "--budget", "300", "--catalogue",
        tmp_path / "catalogue.csv", "--advocates", "40", "--out", tmp_path / "plan.csv", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "plan.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40 and sum(r["arm"] == "holdout" for r in rows) == 4
    assert sum(float(r["expected_cost"]) for r in rows) <= 300
    assert "budget_left" not in done.stdout and "expected cost" in done.stderr
    bad = advocates(
        "campaign", "plan", "--objective", "fame", "--budget", "1", "--catalogue",
        tmp_path / "catalogue.csv", cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 1 and "unknown objective 'fame'" in bad.stderr


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


def test_the_example_catalogue_in_data_is_valid() -> None:
    catalogue = read_catalogue(Path(__file__).resolve().parents[1] / "data" / "incentives.csv")
    assert set(catalogue["kind"]) == {"two-sided", "friend-only", "advocate-only"}


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


def test_priors_follow_tie_and_brand_strength() -> None:
    from advocates.campaigns.incentives import expected_responses

    advocates_ = pd.DataFrame({"expected_conversions": [1.0, 1.0]})
    catalogue = validate_catalogue(CATALOGUE)
    weak_tie_then_strong = np.array([0.0, 1.0])
    _, value, _ = expected_responses(
        advocates_, catalogue, value_per_conversion=60.0, tie_strength=weak_tie_then_strong
    )
    advocate_only, friend_only, two_sided = 2, 1, 0
    assert value[0, advocate_only] > value[1, advocate_only]  # advocate rewards move weak ties
    assert value[1, friend_only] > value[0, friend_only]  # friend rewards move strong ties
    assert value[0, two_sided] == value[1, two_sided]
    _, weak_brand, _ = expected_responses(
        advocates_, catalogue, value_per_conversion=60.0, brand_strength=0.0
    )
    _, strong_brand, _ = expected_responses(
        advocates_, catalogue, value_per_conversion=60.0, brand_strength=1.0
    )
    assert (weak_brand > strong_brand).all()


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
