"""The peer-conversion model: how many peers will convert through a customer in the next window.

Learned as the sharing-propensity model is: features as of a cutoff (the run's date less the
recent window), label = the customer's referrals converted in the window that follows (a friend
who bought after an invite or share, or, on a ratings site, adopted what the customer had
rated). Gradient-boosted trees fitted on log(1 + converted peers): counts of conversions are
heavy-tailed, and the log keeps a few prolific referrers from deciding every split. The
prediction is turned back into a count with Duan's smearing factor (the mean of exp(residual)
on the rows the trees learnt from), which keeps the trees' ordering.

Its validation is the one the choice depends on: on customers held out of the fit, the model's
ranking against the hand-set formula's (p_share × conversion influence × recent outreach) and
follower count's, by NDCG@100, Spearman's rank correlation and the share of conversions that
the top 1% account for. The run's conversion score uses the model only when it ranks the held
out customers better than the formula by NDCG@100, and the report says which it used.

A Poisson loss was measured beside it on the Ciao data (README: *Measured on real data*): it
ranked the future's converters less well, and moved with its settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split

from advocates.models.fit import Fit
from advocates.models.propensity import PROPENSITY_FEATURES, feature_matrix

__all__ = [
    "CONVERSION_FEATURES",
    "PeerConversionModel",
    "conversion_labels",
    "fit_peer_conversion",
    "formula_converted_peers",
    "ndcg_at",
    "ranking_metrics",
]

CONVERSION_FEATURES = [
    *PROPENSITY_FEATURES,
    "invites_converted",
    "outreach_recent",
    "outreach_total",
    "conversions_recent",
    "conversions_previous",
    "converted_peers",
    "active_audience_recent",
    "audience_orders_recent",
]

#: Fewer customers with a conversion in the window than this, and no model is fitted.
MIN_CONVERTERS = 20
#: The share of customers held out of the fit to validate it on.
VALIDATION_SHARE = 0.25
#: The model is fitted on at most this many customers (a sample with every converter's share
#: kept): the trees hardly change beyond it, and the fit's time grows with it.
MAX_FIT_ROWS = 300_000
#: The rankings are compared over their top this many customers.
TOP = 100


def conversion_labels(
    referrals: pd.DataFrame, customers: pd.Index, *, start: pd.Timestamp, end: pd.Timestamp
) -> pd.Series:
    """Converted referrals per customer of ``customers`` (as referrer) with ``converted_at`` in
    (``start``, ``end``]."""
    converted = referrals[
        referrals["converted_customer_id"].notna()
        & (referrals["converted_at"] > start)
        & (referrals["converted_at"] <= end)
    ]
    counts = converted.groupby("referrer_customer_id").size()
    return counts.reindex(customers, fill_value=0).astype(float)


def formula_converted_peers(features: pd.DataFrame) -> np.ndarray:
    """Peers expected to convert by the hand-set formula (without p_share): conversion
    influence × max(1, recent outreach)."""
    return features["conversion_influence"].to_numpy(dtype=float) * np.maximum(
        1.0, features["outreach_recent"].to_numpy(dtype=float)
    )


@dataclass(frozen=True)
class PeerConversionModel:
    """Fitted trees on log(1 + converted peers) and the smearing factor back to counts."""

    trees: HistGradientBoostingRegressor
    smearing: float

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Expected converted peers in the next window, for each row of ``features``."""
        log_count = self.trees.predict(feature_matrix(features, CONVERSION_FEATURES))
        return np.maximum(self.smearing * np.exp(log_count) - 1.0, 0.0)


def make_trees(*, seed: int = 0) -> HistGradientBoostingRegressor:
    """The unfitted trees (settings measured on Ciao: README, *Measured on real data*)."""
    return HistGradientBoostingRegressor(
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        random_state=seed,
    )


