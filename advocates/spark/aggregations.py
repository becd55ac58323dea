"""The per-customer aggregations of the features stage on Spark: purchase, behaviour, listening.

Each is the Spark twin of a pandas engine function, with its columns, index and dtypes:
:func:`purchase_features` of :func:`advocates.features.purchase.purchase_features`,
:func:`behaviour_features` of :func:`advocates.features.behaviour.behaviour_features`,
:func:`text_evidence` and :func:`listening_features` of their namesakes in
:mod:`advocates.features.listening`. They take the accepted tables as Spark DataFrames (what
:mod:`advocates.spark.validation` accepts: typed columns, ``_row``) and group where the data is;
only the result, one row per customer, comes to the driver, in the customers table's order.

The ``*_frame`` functions return that result as a Spark DataFrame, for stages that stay on Spark.
The one step done on the driver is the Beta prior of conversion influence
(:func:`advocates.features.behaviour.beta_prior`): it is fitted on the per-customer counts, the
same arrays the pandas engine fits it on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from advocates.features.behaviour import BEHAVIOUR_FEATURES, beta_prior
from advocates.features.listening import NEGATIVE, POSITIVE
from advocates.features.purchase import PURCHASE_FEATURES
from advocates.spark.inputs import ROW
from advocates.spark.validation import collected, strip

if TYPE_CHECKING:
    from pyspark.sql import Column as SparkColumn
    from pyspark.sql import DataFrame

__all__ = [
    "behaviour_features",
    "behaviour_frame",
    "link_customers",
    "listening_features",
    "listening_frame",
    "purchase_features",
    "purchase_frame",
    "text_evidence",
]

_DAY_MICROS = 86_400 * 1_000_000
#: What a mention's label is worth (advocates.features.listening's labels).
_LABEL_VALUE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def _instant(value: pd.Timestamp) -> SparkColumn:
    """``value`` as a Spark timestamp (by its microseconds: a Python datetime would be read in
    the driver's local time zone)."""
    from pyspark.sql import functions as sf

    return sf.timestamp_micros(sf.lit(int(value.value // 1000)))


def _days_before(as_of: pd.Timestamp, at: SparkColumn) -> SparkColumn:
    """Days from ``at`` to ``as_of``, as a fraction (the pandas engine's Timedelta / 1 day)."""
    from pyspark.sql import functions as sf

    micros = sf.lit(int(as_of.value // 1000)) - sf.unix_micros(at)
    return micros.cast("double") / sf.lit(float(_DAY_MICROS))


def _by_customer(customers: DataFrame, parts: list[DataFrame]) -> DataFrame:
    """Each customer (customer_id, the customers table's ``_row``) with the columns of
    ``parts`` (each keyed by customer_id; a customer missing from one gets nulls there)."""
    frame = customers.select("customer_id", ROW)
    for part in parts:
        frame = frame.join(part, on="customer_id", how="left")
    return frame


def _collected(frame: DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` (customer_id, ``_row`` and ``columns``) on the driver, in the customers
    table's order, indexed by customer_id."""
    local = collected(frame.orderBy(ROW).select("customer_id", *columns))
    index = pd.Index(local["customer_id"].astype("str"), name="customer_id")
    return pd.DataFrame(
        {c: local[c].to_numpy(dtype=float) for c in columns}, index=index, columns=columns
    )


def purchase_frame(*, customers: DataFrame, orders: DataFrame, as_of: pd.Timestamp) -> DataFrame:
    """:data:`~advocates.features.purchase.PURCHASE_FEATURES` per customer, as a Spark
    DataFrame (customer_id, ``_row`` and the features)."""
    from pyspark.sql import functions as sf

    known = orders.where(sf.col("ordered_at") <= _instant(as_of))
    completed = known.where(sf.col("status") == "completed")
    agg = completed.groupBy("customer_id").agg(
        sf.count(sf.lit(1)).alias("_completed"),
        sf.max("ordered_at").alias("_last"),
        sf.avg("amount").alias("_mean"),
        sf.sum("amount").alias("_spend"),
        sf.countDistinct("category").alias("_breadth"),
    )
    refunds = (
        known.where(sf.col("status") == "refunded")
        .groupBy("customer_id")
        .agg(sf.count(sf.lit(1)).alias("_refunds"))
    )
    created = customers.select("customer_id", sf.col("created_at").alias("_created"))
    frame = _by_customer(customers, [created, agg, refunds])
    done = sf.coalesce(sf.col("_completed"), sf.lit(0)).cast("double")
    refunded = sf.coalesce(sf.col("_refunds"), sf.lit(0)).cast("double")
    tenure = _days_before(as_of, sf.col("_created"))
    return frame.select(
        "customer_id",
        ROW,
        done.alias("orders_completed"),
        _days_before(as_of, sf.col("_last")).alias("recency_days"),
        sf.col("_mean").cast("double").alias("monetary_value"),
        sf.coalesce(sf.col("_spend"), sf.lit(0.0)).cast("double").alias("total_spend"),
        sf.when(tenure < 0, sf.lit(0.0)).otherwise(tenure).alias("tenure_days"),
        sf.when(done + refunded > 0, refunded / (done + refunded))
        .otherwise(sf.lit(0.0))
        .alias("refund_rate"),
        sf.coalesce(sf.col("_breadth"), sf.lit(0)).cast("double").alias("category_breadth"),
    )


def purchase_features(
    *, customers: DataFrame, orders: DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Per-customer purchase features from orders placed up to ``as_of``, indexed by
    customer_id: :func:`advocates.features.purchase.purchase_features` on Spark."""
    frame = purchase_frame(customers=customers, orders=orders, as_of=as_of)
    return _collected(frame, PURCHASE_FEATURES)


def _node(network: str, handle: str) -> SparkColumn:
    """The graph node key of each row (:func:`advocates.data.identity.node_key`)."""
    from pyspark.sql import functions as sf

    return sf.concat(sf.col(network).cast("string"), sf.lit(":"), sf.col(handle).cast("string"))


def link_customers(accounts: DataFrame) -> DataFrame:
    """One row per (customer_id, node) of the accounts table
    (:func:`advocates.data.identity.link_customers`)."""
    return accounts.select("customer_id", _node("network", "handle").alias("node"))


def _counts(frame: DataFrame, key: str, counts: dict[str, SparkColumn]) -> DataFrame:
    """Per ``key`` (renamed customer_id), how many rows meet each condition of ``counts``."""
    from pyspark.sql import functions as sf

    return frame.groupBy(sf.col(key).alias("customer_id")).agg(
        *[
            sf.sum(sf.when(condition, 1).otherwise(0)).alias(name)
            for name, condition in counts.items()
        ]
    )


def behaviour_frame(
    *,
    customers: DataFrame,
    links: DataFrame,
    interactions: DataFrame,
    referrals: DataFrame,
    as_of: pd.Timestamp,
    recent_days: int,
) -> DataFrame:
    """The counts of :data:`~advocates.features.behaviour.BEHAVIOUR_FEATURES` per customer
    (all but ``conversion_influence``, whose prior is fitted on them), as a Spark DataFrame."""
    from pyspark.sql import functions as sf

    as_of_at = _instant(as_of)
    since = _instant(as_of - pd.Timedelta(days=recent_days))
    before = _instant(as_of - pd.Timedelta(days=2 * recent_days))
    shares = interactions.where((sf.col("kind") == "share") & (sf.col("occurred_at") <= as_of_at))
    owners = links.select(sf.col("node").alias("_node"), sf.col("customer_id").alias("_sharer"))
    shared = shares.join(owners, on=_node("network", "actor") == sf.col("_node"), how="inner")
    share_counts = _counts(
        shared,
        "_sharer",
        {"shares_total": sf.lit(True), "shares_recent": sf.col("occurred_at") > since},
    )
    sent = referrals.where(sf.col("invited_at") <= as_of_at)
    converted = sf.col("converted_customer_id").isNotNull() & sf.coalesce(
        sf.col("converted_at") <= as_of_at, sf.lit(False)
    )
    sent = sent.withColumn("_won", converted)
    invite_counts = _counts(
        sent,
        "referrer_customer_id",
        {
            "invites_sent": sf.lit(True),
            "_invites_recent": sf.col("invited_at") > since,
            "invites_converted": sf.col("_won"),
            "conversions_recent": sf.col("_won") & (sf.col("converted_at") > since),
            "conversions_previous": sf.col("_won")
            & (sf.col("converted_at") > before)
            & (sf.col("converted_at") <= since),
        },
    )
    peers = (
        sent.where(sf.col("_won"))
        .select("referrer_customer_id", "converted_customer_id")
        .distinct()
        .groupBy(sf.col("referrer_customer_id").alias("customer_id"))
        .agg(sf.count(sf.lit(1)).alias("converted_peers"))
    )
    frame = _by_customer(customers, [share_counts, invite_counts, peers])
    counted = [
        "shares_recent",
        "shares_total",
        "invites_sent",
        "invites_converted",
        "_invites_recent",
        "conversions_recent",
        "conversions_previous",
        "converted_peers",
    ]
    frame = frame.select(
        "customer_id",
        ROW,
        *[sf.coalesce(sf.col(c), sf.lit(0)).cast("double").alias(c) for c in counted],
    )
    return frame.withColumns(
        {
            "outreach_total": sf.col("shares_total") + sf.col("invites_sent"),
            "outreach_recent": sf.col("shares_recent") + sf.col("_invites_recent"),
        }
    ).drop("_invites_recent")


def behaviour_features(
    *,
    customers: DataFrame,
    links: DataFrame,
    interactions: DataFrame,
    referrals: DataFrame,
    as_of: pd.Timestamp,
    recent_days: int,
) -> pd.DataFrame:
    """Per-customer sharing and referral behaviour up to ``as_of``, indexed by customer_id:
    :func:`advocates.features.behaviour.behaviour_features` on Spark."""
    frame = behaviour_frame(
        customers=customers,
        links=links,
        interactions=interactions,
        referrals=referrals,
        as_of=as_of,
        recent_days=recent_days,
    )
    counts = [c for c in BEHAVIOUR_FEATURES if c != "conversion_influence"]
    local = _collected(frame, counts)
    wins, outreach = local["invites_converted"].to_numpy(), local["outreach_total"].to_numpy()
    a, b = beta_prior(wins, outreach)
    return local.assign(conversion_influence=(wins + a) / (outreach + a + b))[BEHAVIOUR_FEATURES]


def text_evidence(*, mentions: DataFrame, reviews: DataFrame, links: DataFrame) -> DataFrame:
    """One row per customer text (:func:`advocates.features.listening.text_evidence`), as a
    Spark DataFrame: customer_id, kind, id, at, text, sentiment, and ``_order`` (mentions
    first, each table in its rows' order: the order the pandas engine's ties are broken by).

    ``mentions`` carries the model's expected sentiment of each mention in ``predicted``
    (null or NaN where there is none: no evidence, unless the mention is labelled).
    """
    from pyspark.sql import functions as sf

    label = sf.create_map(*[sf.lit(v) for pair in _LABEL_VALUE.items() for v in pair])
    predicted = sf.when(~sf.isnan(sf.col("predicted")), sf.col("predicted").cast("double"))
    sentiment = sf.coalesce(label[sf.col("sentiment_label")], predicted)
    by_mention = mentions.join(
        links.select(sf.col("node").alias("_node"), "customer_id"),
        on=_node("network", "author") == sf.col("_node"),
        how="inner",
    )
    mention_rows = by_mention.select(
        "customer_id",
        sf.lit("mention").alias("kind"),
        sf.col("mention_id").alias("id"),
        sf.col("posted_at").alias("at"),
        sf.col("text"),
        sentiment.alias("sentiment"),
        sf.struct(sf.lit(0), sf.col(ROW)).alias("_order"),
    ).where(sf.col("sentiment").isNotNull())
    review_rows = reviews.select(
        "customer_id",
        sf.lit("review").alias("kind"),
        sf.col("review_id").alias("id"),
        sf.col("created_at").alias("at"),
        sf.col("text"),
        ((sf.col("rating").cast("double") - 3.0) / 2.0).alias("sentiment"),
        sf.struct(sf.lit(1), sf.col(ROW)).alias("_order"),
    )
    return mention_rows.unionByName(review_rows)


def listening_frame(
    *,
    customers: DataFrame,
    evidence: DataFrame,
    as_of: pd.Timestamp,
    half_life_days: float,
    recent_days: int,
) -> DataFrame:
    """The listening features per customer, as a Spark DataFrame (see
    :func:`listening_features`)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as sf

    known = evidence.where(sf.col("at") <= _instant(as_of))
    weight = sf.pow(sf.lit(0.5), _days_before(as_of, sf.col("at")) / sf.lit(float(half_life_days)))
    review = sf.col("kind") == "review"
    value = sf.col("sentiment")
    recent = sf.col("at") > _instant(as_of - pd.Timedelta(days=recent_days))
    sums = known.groupBy("customer_id").agg(
        sf.count(sf.lit(1)).cast("double").alias("sentiment_evidence"),
        sf.sum(weight * value).alias("_weighted"),
        sf.sum(weight).alias("_weight"),
        *[
            sf.sum(sf.when(condition, 1.0).otherwise(0.0)).alias(name)
            for name, condition in {
                "reviews_total": review,
                "reviews_five_star": review & (value >= 1.0),
                "positive_reviews": review & (value >= 0.5),
                "positive_mentions": ~review & (value >= POSITIVE),
                "negative_mentions_recent": recent & ~review & (value <= NEGATIVE),
            }.items()
        ],
    )
    order = Window.partitionBy("customer_id").orderBy(
        sf.col("sentiment").asc(), sf.col("at").desc(), sf.col("_order").asc()
    )
    worst = (
        known.withColumn("_rank", sf.row_number().over(order))
        .where((sf.col("_rank") == 1) & (sf.col("sentiment") <= NEGATIVE))
        .select(
            "customer_id",
            _worst_text().alias("worst_text"),
            sf.col("id").alias("worst_text_id"),
            sf.col("at").alias("worst_text_at"),
        )
    )
    frame = _by_customer(customers, [sums, worst])
    zero = sf.lit(0.0)
    counted = ["reviews_total", "reviews_five_star", "positive_reviews", "positive_mentions"]
    return frame.select(
        "customer_id",
        ROW,
        *[sf.coalesce(sf.col(c), zero).alias(c) for c in counted],
        sf.coalesce(sf.col("_weighted") / sf.col("_weight"), zero).alias("sentiment"),
        sf.coalesce(sf.col("sentiment_evidence"), zero).alias("sentiment_evidence"),
        sf.coalesce(sf.col("negative_mentions_recent"), zero).alias("negative_mentions_recent"),
        "worst_text",
        "worst_text_id",
        "worst_text_at",
    )


def _worst_text() -> SparkColumn:
    """The worst text; a rating without text says what it was (``a 2-star rating``)."""
    from pyspark.sql import functions as sf

    stars = sf.round(sf.lit(3.0) + 2 * sf.col("sentiment")).cast("long").cast("string")
    rating = sf.concat(sf.lit("a "), stars, sf.lit("-star rating"))
    empty = strip(sf.coalesce(sf.col("text"), sf.lit(""))) == ""
    return sf.when(empty, rating).otherwise(sf.col("text"))


def listening_features(
    *,
    customers: DataFrame,
    evidence: DataFrame,
    as_of: pd.Timestamp,
    half_life_days: float,
    recent_days: int,
) -> pd.DataFrame:
    """Per-customer sentiment features as of ``as_of``, indexed by customer_id:
    :func:`advocates.features.listening.listening_features` on Spark, from the evidence of
    :func:`text_evidence`."""
    frame = listening_frame(
        customers=customers,
        evidence=evidence,
        as_of=as_of,
        half_life_days=half_life_days,
        recent_days=recent_days,
    )
    numbers = [
        "reviews_total",
        "reviews_five_star",
        "positive_reviews",
        "positive_mentions",
        "sentiment",
        "sentiment_evidence",
        "negative_mentions_recent",
    ]
    local = collected(frame.orderBy(ROW))
    index = pd.Index(local["customer_id"].astype("str"), name="customer_id")
    local = local.set_axis(index)
    at = pd.to_datetime(local["worst_text_at"])
    at = at.dt.tz_localize("UTC") if at.dt.tz is None else at.dt.tz_convert("UTC")
    columns = {c: local[c].astype(float) for c in numbers} | {
        "worst_text": local["worst_text"].astype("str"),
        "worst_text_id": local["worst_text_id"].astype("str"),
        "worst_text_at": at.astype("datetime64[us, UTC]"),
    }
    return pd.DataFrame(columns, index=index)
