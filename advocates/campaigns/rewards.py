"""Reward status of converted referrals: a reward is earned only once the return window is over
and the friend's order was not refunded.

Examples
--------
>>> t = pd.Timestamp("2024-03-01", tz="UTC")
>>> referrals = pd.DataFrame({"referral_id": ["r1", "r2", "r3", "r4"],
...     "referrer_customer_id": ["a"] * 4, "converted_customer_id": ["b", "c", "d", None],
...     "converted_at": [t - pd.Timedelta(days=40), t - pd.Timedelta(days=40), t - pd.Timedelta(days=5), pd.NaT],
...     "order_id": ["o1", "o2", "o3", None]})
>>> orders = pd.DataFrame({"order_id": ["o1", "o2", "o3"], "status": ["completed", "refunded", "completed"]})
>>> referral_rewards(referrals, orders, as_of=t, return_window_days=30)["reward_status"].tolist()
['earned', 'void: order refunded', 'pending: return window open until 2024-03-26']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advocates.data.membership import positions

__all__ = ["referral_rewards"]


def referral_rewards(
    referrals: pd.DataFrame, orders: pd.DataFrame, *, as_of: pd.Timestamp, return_window_days: int
) -> pd.DataFrame:
    """One row per converted referral up to ``as_of`` with its ``reward_status``: ``earned``,
    ``void: order refunded`` (the friend's order was refunded; the orders table has no refund date,
    so every refund counts as within the window) or ``pending: return window open until DATE``."""
    converted = referrals[
        referrals["converted_customer_id"].notna() & (referrals["converted_at"] <= as_of)
    ]
    window_end = converted["converted_at"] + pd.Timedelta(days=return_window_days)
    refunded = np.zeros(len(converted), dtype=bool)
    if "order_id" in converted and len(orders):
        order = positions(converted["order_id"], orders["order_id"])
        was_refunded = (orders["status"] == "refunded").to_numpy(dtype=bool)
        refunded[order >= 0] = was_refunded[order[order >= 0]]
    open_window = (window_end > as_of).to_numpy(dtype=bool)
    reward = np.where(
        refunded,
        "void: order refunded",
        np.where(
            open_window,
            "pending: return window open until " + window_end.dt.strftime("%Y-%m-%d").fillna(""),
            "earned",
        ),
    )
    return pd.DataFrame(
        {
            "referral_id": converted["referral_id"].to_numpy(),
            "referrer_customer_id": converted["referrer_customer_id"].to_numpy(),
            "converted_customer_id": converted["converted_customer_id"].to_numpy(),
            "converted_at": converted["converted_at"].to_numpy(),
            "order_id": converted["order_id"].to_numpy() if "order_id" in converted else None,
            "reward_status": reward,
        }
    )
