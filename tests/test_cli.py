"""The command line as a user runs it: real processes, real files."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import END, advocates

pytestmark = pytest.mark.slow


def test_demo_data_score_and_shortlist(tmp_path: Path) -> None:
    made = advocates(
        "demo-data",
        "--out",
        tmp_path / "in",
        "--customers",
        "600",
        "--seed",
        "3",
        "--broken-rows",
        "0.01",
        "--end",
        END,
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    manifest = json.loads((tmp_path / "in" / "MANIFEST.json").read_text())
    scored = advocates("score", "--input", tmp_path / "in", "--as-of", END, cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    assert "published run:" in scored.stdout and "seconds per stage:" in scored.stdout
    rejects_files = list((tmp_path / "rejects").glob("*.csv"))
    with open(rejects_files[0], encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.DictReader(handle))
    broken = sum(t["broken"] for t in manifest["tables"].values())
    assert len(rejects) >= broken  # every broken row is reported (plus rows that pointed at them)
    assert all(r["file"] and r["row"] and r["reason"] for r in rejects)

    out = tmp_path / "short.csv"
    listed = advocates(
        "shortlist", "--objective", "engagement", "--limit", "25", "--out", out, cwd=tmp_path
    )
    assert listed.returncode == 0, listed.stderr
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["rank"]) for r in rows] == list(range(1, 26))
    assert "email" not in rows[0] and "name" not in rows[0]
    scores = [float(r["engagement_score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(r["explanation"] for r in rows)

    with_pii = advocates(
        "shortlist", "--objective", "engagement", "--limit", "2", "--include-pii", cwd=tmp_path
    )
    assert "@example.com" in with_pii.stdout

    mixed = advocates(
        "shortlist", "--weights", "awareness=1,conversion=2", "--limit", "5", cwd=tmp_path
    )
    assert mixed.returncode == 0, mixed.stderr
    rows = list(csv.DictReader(mixed.stdout.lstrip("\ufeff").splitlines()))
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4, 5] and "custom_score" in rows[0]
    assert "either an objective or weights" in error_of(advocates("shortlist", cwd=tmp_path))
    assert "unknown objective 'fame'" in error_of(
        advocates("shortlist", "--weights", "fame=1", cwd=tmp_path)
    )

    paid = advocates("rewards", cwd=tmp_path)
    assert paid.returncode == 0, paid.stderr
    statuses = {
        r["reward_status"].split(":")[0]
        for r in csv.DictReader(paid.stdout.lstrip("\ufeff").splitlines())
    }
    assert "earned" in statuses and statuses <= {"earned", "pending", "void"}

    care = tmp_path / "care.csv"
    listed = advocates("detractors", "--limit", "10", "--out", care, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    with open(care, encoding="utf-8-sig", newline="") as handle:
        detractors = list(csv.DictReader(handle))
    assert [int(r["rank"]) for r in detractors] == list(range(1, 11))
    assert all(
        float(r["sentiment"]) < 0 or int(r["negative_mentions_recent"]) > 0 for r in detractors
    )
    assert all(r["evidence_id"] and r["evidence_text"] for r in detractors)
    assert "email" not in detractors[0]


def error_of(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    return " ".join(result.stderr.split())


def test_bad_input_gets_a_message_not_a_traceback(tmp_path: Path, demo_dir: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(demo_dir, folder)
    (folder / "orders.csv").write_text("")
    assert "orders.csv: file is empty" in error_of(
        advocates("score", "--input", folder, cwd=tmp_path)
    )

    (folder / "orders.csv").write_text("order_id,customer_id\no1,c1\n")
    assert "table 'orders' is missing required column(s) ordered_at, amount" in error_of(
        advocates("score", "--input", folder, cwd=tmp_path)
    )

    (folder / "orders.csv").unlink()
    (folder / "customers.csv").unlink()
    assert "the required table 'customers' is missing" in error_of(
        advocates("score", "--input", folder, cwd=tmp_path)
    )
    assert "unknown objective" in error_of(
        advocates("shortlist", "--objective", "fame", cwd=tmp_path)
    )


def test_too_many_rejects_fail_the_run_and_publish_nothing(tmp_path: Path) -> None:
    advocates(
        "demo-data",
        "--out",
        tmp_path / "in",
        "--customers",
        "300",
        "--broken-rows",
        "0.2",
        "--end",
        END,
        cwd=tmp_path,
    )
    message = error_of(advocates("score", "--input", tmp_path / "in", "--as-of", END, cwd=tmp_path))
    assert (
        "rejected rows pass the allowed share of 5.0%" in message
        and "Nothing was published" in message
    )
    assert list((tmp_path / "rejects").glob("*.csv"))  # the reasons are still there to fix the data
    assert "has no published run yet" in error_of(
        advocates("shortlist", "--objective", "awareness", cwd=tmp_path)
    )
