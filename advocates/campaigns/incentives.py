"""The incentive catalogue, expected responses, and the assignment of incentives under a budget.

Rewards are paid per converted friend: an assignment's expected cost is
(advocate_reward + friend_reward) × its expected conversions (capped by the per-person cap).

The assignment is a multiple-choice knapsack: for each advocate pick one option (an incentive or
none) to maximise the total expected incremental value with the total expected cost within the
budget. It is solved exactly by dynamic programming over the budget counted in cents; when that
grid would be too large, costs are rounded *up* to a coarser unit, so the plan never exceeds the
budget and is optimal for the rounded costs (the report states the unit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from advocates.errors import InputError

__all__ = [
    "KINDS",
    "MAX_REWARD",
    "PRIOR_LIFT",
    "Assignment",
    "assign_incentives",
    "expected_responses",
    "read_catalogue",
    "validate_catalogue",
]

KINDS = ("advocate-only", "friend-only", "two-sided")
#: The largest reward (or cap) one incentive may carry, in any currency.
MAX_REWARD = 1_000_000.0
LANGUAGES = ("en", "fr", "ro")
#: ISO 4217 codes accepted in a catalogue.
CURRENCIES = frozenset(
    [
        "AED",
        "ARS",
        "AUD",
        "BGN",
        "BRL",
        "CAD",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CZK",
        "DKK",
        "EGP",
        "EUR",
        "GBP",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "ISK",
        "JPY",
        "KRW",
        "MAD",
        "MDL",
        "MXN",
        "MYR",
        "NGN",
        "NOK",
        "NZD",
        "PEN",
        "PHP",
        "PKR",
        "PLN",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TRY",
        "TWD",
        "UAH",
        "USD",
        "VND",
        "ZAR",
    ]
)
#: Prior relative lift in peer conversions when no randomised test says otherwise: two-sided
#: rewards are reported to perform about twice as well as none (the lift of 1.0 doubles them),
#: one-sided rewards about half as much. Scaled by reward size with diminishing returns, by brand
#: strength (rewards matter more for a weak brand) and by tie strength (a reward for the advocate
#: moves weak ties more, a reward for the friend strong ties: Ryu & Feick 2007).
PRIOR_LIFT = {"two-sided": 1.0, "friend-only": 0.6, "advocate-only": 0.4}
_REQUIRED = ("incentive_id", "advocate_reward", "friend_reward", "currency", "kind")


def read_catalogue(path: Path) -> pd.DataFrame:
    """Read a catalogue (CSV, or JSON: a list of objects) and validate it."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".json":
            frame = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise InputError(f"{path}: cannot be read as a catalogue: {error}") from error
    return validate_catalogue(frame, source=str(path))


def _blank(values: pd.Series) -> pd.Series:
    """True where a cell is missing or only white space (CSV gives "", JSON gives null)."""
    return values.isna() | values.astype(str).str.strip().eq("")


def validate_catalogue(frame: pd.DataFrame, *, source: str = "catalogue") -> pd.DataFrame:
    """Check a catalogue; return it with numeric rewards and cap. Errors name the row and column
    (rows counted as in a spreadsheet: the header is row 1)."""
    if frame.empty:
        raise InputError(f"{source}: the catalogue has no incentive")
    needed = [*_REQUIRED, *(f"disclosure_{lang}" for lang in LANGUAGES)]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)}")
    out = frame.copy().reset_index(drop=True)
    if "cap" not in out:
        out["cap"] = ""

    def fail(row: int, column: str, why: str) -> InputError:
        return InputError(f"{source}: row {row + 2}, column {column!r}: {why}")

    for column in ("advocate_reward", "friend_reward", "cap"):
        empty = _blank(out[column])
        values = pd.to_numeric(out[column].where(~empty), errors="coerce")
        required = column != "cap"  # the cap is optional: empty means no cap
        checks = [
            (~empty & values.isna(), "{value!r} is not a number"),
            (empty & required, "is empty"),
            (np.isinf(values), "{value!r} is not a finite number"),
            (values < 0, "negative value {number:g}"),
            (
                values > MAX_REWARD,
                "{number:g} is above the largest reward, " + f"{MAX_REWARD:,.0f}",
            ),
        ]
        for rows, message in checks:
            bad = np.flatnonzero(rows.to_numpy(dtype=bool))
            if len(bad):
                r = int(bad[0])
                raise fail(r, column, message.format(value=out.loc[r, column], number=values[r]))
        out[column] = values.astype(float)
    for row, values in out.iterrows():
        index = int(str(row))
        if _blank(pd.Series([values["incentive_id"]])).iloc[0] or values["incentive_id"] in (
            "none",
            "holdout",
        ):
            raise fail(index, "incentive_id", f"{values['incentive_id']!r} is empty or reserved")
        if values["currency"] not in CURRENCIES:
            raise fail(index, "currency", f"unknown currency {values['currency']!r}")
        if values["kind"] not in KINDS:
            raise fail(index, "kind", f"{values['kind']!r} is not one of {', '.join(KINDS)}")
        advocate, friend = values["advocate_reward"], values["friend_reward"]
        expected = {
            "advocate-only": advocate > 0 and friend == 0,
            "friend-only": friend > 0 and advocate == 0,
            "two-sided": advocate > 0 and friend > 0,
        }[values["kind"]]
        if not expected:
            raise fail(
                index,
                "kind",
                f"{values['kind']} does not match the rewards {advocate:g} / {friend:g}",
            )
        for lang in LANGUAGES:
            if _blank(pd.Series([values[f"disclosure_{lang}"]])).iloc[0]:
                raise fail(index, f"disclosure_{lang}", "the disclosure text is empty")
    duplicated = np.flatnonzero(out["incentive_id"].duplicated().to_numpy())
    if len(duplicated):
        raise fail(
            int(duplicated[0]),
            "incentive_id",
            f"duplicate id {out['incentive_id'][duplicated[0]]!r}",
        )
    if out["currency"].nunique() > 1:
        raise InputError(
            f"{source}: one currency per catalogue, found {', '.join(sorted(out['currency'].unique()))}"
        )
    return out


