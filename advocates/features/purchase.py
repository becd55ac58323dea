"""Purchase features from the CRM: recency, frequency, monetary value, tenure, refunds, breadth.

Examples
--------
>>> import pandas as pd
>>> t = lambda s: pd.Timestamp(s, tz="UTC")
>>> customers = pd.DataFrame({"customer_id": ["a", "b"], "created_at": [t("2024-01-01")] * 2})
>>> orders = pd.DataFrame({"customer_id": ["a", "a", "a"], "ordered_at": [t("2024-02-01"), t("2024-03-01"), t("2024-03-02")],
...                        "amount": [10.0, 30.0, 5.0], "status": ["completed", "completed", "refunded"],
...                        "category": ["x", "y", "y"]})
>>> f = purchase_features(customers=customers, orders=orders, as_of=t("2024-03-11"))
>>> f.loc["a", ["orders_completed", "recency_days", "monetary_value", "refund_rate", "category_breadth"]].tolist()
[2.0, 10.0, 20.0, 0.3333333333333333, 2.0]
>>> f.loc["b", "orders_completed"], pd.isna(f.loc["b", "recency_days"])
(np.float64(0.0), True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PURCHASE_FEATURES", "purchase_features"]

PURCHASE_FEATURES = [
    "orders_completed",
    "recency_days",
    "monetary_value",
    "total_spend",
    "tenure_days",
    "refund_rate",
    "category_breadth",
]

_DAY = pd.Timedelta(days=1)


def purchase_features(
    *, customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Per-customer purchase features from orders placed up to ``as_of``, indexed by customer_id.

    Customers with no order have zero counts and a missing recency and monetary value.
    """
    known = orders[orders["ordered_at"] <= as_of]
    completed = known[known["status"] == "completed"]
    refunded = known[known["status"] == "refunded"]
    by_customer = completed.groupby("customer_id", sort=False)
    agg = pd.DataFrame(
        {
            "orders_completed": by_customer.size(),
            "last_order_at": by_customer["ordered_at"].max(),
            "monetary_value": by_customer["amount"].mean(),
            "total_spend": by_customer["amount"].sum(),
            "category_breadth": by_customer["category"].nunique()
            if "category" in completed
            else by_customer.size() * 0,
        }
    )
    refunds = refunded.groupby("customer_id", sort=False).size().rename("refunds")
    out = customers[["customer_id", "created_at"]].set_index("customer_id").join(agg).join(refunds)
    orders_completed = out["orders_completed"].fillna(0).astype(float)
    refunds_n = out["refunds"].fillna(0).astype(float)
    total = orders_completed + refunds_n
    return pd.DataFrame(
        {
            "orders_completed": orders_completed,
            "recency_days": (as_of - out["last_order_at"]) / _DAY,
            "monetary_value": out["monetary_value"].astype(float),
            "total_spend": out["total_spend"].fillna(0.0).astype(float),
            "tenure_days": ((as_of - out["created_at"]) / _DAY).clip(lower=0),
            "refund_rate": np.divide(
                refunds_n, total, out=np.zeros(len(total)), where=total.to_numpy() > 0
            ),
            "category_breadth": out["category_breadth"].fillna(0).astype(float),
        },
        index=out.index,
    )
