"""The nightly pipeline: the one place where the stages are called, in order.

A run is a short list of named stages (:data:`SCORING_STAGES`), as a Kedro pipeline lists its
nodes: each stage is a pure function whose keyword arguments are named artifacts (``tables``,
``params``, ``links``, ...) and whose results are stored under its output names, so each artifact
is built once and handed on by name. :func:`score_tables` walks the list (accepted tables in,
scored customers, side tables and a report out); :func:`run_nightly` adds the edges: reading the
input folder, writing the rejects file, applying the outcome events stored since (see
:func:`advocates.data.events.apply_events`), leaving out erased customers and publishing to
the store. It may import every layer
below it (data, features, models, ranking, campaigns, store); only the CLI imports it.
"""

from __future__ import annotations

import functools
import pickle
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin

from advocates.campaigns.rewards import referral_rewards
from advocates.data.contract import TABLES, empty_table
from advocates.data.erasure import drop_customers
from advocates.data.events import apply_events
from advocates.data.freshness import check_fresh, newest_activity
from advocates.data.identity import link_customers
from advocates.data.inputs import InputCache, validated_inputs
from advocates.data.inputs import Stage as TimedStage
from advocates.data.io import find_table_files, write_csv
from advocates.data.validation import TableResult
from advocates.errors import InputError, RejectThresholdError
from advocates.features.customer import customer_attributes, customer_features
from advocates.features.graph import (
    AudienceGraph,
    GraphKernels,
    SocialGraph,
    audience_pairs,
    graph_kernels,
    numbering_digest,
    own_nodes,
    social_graph,
)
from advocates.features.listening import recent_evidence, text_evidence
from advocates.models.clv import (
    CustomerValue,
    completed_orders,
    fit_customer_value,
    value_on,
    value_per_conversion,
)
from advocates.models.conversion import (
    PeerConversionModel,
    conversion_labels,
    fit_peer_conversion,
)
from advocates.models.fit import Fit, KeptFit, fit_or_reuse, row_hashes
from advocates.models.propensity import fit_sharing_propensity, predict_share, sharing_labels
from advocates.models.sentiment import (
    SentimentState,
    fit_sentiment,
    labelled_texts,
    score_mentions,
    text_hashes,
)
from advocates.models.uplift import UpliftModel, fit_uplift
from advocates.ranking.scoring import GateRules, score_customers
from advocates.ranking.shortlist import served_frame
from advocates.settings import Settings
from advocates.store import Store

__all__ = [
    "MODEL_STATES",
    "RUN_STAGES",
    "SCORING_STAGES",
    "Engine",
    "RunOutcome",
    "ScoringParams",
    "ScoringResult",
    "Stage",
    "run_nightly",
    "score_tables",
]

Progress = Callable[[str], None]
Tables = Mapping[str, pd.DataFrame]

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
    """What a scoring run needs besides the data; the field names are the settings' names."""

    as_of: pd.Timestamp
    recent_window_days: int = 90
    sentiment_half_life_days: float = 180.0
    retrain_share: float = 0.05
    sentiment_gate: float = 0.0
    require_positive_evidence: bool = True
    negative_mentions_gate: int = 2
    max_invites_per_day: int = 50
    contact_period_days: int = 30
    return_window_days: int = 30
    seed: int = 0

    @classmethod
    def from_settings(cls, settings: Settings, *, as_of: pd.Timestamp) -> ScoringParams:
        """The parameters of a run as of ``as_of`` under ``settings``."""
        names = [f.name for f in fields(cls) if f.name != "as_of"]
        return cls(as_of=as_of, **{name: getattr(settings, name) for name in names})

    @property
    def cutoff(self) -> pd.Timestamp:
        """The start of the recent window: features here predict sharing within the window."""
        return self.as_of - pd.Timedelta(days=self.recent_window_days)


@dataclass
class ScoringResult:
    scores: pd.DataFrame
    report: dict[str, object] = field(default_factory=dict)
    #: Side tables published with the run: ``audience`` (customer_id, member: the audience of
    #: each eligible customer, for campaign selection), ``rewards`` (converted referrals and
    #: their reward status) and ``served`` (see :func:`advocates.ranking.shortlist.served_frame`).
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: What the next run may reuse of this run's models, by name (:data:`MODEL_STATES`), and
    #: its numbered graph (:data:`KEPT_GRAPH`).
    states: dict[str, object] = field(default_factory=dict)


