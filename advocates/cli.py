"""The ``advocates`` command line: demo data, nightly scoring, shortlists and the API server.

Library errors become a one-line message and exit code 1 here, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .errors import AdvocatesError, ConfigurationError
from .settings import Settings, get_settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="advocates",
    help="Rank a brand's customers as advocates from CRM purchases, the social graph and sentiment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)

StoreOption = Annotated[
    str | None, typer.Option("--store", help="Store URL (default: setting ADVOCATES_STORE_URL).")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="CSV file to write (default: standard output).")
]
PiiOption = Annotated[bool, typer.Option("--include-pii", help="Add email and name columns.")]
_SCORING_STAGES = [
    "read",
    "validate",
    "identity",
    "sentiment model",
    "features",
    "customer value",
    "propensity model",
    "uplift model",
    "scoring",
    "publish",
]


def _sub_app(name: str, help: str) -> typer.Typer:
    """A group of commands under ``advocates NAME``."""
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def _settings() -> Settings:
    try:
        return get_settings()
    except Exception as error:  # pydantic's ValidationError names the variable and the problem
        raise ConfigurationError(f"invalid ADVOCATES_* setting: {error}") from error


def _timestamp(value: str | None, *, option: str) -> pd.Timestamp:
    if value is None:
        return pd.Timestamp.now(tz="UTC").floor("s")
    try:
        parsed = pd.Timestamp(value)
    except ValueError as error:
        raise ConfigurationError(f"{option} {value!r} is not an ISO 8601 date") from error
    return parsed.tz_localize("UTC") if parsed.tzinfo is None else parsed.tz_convert("UTC")


@app.command("demo-data")
def demo_data(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the nine tables to.")],
    customers: Annotated[
        int, typer.Option(help="Number of customers (about 10 graph edges each).", min=10)
    ] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 0,
    broken_rows: Annotated[
        float, typer.Option(help="Share of rows to break on purpose (0 to 0.5).", min=0.0, max=0.5)
    ] = 0.0,
    end: Annotated[
        str | None, typer.Option(help="Last day of the data, ISO 8601 (default: today).")
    ] = None,
    file_format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write realistic demo data for all nine input tables."""
    from .demo import break_rows, generate_demo_tables
    from .io import write_table

    if file_format not in ("csv", "parquet"):
        raise ConfigurationError(f"--format must be csv or parquet, got {file_format!r}")
    end_day = _timestamp(end, option="--end").floor("D")
    tables = generate_demo_tables(customers=customers, seed=seed, end=end_day.isoformat())
    manifest = {
        "customers": customers,
        "seed": seed,
        "end": end_day.isoformat(),
        "broken_rows": broken_rows,
        "tables": {},
    }
    for name, frame in tables.items():
        broken, how = break_rows(name, frame, fraction=broken_rows, seed=seed)
        lines = (
            {}
            if file_format == "parquet"
            else {
                "bad_bytes_lines": how.bad_bytes_lines,
                "extra_field_lines": how.extra_field_lines,
            }
        )
        path = write_table(broken, out_dir / f"{name}.{file_format}", **lines)
        manifest["tables"][name] = {
            "file": path.name,
            "rows": len(broken) + 0,
            "broken": how.total if file_format == "csv" else how.value_errors + how.duplicates,
        }
        out.print(f"{path}  {len(broken):>10,} rows")
    (out_dir / "MANIFEST.json").write_text(json.dumps(manifest, indent=2))


@app.command()
def score(
    input_dir: Annotated[
        Path, typer.Option("--input", help="Folder with one file per input table.")
    ],
    store: StoreOption = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Score as of this instant, ISO 8601 (default: now)."),
    ] = None,
) -> None:
    """Validate the input tables, score every customer and publish a new run."""
    from .pipeline import ScoringParams, run_nightly
    from .store import open_store

    settings = _settings()
    params = ScoringParams(
        as_of=_timestamp(as_of, option="--as-of"),
        recent_days=settings.recent_window_days,
        half_life_days=settings.sentiment_half_life_days,
        sentiment_gate=settings.sentiment_gate,
        negative_mentions_gate=settings.negative_mentions_gate,
        max_invites_per_day=settings.max_invites_per_day,
        contact_period_days=settings.contact_period_days,
        return_window_days=settings.return_window_days,
        seed=settings.seed,
    )
    target = open_store(store or settings.store_url)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<18}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("scoring", total=len(_SCORING_STAGES))
        seen: list[str] = []

        def advance(stage: str) -> None:
            if seen:
                progress.advance(task)
            seen.append(stage)
            progress.update(task, description=stage)

        outcome = run_nightly(
            input_dir=input_dir,
            store=target,
            params=params,
            rejects_dir=settings.rejects_dir,
            max_reject_share=settings.max_reject_share,
            progress=advance,
        )
        progress.update(task, completed=len(_SCORING_STAGES))
    _print_summary(outcome.report)


