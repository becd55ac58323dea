"""The sentiment model: brand mentions and reviews in English, French and Romanian.

A scikit-learn pipeline (word and character n-gram TF-IDF into a multinomial logistic
regression). Accents are folded, so Romanian written with or without diacritics reads the same;
character n-grams carry the morphology of French and Romanian that word n-grams miss.

Examples
--------
>>> model = make_sentiment_model(seed=0).fit(
...     ["love it", "great, love it", "awful", "terrible, awful", "it arrived", "ordered it"],
...     ["positive", "positive", "negative", "negative", "neutral", "neutral"])
>>> str(model.predict(["love"])[0])
'positive'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

__all__ = [
    "LABELS",
    "expected_sentiment",
    "make_sentiment_model",
    "rating_label",
    "sentiment_training_set",
]

LABELS = ("negative", "neutral", "positive")


def make_sentiment_model(*, seed: int = 0, c: float = 4.0) -> Pipeline:
    """Return an unfitted sentiment pipeline; it takes raw texts and labels from :data:`LABELS`.

    ``c`` is the logistic regression's inverse regularisation strength.
    """
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "words",
                            TfidfVectorizer(
                                strip_accents="unicode",
                                lowercase=True,
                                ngram_range=(1, 2),
                                min_df=1,
                                sublinear_tf=True,
                            ),
                        ),
                        (
                            "chars",
                            TfidfVectorizer(
                                strip_accents="unicode",
                                lowercase=True,
                                analyzer="char_wb",
                                ngram_range=(2, 5),
                                min_df=2,
                                sublinear_tf=True,
                                max_features=300_000,
                            ),
                        ),
                    ]
                ),
            ),
            ("classifier", LogisticRegression(C=c, max_iter=2000, random_state=seed)),
        ]
    )


def rating_label(rating: pd.Series) -> pd.Series:
    """Sentiment label of a star rating: 4-5 positive, 3 neutral, 1-2 negative."""
    return pd.Series(
        np.select([rating >= 4, rating <= 2], ["positive", "negative"], "neutral"),
        index=rating.index,
    )


def sentiment_training_set(
    *, mentions: pd.DataFrame, reviews: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """Texts and labels to learn from: labelled mentions and star-rated reviews."""
    labelled = mentions[mentions["sentiment_label"].notna()]
    texts = pd.concat([labelled["text"], reviews["text"]], ignore_index=True).astype(str)
    labels = pd.concat(
        [labelled["sentiment_label"], rating_label(reviews["rating"])], ignore_index=True
    ).astype(str)
    keep = texts.str.len() > 0
    return texts[keep].reset_index(drop=True), labels[keep].reset_index(drop=True)


def expected_sentiment(model: Pipeline, texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Expected sentiment (P(positive) - P(negative), from -1 to +1) and confidence of each text."""
    if len(texts) == 0:
        return np.zeros(0), np.zeros(0)
    proba = model.predict_proba(texts.astype(str))
    classes = list(model.classes_)
    positive = proba[:, classes.index("positive")] if "positive" in classes else 0.0
    negative = proba[:, classes.index("negative")] if "negative" in classes else 0.0
    return np.asarray(positive - negative, dtype=float), proba.max(axis=1)
