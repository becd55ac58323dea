"""The nightly pipeline: the one place where the stages are called, in order.

:func:`score_tables` is pure (accepted tables in, scored customers and a report out);
:func:`run_nightly` adds the edges: reading the input folder, writing the rejects file and
publishing to the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from advocates.campaigns.rewards import referral_rewards
from advocates.data.contract import TABLES, Kind
from advocates.data.identity import link_customers
from advocates.data.io import find_table_files, read_raw_table, write_csv
from advocates.data.validation import TableResult, validate_tables
from advocates.errors import InputError, RejectThresholdError
from advocates.features.behaviour import behaviour_features
from advocates.features.fraud import contacts_recent, fraud_flags
from advocates.features.graph import AudienceGraph, audience_graph_as_of, graph_features
from advocates.features.listening import listening_features, text_evidence
from advocates.features.purchase import purchase_features
from advocates.models.clv import predicted_value
from advocates.models.propensity import fit_sharing_propensity, predict_share, sharing_labels
from advocates.models.sentiment import (
    expected_sentiment,
    make_sentiment_model,
    sentiment_training_set,
)
from advocates.models.uplift import fit_uplift
from advocates.ranking.scoring import GateRules, score_customers
from advocates.ranking.shortlist import PII_COLUMNS
from advocates.store import Store

__all__ = [
    "RunOutcome",
    "ScoringParams",
    "ScoringResult",
    "empty_table",
    "run_nightly",
    "score_tables",
]

Progress = Callable[[str], None]

#: The names of a nightly run's stages, in order, as the progress display shows them.
RUN_STAGES = (
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
)

_DEPENDENTS = {
    "orders": "purchase features (recency, frequency, value)",
    "accounts": "every graph feature (customers cannot be matched to the social graph)",
    "edges": "audience, reach and PageRank",
    "interactions": "shares and audience engagement",
    "mentions": "sentiment from mentions",
    "reviews": "sentiment from reviews",
    "referrals": "invites and conversion influence",
    "exposures": "incentive uplift model (campaign plans use documented priors)",
}


@dataclass(frozen=True)
class ScoringParams:
    """What a scoring run needs besides the data."""

    as_of: pd.Timestamp
    recent_days: int = 90
    half_life_days: float = 180.0
    sentiment_gate: float = 0.0
    negative_mentions_gate: int = 2
    max_invites_per_day: int = 50
    contact_period_days: int = 30
    return_window_days: int = 30
    seed: int = 0


@dataclass
class ScoringResult:
    scores: pd.DataFrame
    report: dict[str, object] = field(default_factory=dict)
    #: Side tables published with the run: ``audience`` (customer_id, member: the audience of
    #: each eligible customer, for campaign selection) and ``rewards`` (converted referrals and
    #: their reward status).
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def empty_table(name: str) -> pd.DataFrame:
    """An accepted table with no rows and the contract's columns, for a missing optional table."""
    columns: dict[str, pd.Series] = {}
    for column in TABLES[name].columns:
        if column.kind is Kind.TIMESTAMP:
            columns[column.name] = pd.Series([], dtype="datetime64[us, UTC]")
        elif column.kind in (Kind.AMOUNT, Kind.COUNT, Kind.RATING):
            columns[column.name] = pd.Series([], dtype=float)
        elif column.kind is Kind.BOOL:
            columns[column.name] = pd.Series([], dtype=bool)
        else:
            columns[column.name] = pd.Series([], dtype=object)
    return pd.DataFrame(columns)


class _Stages:
    def __init__(self, progress: Progress | None) -> None:
        self.seconds: dict[str, float] = {}
        self._progress = progress

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self._progress:
            self._progress(name)
        start = time.perf_counter()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 3)


def _features(
    tables: Mapping[str, pd.DataFrame],
    links: pd.DataFrame,
    evidence: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    params: ScoringParams,
) -> pd.DataFrame:
    customers = tables["customers"]
    purchase = purchase_features(customers=customers, orders=tables["orders"], as_of=as_of)
    graph = graph_features(
        edges=tables["edges"],
        interactions=tables["interactions"],
        links=links,
        as_of=as_of,
        recent_days=params.recent_days,
    )
    listening = listening_features(
        customers=customers,
        evidence=evidence,
        as_of=as_of,
        half_life_days=params.half_life_days,
        recent_days=params.recent_days,
    )
    behaviour = behaviour_features(
        customers=customers,
        links=links,
        interactions=tables["interactions"],
        referrals=tables["referrals"],
        as_of=as_of,
        recent_days=params.recent_days,
    )
    graph = graph.reindex(purchase.index).fillna(0.0)
    return purchase.join(graph).join(listening).join(behaviour)


