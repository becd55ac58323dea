"""One customer's page (``/advocates/{customer_id}``): their scores and ranks per objective,
where each figure stands among the run's eligible customers, the texts behind their sentiment,
reach beside peer influence, value, fraud flags and contact history. Email, name and the
customer's own words only with the ``pii`` scope (such a read is audited, as in the API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from advocates.access.keys import ApiKey, Scope
from advocates.ranking.objectives import OBJECTIVES
from advocates.ranking.profile import influence, standing
from advocates.ranking.shortlist import explanations, run_standing
from advocates.store import Store

from ..deps import actor_of
from .render import page, records, render, run_header
from .session import PageCaller

router = APIRouter()

#: The latest contact events and past runs the page lists.
EVENTS_SHOWN = 50
RUNS_SHOWN = 10


@router.get("/advocates/{customer_id}")
async def advocate_page(
    request: Request,
    customer_id: Annotated[str, Path(max_length=200)],
    caller: PageCaller,
) -> Response:
    """One customer of the latest run (404 when the run does not hold them)."""
    values = await run_in_threadpool(_values, request.app.state.store, customer_id, caller)
    return page(render("advocate.html", signed_in=caller is not None, **values))


def _values(store: Store, customer_id: str, caller: ApiKey | None) -> dict[str, Any]:
    """What the advocate page shows of ``customer_id``."""
    pii = caller is None or Scope.PII in caller.scopes
    run = store.latest_run()
    row = store.customer(run.run_id, customer_id)
    if pii:
        store.audit(
            key_id=actor_of(caller), action="pii_read", target="/advocates", customer_id=customer_id
        )
    figures = standing(store.served(run.run_id), row)
    explained = explanations(row, include_pii=pii)
    evidence = store.customer_evidence(run.run_id, customer_id)
    events = store.events(customer_id=customer_id).tail(EVENTS_SHOWN).iloc[::-1]
    planned = store.customer_plans(customer_id, limit=EVENTS_SHOWN)
    history = store.customer_history(customer_id)
    past = run_standing(history).head(RUNS_SHOWN) if not history.empty else history
    return {
        **run_header(run),
        "customer_id": customer_id,
        "row": row,
        "pii": pii,
        "objectives": [
            {
                "name": o,
                "score": row.get(f"{o}_score"),
                "rank": row.get(f"rank_{o}"),
                "explanation": explained.get(o),
            }
            for o in OBJECTIVES
        ],
        "eligible_count": run.report.get("eligible"),
        "figures": figures,
        "role": influence(figures),
        "evidence": records(evidence),
        "events": records(events),
        "planned": records(planned),
        "past": records(past),
        "objectives_names": OBJECTIVES,
    }
