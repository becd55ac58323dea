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
    MAX_CATALOGUE_INCENTIVES,
    _reduce,
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


def plain_dynamic_programme(value: np.ndarray, cost: np.ndarray, budget: float) -> np.ndarray:
    """The knapsack as it was solved before the reduction: every option of every advocate over
    every cell of the budget (options in column order, a later one only when strictly better)."""
    n, m = value.shape
    unit = 0.01
    capacity = int(np.floor(budget / unit + 1e-9))
    units = np.ceil(cost / unit - 1e-9).astype(np.int64)
    best = np.zeros(capacity + 1)
    took = np.full((n, capacity + 1), -1)
    for i in range(n):
        new = best.copy()
        for j in range(m):
            c = int(units[i, j])
            if value[i, j] <= 0 or c > capacity:
                continue
            candidate = np.full(capacity + 1, -np.inf)
            candidate[c:] = best[: capacity + 1 - c] + value[i, j]
            better = candidate > new + 1e-12
            new[better] = candidate[better]
            took[i, better] = j
        best = new
    choice = np.full(n, -1)
    remaining = int(np.argmax(best))
    for i in range(n - 1, -1, -1):
        choice[i] = j = int(took[i, remaining])
        if j >= 0:
            remaining -= int(units[i, j])
    return choice