def _fit_sentiment(
    tables: Mapping[str, pd.DataFrame], *, as_of: pd.Timestamp, seed: int
) -> tuple[np.ndarray, dict[str, object]]:
    mentions = tables["mentions"]
    texts, labels = sentiment_training_set(
        mentions=mentions[mentions["posted_at"] <= as_of],
        reviews=tables["reviews"][tables["reviews"]["created_at"] <= as_of],
    )
    counts = labels.value_counts()
    if len(counts) < 2 or counts.min() < 10:
        return np.zeros(len(mentions)), {
            "model": "none (fewer than 10 labelled texts of some class)",
            "n_train": len(texts),
        }
    fit_texts, test_texts, fit_labels, test_labels = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=seed
    )
    model = make_sentiment_model(seed=seed).fit(fit_texts, fit_labels)
    macro_f1 = f1_score(test_labels, model.predict(test_texts), average="macro")
    predicted, _ = expected_sentiment(model, mentions["text"])
    return predicted, {
        "model": "tf-idf words+chars, logistic regression",
        "n_train": len(fit_texts),
        "n_validation": len(test_texts),
        "macro_f1": round(float(macro_f1), 4),
    }


def _value_per_conversion(value: pd.DataFrame, referrals: pd.DataFrame) -> float:
    """Predicted 12-month value of a converted peer: the mean over customers who joined through a
    referral, or over every customer with an order when too few did."""
    referred = value.index.isin(referrals["converted_customer_id"].dropna())
    buyers = value["predicted_value_12m"] > 0
    pool = value.loc[referred & buyers] if (referred & buyers).sum() >= 10 else value.loc[buyers]
    return float(pool["predicted_value_12m"].mean()) if len(pool) else 0.0


def score_tables(
    tables: Mapping[str, pd.DataFrame], *, params: ScoringParams, progress: Progress | None = None
) -> ScoringResult:
    """Score every customer from accepted tables (missing optional tables may be absent)."""
    stages = _Stages(progress)
    warnings = [
        f"table '{name}' is missing: no {what}"
        for name, what in _DEPENDENTS.items()
        if name not in tables
    ]
    full = {name: tables[name] if name in tables else empty_table(name) for name in TABLES}
    as_of = params.as_of
    cutoff = as_of - pd.Timedelta(days=params.recent_days)

    with stages.stage("identity"):
        links = link_customers(full["accounts"])
    with stages.stage("sentiment model"):
        predicted, sentiment_report = _fit_sentiment(full, as_of=as_of, seed=params.seed)
        evidence = text_evidence(
            mentions=full["mentions"], reviews=full["reviews"], links=links, predicted=predicted
        )
    with stages.stage("features"):
        at_cutoff = _features(full, links, evidence, as_of=cutoff, params=params)
        now = _features(full, links, evidence, as_of=as_of, params=params)
    with stages.stage("customer value"):
        value, value_report = predicted_value(
            orders=full["orders"], customers=now.index, as_of=as_of
        )
        now = now.join(value)
    with stages.stage("propensity model"):
        labels = sharing_labels(
            customers=full["customers"],
            links=links,
            interactions=full["interactions"],
            referrals=full["referrals"],
            start=cutoff,
            end=as_of,
        )
        fit = fit_sharing_propensity(at_cutoff, labels, seed=params.seed)
        p_share = predict_share(fit.model, now)
    with stages.stage("uplift model"):
        exposures = full["exposures"][full["exposures"]["assigned_at"] <= as_of]
        uplift = None
        if len(exposures):
            first_assignment = exposures["assigned_at"].min()
            before = _features(full, links, evidence, as_of=first_assignment, params=params)
            uplift = fit_uplift(exposures, before, seed=params.seed)
        uplift_report = (
            uplift.metrics
            if uplift
            else {"model": "none (no control arm or too few exposures per arm)"}
        )
        if uplift:
            now = now.join(uplift.relative_lift(now).add_prefix("lift_"))
    with stages.stage("scoring"):
        customers = full["customers"].set_index("customer_id")
        features = now.assign(
            marketing_consent=customers["marketing_consent"].reindex(now.index).astype(bool),
            do_not_contact=customers["do_not_contact"]
            .reindex(now.index)
            .fillna(False)
            .astype(bool),
            **{
                c: customers[c].reindex(now.index)
                for c in ("language", *PII_COLUMNS)
                if c in customers
            },
            fraud_flag=fraud_flags(
                customers=full["customers"],
                referrals=full["referrals"],
                as_of=as_of,
                max_invites_per_day=params.max_invites_per_day,
            ).reindex(now.index),
            contacts_recent=contacts_recent(
                customers=full["customers"],
                exposures=full["exposures"],
                as_of=as_of,
                days=params.contact_period_days,
            ).reindex(now.index),
        )
        rules = GateRules(
            sentiment_gate=params.sentiment_gate,
            negative_mentions_gate=params.negative_mentions_gate,
            recent_days=params.recent_days,
        )
        scores = score_customers(
            features,
            p_share=p_share,
            value_per_conversion=_value_per_conversion(value, full["referrals"]),
            rules=rules,
        )
        side_tables = {
            "audience": eligible_audience(
                audience_graph_as_of(full["edges"], links, as_of),
                links,
                scores.index[scores["eligible"].to_numpy(dtype=bool)],
            ),
            "rewards": referral_rewards(
                full["referrals"],
                full["orders"],
                as_of=as_of,
                return_window_days=params.return_window_days,
            ),
        }
    report: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "customers": len(scores),
        "eligible": int(scores["eligible"].sum()),
        "excluded": {str(k): int(v) for k, v in scores["excluded_reason"].value_counts().items()},
        "sentiment_model": sentiment_report,
        "customer_value_model": value_report,
        "propensity_model": fit.metrics,
        "uplift_model": uplift_report,
        "seconds": stages.seconds,
        "warnings": warnings,
    }
    return ScoringResult(scores.reset_index(), report, side_tables)


