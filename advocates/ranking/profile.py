"""One customer as the advocate page shows them: each figure beside where it stands among the
run's eligible customers, and what their reach and peer influence make of them.

Figures are read from a stored customer row and placed among the eligible customers of the same
run (the run's ``served`` table), so that "top 3%" means the same here as in the explanations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from advocates.ranking.explain import influence_role

__all__ = ["FIGURES", "Standing", "influence", "standing"]

#: The figures of the advocate page, in its order: stored column -> what a marketer reads.
FIGURES: dict[str, str] = {
    "awareness_score": "awareness score",
    "engagement_score": "engagement score",
    "conversion_score": "conversion score",
    "sentiment": "sentiment toward the brand",
    "p_share": "chance of sharing when asked",
    "unique_reach_2hop": "people reached within two hops",
    "audience_size": "people who follow them",
    "conversion_influence": "peer influence (friends who converted on their word)",
    "expected_converted_peers": "expected converted peers",
    "predicted_value_12m": "predicted purchase value, next 12 months",
    "total_spend": "spend so far",
    "orders_completed": "orders completed",
}


@dataclass(frozen=True)
class Standing:
    """Where one figure of a customer stands among a run's eligible customers."""

    column: str
    label: str
    value: float | None
    #: Eligible customers below this value, in percent (ties count half); None without a value.
    above: float | None
    #: ``3``: in the top 3% (the share with a value at least this high, rounded up).
    top: int | None


def standing(
    eligible: pd.DataFrame, row: Mapping[str, Any], figures: Mapping[str, str] = FIGURES
) -> list[Standing]:
    """Each of ``figures`` of the customer ``row`` among the ``eligible`` customers' values.

    >>> eligible = pd.DataFrame({"sentiment": [0.1, 0.2, 0.3, 0.4]})
    >>> standing(eligible, {"sentiment": 0.3}, {"sentiment": "sentiment"})[0]
    Standing(column='sentiment', label='sentiment', value=0.3, above=62.5, top=50)
    """
    found = []
    for column, label in figures.items():
        value = _number(row.get(column))
        values = (
            eligible[column].to_numpy(dtype=float, na_value=np.nan)
            if column in eligible
            else np.array([])
        )
        values = values[~np.isnan(values)]
        if value is None or not len(values):
            found.append(Standing(column, label, value, None, None))
            continue
        below = np.count_nonzero(values < value)
        ties = np.count_nonzero(values == value)
        higher = len(values) - below - ties
        above = 100 * (below + ties / 2) / len(values)
        top = int(np.ceil(100 * (higher + 1) / len(values)))
        found.append(Standing(column, label, value, round(float(above), 1), min(top, 100)))
    return found


def influence(standings: list[Standing]) -> str:
    """What reach and peer influence make of the customer (a broadcaster, a trusted advisor,
    both, or "" when neither stands out), as the explanations say it."""
    by_column = {s.column: s.top for s in standings}
    reach, peers = by_column.get("unique_reach_2hop"), by_column.get("conversion_influence")
    if reach is None or peers is None:
        return ""
    return str(influence_role(np.array([reach]), np.array([peers]))[0])


def _number(value: Any) -> float | None:
    """A stored figure as a float (None when missing or not a number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number
