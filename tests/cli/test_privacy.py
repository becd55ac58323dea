"""``advocates erase`` and ``advocates audit``."""

from __future__ import annotations

from pathlib import Path

from advocates.data.events import record_events
from advocates.store import SqliteStore
from tests.cli.helpers import advocates, error_of


def test_erase_then_audit(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    click = {"event_id": "c", "type": "click", "customer_id": "C7", "occurred_at": "2026-10-01"}
    record_events(store, [click])
    made = advocates("keys", "create", "--name", "ops", "--scopes", "admin", cwd=tmp_path)
    assert made.exit_code == 0

    erased = advocates("erase", "C7", cwd=tmp_path)
    assert erased.exit_code == 0 and "erased C7: 0 rows from runs" in erased.stderr
    assert "1 rows from events" in erased.stderr
    assert "'C7' is not in the store" in error_of(advocates("erase", "C7", cwd=tmp_path))

    log = advocates("audit", cwd=tmp_path)
    assert log.exit_code == 0
    assert "erase" in log.stdout and "key_created" in log.stdout and "C7" not in log.stdout