def ndcg_at(gains_in_ranked_order: np.ndarray, all_gains: np.ndarray, k: int) -> float:
    """NDCG@k with linear gains and a log2 discount (0 when no gain is positive).

    >>> ndcg_at(np.array([3.0, 0.0, 1.0]), np.array([3.0, 1.0, 0.0]), 2) < 1.0
    True
    """
    discount = 1 / np.log2(np.arange(2, k + 2))
    ideal = np.sort(all_gains)[::-1][:k]
    best = float((ideal * discount[: len(ideal)]).sum())
    got = gains_in_ranked_order[:k]
    return float((got * discount[: len(got)]).sum()) / best if best > 0 else 0.0


def ranking_metrics(score: np.ndarray, outcome: np.ndarray, *, k: int = TOP) -> dict[str, float]:
    """How well ``score`` ranks customers by ``outcome`` (their conversions): NDCG@k, Spearman's
    rank correlation and the share of all conversions the top 1% (at least one) account for.
    Ties are broken by position."""
    order = np.argsort(-score, kind="stable")
    gains = outcome[order]
    top = max(1, len(score) // 100)
    total = float(outcome.sum())
    rho = stats.spearmanr(score, outcome).statistic if np.ptp(score) and np.ptp(outcome) else 0.0
    return {
        f"ndcg_at_{k}": round(ndcg_at(gains, gains, k), 4),
        "spearman": round(float(rho), 4),
        "top_1pct_share": round(float(gains[:top].sum()) / total, 4) if total else 0.0,
    }


def fit_peer_conversion(
    features: pd.DataFrame,
    labels: pd.Series,
    *,
    p_share: Callable[[pd.DataFrame], np.ndarray],
    seed: int = 0,
) -> Fit[PeerConversionModel | None]:
    """Fit on 75% of customers (at most :data:`MAX_FIT_ROWS`); on the other 25%, compare the
    model's ranking with the hand-set formula's (``p_share`` of those rows, the propensity
    model's predictions, × :func:`formula_converted_peers`) and follower count's
    (:func:`ranking_metrics`). ``metrics["used"]`` says which score the run should use:
    ``"learned model"`` when it ranks better than the formula by NDCG@100, else
    ``"hand-set formula"``.

    With fewer than :data:`MIN_CONVERTERS` customers who converted anyone, returns no model.
    """
    y = labels.reindex(features.index).fillna(0.0).to_numpy(dtype=float)
    converters = int((y > 0).sum())
    if converters < MIN_CONVERTERS:
        return Fit(
            model=None,
            metrics={
                "model": f"none (fewer than {MIN_CONVERTERS} customers converted a peer in "
                "the window)",
                "converters": converters,
                "used": "hand-set formula",
            },
        )
    rows = np.arange(len(y))
    fit_rows, test_rows = train_test_split(
        rows, test_size=VALIDATION_SHARE, stratify=y > 0, random_state=seed
    )
    if len(fit_rows) > MAX_FIT_ROWS:
        fit_rows, _ = train_test_split(
            fit_rows, train_size=MAX_FIT_ROWS, stratify=y[fit_rows] > 0, random_state=seed
        )
    x = feature_matrix(features, CONVERSION_FEATURES)
    target = np.log1p(y[fit_rows])
    trees = make_trees(seed=seed).fit(x[fit_rows], target)
    smearing = float(np.mean(np.exp(target - trees.predict(x[fit_rows]))))
    model = PeerConversionModel(trees=trees, smearing=smearing)
    held_out = features.iloc[test_rows]
    outcome = y[test_rows]
    formula = p_share(held_out) * formula_converted_peers(held_out)
    compared = {
        "learned model": ranking_metrics(model.predict(held_out), outcome),
        "hand-set formula": ranking_metrics(formula, outcome),
        "follower count": ranking_metrics(held_out["audience_size"].to_numpy(dtype=float), outcome),
    }
    ndcg = f"ndcg_at_{TOP}"
    better = compared["learned model"][ndcg] > compared["hand-set formula"][ndcg]
    return Fit(
        model=model,
        metrics={
            "model": "gradient-boosted trees on log(1 + converted peers), smeared back to counts",
            "converters": converters,
            "n_fit": len(fit_rows),
            "n_validation": len(test_rows),
            "smearing": round(smearing, 4),
            "validation": compared,
            "used": "learned model" if better else "hand-set formula",
        },
    )
