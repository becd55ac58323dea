"""The installed ``advocates`` command as a user runs it: real processes, real files."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import END

ADVOCATES = Path(sys.executable).parent / "advocates"  # the console script pip installed

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ADVOCATES.is_file(), reason=f"{ADVOCATES} is not installed"),
]


def run(*args: str | Path, cwd: Path, store: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ADVOCATES_STORE_URL": store,
        "ADVOCATES_REJECTS_DIR": str(cwd / "rejects"),
    }
    return subprocess.run(
        [ADVOCATES, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_demo_data_score_and_shortlist_to_a_csv_and_one_refusal(
    tmp_path: Path, store_url: str
) -> None:
    """On each store: SQLite's file, and a PostgreSQL database named by its URL alone."""
    refused = run("shortlist", "--objective", "nope", cwd=tmp_path, store=store_url)
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: unknown objective 'nope'"), refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout and refused.stdout == ""

    made = run(
        "demo-data",
        "--out",
        "in",
        "--customers",
        "400",
        "--end",
        END,
        cwd=tmp_path,
        store=store_url,
    )
    assert made.returncode == 0, made.stderr
    scored = run("score", "--input", "in", "--as-of", END, cwd=tmp_path, store=store_url)
    assert scored.returncode == 0, scored.stderr
    assert "published run:" in scored.stdout
    listed = run(
        "shortlist",
        "--objective",
        "awareness",
        "--limit",
        "20",
        "--out",
        "short.csv",
        cwd=tmp_path,
        store=store_url,
    )
    assert listed.returncode == 0, listed.stderr
    assert "wrote 20 advocates" in listed.stderr
    with open(tmp_path / "short.csv", encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames is not None
    assert {"rank", "customer_id", "awareness_score", "explanation"} <= set(reader.fieldnames)
    assert not {"email", "name"} & set(reader.fieldnames)
    assert [int(r["rank"]) for r in rows] == list(range(1, 21))
    assert all(r["customer_id"] and r["explanation"] for r in rows)
