"""Ranked advocates per objective, and one customer's scores."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query

from advocates.ranking.scoring import OBJECTIVES, parse_weights
from advocates.ranking.shortlist import check_ranking, ranked_page, shortlist_columns

from ..deps import StoreDep
from ..schemas import (
    AdvocatePublic,
    AdvocatesPublic,
    CustomerScorePublic,
    ErrorPublic,
    Objective,
    ObjectiveScore,
)

router = APIRouter(prefix="/advocates", tags=["advocates"])

_NOT_PART = {
    "rank",
    "customer_id",
    "p_share",
    "sentiment",
    "language",
    "explanation",
    "shares_recent",
}


def _number(value: Any) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


WeightsQuery = Annotated[
    str | None,
    Query(
        description="Rank by a weighted mix of objectives instead of one objective, e.g. "
        "`awareness=1,conversion=2`. Each objective's score is divided by its mean over eligible "
        "customers before weighting (see README: Scoring).",
        examples=["awareness=1,conversion=2"],
    ),
]


@router.get(
    "",
    response_model=AdvocatesPublic,
    responses={400: {"model": ErrorPublic}, 503: {"model": ErrorPublic}},
)
def list_advocates(
    store: StoreDep,
    objective: Objective | None = None,
    weights: WeightsQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AdvocatesPublic:
    """Eligible advocates of the latest run, best first for ``objective`` or for custom
    ``weights`` (give one of the two)."""
    check_ranking(objective, weights)
    run = store.latest_run()
    page, total, ranking = ranked_page(
        store, run.run_id, objective=objective, weights=weights, limit=limit, offset=offset
    )
    parts = [
        c
        for c in shortlist_columns(ranking)
        if c not in _NOT_PART
        and (ranking == "custom" or not c.endswith("_score"))
        and c != f"{ranking}_score"
    ]
    data = [
        AdvocatePublic(
            rank=int(row[f"rank_{ranking}"]),
            customer_id=row["customer_id"],
            score=float(row[f"{ranking}_score"]),
            p_share=float(row["p_share"]),
            parts={p: _number(row[p]) for p in parts},
            sentiment=float(row["sentiment"]),
            language=row.get("language"),
            explanation=row[f"explanation_{ranking}"],
        )
        for row in page.to_dict("records")
    ]
    return AdvocatesPublic(
        data=data,
        count=total,
        limit=limit,
        offset=offset,
        objective=ranking,  # type: ignore[arg-type]
        weights=None if weights is None else parse_weights(weights),
        run_id=run.run_id,
    )


@router.get(
    "/{customer_id}", response_model=CustomerScorePublic, responses={404: {"model": ErrorPublic}}
)
def get_advocate(store: StoreDep, customer_id: str) -> CustomerScorePublic:
    """One customer's scores, ranks, explanations and features in the latest run (no PII)."""
    run = store.latest_run()
    row = store.customer(run.run_id, customer_id)
    objectives = {
        o: ObjectiveScore(
            score=float(row[f"{o}_score"]),
            rank=row[f"rank_{o}"],
            explanation=row[f"explanation_{o}"],
        )
        for o in OBJECTIVES
    }
    hidden = {"customer_id", "email", "name", "eligible", "excluded_reason", "p_share"}
    features = {
        k: v
        for k, v in row.items()
        if k not in hidden
        and not k.startswith(("rank_", "explanation_"))
        and not k.endswith("_score")
    }
    return CustomerScorePublic(
        customer_id=customer_id,
        run_id=run.run_id,
        eligible=bool(row["eligible"]),
        excluded_reason=row["excluded_reason"],
        p_share=float(row["p_share"]),
        objectives=objectives,
        features=features,
    )
