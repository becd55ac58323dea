"""Benchmark: the sentiment model's learning curve on a large labelled input, for the cap on how
many texts a nightly run fits it on.

Usage: .venv/bin/python bench/bench_sentiment_curve.py --input DIR [--sizes 25000,50000,...]
       [--validation 50000]

``DIR`` is an input folder of the contract (``advocates demo-data --customers 1000000`` makes one
with about 1.06 million labelled mentions and reviews). The labelled texts are those a run learns
from (:func:`advocates.models.sentiment.sentiment_training_set`); a seeded stratified split puts
``--validation`` of them aside, and the model is fitted on stratified samples of each size of
the rest (all of it last), each scored on the same validation texts. Prints, per size, the
macro-F1, the seconds to fit and one JSON line; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from advocates.models.sentiment import make_sentiment_model, predict_proba, sentiment_training_set


def labelled_texts(folder: Path) -> tuple[pd.Series, pd.Series]:
    """The texts and labels a run would learn from, read from ``folder``'s tables."""
    mentions = pd.read_csv(
        folder / "mentions.csv", usecols=["text", "sentiment_label"], dtype=str
    ).dropna(subset=["text"])
    reviews = pd.read_csv(folder / "reviews.csv", usecols=["text", "rating"], dtype=str)
    reviews = reviews.assign(rating=pd.to_numeric(reviews["rating"], errors="coerce")).dropna()
    return sentiment_training_set(mentions=mentions, reviews=reviews.fillna({"text": ""}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--sizes", default="25000,50000,100000,200000,400000")
    parser.add_argument("--validation", type=int, default=50_000)
    args = parser.parse_args()

    texts, labels = labelled_texts(args.input)
    rest, val_texts, rest_labels, val_labels = train_test_split(
        texts, labels, test_size=args.validation, stratify=labels, random_state=0
    )
    print(f"{len(texts):,} labelled texts; validation {len(val_texts):,} (stratified, seed 0)")
    sizes = [int(s) for s in args.sizes.split(",") if int(s) < len(rest)] + [len(rest)]
    results = []
    for size in sizes:
        if size < len(rest):
            fit_texts, _, fit_labels, _ = train_test_split(
                rest, rest_labels, train_size=size, stratify=rest_labels, random_state=0
            )
        else:
            fit_texts, fit_labels = rest, rest_labels
        started = time.perf_counter()
        model = make_sentiment_model(seed=0).fit(fit_texts, fit_labels)
        fit_seconds = time.perf_counter() - started
        classes = model.classes_[predict_proba(model, val_texts).argmax(axis=1)]
        macro_f1 = float(f1_score(val_labels, classes, average="macro"))
        results.append(
            {"n_fit": size, "macro_f1": round(macro_f1, 4), "fit_s": round(fit_seconds, 1)}
        )
        print(f"  fit on {size:>9,}: macro-F1 {macro_f1:.4f}, fit {fit_seconds:6.1f} s", flush=True)
    print(json.dumps({"labelled": len(texts), "validation": len(val_texts), "curve": results}))


if __name__ == "__main__":
    main()
