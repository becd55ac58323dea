"""Behaviour features: shares, invites sent and converted, and conversion influence.

Conversion influence is the rate at which a person's peers act after that person reaches out:
converted invites ÷ outreach, where outreach counts their shares of brand content and their
invites. The rate is shrunk toward the population rate (empirical Bayes, a Beta prior fitted by
the method of moments), so that one lucky invite does not make a star. It says nothing of how
many people the person reaches: reach is a separate feature, so the product can tell a
broadcaster (large reach, low influence) from a person whose peers take their advice.

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

from advocates.data.identity import node_key
from advocates.data.membership import count_at, positions

__all__ = ["BEHAVIOUR_FEATURES", "behaviour_features", "beta_prior"]

BEHAVIOUR_FEATURES = [
    "shares_recent",
    "shares_total",
    "invites_sent",
    "invites_converted",
    "outreach_total",
    "outreach_recent",
    "conversion_influence",
    "conversions_recent",
    "conversions_previous",
    "converted_peers",
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
    """Per-customer sharing and referral behaviour up to ``as_of``, indexed by customer_id.

    Besides the counts of :data:`BEHAVIOUR_FEATURES` above ``conversion_influence``: the
    referrals converted (by ``converted_at``) in the recent window (``conversions_recent``) and
    in the window before it (``conversions_previous``), and how many distinct peers ever
    converted through the customer (``converted_peers``): what the peer-conversion model learns
    from (:mod:`advocates.models.conversion`).
    """
    index = pd.Index(customers["customer_id"], name="customer_id")
    shares = interactions[
        (interactions["kind"] == "share") & (interactions["occurred_at"] <= as_of)
    ]
    # Each share's owner: its actor's node is one customer's account, or nobody's (a node is
    # one (network, handle) pair, which the contract keeps unique among accounts).
    account = positions(node_key(shares["network"], shares["actor"]), links["node"])
    sharer = np.full(len(account), -1)
    owned = account >= 0
    sharer[owned] = positions(links["customer_id"], index)[account[owned]]
    since = as_of - pd.Timedelta(days=recent_days)
    sent = referrals[referrals["invited_at"] <= as_of]
    converted = sent["converted_customer_id"].notna() & (sent["converted_at"] <= as_of).fillna(
        False
    ).astype(bool)

    referrer, n = positions(sent["referrer_customer_id"], index), len(index)
    shares_total = count_at(sharer, n)
    shares_recent = count_at(sharer, n, mask=(shares["occurred_at"] > since).to_numpy(bool))
    invites = count_at(referrer, n)
    invites_recent = count_at(referrer, n, mask=(sent["invited_at"] > since).to_numpy(bool))
    wins = count_at(referrer, n, mask=converted.to_numpy(bool))
    outreach = shares_total + invites
    a, b = beta_prior(wins, outreach)
    won = sent[converted]
    won_at = positions(won["referrer_customer_id"], index)
    before = since - pd.Timedelta(days=recent_days)
    peers = won[["referrer_customer_id", "converted_customer_id"]].drop_duplicates()
    return pd.DataFrame(
        {
            "shares_recent": shares_recent,
            "shares_total": shares_total,
            "invites_sent": invites,
            "invites_converted": wins,
            "outreach_total": outreach,
            "outreach_recent": shares_recent + invites_recent,
            "conversion_influence": (wins + a) / (outreach + a + b),
            "conversions_recent": count_at(
                won_at, n, mask=(won["converted_at"] > since).to_numpy(bool)
            ),
            "conversions_previous": count_at(
                won_at,
                n,
                mask=((won["converted_at"] > before) & (won["converted_at"] <= since)).to_numpy(
                    bool
                ),
            ),
            "converted_peers": count_at(positions(peers["referrer_customer_id"], index), n),
        },
        index=index,
    )
