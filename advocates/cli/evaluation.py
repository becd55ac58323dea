"""``advocates eval``: measure the product's models on labelled files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from advocates.cli.common import err, load_settings, sub_app, timestamp

eval_app = sub_app(
    "eval", "Measure the product's models on labelled files; the last line printed is JSON."
)


@eval_app.command("sentiment")
def eval_sentiment(
    train: Annotated[Path, typer.Option(help="Labelled CSV (optionally .gz) to train on.")],
    test: Annotated[Path, typer.Option(help="Labelled CSV (optionally .gz) to measure on.")],
    text_columns: Annotated[
        list[str] | None,
        typer.Option("--text-column", help="Text column; repeat to join several with ' . '."),
    ] = None,
    label_column: Annotated[str, typer.Option(help="Label column.")] = "label",
) -> None:
    """Train the sentiment model on one file and print its figures on another."""
    from advocates.evaluation.models import evaluate_sentiment

    figures = evaluate_sentiment(
        train=train,
        test=test,
        text_columns=text_columns or ["text"],
        label_column=label_column,
        seed=load_settings().seed,
    )
    err.print(
        f"trained on {figures['n_train']:,} texts in {figures['fit_seconds']} s; "
        f"{figures['n_test']:,} test texts: accuracy {figures['accuracy']}, macro-F1 {figures['macro_f1']}"
    )
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