def random_case(seed: int, n: int, m: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Random knapsacks of five shapes, several of them full of ties: continuous values; small
    whole numbers; pairs of options worth the same at different costs (an incentive with and
    without a cap); options like a catalogue's (value and cost rising with the reward, those
    costing more than they bring worth 0); and advocates all alike."""
    rng = np.random.default_rng(seed)
    shape = seed % 5
    if shape == 0:
        value, cost = rng.uniform(-5, 50, (n, m)), rng.uniform(0, 20, (n, m))
    elif shape == 1:
        value = rng.integers(-2, 8, (n, m)).astype(float)
        cost = rng.integers(0, 5, (n, m)).astype(float)
    elif shape == 2:
        worth = rng.uniform(0, 30, (n, 1)) * rng.uniform(0.5, 1.5, (1, (m + 1) // 2))
        value = np.repeat(worth, 2, axis=1)[:, :m]
        cost = rng.uniform(0, 15, (n, m)).round(2)
    elif shape == 3:
        reward = np.sort(rng.uniform(1, 40, m))
        base = rng.uniform(0.05, 3, (n, 1))
        lift = reward / (reward + 6) * rng.uniform(0.4, 1.0, m)
        value, cost = base * lift * 60, base * (1 + lift) * reward
        value = np.where(value >= cost, value, 0.0)
    else:
        value = np.tile(rng.uniform(0, 20, m), (n, 1))
        cost = np.tile(rng.uniform(0, 10, m).round(2), (n, 1))
    most = float(np.where(value > 0, cost, 0).max(axis=1).sum())
    return value, cost, float(np.round(rng.uniform(0, 1.2) * min(most, 400), 2))


@pytest.mark.parametrize("seed", range(40))
def test_knapsack_is_exact_on_ties_zero_costs_and_alike_advocates(seed: int) -> None:
    value, cost, budget = random_case(seed, 5, 3)
    plan = assign_incentives(value, cost, budget=budget)
    assert plan.total_cost <= budget + 1e-9
    assert plan.total_value == pytest.approx(brute_force(value, cost, budget))


def test_knapsack_chooses_what_the_plain_dynamic_programme_chose() -> None:
    """The reduction and the smaller tables change how fast the plan is, never what it is: the
    same option per advocate, ties included, as the programme over every option and cell."""
    for seed in range(200):
        shape = np.random.default_rng(seed + 1000)
        n, m = int(shape.integers(1, 30)), int(shape.integers(1, 12))
        value, cost, budget = random_case(seed, n, m)
        expected = plain_dynamic_programme(value, cost, budget)
        assert assign_incentives(value, cost, budget=budget).choice.tolist() == expected.tolist()


def test_the_reduction_keeps_every_option_of_every_optimal_choice() -> None:
    """An option (or a "none") dropped before the dynamic programme is in no optimal choice, and
    the reduction does drop some on catalogue-like cases (else this would test nothing)."""
    dropped = 0
    for seed in range(3, 300, 5):  # catalogue-like cases
        value, cost, budget = random_case(seed, 5, 4)
        units = np.ceil(cost / 0.01 - 1e-9).astype(np.int64)
        capacity = int(np.floor(budget / 0.01 + 1e-9))
        usable = (value > 0) & (units <= capacity)
        keep, keep_none = _reduce(value, units, usable, capacity)
        options = [[-1, *np.flatnonzero(row)] for row in usable]  # what is worth nothing is none
        fitting = {}
        for choice in itertools.product(*options):
            picked = [(i, j) for i, j in enumerate(choice) if j >= 0]
            if sum(units[i, j] for i, j in picked) <= capacity:
                fitting[choice] = sum(value[i, j] for i, j in picked)
        best = max(fitting.values())
        for choice in (c for c, total in fitting.items() if total >= best - 1e-9):
            assert all(keep[i, j] if j >= 0 else keep_none[i] for i, j in enumerate(choice))
        dropped += int((usable & ~keep).sum()) + int((~keep_none).sum())
    assert dropped > 0


def test_the_reduction_leaves_few_options_for_the_dynamic_programme() -> None:
    """300 catalogue-like options for 90 advocates over a budget of some 100,000 cents: the
    plain programme updates billions of cells (minutes); after the reduction few options are
    left, so the time grows with the options, not with options × budget."""
    value, cost, _ = random_case(3, 90, 300)
    budget = float(np.round(np.where(value > 0, cost, 0).max(axis=1).sum() * 0.4, 2))
    units = np.ceil(cost / 0.01 - 1e-9).astype(np.int64)
    capacity = int(np.floor(budget / 0.01 + 1e-9))
    usable = (value > 0) & (units <= capacity)
    keep, keep_none = _reduce(value, units, usable, capacity)
    assert keep.sum() + keep_none.sum() < 0.05 * (usable.sum() + len(value))
    plan = assign_incentives(value, cost, budget=budget)
    assert 0 < plan.total_cost <= budget
    assert {int(j) for j in plan.choice if j >= 0} <= set(np.flatnonzero(keep.any(axis=0)))


def test_a_catalogue_above_the_bound_is_refused_naming_count_and_bound(tmp_path: Path) -> None:
    many = pd.concat([CATALOGUE] * 101, ignore_index=True)
    many["incentive_id"] = [f"i{k}" for k in range(len(many))]
    assert len(many) == 303 > MAX_CATALOGUE_INCENTIVES == 300
    with pytest.raises(
        InputError, match=r"catalogue: the catalogue has 303 incentives, more than the 300"
    ):
        validate_catalogue(many)
    assert len(validate_catalogue(many, max_incentives=303)) == 303
    CATALOGUE.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(
        InputError, match=r"c\.csv: the catalogue has 3 incentives, more than the 2"
    ):
        read_catalogue(tmp_path / "c.csv", max_incentives=2)


def test_the_first_bad_row_is_reported_with_its_first_problem() -> None:
    bad = CATALOGUE.assign(disclosure_fr=["ok", " ", "ok"], currency=["EUR", "EUR", "XXX"])
    with pytest.raises(
        InputError, match=re.escape("row 3, column 'disclosure_fr': the disclosure")
    ):
        validate_catalogue(bad)
    bad = CATALOGUE.assign(
        disclosure_fr=["ok", " ", "ok"],  # row 3: its disclosure, and its currency
        currency=["EUR", "XXX", "XXX"],  # row 4: its currency
    )
    with pytest.raises(InputError, match=re.escape("row 3, column 'currency': unknown currency")):
        validate_catalogue(bad)
