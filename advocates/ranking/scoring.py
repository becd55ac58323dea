"""Scoring: an expected value per objective, the sentiment gate, consent exclusion, ranks.

Per customer, with ``p_share`` the calibrated probability of sharing in the next window:

* awareness  = p_share × unique_reach_2hop  (people reached within two hops)
* engagement = p_share × expected_engagements, where expected_engagements = audience_size ×
  the person's engagement rate (engaged audience / audience, shrunk toward the population rate)
* conversion = expected_converted_peers × value_per_conversion, where expected_converted_peers
  is the peer-conversion model's prediction when the run uses it
  (:mod:`advocates.models.conversion`), else the hand-set formula p_share ×
  conversion_influence × max(1, outreach_recent) (peers who act per share or invite, times the
  shares and invites of the recent window); value_per_conversion is the predicted 12-month
  value (BG/NBD × Gamma-Gamma) of customers who joined through a referral

A customer is ranked only when eligible: marketing consent given, not do-not-contact, fewer
recent negative mentions than the limit, sentiment at or above the gate and (unless the rules say
otherwise) positive evidence: at least one positive mention, a review of 4 or 5 stars or a
converted referral. Without it a customer's sentiment of 0 means "nobody knows", not "neutral":
customers with no evidence at all are excluded as ``no sentiment evidence yet``, those with only
neutral evidence as ``no positive evidence yet``, and both are ranked apart per objective
(``rank_unproven_<objective>``): people to ask for a review before asking them to advocate.

Detractors with reach, for customer care (consent does not matter here): customers with a
negative sentiment and a negative text (``worst_text_id``), or at least the limit of recent
negative mentions, ranked by
detractor_score = unique_reach_2hop × max(−sentiment, 0.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advocates.models.conversion import formula_converted_peers
from advocates.ranking.explain import (
    NO_EVIDENCE,
    NO_POSITIVE_EVIDENCE,
    POSITIVE_EVIDENCE,
    explain,
)
from advocates.ranking.objectives import OBJECTIVES

__all__ = [
    "UNPROVEN_REASONS",
    "GateRules",
    "blend",
    "id_order",
    "positive_evidence",
    "rank",
    "score_customers",
]
_SMOOTHING_AUDIENCE = 20.0


@dataclass(frozen=True)
class GateRules:
    """Who may be asked to advocate."""

    sentiment_gate: float = 0.0
    negative_mentions_gate: int = 2
    recent_days: int = 90
    #: An advocate needs positive evidence (see the module's docstring); False ranks customers
    #: nobody has heard from, whose sentiment of 0 passes a gate of 0.
    require_positive_evidence: bool = True


#: The exclusion reasons of customers who may be asked once they gave positive evidence.
UNPROVEN_REASONS = (NO_EVIDENCE, NO_POSITIVE_EVIDENCE)


def positive_evidence(frame: pd.DataFrame) -> np.ndarray:
    """How many positive signs each customer gave: positive mentions, reviews of 4 or 5 stars
    and converted referrals."""
    return frame[list(POSITIVE_EVIDENCE)].fillna(0).to_numpy(dtype=float).sum(axis=1)


def _exclusion(frame: pd.DataFrame, rules: GateRules) -> pd.Series:
    """The first reason each customer may not be asked ("" for none)."""
    checks = [
        (~frame["marketing_consent"].astype(bool), "no marketing consent"),
        (frame["do_not_contact"].astype(bool), "do not contact"),
        (
            frame["negative_mentions_recent"] >= rules.negative_mentions_gate,
            f"{rules.negative_mentions_gate}+ negative mentions in the last {rules.recent_days} days",
        ),
        (frame["sentiment"] < rules.sentiment_gate, "negative sentiment toward the brand"),
    ]
    if rules.require_positive_evidence:
        unproven = frame["positive_evidence"] == 0
        checks += [
            (unproven & (frame["sentiment_evidence"] == 0), NO_EVIDENCE),
            (unproven, NO_POSITIVE_EVIDENCE),
        ]
    # Picked by position (np.select takes the first true check): masked writes on the
    # customer_id index took seconds at a million customers.
    masks = [mask.to_numpy(dtype=bool) for mask, _ in checks]
    first = np.select(masks, list(range(1, len(checks) + 1)), 0)
    reasons = np.array(["", *(why for _, why in checks)], dtype=object)
    return pd.Series(reasons[first], index=frame.index, dtype=object)


def rank(score: pd.Series, *, by_id: np.ndarray | None = None) -> pd.Series:
    """1 for the highest score, ties broken by index (customer_id) so ranks are reproducible;
    missing scores get no rank. ``by_id`` is :func:`id_order` of the index, for callers that
    rank several scores of one index (sorting a million ids each time cost seconds).

    >>> rank(pd.Series([2.0, None, 5.0, 2.0], index=["b", "x", "c", "a"])).tolist()
    [3, <NA>, 1, 2]
    """
    if by_id is None:
        by_id = id_order(score.index)
    values = score.to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    order = np.lexsort((by_id, -np.where(missing, -np.inf, values)))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return pd.Series(pd.arrays.IntegerArray(ranks, missing), index=score.index)


def id_order(index: pd.Index) -> np.ndarray:
    """Each index value's position when the values are sorted as text (equal ones in order)."""
    order = np.argsort(index.to_numpy().astype(str), kind="stable")
    positions = np.empty(len(order), dtype=np.int64)
    positions[order] = np.arange(len(order))
    return positions


