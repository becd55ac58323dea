"""The incentive catalogue, expected responses, and the assignment of incentives under a budget.

Rewards are paid per converted friend: an assignment's expected cost is
(advocate_reward + friend_reward) × its expected conversions (capped by the per-person cap).

The assignment is a multiple-choice knapsack: for each advocate pick one option (an incentive or
none) to maximise the total expected incremental value with the total expected cost within the
budget. It is solved exactly by dynamic programming over the budget counted in cents; when that
grid would be too large, costs are rounded *up* to a coarser unit, so the plan never exceeds the
budget and is optimal for the rounded costs (the report states the unit). A Lagrangian bound
first removes the options no optimal choice can hold (Dyer, Kayal & Walker 1984), usually all but
a few per advocate, so the time grows with advocates × incentives rather than with that product
times the budget's cells. A catalogue holds at most :data:`MAX_CATALOGUE_INCENTIVES` incentives
unless its reader sets another bound.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from advocates.errors import InputError

__all__ = [
    "KINDS",
    "MAX_CATALOGUE_INCENTIVES",
    "MAX_REWARD",
    "PRIOR_LIFT",
    "Assignment",
    "assign_incentives",
    "disclosures",
    "example_catalogue",
    "expected_responses",
    "parse_catalogue",
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
#: The most incentives a catalogue may hold (planning time grows with it); the CLI and the API may
#: set another bound.
MAX_CATALOGUE_INCENTIVES = 300
_REQUIRED = ("incentive_id", "advocate_reward", "friend_reward", "currency", "kind")


def read_catalogue(path: Path, *, max_incentives: int = MAX_CATALOGUE_INCENTIVES) -> pd.DataFrame:
    """Read a catalogue (CSV, or JSON: a list of objects) and validate it (at most
    ``max_incentives`` incentives)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    return parse_catalogue(
        path.read_bytes(),
        source=str(path),
        is_json=path.suffix.lower() == ".json",
        max_incentives=max_incentives,
    )


def parse_catalogue(
    data: bytes,
    *,
    source: str,
    is_json: bool = False,
    max_incentives: int = MAX_CATALOGUE_INCENTIVES,
) -> pd.DataFrame:
    """A catalogue's bytes (UTF-8 CSV, a spreadsheet's byte-order mark allowed, or JSON: a list
    of objects) read and validated; errors name ``source`` (a file, an upload), row and column.
    """
    try:
        text = data.decode("utf-8-sig")
        if is_json:
            frame = pd.DataFrame(json.loads(text))
        else:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise InputError(f"{source}: cannot be read as a catalogue: {error}") from error
    return validate_catalogue(frame, source=source, max_incentives=max_incentives)


def example_catalogue() -> pd.DataFrame:
    """The example catalogue the package ships (``data/incentives.csv`` in a checkout): one
    two-sided, one friend-only and one advocate-only reward in EUR, disclosed in English,
    French and Romanian."""
    data = resources.files("advocates.campaigns").joinpath("example_catalogue.csv").read_bytes()
    return parse_catalogue(data, source="the example catalogue")


def _blank(values: pd.Series) -> pd.Series:
    """True where a cell is missing or only white space (CSV gives "", JSON gives null)."""
    return values.isna() | values.astype(str).str.strip().eq("")


def validate_catalogue(
    frame: pd.DataFrame,
    *,
    source: str = "catalogue",
    max_incentives: int = MAX_CATALOGUE_INCENTIVES,
) -> pd.DataFrame:
    """Check a catalogue of at most ``max_incentives`` incentives; return it with numeric rewards
    and cap. Errors name the row and column (rows counted as in a spreadsheet: the header is
    row 1)."""
    if frame.empty:
        raise InputError(f"{source}: the catalogue has no incentive")
    if len(frame) > max_incentives:
        raise InputError(
            f"{source}: the catalogue has {len(frame):,} incentives, more than the "
            f"{max_incentives:,} a plan accepts"
        )
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
    _check_rows(out, fail)
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