class Engine(Protocol):
    """What runs a run's heavy stages somewhere else than this process (``ADVOCATES_ENGINE``;
    :mod:`advocates.spark`): so far, reading and validating the input, with the results and
    rejects :func:`advocates.data.inputs.validated_inputs` gives. The pipeline never imports
    an engine: the CLI builds one and hands it over."""

    @property
    def name(self) -> str:
        """How the run report names the engine (``spark (local[*])``)."""
        ...

    def validated_inputs(
        self, files: Mapping[str, Path], *, stage: TimedStage
    ) -> tuple[dict[str, TableResult], dict[str, str]]:
        """Every table of ``files`` read, validated and checked against the others; the
        results (accepted rows as pandas frames, rejects) and how each table was read."""
        ...


# --- The stages. Each takes artifacts by name and returns its outputs, in order. ---------------


def link_identities(tables: Tables) -> pd.DataFrame:
    """Customers joined to their social-graph nodes."""
    return link_customers(tables["accounts"])


def score_texts(
    tables: Tables,
    links: pd.DataFrame,
    params: ScoringParams,
    previous_sentiment: SentimentState | None,
) -> tuple[Fit[Any], pd.DataFrame, pd.Series, SentimentState]:
    """Fit the sentiment model, or reuse the previous run's while its labelled texts changed
    by at most ``params.retrain_share``, and score every customer text with it (texts the same
    model already scored keep their score). Returns the evidence (one row per customer text,
    :func:`advocates.features.listening.text_evidence`) without its texts, and the texts by
    the evidence's rows."""
    mentions, reviews, as_of = tables["mentions"], tables["reviews"], params.as_of
    texts, labels = labelled_texts(mentions=mentions, reviews=reviews, as_of=as_of)
    previous = previous_sentiment
    fit, kept = fit_or_reuse(
        previous.kept if previous is not None else None,
        text_hashes(texts, labels),
        share=params.retrain_share,
        fit=lambda: fit_sentiment(
            mentions=mentions, reviews=reviews, as_of=as_of, seed=params.seed
        ),
    )
    reused = previous is not None and kept is previous.kept
    predicted, scores, scored = score_mentions(
        fit, mentions, kept=previous.scores if previous is not None and reused else None
    )
    unread = mentions.loc[
        np.isnan(predicted) & mentions["sentiment_label"].isna().to_numpy(), "language"
    ]
    fit = Fit(
        model=fit.model,
        metrics={
            **fit.metrics,
            "mentions_scored": scored,
            "mentions_kept": int(np.count_nonzero(~np.isnan(predicted))) - scored,
            # In languages the model did not learn: no sentiment evidence, rather than a guess.
            "mentions_unread_by_language": {
                str(k): int(v) for k, v in unread.value_counts().sort_index().items()
            },
        },
    )
    evidence = text_evidence(mentions=mentions, reviews=reviews, links=links, predicted=predicted)
    # The texts themselves only name each customer's worst one, as of the run date: apart, they
    # go after the features stage (hundreds of MiB at a million customers).
    return fit, evidence.drop(columns="text"), evidence["text"], SentimentState(kept, scores)


def number_graph(
    tables: Tables, links: pd.DataFrame, previous_social: SocialGraph | None = None
) -> SocialGraph:
    """Number every node of the social graph once (each customer's accounts included); the
    audience graph of each date the run needs is a mask of it. ``previous_social`` (the
    previous run's numbering) is taken when it was numbered from the same edges and accounts."""
    digest = numbering_digest(tables["edges"], links["node"])
    if previous_social is not None and previous_social.digest == digest:
        return previous_social
    return replace(social_graph(tables["edges"], extra_nodes=links["node"]), digest=digest)


def _features_on(
    tables: Tables,
    links: pd.DataFrame,
    evidence: pd.DataFrame,
    params: ScoringParams,
    *,
    as_of: pd.Timestamp,
    graph: AudienceGraph,
    kernels: bool | GraphKernels = True,
) -> pd.DataFrame:
    """Features as of ``as_of``; ``graph`` is the audience graph of that date."""
    return customer_features(
        tables,
        links=links,
        evidence=evidence,
        graph=graph,
        as_of=as_of,
        recent_days=params.recent_window_days,
        half_life_days=params.sentiment_half_life_days,
        graph_kernels=kernels,
    )


def compute_features(
    tables: Tables,
    links: pd.DataFrame,
    social_graph: SocialGraph,
    evidence: pd.DataFrame,
    evidence_texts: pd.Series,
    params: ScoringParams,
    previous_graph: GraphKernels | None,
) -> tuple[AudienceGraph, pd.DataFrame, GraphKernels]:
    """The audience graph of the run date, every customer's features as of the run date (with
    each customer's worst text: ``evidence_texts``), which the models predict from, and the
    graph's PageRank and 2-hop reach: the previous run's when its graph was the same."""
    graph = social_graph.as_of(params.as_of)
    kernels = graph_kernels(graph, own_nodes(graph, links), previous=previous_graph)
    with_texts = evidence.assign(text=evidence_texts)
    features = _features_on(
        tables, links, with_texts, params, as_of=params.as_of, graph=graph, kernels=kernels
    )
    return graph, features, kernels


