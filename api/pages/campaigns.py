"""Campaign pages: the planner (``/campaigns/new``), a stored campaign and its results
(``/campaigns/{id}``), the list of campaigns (``/campaigns``) and a plan's download.

The planner is one form posted to itself: *Preview* plans on the latest run without storing
(the read scope, under the same slots as the API's heavy requests); *Save* stores the plan as
``POST /v1/campaigns`` does (the write scope) and goes on to its page. A catalogue is the
example the package ships or an uploaded CSV, checked by the library with the CLI's row and
column messages; an upload travels with the form after a preview, so that saving needs no
second upload. The pages only parse the form and lay out what the library computes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from advocates.access.keys import ApiKey, Scope, authorise
from advocates.campaigns.incentives import example_catalogue, parse_catalogue
from advocates.campaigns.kpis import campaign_result
from advocates.campaigns.plan import (
    MAX_BUDGET,
    MAX_SEED,
    CampaignRequest,
    plan_and_store,
    plan_assignments,
    plan_on_latest,
    spend_by_incentive,
)
from advocates.errors import AdvocatesError, ConfigurationError, RunChangedError
from advocates.ranking.objectives import OBJECTIVES
from advocates.reporting.campaign import GAIN, plan_charts
from advocates.store import PlanInfo, Store

from ..deps import actor_of
from ..downloads import csv_download
from .render import PER_PAGE, KeptDrawings, page, page_count, records, render
from .session import PageCaller, same_origin

router = APIRouter()

#: Assignments shown on a page (a plan's download holds them all).
#: The largest catalogue upload read (a catalogue is a few lines per incentive).
MAX_CATALOGUE_BYTES = 1_000_000
_FROM_ELSEWHERE = "This form was sent from another site. Plan from this page."


@dataclass(frozen=True)
class PlanForm:
    """The planner's fields as typed (shown back as they were) and, once checked, the request
    and catalogue they make."""

    objective: str = "conversion"
    budget: str = "500"
    advocates: str = "100"
    fill_budget: bool = False
    holdout: str = "10"
    seed: str = "0"
    catalogue: str = "example"  # or "upload"
    catalogue_csv: str = ""  # the uploaded catalogue's text, carried from preview to save
    catalogue_name: str = ""
    run: str = ""  # the run the preview was planned on: saving refuses another (409)

    def request(self, contact_cap: int) -> CampaignRequest:
        """The campaign request of these fields (ConfigurationError naming a bad field)."""
        advocates = (
            None
            if self.fill_budget
            else _number("advocates", self.advocates, 1, 10_000, whole=True)
        )
        return CampaignRequest(
            objective=self.objective,
            budget=_number("budget", self.budget, 0, MAX_BUDGET),
            advocates=None if advocates is None else int(advocates),
            holdout=_number("holdout", self.holdout, 0, 90) / 100,
            seed=int(_number("seed", self.seed, 0, MAX_SEED, whole=True)),
            contact_cap=contact_cap,
        )

    def read_catalogue(self, max_incentives: int) -> pd.DataFrame:
        """The example catalogue, or the uploaded one checked (InputError naming row and column)."""
        if self.catalogue != "upload":
            return example_catalogue()
        if not self.catalogue_csv.strip():
            raise ConfigurationError("catalogue: choose a CSV file to upload, or the example")
        return parse_catalogue(
            self.catalogue_csv.encode("utf-8"),
            source=self.catalogue_name or "the uploaded catalogue",
            max_incentives=max_incentives,
        )


def _number(field: str, text: str, low: float, high: float, *, whole: bool = False) -> float:
    """``text`` as a number from ``low`` to ``high`` (thousands separators allowed; a whole
    one if ``whole``), else ConfigurationError naming ``field``."""
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        value = float("nan")
    if not low <= value <= high or (whole and not value.is_integer()):  # NaN too
        kind = "a whole number" if whole else "a number"
        raise ConfigurationError(
            f"{field}: expected {kind} from {low:,.0f} to {high:,.0f}, got {text!r}"
        )
    return value


async def _plan_form(request: Request) -> tuple[PlanForm, str]:
    """The planner's fields from a posted form, and which button sent it."""
    form: FormData = await request.form(max_files=1, max_fields=20)

    def text(name: str, default: str = "") -> str:
        value = form.get(name)
        return value if isinstance(value, str) else default

    upload = form.get("catalogue_file")
    catalogue_csv, catalogue_name = text("catalogue_csv"), text("catalogue_name")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_CATALOGUE_BYTES + 1)
        if len(data) > MAX_CATALOGUE_BYTES:
            raise ConfigurationError(
                f"{upload.filename}: a catalogue is at most {MAX_CATALOGUE_BYTES:,} bytes"
            )
        catalogue_csv = data.decode("utf-8-sig", errors="replace")
        catalogue_name = upload.filename[:200]
    fields = PlanForm(
        objective=text("objective", "conversion"),
        budget=text("budget")[:40],
        advocates=text("advocates")[:40],
        fill_budget=text("fill_budget") == "on",
        holdout=text("holdout")[:40],
        seed=text("seed")[:40],
        catalogue="upload" if text("catalogue") == "upload" else "example",
        catalogue_csv=catalogue_csv,
        catalogue_name=catalogue_name,
        run=text("run")[:64],
    )
    return fields, text("action", "preview")


