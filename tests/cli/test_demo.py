"""``advocates demo-data``: every input table and a manifest, or a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advocates.data.contract import TABLES
from tests.cli.helpers import advocates, error_of
from tests.helpers import END


def test_demo_data_writes_every_table_and_a_manifest(tmp_path: Path) -> None:
    made = advocates(
        "demo-data", "--out", tmp_path / "in", "--customers", "100", "--seed", "3",
        "--broken-rows", "0.01", "--end", END,
        cwd=tmp_path,
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    manifest = json.loads((tmp_path / "in" / "MANIFEST.json").read_text())
    assert (manifest["customers"], manifest["end"]) == (100, f"{END}T00:00:00+00:00")
    assert set(manifest["tables"]) == set(TABLES)
    for table in manifest["tables"].values():
        assert (tmp_path / "in" / table["file"]).is_file() and table["file"] in made.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx"], "--format must be csv or parquet, got 'xlsx'"),
        (["--end", "someday"], "--end 'someday' is not an ISO 8601 date"),
    ],
    ids=["bad-format", "bad-end"],
)
def test_demo_data_refuses_bad_options_with_a_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    assert message in error_of(
        advocates("demo-data", "--out", tmp_path / "in", "--customers", "100", *args, cwd=tmp_path)
    )
