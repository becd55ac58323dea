"""The shortlist page (``/``): the latest run's advocates for an objective, filtered and paged
on the server, each with its explanation, beside who was left out and why; and the download of
exactly the rows shown (``/shortlist.csv``)."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from advocates.access.keys import Scope, authorise
from advocates.errors import ConfigurationError, RunChangedError
from advocates.ranking.objectives import OBJECTIVES, Ranking, parse_ranking
from advocates.ranking.shortlist import (
    check_rankable,
    listing_filters,
    ranked_page,
    shortlist_frame,
)
from advocates.store import RunInfo, Store

from ..deps import actor_of
from ..downloads import csv_download
from ..limits import HeavyWork
from .render import PER_PAGE, page, page_count, render, run_header
from .session import PageCaller

router = APIRouter()

#: Rows per page.


@dataclass(frozen=True)
class Listing:
    """What the shortlist page is asked for: its query string, checked."""

    objective: str  # one of OBJECTIVES, or "custom": the mix of ``weights``
    language: str
    country: str
    min_sentiment: float | None
    page: int
    weights: tuple[str, str, str] = ("", "", "")  # per objective, as typed

    @property
    def filtered(self) -> bool:
        """Whether any filter is set."""
        return bool(self.language or self.country) or self.min_sentiment is not None

    @property
    def ranking(self) -> Ranking:
        """The ranking asked for (ConfigurationError for a custom mix without a weight above 0
        or with one that is not a number from 0 to 1,000,000)."""
        if self.objective != "custom":
            return parse_ranking(objective=self.objective, weights=None)
        mix = ",".join(f"{o}={w}" for o, w in zip(OBJECTIVES, self.weights, strict=True) if w)
        if not mix:
            raise ConfigurationError("custom mix: give at least one objective a weight above 0")
        return parse_ranking(objective=None, weights=mix)

    def query(self, **changes: object) -> str:
        """This listing's query string, with ``changes`` (the pager's next page, say)."""
        values = {
            "objective": self.objective,
            **{f"w_{o}": w for o, w in zip(OBJECTIVES, self.weights, strict=True)},
            "language": self.language,
            "country": self.country,
            "min_sentiment": "" if self.min_sentiment is None else self.min_sentiment,
            "page": self.page,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


Weight = Annotated[str, Query(max_length=16)]


def listing(
    objective: Annotated[
        str, Query(pattern="^(awareness|engagement|conversion|custom)$")
    ] = "awareness",
    language: Annotated[str, Query(max_length=16)] = "",
    country: Annotated[str, Query(max_length=16)] = "",
    min_sentiment: Annotated[str, Query(max_length=32)] = "",
    page: Annotated[int, Query(ge=1, le=20_000)] = 1,
    w_awareness: Weight = "",
    w_engagement: Weight = "",
    w_conversion: Weight = "",
) -> Listing:
    """The listing of a query string; a form sends its empty fields as empty values."""
    weights = (w_awareness.strip(), w_engagement.strip(), w_conversion.strip())
    asked = Listing(
        objective, language.strip(), country.strip(), _sentiment(min_sentiment), page, weights
    )
    asked.ranking  # noqa: B018  (checked now: a bad weight is a 400 before any work)
    return asked


def _sentiment(text: str) -> float | None:
    """The least sentiment asked for: blank for any, else a number from -1 to 1."""
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not -1 <= value <= 1:
        raise ConfigurationError(f"min_sentiment: expected a number from -1 to 1, got {text!r}")
    return value


ListingDep = Annotated[Listing, Depends(listing)]


def _rows(store: Store, run: RunInfo, asked: Listing, heavy: HeavyWork) -> tuple[pd.DataFrame, int]:
    """The page of the shortlist ``asked`` for (its shortlist columns and country), and how many
    advocates meet its filters. A custom mix ranks per request, in a heavy-request slot."""
    ranking = asked.ranking
    with heavy.slot() if ranking.weights else nullcontext():
        rows, total = ranked_page(
            store,
            run.run_id,
            ranking=ranking,
            limit=PER_PAGE,
            offset=(asked.page - 1) * PER_PAGE,
            where=listing_filters(
                language=asked.language, country=asked.country, min_sentiment=asked.min_sentiment
            ),
        )
    if asked.page == 1 and not asked.filtered:  # the run's best: all 0 means nothing to rank by
        check_rankable(rows, ranking.name, run.run_id)
    frame = shortlist_frame(rows, ranking.name)
    frame.insert(frame.columns.get_loc("language") + 1, "country", rows.get("country"))
    return frame, total


def _title(ranking: Ranking) -> str:
    """What a listing is ranked by, in words: ``conversion``, or ``a mix of awareness × 1 and
    conversion × 2``."""
    if ranking.weights is None:
        return ranking.name
    parts = [f"{o} × {w:g}" for o, w in ranking.weights.items() if w]
    return "a mix of " + " and ".join(parts)


@router.get("/")
async def shortlist_page(request: Request, asked: ListingDep, caller: PageCaller) -> Response:
    """The shortlist page."""
    store: Store = request.app.state.store
    run = await run_in_threadpool(store.latest_run)
    rows, total = await run_in_threadpool(_rows, store, run, asked, request.app.state.heavy_work)
    pages = page_count(total)
    if asked.page > pages:  # past the end (an old link, a filter that leaves fewer): the last
        return RedirectResponse(f"/?{asked.query(page=pages)}", status_code=303)
    html = render(
        "shortlist.html",
        **run_header(run),
        asked=asked,
        objectives=OBJECTIVES,
        rows=rows.to_dict("records"),
        score=f"{asked.ranking.name}_score",
        title=_title(asked.ranking),
        total=total,
        pages=pages,
        first=(asked.page - 1) * PER_PAGE + 1,
        excluded=dict(run.report.get("excluded") or {}),
        eligible=run.report.get("eligible"),
        may_export=caller is None or Scope.EXPORT in caller.scopes,
        signed_in=caller is not None,
    )
    return page(html)


@router.get("/shortlist.csv")
async def shortlist_download(
    request: Request,
    asked: ListingDep,
    caller: PageCaller,
    run: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The rows the shortlist page shows for the same query, as spreadsheet-safe CSV (needs the
    ``export`` scope; audited as every export is). The page's link names its run: once a newer
    run is published the download is refused (409) rather than other rows sent."""
    if caller is not None:
        authorise(caller, Scope.EXPORT)
    store: Store = request.app.state.store
    latest = await run_in_threadpool(store.latest_run)
    if run and run != latest.run_id:
        raise RunChangedError(
            f"run {run} is no longer the latest (run {latest.run_id} is): reload the shortlist "
            "and download again"
        )
    run_info = latest
    rows, _ = await run_in_threadpool(_rows, store, run_info, asked, request.app.state.heavy_work)
    await run_in_threadpool(
        store.audit,
        key_id=actor_of(caller),
        action="export",
        target="/shortlist.csv",
        rows=len(rows),
    )
    filename = f"shortlist-{asked.objective}-{run_info.run_id}-page{asked.page}.csv"
    return csv_download(rows, filename)