def _check_rows(out: pd.DataFrame, fail: Callable[[int, str, str], InputError]) -> None:
    """The checks of each row, all rows at once: the first row with a problem is reported, with
    the first of its problems in the order below."""
    ids, currency, kind = out["incentive_id"], out["currency"], out["kind"]
    advocate, friend = out["advocate_reward"], out["friend_reward"]
    matches = np.select(
        [kind.eq("advocate-only"), kind.eq("friend-only"), kind.eq("two-sided")],
        [
            (advocate > 0) & (friend == 0),
            (friend > 0) & (advocate == 0),
            (advocate > 0) & (friend > 0),
        ],
        True,
    )
    checks: list[tuple[pd.Series | np.ndarray, str, Callable[[int], str]]] = [
        (
            _blank(ids) | ids.isin(["none", "holdout"]),
            "incentive_id",
            lambda r: f"{ids[r]!r} is empty or reserved",
        ),
        (
            ~currency.isin(sorted(CURRENCIES)),
            "currency",
            lambda r: f"unknown currency {currency[r]!r}",
        ),
        (
            ~kind.isin(KINDS),
            "kind",
            lambda r: f"{kind[r]!r} is not one of {', '.join(KINDS)}",
        ),
        (
            ~matches.astype(bool),
            "kind",
            lambda r: f"{kind[r]} does not match the rewards {advocate[r]:g} / {friend[r]:g}",
        ),
        *(
            (
                _blank(out[f"disclosure_{lang}"]),
                f"disclosure_{lang}",
                lambda r: "the disclosure text is empty",
            )
            for lang in LANGUAGES
        ),
    ]
    failing = np.column_stack([np.asarray(mask, dtype=bool) for mask, _, _ in checks])
    rows = np.flatnonzero(failing.any(axis=1))
    if len(rows):
        row = int(rows[0])
        _, column, why = checks[int(np.argmax(failing[row]))]
        raise fail(row, column, why(row))


def disclosures(arms: pd.Series, languages: pd.Series, catalogue: pd.DataFrame) -> pd.Series:
    """The disclosure of each arm's incentive in the advocate's language, in English when the
    catalogue has none in it; "" for an arm that is no incentive (``holdout``, ``none``).

    >>> catalogue = pd.DataFrame({"incentive_id": ["a"], "disclosure_en": ["I get 5"],
    ...     "disclosure_fr": ["Je reçois 5"], "disclosure_ro": [" "]})
    >>> disclosures(pd.Series(["a", "a", "a", "holdout"]), pd.Series(["fr", "ro", "de", "fr"]),
    ...     catalogue).tolist()
    ['Je reçois 5', 'I get 5', 'I get 5', '']
    """
    index = arms.index
    by_id = catalogue.set_index(catalogue["incentive_id"].astype(str))
    arms = pd.Series(arms.astype(str).to_numpy(dtype=object))
    languages = pd.Series(languages.to_numpy(dtype=object))
    out = arms.map(by_id["disclosure_en"]).astype(object)
    for column in by_id.columns:
        language = str(column).removeprefix("disclosure_")
        if str(column).startswith("disclosure_") and language != "en":
            text = arms.map(by_id[column])
            use = languages.eq(language) & ~_blank(text)
            out[use] = text[use]
    return out.where(arms.isin(by_id.index), "").set_axis(index)


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

    ``value`` and ``cost`` are advocates × options. Options worth nothing (or with a cost that is
    negative or not finite) are never chosen.

    Exact on the grid of ``unit`` (a cent, coarser when advocates × budget cells would pass
    ``max_cells``; costs are rounded up, so the budget is never exceeded). Before the dynamic
    programme, a Lagrangian bound removes every option that cannot be in an optimal choice
    (:func:`_reduce`): advocates left with one possible option take it, and the programme runs
    over the others only, on the cost cells their remaining options can reach (:func:`_solve`).

    >>> a = assign_incentives(np.array([[5.0, 9.0], [4.0, 6.0]]), np.array([[1.0, 3.0], [1.0, 2.0]]), budget=4.0)
    >>> a.choice.tolist(), a.total_value, a.total_cost
    ([1, 0], 13.0, 4.0)
    """
    value = np.asarray(value, dtype=float)
    cost = np.asarray(cost, dtype=float)
    n, _ = value.shape
    if budget < 0:
        raise InputError(f"the budget must be >= 0, got {budget}")
    unit = 0.01
    while n * (int(budget / unit) + 1) > max_cells:
        unit *= 2
    capacity = int(np.floor(budget / unit + 1e-9))
    finite = np.isfinite(value) & np.isfinite(cost) & (cost >= 0)
    units = np.ceil(np.where(finite, cost, 0.0) / unit - 1e-9).astype(np.int64)
    usable = finite & (value > 0) & (units <= capacity)
    choice = np.full(n, -1)
    if usable.any():
        keep, keep_none = _reduce(value, units, usable, capacity)
        choice = _solve(value, units, keep, keep_none, capacity)
    chosen = choice >= 0
    rows = np.flatnonzero(chosen)
    return Assignment(
        choice=choice,
        total_value=float(value[rows, choice[chosen]].sum()),
        total_cost=float(cost[rows, choice[chosen]].sum()),
        unit=unit,
    )


def _greedy(reduced: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the option of largest ``reduced`` value (the first of equals), or none (-1) when
    no option has a positive one; and that value (0 for none)."""
    pick = reduced.argmax(axis=1) if reduced.shape[1] else np.zeros(len(reduced), dtype=np.int64)
    gain = reduced[np.arange(len(reduced)), pick] if reduced.shape[1] else np.zeros(len(reduced))
    return np.where(gain > 0, pick, -1), np.maximum(gain, 0.0)


