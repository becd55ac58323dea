"""The run report as a page: ``/runs/latest`` and ``/runs/{run_id}``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from advocates.reporting import run_report
from advocates.store import Store

from .render import KeptDrawings, page
from .session import PageCaller

router = APIRouter()

#: How many rendered reports a server process keeps (each about 150 KiB).
KEPT_REPORTS = 8


class KeptReports:
    """Rendered run reports by run and store version: a report takes a second or two to draw
    at 1,000,000 customers (its charts), and stays the same until the store changes (a new run
    moves its trend; an erasure its counts)."""

    def __init__(self) -> None:
        self._drawn: KeptDrawings[tuple[str, int], str] = KeptDrawings(KEPT_REPORTS)

    def get(self, store: Store, run_id: str | None) -> str:
        """The report of ``run_id`` (``None``: the latest run), drawn once per store version."""
        key = (store.latest_run().run_id if run_id is None else run_id, store.version())
        return self._drawn.get(key, lambda: run_report(store, key[0]))


@router.get("/runs/{run_id}")
async def run_page(request: Request, run_id: str, caller: PageCaller) -> Response:
    """The report of a published run (``latest``: the latest), as ``advocates report`` writes
    it: one page that needs nothing else."""
    del caller  # signed in: that is all a run report needs (it names no customer)
    state = request.app.state
    wanted = None if run_id == "latest" else run_id
    html = await run_in_threadpool(state.run_reports.get, state.store, wanted)
    return page(html)
