"""The sharing-propensity model: who will share or invite in the next window.

Trained on a time split: features computed as of a cutoff, labels from the window that follows
it (did the customer share brand content or send an invite?). Gradient-boosted trees with
isotonic calibration, so the output is a probability that the objectives can multiply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from ..identity import node_key

__all__ = [
    "PROPENSITY_FEATURES",
    "PropensityFit",
    "fit_sharing_propensity",
    "make_propensity_model",
    "sharing_labels",
]

PROPENSITY_FEATURES = [
    "orders_completed",
    "recency_days",
    "monetary_value",
    "tenure_days",
    "refund_rate",
    "category_breadth",
    "audience_size",
    "unique_reach_2hop",
    "pagerank",
    "engaged_audience_recent",
    "sentiment",
    "sentiment_evidence",
    "negative_mentions_recent",
    "shares_recent",
    "shares_total",
    "invites_sent",
    "conversion_influence",
]

#: Fewer positive or negative labels than this and the model falls back to the base rate.
MIN_CLASS_COUNT = 20


def make_propensity_model(*, seed: int = 0) -> CalibratedClassifierCV:
    """Return an unfitted, calibrated sharing-propensity classifier."""
    trees = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.06,
        max_leaf_nodes=31,
        l2_regularization=1.0,
        random_state=seed,
    )
    return CalibratedClassifierCV(trees, method="isotonic", cv=3)


def sharing_labels(
    *,
    customers: pd.DataFrame,
    links: pd.DataFrame,
    interactions: pd.DataFrame,
    referrals: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.Series:
    """True for each customer who shared or sent an invite in (``start``, ``end``]."""
    shares = interactions[
        (interactions["kind"] == "share")
        & (interactions["occurred_at"] > start)
        & (interactions["occurred_at"] <= end)
    ]
    sharers = links.loc[
        links["node"].isin(node_key(shares["network"], shares["actor"])), "customer_id"
    ]
    inviters = referrals.loc[
        (referrals["invited_at"] > start) & (referrals["invited_at"] <= end), "referrer_customer_id"
    ]
    return (
        customers["customer_id"]
        .isin(pd.concat([sharers, inviters]))
        .set_axis(customers["customer_id"])
    )


@dataclass(frozen=True)
class PropensityFit:
    """A fitted model and how it did on customers it did not see."""

    model: ClassifierMixin
    metrics: dict[str, float | int | str]


def fit_sharing_propensity(
    features: pd.DataFrame, labels: pd.Series, *, seed: int = 0
) -> PropensityFit:
    """Fit on 75% of customers, report ROC-AUC, PR-AUC and Brier score on the other 25%.

    With too few sharers or non-sharers to learn from, returns the base rate for everyone and
    says so in ``metrics["model"]``.
    """
    x = features[PROPENSITY_FEATURES].to_numpy(dtype=float)
    y = labels.reindex(features.index).fillna(False).to_numpy(dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if min(positives, negatives) < MIN_CLASS_COUNT:
        model = DummyClassifier(strategy="prior").fit(x, y)
        return PropensityFit(
            model,
            {"model": "base rate (too few labels)", "positives": positives, "negatives": negatives},
        )
    x_fit, x_test, y_fit, y_test = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=seed
    )
    model = make_propensity_model(seed=seed).fit(x_fit, y_fit)
    p = model.predict_proba(x_test)[:, 1]
    base = np.full(len(y_test), y_fit.mean())
    return PropensityFit(
        model,
        {
            "model": "calibrated gradient-boosted trees",
            "positives": positives,
            "negatives": negatives,
            "roc_auc": round(float(roc_auc_score(y_test, p)), 4),
            "pr_auc": round(float(average_precision_score(y_test, p)), 4),
            "brier": round(float(brier_score_loss(y_test, p)), 4),
            "brier_base_rate": round(float(brier_score_loss(y_test, base)), 4),
        },
    )