def _multipliers(v: np.ndarray, u: np.ndarray, capacity: int) -> tuple[float, float]:
    """Two close prices λ ≥ 0 per unit of cost around the one at which each row's best option by
    ``v − λ·u`` just fits the capacity in all: at the higher, the choices fit; at the lower they
    do not (both 0 when the most valuable options fit already). Found by bisection; ``v`` is
    −inf where an option cannot be chosen."""

    def spent(price: float) -> int:
        pick, _ = _greedy(v - price * u)
        return int(np.where(pick >= 0, u[np.arange(len(u)), np.maximum(pick, 0)], 0).sum())

    if spent(0.0) <= capacity:
        return 0.0, 0.0
    ratio = np.where(u > 0, v, 0.0) / np.maximum(u, 1)
    low, high = 0.0, float(ratio.max()) * (1 + 1e-9) + 1e-300  # at high, only free options pay
    for _ in range(60):
        middle = (low + high) / 2
        if not low < middle < high or high - low <= 1e-9 * high:
            break
        low, high = (low, middle) if spent(middle) <= capacity else (middle, high)
    return low, high


def _lower_bound(
    v: np.ndarray, u: np.ndarray, capacity: int, pick: np.ndarray, richer: np.ndarray
) -> float:
    """The value of a good choice that fits, made from ``pick`` (which fits) in place: rows move
    to their ``richer`` option (the choice at a slightly lower price, which does not fit) in order
    of value added per cost added, while they fit, as the linear relaxation would; then, in
    passes, each row whose change of option adding most value still fits takes it, rows adding
    most first, until a pass changes nothing."""
    rows = np.arange(len(v))

    def option(choice: np.ndarray, table: np.ndarray, none: float) -> np.ndarray:
        return np.where(choice >= 0, table[rows, np.maximum(choice, 0)], none)

    current, spent = option(pick, v, 0.0), option(pick, u, 0)
    room = capacity - int(spent.sum())
    extra = option(richer, u, 0) - spent
    adds = option(richer, v, 0.0) - current
    moves = np.flatnonzero((richer != pick) & (adds > 0))
    for i in moves[np.argsort(-adds[moves] / np.maximum(extra[moves], 1), kind="stable")].tolist():
        if extra[i] <= room:
            pick[i], current[i], spent[i] = richer[i], v[i, richer[i]], u[i, richer[i]]
            room -= int(extra[i])
    for _ in range(20):
        room = capacity - int(spent.sum())
        gain = np.where(u - spent[:, None] <= room, v - current[:, None], -np.inf)
        best = gain.argmax(axis=1)
        adds = gain[rows, best]
        worth = adds > 1e-9 * (1.0 + abs(float(current.sum())))
        changed = False
        for i in np.flatnonzero(worth)[np.argsort(-adds[worth], kind="stable")].tolist():
            if u[i, best[i]] - spent[i] <= room:
                room -= int(u[i, best[i]] - spent[i])
                pick[i], current[i], spent[i] = best[i], v[i, best[i]], u[i, best[i]]
                changed = True
        if not changed:
            break
    return float(current.sum())


