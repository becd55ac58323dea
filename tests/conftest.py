"""Fixtures several test folders share: a small generated data folder and a scored store, each
built once per session. Plain sample data and builders are in :mod:`tests.helpers`."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocates.pipeline import RunOutcome, ScoringParams, run_nightly
from advocates.store import SqliteStore
from tests.helpers import AS_OF, write_demo


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(tmp_path_factory.mktemp("demo"), broken=0.01)


@pytest.fixture(scope="session")
def scored(
    tmp_path_factory: pytest.TempPathFactory, demo_dir: Path
) -> tuple[SqliteStore, RunOutcome]:
    folder = tmp_path_factory.mktemp("store")
    store = SqliteStore(folder / "advocates.db")
    outcome = run_nightly(
        input_dir=demo_dir,
        store=store,
        params=ScoringParams(as_of=AS_OF),
        rejects_dir=folder / "rejects",
        max_reject_share=0.05,
    )
    return store, outcome
