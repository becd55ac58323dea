"""Fixtures several test folders share: a small generated data folder and a scored store, each
built once per session. Plain sample data and builders are in :mod:`tests.helpers`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from advocates.pipeline import RunOutcome, ScoringParams, run_nightly
from advocates.store import SqliteStore, Store, open_store
from tests.helpers import AS_OF, write_demo
from tests.postgres import new_database, postgres_bin, throwaway_server


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(tmp_path_factory.mktemp("demo"), broken=0.01)


@pytest.fixture(scope="session")
def scored(
    tmp_path_factory: pytest.TempPathFactory, demo_dir: Path
) -> tuple[SqliteStore, RunOutcome]:
    folder = tmp_path_factory.mktemp("store")
    store = SqliteStore(folder / "advocates.db")
    return store, score_demo(store, demo_dir, folder)


#: Chromium's flags for a closed network: no background connections, nothing to sign in to.
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's package) driven by Playwright. Without the browser the
    tests that need it are skipped, unless ADVOCATES_REQUIRE_BROWSER=1 (as in CI): then they
    fail, so that CI never passes by skipping them."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("ADVOCATES_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is not installed: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server (Debian's package) for the session; its URL. Without the
    server the tests that need it are skipped, unless ADVOCATES_REQUIRE_POSTGRES=1 (as in CI):
    then they fail."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        if os.environ.get("ADVOCATES_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is not installed: apt-get install -y postgresql")
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql)")
    with throwaway_server(bin_dir) as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database on the session's server, for one test; its URL."""
    return new_database(postgres_server)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty store: a test asking for it runs on SQLite, then on PostgreSQL
    (a new database on the session's server)."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'store.db'}"


def score_demo(
    store: Store, demo_dir: Path, folder: Path, as_of: pd.Timestamp = AS_OF, **options: Any
) -> RunOutcome:
    """The nightly run of ``demo_dir`` into ``store`` (its rejects written in ``folder``)."""
    return run_nightly(
        input_dir=demo_dir,
        store=store,
        params=ScoringParams(as_of=as_of),
        rejects_dir=folder / "rejects",
        max_reject_share=0.05,
        **options,
    )


@pytest.fixture(scope="session")
def scored_postgres(
    tmp_path_factory: pytest.TempPathFactory, demo_dir: Path, postgres_server: str
) -> tuple[Store, RunOutcome]:
    """The session's scored store (:func:`scored`) in PostgreSQL."""
    store = open_store(new_database(postgres_server))
    return store, score_demo(store, demo_dir, tmp_path_factory.mktemp("postgres"))
