"""Warming: a newly published run's served customers and report are read before anyone asks."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from advocates.errors import InputError
from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import SqliteStore, Store
from api import warm
from api.app import create_app
from api.pages import runs
from tests.api.conftest import serve_app
from tests.cli.helpers import copy_store


def _private(scored: tuple[Store, RunOutcome], folder: Path) -> SqliteStore:
    """A private copy of the session's store: other servers of the session warm the shared one
    in threads of their own, through the same ``run_report`` these tests replace. (The warmer
    reads the store as any request does; on PostgreSQL, every server of tests/api warms it.)"""
    if not isinstance(scored[0], SqliteStore):
        pytest.skip("the warmer's schedule is the same on every store: tested on SQLite")
    return SqliteStore(copy_store(scored[0].path, folder / "store.db"))


def _drawings(monkeypatch: pytest.MonkeyPatch, store: SqliteStore) -> list[str | None]:
    """The runs whose report is drawn from ``store`` (by any server) from now on."""
    drawn: list[str | None] = []

    def draw(drawn_from: SqliteStore, run_id: str | None) -> str:
        if drawn_from.url == store.url:
            drawn.append(run_id)
        return "report"

    monkeypatch.setattr(runs, "run_report", draw)
    return drawn


def test_the_latest_run_is_read_and_its_report_drawn_once_before_anyone_asks(
    scored: tuple[Store, RunOutcome], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store, outcome = _private(scored, tmp_path), scored[1]
    drawn = _drawings(monkeypatch, store)
    app = create_app(Settings(store_url=store.url, warm_every_seconds=0.05))
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
    scored: tuple[Store, RunOutcome], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store, outcome = _private(scored, tmp_path), scored[1]
    drawn = _drawings(monkeypatch, store)
    app = create_app(Settings(store_url=store.url, warm_every_seconds=0))
    warmer = app.state.warmer
    assert warmer.warm_once() == outcome.run_id and warmer.warm_once() is None
    monkeypatch.setattr(app.state.store, "version", lambda: -1)  # the store changed
    assert not warmer.ready(outcome.run_id, -1)
    assert warmer.warm_once() == outcome.run_id and warmer.ready(outcome.run_id, -1)
    assert drawn == [outcome.run_id, outcome.run_id]


def test_a_run_nobody_may_be_asked_on_still_has_its_pages_ready(
    scored: tuple[Store, RunOutcome], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store, outcome = _private(scored, tmp_path), scored[1]
    _drawings(monkeypatch, store)

    def nobody(*_: object) -> None:
        raise InputError("no customer can be assigned: every eligible customer is excluded")

    monkeypatch.setattr(warm, "kept_pool", nobody)
    warmer = create_app(Settings(store_url=store.url, warm_every_seconds=0)).state.warmer
    assert warmer.warm_once() == outcome.run_id
    assert warmer.ready(outcome.run_id, store.version())


def test_a_store_without_a_run_warms_nothing(tmp_path: object) -> None:
    app = create_app(Settings(store_url=f"sqlite:///{tmp_path}/empty.db", warm_every_seconds=0))
    assert app.state.warmer.warm_once() is None and app.state.warmer.warmed is None
