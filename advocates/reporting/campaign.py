"""The charts of a campaign plan: what each further advocate adds (the diminishing returns the
overlap-aware selection accounts for), and the expected spend per incentive."""

from __future__ import annotations

import numpy as np
import pandas as pd

from advocates.campaigns.plan import spend_by_incentive
from advocates.reporting import charts

__all__ = ["plan_charts"]

#: What the selection's marginal gain counts, per objective.
GAIN = {
    "awareness": "people reached",
    "engagement": "engaged people",
    "conversion": "value of converted peers",
}


def plan_charts(assignments: pd.DataFrame, *, objective: str, currency: str) -> dict[str, str]:
    """The plan's charts as inline SVG: ``curve``, the cumulative marginal gain against the
    number of advocates in the order they were picked; ``spend``, the expected cost per
    incentive."""
    gain = GAIN.get(objective, "marginal gain")
    cumulative = np.cumsum(assignments["marginal_reach"].to_numpy(dtype=float))
    spend = spend_by_incentive(assignments)
    paid = spend[~spend["arm"].isin(["holdout", "none"])]
    return {
        "curve": charts.curve(
            cumulative,
            title=f"Expected {gain}, cumulative, against the number of advocates",
            x_label="advocates, in the order picked",
            y_label=gain,
        ),
        "spend": charts.bars(
            dict(zip(paid["arm"], paid["expected_cost"].astype(float), strict=True)),
            title="Expected spend per incentive",
            unit=currency,
        ),
    }