def _print_summary(report: dict) -> None:
    tables = Table(title=f"run {report['run_id']} (as of {report['as_of']})")
    for column in ("table", "rows in", "accepted", "rejected"):
        tables.add_column(column, justify="left" if column == "table" else "right")
    for name, row in report["tables"].items():
        tables.add_row(name, f"{row['rows_in']:,}", f"{row['accepted']:,}", f"{row['rejected']:,}")
    out.print(tables)
    out.print(
        "seconds per stage: " + ", ".join(f"{k} {v:.2f}" for k, v in report["seconds"].items())
    )
    out.print(
        f"customers scored: {report['customers']:,}; eligible advocates: {report['eligible']:,}; excluded: {report['excluded']}"
    )
    out.print(f"sentiment model: {report['sentiment_model']}")
    out.print(f"customer value model: {report['customer_value_model']}")
    _print_propensity(report["propensity_model"])
    out.print(f"uplift model: {report['uplift_model']}")
    for warning in report["warnings"]:
        err.print(f"warning: {warning}")
    out.print(f"rejects file: {report['rejects_file']}")
    out.print(f"published run: {report['run_id']}")


def _print_propensity(metrics: dict) -> None:
    if "baselines" not in metrics:
        out.print(f"propensity model: {metrics}")
        return
    table = Table(
        title=f"sharing propensity on {metrics['n_test']:,} held-out customers "
        f"(precision among the top {metrics['k']})"
    )
    for column in ("ranking", "ROC-AUC", "PR-AUC", "Brier", "precision@k"):
        table.add_column(column, justify="left" if column == "ranking" else "right")
    rows = {"model": metrics, **metrics["baselines"]}
    for name, row in rows.items():
        table.add_row(
            name.replace("_", " "),
            *(f"{row[m]:.3f}" for m in ("roc_auc", "pr_auc", "brier", "precision_at_k")),
        )
    out.print(table)