@router.get("/campaigns/new")
async def planner(request: Request, caller: PageCaller) -> Response:
    """The empty planner."""
    return page(_planner_html(request, caller, PlanForm()))


@router.post("/campaigns/new")
async def plan_or_save(request: Request, caller: PageCaller) -> Response:
    """Preview the plan of the posted form, or save it and go on to its page."""
    if not same_origin(request):
        return page(_planner_html(request, caller, PlanForm(), error=_FROM_ELSEWHERE), status=403)
    try:
        fields, action = await _plan_form(request)
    except ConfigurationError as error:
        return page(_planner_html(request, caller, PlanForm(), error=str(error)), status=400)
    settings = request.app.state.settings
    try:
        campaign = fields.request(settings.contact_cap)
        catalogue = fields.read_catalogue(settings.max_catalogue_incentives)
    except AdvocatesError as error:  # a bad field or catalogue row: shown on the form
        return page(_planner_html(request, caller, fields, error=str(error)), status=400)
    store: Store = request.app.state.store
    if action == "save":
        if caller is not None:
            authorise(caller, Scope.WRITE)
        previewed = fields.run or None
        try:
            saved = await run_in_threadpool(
                _heavy, request, lambda: plan_and_store(store, catalogue, campaign, previewed)
            )
        except RunChangedError as error:  # the preview's run was replaced: plan it again
            again = replace(fields, run="")
            return page(_planner_html(request, caller, again, error=str(error)), status=409)
        return RedirectResponse(f"/campaigns/{saved.plan_id}", status_code=303)
    run_id, plan = await run_in_threadpool(
        _heavy, request, lambda: plan_on_latest(store, catalogue, campaign)
    )
    preview = _plan_values(plan.totals, plan.assignments, run_id=run_id)
    html = _planner_html(request, caller, fields, preview=preview)
    return page(html)


def _heavy(request: Request, work: Any) -> Any:
    """``work()`` in one of the server's slots for heavy requests (503 when none is free)."""
    with request.app.state.heavy_work.slot():
        return work()


def _planner_html(
    request: Request,
    caller: ApiKey | None,
    fields: PlanForm,
    *,
    error: str | None = None,
    preview: dict[str, Any] | None = None,
) -> str:
    return render(
        "campaign_new.html",
        fields=fields,
        objectives=OBJECTIVES,
        error=error,
        preview=preview,
        may_save=caller is None or Scope.WRITE in caller.scopes,
        signed_in=caller is not None,
    )


