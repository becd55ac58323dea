"""The models measured on public data sets (skipped where ../shared/datasets is absent)."""

from __future__ import annotations

import pandas as pd
import pytest

from advocates.evaluation.models import evaluate_clv, sentiment_figures
from tests.helpers import DATASETS

CDNOW = DATASETS / "cdnow"
needs_cdnow = pytest.mark.skipif(not CDNOW.is_dir(), reason="../shared/datasets/cdnow not present")
FRENCH = DATASETS / "french_tweets_umsab_deft2017"


@needs_cdnow
def test_cdnow_sample_reproduces_the_published_estimates() -> None:
    figures = evaluate_clv(
        transactions=CDNOW / "transactions_sample.csv.gz",
        customer_column="sample_customer_id",
        date_column="date",
        amount_column="dollar_value",
        calibration_end=pd.Timestamp("1997-09-30"),
    )
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "loglik": -9582.4}
    for name, value in published.items():
        assert figures["bgnbd"][name] == pytest.approx(value, rel=0.01), name
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert figures["gamma_gamma"][name] == pytest.approx(value, rel=0.01), name


@pytest.mark.skipif(not FRENCH.is_dir(), reason="../shared/datasets not present")
def test_french_tweets_validation_split_stays_at_its_measured_level() -> None:
    tweets = pd.read_csv(FRENCH / "tweets_train.csv.gz")
    train, val = tweets[tweets["split"] == "train"], tweets[tweets["split"] == "val"]
    figures = sentiment_figures(train["text"], train["label"], val["text"], val["label"])
    assert figures["macro_f1"] >= 0.62  # measured 0.640 on 2026-11-23 (README)
