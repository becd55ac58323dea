"""The sentiment model: brand mentions and reviews in English, French and Romanian.

A scikit-learn pipeline: text normalisation; word 1-3-grams and character 1-5-grams within
words (each distinct word analysed once), both TF-IDF weighted; six features from VADER's English lexicon (:mod:`advocates.models.text_features`);
and a multinomial logistic regression with balanced class weights (each class's recall counts
alike, as macro-F1 does), so every prediction has a probability per class, and the largest is its
confidence. Normalisation unescapes HTML entities, replaces links with ``http`` (as the
public tweet corpora do), shortens letters repeated three times or more ("sooooo" → "soo"), folds
accents (so Romanian with and without diacritics reads the same: LaRoSeDa's reviews have none)
and lower-cases. Words after a negation ("not", "n't", "pas", "jamais", "nu", "nici", ...) up to
the next punctuation get a ``neg_`` prefix, so "not good" and "good" are different features.
Character n-grams carry the morphology of French and Romanian that word n-grams miss.

Examples
--------
>>> model = make_sentiment_model(seed=0).fit(
...     ["love it", "great, love it", "awful", "terrible, awful", "it arrived", "ordered it"],
...     ["positive", "positive", "negative", "negative", "neutral", "neutral"])
>>> str(model.predict(["love"])[0])
'positive'
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import joblib
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from advocates.models.fit import Fit, KeptFit
from advocates.models.text_features import LexiconFeatures, WordCharNgrams

__all__ = [
    "LABELS",
    "MAX_FIT_TEXTS",
    "MAX_VALIDATION_TEXTS",
    "SentimentState",
    "expected_sentiment",
    "fit_sentiment",
    "labelled_texts",
    "make_sentiment_model",
    "normalise_texts",
    "predict_proba",
    "rating_label",
    "score_mentions",
    "sentiment_training_set",
    "text_hashes",
    "unreadable",
]

LABELS = ("negative", "neutral", "positive")
#: The most labelled texts the model is fitted on each night: a stratified sample of this size
#: trains about as well as a million (``bench/bench_sentiment_curve.py``; README: Benchmarks),
#: and fitting time grows with it.
MAX_FIT_TEXTS = 200_000
#: The most texts its macro-F1 is measured on (a stratified sample of the held-out 20%).
MAX_VALIDATION_TEXTS = 50_000


_LINK = re.compile(r"https?://\S+|www\.\S+")
_REPEATS = re.compile(r"(\w)\1{2,}")
_NEGATION = re.compile(
    r"(\b(?:not|no|never|cannot|nothing|nobody|none|nor"  # English
    r"|ne|pas|jamais|rien|aucun|aucune|personne|sans"  # French
    r"|nu|niciodata|nici|nimic|nimeni|fara)\b"  # Romanian (accents folded)
    r"|n't\b|\bn'|\bn-)"  # isn't, n'est, n-am
    r"([^.,:;!?]*)"
)


def _mark_negated(match: re.Match[str]) -> str:
    return match.group(1) + " " + " ".join("neg_" + word for word in match.group(2).split())


def normalise_texts(texts: Iterable[object]) -> list[str]:
    """Normalise texts for the sentiment features (see the module's docstring).

    >>> normalise_texts(["It isn't good. Sooooo late", "Ce n'est PAS génial!!! https://t.co/x",
    ...                  "Nu îmi place, dar e ieftin"])
    ["it isn't neg_good. soo late", "ce n' neg_est neg_pas neg_genial!!! http", 'nu neg_imi neg_place, dar e ieftin']
    """
    out = []
    for text in texts:
        folded = html.unescape(str(text))
        if not folded.isascii():
            folded = unicodedata.normalize("NFKD", folded)
            folded = "".join(c for c in folded if not unicodedata.combining(c))
        folded = folded.lower()
        folded = _REPEATS.sub(r"\1\1", _LINK.sub(" http ", folded))
        out.append(" ".join(_NEGATION.sub(_mark_negated, folded).split()))
    return out


def make_sentiment_model(*, seed: int = 0, c: float = 4.0) -> Pipeline:
    """Return an unfitted sentiment pipeline; it takes raw texts and labels from :data:`LABELS`.

    ``c`` is the logistic regression's inverse regularisation strength. Every setting was chosen by
    cross-validation (5 stratified folds × 3 rounds) on the whole public airline, LaRoSeDa and
    French tweet training files (README: *Measured on real data*).
    """
    return Pipeline(
        [
            ("normalise", FunctionTransformer(normalise_texts)),
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "words",
                            TfidfVectorizer(
                                ngram_range=(1, 3),
                                token_pattern=r"(?u)[\w']+|[!?]+",
                                sublinear_tf=True,
                            ),
                        ),
                        ("chars", WordCharNgrams(ngram_range=(1, 5), min_df=2)),
                        ("lexicon", LexiconFeatures()),
                    ]
                ),
            ),
            (
                "classifier",
                LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed),
            ),
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
    texts, labels, _ = _labelled_rows(mentions, reviews)
    return texts, labels


def _labelled_rows(
    mentions: pd.DataFrame, reviews: pd.DataFrame, *, languages: bool = False
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """:func:`sentiment_training_set`'s texts and labels, and with ``languages`` the stated
    language of each (see :func:`_languages`)."""
    labelled = mentions[mentions["sentiment_label"].notna()]
    texts = pd.concat([labelled["text"], reviews["text"]], ignore_index=True).astype(str)
    labels = pd.concat(
        [labelled["sentiment_label"], rating_label(reviews["rating"])], ignore_index=True
    ).astype(str)
    keep = (texts.str.len() > 0).to_numpy()
    stated = None
    if languages:
        both = pd.concat([_languages(labelled), _languages(reviews)], ignore_index=True)
        stated = both[keep].reset_index(drop=True)
    return texts[keep].reset_index(drop=True), labels[keep].reset_index(drop=True), stated


#: Batches at least this large are scored in parallel processes (text analysis is pure Python).
PARALLEL_MIN_TEXTS = 20_000


def predict_proba(model: Pipeline, texts: pd.Series, *, n_jobs: int = -1) -> np.ndarray:
    """Class probabilities of ``texts``; large batches are split over ``n_jobs`` processes
    (-1: one per core), which costs one copy of the model per process."""
    values = texts.astype(str).to_numpy()
    workers = joblib.effective_n_jobs(n_jobs)
    if workers == 1 or len(values) < PARALLEL_MIN_TEXTS:
        return np.asarray(model.predict_proba(values))
    chunks = np.array_split(values, workers)
    parts = joblib.Parallel(n_jobs=workers)(
        joblib.delayed(model.predict_proba)(chunk) for chunk in chunks
    )
    return np.vstack(parts)


def expected_sentiment(model: Pipeline, texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Expected sentiment (P(positive) - P(negative), from -1 to +1) and confidence of each text."""
    if len(texts) == 0:
        return np.zeros(0), np.zeros(0)
    # Each distinct text once (shares, retweets and templates repeat): 2,480 distinct texts among
    # the 1.9 million of the 1,000,000-customer demo.
    codes, distinct = pd.factorize(texts.astype(str))
    proba = predict_proba(model, pd.Series(distinct))[codes]
    classes = list(model.classes_)
    positive = proba[:, classes.index("positive")] if "positive" in classes else 0.0
    negative = proba[:, classes.index("negative")] if "negative" in classes else 0.0
    return np.asarray(positive - negative, dtype=float), proba.max(axis=1)


#: Fewer labelled texts than this in some class and no sentiment model is fitted.
MIN_CLASS_TEXTS = 10


def labelled_texts(
    *, mentions: pd.DataFrame, reviews: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[pd.Series, pd.Series]:
    """The texts and labels a model fitted as of ``as_of`` learns from (see
    :func:`sentiment_training_set`)."""
    texts, labels, _ = _labelled_as_of(mentions, reviews, as_of)
    return texts, labels


def _labelled_as_of(
    mentions: pd.DataFrame, reviews: pd.DataFrame, as_of: pd.Timestamp, *, languages: bool = False
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    return _labelled_rows(
        mentions[mentions["posted_at"] <= as_of],
        reviews[reviews["created_at"] <= as_of],
        languages=languages,
    )


def _languages(frame: pd.DataFrame) -> pd.Series:
    """The ``language`` of each row, lower-cased and stripped ("" where unknown)."""
    if "language" not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame["language"].fillna("").astype(str).str.strip().str.lower()


def unreadable(mentions: pd.DataFrame, languages: dict[str, int] | None) -> np.ndarray:
    """True for each mention in a stated language of which the model learnt from no labelled
    text (``languages``: the count per language of the texts it learnt from): such a mention is
    left unscored (no sentiment evidence) and counted in the run report, rather than scored by a
    model that learnt other languages. Without stated languages among the labelled texts
    (``languages`` empty or None), no mention can be told apart: every one is read."""
    if not languages:
        return np.zeros(len(mentions), dtype=bool)
    stated = _languages(mentions)
    return ((stated != "") & ~stated.isin(list(languages))).to_numpy(dtype=bool)


def fit_sentiment(
    *, mentions: pd.DataFrame, reviews: pd.DataFrame, as_of: pd.Timestamp, seed: int = 0
) -> Fit[Pipeline | None]:
    """Fit the sentiment model on the labelled mentions and rated reviews up to ``as_of``.

    Fits on a stratified 80% (at most :data:`MAX_FIT_TEXTS` of it, a stratified sample) and
    reports macro-F1 on the other 20% (at most :data:`MAX_VALIDATION_TEXTS`). With fewer than
    :data:`MIN_CLASS_TEXTS` labelled texts of some class, returns no model and says why.
    """
    texts, labels, stated = _labelled_as_of(mentions, reviews, as_of, languages=True)
    languages = stated if stated is not None else pd.Series("", index=texts.index)
    counts = labels.value_counts()
    if len(counts) < 2 or counts.min() < MIN_CLASS_TEXTS:
        return Fit(
            model=None,
            metrics={
                "model": f"none (fewer than {MIN_CLASS_TEXTS} labelled texts of some class)",
                "n_train": len(texts),
            },
        )
    fit_texts, test_texts, fit_labels, test_labels = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=seed
    )
    fit_texts, fit_labels = _stratified_at_most(fit_texts, fit_labels, MAX_FIT_TEXTS, seed)
    test_texts, test_labels = _stratified_at_most(
        test_texts, test_labels, MAX_VALIDATION_TEXTS, seed
    )
    model = make_sentiment_model(seed=seed).fit(fit_texts, fit_labels)
    macro_f1 = f1_score(test_labels, model.predict(test_texts), average="macro")
    return Fit(
        model=model,
        metrics={
            "model": "tf-idf words+chars, VADER lexicon, logistic regression",
            # How many labelled texts are in each stated language (:func:`unreadable`).
            "languages": {
                str(k): int(v)
                for k, v in languages[languages != ""].value_counts().sort_index().items()
            },
            "n_labelled": len(texts),
            "n_train": len(fit_texts),
            "n_validation": len(test_texts),
            "macro_f1": round(float(macro_f1), 4),
        },
    )


def _stratified_at_most(
    texts: pd.Series, labels: pd.Series, size: int, seed: int
) -> tuple[pd.Series, pd.Series]:
    """``texts`` and ``labels`` as they are, or a seeded stratified sample of ``size``."""
    if len(texts) <= size:
        return texts, labels
    kept, _, kept_labels, _ = train_test_split(
        texts, labels, train_size=size, stratify=labels, random_state=seed
    )
    return kept, kept_labels


def text_hashes(texts: pd.Series, labels: pd.Series | None = None) -> np.ndarray:
    """A 64-bit hash of each text (with its label, when given): the key under which a text's
    score is kept between runs, and what a model's labelled data is compared by.

    >>> a = text_hashes(pd.Series(["good", "bad"]))
    >>> bool(a[0] == text_hashes(pd.Series(["good"]))[0]), bool(a[0] != a[1])
    (True, True)
    """
    values = texts.astype(str)
    if labels is not None:
        values = values + "\x1f" + labels.astype(str)
    return pd.util.hash_array(values.to_numpy(dtype=object))


@dataclass(frozen=True)
class SentimentState:
    """What a run keeps of its sentiment model for the next: the fit (with the hashes of the
    labelled texts it learnt from, :func:`text_hashes` with labels) and the score it gave each
    mention (``mention_id``, ``text_hash``, ``sentiment``), so that a text already scored by
    the same model version is not scored again."""

    kept: KeptFit[Pipeline | None]
    scores: pd.DataFrame


def score_mentions(
    fit: Fit[Pipeline | None], mentions: pd.DataFrame, *, kept: pd.DataFrame | None = None
) -> tuple[np.ndarray, pd.DataFrame, int]:
    """Expected sentiment of each mention by ``fit``'s model, the scores to keep (``mention_id``,
    ``text_hash``, ``sentiment``) and how many mentions were scored. Mentions found in ``kept``
    (scores by the same model version) with the same id and text hash take their kept score;
    the others are scored, but for mentions in a language the model cannot read
    (:func:`unreadable`), which get none (NaN). All 0 (neutral) without a model."""
    hashes = text_hashes(mentions["text"])
    scores = pd.DataFrame(
        {"mention_id": mentions["mention_id"].to_numpy(), "text_hash": hashes},
    )
    if fit.model is None:
        return np.zeros(len(mentions)), scores.assign(sentiment=0.0), 0
    known = np.full(len(mentions), np.nan)
    if kept is not None and len(kept):
        found = scores.merge(kept, on=["mention_id", "text_hash"], how="left")["sentiment"]
        known = np.array(found.to_numpy(dtype=float, na_value=np.nan))  # (writable)
    learnt = fit.metrics.get("languages")  # (absent from a model kept by an older version)
    new = np.isnan(known) & ~unreadable(mentions, learnt if isinstance(learnt, dict) else None)
    if new.any():
        known[new] = expected_sentiment(fit.model, mentions["text"][new])[0]
    return known, scores.assign(sentiment=known), int(new.sum())