def _reduce(
    value: np.ndarray, units: np.ndarray, usable: np.ndarray, capacity: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which options, and which rows' "none", can be part of an optimal choice.

    For any price λ ≥ 0, a choice that fits and takes option j for row i is worth at most
    ``λ·capacity + Σ_{k≠i} g_k + (v_ij − λ·u_ij)`` with ``g_k = max(0, max_j v_kj − λ·u_kj)``
    (Lagrangian relaxation of the capacity), and "none" at most the same with 0 for the last
    term. A choice that fits, found greedily, is a lower bound: what cannot reach it (by more
    than rounding) is never optimal and is dropped. Returns the options kept (rows × options) and
    whether each row may take none.
    """
    v = np.where(usable, value, -np.inf)
    u = np.where(usable, units, 0)
    low, high = _multipliers(v, u, capacity)
    pick, _ = _greedy(v - high * u)
    lower = _lower_bound(v, u, capacity, pick, _greedy(v - low * u)[0])
    option_bound, none_bound = np.full(v.shape, np.inf), np.full(len(v), np.inf)
    for price in {low, high}:  # each a valid bound: the smaller is kept
        reduced = v - price * u
        _, gain = _greedy(reduced)
        upper = price * capacity + float(gain.sum())
        option_bound = np.minimum(option_bound, upper - gain[:, None] + reduced)
        none_bound = np.minimum(none_bound, upper - gain)
    slack = 1e-9 * (float(np.abs(none_bound).max()) + abs(lower) + 1.0)
    return usable & (option_bound >= lower - slack), none_bound >= lower - slack


def _solve(
    value: np.ndarray,
    units: np.ndarray,
    keep: np.ndarray,
    keep_none: np.ndarray,
    capacity: int,
) -> np.ndarray:
    """The optimal choice among the kept options, by dynamic programming over the cost cells.

    A row left with one alternative takes it. Each other row pays at least its cheapest kept
    alternative (0 when it may take none), so costs are counted above that floor, and row i's
    table only spans the cells the rows up to i can reach. Options are tried in column order and
    one replaces another only when strictly better, so among equal choices the first is kept,
    as a plain dynamic programme over all options would.
    """
    m = value.shape[1]
    alternatives = keep.sum(axis=1) + keep_none
    choice = np.where(keep_none | ~keep.any(axis=1), -1, keep.argmax(axis=1))
    free = np.flatnonzero(alternatives > 1)
    fixed = np.flatnonzero((alternatives == 1) & (choice >= 0))
    floor = np.where(keep_none, 0, np.where(keep, units, np.iinfo(np.int64).max).min(axis=1))
    room = capacity - int(units[fixed, choice[fixed]].sum()) - int(floor[free].sum())
    best = np.zeros(1)
    tables: list[np.ndarray] = []
    dtype = np.int16 if m < np.iinfo(np.int16).max else np.int32
    for i in free:
        options = np.flatnonzero(keep[i])
        above = units[i, options] - floor[i]
        reach = min(room, len(best) - 1 + int(above.max(initial=0)))
        before = np.concatenate([best, np.full(reach + 1 - len(best), best[-1])])
        new = before.copy() if keep_none[i] else np.full(reach + 1, -np.inf)
        took = np.full(reach + 1, -1, dtype=dtype)
        for j, c in zip(options.tolist(), above.tolist(), strict=True):
            if c > reach:  # does not fit beside the rows that are fixed
                continue
            candidate = before[: reach + 1 - c] + value[i, j]
            better = candidate > new[c:] + 1e-12
            new[c:][better] = candidate[better]
            took[c:][better] = j
        best = new
        tables.append(took)
    remaining = int(np.argmax(best))
    for i, took in zip(free[::-1], tables[::-1], strict=True):
        picked = int(took[min(remaining, len(took) - 1)])
        choice[i] = picked
        if picked >= 0:
            remaining -= int(units[i, picked] - floor[i])
    return choice
