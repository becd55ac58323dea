"""The README documents every setting and the whole input contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advocates.data.contract import TABLES
from advocates.settings import Settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`ADVOCATES_{name.upper()}`" in README


@pytest.mark.parametrize("table", sorted(TABLES))
def test_contract_table_matches_the_code(table: str) -> None:
    row = re.search(rf"^\| {table} \|([^|]*)\|([^|]*)\|", README, flags=re.MULTILINE)
    assert row, f"README has no contract row for {table}"
    required = [c.strip() for c in row.group(1).split(",") if c.strip()]
    optional = [c.strip() for c in row.group(2).split(",") if c.strip()]
    assert required == TABLES[table].required_columns
    assert optional == TABLES[table].optional_columns
