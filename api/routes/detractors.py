"""Detractors with reach, listed apart for customer care."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from advocates.ranking.shortlist import detractor_frame

from ..deps import StoreDep
from ..schemas import DetractorPublic, DetractorsPublic, ErrorPublic

router = APIRouter(prefix="/detractors", tags=["detractors"])


@router.get(
    "",
    response_model=DetractorsPublic,
    responses={404: {"model": ErrorPublic}, 503: {"model": ErrorPublic}},
)
def list_detractors(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DetractorsPublic:
    """Customers with a negative sentiment (or repeated negative mentions) and the reach to
    spread it, most reach at risk first, each with the mention or review that put them there.
    Consent does not filter this list: it is for customer care, not marketing. No PII."""
    run = store.latest_run()
    page, total = store.ranked(run.run_id, objective="detractor", limit=limit, offset=offset)
    rows = detractor_frame(page).astype(object).where(lambda f: f.notna(), None)
    return DetractorsPublic(
        data=[DetractorPublic.model_validate(row) for row in rows.to_dict("records")],
        count=total,
        limit=limit,
        offset=offset,
        run_id=run.run_id,
    )
