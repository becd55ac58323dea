"""``advocates eval``: measure the product's models on labelled files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from advocates.cli.common import err, load_settings, sub_app, timestamp
from advocates.errors import InputError

eval_app = sub_app(
    "eval", "Measure the product's models on labelled files; the last line printed is JSON."
)


@eval_app.command("sentiment")
def eval_sentiment(
    train: Annotated[Path, typer.Option(help="Labelled CSV (optionally .gz) to train on.")],
    test: Annotated[
        Path | None, typer.Option(help="Labelled CSV (optionally .gz) to measure on.")
    ] = None,
    cv: Annotated[
        int | None,
        typer.Option(
            "--cv",
            help="Cross-validate on the whole training file, beside or instead of --test: "
            "K stratified folds, repeated (see --repeats); prints mean ± standard deviation.",
        ),
    ] = None,
    repeats: Annotated[int, typer.Option(help="Rounds of --cv splits, each shuffled anew.")] = 3,
    text_columns: Annotated[
        list[str] | None,
        typer.Option("--text-column", help="Text column; repeat to join several with ' . '."),
    ] = None,
    label_column: Annotated[str, typer.Option(help="Label column.")] = "label",
) -> None:
    """Train the sentiment model on one file and print its figures on another (--test), or
    cross-validated on the training file itself (--cv K), or both."""
    from advocates.evaluation.models import cross_validate_sentiment, evaluate_sentiment

    if test is None and cv is None:
        raise InputError("give --test FILE to measure on, --cv K to cross-validate, or both")
    columns, seed = text_columns or ["text"], load_settings().seed
    figures: dict = {}
    if cv is not None:
        figures["cv"] = cross_validate_sentiment(
            train=train,
            folds=cv,
            repeats=repeats,
            text_columns=columns,
            label_column=label_column,
            seed=seed,
        )
        done = figures["cv"]
        err.print(
            f"cross-validated on {done['n_texts']:,} texts ({done['folds']} folds × "
            f"{done['repeats']} repeats, {done['seconds']} s): accuracy "
            f"{done['accuracy']['mean']} ± {done['accuracy']['std']}, macro-F1 "
            f"{done['macro_f1']['mean']} ± {done['macro_f1']['std']}"
        )
    if test is not None:
        measured = evaluate_sentiment(
            train=train, test=test, text_columns=columns, label_column=label_column, seed=seed
        )
        err.print(
            f"trained on {measured['n_train']:,} texts in {measured['fit_seconds']} s; "
            f"{measured['n_test']:,} test texts: accuracy {measured['accuracy']}, macro-F1 {measured['macro_f1']}"
        )
        figures = {**measured, **figures}
    print(json.dumps(figures))


@eval_app.command("clv")
def eval_clv(
    transactions: Annotated[Path, typer.Option(help="Transaction log CSV (optionally .gz).")],
    customer_column: Annotated[str, typer.Option(help="Customer id column.")],
    date_column: Annotated[str, typer.Option(help="Transaction date column.")],
    amount_column: Annotated[str, typer.Option(help="Transaction amount column.")],
    calibration_end: Annotated[str, typer.Option(help="Last day of the calibration period.")],
) -> None:
    """Fit BG/NBD and Gamma-Gamma (time in weeks) and print their parameters."""
    from advocates.evaluation.models import evaluate_clv

    end = timestamp(calibration_end, option="--calibration-end")
    figures = evaluate_clv(
        transactions=transactions,
        customer_column=customer_column,
        date_column=date_column,
        amount_column=amount_column,
        calibration_end=end,
    )
    err.print(
        f"{figures['n_customers']:,} customers, {figures['n_repeat_buyers']:,} repeat buyers; "
        f"BG/NBD log-likelihood {figures['bgnbd']['loglik']}"
    )
    print(json.dumps(figures))
