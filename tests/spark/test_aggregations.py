"""The Spark engine's purchase, behaviour and listening aggregations give the pandas engine's
features: the same columns, index (the customers' order) and dtypes, the same values up to
the order floating-point sums are taken in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.data.identity import link_customers
from advocates.features import behaviour, listening, purchase
from advocates.spark import aggregations
from tests.helpers import AS_OF
from tests.spark.helpers import DemoInputs

# PySpark 4 warns that it does not fully support pandas 3 yet, and calls astype(copy=...).
pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

#: The run date and the start of the recent window: the dates the nightly run computes.
DATES = [AS_OF, AS_OF - pd.Timedelta(days=90)]


def _tables(demo: DemoInputs) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    return (
        {name: result.frame for name, result in demo.pandas.items()},
        {name: result.frame for name, result in demo.spark.items()},
    )


def _assert_close(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("as_of", DATES)
def test_purchase_features_are_the_pandas_engines(
    demo_inputs: DemoInputs, as_of: pd.Timestamp
) -> None:
    local, distributed = _tables(demo_inputs)
    expected = purchase.purchase_features(
        customers=local["customers"], orders=local["orders"], as_of=as_of
    )
    got = aggregations.purchase_features(
        customers=distributed["customers"], orders=distributed["orders"], as_of=as_of
    )
    _assert_close(got, expected)
    assert expected["orders_completed"].sum() > 1000 and expected["recency_days"].isna().any()


@pytest.mark.parametrize("as_of", DATES)
def test_behaviour_features_are_the_pandas_engines(
    demo_inputs: DemoInputs, as_of: pd.Timestamp
) -> None:
    local, distributed = _tables(demo_inputs)
    expected = behaviour.behaviour_features(
        customers=local["customers"],
        links=link_customers(local["accounts"]),
        interactions=local["interactions"],
        referrals=local["referrals"],
        as_of=as_of,
        recent_days=90,
    )
    got = aggregations.behaviour_features(
        customers=distributed["customers"],
        links=aggregations.link_customers(distributed["accounts"]),
        interactions=distributed["interactions"],
        referrals=distributed["referrals"],
        as_of=as_of,
        recent_days=90,
    )
    _assert_close(got, expected)
    assert (expected[["shares_total", "invites_converted", "converted_peers"]].sum() > 0).all()


@pytest.mark.parametrize("as_of", DATES)
def test_listening_features_are_the_pandas_engines(
    spark: object, demo_inputs: DemoInputs, as_of: pd.Timestamp
) -> None:
    local, distributed = _tables(demo_inputs)
    mentions = local["mentions"]
    # The model's expected sentiment of each mention; none for a fifth of them (a language the
    # model did not learn).
    rng = np.random.default_rng(0)
    predicted = np.where(rng.random(len(mentions)) < 0.2, np.nan, rng.uniform(-1, 1, len(mentions)))
    links = link_customers(local["accounts"])
    evidence = listening.text_evidence(
        mentions=mentions, reviews=local["reviews"], links=links, predicted=predicted
    )
    expected = listening.listening_features(
        customers=local["customers"],
        evidence=evidence,
        as_of=as_of,
        half_life_days=180.0,
        recent_days=90,
    )
    scores = spark.createDataFrame(  # type: ignore[attr-defined]
        pd.DataFrame({"mention_id": mentions["mention_id"].astype(object), "predicted": predicted})
    )
    distributed_evidence = aggregations.text_evidence(
        mentions=distributed["mentions"].join(scores, on="mention_id", how="left"),  # type: ignore[attr-defined]
        reviews=distributed["reviews"],
        links=aggregations.link_customers(distributed["accounts"]),
    )
    got = aggregations.listening_features(
        customers=distributed["customers"],
        evidence=distributed_evidence,
        as_of=as_of,
        half_life_days=180.0,
        recent_days=90,
    )
    _assert_close(got, expected)
    assert expected["worst_text"].notna().sum() > 10
    assert (expected[["positive_mentions", "negative_mentions_recent"]].sum() > 0).all()
