"""Incentives: catalogue validation, the knapsack over incentives, the response priors."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advocates.campaigns.incentives import (
    assign_incentives,
    expected_responses,
    read_catalogue,
    validate_catalogue,
)
from advocates.errors import InputError
from tests.helpers import CATALOGUE, ROOT


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
        (
            lambda c: c.assign(advocate_reward=["Infinity", "0", "5"]),
            "row 2, column 'advocate_reward': 'Infinity' is not a finite number",
        ),
        (
            lambda c: c.assign(cap=["5", "-inf", "3"]),
            "row 3, column 'cap': '-inf' is not a finite number",
        ),
        (
            lambda c: c.assign(cap=["5", "NaN", "3"]),
            "row 3, column 'cap': 'NaN' is not a number",
        ),
        (
            lambda c: c.assign(friend_reward=["10", "1e12", "0"]),
            "row 3, column 'friend_reward': 1e+12 is above the largest reward, 1,000,000",
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


def test_the_example_catalogue_in_data_is_valid() -> None:
    catalogue = read_catalogue(ROOT / "data" / "incentives.csv")
    assert set(catalogue["kind"]) == {"two-sided", "friend-only", "advocate-only"}


def test_priors_follow_tie_and_brand_strength() -> None:
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
