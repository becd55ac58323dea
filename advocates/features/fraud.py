"""Referral-fraud flags and recent contacts: what keeps a customer out of a campaign.

* self-referral: a converted referral whose friend shares an identifier with the referrer (the
  same e-mail address after trimming and lower-casing, or the same ``payment_fingerprint`` or
  ``device_id`` where the customers table has those columns);
* referral ring: customers who refer each other in a cycle (a strongly connected group of two or
  more in the graph referrer → converted friend, counting each friend's first conversion only);
* implausible velocity: more than ``max_invites_per_day`` invites from one customer in one day.

Examples
--------
>>> customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
...                           "email": ["A@x.com", "a@x.com ", "c@x.com", "d@x.com"]})
>>> t = pd.Timestamp("2024-01-01", tz="UTC")
>>> referrals = pd.DataFrame({"referrer_customer_id": ["a", "c", "d"], "converted_customer_id": ["b", "d", "c"],
...                           "invited_at": [t] * 3})
>>> fraud_flags(customers=customers, referrals=referrals, as_of=t, max_invites_per_day=50).tolist()
['self-referral (shared email)', None, 'referral ring', 'referral ring']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["IDENTIFIERS", "contacts_recent", "fraud_flags"]

#: Customer columns that identify a person; shared between referrer and friend = self-referral.
IDENTIFIERS = ("email", "payment_fingerprint", "device_id")


def fraud_flags(
    *,
    customers: pd.DataFrame,
    referrals: pd.DataFrame,
    as_of: pd.Timestamp,
    max_invites_per_day: int,
) -> pd.Series:
    """The first fraud reason per customer (None when clean), indexed like ``customers``."""
    index = pd.Index(customers["customer_id"], name="customer_id")
    flags = pd.Series(None, index=index, dtype=object)
    sent = referrals[referrals["invited_at"] <= as_of]

    def flag(who: pd.Series, reason: str) -> None:
        hit = index.isin(who) & flags.isna().to_numpy()
        flags[hit] = reason

    converted = sent[sent["converted_customer_id"].notna()]
    for column in IDENTIFIERS:
        if column not in customers:
            continue
        ids = customers.set_index("customer_id")[column].astype("string").str.strip().str.lower()
        ids = ids[ids.notna() & (ids != "")]
        mine = ids.reindex(converted["referrer_customer_id"]).reset_index(drop=True)
        theirs = ids.reindex(converted["converted_customer_id"]).reset_index(drop=True)
        same = (mine == theirs).fillna(False).to_numpy(dtype=bool)
        flag(converted["referrer_customer_id"][same], f"self-referral (shared {column})")

    # A customer is acquired once: only each friend's first converted referral can close a ring
    # (data where one person "converts" many times, like product adoptions, would be all rings).
    acquired = converted.sort_values("invited_at", kind="stable").drop_duplicates(
        "converted_customer_id"
    )
    if len(acquired):
        converted = acquired
        people = pd.Index(
            pd.concat(
                [converted["referrer_customer_id"], converted["converted_customer_id"]]
            ).unique()
        )
        rows = people.get_indexer(converted["referrer_customer_id"])
        cols = people.get_indexer(converted["converted_customer_id"])
        graph = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(people), len(people)))
        _, component = connected_components(graph, directed=True, connection="strong")
        size = np.bincount(component)
        flag(pd.Series(people[size[component] >= 2]), "referral ring")

    per_day = sent.groupby(["referrer_customer_id", sent["invited_at"].dt.floor("D")]).size()
    fast = per_day[per_day > max_invites_per_day].index.get_level_values(0)
    flag(pd.Series(fast.unique()), f"more than {max_invites_per_day} invites in one day")
    return flags.astype(object).where(flags.notna(), None)


def contacts_recent(
    *, customers: pd.DataFrame, exposures: pd.DataFrame, as_of: pd.Timestamp, days: int
) -> pd.Series:
    """How many campaigns assigned each customer in the ``days`` before ``as_of``."""
    index = pd.Index(customers["customer_id"], name="customer_id")
    window = exposures[
        (exposures["assigned_at"] <= as_of)
        & (exposures["assigned_at"] > as_of - pd.Timedelta(days=days))
    ]
    return window.groupby("customer_id").size().reindex(index, fill_value=0).astype(float)
