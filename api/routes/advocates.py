"""Ranked advocates per objective, and one customer's scores."""

from __future__ import annotations

import math
from contextlib import nullcontext
from typing import Annotated, Any

from fastapi import APIRouter, Query

from advocates.access.keys import Scope
from advocates.ranking.objectives import OBJECTIVES, parse_ranking
from advocates.ranking.shortlist import explanations, public_features, ranked_page, score_parts

from ..deps import CallerDep, HeavyWorkDep, Limit, Offset, PiiDep, StoreDep, actor_of, requires
from ..schemas import (
    AdvocatePublic,
    AdvocatesPublic,
    CustomerScorePublic,
    ErrorPublic,
    Objective,
    ObjectiveScore,
)

router = APIRouter(prefix="/advocates", tags=["advocates"])


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
    operation_id="listAdvocates",
    dependencies=[requires(Scope.READ)],
    response_model=AdvocatesPublic,
    responses={400: {"model": ErrorPublic}, 503: {"model": ErrorPublic}},
)
def list_advocates(
    store: StoreDep,
    heavy: HeavyWorkDep,
    objective: Objective | None = None,
    weights: WeightsQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AdvocatesPublic:
    """Eligible advocates of the latest run, best first for ``objective`` or for custom
    ``weights`` (give one of the two)."""
    ranking = parse_ranking(objective=objective, weights=weights)
    run = store.latest_run()
    with heavy.slot() if ranking.weights else nullcontext():  # custom weights rank per request
        page, total = ranked_page(store, run.run_id, ranking=ranking, limit=limit, offset=offset)
    parts = score_parts(ranking.name)
    name = ranking.name
    data = [
        AdvocatePublic(
            rank=int(row[f"rank_{name}"]),
            customer_id=row["customer_id"],
            score=float(row[f"{name}_score"]),
            p_share=float(row["p_share"]),
            parts={p: _number(row[p]) for p in parts},
            sentiment=float(row["sentiment"]),
            language=row.get("language"),
            explanation=row[f"explanation_{name}"],
        )
        for row in page.to_dict("records")
    ]
    return AdvocatesPublic(
        data=data,
        count=total,
        limit=limit,
        offset=offset,
        objective=name,  # type: ignore[arg-type]
        weights=ranking.weights,
        run_id=run.run_id,
    )


@router.get(
    "/{customer_id}",
    operation_id="getAdvocate",
    dependencies=[requires(Scope.READ)],
    response_model=CustomerScorePublic,
    responses={404: {"model": ErrorPublic}},
)
def get_advocate(
    store: StoreDep, customer_id: str, pii: PiiDep, caller: CallerDep
) -> CustomerScorePublic:
    """One customer's scores, ranks, explanations and features in the latest run; email, name
    and the customer's own words only with the ``pii`` scope (such a read is audited)."""
    run = store.latest_run()
    row = store.customer(run.run_id, customer_id)
    if pii:
        store.audit(
            key_id=actor_of(caller),
            action="pii_read",
            target="/v1/advocates",
            customer_id=customer_id,
        )
    explained = explanations(row, include_pii=pii)
    objectives = {
        o: ObjectiveScore(
            score=float(row[f"{o}_score"]), rank=row[f"rank_{o}"], explanation=explained[o]
        )
        for o in OBJECTIVES
    }
    return CustomerScorePublic(
        customer_id=customer_id,
        run_id=run.run_id,
        eligible=bool(row["eligible"]),
        excluded_reason=row["excluded_reason"],
        p_share=float(row["p_share"]),
        objectives=objectives,
        features=public_features(row, include_pii=pii),
    )
