"""The sentiment model: Romanian with and without diacritics, parallel scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.demo import generate_demo_tables
from advocates.features.listening import text_evidence
from advocates.models import sentiment
from advocates.models.sentiment import (
    expected_sentiment,
    fit_sentiment,
    make_sentiment_model,
    sentiment_training_set,
)
from tests.helpers import AS_OF, END, NEGATIVE, NEUTRAL, POSITIVE, labelled


def test_sentiment_reads_romanian_with_and_without_diacritics_alike() -> None:
    texts = ["Sunt foarte mulțumită, îl recomand", "Sunt foarte multumita, il recomand"]
    model = make_sentiment_model().fit(
        [
            "multumita recomand",
            "foarte bun",
            "nu recomand",
            "prost, stricat",
            "am primit",
            "e albastru",
        ],
        ["positive", "positive", "negative", "negative", "neutral", "neutral"],
    )
    expected, confidence = expected_sentiment(model, pd.Series(texts))
    assert expected[0] == pytest.approx(expected[1])
    assert expected[0] > 0 and ((confidence > 0) & (confidence <= 1)).all()


def test_parallel_scoring_gives_the_same_probabilities(monkeypatch: pytest.MonkeyPatch) -> None:
    data = labelled(10)
    model = make_sentiment_model().fit(data["text"], data["label"])
    texts = pd.Series([*POSITIVE, *NEGATIVE, *NEUTRAL] * 3)
    one = sentiment.predict_proba(model, texts, n_jobs=1)
    monkeypatch.setattr(sentiment, "PARALLEL_MIN_TEXTS", 10)
    two = sentiment.predict_proba(model, texts, n_jobs=2)
    assert two.shape == (45, 3)
    np.testing.assert_allclose(one, two)


def test_the_model_is_fitted_and_validated_on_bounded_stratified_samples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tables = generate_demo_tables(customers=1500, seed=2, end=END)
    mentions = tables["mentions"].assign(posted_at=pd.to_datetime(tables["mentions"]["posted_at"]))
    reviews = tables["reviews"].assign(
        created_at=pd.to_datetime(tables["reviews"]["created_at"]),
        rating=pd.to_numeric(tables["reviews"]["rating"]),
    )
    texts, labels = sentiment_training_set(mentions=mentions, reviews=reviews)
    monkeypatch.setattr(sentiment, "MAX_FIT_TEXTS", 300)
    monkeypatch.setattr(sentiment, "MAX_VALIDATION_TEXTS", 200)
    fit = fit_sentiment(mentions=mentions, reviews=reviews, as_of=AS_OF)
    assert fit.metrics["n_labelled"] == len(texts) > 1000
    assert (fit.metrics["n_train"], fit.metrics["n_validation"]) == (300, 200)
    _, sampled = sentiment._stratified_at_most(texts, labels, 300, seed=0)
    share, sampled_share = labels.value_counts(normalize=True), sampled.value_counts(normalize=True)
    assert ((sampled_share - share).abs() < 0.01).all()  # each class in its share


def test_a_language_the_model_did_not_learn_is_not_scored_but_counted() -> None:
    """German mentions, with English and French labelled texts only: a guess by the English
    words would be no evidence at all, so they get none (NaN), and the run says how many."""
    tables = generate_demo_tables(customers=600, seed=2, end=END)
    mentions = tables["mentions"].assign(posted_at=pd.to_datetime(tables["mentions"]["posted_at"]))
    reviews = tables["reviews"].assign(
        created_at=pd.to_datetime(tables["reviews"]["created_at"]),
        rating=pd.to_numeric(tables["reviews"]["rating"]),
    )
    fit = fit_sentiment(mentions=mentions, reviews=reviews, as_of=AS_OF)
    learnt = fit.metrics["languages"]
    assert set(learnt) == set(reviews["language"]) and min(learnt.values()) >= 20
    german = pd.DataFrame(
        {
            "mention_id": ["d1", "d2", "e1", "u1"],
            "text": ["Sehr gut, gerne wieder", "Nie wieder", "love it, thank you", "love it"],
            "language": ["de", "DE ", "en", None],  # unknown: read like any other
        }
    )
    assert sentiment.unreadable(german, learnt).tolist() == [True, True, False, False]
    assert not sentiment.unreadable(german, {}).any()  # no stated languages: every text is read
    predicted, kept, scored = sentiment.score_mentions(fit, german)
    assert np.isnan(predicted[:2]).all() and predicted[2] > 0 and predicted[3] > 0
    assert scored == 2 and kept["sentiment"].isna().sum() == 2
    evidence = text_evidence(
        mentions=german.assign(
            network="x", author=["a", "b", "c", "d"], posted_at=AS_OF, sentiment_label=None
        ),
        reviews=reviews.iloc[:0],
        links=pd.DataFrame({"node": ["x:a", "x:b", "x:c", "x:d"], "customer_id": list("ABCD")}),
        predicted=predicted,
    )
    assert evidence["customer_id"].tolist() == ["C", "D"]  # the German ones are no evidence
