"""Warming: what the pages of a newly published run need, read before anyone asks for it.

A server process keeps a run's eligible customers (the ``served`` table, with each objective's
explanations) once read, and draws its run report once; at 1,000,000 customers the first
filtered shortlist or report after a publish took 1.6 s (bench/bench_pages.py), and a campaign
plan makes the run's pool of candidates once (0.45 s). A thread of the
process checks the latest run every few seconds and, when it has changed, reads and draws them,
so that the first marketer to ask after the night's run is answered as fast as the next. The
report is kept per store version (an erasure or a contact block moves its counts), so a new
version is warmed too.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from advocates.campaigns.plan import kept_pool
from advocates.errors import AdvocatesError, InputError
from advocates.ranking.objectives import OBJECTIVES

__all__ = ["Warmer"]

log = logging.getLogger(__name__)


class Warmer:
    """Keeps the latest run's served customers and report ready in ``state`` (the app's)."""

    def __init__(self, state: Any, *, every_seconds: float = 10.0) -> None:
        self._state = state
        self._every = every_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.warmed: tuple[str, int] | None = None  # the run and store version last warmed

    def ready(self, run_id: str, version: int) -> bool:
        """Whether the pages of ``run_id`` at store ``version`` are warmed."""
        return self.warmed == (run_id, version)

    def warm_once(self) -> str | None:
        """Warm the latest run if it (or the store's version) is not the one warmed last; its
        id, or None when there was nothing to do (no published run yet, or warmed already)."""
        store = self._state.store
        try:
            now = (store.latest_run().run_id, store.version())
            if now == self.warmed:
                return None
            store.served(now[0], explanations=list(OBJECTIVES))
            self._state.run_reports.get(store, now[0])
            with contextlib.suppress(InputError):  # a run nobody may be asked on: no plan, and
                kept_pool(store, now[0], self._state.settings.contact_cap)  # the pages ready
        except AdvocatesError as error:  # no run yet, or a run the report cannot draw
            log.debug("nothing warmed: %s", error)
            return None
        self.warmed = now
        return now[0]

    def start(self) -> None:
        """Warm now and then every few seconds, in a daemon thread, until :meth:`stop`."""
        self._thread = threading.Thread(target=self._run, name="advocates-warm", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.warm_once()
            except Exception:  # a warming that fails must not end the thread: the pages still
                log.exception("warming the latest run failed")  # read it themselves
            self._stop.wait(self._every)
