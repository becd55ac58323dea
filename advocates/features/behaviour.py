"""Behaviour features: shares, invites sent and converted, and conversion influence.

Conversion influence is the share of a person's invites that their peers acted on, shrunk toward
the population rate (empirical Bayes, a Beta prior fitted by the method of moments), so that one
lucky invite does not make a star.

Examples
--------
>>> import numpy as np
>>> a, b = beta_prior(np.array([0, 1, 2, 0, 5]), np.array([4, 3, 4, 2, 10]))
>>> round(a / (a + b), 3)  # the prior mean is the pooled rate of these referrers
0.348
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..identity import node_key

__all__ = ["BEHAVIOUR_FEATURES", "behaviour_features", "beta_prior"]

BEHAVIOUR_FEATURES = [
    "shares_recent",
    "shares_total",
    "invites_sent",
    "invites_converted",
    "conversion_influence",
]


def beta_prior(successes: np.ndarray, trials: np.ndarray) -> tuple[float, float]:
    """Fit a Beta(a, b) prior to per-person rates by the method of moments.

    Falls back to a weak prior (strength 10) around the pooled rate when the rates vary less than
    binomial noise alone would make them.
    """
    trials = np.asarray(trials, dtype=float)
    successes = np.asarray(successes, dtype=float)
    mask = trials > 0
    if not mask.any():
        return 1.0, 9.0
    pooled = successes[mask].sum() / trials[mask].sum()
    pooled = float(np.clip(pooled, 1e-3, 1 - 1e-3))
    rates = successes[mask] / trials[mask]
    variance = float(np.var(rates))
    noise = float(np.mean(pooled * (1 - pooled) / trials[mask]))
    between = variance - noise
    strength = pooled * (1 - pooled) / between - 1 if between > 0 else 10.0
    strength = float(np.clip(strength, 2.0, 1000.0))
    return pooled * strength, (1 - pooled) * strength


def behaviour_features(
    *,
    customers: pd.DataFrame,
    links: pd.DataFrame,
    interactions: pd.DataFrame,
    referrals: pd.DataFrame,
    as_of: pd.Timestamp,
    recent_days: int,
) -> pd.DataFrame:
    """Per-customer sharing and referral behaviour up to ``as_of``, indexed by customer_id."""
    index = pd.Index(customers["customer_id"], name="customer_id")
    shares = interactions[
        (interactions["kind"] == "share") & (interactions["occurred_at"] <= as_of)
    ]
    share_owner = shares.assign(node=node_key(shares["network"], shares["actor"])).merge(
        links, on="node"
    )
    recent = share_owner["occurred_at"] > as_of - pd.Timedelta(days=recent_days)
    sent = referrals[referrals["invited_at"] <= as_of]
    converted = sent["converted_customer_id"].notna() & (sent["converted_at"] <= as_of).fillna(
        False
    ).astype(bool)
    invites = sent.groupby("referrer_customer_id").size().reindex(index, fill_value=0)
    wins = sent[converted].groupby("referrer_customer_id").size().reindex(index, fill_value=0)
    a, b = beta_prior(wins.to_numpy(), invites.to_numpy())
    return pd.DataFrame(
        {
            "shares_recent": share_owner[recent]
            .groupby("customer_id")
            .size()
            .reindex(index, fill_value=0)
            .astype(float),
            "shares_total": share_owner.groupby("customer_id")
            .size()
            .reindex(index, fill_value=0)
            .astype(float),
            "invites_sent": invites.astype(float),
            "invites_converted": wins.astype(float),
            "conversion_influence": (wins + a) / (invites + a + b),
        },
        index=index,
    )
