"""The customer-care page (``/detractors``): the latest run's detractors, most reach at risk
first, paged on the server, each with the text that put them there and how long it has waited,
marked when it is past the listening practice's response times (triage within 12 hours,
resolution within 24)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from advocates.access.keys import Scope
from advocates.ranking.shortlist import detractor_frame
from advocates.store import RunInfo, Store

from ..deps import actor_of
from .render import PER_PAGE, page, page_count, render, run_header
from .session import PageCaller

router = APIRouter()

#: Hours within which the listening practice expects a negative text triaged, and resolved.
TRIAGE_HOURS = 12
RESOLUTION_HOURS = 24

#: Where a text stands against the response times: ``"waiting"`` within both, ``"triage"``
#: past the triage time, ``"overdue"`` past the resolution time, ``"unknown"`` with no time.
Due = Literal["waiting", "triage", "overdue", "unknown"]


@dataclass(frozen=True)
class Wait:
    """How long one detractor's evidence has waited for care."""

    written_at: datetime | None
    age: str
    due: Due


def waited(written_at: object, now: datetime) -> Wait:
    """How long the text written at ``written_at`` (an ISO 8601 timestamp, a datetime, or
    missing for runs published before it was kept) has waited at ``now``, in words, and which
    response time it is past.

    >>> now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    >>> [(w.age, w.due) for w in (waited(t, now) for t in ("2026-11-02T07:00Z", now, None))]
    [('5 hours', 'waiting'), ('under an hour', 'waiting'), ('unknown', 'unknown')]
    >>> waited("2026-11-01T23:00:00+00:00", now).due, waited("2026-10-30T12:00", now).age
    ('triage', '3 days')
    """
    written = _timestamp(written_at)
    if written is None:
        return Wait(None, "unknown", "unknown")
    hours = max(0.0, (now - written).total_seconds() / 3600)
    due: Due = (
        "overdue" if hours > RESOLUTION_HOURS else "triage" if hours > TRIAGE_HOURS else "waiting"
    )
    return Wait(written, _hours_in_words(hours), due)


def _timestamp(value: object) -> datetime | None:
    """``value`` as a datetime in UTC (a naive one is taken as UTC); ``None`` when missing or
    unreadable."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime) or pd.isna(value):
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _hours_in_words(hours: float) -> str:
    """An age in words: hours up to two days, then days."""
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return "1 hour" if round(hours) == 1 else f"{hours:.0f} hours"
    return f"{hours / 24:,.0f} days"


def _rows(store: Store, run: RunInfo, asked: int, *, pii: bool) -> tuple[pd.DataFrame, int, int]:
    """The page ``asked`` for of the run's detractors (the last page when it is past the end),
    how many detractors there are, and the page shown."""
    page_rows, total = store.ranked(
        run.run_id, objective="detractor", limit=PER_PAGE, offset=(asked - 1) * PER_PAGE
    )
    shown = min(asked, page_count(total))
    if shown != asked:
        page_rows, total = store.ranked(
            run.run_id, objective="detractor", limit=PER_PAGE, offset=(shown - 1) * PER_PAGE
        )
    frame = detractor_frame(page_rows, include_pii=pii, include_words=pii)
    return frame.astype(object).where(frame.notna(), None), total, shown


@router.get("/detractors")
async def detractors_page(
    request: Request,
    caller: PageCaller,
    page_asked: Annotated[int, Query(alias="page", ge=1, le=20_000)] = 1,
) -> Response:
    """The care queue: the latest run's detractors, most reach at risk first. Email, name and
    the customer's own words only with the ``pii`` scope (such a read is audited)."""
    pii = caller is None or Scope.PII in caller.scopes
    store: Store = request.app.state.store
    run = await run_in_threadpool(store.latest_run)
    rows, total, shown = await run_in_threadpool(_rows, store, run, page_asked, pii=pii)
    if pii:
        await run_in_threadpool(
            store.audit,
            key_id=actor_of(caller),
            action="pii_read",
            target="/detractors",
            rows=len(rows),
        )
    now = datetime.now(UTC)
    listed = [{**row, "wait": waited(row["evidence_at"], now)} for row in rows.to_dict("records")]
    html = render(
        "detractors.html",
        **run_header(run),
        rows=listed,
        total=total,
        page_number=shown,
        asked_page=page_asked,
        pages=page_count(total),
        first=(shown - 1) * PER_PAGE + 1,
        past_triage=sum(r["wait"].due in ("triage", "overdue") for r in listed),
        past_resolution=sum(r["wait"].due == "overdue" for r in listed),
        unknown=sum(r["wait"].due == "unknown" for r in listed),
        triage_hours=TRIAGE_HOURS,
        resolution_hours=RESOLUTION_HOURS,
        pii=pii,
        signed_in=caller is not None,
    )
    return page(html)