def fit_value(
    tables: Tables, params: ScoringParams, previous_value: KeptFit[CustomerValue] | None
) -> tuple[Fit[CustomerValue], KeptFit[CustomerValue]]:
    """BG/NBD and Gamma-Gamma on completed orders up to the run date, or the previous run's
    models while those orders changed by at most ``params.retrain_share``; either way each
    customer's value as of the run date. What is kept holds the models, not the predictions."""
    orders, as_of = tables["orders"], params.as_of
    completed = completed_orders(orders, as_of=as_of)
    done, kept = fit_or_reuse(
        previous_value,
        row_hashes(completed),
        share=params.retrain_share,
        fit=lambda: fit_customer_value(orders=orders, as_of=as_of),
    )
    if kept is not previous_value:  # fitted now: keep the models without the predictions
        slim = replace(done.model, predictions=done.model.predictions.iloc[:0])
        return done, replace(kept, fit=Fit(model=slim, metrics=kept.fit.metrics))
    value = value_on(done.model, completed=completed, as_of=as_of)
    return Fit(model=value, metrics=done.metrics), kept


def window_start_features(
    tables: Tables,
    links: pd.DataFrame,
    social_graph: SocialGraph,
    evidence: pd.DataFrame,
    params: ScoringParams,
) -> Callable[[], pd.DataFrame]:
    """Every customer's features at the recent window's start, which the propensity and
    peer-conversion models learn from: computed when first asked for, once, so that a run that
    reuses both models never computes them."""

    @functools.cache
    def at_cutoff() -> pd.DataFrame:
        cutoff = params.cutoff
        return _features_on(
            tables, links, evidence, params, as_of=cutoff, graph=social_graph.as_of(cutoff)
        )

    return at_cutoff


def fit_propensity(
    tables: Tables,
    links: pd.DataFrame,
    features_at_window_start: Callable[[], pd.DataFrame],
    features_at_run_date: pd.DataFrame,
    params: ScoringParams,
    previous_propensity: KeptFit[ClassifierMixin] | None,
) -> tuple[Fit[ClassifierMixin], np.ndarray, KeptFit[ClassifierMixin]]:
    """Learn who shared within the recent window from features at its start, and predict from
    the run date's. The previous run's model is reused while the labels (who shared, per
    customer) changed by at most ``params.retrain_share``: then the features at the window's
    start are not computed for it."""
    labels = sharing_labels(
        customers=tables["customers"],
        links=links,
        interactions=tables["interactions"],
        referrals=tables["referrals"],
        start=params.cutoff,
        end=params.as_of,
    )

    def fit() -> Fit[ClassifierMixin]:
        return fit_sharing_propensity(features_at_window_start(), labels, seed=params.seed)

    labelled = row_hashes(pd.DataFrame({"customer_id": labels.index, "shared": labels.to_numpy()}))
    done, kept = fit_or_reuse(previous_propensity, labelled, share=params.retrain_share, fit=fit)
    return done, predict_share(done.model, features_at_run_date), kept


def fit_conversion(
    tables: Tables,
    features_at_window_start: Callable[[], pd.DataFrame],
    features_at_run_date: pd.DataFrame,
    propensity_fit: Fit[ClassifierMixin],
    params: ScoringParams,
    previous_conversion: KeptFit[PeerConversionModel | None] | None,
) -> tuple[Fit[PeerConversionModel | None], np.ndarray | None, KeptFit[PeerConversionModel | None]]:
    """Learn how many peers converted through each customer within the recent window from
    features at its start, and predict from the run date's; the predictions are None when the
    hand-set formula ranked the held-out customers better (or nothing could be learnt). The
    previous run's model is reused while the labels changed by at most
    ``params.retrain_share``."""
    labels = conversion_labels(
        tables["referrals"], features_at_run_date.index, start=params.cutoff, end=params.as_of
    )

    def fit() -> Fit[PeerConversionModel | None]:
        return fit_peer_conversion(
            features_at_window_start(),
            labels,
            # (for the held-out customers only: the formula is measured on them)
            p_share=lambda rows: predict_share(propensity_fit.model, rows),
            seed=params.seed,
        )

    labelled = row_hashes(pd.DataFrame({"customer_id": labels.index, "peers": labels.to_numpy()}))
    done, kept = fit_or_reuse(previous_conversion, labelled, share=params.retrain_share, fit=fit)
    if done.model is None or done.metrics.get("used") != "learned model":
        return done, None, kept
    return done, done.model.predict(features_at_run_date), kept


