"""The peer-conversion model: labels, the fit, the choice between it and the hand-set formula."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from advocates.models.conversion import (
    CONVERSION_FEATURES,
    MIN_CONVERTERS,
    conversion_labels,
    fit_peer_conversion,
    ndcg_at,
    ranking_metrics,
)

T = pd.Timestamp("2024-06-01", tz="UTC")


def customers(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Features of ``n`` customers, their conversions in the window (driven by the conversions
    of the window before and by their audience's activity, which the formula does not read)
    and a sharing probability."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.gamma(1.0, 1.0, size=(n, len(CONVERSION_FEATURES))),
        columns=CONVERSION_FEATURES,
        index=pd.Index([f"c{i:05d}" for i in range(n)], name="customer_id"),
    )
    frame["conversion_influence"] = rng.uniform(0, 0.3, n)
    frame["conversions_recent"] = rng.poisson(0.3, n).astype(float)
    rate = 0.05 + 0.8 * frame["conversions_recent"] + 0.3 * frame["active_audience_recent"]
    labels = pd.Series(rng.poisson(rate.to_numpy()).astype(float), index=frame.index)
    return frame, labels, rng.uniform(0.2, 0.8, n)


def shares(features: pd.DataFrame, p_share: np.ndarray) -> Callable[[pd.DataFrame], np.ndarray]:
    """The sharing probability of any rows of ``features``, as the propensity model gives it."""
    by_customer = pd.Series(p_share, index=features.index)
    return lambda rows: by_customer.loc[rows.index].to_numpy()


def test_labels_are_the_conversions_of_the_window_per_referrer() -> None:
    day = pd.Timedelta(days=1)
    referrals = pd.DataFrame(
        {
            "referrer_customer_id": ["a", "a", "a", "b", "b"],
            "converted_customer_id": ["p", "q", None, "r", "s"],
            "converted_at": [T - 5 * day, T - 100 * day, pd.NaT, T, T + day],
        }
    )
    labels = conversion_labels(referrals, pd.Index(["a", "b", "c"]), start=T - 90 * day, end=T)
    assert labels.to_dict() == {"a": 1.0, "b": 1.0, "c": 0.0}  # (start, end]


def test_a_model_that_ranks_better_than_the_formula_is_used_and_says_so() -> None:
    features, labels, p_share = customers(4000, seed=1)
    fit = fit_peer_conversion(features, labels, p_share=shares(features, p_share), seed=0)
    metrics = fit.metrics
    assert metrics["used"] == "learned model" and fit.model is not None
    compared = metrics["validation"]
    assert set(compared) == {"learned model", "hand-set formula", "follower count"}
    assert compared["learned model"]["ndcg_at_100"] > compared["hand-set formula"]["ndcg_at_100"]
    assert set(compared["learned model"]) == {"ndcg_at_100", "spearman", "top_1pct_share"}
    assert (metrics["n_fit"], metrics["n_validation"]) == (3000, 1000)
    predicted = fit.model.predict(features)
    assert (predicted >= 0).all()
    # Smeared back to counts: about as many conversions as there were, not log-counts.
    assert predicted.sum() == pytest.approx(labels.sum(), rel=0.25)
    assert np.corrcoef(predicted, labels)[0, 1] > 0.5


def test_the_formula_is_kept_when_the_model_does_not_rank_better() -> None:
    features, _, p_share = customers(3000, seed=2)
    # Conversions that follow the hand-set formula exactly, and nothing else.
    formula = (
        p_share * features["conversion_influence"] * np.maximum(1, features["outreach_recent"])
    )
    labels = (formula * 20).round()
    fit = fit_peer_conversion(features, labels, p_share=shares(features, p_share), seed=0)
    compared = fit.metrics["validation"]
    assert compared["hand-set formula"]["ndcg_at_100"] == pytest.approx(1.0, abs=0.02)
    assert fit.metrics["used"] == "hand-set formula"


def test_too_few_converters_fit_no_model() -> None:
    features, _, p_share = customers(500, seed=3)
    labels = pd.Series(0.0, index=features.index)
    labels.iloc[: MIN_CONVERTERS - 1] = 1.0
    fit = fit_peer_conversion(features, labels, p_share=shares(features, p_share))
    assert fit.model is None and fit.metrics["used"] == "hand-set formula"
    assert fit.metrics["converters"] == MIN_CONVERTERS - 1


def test_ranking_metrics() -> None:
    outcome = np.array([0.0, 5.0, 1.0, 0.0, 2.0] * 40)
    perfect = ranking_metrics(outcome, outcome, k=10)
    assert perfect["ndcg_at_10"] == 1.0 and perfect["spearman"] == pytest.approx(1.0)
    assert perfect["top_1pct_share"] == round(10 / outcome.sum(), 4)  # top 2 of 200: 5 + 5
    worst = ranking_metrics(-outcome, outcome, k=10)
    assert worst["ndcg_at_10"] == 0.0 and worst["spearman"] < 0
    assert ranking_metrics(np.ones(200), outcome)["spearman"] == 0.0  # no ranking at all
    assert ndcg_at(np.array([1.0, 3.0]), np.array([3.0, 1.0]), 2) == pytest.approx(
        (1 + 3 / np.log2(3)) / (3 + 1 / np.log2(3))
    )
