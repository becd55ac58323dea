"""Program KPIs over time, and a campaign's result against its holdout."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from advocates.access.keys import Scope
from advocates.campaigns.kpis import MAX_PERIODS, program_kpis
from advocates.data.contract import parse_instant

from ..deps import Heavy, StoreDep, requires
from ..schemas import ErrorPublic, KpiPeriodPublic, KpisPublic

router = APIRouter(prefix="/kpis", tags=["kpis"])
#: A day or an instant (ISO 8601), as the OpenAPI document states it.
_DATE = {"anyOf": [{"type": "string", "format": f} for f in ("date", "date-time")]}


@router.get(
    "",
    operation_id="getKpis",
    dependencies=[requires(Scope.READ), Heavy],  # reads every event and plan
    response_model=KpisPublic,
    responses={
        400: {
            "model": ErrorPublic,
            "description": "A date that is not ISO 8601, `to` before `from`, or more than "
            f"{MAX_PERIODS:,} periods.",
        },
        404: {"model": ErrorPublic, "description": "Unknown `campaign_id`."},
        503: {"model": ErrorPublic, "description": "The server is busy: no free heavy slot."},
    },
)
def get_kpis(
    store: StoreDep,
    campaign_id: str | None = None,
    start: Annotated[
        str | None, Query(alias="from", description="First day, ISO 8601.", json_schema_extra=_DATE)
    ] = None,
    end: Annotated[
        str | None,
        Query(alias="to", description="Last instant, ISO 8601.", json_schema_extra=_DATE),
    ] = None,
    granularity: Literal["day", "week", "month"] = "week",
) -> KpisPublic:
    """Per period: advocates asked, shares, invites, clicks, conversions, revenue, rewards
    earned and voided, incentive cost and ROI; with ``campaign_id``, that campaign's result.
    At most 1,000 periods from ``from`` to ``to`` (more is a 400)."""
    frame, campaign = program_kpis(
        store,
        start=None if start is None else parse_instant(start, name="from"),
        end=None if end is None else parse_instant(end, name="to"),
        granularity=granularity,
        campaign_id=campaign_id,
    )
    rows = frame.to_dict("records")
    for row in rows:
        if isinstance(row["roi"], float) and math.isnan(row["roi"]):
            row["roi"] = None
    return KpisPublic(
        granularity=granularity,
        campaign_id=campaign_id,
        data=[KpiPeriodPublic.model_validate(row) for row in rows],
        campaign=campaign,
    )