@app.command()
def shortlist(
    objective: Annotated[
        str | None, typer.Option(help="awareness, engagement or conversion.")
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            help="Custom weights instead of one objective, e.g. awareness=1,conversion=2."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many advocates.", min=1)] = 100,
    out_file: OutOption = None,
    include_pii: PiiOption = False,
    store: StoreOption = None,
) -> None:
    """Write the ranked shortlist of the latest run as spreadsheet-safe CSV."""
    from .shortlist import check_ranking, ranked_page, shortlist_frame
    from .store import open_store

    check_ranking(objective, weights)
    source = open_store(store or _settings().store_url)
    run = source.latest_run()
    page, _, ranking = ranked_page(
        source, run.run_id, objective=objective, weights=weights, limit=limit, offset=0
    )
    _write_list(
        shortlist_frame(page, ranking, include_pii=include_pii), out_file, run.run_id, "advocates"
    )


@app.command()
def detractors(
    limit: Annotated[int, typer.Option(help="How many detractors.", min=1)] = 100,
    out_file: OutOption = None,
    include_pii: PiiOption = False,
    store: StoreOption = None,
) -> None:
    """Write the detractors with reach of the latest run, for customer care, as spreadsheet-safe
    CSV: negative sentiment and a large audience, with the mention or review that put them there."""
    from .shortlist import detractor_frame
    from .store import open_store

    source = open_store(store or _settings().store_url)
    run = source.latest_run()
    ranked, _ = source.ranked(run.run_id, objective="detractor", limit=limit, offset=0)
    _write_list(
        detractor_frame(ranked, include_pii=include_pii), out_file, run.run_id, "detractors"
    )


@app.command()
def rewards(out_file: OutOption = None, store: StoreOption = None) -> None:
    """Write the latest run's converted referrals with their reward status (earned, pending
    while the return window is open, void when the friend's order was refunded) as CSV."""
    from .store import open_store

    source = open_store(store or _settings().store_url)
    run = source.latest_run()
    _write_list(source.run_table(run.run_id, "rewards"), out_file, run.run_id, "referral rewards")


def _write_list(frame: pd.DataFrame, out_file: Path | None, run_id: str, what: str) -> None:
    from .io import csv_lines, write_csv

    if out_file is None:
        for text in csv_lines(frame):
            sys.stdout.write(text)
        return
    write_csv(frame, out_file)
    err.print(f"wrote {len(frame):,} {what} of run {run_id} to {out_file}")


@app.command()
def runs(store: StoreOption = None) -> None:
    """List the runs of the store, newest first."""
    from .store import open_store

    table = Table()
    for column in ("run", "status", "as of", "created", "published"):
        table.add_column(column)
    for run in open_store(store or _settings().store_url).runs():
        table.add_row(run.run_id, run.status, run.as_of, run.created_at, run.published_at or "")
    out.print(table)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: setting ADVOCATES_API_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default: setting ADVOCATES_API_PORT).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Serve the HTTP API over the latest published run."""
    import uvicorn

    from api.app import create_app

    settings = _settings()
    if store:
        settings = settings.model_copy(update={"store_url": store})
    uvicorn.run(
        create_app(settings), host=host or settings.api_host, port=port or settings.api_port
    )


import_app = _sub_app("import", "Map public or third-party data onto the input contract.")


@import_app.command("ciao")
def import_ciao_command(
    source: Annotated[
        Path, typer.Argument(help="Folder with Ciao's ratings.csv.gz and trust.csv.gz.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the input tables to.")],
    until: Annotated[
        str | None,
        typer.Option(help="Leave out ratings on or after this day, to forecast from it."),
    ] = None,
) -> None:
    """Import Ciao (ratings and trust): users as customers, ratings as orders and reviews,
    trust as follows edges, peer adoptions as converted referrals."""
    from .importers.ciao import import_ciao

    counts = import_ciao(
        source, out_dir, until=None if until is None else _timestamp(until, option="--until")
    )
    for name, rows in counts.items():
        out.print(f"{name}: {rows:,} rows")
    out.print(f"wrote {len(counts)} tables to {out_dir}; next: advocates score --input {out_dir}")


campaign_app = _sub_app(
    "campaign", "Campaigns: overlap-aware advocates and two-sided incentives under a budget."
)


@campaign_app.command("plan")
def campaign_plan(
    objective: Annotated[str, typer.Option(help="awareness, engagement or conversion.")],
    budget: Annotated[float, typer.Option(help="Most the plan may expect to spend.", min=0)],
    catalogue: Annotated[Path, typer.Option(help="Incentive catalogue, CSV or JSON.")],
    advocates: Annotated[
        int | None,
        typer.Option(
            help="How many advocates to select (default: as many as the budget affords).", min=1
        ),
    ] = None,
    holdout: Annotated[
        float, typer.Option(help="Share of selected advocates kept untreated.", min=0, max=0.99)
    ] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed of the holdout draw.")] = 0,
    out_file: OutOption = None,
    store: StoreOption = None,
) -> None:
    """Plan a campaign on the latest run: who, which incentive, at what expected cost."""
    from .campaign import CampaignRequest, plan_and_store
    from .incentives import read_catalogue
    from .store import open_store

    settings = _settings()
    request = CampaignRequest(
        objective=objective,
        budget=budget,
        advocates=advocates,
        holdout=holdout,
        seed=seed,
        contact_cap=settings.contact_cap,
    )
    request.check()
    offers = read_catalogue(catalogue)
    source = open_store(store or settings.store_url)
    info = plan_and_store(source, offers, request)
    assignments, _ = source.plan_assignments(info.plan_id, limit=10**9, offset=0)
    _write_list(assignments, out_file, info.run_id, "assignments")
    totals = info.totals
    err.print(
        f"campaign {info.plan_id} on run {info.run_id}: {totals['advocates']} advocates "
        f"({totals['holdout']} holdout, {totals['with_incentive']} with an incentive); expected "
        f"reach {totals['expected_reach']:,}; expected conversions {totals['expected_conversions']:,}; "
        f"expected incremental value {totals['expected_incremental_value']:,} {totals['currency']}; "
        f"expected cost {totals['expected_cost']:,} of {totals['budget']:,} "
        f"(left {totals['budget_left']:,}); excluded: {totals['excluded']}"
    )


eval_app = _sub_app(
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
    from .evaluate import evaluate_sentiment

    figures = evaluate_sentiment(
        train=train,
        test=test,
        text_columns=text_columns or ["text"],
        label_column=label_column,
        seed=_settings().seed,
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
    from .evaluate import evaluate_clv

    end = _timestamp(calibration_end, option="--calibration-end")
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


def main() -> None:
    """Entry point of the ``advocates`` console script."""
    try:
        app()
    except AdvocatesError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(1)