def _plan_values(
    totals: dict[str, Any],
    assignments: pd.DataFrame,
    *,
    run_id: str,
    kept_as: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """What a plan's page shows beside its assignments: totals, charts and spend. A stored
    plan's charts are drawn once (``kept_as``: its id and number of assignments, which only an
    erasure changes)."""
    objective = str(totals.get("objective", ""))
    currency = str(totals.get("currency", ""))

    def draw() -> dict[str, str]:
        return plan_charts(assignments, objective=objective, currency=currency)

    return {
        "run_id": run_id,
        "totals": totals,
        "gain": GAIN.get(objective, "marginal gain"),
        "charts": draw() if kept_as is None else _KEPT_CHARTS.get(kept_as, draw),
        "spend": spend_by_incentive(assignments).to_dict("records"),
        "first_rows": records(assignments.head(PER_PAGE)),
        "count": len(assignments),
    }


#: Stored plans' charts (about 100 ms to draw the two), by plan and number of assignments.
_KEPT_CHARTS: KeptDrawings[tuple[str, int], dict[str, str]] = KeptDrawings(32)


@router.get("/campaigns")
async def campaigns_list(request: Request, caller: PageCaller) -> Response:
    """Every stored campaign, newest first."""
    store: Store = request.app.state.store
    plans = await run_in_threadpool(store.plans)
    html = render("campaigns.html", plans=plans, signed_in=caller is not None)
    return page(html)


CampaignId = Annotated[str, Path(max_length=100)]


@router.get("/campaigns/{campaign_id}")
async def campaign_page(
    request: Request,
    campaign_id: CampaignId,
    caller: PageCaller,
    page_asked: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    """A stored campaign: its request, totals, charts and assignments, and its results so far
    (treated against holdout) beside what it expected."""
    store: Store = request.app.state.store
    # Every assignment and event is read (the results compare all treated with all held out):
    # heavy work, as the API's KPIs are.
    values = await run_in_threadpool(
        _heavy, request, lambda: _campaign_values(store, campaign_id, page_asked)
    )
    html = render(
        "campaign.html",
        **values,
        may_export=caller is None or Scope.EXPORT in caller.scopes,
        signed_in=caller is not None,
    )
    return page(html)


def _campaign_values(store: Store, campaign_id: str, page_asked: int) -> dict[str, Any]:
    plan: PlanInfo = store.plan(campaign_id)
    everyone, total = plan_assignments(store, campaign_id, limit=10**9, offset=0)
    pages = page_count(total)
    shown = min(page_asked, pages)
    rows = everyone.iloc[(shown - 1) * PER_PAGE : shown * PER_PAGE]
    result = campaign_result(plan=plan, assignments=everyone, events=store.events())
    request = {k: v for k, v in plan.request.items() if k != "catalogue"}
    return {
        "plan": plan,
        "asked": request,
        "catalogue": plan.request.get("catalogue") or [],
        **_plan_values(plan.totals, everyone, run_id=plan.run_id, kept_as=(campaign_id, total)),
        "rows": records(rows),
        "page_number": shown,
        "pages": pages,
        "first": (shown - 1) * PER_PAGE + 1,
        "result": result,
    }


@router.get("/campaigns/{campaign_id}/assignments.csv")
async def campaign_download(
    request: Request, campaign_id: CampaignId, caller: PageCaller
) -> Response:
    """All the campaign's assignments as spreadsheet-safe CSV (the export scope; audited once
    sent, as the API's download is)."""
    if caller is not None:
        authorise(caller, Scope.EXPORT)
    store: Store = request.app.state.store
    rows, _ = await run_in_threadpool(
        _heavy, request, lambda: plan_assignments(store, campaign_id, limit=10**9, offset=0)
    )

    def sent() -> None:
        store.audit(
            key_id=actor_of(caller),
            action="export",
            target=f"/campaigns/{campaign_id}/assignments.csv",
            rows=len(rows),
        )

    return csv_download(rows, f"{campaign_id}.csv", sent=sent)