def score_customers(
    features: pd.DataFrame,
    *,
    p_share: np.ndarray,
    value_per_conversion: float,
    rules: GateRules,
    converted_peers: np.ndarray | None = None,
) -> pd.DataFrame:
    """Add objective scores, eligibility, ranks and explanations to a customer feature frame.

    ``features`` is indexed by customer_id and holds the feature columns, ``marketing_consent``
    and ``do_not_contact``. ``converted_peers``, when given, is the peer-conversion model's
    expected converted peers (:mod:`advocates.models.conversion`): the conversion score is then
    converted_peers × value_per_conversion, in place of the hand-set formula. Returns a new
    frame (the input is not changed).
    """
    audience = features["audience_size"].to_numpy(dtype=float)
    engaged = features["engaged_audience_recent"].to_numpy(dtype=float)
    population_rate = engaged.sum() / audience.sum() if audience.sum() > 0 else 0.0
    engagement_rate = (engaged + _SMOOTHING_AUDIENCE * population_rate) / (
        audience + _SMOOTHING_AUDIENCE
    )
    expected_engagements = audience * engagement_rate
    if converted_peers is None:
        expected_converted = p_share * formula_converted_peers(features)
    else:
        expected_converted = np.asarray(converted_peers, dtype=float)
    features = features.assign(positive_evidence=positive_evidence(features))
    excluded_reason = _exclusion(features, rules)
    eligible = (excluded_reason == "").to_numpy()
    unproven = excluded_reason.isin(UNPROVEN_REASONS).to_numpy()
    scored = features.assign(
        p_share=p_share,
        engagement_rate=engagement_rate,
        expected_engagements=expected_engagements,
        expected_converted_peers=expected_converted,
        awareness_score=p_share * features["unique_reach_2hop"].to_numpy(dtype=float),
        engagement_score=p_share * expected_engagements,
        conversion_score=expected_converted * value_per_conversion,
        value_per_conversion=value_per_conversion,
        eligible=eligible,
        excluded_reason=excluded_reason.where(~eligible),
    )
    by_id = id_order(scored.index)
    for objective in OBJECTIVES:
        score = scored[f"{objective}_score"].where(eligible)
        scored[f"rank_{objective}"] = rank(score, by_id=by_id)
        scored[f"rank_unproven_{objective}"] = rank(
            scored[f"{objective}_score"].where(unproven), by_id=by_id
        )
    # A negative sentiment with a negative text behind it (the evidence customer care reads):
    # a neutral text the model puts a hair below 0 makes nobody a detractor.
    detractor = ((scored["sentiment"] < 0) & scored["worst_text_id"].notna()) | (
        scored["negative_mentions_recent"] >= rules.negative_mentions_gate
    )
    negativity = np.maximum(-scored["sentiment"], 0.1)
    scored["detractor_score"] = (scored["unique_reach_2hop"] * negativity).where(detractor)
    scored["rank_detractor"] = rank(scored["detractor_score"], by_id=by_id)
    return explain(scored, recent_days=rules.recent_days)


def blend(
    eligible: pd.DataFrame, weights: dict[str, float], *, offset: int = 0, limit: int | None = None
) -> pd.DataFrame:
    """Rank eligible customers by a weighted mix of objectives; adds ``custom_score``,
    ``rank_custom`` and ``explanation_custom``, best first: the ranks ``offset + 1`` to
    ``offset + limit`` (all by default).

    Each objective's score is divided by its mean over the eligible customers before weighting,
    so that a weight of 1 means "as much as one average advocate's value on that objective":
    custom_score = Σ weight(o) × score(o) / mean_eligible(score(o)). Every customer is scored
    and ranked; only the rows returned are explained (a page of a million-customer run).
    """
    total = np.zeros(len(eligible))
    for objective, weight in weights.items():
        score = eligible[f"{objective}_score"].to_numpy(dtype=float, na_value=np.nan)
        mean = float(np.nanmean(score)) if len(score) else 0.0
        if weight > 0 and mean > 0:
            total += weight * score / mean
    # Best first, ties by id, a missing score last (as :func:`rank` orders them): served
    # customers are sorted by id already, so a stable sort of the scores is that order.
    ids = pd.Index(eligible["customer_id"])
    descending = np.where(np.isnan(total), np.inf, -total)
    if ids.is_monotonic_increasing:
        order = np.argsort(descending, kind="stable")
    else:
        order = np.lexsort((id_order(ids), descending))
    rows = order[offset : None if limit is None else offset + limit]
    ranks = np.arange(offset + 1, offset + 1 + len(rows), dtype=float)
    ranks[np.isnan(total[rows])] = np.nan
    page = eligible.iloc[rows]
    by_weight = sorted((o for o in weights if weights[o] > 0), key=lambda o: -weights[o])
    explanation = page[f"explanation_{by_weight[0]}"].astype(str)
    for objective in by_weight[1:]:
        explanation = (
            explanation + f" | {objective}: " + page[f"explanation_{objective}"].astype(str)
        )
    return page.assign(
        custom_score=total[rows],
        explanation_custom=f"{by_weight[0]}: " + explanation,
        rank_custom=pd.array(ranks, dtype="Int64"),
    ).reset_index(drop=True)
