"""``advocates score`` (the nightly run, its progress and summary) and ``advocates runs``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from advocates.cli.common import StoreOption, app, err, load_settings, out, timestamp
from advocates.errors import ConfigurationError

if TYPE_CHECKING:
    from advocates.pipeline import Engine


@app.command()
def score(
    input_dir: Annotated[
        Path, typer.Option("--input", help="Folder with one file per input table.")
    ],
    store: StoreOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Score as of this instant, ISO 8601, or 'latest': as of the input's newest "
            "order, interaction, mention, review or referral (default: now).",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Read every input file whole and fit every model afresh: by default files "
            "unchanged since the last run are not read again (of a CSV file appended to, only "
            "the new rows are), and the previous run's models (sentiment, customer value, "
            "propensity, uplift) are reused while the data each learnt from changed by at most "
            "ADVOCATES_RETRAIN_SHARE.",
        ),
    ] = False,
) -> None:
    """Validate the input tables, score every customer and publish a new run."""
    from advocates.pipeline import RUN_STAGES, ScoringParams, run_nightly
    from advocates.store import open_store

    settings = load_settings()
    latest = as_of is not None and as_of.strip().lower() == "latest"
    when = timestamp(None if latest else as_of, option="--as-of")  # latest: settled by the run
    params = ScoringParams.from_settings(settings, as_of=when)
    engine = _engine(settings.engine, settings.spark_master)  # (before the store is touched)
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
        task = progress.add_task("scoring", total=len(RUN_STAGES))
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
            max_input_age_days=settings.max_input_age_days,
            latest=latest,
            keep_runs=settings.keep_runs,
            full=full,
            input_cache=_input_cache(settings.input_cache_dir, target),
            progress=advance,
            engine=engine,
        )
        progress.update(task, completed=len(RUN_STAGES))
    _print_summary(outcome.report)


def _engine(name: str, master: str) -> Engine | None:
    """The engine of ``ADVOCATES_ENGINE``: None for pandas (this process), a Spark engine on
    ``master`` for spark; ConfigurationError when Spark cannot run here, saying why."""
    if name != "spark":
        return None
    from advocates.spark.engine import SparkEngine
    from advocates.spark.session import spark_availability

    available = spark_availability()
    if not available.available:
        raise ConfigurationError(
            f"ADVOCATES_ENGINE=spark, but Spark cannot run here: {available.reason} "
            "(pip install 'advocates[spark]' and a Java runtime, 17 or newer)"
        )
    return SparkEngine(master=master)


def _input_cache(setting: str | None, store: object) -> Path | None:
    """The folder where runs keep their validated input: the setting's, or beside a SQLite
    store's file; None for 'none'."""
    from advocates.store import SqliteStore

    if setting is not None:
        return None if setting.strip().lower() == "none" else Path(setting)
    if isinstance(store, SqliteStore):
        return store.path.with_name(store.path.name + ".inputs")
    return None


def _print_summary(report: dict) -> None:
    tables = Table(title=f"run {report['run_id']} (as of {report['as_of']})")
    for column in ("table", "read", "rows in", "accepted", "rejected"):
        tables.add_column(column, justify="left" if column in ("table", "read") else "right")
    for name, row in report["tables"].items():
        tables.add_row(
            name,
            row["read"],
            f"{row['rows_in']:,}",
            f"{row['accepted']:,}",
            f"{row['rejected']:,}",
        )
    out.print(tables)
    out.print(
        "seconds per stage: " + ", ".join(f"{k} {v:.2f}" for k, v in report["seconds"].items())
    )
    out.print(
        f"customers scored: {report['customers']:,}; eligible advocates: {report['eligible']:,}; excluded: {report['excluded']}"
    )
    if report.get("erased_customers_left_out"):
        out.print(f"erased customers left out: {report['erased_customers_left_out']:,}")
    if report.get("events", {}).get("events"):
        out.print(f"outcome events applied: {report['events']}")
    out.print(f"graph numbering: {report['graph_numbering']}")
    out.print(f"PageRank and 2-hop reach: {report['graph_kernels']}")
    sentiment = report["sentiment_model"]
    if sentiment.get("fitted_this_run") is False:
        out.print(
            f"sentiment model: {_reused(sentiment)}; {sentiment['mentions_scored']:,} mentions "
            f"scored, {sentiment['mentions_kept']:,} kept their score"
        )
        out.print(f"sentiment model metrics (from its fit): {sentiment}")
    else:
        out.print(f"sentiment model: {sentiment}")
    unread = sentiment.get("mentions_unread_by_language")
    if unread:
        out.print(
            "mentions not scored, in languages with no labelled text to learn from (no "
            "sentiment evidence): " + ", ".join(f"{lang} {n:,}" for lang, n in unread.items())
        )
    value = report["customer_value_model"]
    if value.get("fitted_this_run") is False:
        out.print(f"customer value model: {_reused(value)}; parameters from its fit: {value}")
    else:
        out.print(f"customer value model: {value}")
    propensity = report["propensity_model"]
    if propensity.get("fitted_this_run") is False:
        out.print(f"propensity model: {_reused(propensity)}; its metrics are from its fit")
    _print_propensity(propensity)
    _print_conversion(report["conversion_model"])
    uplift = report["uplift_model"]
    if uplift.get("fitted_this_run") is False:
        out.print(f"uplift model: {_reused(uplift)}")
        out.print(f"uplift model metrics (from its fit): {uplift}")
    else:
        out.print(f"uplift model: {uplift}")
    for warning in report["warnings"]:
        err.print(f"warning: {warning}")
    out.print(f"rejects file: {report['rejects_file']}")
    out.print(f"published run: {report['run_id']}")
    if report.get("runs_deleted"):
        deleted = report["runs_deleted"]
        out.print(f"older runs deleted (ADVOCATES_KEEP_RUNS): {len(deleted)}, {', '.join(deleted)}")


def _reused(metrics: dict) -> str:
    """How a model the previous run kept was reused, from its metrics."""
    return (
        f"reused version {metrics['version']} (the data it learnt from changed by "
        f"{metrics['labelled_changed_share']:.1%}; --full fits it again)"
    )


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


def _print_conversion(metrics: dict) -> None:
    reused = "" if metrics.get("fitted_this_run", True) else f" ({_reused(metrics)})"
    out.print(f"conversion score: {metrics['used']}{reused}")
    if "validation" not in metrics:
        out.print(f"peer-conversion model: {metrics['model']}")
        return
    table = Table(
        title=f"peer conversions in the window on {metrics['n_validation']:,} held-out customers"
    )
    for column in ("ranking", "NDCG@100", "Spearman", "top 1% share"):
        table.add_column(column, justify="left" if column == "ranking" else "right")
    for name, row in metrics["validation"].items():
        table.add_row(
            name, *(f"{row[m]:.3f}" for m in ("ndcg_at_100", "spearman", "top_1pct_share"))
        )
    out.print(table)


@app.command()
def runs(store: StoreOption = None) -> None:
    """List the runs of the store, newest first."""
    from advocates.store import open_store

    table = Table()
    for column in ("run", "status", "as of", "created", "published"):
        table.add_column(column)
    for run in open_store(store or load_settings().store_url).runs():
        table.add_row(run.run_id, run.status, run.as_of, run.created_at, run.published_at or "")
    out.print(table)