#: The columns of an exposure that the uplift model learns from, compared between runs.
_EXPOSURE_COLUMNS = ["campaign_id", "customer_id", "arm", "assigned_at", "outcome"]


def fit_incentive_uplift(
    tables: Tables,
    links: pd.DataFrame,
    social_graph: SocialGraph,
    evidence: pd.DataFrame,
    features_at_run_date: pd.DataFrame,
    params: ScoringParams,
    previous_uplift: KeptFit[UpliftModel | None] | None,
) -> tuple[Fit[UpliftModel | None], pd.DataFrame, KeptFit[UpliftModel | None]]:
    """The uplift model of past incentive tests, learnt from features at the first exposure, and
    each customer's relative lift per incentive (no columns without a model). The previous
    run's model is reused while the exposures changed by at most ``params.retrain_share``. The
    model reads no 2-hop reach nor PageRank, so those are not computed for the first exposure's
    date."""
    exposures = tables["exposures"][tables["exposures"]["assigned_at"] <= params.as_of]

    def fit() -> Fit[UpliftModel | None]:
        if exposures.empty:
            return Fit(model=None, metrics={"model": "none (no exposures)"})
        first = exposures["assigned_at"].min()
        at_first_exposure = _features_on(
            tables,
            links,
            evidence,
            params,
            as_of=first,
            graph=social_graph.as_of(first),
            kernels=False,
        )
        return fit_uplift(exposures, at_first_exposure, seed=params.seed)

    labelled = row_hashes(exposures[[c for c in _EXPOSURE_COLUMNS if c in exposures.columns]])
    done, kept = fit_or_reuse(previous_uplift, labelled, share=params.retrain_share, fit=fit)
    if done.model is None:
        return done, pd.DataFrame(index=features_at_run_date.index), kept
    lift = done.model.relative_lift(features_at_run_date).add_prefix("lift_")
    return done, lift, kept


def score(
    tables: Tables,
    features_at_run_date: pd.DataFrame,
    value_fit: Fit[CustomerValue],
    lift: pd.DataFrame,
    p_share: np.ndarray,
    converted_peers: np.ndarray | None,
    params: ScoringParams,
) -> pd.DataFrame:
    """Objective scores, eligibility, ranks and explanations of every customer;
    ``converted_peers``, the peer-conversion model's predictions when the run uses them."""
    index = features_at_run_date.index
    value = value_fit.model.predict(index)
    attributes = customer_attributes(
        tables,
        index=index,
        as_of=params.as_of,
        max_invites_per_day=params.max_invites_per_day,
        contact_period_days=params.contact_period_days,
    )
    rules = GateRules(
        sentiment_gate=params.sentiment_gate,
        negative_mentions_gate=params.negative_mentions_gate,
        recent_days=params.recent_window_days,
        require_positive_evidence=params.require_positive_evidence,
    )
    return score_customers(
        features_at_run_date.join(value).join(lift).join(attributes),
        p_share=p_share,
        value_per_conversion=value_per_conversion(value, tables["referrals"]),
        rules=rules,
        converted_peers=converted_peers,
    )


def reward_status(tables: Tables, params: ScoringParams) -> pd.DataFrame:
    """The reward status of converted referrals (published with the run)."""
    return referral_rewards(
        tables["referrals"],
        tables["orders"],
        as_of=params.as_of,
        return_window_days=params.return_window_days,
    )


def build_run_tables(
    audience_graph: AudienceGraph,
    links: pd.DataFrame,
    scores: pd.DataFrame,
    rewards: pd.DataFrame,
    evidence: pd.DataFrame,
    evidence_texts: pd.Series,
    params: ScoringParams,
) -> dict[str, pd.DataFrame]:
    """The side tables published with the scores: eligible customers' audiences, the reward
    status of converted referrals, the eligible customers as plans and rankings per request
    read them (``served``), and each customer's latest texts behind their sentiment
    (``evidence``, read one customer at a time)."""
    eligible = scores.index[scores["eligible"].to_numpy(dtype=bool)]
    return {
        "audience": audience_pairs(audience_graph, links, eligible),
        "served": served_frame(scores.reset_index()),
        "rewards": rewards,
        "evidence": recent_evidence(evidence, evidence_texts, as_of=params.as_of),
    }


