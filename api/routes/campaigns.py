"""Campaigns: plan one on the latest run, read it back, page or download its assignments."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, status
from fastapi.responses import StreamingResponse

from advocates.access.keys import Scope
from advocates.campaigns.incentives import validate_catalogue
from advocates.campaigns.plan import CampaignRequest, plan_and_store
from advocates.data.io import csv_lines
from advocates.store import PlanInfo

from ..deps import Heavy, Limit, Offset, SettingsDep, StoreDep, requires
from ..schemas import (
    AssignmentPublic,
    AssignmentsPublic,
    CampaignCreate,
    CampaignPublic,
    ErrorPublic,
)

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorPublic},
    404: {"model": ErrorPublic},
    503: {"model": ErrorPublic},
}


def _public(info: PlanInfo) -> CampaignPublic:
    return CampaignPublic(
        campaign_id=info.plan_id,
        run_id=info.run_id,
        created_at=info.created_at,
        request=info.request,
        totals=info.totals,
    )


@router.post(
    "",
    operation_id="createCampaign",
    dependencies=[requires(Scope.WRITE), Heavy],
    response_model=CampaignPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
def create_campaign(body: CampaignCreate, store: StoreDep, settings: SettingsDep) -> CampaignPublic:
    """Plan a campaign on the latest run (guardrails, overlap-aware selection, holdout,
    incentives under the budget) and store it with that run."""
    items = [item.model_dump() for item in body.catalogue]
    catalogue = validate_catalogue(pd.DataFrame(items).astype(object), source="catalogue")
    request = CampaignRequest(
        objective=body.objective,
        budget=body.budget,
        advocates=body.advocates,
        holdout=body.holdout,
        seed=body.seed,
        contact_cap=settings.contact_cap,
    )
    return _public(plan_and_store(store, catalogue, request))


@router.get(
    "/{campaign_id}",
    operation_id="getCampaign",
    dependencies=[requires(Scope.READ)],
    response_model=CampaignPublic,
    responses=_ERRORS,
)
def get_campaign(campaign_id: str, store: StoreDep) -> CampaignPublic:
    """A stored campaign: its run, request (with the catalogue and seed) and totals."""
    return _public(store.plan(campaign_id))


@router.get(
    "/{campaign_id}/assignments",
    operation_id="listCampaignAssignments",
    dependencies=[requires(Scope.READ)],
    response_model=AssignmentsPublic,
    responses=_ERRORS,
)
def list_assignments(
    campaign_id: str,
    store: StoreDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AssignmentsPublic:
    """One page of the campaign's assignments, in the order advocates were selected."""
    page, total = store.plan_assignments(campaign_id, limit=limit, offset=offset)
    rows = page.astype(object).where(page.notna(), None).to_dict("records")
    return AssignmentsPublic(
        data=[AssignmentPublic.model_validate(row) for row in rows],
        count=total,
        limit=limit,
        offset=offset,
        campaign_id=campaign_id,
    )


@router.get(
    "/{campaign_id}/assignments.csv",
    operation_id="exportCampaignAssignments",
    dependencies=[requires(Scope.EXPORT), Heavy],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **_ERRORS},
)
def export_assignments(campaign_id: str, store: StoreDep) -> StreamingResponse:
    """All the campaign's assignments as spreadsheet-safe CSV."""
    page, _ = store.plan_assignments(campaign_id, limit=10**9, offset=0)
    return StreamingResponse(
        iter(["\ufeff", *csv_lines(page)]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{campaign_id}.csv"'},
    )
