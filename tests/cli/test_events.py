"""``advocates events import``: a file of events stored once each, bad rows named."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from advocates.store import SqliteStore
from tests.cli.helpers import advocates, error_of

ROWS = [
    {"event_id": "e1", "type": "invite", "customer_id": "C1", "occurred_at": "2026-11-02"},
    {"event_id": "e2", "type": "refund", "customer_id": "C1", "occurred_at": "2026-11-02"},
    {"event_id": "e3", "type": "click", "customer_id": "C2", "occurred_at": "2026-11-03"},
]


@pytest.mark.parametrize(("name", "place"), [("events.csv", "row 3"), ("events.jsonl", "line 2")])
def test_events_import_stores_each_event_once_and_names_bad_rows(
    tmp_path: Path, name: str, place: str
) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        pd.DataFrame(ROWS).to_csv(path, index=False)
    else:
        path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    first = advocates("events", "import", path, cwd=tmp_path)
    assert first.exit_code == 0, first.stderr
    assert f"{place}: a refund event needs order_id" in first.stderr
    assert "2 events stored, 0 already stored, 1 rejected" in first.stderr
    again = advocates("events", "import", path, cwd=tmp_path)
    assert "0 events stored, 2 already stored, 1 rejected" in again.stderr
    assert SqliteStore(tmp_path / "store.db").events()["event_id"].tolist() == ["e1", "e3"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("nowhere.csv", None, "no such file"),
        ("events.txt", "x", "expected a .csv, .csv.gz or .jsonl file"),
        ("events.jsonl", '{"event_id": "e1"}\n{oops\n', "line 2 is not JSON"),
    ],
)
def test_an_unreadable_events_file_gets_a_message(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / name).write_text(content)
    assert message in error_of(advocates("events", "import", tmp_path / name, cwd=tmp_path))
