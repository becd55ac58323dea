"""The sentiment model: Romanian with and without diacritics, parallel scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.models import sentiment
from advocates.models.sentiment import expected_sentiment, make_sentiment_model
from tests.helpers import NEGATIVE, NEUTRAL, POSITIVE, labelled


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