@dataclass(frozen=True)
class Stage:
    """One step of a run: ``func`` called with the artifacts named ``inputs``; its result (a
    tuple when there are several ``outputs``) stored under ``outputs``. A stage given
    ``tables`` names in ``reads`` the input tables it reads: each table is dropped after the
    last stage that reads it, and one not named is not there to read."""

    name: str
    func: Callable[..., Any]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    reads: tuple[str, ...] = ()


#: The input tables that customer features are computed from (on several dates).
_FEATURE_TABLES = ("customers", "orders", "interactions", "referrals")

#: What the uplift model learns and predicts from (beside what it kept).
_MODEL_INPUTS = ("tables", "links", "social_graph", "evidence", "features_at_run_date", "params")

#: The scoring stages in order. ``tables`` (every contract table, empty when missing) and
#: ``params`` are given; every other input is an earlier stage's output.
SCORING_STAGES = (
    Stage("identity", link_identities, ("tables",), ("links",), reads=("accounts",)),
    Stage(
        "graph",
        number_graph,
        ("tables", "links", "previous_social"),
        ("social_graph",),
        reads=("edges",),
    ),
    Stage(
        "rewards", reward_status, ("tables", "params"), ("rewards",), reads=("referrals", "orders")
    ),
    Stage(
        "sentiment model",
        score_texts,
        ("tables", "links", "params", "previous_sentiment"),
        ("sentiment_fit", "evidence", "evidence_texts", "sentiment_state"),
        reads=("mentions", "reviews"),
    ),
    Stage(
        "features",
        compute_features,
        (
            "tables",
            "links",
            "social_graph",
            "evidence",
            "evidence_texts",
            "params",
            "previous_graph",
        ),
        ("audience_graph", "features_at_run_date", "graph_state"),
        reads=_FEATURE_TABLES,
    ),
    Stage(
        "customer value",
        fit_value,
        ("tables", "params", "previous_value"),
        ("value_fit", "value_state"),
        reads=("orders",),
    ),
    Stage(
        "window start",
        window_start_features,
        ("tables", "links", "social_graph", "evidence", "params"),
        ("features_at_window_start",),
    ),
    Stage(
        "propensity model",
        fit_propensity,
        (
            "tables",
            "links",
            "features_at_window_start",
            "features_at_run_date",
            "params",
            "previous_propensity",
        ),
        ("propensity_fit", "p_share", "propensity_state"),
        reads=_FEATURE_TABLES,
    ),
    Stage(
        "conversion model",
        fit_conversion,
        (
            "tables",
            "features_at_window_start",
            "features_at_run_date",
            "propensity_fit",
            "params",
            "previous_conversion",
        ),
        ("conversion_fit", "converted_peers", "conversion_state"),
        reads=_FEATURE_TABLES,
    ),
    Stage(
        "uplift model",
        fit_incentive_uplift,
        (*_MODEL_INPUTS, "previous_uplift"),
        ("uplift_fit", "lift", "uplift_state"),
        reads=(*_FEATURE_TABLES, "exposures"),
    ),
    Stage(
        "scoring",
        score,
        (
            "tables",
            "features_at_run_date",
            "value_fit",
            "lift",
            "p_share",
            "converted_peers",
            "params",
        ),
        ("scores",),
        reads=("customers", "referrals", "exposures"),
    ),
    Stage(
        "run tables",
        build_run_tables,
        ("audience_graph", "links", "scores", "rewards", "evidence", "evidence_texts", "params"),
        ("run_tables",),
    ),
)

#: What a run keeps for the next in the store (``previous_<name>`` in, ``<name>_state`` out),
#: and its type: the models' fits, and the graph's costly features.
MODEL_STATES: dict[str, type] = {
    "graph": GraphKernels,
    "sentiment": SentimentState,
    "value": KeptFit,
    "propensity": KeptFit,
    "conversion": KeptFit,
    "uplift": KeptFit,
}
#: What a run keeps for the next beside its kept input (``previous_social`` in, the
#: ``social_graph`` out): the numbered graph, hundreds of MiB at a million customers, mapped
#: from Arrow files rather than unpickled from the store.
KEPT_GRAPH = "social"

#: The artifacts :func:`score_tables` returns; every other one is dropped after the last stage
#: that reads it (:data:`_LAST_USE`).
_RESULTS = frozenset(
    {
        "scores",
        "run_tables",
        "social_graph",
        "sentiment_fit",
        "value_fit",
        "propensity_fit",
        "conversion_fit",
        "uplift_fit",
        *(f"{name}_state" for name in MODEL_STATES),
    }
)
_LAST_USE = {
    name: max(i for i, stage in enumerate(SCORING_STAGES) if name in stage.inputs)
    for name in {name for stage in SCORING_STAGES for name in stage.inputs}
}
_LAST_READ = {
    table: max(i for i, stage in enumerate(SCORING_STAGES) if table in stage.reads)
    for table in TABLES
}

