"""The run report as a page: ``/runs/latest`` and ``/runs/{run_id}``."""

from __future__ import annotations

import threading
from collections import OrderedDict

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from advocates.reporting import run_report
from advocates.store import Store

from .render import page
from .session import PageCaller

router = APIRouter()

#: How many rendered reports a server process keeps (each about 150 KiB).
KEPT_REPORTS = 8


class KeptReports:
    """Rendered run reports by run and store version: a report takes a second or two to draw
    at 1,000,000 customers (its charts), and stays the same until the store changes (a new run
    moves its trend; an erasure its counts)."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._lock = threading.Lock()  # guards the pages kept
        self._drawing = threading.Lock()  # one report drawn at a time (charts draw one at a
        # time anyway): the requests that arrive meanwhile get the report it draws

    def get(self, store: Store, run_id: str | None) -> str:
        """The report of ``run_id`` (``None``: the latest run), drawn once per store version;
        the least recently read of more than :data:`KEPT_REPORTS` is forgotten."""
        key = (store.latest_run().run_id if run_id is None else run_id, store.version())
        html = self._kept(key)
        if html is None:
            with self._drawing:
                html = self._kept(key)  # drawn while this request waited
                if html is None:
                    html = run_report(store, key[0])
                    with self._lock:
                        self._pages[key] = html
                        while len(self._pages) > KEPT_REPORTS:
                            self._pages.popitem(last=False)
        return html

    def _kept(self, key: tuple[str, int]) -> str | None:
        with self._lock:
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
            return html


@router.get("/runs/{run_id}")
async def run_page(request: Request, run_id: str, caller: PageCaller) -> Response:
    """The report of a published run (``latest``: the latest), as ``advocates report`` writes
    it: one page that needs nothing else."""
    del caller  # signed in: that is all a run report needs (it names no customer)
    state = request.app.state
    wanted = None if run_id == "latest" else run_id
    html = await run_in_threadpool(state.run_reports.get, state.store, wanted)
    return page(html)
