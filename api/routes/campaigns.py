"""Campaigns: plan one on the latest run, read it back, page or download its assignments."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, status
from fastapi.responses import StreamingResponse

from advocates.access.keys import Scope
from advocates.campaigns.incentives import validate_catalogue
from advocates.campaigns.plan import CampaignRequest, plan_and_store, plan_assignments
from advocates.store import PlanInfo

from ..deps import CallerDep, Heavy, Limit, Offset, SettingsDep, StoreDep, actor_of, requires
from ..downloads import csv_download
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
#: What a created campaign's id leads to (OpenAPI links: clients and the stateful API tests
#: follow them from the 201 answer).
_CREATED_LINKS = {
    name: {
        "operationId": operation_id,
        "parameters": {"campaign_id": "$response.body#/campaign_id"},
        "description": description,
    }
    for name, operation_id, description in [
        ("GetCampaign", "getCampaign", "The campaign just stored."),
        ("ListAssignments", "listCampaignAssignments", "Its assignments, a page at a time."),
        ("ExportAssignments", "exportCampaignAssignments", "All its assignments as CSV."),
    ]
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
    responses={
        201: {"description": "The stored campaign.", "links": _CREATED_LINKS},
        **_ERRORS,
        400: {
            "model": ErrorPublic,
            "description": "A catalogue against its rules (a kind that does not match its "
            "rewards, an unknown currency, a reserved or duplicate id, mixed currencies), "
            "naming the row and column.",
        },
        413: {"model": ErrorPublic, "description": "A request body over the size limit."},
    },
)
def create_campaign(body: CampaignCreate, store: StoreDep, settings: SettingsDep) -> CampaignPublic:
    """Plan a campaign on the latest run (guardrails, overlap-aware selection, holdout,
    incentives under the budget) and store it with that run. The catalogue's ids are unique
    and it has one currency (else a 400: JSON Schema cannot state these rules across items)."""
    items = [item.model_dump() for item in body.catalogue]
    catalogue = validate_catalogue(
        pd.DataFrame(items).astype(object),
        source="catalogue",
        max_incentives=settings.max_catalogue_incentives,
    )
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
    page, total = plan_assignments(store, campaign_id, limit=limit, offset=offset)
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
def export_assignments(campaign_id: str, store: StoreDep, caller: CallerDep) -> StreamingResponse:
    """All the campaign's assignments as spreadsheet-safe CSV. Each download is written to the
    audit log with its row count once it has been sent."""
    page, _ = plan_assignments(store, campaign_id, limit=10**9, offset=0)

    def sent() -> None:
        target = f"/v1/campaigns/{campaign_id}/assignments.csv"
        store.audit(key_id=actor_of(caller), action="export", target=target, rows=len(page))

    return csv_download(page, f"{campaign_id}.csv", sent=sent)