#: The names of a nightly run's stages, in order, as the progress display shows them.
RUN_STAGES = ("read", "validate", "events", *(stage.name for stage in SCORING_STAGES), "publish")


class _Timer:
    def __init__(self, progress: Progress | None) -> None:
        self.seconds: dict[str, float] = {}
        self._progress = progress

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage; a stage entered again (tables are read and validated one at a time)
        adds to its seconds, and is announced to ``progress`` only the first time."""
        if self._progress and name not in self.seconds:
            self._progress(name)
        start = time.perf_counter()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 3)


def score_tables(
    tables: Tables,
    *,
    params: ScoringParams,
    previous: Mapping[str, object] | None = None,
    hand_over: bool = False,
    progress: Progress | None = None,
) -> ScoringResult:
    """Score every customer from accepted tables (missing optional tables may be absent);
    ``previous`` is what the previous run kept of its models (:data:`MODEL_STATES`), to reuse.

    With ``hand_over``, the caller gives up ``tables`` (a dict): a table no later stage reads is
    taken out of it, so that its memory goes (the graph's edges once numbered, most of a
    million-customer input; the texts once scored; the orders once the uplift model is fitted).
    """
    timer = _Timer(progress)
    # An optional table with no rows (a header alone, or every row rejected) scores as a missing
    # one: the contract's empty table, and a warning.
    given = {name: frame for name, frame in tables.items() if name == "customers" or len(frame)}
    warnings = [
        f"table '{name}' {'has no rows' if name in tables else 'is missing'}: no {what}"
        for name, what in _DEPENDENTS.items()
        if name not in given
    ]
    full = {name: given[name] if name in given else empty_table(name) for name in TABLES}
    del given
    artifacts: dict[str, Any] = {
        "tables": full,
        "params": params,
        **{f"previous_{name}": (previous or {}).get(name) for name in (*MODEL_STATES, KEPT_GRAPH)},
    }
    for i, stage in enumerate(SCORING_STAGES):
        with timer.stage(stage.name):
            result = stage.func(**{name: artifacts[name] for name in stage.inputs})
        outputs = result if len(stage.outputs) > 1 else (result,)
        artifacts.update(zip(stage.outputs, outputs, strict=True))
        del result, outputs
        # Each artifact goes once no later stage reads it (features of another date, graphs,
        # texts: gigabytes at a million customers).
        for name in [n for n, last in _LAST_USE.items() if last == i and n not in _RESULTS]:
            artifacts.pop(name, None)
        # Input tables go too, each after the last stage that reads it (the caller gives them
        # up with ``hand_over``): a stage reading one it does not declare finds it missing.
        for name in [n for n, last in _LAST_READ.items() if last == i]:
            del full[name]
            if hand_over and isinstance(tables, dict):
                tables.pop(name, None)
    scores: pd.DataFrame = artifacts["scores"]
    report: dict[str, object] = {
        "as_of": params.as_of.isoformat(),
        "customers": len(scores),
        "eligible": int(scores["eligible"].sum()),
        "excluded": {str(k): int(v) for k, v in scores["excluded_reason"].value_counts().items()},
        "sentiment_model": artifacts["sentiment_fit"].metrics,
        "customer_value_model": artifacts["value_fit"].metrics,
        "propensity_model": artifacts["propensity_fit"].metrics,
        "conversion_model": artifacts["conversion_fit"].metrics,
        "uplift_model": artifacts["uplift_fit"].metrics,
        # (the same object: the previous run's graph was the same)
        "graph_kernels": "reused: the audience graph is the previous run's"
        if (previous or {}).get("graph") is artifacts["graph_state"]
        else "computed",
        "graph_numbering": "reused: the edges and accounts are the previous run's"
        if (previous or {}).get(KEPT_GRAPH) is artifacts["social_graph"]
        else "computed",
        "seconds": timer.seconds,
        "warnings": warnings,
    }
    states = {name: artifacts[f"{name}_state"] for name in MODEL_STATES}
    states[KEPT_GRAPH] = artifacts["social_graph"]
    return ScoringResult(scores.reset_index(), report, artifacts["run_tables"], states)


def _as_of_latest(params: ScoringParams, tables: Tables) -> ScoringParams:
    """``params`` as of the newest activity of ``tables`` (``--as-of latest``)."""
    found = newest_activity(tables)
    if found is None:
        raise InputError(
            "--as-of latest: the input has no order, interaction, mention, review or referral "
            "to take the date from; give a date"
        )
    return replace(params, as_of=found[1])


def _kept_graph(cache: InputCache) -> SocialGraph | None:
    """The numbered graph the previous run kept beside its input; None when there is none or it
    cannot be read back."""
    kept = cache.kept(KEPT_GRAPH)
    try:
        return SocialGraph.from_frames(*kept) if kept is not None else None
    except (KeyError, ValueError, TypeError):  # (kept by another version): numbered again
        return None


def _keep_graph(cache: InputCache, graph: SocialGraph) -> str:
    """Keep the run's numbered graph beside its input for the next run; what the report adds."""
    try:
        cache.keep(KEPT_GRAPH, graph.digest, graph.frames())
    except (OSError, ValueError) as error:  # (a full disk costs the next run a numbering)
        return f"; not kept for the next run: {error}"
    return ""