def eligible_audience(
    graph: AudienceGraph, links: pd.DataFrame, customers: pd.Index
) -> pd.DataFrame:
    """``customer_id, member`` pairs: the people in the audience of each of ``customers`` (the
    union over their accounts), as graph node keys."""
    linked = links[links["customer_id"].isin(customers)]
    rows = graph.nodes.get_indexer(linked["node"])
    known = rows >= 0
    sub = graph.audience[rows[known]].tocoo()
    owners = linked["customer_id"].to_numpy()[known]
    pairs = pd.DataFrame({"customer_id": owners[sub.row], "member": graph.nodes[sub.col]})
    return pairs.drop_duplicates().reset_index(drop=True)


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    report: dict[str, object]
    rejects_path: Path


def _table_report(results: Mapping[str, TableResult]) -> dict[str, dict[str, object]]:
    return {
        name: {"file": r.path, "rows_in": r.rows_in, "accepted": r.accepted, "rejected": r.rejected}
        for name, r in results.items()
    }


def run_nightly(
    *,
    input_dir: str | Path,
    store: Store,
    params: ScoringParams,
    rejects_dir: str | Path,
    max_reject_share: float,
    progress: Progress | None = None,
) -> RunOutcome:
    """Read, validate, score and publish one run; publish nothing if anything fails.

    Raises
    ------
    RejectThresholdError
        When a table rejects more than ``max_reject_share`` of its rows (the rejects file is
        still written, so the data can be fixed).
    """
    stages = _Stages(progress)
    run_id = store.begin_run(as_of=params.as_of)
    try:
        with stages.stage("read"):
            files = find_table_files(input_dir)
            if "customers" not in files:
                raise InputError(
                    f"{input_dir}: the required table 'customers' is missing (customers.csv or customers.parquet)",
                    path=str(input_dir),
                )
            raws = {name: read_raw_table(name, path) for name, path in files.items()}
        with stages.stage("validate"):
            results = validate_tables(raws)
            rejects = pd.concat([r.rejects for r in results.values()], ignore_index=True)
            rejects_path = write_csv(rejects, Path(rejects_dir) / f"{run_id}.csv")
        tables_report = _table_report(results)
        offenders = {
            name: r.reject_share for name, r in results.items() if r.reject_share > max_reject_share
        }
        if offenders:
            raise RejectThresholdError(
                offenders=offenders, threshold=max_reject_share, rejects_path=str(rejects_path)
            )
        result = score_tables(
            {name: r.frame for name, r in results.items()}, params=params, progress=progress
        )
        report = {
            "run_id": run_id,
            "tables": tables_report,
            "rejects_file": str(rejects_path),
            **result.report,
        }
        report["seconds"] = {**stages.seconds, **result.report["seconds"]}  # type: ignore[dict-item]
        with stages.stage("publish"):
            store.publish(run_id, scores=result.scores, report=report, tables=result.tables)
        report["seconds"]["publish"] = stages.seconds["publish"]  # type: ignore[index]
        return RunOutcome(run_id=run_id, report=report, rejects_path=rejects_path)
    except BaseException as error:
        store.fail(run_id, reason=str(error) or type(error).__name__)
        raise
