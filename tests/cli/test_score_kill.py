"""Runs that never lose data: a real ``advocates score`` killed with SIGKILL while reading,
scoring or publishing leaves the previous run served and nothing of its own published, and the
next run succeeds; while one run holds a store, a second is refused with a message."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from advocates.store import SqliteStore
from tests.cli.helpers import CliScored, advocates, copy_store, error_of
from tests.helpers import END

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _start_paused(
    point: str, folder: Path, input_dir: Path
) -> tuple[subprocess.Popen[bytes], Path]:
    marker = folder / f"paused-{point}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ADVOCATES_STORE_URL": f"sqlite:///{folder / 'store.db'}",
        "ADVOCATES_REJECTS_DIR": str(folder / "rejects"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.cli.paused", point, str(marker), "score", "--input",
         str(input_dir), "--as-of", END],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the run never reached {point}: {process.stderr.read()!r}")  # type: ignore[union-attr]
        time.sleep(0.05)
    return process, marker


@pytest.mark.parametrize("point", ["reading", "keeping", "scoring", "publishing", "committing"])
def test_a_run_killed_at_any_point_loses_nothing_and_the_next_one_succeeds(
    cli_scored: CliScored, tmp_path: Path, point: str
) -> None:
    copy_store(cli_scored.folder / "store.db", tmp_path / "store.db")
    store = SqliteStore(tmp_path / "store.db")
    served = store.latest_run().run_id
    process, _ = _start_paused(point, tmp_path, cli_scored.folder / "in")
    killed = next(r.run_id for r in store.runs() if r.status == "writing")
    if point == "reading":  # meanwhile a second run on the same store is refused
        second = advocates(
            "score", "--input", cli_scored.folder / "in", "--as-of", END, cwd=tmp_path
        )
        assert "another run is being written to the store" in error_of(second)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL

    assert store.latest_run().run_id == served  # still served, whole
    assert len(store.eligible(served)) > 0
    assert {r.run_id: r.status for r in store.runs()}[killed] == "writing"  # never published
    assert bool(_tables_of(tmp_path / "store.db", killed)) == (point == "publishing")

    after = advocates("score", "--input", cli_scored.folder / "in", "--as-of", END, cwd=tmp_path)
    assert after.exit_code == 0, after.stderr
    statuses = {r.run_id: r.status for r in store.runs()}
    assert statuses[killed] == "abandoned" and statuses[served] == "published"
    assert store.latest_run().run_id not in (served, killed)
    assert not _tables_of(tmp_path / "store.db", killed)  # dropped when it was abandoned


def _tables_of(path: Path, run_id: str) -> list[str]:
    """The tables and indexes of ``run_id`` in the store at ``path``."""
    with closing(sqlite3.connect(path)) as con:
        names = [row[0] for row in con.execute("SELECT name FROM sqlite_master")]
    return [name for name in names if run_id.replace("-", "_") in name]