def _unpickled(data: bytes | None, kind: type) -> object | None:
    """What a previous run kept of a model, if it is a ``kind``; None (fit afresh) when there is
    none or it cannot be read back (written by another version of the library)."""
    if data is None:
        return None
    try:
        state = pickle.loads(data)  # (written by this store's own runs)
    except Exception:  # an unreadable state costs a fit, never the run
        return None
    # (a class of the same name written with other fields, by an earlier version, is not one)
    same = isinstance(state, kind) and all(hasattr(state, f.name) for f in fields(kind))
    return state if same else None


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    report: dict[str, object]
    rejects_path: Path


def _table_report(
    results: Mapping[str, TableResult], how_read: Mapping[str, str]
) -> dict[str, dict[str, object]]:
    return {
        name: {
            "file": r.path,
            "read": how_read[name],
            "rows_in": r.rows_in,
            "accepted": r.accepted,
            "rejected": r.rejected,
            "top_rejects": _top_rejects(r.rejects),
        }
        for name, r in results.items()
    }


def _top_rejects(rejects: pd.DataFrame, top: int = 5) -> list[dict[str, object]]:
    """The ``top`` most frequent (column, reason) pairs of a table's rejects, with their rows.
    Reasons are counted without the values they name: whatever follows the first ``: `` or
    `` '`` is cut (``not a number: 'x'`` becomes ``not a number: …``, a duplicate's key and
    first row go), so that one problem is one line, and the run report repeats no customer's
    data, whatever quotes or colons the values hold.

    >>> _top_rejects(pd.DataFrame({"column": ["id", "id", "at", "n"], "reason": [
    ...     "duplicate id 'a: b' (first at row 2)", "duplicate id 'b' (first at row 5)",
    ...     "empty", "is negative: -3"]}))[:2]
    [{'column': 'id', 'reason': "duplicate id '…'", 'rows': 2}, {'column': 'at', 'reason': 'empty', 'rows': 1}]
    """
    if rejects.empty:
        return []
    reasons = (
        rejects["reason"]
        .astype(str)
        .str.replace(
            r"(: | ['\"]).*$",
            lambda m: ": …" if m.group(1) == ": " else " '…'",
            regex=True,
        )
    )
    counts = rejects.assign(reason=reasons).groupby(["column", "reason"], dropna=False).size()
    return [
        {"column": column, "reason": reason, "rows": int(rows)}
        for (column, reason), rows in counts.sort_values(ascending=False, kind="stable")
        .head(top)
        .items()
    ]


