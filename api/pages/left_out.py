"""Who was left out for one reason (``/left-out?reason=...``): the latest run's customers that
reason excluded, 50 to a page by customer id, with the figures behind it; each links to the
customer's page. No personal data: a customer's page shows the rest to a key allowed it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from advocates.store import Store

from .render import PER_PAGE, page, page_count, records, render, run_header
from .session import PageCaller

router = APIRouter()


@router.get("/left-out")
async def left_out_page(
    request: Request,
    caller: PageCaller,
    reason: Annotated[str, Query(min_length=1, max_length=200)],
    page_asked: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    """The customers of the latest run left out for ``reason``."""
    store: Store = request.app.state.store
    run = await run_in_threadpool(store.latest_run)
    rows, total = await run_in_threadpool(
        lambda: store.left_out(
            run.run_id, reason=reason, limit=PER_PAGE, offset=(page_asked - 1) * PER_PAGE
        )
    )
    pages = page_count(total)
    if page_asked > pages:
        # (relative, as every redirect of the pages: behind a proxy the server's own address
        # is not the one people use)
        return RedirectResponse(f"/left-out?{urlencode({'reason': reason, 'page': pages})}", 303)
    html = render(
        "left_out.html",
        **run_header(run),
        reason=reason,
        reasons=dict(run.report.get("excluded") or {}),
        rows=records(rows),
        total=total,
        page_number=page_asked,
        pages=pages,
        first=(page_asked - 1) * PER_PAGE + 1,
        signed_in=caller is not None,
    )
    return page(html)
