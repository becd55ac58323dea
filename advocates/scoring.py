"""Scoring: an expected value per objective, the sentiment gate, consent exclusion, ranks.

Per customer, with ``p_share`` the calibrated probability of sharing in the next window:

* awareness  = p_share × unique_reach_2hop  (people reached within two hops)
* engagement = p_share × expected_engagements, where expected_engagements = audience_size ×
  the person's engagement rate (engaged audience / audience, shrunk toward the population rate)
* conversion = p_share × expected_converted_peers × value_per_conversion, where
  expected_converted_peers = conversion_influence × max(1, outreach_recent) (peers who act per
  share or invite, times the shares and invites of the recent window) and
  value_per_conversion is the predicted 12-month value (BG/NBD × Gamma-Gamma) of customers
  who joined through a referral

A customer is ranked only when eligible: marketing consent given, not do-not-contact, sentiment at
or above the gate and fewer recent negative mentions than the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .explain import explain

__all__ = ["OBJECTIVES", "GateRules", "score_customers"]

OBJECTIVES = ("awareness", "engagement", "conversion")
_SMOOTHING_AUDIENCE = 20.0


@dataclass(frozen=True)
class GateRules:
    """Who may be asked to advocate."""

    sentiment_gate: float = 0.0
    negative_mentions_gate: int = 2
    recent_days: int = 90


def _exclusion(frame: pd.DataFrame, rules: GateRules) -> pd.Series:
    reason = pd.Series("", index=frame.index, dtype=object)
    checks = [
        (~frame["marketing_consent"].astype(bool), "no marketing consent"),
        (frame["do_not_contact"].astype(bool), "do not contact"),
        (
            frame["negative_mentions_recent"] >= rules.negative_mentions_gate,
            f"{rules.negative_mentions_gate}+ negative mentions in the last {rules.recent_days} days",
        ),
        (frame["sentiment"] < rules.sentiment_gate, "negative sentiment toward the brand"),
    ]
    for mask, why in checks:
        reason[mask & (reason == "")] = why
    return reason


def score_customers(
    features: pd.DataFrame, *, p_share: np.ndarray, value_per_conversion: float, rules: GateRules
) -> pd.DataFrame:
    """Add objective scores, eligibility, ranks and explanations to a customer feature frame.

    ``features`` is indexed by customer_id and holds the feature columns, ``marketing_consent``
    and ``do_not_contact``. Returns a new frame (the input is not changed).
    """
    audience = features["audience_size"].to_numpy(dtype=float)
    engaged = features["engaged_audience_recent"].to_numpy(dtype=float)
    population_rate = engaged.sum() / audience.sum() if audience.sum() > 0 else 0.0
    engagement_rate = (engaged + _SMOOTHING_AUDIENCE * population_rate) / (
        audience + _SMOOTHING_AUDIENCE
    )
    expected_engagements = audience * engagement_rate
    expected_converted = features["conversion_influence"].to_numpy(dtype=float) * np.maximum(
        1.0, features["outreach_recent"].to_numpy(dtype=float)
    )
    excluded_reason = _exclusion(features, rules)
    eligible = excluded_reason == ""
    scored = features.assign(
        p_share=p_share,
        engagement_rate=engagement_rate,
        expected_engagements=expected_engagements,
        expected_converted_peers=expected_converted,
        awareness_score=p_share * features["unique_reach_2hop"].to_numpy(dtype=float),
        engagement_score=p_share * expected_engagements,
        conversion_score=p_share * expected_converted * value_per_conversion,
        eligible=eligible,
        excluded_reason=excluded_reason.where(~eligible),
    )
    for objective in OBJECTIVES:
        score = scored[f"{objective}_score"].where(eligible)
        # Ties broken by customer_id so that ranks are reproducible.
        order = np.lexsort((scored.index.to_numpy().astype(str), -score.fillna(-np.inf).to_numpy()))
        rank = np.empty(len(order), dtype=float)
        rank[order] = np.arange(1, len(order) + 1)
        scored[f"rank_{objective}"] = (
            pd.Series(rank, index=scored.index).where(eligible).astype("Int64")
        )
    return explain(scored, recent_days=rules.recent_days)
