"""Shared fixtures: a small generated data folder and a scored store, built once per session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from advocates.data.io import write_table
from advocates.demo import break_rows, generate_demo_tables
from advocates.pipeline import RunOutcome, ScoringParams, run_nightly
from advocates.store import SqliteStore

END = "2026-11-01"
AS_OF = pd.Timestamp(END, tz="UTC")


def write_demo(folder: Path, *, customers: int = 800, seed: int = 5, broken: float = 0.0) -> Path:
    for name, frame in generate_demo_tables(customers=customers, seed=seed, end=END).items():
        frame, how = break_rows(name, frame, fraction=broken, seed=seed)
        write_table(
            frame,
            folder / f"{name}.csv",
            bad_bytes_lines=how.bad_bytes_lines,
            extra_field_lines=how.extra_field_lines,
        )
    return folder


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


def advocates(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``advocates`` command line in a real process, with its store and rejects in ``cwd``."""
    env = {
        **os.environ,
        "ADVOCATES_STORE_URL": f"sqlite:///{cwd / 'store.db'}",
        "ADVOCATES_REJECTS_DIR": str(cwd / "rejects"),
    }
    command = [sys.executable, "-c", "from advocates.cli import main; main()", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
