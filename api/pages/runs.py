"""The run report as a page: ``/runs/latest`` and ``/runs/{run_id}``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from advocates.reporting import run_report

from .render import page
from .session import PageCaller

router = APIRouter()


@router.get("/runs/{run_id}")
async def run_page(request: Request, run_id: str, caller: PageCaller) -> Response:
    """The report of a published run (``latest``: the latest), as ``advocates report`` writes
    it: one page that needs nothing else."""
    del caller  # signed in: that is all a run report needs (it names no customer)
    store = request.app.state.store
    html = await run_in_threadpool(run_report, store, None if run_id == "latest" else run_id)
    return page(html)