def run_nightly(
    *,
    input_dir: str | Path,
    store: Store,
    params: ScoringParams,
    rejects_dir: str | Path,
    max_reject_share: float,
    max_input_age_days: int | None = None,
    latest: bool = False,
    keep_runs: int | None = None,
    full: bool = False,
    input_cache: Path | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> RunOutcome:
    """Read, validate, score and publish one run; publish nothing if anything fails.

    The run reuses the models the previous published run kept (:data:`MODEL_STATES`; the
    sentiment model with the scores it gave to texts) while the labelled data each learnt from
    changed little (see :func:`advocates.models.fit.fit_or_reuse`). With ``input_cache`` (a
    folder), input files unchanged since a run kept them there are not read again, and of a CSV
    file appended to only the new rows are (see :mod:`advocates.data.inputs`). ``full`` reads
    every file whole and fits every model afresh.

    With ``latest``, the run scores as of the newest activity of its input instead of
    ``params.as_of``. With ``max_input_age_days``, input whose newest activity is more than that
    many days before the run's date fails the run (see :mod:`advocates.data.freshness`). With
    ``keep_runs``, published runs beyond the newest ``keep_runs`` are deleted after publishing.
    With ``engine``, the input is read and validated by it (every file whole: ``input_cache`` then
    keeps only the numbered graph) rather than in this process.

    Raises
    ------
    RejectThresholdError
        When a table rejects more than ``max_reject_share`` of its rows (the rejects file is
        still written, so the data can be fixed).
    StaleInputError
        When the input is older than ``max_input_age_days``, or has no activity by the date.
    RunInProgressError
        When another run holds the store: one run at a time writes to a store.
    """
    with store.run_lock():  # one run at a time per store
        timer = _Timer(progress)
        run_id = store.begin_run(as_of=params.as_of)
        try:
            with timer.stage("read"):
                files = find_table_files(input_dir)
                if "customers" not in files:
                    raise InputError(
                        f"{input_dir}: the required table 'customers' is missing (customers.csv or customers.parquet)",
                        path=str(input_dir),
                    )
            # One table at a time, its text as read dropped once it is validated (all of them
            # at once were 2 GiB at 1,000,000 customers); files unchanged since the last run,
            # or appended to, are read from ``input_cache`` (wholly or but for the new rows).
            cache = InputCache(input_cache) if input_cache is not None else None
            if engine is not None:
                results, how_read = engine.validated_inputs(files, stage=timer.stage)
            else:
                results, how_read = validated_inputs(
                    files, cache=cache, reuse=not full, stage=timer.stage
                )
            with timer.stage("validate"):
                rejects = pd.concat([r.rejects for r in results.values()], ignore_index=True)
                rejects_path = write_csv(rejects, Path(rejects_dir) / f"{run_id}.csv")
            tables_report = _table_report(results, how_read)
            if not results["customers"].rows_in:  # (all rows rejected: the reject share says so)
                raise InputError(f"{files['customers']}: the customers table has no rows to score")
            offenders = {
                name: r.reject_share
                for name, r in results.items()
                if r.reject_share > max_reject_share
            }
            if offenders:
                raise RejectThresholdError(
                    offenders=offenders, threshold=max_reject_share, rejects_path=str(rejects_path)
                )
            if latest:
                params = _as_of_latest(params, {name: r.frame for name, r in results.items()})
            with timer.stage("events"):
                accepted, events_report = apply_events(
                    # (rows' file numbers: for rejects only)
                    {name: r.frame.drop(columns="_row") for name, r in results.items()},
                    store.events(until=params.as_of),
                    as_of=params.as_of,
                )
                del results  # the accepted tables alone from here
                customer_ids = accepted["customers"]["customer_id"]
                erased = customer_ids[store.suppressed(customer_ids).to_numpy(dtype=bool)]
                accepted = drop_customers(accepted, set(erased))
            if max_input_age_days is not None:
                check_fresh(accepted, as_of=params.as_of, max_age_days=max_input_age_days)
            previous = {
                name: None if full else _unpickled(store.model_state(name), kind)
                for name, kind in MODEL_STATES.items()
            }
            previous[KEPT_GRAPH] = _kept_graph(cache) if cache is not None and not full else None
            result = score_tables(
                accepted,
                params=params,
                previous=previous,
                hand_over=True,
                progress=progress,
            )
            report = {
                "run_id": run_id,
                "engine": engine.name if engine is not None else "pandas",
                "tables": tables_report,
                "events": events_report,
                "erased_customers_left_out": len(erased),
                "rejects_file": str(rejects_path),
                **result.report,
            }
            report["seconds"] = {**timer.seconds, **result.report["seconds"]}  # type: ignore[dict-item]
            del accepted  # the input tables: not needed to publish
            with timer.stage("publish"):
                # (kept under the digest of what it was numbered from: right for any later run)
                graph = result.states[KEPT_GRAPH]
                if cache and isinstance(graph, SocialGraph) and graph is not previous[KEPT_GRAPH]:
                    note = _keep_graph(cache, graph)
                    report["graph_numbering"] = f"{report['graph_numbering']}{note}"
                store.publish(
                    run_id,
                    scores=result.scores,
                    report=report,
                    tables=result.tables,
                    as_of=params.as_of if latest else None,
                    states={
                        name: pickle.dumps(state, protocol=5)
                        for name, state in result.states.items()
                        if name in MODEL_STATES
                    },
                )
            report["seconds"]["publish"] = timer.seconds["publish"]  # type: ignore[index]
            if keep_runs is not None:
                report["runs_deleted"] = store.prune_runs(keep=keep_runs)
            return RunOutcome(run_id=run_id, report=report, rejects_path=rejects_path)
        except BaseException as error:
            store.fail(run_id, reason=str(error) or type(error).__name__)
            raise
