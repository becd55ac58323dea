"""The sharing-propensity model: who will share or invite in the next window.

Trained on a time split: features computed as of a cutoff, labels from the window that follows
it (did the customer share brand content or send an invite?). Gradient-boosted trees with a
calibration fitted on customers the trees did not see, so the output is a probability that the
objectives can multiply.

One boosted model instead of three-fold calibration's three (and three more for the purchase-only
baseline): that was most of the stage's time at a million customers. Its calibration is sigmoid
(Platt): isotonic regression on one held-out slice turns the scores into a staircase of a few
hundred values, and the ties cost 0.012 of PR-AUC on the 100,000-customer demo (0.006 at a
million), where the sigmoid keeps the trees' ordering and matches the three-model figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit, train_test_split

from advocates.data.identity import node_key
from advocates.data.membership import is_in
from advocates.models.fit import Fit

__all__ = [
    "PROPENSITY_FEATURES",
    "RFM_FEATURES",
    "feature_matrix",
    "fit_sharing_propensity",
    "make_propensity_model",
    "predict_share",
    "score_metrics",
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

#: The features of the purchase-only baseline.
RFM_FEATURES = ["orders_completed", "recency_days", "monetary_value"]

#: Fewer positive or negative labels than this and the model falls back to the base rate.
MIN_CLASS_COUNT = 20

#: The share of the customers a model is given that calibrates the trees' scores instead of
#: fitting them (a sigmoid has two parameters: a tenth is plenty, and the trees keep the rest).
CALIBRATION_SHARE = 0.1

#: The purchase-only baseline is fitted on a stratified sample of at most this many customers:
#: it is a yardstick, and its figures hardly move beyond that size.
BASELINE_MAX_FIT = 200_000


def make_propensity_model(*, seed: int = 0) -> CalibratedClassifierCV:
    """Return an unfitted, calibrated sharing-propensity classifier: one boosted model fitted on
    90% of the rows it is given, its scores turned into probabilities by a sigmoid fitted on the
    other 10% (a stratified split, see :data:`CALIBRATION_SHARE`)."""
    trees = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.06,
        max_leaf_nodes=31,
        l2_regularization=1.0,
        random_state=seed,
    )
    split = StratifiedShuffleSplit(n_splits=1, test_size=CALIBRATION_SHARE, random_state=seed)
    return CalibratedClassifierCV(trees, method="sigmoid", cv=split)


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
        is_in(links["node"], node_key(shares["network"], shares["actor"])), "customer_id"
    ]
    inviters = referrals.loc[
        (referrals["invited_at"] > start) & (referrals["invited_at"] <= end), "referrer_customer_id"
    ]
    shared = is_in(customers["customer_id"], pd.concat([sharers, inviters]))
    return pd.Series(shared, index=pd.Index(customers["customer_id"]))


def fit_sharing_propensity(
    features: pd.DataFrame, labels: pd.Series, *, seed: int = 0
) -> Fit[ClassifierMixin]:
    """Fit on 75% of customers; on the other 25% report ROC-AUC, PR-AUC, Brier score and
    precision among the top 5% (at least 20), beside the same figures for two baselines: ranking by
    audience size (follower count) and the same model on purchase features (RFM) alone, fitted
    on at most :data:`BASELINE_MAX_FIT` of the 75% (``n_fit`` says how many).

    With too few sharers or non-sharers to learn from, returns the base rate for everyone and
    says so in ``metrics["model"]``.
    """
    x = feature_matrix(features, PROPENSITY_FEATURES)
    y = labels.reindex(features.index).fillna(False).to_numpy(dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if min(positives, negatives) < MIN_CLASS_COUNT:
        model = DummyClassifier(strategy="prior").fit(x, y)
        return Fit(
            model=model,
            metrics={
                "model": "base rate (too few labels)",
                "positives": positives,
                "negatives": negatives,
            },
        )
    index = np.arange(len(y))
    fit_rows, test_rows = train_test_split(index, test_size=0.25, stratify=y, random_state=seed)
    model = make_propensity_model(seed=seed).fit(x[fit_rows], y[fit_rows])
    y_test = y[test_rows]
    k = max(20, len(test_rows) // 20)
    metrics: dict[str, object] = {
        "model": "calibrated gradient-boosted trees",
        "positives": positives,
        "negatives": negatives,
        "n_fit": len(fit_rows),
        "n_test": len(test_rows),
        "k": k,
        **score_metrics(y_test, model.predict_proba(x[test_rows])[:, 1], k=k),
        "brier_base_rate": round(
            float(brier_score_loss(y_test, np.full(len(y_test), y[fit_rows].mean()))), 4
        ),
    }
    # Baselines on the same held-out customers: audience size (follower count) turned into a
    # probability by isotonic regression, and the same model on purchase features alone.
    audience = features["audience_size"].to_numpy(dtype=float)
    followers = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(
        audience[fit_rows], y[fit_rows]
    )
    rfm = feature_matrix(features, RFM_FEATURES)
    rfm_rows = _stratified_sample(fit_rows, y, BASELINE_MAX_FIT, seed=seed)
    rfm_model = make_propensity_model(seed=seed).fit(rfm[rfm_rows], y[rfm_rows])
    metrics["baselines"] = {
        "follower_count": score_metrics(
            y_test, followers.predict(audience[test_rows]), k=k, ranking=audience[test_rows]
        ),
        "rfm_only": {
            **score_metrics(y_test, rfm_model.predict_proba(rfm[test_rows])[:, 1], k=k),
            "n_fit": len(rfm_rows),
        },
    }
    return Fit(model=model, metrics=metrics)


def _stratified_sample(rows: np.ndarray, y: np.ndarray, size: int, *, seed: int) -> np.ndarray:
    """``rows``, or at most ``size`` of them with the same share of each label."""
    if len(rows) <= size:
        return rows
    kept, _ = train_test_split(rows, train_size=size, stratify=y[rows], random_state=seed)
    return np.sort(kept)


def feature_matrix(features: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The model's input: ``columns`` as floats, missing values kept (the trees route them),
    except that a column missing for everyone is 0: it says nothing, and the trees' binning
    fails on it (no orders at all leave every purchase recency missing)."""
    x = features[columns].to_numpy(dtype=float, copy=True)
    x[:, np.isnan(x).all(axis=0)] = 0.0
    return x


