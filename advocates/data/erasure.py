"""Leaving erased customers out of a run, even when the CRM export still holds them.

:func:`drop_customers` removes from the input tables every row about the given customers: their
customer row, orders, accounts, reviews, exposures and referrals (as referrer or as converted
friend), and what their social accounts did or said (mentions, interactions, graph edges).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd

from advocates.data.identity import node_key

__all__ = ["drop_customers"]

_BY_CUSTOMER = {
    "customers": ("customer_id",),
    "orders": ("customer_id",),
    "reviews": ("customer_id",),
    "exposures": ("customer_id",),
    "referrals": ("referrer_customer_id", "converted_customer_id"),
}
_BY_NODE = {
    "mentions": (("network", "author"),),
    "interactions": (("network", "actor"), ("network", "target")),
    "edges": (("network", "source"), ("network", "target")),
}


def drop_customers(
    tables: Mapping[str, pd.DataFrame], customer_ids: Collection[str]
) -> dict[str, pd.DataFrame]:
    """The tables without any row about ``customer_ids`` (the input is not changed).

    >>> tables = {"customers": pd.DataFrame({"customer_id": ["a", "b"]}),
    ...           "accounts": pd.DataFrame({"customer_id": ["b"], "network": ["x"],
    ...                                     "handle": ["@b"]}),
    ...           "mentions": pd.DataFrame({"network": ["x", "x"], "author": ["@b", "@c"]})}
    >>> out = drop_customers(tables, {"b"})
    >>> out["customers"]["customer_id"].tolist(), out["mentions"]["author"].tolist()
    (['a'], ['@c'])
    """
    out = dict(tables)
    if not customer_ids:
        return out
    ids = set(customer_ids)
    if "accounts" in out:
        accounts = out["accounts"]
        theirs = accounts["customer_id"].isin(ids)
        nodes = set(node_key(accounts["network"][theirs], accounts["handle"][theirs]))
        out["accounts"] = accounts[~theirs]
        for name, pairs in _BY_NODE.items():
            if name in out:
                frame = out[name]
                hit = pd.Series(False, index=frame.index)
                for network, handle in pairs:
                    hit |= node_key(frame[network], frame[handle]).isin(nodes)
                out[name] = frame[~hit]
    for name, columns in _BY_CUSTOMER.items():
        if name in out:
            frame = out[name]
            hit = pd.Series(False, index=frame.index)
            for column in columns:
                hit |= frame[column].isin(ids)
            out[name] = frame[~hit]
    return out
