"""Benchmark: the product's sentiment model on validation splits of the public training sets.

Usage: python bench/bench_sentiment.py [--datasets ../shared/datasets] [--folds 5] [--repeats 3]

For each data set it makes a seeded validation split of the training file that is in
``../shared/datasets`` (the held-out test files are not there), fits the same model
``advocates score`` and ``advocates eval sentiment`` fit, and prints one JSON line of figures;
then a line of the model cross-validated on the whole training file (``--folds`` stratified
folds, ``--repeats`` rounds: mean and standard deviation, as ``advocates eval sentiment --cv``).
Then it times fitting on 12,000 texts and scoring: the pool's distinct texts (each once, as a
nightly run scores them, no word seen before: in one process, then in one per core, the workers'
start included) and 50,000 texts drawn from the pool with repeats (in one process, then in one
per core as the nightly run does; ``--speed-only`` skips the figures). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from advocates.evaluation.models import cross_validated_figures, sentiment_figures
from advocates.models.sentiment import make_sentiment_model, predict_proba


def validation_splits(root: Path) -> dict[str, tuple[pd.Series, pd.Series, pd.Series, pd.Series]]:
    """Train/validation texts and labels per data set, as the README describes them."""
    airline = pd.read_csv(root / "twitter_us_airline_sentiment" / "tweets_train.csv.gz")
    a_train, a_val = train_test_split(
        airline, test_size=0.2, stratify=airline["airline_sentiment"], random_state=0
    )
    laroseda = pd.read_csv(root / "laroseda" / "reviews_train.csv.gz")
    laroseda["text"] = laroseda["title"].astype(str) + " . " + laroseda["content"].astype(str)
    l_train, l_val = train_test_split(
        laroseda, test_size=0.2, stratify=laroseda["label"], random_state=0
    )
    french = pd.read_csv(root / "french_tweets_umsab_deft2017" / "tweets_train.csv.gz")
    f_train, f_val = french[french["split"] == "train"], french[french["split"] == "val"]
    return {
        "airline (en, 3 classes; stratified 80/20)": (
            a_train["text"],
            a_train["airline_sentiment"],
            a_val["text"],
            a_val["airline_sentiment"],
        ),
        "laroseda (ro, 2 classes; title . content; stratified 80/20)": (
            l_train["text"],
            l_train["label"],
            l_val["text"],
            l_val["label"],
        ),
        "french tweets (fr, 3 classes; UMSAB train -> val)": (
            f_train["text"],
            f_train["label"],
            f_val["text"],
            f_val["label"],
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--datasets", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets"
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of folds")
    parser.add_argument("--speed-only", action="store_true", help="time fitting and scoring only")
    args = parser.parse_args()
    splits = validation_splits(args.datasets)
    for name, (train_texts, train_labels, val_texts, val_labels) in splits.items():
        if args.speed_only:
            break
        figures = sentiment_figures(train_texts, train_labels, val_texts, val_labels)
        print(json.dumps({"data": name, **figures}), flush=True)
        # The figure choices are made on: the whole training file, repeated stratified folds,
        # its rows in the file's order (the splits keep it in their index), as --cv reads them.
        whole = pd.concat([train_texts, val_texts]).sort_index().reset_index(drop=True)
        labels = pd.concat([train_labels, val_labels]).sort_index().reset_index(drop=True)
        cv = cross_validated_figures(whole, labels, folds=args.folds, repeats=args.repeats)
        print(json.dumps({"data": name, "n_texts": len(whole), "cv": cv}), flush=True)

    # Speed: 12,000 mixed-language texts to fit, 50,000 to score.
    texts = pd.concat([split[0] for split in splits.values()], ignore_index=True)
    labels = pd.concat([split[1] for split in splits.values()], ignore_index=True)
    sample = texts.sample(12_000, random_state=0)
    started = time.perf_counter()
    model = make_sentiment_model().fit(sample, labels.loc[sample.index])
    fit_seconds = time.perf_counter() - started
    # The distinct texts first (a nightly run scores each distinct text once), in a fresh
    # model copy each time, so that no word's n-grams are known yet: one process, then one per
    # core with the workers' start and the model's copy to them included.
    distinct = pd.Series(texts.unique())
    timed = {}
    for name, jobs in (("distinct_one_process", 1), ("distinct", -1)):
        fresh = pickle.loads(pickle.dumps(model))
        started = time.perf_counter()
        predict_proba(fresh, distinct, n_jobs=jobs)
        timed[f"texts_per_second_{name}"] = round(len(distinct) / (time.perf_counter() - started))
    to_score = texts.sample(50_000, replace=True, random_state=1)
    started = time.perf_counter()
    predict_proba(model, to_score, n_jobs=1)
    one_core = time.perf_counter() - started
    started = time.perf_counter()
    predict_proba(model, to_score)
    score_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "fit_texts": len(sample),
                "fit_seconds": round(fit_seconds, 2),
                "scored_texts": len(to_score),
                "score_seconds_one_process": round(one_core, 2),
                "texts_per_second_one_process": round(len(to_score) / one_core),
                "score_seconds": round(score_seconds, 2),
                "texts_per_second": round(len(to_score) / score_seconds),
                "distinct_texts": len(distinct),
                **timed,
            }
        )
    )


if __name__ == "__main__":
    main()
