"""Program KPIs over time, and a campaign's result against its holdout."""

from __future__ import annotations

import math
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Query

from advocates.access.keys import Scope
from advocates.campaigns.kpis import MAX_PERIODS, program_kpis
from advocates.errors import ConfigurationError

from ..deps import StoreDep, requires
from ..schemas import ErrorPublic, KpiPeriodPublic, KpisPublic

router = APIRouter(prefix="/kpis", tags=["kpis"])
#: A day or an instant (ISO 8601), as the OpenAPI document states it.
_DATE = {"anyOf": [{"type": "string", "format": f} for f in ("date", "date-time")]}


def _day(value: str | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        day = pd.Timestamp(value)
    except ValueError:
        day = pd.NaT
    if pd.isna(day):  # an empty value parses as NaT: a 400, not a 500
        raise ConfigurationError(f"{name} {value!r} is not an ISO 8601 date")
    return day.tz_localize("UTC") if day.tzinfo is None else day.tz_convert("UTC")


@router.get(
    "",
    operation_id="getKpis",
    dependencies=[requires(Scope.READ)],
    response_model=KpisPublic,
    responses={
        400: {
            "model": ErrorPublic,
            "description": "A date that is not ISO 8601, `to` before `from`, or more than "
            f"{MAX_PERIODS:,} periods.",
        },
        404: {"model": ErrorPublic, "description": "Unknown `campaign_id`."},
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
        start=_day(start, "from"),
        end=_day(end, "to"),
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
