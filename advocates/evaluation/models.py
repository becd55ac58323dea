"""Measure the product's models on labelled files: the figures behind ``advocates eval``.

Each function reads its files, fits the same model the nightly run fits, and returns a plain dict
of figures (JSON-ready). Input problems raise :class:`~advocates.errors.InputError` naming the file
and the column.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate

from advocates.errors import InputError, TableReadError
from advocates.models.clv import BetaGeoModel, GammaGammaModel, rfm_summary
from advocates.models.sentiment import make_sentiment_model

__all__ = [
    "cross_validate_sentiment",
    "cross_validated_figures",
    "evaluate_clv",
    "evaluate_sentiment",
    "read_labelled_csv",
    "sentiment_figures",
]


def read_labelled_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """Read a CSV (optionally gzip-compressed) and check that it has ``columns``."""
    if not path.is_file():
        raise TableReadError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as error:
        raise TableReadError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, EOFError) as error:
        raise TableReadError(f"{path}: cannot be read as CSV: {error}") from error
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: no column {', '.join(map(repr, missing))}; "
            f"the file has {', '.join(map(repr, frame.columns))}"
        )
    return frame


def _labelled_texts(
    path: Path, text_columns: Sequence[str], label_column: str
) -> tuple[pd.Series, pd.Series, int]:
    frame = read_labelled_csv(path, [*text_columns, label_column])
    texts = frame[list(text_columns)].agg(" . ".join, axis=1)
    labels = frame[label_column].str.strip()
    keep = (labels != "") & (texts.str.strip(" .") != "")
    if not keep.any():
        raise InputError(f"{path}: no row has both a text and a label")
    return (
        texts[keep].reset_index(drop=True),
        labels[keep].reset_index(drop=True),
        int((~keep).sum()),
    )


def evaluate_sentiment(
    *,
    train: Path,
    test: Path,
    text_columns: Sequence[str] = ("text",),
    label_column: str = "label",
    seed: int = 0,
) -> dict:
    """Train the product's sentiment model on ``train`` and measure it on ``test``.

    Rows without a text or a label are left out and counted (``n_train_dropped``,
    ``n_test_dropped``).
    """
    train_texts, train_labels, train_dropped = _labelled_texts(train, text_columns, label_column)
    test_texts, test_labels, test_dropped = _labelled_texts(test, text_columns, label_column)
    if train_labels.nunique() < 2:
        raise InputError(f"{train}: column {label_column!r} needs at least two distinct labels")
    figures = sentiment_figures(train_texts, train_labels, test_texts, test_labels, seed=seed)
    return {"n_train_dropped": train_dropped, "n_test_dropped": test_dropped, **figures}


def cross_validate_sentiment(
    *,
    train: Path,
    folds: int,
    repeats: int = 3,
    text_columns: Sequence[str] = ("text",),
    label_column: str = "label",
    seed: int = 0,
) -> dict:
    """The product's sentiment model cross-validated on the whole of ``train``: ``repeats``
    rounds of stratified ``folds``-fold splits (each text is measured once per round, by a model
    that did not learn from it), accuracy and macro-F1 as mean and standard deviation over the
    ``folds × repeats`` fits, and each fit's figures.

    One split of a small file can mislead: on the French tweets, a 324-tweet validation split
    overstated the held-out macro-F1 by 0.035; the spread over repeated splits says how far a
    figure can be trusted.

    Raises
    ------
    InputError
        With fewer than 2 folds or repeats, fewer than two labels, or a label with fewer texts
        than folds (each fold must hold every label).
    """
    if folds < 2 or repeats < 1:
        raise InputError(f"--cv needs at least 2 folds and 1 repeat (got {folds} and {repeats})")
    texts, labels, dropped = _labelled_texts(train, text_columns, label_column)
    counts = labels.value_counts()
    if len(counts) < 2:
        raise InputError(f"{train}: column {label_column!r} needs at least two distinct labels")
    if counts.min() < folds:
        raise InputError(
            f"{train}: label {counts.idxmin()!r} has {counts.min()} texts, fewer than the "
            f"{folds} folds of --cv (each fold must hold every label): use fewer folds"
        )
    figures = cross_validated_figures(texts, labels, folds=folds, repeats=repeats, seed=seed)
    return {"n_texts": len(texts), "n_dropped": dropped, **figures}


def cross_validated_figures(
    texts: pd.Series, labels: pd.Series, *, folds: int, repeats: int = 3, seed: int = 0
) -> dict:
    """Accuracy and macro-F1 of the sentiment model over ``repeats`` rounds of stratified
    ``folds``-fold splits of ``texts``: mean and standard deviation over the fits, and each
    fit's figures (see :func:`cross_validate_sentiment`)."""
    splits = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    started = time.perf_counter()
    scores = cross_validate(
        make_sentiment_model(seed=seed),
        texts,
        labels,
        cv=splits,
        scoring={"accuracy": "accuracy", "macro_f1": "f1_macro"},
        n_jobs=-1,
    )
    per_fit = {name: scores[f"test_{name}"] for name in ("accuracy", "macro_f1")}
    return {
        "folds": folds,
        "repeats": repeats,
        **{
            name: {
                "mean": round(float(values.mean()), 4),
                "std": round(float(values.std(ddof=1)) if len(values) > 1 else 0.0, 4),
            }
            for name, values in per_fit.items()
        },
        "per_fit": [
            {"accuracy": round(float(a), 4), "macro_f1": round(float(f), 4)}
            for a, f in zip(per_fit["accuracy"], per_fit["macro_f1"], strict=True)
        ],
        "seconds": round(time.perf_counter() - started, 1),
    }


