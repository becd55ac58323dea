"""Import the Ciao data set (Tang et al.: dated product ratings and a trust graph) as Advocates input.

The mapping onto the input contract:

* every user is a customer (marketing consent granted, language ``en``, country ``GB``), created
  on the day of their first rating, with one account on the network ``ciao``;
* every rating is a completed order of one unit (Ciao has no prices, so ``amount`` is 1) in the
  product's category, and a public post: an interaction of kind ``share`` by its author (for
  users in the trust graph, the only ones whose shares can reach anyone);
* every rating of 1 to 5 stars is a review with that rating and no text (34 ratings of 0 stars,
  which the source does not document, are orders only);
* "A trusts B" is the edge ``A follows B``: A is in B's audience;
* every case of a truster rating a product after the user they trust first rated it (on a later
  day) is a converted referral of the trusted user: invited on the trusted user's rating day,
  converted on the truster's.

:func:`ciao_tables` is pure; :func:`read_ciao` and :func:`import_ciao` are the edges.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from advocates.data.io import write_table
from advocates.errors import InputError
from advocates.evaluation.models import read_labelled_csv

__all__ = ["ciao_tables", "import_ciao", "read_ciao"]

NETWORK = "ciao"
_RATINGS = ["user_id", "product_id", "category_id", "rating", "date_utc"]
_TRUST = ["truster_id", "trustee_id"]


def read_ciao(folder: Path) -> dict[str, pd.DataFrame]:
    """Read ``ratings.csv.gz``, ``trust.csv.gz`` and (optionally) ``categories.csv.gz``."""
    ratings = read_labelled_csv(folder / "ratings.csv.gz", _RATINGS)
    trust = read_labelled_csv(folder / "trust.csv.gz", _TRUST)
    categories_path = folder / "categories.csv.gz"
    categories = (
        read_labelled_csv(categories_path, ["category_id", "category_name"])
        if categories_path.is_file()
        else pd.DataFrame({"category_id": [], "category_name": []})
    )
    return {"ratings": ratings, "trust": trust, "categories": categories}


def _day(values: pd.Series, *, file: str) -> pd.Series:
    days = pd.to_datetime(values, utc=True, errors="coerce")
    bad = days.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 2
        raise InputError(
            f"{file}: row {row}, column 'date_utc': {values[bad].iloc[0]!r} is not a date"
        )
    return days.dt.normalize()


def ciao_tables(
    ratings: pd.DataFrame,
    trust: pd.DataFrame,
    categories: pd.DataFrame,
    *,
    until: pd.Timestamp | None = None,
) -> dict[str, pd.DataFrame]:
    """Map Ciao's ratings and trust edges onto the input tables (see the module's docstring).

    Ratings on or after ``until`` are left out, so that a forecast made at ``until`` sees nothing
    of the future, converted referrals included.
    """
    ratings = ratings.assign(
        user_id=ratings["user_id"].astype(str),
        product_id=ratings["product_id"].astype(str),
        category_id=ratings["category_id"].astype(str),
        rating=pd.to_numeric(ratings["rating"], errors="raise"),
        day=_day(ratings["date_utc"], file="ratings.csv.gz"),
    ).reset_index(drop=True)
    if until is not None:
        ratings = ratings[ratings["day"] < until].reset_index(drop=True)
    if ratings.empty:
        raise InputError("ratings.csv.gz: no rating before the --until date")
    trust = trust.astype(str).drop_duplicates()
    names = dict(
        zip(categories["category_id"].astype(str), categories["category_name"], strict=True)
    )
    ratings["order_id"] = "o" + ratings.index.astype(str)

    first = ratings.groupby("user_id")["day"].min()
    customers = pd.DataFrame(
        {
            "customer_id": first.index,
            "created_at": first.to_numpy(),
            "marketing_consent": True,
            "language": "en",
            "country": "GB",
        }
    )
    trust = trust[trust["truster_id"].isin(first.index) & trust["trustee_id"].isin(first.index)]
    orders = pd.DataFrame(
        {
            "order_id": ratings["order_id"],
            "customer_id": ratings["user_id"],
            "ordered_at": ratings["day"],
            "amount": 1.0,
            "status": "completed",
            "category": ratings["category_id"].map(names).fillna(ratings["category_id"]),
        }
    )
    rated = ratings[ratings["rating"].between(1, 5)]
    reviews = pd.DataFrame(
        {
            "review_id": "r" + rated.index.astype(str),
            "customer_id": rated["user_id"],
            "created_at": rated["day"],
            "rating": rated["rating"],
            "text": "",
            "language": "en",
        }
    )
    accounts = pd.DataFrame({"customer_id": first.index, "network": NETWORK, "handle": first.index})
    edges = pd.DataFrame(
        {
            "network": NETWORK,
            "source": trust["truster_id"].to_numpy(),
            "target": trust["trustee_id"].to_numpy(),
            "kind": "follows",
        }
    )
    in_graph = pd.Index(pd.concat([trust["truster_id"], trust["trustee_id"]]).unique())
    posts = ratings[ratings["user_id"].isin(in_graph)]
    interactions = pd.DataFrame(
        {
            "network": NETWORK,
            "actor": posts["user_id"],
            "target": posts["user_id"],
            "kind": "share",
            "occurred_at": posts["day"],
            "content_id": posts["product_id"],
        }
    )
    return {
        "customers": customers,
        "orders": orders,
        "reviews": reviews,
        "accounts": accounts,
        "edges": edges,
        "interactions": interactions,
        "referrals": peer_adoptions(ratings, trust),
    }


def peer_adoptions(ratings: pd.DataFrame, trust: pd.DataFrame) -> pd.DataFrame:
    """Converted referrals: a truster's first rating of a product on a later day than the first
    rating of someone they trust. ``ratings`` needs ``user_id``, ``product_id``, ``day`` and
    ``order_id``; ``trust`` ``truster_id`` and ``trustee_id``."""
    first = ratings.sort_values(["day", "order_id"]).drop_duplicates(["user_id", "product_id"])
    first = first[["user_id", "product_id", "day", "order_id"]]
    pairs = trust.merge(
        first.rename(columns={"user_id": "trustee_id", "day": "invited_at"}).drop(
            columns="order_id"
        ),
        on="trustee_id",
    ).merge(
        first.rename(columns={"user_id": "truster_id", "day": "converted_at"}),
        on=["truster_id", "product_id"],
    )
    adopted = pairs[pairs["converted_at"] > pairs["invited_at"]].sort_values(
        ["converted_at", "trustee_id", "truster_id", "product_id"]
    )
    return pd.DataFrame(
        {
            "referral_id": "a" + pd.RangeIndex(len(adopted)).astype(str),
            "referrer_customer_id": adopted["trustee_id"].to_numpy(),
            "invited_at": adopted["invited_at"].to_numpy(),
            "channel": "ciao-trust",
            "invitee": adopted["truster_id"].to_numpy(),
            "converted_customer_id": adopted["truster_id"].to_numpy(),
            "converted_at": adopted["converted_at"].to_numpy(),
            "order_id": adopted["order_id"].to_numpy(),
        }
    )


def import_ciao(source: Path, out: Path, *, until: pd.Timestamp | None = None) -> dict[str, int]:
    """Read the Ciao files in ``source``, write the input tables to ``out``; return row counts."""
    if not source.is_dir():
        raise InputError(f"{source}: no such folder")
    raw = read_ciao(source)
    tables = ciao_tables(raw["ratings"], raw["trust"], raw["categories"], until=until)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_table(frame, out / f"{name}.csv")
    return {name: len(frame) for name, frame in tables.items()}
