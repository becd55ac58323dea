"""Detractors with reach, listed apart for customer care."""

from __future__ import annotations

from fastapi import APIRouter

from advocates.access.keys import Scope
from advocates.ranking.shortlist import detractor_frame

from ..deps import CallerDep, Limit, Offset, PiiDep, StoreDep, actor_of, requires
from ..schemas import DetractorPublic, DetractorsPublic, ErrorPublic

router = APIRouter(prefix="/detractors", tags=["detractors"])


@router.get(
    "",
    operation_id="listDetractors",
    dependencies=[requires(Scope.READ)],
    response_model=DetractorsPublic,
    responses={404: {"model": ErrorPublic}, 503: {"model": ErrorPublic}},
)
def list_detractors(
    store: StoreDep,
    pii: PiiDep,
    caller: CallerDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> DetractorsPublic:
    """Customers with a negative sentiment (or repeated negative mentions) and the reach to
    spread it, most reach at risk first, each with the mention or review that put them there.
    Marketing consent does not filter this list (it is for customer care), but a customer who
    asked not to be contacted or withdrew consent since the run is left out. Email, name and
    the text of the mention or review only with the ``pii`` scope (else its id alone; such a
    read is audited)."""
    run = store.latest_run()
    page, total = store.ranked(run.run_id, objective="detractor", limit=limit, offset=offset)
    rows = (
        detractor_frame(page, include_pii=pii, include_words=pii)
        .astype(object)
        .where(lambda f: f.notna(), None)
    )
    if pii:
        store.audit(
            key_id=actor_of(caller), action="pii_read", target="/v1/detractors", rows=len(rows)
        )
    return DetractorsPublic(
        data=[DetractorPublic.model_validate(row) for row in rows.to_dict("records")],
        count=total,
        limit=limit,
        offset=offset,
        run_id=run.run_id,
    )