def sentiment_figures(
    train_texts: pd.Series,
    train_labels: pd.Series,
    test_texts: pd.Series,
    test_labels: pd.Series,
    *,
    seed: int = 0,
) -> dict:
    """Fit the sentiment model on the training texts; accuracy, macro-F1 and per-class figures
    on the test texts, with the fitting time and the scoring throughput."""
    started = time.perf_counter()
    model = make_sentiment_model(seed=seed).fit(train_texts, train_labels)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = model.predict(test_texts)
    predict_seconds = time.perf_counter() - started
    classes = sorted(set(train_labels) | set(test_labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        test_labels, predicted, labels=classes, zero_division=0
    )
    return {
        "n_train": len(train_texts),
        "n_test": len(test_texts),
        "accuracy": round(float(accuracy_score(test_labels, predicted)), 4),
        "macro_f1": round(
            float(
                f1_score(test_labels, predicted, labels=classes, average="macro", zero_division=0)
            ),
            4,
        ),
        "per_class": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
        },
        "fit_seconds": round(fit_seconds, 2),
        "texts_per_second": round(len(test_texts) / max(predict_seconds, 1e-9)),
    }


def evaluate_clv(
    *,
    transactions: Path,
    customer_column: str,
    date_column: str,
    amount_column: str,
    calibration_end: pd.Timestamp,
) -> dict:
    """Fit BG/NBD and Gamma-Gamma on a transaction log (time in weeks) and return their parameters."""
    frame = read_labelled_csv(transactions, [customer_column, date_column, amount_column])
    dates = pd.to_datetime(frame[date_column], errors="coerce", format="mixed")
    amounts = pd.to_numeric(frame[amount_column], errors="coerce")
    for name, values, what in [
        (date_column, dates, "a date"),
        (amount_column, amounts, "a number"),
    ]:
        bad = np.flatnonzero(values.isna().to_numpy())
        if len(bad):
            row = int(bad[0]) + 2  # the header is line 1
            raise InputError(
                f"{transactions}: row {row}, column {name!r}: {frame[name].iloc[bad[0]]!r} is not "
                f"{what} ({len(bad)} such row(s))"
            )
    if (amounts < 0).any():
        row = int(np.flatnonzero((amounts < 0).to_numpy())[0]) + 2
        raise InputError(f"{transactions}: row {row}, column {amount_column!r}: negative amount")
    log = pd.DataFrame({"customer": frame[customer_column], "date": dates, "amount": amounts})
    summary = rfm_summary(
        log, customer="customer", date="date", amount="amount", calibration_end=calibration_end
    )
    bgnbd = BetaGeoModel().fit(summary)
    gamma_gamma = GammaGammaModel().fit(summary)
    return {
        "n_customers": len(summary),
        "n_repeat_buyers": int((summary["frequency"] > 0).sum()),
        "bgnbd": bgnbd.figures(),
        "gamma_gamma": {**gamma_gamma.figures(), "n_customers": gamma_gamma.n_customers_},
    }