def expected_responses(
    advocates: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    value_per_conversion: float,
    lift: pd.DataFrame | None = None,
    tie_strength: np.ndarray | None = None,
    brand_strength: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per advocate × incentive: expected conversions with the incentive, incremental value and
    expected cost.

    ``advocates`` needs ``expected_conversions`` (peer conversions expected without incentive).
    ``lift`` (one column of relative lifts per incentive_id, e.g. from the uplift model) replaces
    the prior for the incentives it has. The prior is

        PRIOR_LIFT[kind] × r / (r + r_half) × (1.25 − 0.5 × brand_strength) × tie(kind)

    with r the total reward of one conversion, r_half a tenth of the value of a conversion,
    ``brand_strength`` and ``tie_strength`` (per advocate) from 0 to 1 (0.5 when unknown), and
    tie = 1.25 − 0.5 × tie_strength for advocate-only, 0.75 + 0.5 × tie_strength for friend-only,
    1 for two-sided.
    """
    base = advocates["expected_conversions"].to_numpy(dtype=float)[:, None]
    reward = (catalogue["advocate_reward"] + catalogue["friend_reward"]).to_numpy(dtype=float)
    half = max(value_per_conversion / 10, 1e-9)
    prior = catalogue["kind"].map(PRIOR_LIFT).to_numpy(dtype=float) * reward / (reward + half)
    prior = prior * (1.25 - 0.5 * float(np.clip(brand_strength, 0, 1)))
    tie = np.full(len(base), 0.5) if tie_strength is None else np.clip(tie_strength, 0, 1)
    kinds = catalogue["kind"].to_numpy()
    tie_factor = np.select(
        [kinds == "advocate-only", kinds == "friend-only"],
        [1.25 - 0.5 * tie[:, None], 0.75 + 0.5 * tie[:, None]],
        np.ones((len(base), len(kinds))),
    )
    relative = prior[None, :] * tie_factor
    for j, incentive in enumerate(catalogue["incentive_id"]):
        if lift is not None and incentive in lift.columns:
            relative[:, j] = np.clip(lift[incentive].to_numpy(dtype=float), 0.0, None)
    conversions = base * (1 + relative)
    cap = catalogue["cap"].to_numpy(dtype=float)
    paid = np.where(np.isnan(cap), conversions, np.minimum(conversions, cap))
    value = base * relative * value_per_conversion
    return conversions, value, paid * reward


@dataclass(frozen=True)
class Assignment:
    """The chosen option per advocate (-1 for none) and the knapsack's resolution."""

    choice: np.ndarray
    total_value: float
    total_cost: float
    unit: float


def assign_incentives(
    value: np.ndarray, cost: np.ndarray, *, budget: float, max_cells: int = 40_000_000
) -> Assignment:
    """Multiple-choice knapsack: one option per row (or none) maximising Σ value, Σ cost ≤ budget.

    ``value`` and ``cost`` are advocates × options. Options worth nothing are never chosen.

    >>> a = assign_incentives(np.array([[5.0, 9.0], [4.0, 6.0]]), np.array([[1.0, 3.0], [1.0, 2.0]]), budget=4.0)
    >>> a.choice.tolist(), a.total_value, a.total_cost
    ([1, 0], 13.0, 4.0)
    """
    n, m = value.shape
    if budget < 0:
        raise InputError(f"the budget must be >= 0, got {budget}")
    unit = 0.01
    while n * (int(budget / unit) + 1) > max_cells:
        unit *= 2
    capacity = int(np.floor(budget / unit + 1e-9))
    units = np.ceil(cost / unit - 1e-9).astype(np.int64)
    best = np.zeros(capacity + 1)
    took = np.full((n, capacity + 1), -1, dtype=np.int16)
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
        j = int(took[i, remaining])
        choice[i] = j
        if j >= 0:
            remaining -= int(units[i, j])
    chosen = choice >= 0
    rows = np.flatnonzero(chosen)
    return Assignment(
        choice=choice,
        total_value=float(value[rows, choice[chosen]].sum()),
        total_cost=float(cost[rows, choice[chosen]].sum()),
        unit=unit,
    )
