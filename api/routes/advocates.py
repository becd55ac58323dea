"""Ranked advocates per objective, and one customer's scores."""

from __future__ import annotations

import math
from contextlib import nullcontext
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from advocates.access.keys import Scope
from advocates.errors import NotFoundError
from advocates.ranking.objectives import OBJECTIVES, Ranking, parse_ranking
from advocates.ranking.shortlist import (
    explanations,
    public_features,
    ranked_page,
    run_standing,
    score_parts,
    unproven_page,
)
from advocates.store import Store

from ..cache import Kept, keep_answer
from ..deps import (
    CallerDep,
    HeavyWorkDep,
    Limit,
    Offset,
    PiiDep,
    StoreDep,
    actor_of,
    requires,
)
from ..limits import HeavyWork
from ..schemas import (
    AdvocatePublic,
    AdvocatesPublic,
    CustomerScorePublic,
    ErrorPublic,
    HistoryPublic,
    Objective,
    ObjectiveScore,
)

router = APIRouter(prefix="/advocates", tags=["advocates"])


def _number(value: Any) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


#: What ``weights`` accepts, as a pattern for the OpenAPI document (the library checks it and
#: answers 400): ``objective=weight`` pairs separated by commas (``:`` works too), each weight
#: from 0 to 1,000,000, at least one above 0.
_WEIGHT = r"0*(1000000(\.0*)?|[0-9]{1,6}(\.[0-9]*)?)"
_POSITIVE = r"0*(1000000(\.0*)?|[1-9][0-9]{0,5}(\.[0-9]*)?|\.[0-9]*[1-9][0-9]*)"


def _pair(weight: str) -> str:
    return rf" *(awareness|engagement|conversion) *[=:] *{weight} *"


WEIGHTS_PATTERN = rf"^({_pair(_WEIGHT)},)*{_pair(_POSITIVE)}(,{_pair(_WEIGHT)})*$"

WeightsQuery = Annotated[
    str | None,
    Query(
        description="Rank by a weighted mix of objectives instead of one objective, e.g. "
        "`awareness=1,conversion=2`: each weight from 0 to 1,000,000, at least one above 0. "
        "Each objective's score is divided by its mean over eligible customers before "
        "weighting (see README: Scoring). Give exactly one of `objective` and `weights` "
        "(neither or both: 400).",
        examples=["awareness=1,conversion=2"],
        json_schema_extra={"pattern": WEIGHTS_PATTERN},
    ),
]
ObjectiveQuery = Annotated[
    Objective | None,
    Query(description="The objective to rank by; give exactly one of `objective` and `weights`."),
]
UnprovenQuery = Annotated[
    bool,
    Query(
        description="List instead the customers held back only for want of positive evidence "
        "(no positive mention, review of 4 or 5 stars or converted referral), best first by "
        "`objective`: people to ask for a review before asking them to advocate. Not with "
        "`weights` (400)."
    ),
]
#: The errors of a ranking request: neither or both of objective and weights, or bad weights
#: (400); no published run yet, or no free slot for a custom ranking (503).
RANKING_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "Neither or both of `objective` and `weights`."},
    503: {"model": ErrorPublic, "description": "No published run yet, or the server is busy."},
}


@router.get(
    "",
    operation_id="listAdvocates",
    dependencies=[requires(Scope.READ)],
    response_model=AdvocatesPublic,
    responses=RANKING_ERRORS,
)
async def list_advocates(
    request: Request,
    store: StoreDep,
    heavy: HeavyWorkDep,
    objective: ObjectiveQuery = None,
    weights: WeightsQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
    unproven: UnprovenQuery = False,
) -> Response:
    """Eligible advocates of the latest run, best first for ``objective`` or for custom
    ``weights``: give exactly one of the two (neither or both is a 400; OpenAPI cannot state
    that rule for query parameters). With ``unproven``, the customers held back only for want
    of positive evidence instead, by ``objective``."""
    ranking = parse_ranking(objective=objective, weights=weights)
    body = await run_in_threadpool(_listing, store, heavy, ranking, limit, offset, unproven)
    # The same for every caller with the read scope, until the store's version moves on: the
    # next such request is answered before routing (api.cache.ServeKept).
    keep_answer(request, Kept(scope=Scope.READ, body=body))
    return Response(body, media_type="application/json")


def _listing(
    store: Store, heavy: HeavyWork, ranking: Ranking, limit: int, offset: int, unproven: bool
) -> bytes:
    """The encoded page of :func:`list_advocates`."""
    run = store.latest_run()
    listed = unproven_page if unproven else ranked_page
    with heavy.slot() if ranking.weights else nullcontext():  # custom weights rank per request
        page, total = listed(store, run.run_id, ranking=ranking, limit=limit, offset=offset)
    parts = score_parts(ranking.name)
    name = ranking.name
    # Only the columns the items read (a stored row has about 60): to_dict was a third of a
    # listing's time.
    read = ["customer_id", "p_share", "sentiment", "language", f"rank_{name}", f"{name}_score"]
    read += [f"explanation_{name}", *parts]
    page = page[[c for c in read if c in page.columns]]
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
    listing = AdvocatesPublic(
        data=data,
        count=total,
        limit=limit,
        offset=offset,
        objective=name,  # type: ignore[arg-type]
        weights=ranking.weights,
        unproven=unproven,
        run_id=run.run_id,
    )
    return listing.model_dump_json().encode()


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


@router.get(
    "/{customer_id}/history",
    operation_id="getAdvocateHistory",
    dependencies=[requires(Scope.READ)],
    response_model=HistoryPublic,
    responses={404: {"model": ErrorPublic}},
)
def get_history(store: StoreDep, customer_id: str) -> HistoryPublic:
    """One customer's scores and ranks in every published run, newest first, and their outcome
    events (what they shared, invited, converted), oldest first; 404 when no run holds them."""
    runs = store.customer_history(customer_id)
    if runs.empty:
        raise NotFoundError(f"customer {customer_id!r} is in no published run")
    standing = run_standing(runs)
    theirs = store.events(customer_id=customer_id).drop(columns=["received_at"])
    return HistoryPublic(
        customer_id=customer_id,
        runs=standing.astype(object).where(standing.notna(), None).to_dict("records"),
        events=theirs.assign(occurred_at=theirs["occurred_at"].astype(str))
        .astype(object)
        .where(theirs.notna(), None)
        .to_dict("records"),
    )
