"""``advocates kpis``: the same KPIs as the API, as a table or CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from advocates.data.events import record_events
from advocates.store import SqliteStore
from tests.cli.helpers import advocates, error_of


def test_kpis_as_a_table_and_as_csv(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    share = {"event_id": "s", "type": "share", "customer_id": "C1", "occurred_at": "2026-11-03"}
    record_events(store, [share])
    args = ("kpis", "--from", "2026-11-01", "--to", "2026-11-30", "--granularity", "month")
    shown = advocates(*args, cwd=tmp_path)
    assert shown.exit_code == 0 and "2026-11" in shown.stdout and "shares" in shown.stdout
    written = advocates(*args, "--out", tmp_path / "kpis.csv", cwd=tmp_path)
    assert written.exit_code == 0
    with open(tmp_path / "kpis.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["period"], r["shares"]) for r in rows] == [("2026-11", "1")]
    assert "granularity must be one of" in error_of(
        advocates("kpis", "--granularity", "hour", cwd=tmp_path)
    )
