"""Identity: join CRM customers to the social-graph nodes they own.

A graph node is a (network, handle) pair, keyed as ``network:handle``. Nodes that belong to no
customer stay in the graph: they are the audience an advocate reaches.

Examples
--------
>>> import pandas as pd
>>> accounts = pd.DataFrame({"customer_id": ["c1", "c1"], "network": ["x", "instagram"],
...                          "handle": ["ann", "ann.b"]})
>>> link_customers(accounts)["node"].tolist()
['x:ann', 'instagram:ann.b']
"""

from __future__ import annotations

import pandas as pd

__all__ = ["link_customers", "node_key"]


def node_key(network: pd.Series, handle: pd.Series) -> pd.Series:
    """Key of the graph node of each (network, handle) pair."""
    return network.astype(str) + ":" + handle.astype(str)


def link_customers(accounts: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (customer_id, node) from the accounts table."""
    return pd.DataFrame(
        {
            "customer_id": accounts["customer_id"].to_numpy(),
            "node": node_key(accounts["network"], accounts["handle"]).to_numpy(),
        }
    )
