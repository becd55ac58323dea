"""Incentive uplift: how much more an advocate's peers convert with each incentive than without.

A T-learner (Künzel et al. 2019) fitted on past randomised exposures: one calibrated classifier
per arm (the control arm and each incentive) predicts the chance of a converted referral from the
customer's features; the uplift of incentive ``a`` for a customer is P_a(x) − P_control(x), and
its *relative lift* (what the campaign planner multiplies conversions by) is uplift / P_control.

The model is measured by the Qini coefficient of each arm against control on a held-out 30% of the
exposures: the area between the Qini curve (incremental conversions as the customers with the
highest predicted uplift are treated first) and the straight line of random targeting, divided by
the number of held-out customers of the two arms, squared (so it reads as incremental
conversions per customer, averaged over targeting depths). Positive means the ranking finds the people who
respond; 0 is random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from advocates.models.fit import Fit

__all__ = ["UPLIFT_FEATURES", "UpliftModel", "fit_uplift", "qini_coefficient"]

UPLIFT_FEATURES = [
    "orders_completed",
    "monetary_value",
    "audience_size",
    "sentiment",
    "shares_total",
    "invites_sent",
    "invites_converted",
    "conversion_influence",
]
CONTROL = "control"
#: Fewer exposures than this in an arm (or in control) and no uplift model is fitted.
MIN_ARM_ROWS = 50


@dataclass(frozen=True)
class UpliftModel:
    """One fitted classifier per arm, control included."""

    models: dict[str, Pipeline]

    def relative_lift(self, features: pd.DataFrame) -> pd.DataFrame:
        """Per customer × incentive arm: (P_arm − P_control) / P_control, clipped at 0."""
        x = _matrix(features)
        base = np.clip(self.models[CONTROL].predict_proba(x)[:, 1], 1e-3, None)
        return pd.DataFrame(
            {
                arm: np.clip((model.predict_proba(x)[:, 1] - base) / base, 0.0, None)
                for arm, model in self.models.items()
                if arm != CONTROL
            },
            index=features.index,
        )


def _matrix(features: pd.DataFrame) -> np.ndarray:
    return features[UPLIFT_FEATURES].fillna(0.0).to_numpy(dtype=float)


def _converted(outcome: pd.Series) -> np.ndarray:
    text = outcome.fillna("").astype(str).str.strip().str.lower()
    return (~text.isin(["", "none", "no", "false", "0"])).to_numpy()


def qini_coefficient(uplift: np.ndarray, treated: np.ndarray, converted: np.ndarray) -> float:
    """Area between the Qini curve and random targeting, per customer (see the module docstring).

    >>> uplift = np.array([0.9, 0.8, 0.1, 0.0])
    >>> treated = np.array([True, False, True, False])
    >>> round(qini_coefficient(uplift, treated, np.array([1, 0, 0, 0])), 4)
    0.0938
    """
    order = np.argsort(-uplift, kind="stable")
    t, y = treated[order], converted[order].astype(float)
    n_t, n_c = np.cumsum(t), np.cumsum(~t)
    y_t, y_c = np.cumsum(y * t), np.cumsum(y * ~t)
    curve = y_t - np.divide(y_c * n_t, n_c, out=np.zeros(len(t)), where=n_c > 0)
    random = curve[-1] * np.arange(1, len(t) + 1) / len(t)
    n = max(len(t), 1)
    return float((curve - random).sum() / n / n)


_NO_MODEL = "none (no control arm or too few exposures per arm)"


def fit_uplift(
    exposures: pd.DataFrame, features: pd.DataFrame, *, seed: int = 0
) -> Fit[UpliftModel | None]:
    """Fit the T-learner on exposures (joined to ``features`` by customer_id); no model when there
    is no control arm, too few exposures per arm, or an arm whose outcomes never vary."""
    none: Fit[UpliftModel | None] = Fit(model=None, metrics={"model": _NO_MODEL})
    data = exposures.merge(
        features[UPLIFT_FEATURES], left_on="customer_id", right_index=True, how="inner"
    )
    counts = data["arm"].value_counts()
    arms = [a for a in counts.index if a != CONTROL and counts[a] >= MIN_ARM_ROWS]
    if counts.get(CONTROL, 0) < MIN_ARM_ROWS or not arms:
        return none
    data = data[data["arm"].isin([CONTROL, *arms])].reset_index(drop=True)
    y = _converted(data["outcome"])
    fit_rows, test_rows = train_test_split(
        np.arange(len(data)), test_size=0.3, stratify=data["arm"], random_state=seed
    )
    x = _matrix(data)
    models: dict[str, Pipeline] = {}
    for arm in [CONTROL, *arms]:
        rows = fit_rows[(data["arm"].to_numpy()[fit_rows] == arm)]
        if len(np.unique(y[rows])) < 2:
            return none
        models[arm] = make_pipeline(StandardScaler(), LogisticRegression(C=0.5)).fit(
            x[rows], y[rows]
        )
    fitted = UpliftModel(models=models)
    held = data.iloc[test_rows]
    lift = fitted.relative_lift(held)
    base = models[CONTROL].predict_proba(x[test_rows])[:, 1]
    qini = {}
    for arm in arms:
        mask = held["arm"].isin([arm, CONTROL]).to_numpy()
        qini[arm] = round(
            qini_coefficient(
                (lift[arm].to_numpy() * base)[mask],
                (held["arm"].to_numpy() == arm)[mask],
                y[test_rows][mask],
            ),
            5,
        )
    metrics: dict[str, object] = {
        "model": "T-learner, logistic regression per arm",
        "arms": {arm: int(counts[arm]) for arm in [CONTROL, *arms]},
        "n_test": len(test_rows),
        "qini": qini,
        "conversion_rate": {
            arm: round(float(y[data["arm"].to_numpy() == arm].mean()), 4)
            for arm in [CONTROL, *arms]
        },
    }
    return Fit(model=fitted, metrics=metrics)
