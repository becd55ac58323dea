"""Listening features: each customer's sentiment toward the brand, from mentions and reviews.

Each text is worth a sentiment from -1 to +1: a review's stars ((rating - 3) / 2), a mention's
label when the brand labelled it, else the sentiment model's expected value. A customer's
sentiment is the recency-weighted mean (weight halves every ``half_life_days``).

Positive evidence, which an advocate needs before being asked (see
:class:`advocates.ranking.scoring.GateRules`), is counted apart: mentions worth at least
:data:`POSITIVE` and reviews of 4 or 5 stars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advocates.data.identity import node_key
from advocates.data.membership import count_at, positions

__all__ = ["LISTENING_FEATURES", "NEGATIVE", "POSITIVE", "listening_features", "text_evidence"]

LISTENING_FEATURES = ["sentiment", "sentiment_evidence", "negative_mentions_recent"]
#: A text at or below this sentiment counts as negative.
NEGATIVE = -0.34
#: A mention at or above this sentiment counts as positive (a review: 4 or 5 stars, worth 0.5
#: or 1): a label "positive", or the model's P(positive) - P(negative) at least this.
POSITIVE = 0.34
_LABEL_VALUE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def text_evidence(
    *, mentions: pd.DataFrame, reviews: pd.DataFrame, links: pd.DataFrame, predicted: np.ndarray
) -> pd.DataFrame:
    """One row per customer text: customer_id, kind, id, at, text, sentiment.

    ``predicted`` is the model's expected sentiment of each row of ``mentions``; a mention with
    neither a label nor a prediction (NaN: in a language the model did not learn) is no evidence.
    """
    labelled = mentions["sentiment_label"].map(_LABEL_VALUE)
    by_mention = mentions.assign(
        node=node_key(mentions["network"], mentions["author"]),
        sentiment=labelled.fillna(pd.Series(predicted, index=mentions.index)).astype(float),
    ).merge(links, on="node")
    mention_rows = pd.DataFrame(
        {
            "customer_id": by_mention["customer_id"],
            "kind": "mention",
            "id": by_mention["mention_id"],
            "at": by_mention["posted_at"],
            "text": by_mention["text"],
            "sentiment": by_mention["sentiment"],
        }
    )
    review_rows = pd.DataFrame(
        {
            "customer_id": reviews["customer_id"],
            "kind": "review",
            "id": reviews["review_id"],
            "at": reviews["created_at"],
            "text": reviews["text"],
            "sentiment": (reviews["rating"].astype(float) - 3.0) / 2.0,
        }
    )
    mention_rows = mention_rows[mention_rows["sentiment"].notna()]
    return pd.concat([mention_rows, review_rows], ignore_index=True)


def listening_features(
    *,
    customers: pd.DataFrame,
    evidence: pd.DataFrame,
    as_of: pd.Timestamp,
    half_life_days: float,
    recent_days: int,
) -> pd.DataFrame:
    """Per-customer sentiment features as of ``as_of``, indexed by customer_id.

    Besides the sentiment, counts the positive evidence (``positive_mentions``,
    ``positive_reviews``: every text up to ``as_of``, however old). Adds ``worst_text``,
    ``worst_text_id`` and ``worst_text_at``: the most negative text (the latest of equals), the
    evidence shown when a customer is gated, and when it was written (``worst_text`` missing
    when ``evidence`` holds no ``text``).
    """
    index = pd.Index(customers["customer_id"], name="customer_id")
    known = evidence[evidence["at"] <= as_of]
    age_days = (as_of - known["at"]) / pd.Timedelta(days=1)
    weight = np.power(0.5, age_days.to_numpy(dtype=float) / half_life_days)
    value = known["sentiment"].to_numpy(dtype=float)
    review = (known["kind"] == "review").to_numpy(dtype=bool)
    recent = (known["at"] > as_of - pd.Timedelta(days=recent_days)).to_numpy(dtype=bool)
    where, n = positions(known["customer_id"], index), len(index)
    evidence_count = count_at(where, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = count_at(where, n, weights=np.nan_to_num(weight * value))
        sentiment = weighted / count_at(where, n, weights=weight)
    worst = (
        known.sort_values(["sentiment", "at"], ascending=[True, False], kind="stable")
        .drop_duplicates("customer_id")
        .set_index("customer_id")
    )
    worst = worst[worst["sentiment"] <= NEGATIVE].reindex(index)
    return pd.DataFrame(
        {
            "reviews_total": count_at(where, n, mask=review),
            "reviews_five_star": count_at(where, n, mask=review & (value >= 1.0)),
            "positive_reviews": count_at(where, n, mask=review & (value >= 0.5)),
            "positive_mentions": count_at(where, n, mask=~review & (value >= POSITIVE)),
            "sentiment": np.where(evidence_count > 0, np.nan_to_num(sentiment), 0.0),
            "sentiment_evidence": evidence_count,
            "negative_mentions_recent": count_at(
                where, n, mask=recent & ~review & (value <= NEGATIVE)
            ),
            "worst_text": _worst_text(worst),
            "worst_text_id": worst["id"],
            "worst_text_at": worst["at"],
        },
        index=index,
    )


def _worst_text(worst: pd.DataFrame) -> pd.Series:
    """The worst text of each customer; a rating without text says what it was (a review is
    worth (stars - 3) / 2)."""
    if "text" not in worst:
        return pd.Series(pd.NA, index=worst.index, dtype="str")
    rating = (
        "a " + (3 + 2 * worst["sentiment"]).round().astype("Int64").astype(str) + "-star rating"
    )
    return worst["text"].where(worst["text"].fillna("").str.strip() != "", rating)


def recent_evidence(
    evidence: pd.DataFrame, texts: pd.Series, *, as_of: pd.Timestamp, per_customer: int = 20
) -> pd.DataFrame:
    """The texts behind each customer's sentiment, as a person reads them: the latest
    ``per_customer`` of each customer written up to ``as_of``, newest first, with their kind,
    id, date, sentiment and words (``texts``, by the rows of ``evidence``).

    >>> at = pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"], utc=True)
    >>> frame = pd.DataFrame({"customer_id": ["a", "a", "a"], "kind": "mention",
    ...     "id": ["m1", "m2", "m3"], "at": at, "sentiment": [0.5, -1.0, 0.0]})
    >>> recent_evidence(frame, pd.Series(["ok", "bad", "meh"]), as_of=at[2],
    ...                 per_customer=5)["id"].tolist()
    ['m3', 'm1']
    """
    frame = evidence[["customer_id", "kind", "id", "at", "sentiment"]].assign(
        text=texts.reindex(evidence.index)
    )
    frame = frame[frame["at"] <= as_of].sort_values(
        ["customer_id", "at", "id"], ascending=[True, False, True], kind="stable"
    )
    return frame.groupby("customer_id", sort=False).head(per_customer).reset_index(drop=True)
