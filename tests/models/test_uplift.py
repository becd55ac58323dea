"""The incentive uplift model (T-learner) and its Qini coefficient."""

from __future__ import annotations

import numpy as np
import pandas as pd

from advocates.models.uplift import UPLIFT_FEATURES, fit_uplift, qini_coefficient


def exposures_with_heterogeneous_uplift(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two-sided reward works only for customers with a positive sentiment."""
    rng = np.random.default_rng(seed)
    ids = [f"c{i}" for i in range(n)]
    features = pd.DataFrame(
        rng.random((n, len(UPLIFT_FEATURES))), columns=UPLIFT_FEATURES, index=ids
    )
    features["sentiment"] = rng.uniform(-1, 1, n)
    arm = rng.choice(["control", "DUO10", "ADV10"], n)
    p = 0.1 + np.where((arm == "DUO10") & (features["sentiment"] > 0), 0.3, 0.0)
    outcome = np.where(rng.random(n) < p, "referral_converted", "none")
    exposures = pd.DataFrame({"customer_id": ids, "arm": arm, "outcome": outcome})
    return exposures, features


def test_t_learner_finds_who_responds_to_which_incentive() -> None:
    exposures, features = exposures_with_heterogeneous_uplift(6000, seed=0)
    fit = fit_uplift(exposures, features, seed=0)
    assert fit.model is not None
    qini = fit.metrics["qini"]
    assert qini["DUO10"] > 0.01 and qini["DUO10"] > 5 * abs(qini["ADV10"])
    lift = fit.model.relative_lift(features)
    happy = features["sentiment"] > 0.3
    assert lift.loc[happy, "DUO10"].mean() > 2 * lift.loc[~happy, "DUO10"].mean()
    assert (lift >= 0).all().all()


def test_no_control_arm_means_no_model() -> None:
    exposures, features = exposures_with_heterogeneous_uplift(600, seed=1)
    fit = fit_uplift(exposures[exposures["arm"] != "control"], features)
    assert fit.model is None
    assert fit.metrics["model"].startswith("none")


def test_qini_is_zero_for_random_and_positive_for_a_good_ranking() -> None:
    rng = np.random.default_rng(2)
    treated = rng.random(4000) < 0.5
    responder = rng.random(4000) < 0.5
    converted = treated & responder
    assert qini_coefficient(responder.astype(float), treated, converted) > 0.05
    assert abs(qini_coefficient(rng.random(4000), treated, converted)) < 0.02
