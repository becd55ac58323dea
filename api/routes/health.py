"""Liveness and the age of the run being served."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request

from ..deps import StoreDep
from ..schemas import ErrorPublic, HealthPublic

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    operation_id="getHealth",
    response_model=HealthPublic,
    responses={503: {"model": ErrorPublic}},
)
async def health(request: Request, store: StoreDep) -> HealthPublic:
    """The published run being served and how old it is; 503 when there is none yet. Async and
    two indexed reads, so that it answers at once however busy the thread pool is."""
    run = store.latest_run()
    published = datetime.fromisoformat(run.published_at or run.created_at)
    age = (datetime.now(UTC) - published).total_seconds()
    return HealthPublic(
        status="ok",
        run_id=run.run_id,
        as_of=run.as_of,
        published_at=published.isoformat(),
        age_seconds=round(age, 1),
        pages_ready=request.app.state.warmer.ready(run.run_id, store.version()),
    )
