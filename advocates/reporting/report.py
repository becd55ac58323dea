"""The run report: one self-contained HTML page about a published run.

:func:`report_figures` gathers what the page shows from the store (the run's report, its
eligible customers' scores, and the runs before it) into plain figures; :func:`render_report`
turns them into the page (charts by :mod:`advocates.reporting.charts`, inline: the page needs no
network to open). :func:`run_report` does both: ``advocates report`` writes it to a file and the
server's ``/runs/{run_id}`` page answers with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from advocates.errors import NotFoundError
from advocates.ranking.objectives import OBJECTIVES
from advocates.reporting import charts
from advocates.store import RunInfo, Store

__all__ = ["ReportFigures", "render_report", "report_figures", "run_report"]

#: How many of each objective's best advocates the reach chart shows.
TOP = 100
#: The figures of past runs the trend follows (name on the chart: where in the run's report).
TREND = {
    "eligible": ("eligible",),
    "customers": ("customers",),
    "propensity ROC-AUC": ("propensity_model", "roc_auc"),
    "seconds of the stages": ("seconds",),
}
#: A model's figures that are about what it is, not how well it does (left out of its table).
_NOT_QUALITY = {"version", "labelled_changed_share", "model", "fitted_this_run"}


@dataclass(frozen=True)
class ReportFigures:
    """What the run report shows, gathered from the store."""

    run: RunInfo
    scores: pd.DataFrame  # the eligible customers: scores, ranks and reach columns
    past: list[RunInfo]  # published runs, oldest first, this one included


def report_figures(store: Store, run_id: str | None = None) -> ReportFigures:
    """The figures of ``run_id`` (default: the latest published run)."""
    runs = [r for r in store.runs() if r.status == "published"]
    run = (
        store.latest_run()
        if run_id is None
        else next((r for r in runs if r.run_id == run_id), None)
    )
    if run is None:
        raise NotFoundError(f"no published run {run_id!r} (see advocates runs)")
    columns = [f"{o}_score" for o in OBJECTIVES] + [f"rank_{o}" for o in OBJECTIVES]
    columns += ["customer_id", "unique_reach_2hop", "expected_converted_peers"]
    served = store.served(run.run_id)
    scores = served[[c for c in columns if c in served]]
    past = sorted(
        (r for r in runs if r.published_at and r.published_at <= (run.published_at or "")),
        key=lambda r: r.published_at or "",
    )
    return ReportFigures(run=run, scores=scores, past=past)


def _dig(report: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = report
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, dict):  # stage seconds: their sum
        value = sum(v for v in value.values() if isinstance(v, (int, float)))
    return float(value) if isinstance(value, (int, float)) else float("nan")


def _trend(past: list[RunInfo]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run": [r.published_at[:16].replace("T", " ") if r.published_at else "" for r in past],
            **{name: [_dig(r.report, path) for r in past] for name, path in TREND.items()},
        }
    )


def _reach_points(scores: pd.DataFrame) -> pd.DataFrame:
    """The top :data:`TOP` advocates for awareness and for conversion, each once, named by the
    lists they are on."""
    lists = {}
    for objective in ("awareness", "conversion"):
        rank = scores.get(f"rank_{objective}")
        if rank is not None:
            lists[objective] = set(scores.loc[rank <= TOP, "customer_id"])
    if len(lists) < 2 or "unique_reach_2hop" not in scores:
        return pd.DataFrame(columns=["unique_reach_2hop", "expected_converted_peers", "top"])
    both = lists["awareness"] & lists["conversion"]
    chosen = scores[scores["customer_id"].isin(lists["awareness"] | lists["conversion"])]
    top = np.where(
        chosen["customer_id"].isin(both),
        "both lists",
        np.where(
            chosen["customer_id"].isin(lists["awareness"]), "awareness only", "conversion only"
        ),
    )
    return chosen.assign(top=top)


def _model_tables(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per model of the run: its name, whether this run fitted it, its figures, and its
    comparisons (baselines, or the candidates it was chosen among) as tables."""
    models = []
    for key, value in report.items():
        if not key.endswith("_model") or not isinstance(value, dict):
            continue
        figures = {
            k: v
            for k, v in value.items()
            if k not in _NOT_QUALITY and not isinstance(v, (dict, list))
        }
        comparisons = []
        for name, nested in value.items():
            if (
                isinstance(nested, dict)
                and nested
                and all(isinstance(v, dict) for v in nested.values())
            ):
                variants = {"this model": figures} if name == "baselines" else {}
                rows = {**variants, **nested}
                metrics = [m for m in next(iter(nested.values())) if m != "n_fit"]
                comparisons.append(
                    {
                        "name": name,
                        "metrics": metrics,
                        "rows": [
                            (variant, [row.get(m) for m in metrics])
                            for variant, row in rows.items()
                        ],
                    }
                )
        models.append(
            {
                "name": key.removesuffix("_model").replace("_", " "),
                "model": value.get("model", ""),
                "fitted": value.get("fitted_this_run"),
                "figures": figures,
                "comparisons": comparisons,
            }
        )
    return models


def render_report(figures: ReportFigures, *, now: pd.Timestamp | None = None) -> str:
    """The HTML page of ``figures``."""
    run, report, scores = figures.run, figures.run.report, figures.scores
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    excluded = {str(k): int(v) for k, v in (report.get("excluded") or {}).items()}
    # A run's report from an older version, or a hand-written one, may lack the counts.
    eligible = int(report.get("eligible") or len(scores))
    customers = int(report.get("customers") or eligible + sum(excluded.values()))
    charts_svg = {
        "eligibility": charts.bars(
            {"eligible": eligible, **excluded},
            title="Eligible and excluded customers, by reason",
            unit="customers",
        ),
        "scores": charts.histograms(
            {o: scores[f"{o}_score"].to_numpy() for o in OBJECTIVES if f"{o}_score" in scores},
            title="Score distribution of eligible customers, per objective",
            unit="score",
        ),
        "reach": charts.scatter(
            _reach_points(scores),
            x="unique_reach_2hop",
            y="expected_converted_peers",
            group="top",
            title=f"Reach against peer influence, top {TOP} advocates for awareness and conversion",
            x_label="people reached within two hops",
            y_label="expected converted peers",
        ),
        "stages": charts.bars(
            {k: float(v) for k, v in (report.get("seconds") or {}).items()},
            title="Seconds per stage",
            unit="seconds",
        ),
        "trend": charts.lines(
            _trend(figures.past),
            x="run",
            columns=list(TREND),
            title="This run and the runs before it",
        ),
    }
    as_of = pd.Timestamp(run.as_of)
    template = _environment().get_template("report.html")
    return template.render(
        run=run,
        report=report,
        customers=customers,
        eligible=eligible,
        as_of=as_of.strftime("%Y-%m-%d %H:%M UTC"),
        age_days=round((now - as_of).total_seconds() / 86400, 1),
        excluded=excluded,
        tables=report.get("tables") or {},
        warnings=report.get("warnings") or [],
        models=_model_tables(report),
        charts=charts_svg,
        generated=now.strftime("%Y-%m-%d %H:%M UTC"),
    )


def run_report(store: Store, run_id: str | None = None) -> str:
    """The run report of ``run_id`` (default: the latest published run) as one HTML page."""
    return render_report(report_figures(store, run_id))


def _environment() -> jinja2.Environment:
    templates = resources.files("advocates.reporting") / "templates"
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (templates / name).read_text(encoding="utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