def predict_share(model: ClassifierMixin, features: pd.DataFrame) -> np.ndarray:
    """P(shares or invites in the next window) for each row of ``features``.

    A fallback model that only ever saw one label answers 0 or 1 for everyone.
    """
    proba = model.predict_proba(feature_matrix(features, PROPENSITY_FEATURES))
    classes = list(model.classes_)
    if True in classes:
        return np.asarray(proba[:, classes.index(True)], dtype=float)
    return np.zeros(len(features))


def score_metrics(
    y: np.ndarray, probability: np.ndarray, *, k: int, ranking: np.ndarray | None = None
) -> dict[str, float]:
    """ROC-AUC, PR-AUC, Brier score and precision among the top ``k`` of held-out labels ``y``.

    ``ranking`` orders people when it differs from ``probability`` (a raw follower count ranks
    finer than its calibrated probability); ties are broken by position.

    >>> score_metrics(np.array([1, 0, 1, 0]), np.array([0.9, 0.1, 0.8, 0.3]), k=2)
    {'roc_auc': 1.0, 'pr_auc': 1.0, 'brier': 0.0375, 'precision_at_k': 1.0}
    """
    order_by = probability if ranking is None else ranking
    top = np.argsort(-order_by, kind="stable")[:k]
    return {
        "roc_auc": round(float(roc_auc_score(y, order_by)), 4),
        "pr_auc": round(float(average_precision_score(y, order_by)), 4),
        "brier": round(float(brier_score_loss(y, probability)), 4),
        "precision_at_k": round(float(np.mean(y[top])), 4),
    }
