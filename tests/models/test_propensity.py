"""The sharing-propensity model: time-split labels, calibration, and the baselines it must beat."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.models.propensity import (
    PROPENSITY_FEATURES,
    fit_sharing_propensity,
    predict_share,
    sharing_labels,
)

T0 = pd.Timestamp("2026-01-01", tz="UTC")


def synthetic_features(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Sharing driven by past shares and sentiment, not by audience size or purchases."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.random((n, len(PROPENSITY_FEATURES))), columns=PROPENSITY_FEATURES)
    frame["audience_size"] = rng.pareto(1.5, n) * 10
    frame["shares_recent"] = rng.poisson(1.0, n)
    frame["sentiment"] = rng.uniform(-1, 1, n)
    logit = -1.5 + 1.2 * frame["shares_recent"] + 1.5 * frame["sentiment"]
    labels = pd.Series(rng.random(n) < 1 / (1 + np.exp(-logit)), index=frame.index)
    return frame, labels


def test_model_beats_follower_count_and_rfm_baselines_on_held_out_customers() -> None:
    features, labels = synthetic_features(4000, seed=0)
    fit = fit_sharing_propensity(features, labels, seed=0)
    metrics = fit.metrics
    baselines = metrics["baselines"]
    assert set(baselines) == {"follower_count", "rfm_only"}
    for baseline in baselines.values():
        assert metrics["roc_auc"] > baseline["roc_auc"] + 0.1
        assert metrics["pr_auc"] > baseline["pr_auc"]
        assert metrics["brier"] < baseline["brier"]
    assert metrics["brier"] < metrics["brier_base_rate"]
    assert metrics["n_test"] == 1000 and metrics["k"] == 50
    p = fit.model.predict_proba(features[PROPENSITY_FEATURES].to_numpy(dtype=float))[:, 1]
    assert ((p >= 0) & (p <= 1)).all()


def test_probabilities_are_calibrated() -> None:
    features, labels = synthetic_features(6000, seed=1)
    fit = fit_sharing_propensity(features, labels, seed=1)
    fresh, fresh_labels = synthetic_features(6000, seed=2)
    p = fit.model.predict_proba(fresh[PROPENSITY_FEATURES].to_numpy(dtype=float))[:, 1]
    bins = pd.qcut(p, 5, duplicates="drop")
    observed = pd.Series(fresh_labels.to_numpy()).groupby(bins, observed=True).mean()
    predicted = pd.Series(p).groupby(bins, observed=True).mean()
    assert np.abs(observed - predicted).max() < 0.08


def test_too_few_sharers_falls_back_to_the_base_rate_and_says_so() -> None:
    features, _ = synthetic_features(300, seed=3)
    labels = pd.Series(False, index=features.index)
    labels.iloc[:5] = True
    fit = fit_sharing_propensity(features, labels)
    assert fit.metrics["model"] == "base rate (too few labels)"
    p = fit.model.predict_proba(features[PROPENSITY_FEATURES].to_numpy(dtype=float))[:, 1]
    assert p == pytest.approx(np.full(300, 5 / 300))


def test_labels_come_only_from_the_window_after_the_cutoff() -> None:
    customers = pd.DataFrame({"customer_id": ["before", "inside", "invited", "after", "quiet"]})
    links = pd.DataFrame(
        {"node": ["x:b", "x:i", "x:a"], "customer_id": ["before", "inside", "after"]}
    )
    day = pd.Timedelta(days=1)
    interactions = pd.DataFrame(
        {
            "kind": ["share", "share", "share", "like"],
            "network": ["x"] * 4,
            "actor": ["b", "i", "a", "b"],
            "occurred_at": [T0, T0 + 10 * day, T0 + 91 * day, T0 + 10 * day],
        }
    )
    referrals = pd.DataFrame({"referrer_customer_id": ["invited"], "invited_at": [T0 + 90 * day]})
    labels = sharing_labels(
        customers=customers,
        links=links,
        interactions=interactions,
        referrals=referrals,
        start=T0,
        end=T0 + 90 * day,
    )
    assert labels.to_dict() == {
        "before": False,
        "inside": True,
        "invited": True,
        "after": False,
        "quiet": False,
    }


def test_nobody_sharing_gives_zero_not_a_crash() -> None:
    features, _ = synthetic_features(100, seed=4)
    fit = fit_sharing_propensity(features, pd.Series(False, index=features.index))
    assert (predict_share(fit.model, features) == 0).all()
