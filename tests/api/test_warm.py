"""Warming: a newly published run's served customers and report are read before anyone asks."""

from __future__ import annotations

import time

import httpx
import pytest

from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import SqliteStore
from api.app import create_app
from api.pages import runs
from tests.api.conftest import serve_app


def test_the_latest_run_is_read_and_its_report_drawn_once_before_anyone_asks(
    scored: tuple[SqliteStore, RunOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, outcome = scored
    drawn: list[str | None] = []
    monkeypatch.setattr(runs, "run_report", lambda s, r: drawn.append(r) or "report")
    app = create_app(Settings(store_url=f"sqlite:///{store.path}", warm_every_seconds=0.05))
    for base in serve_app(app):  # the server's lifespan starts the warming thread
        deadline = time.monotonic() + 20
        while app.state.warmer.warmed is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # several more checks: the same run is not warmed again
        assert httpx.get(f"{base}/health").json()["pages_ready"] is True
    assert app.state.warmer.warmed == (outcome.run_id, store.version())
    assert drawn == [outcome.run_id]
    assert app.state.run_reports.get(app.state.store, None) == "report"  # kept, not redrawn
    assert drawn == [outcome.run_id]


def test_a_new_store_version_is_warmed_again(
    scored: tuple[SqliteStore, RunOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, outcome = scored
    drawn: list[str | None] = []
    monkeypatch.setattr(runs, "run_report", lambda s, r: drawn.append(r) or "report")
    app = create_app(Settings(store_url=f"sqlite:///{store.path}", warm_every_seconds=0))
    warmer = app.state.warmer
    assert warmer.warm_once() == outcome.run_id and warmer.warm_once() is None
    monkeypatch.setattr(type(app.state.store), "version", lambda self: -1)  # the store changed
    assert not warmer.ready(outcome.run_id, -1)
    assert warmer.warm_once() == outcome.run_id and warmer.ready(outcome.run_id, -1)
    assert drawn == [outcome.run_id, outcome.run_id]


def test_a_store_without_a_run_warms_nothing(tmp_path: object) -> None:
    app = create_app(Settings(store_url=f"sqlite:///{tmp_path}/empty.db", warm_every_seconds=0))
    assert app.state.warmer.warm_once() is None and app.state.warmer.warmed is None
