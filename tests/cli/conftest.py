"""A folder the command line itself filled: ``advocates demo-data`` then ``advocates score``."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import CliScored, advocates
from tests.helpers import END


@pytest.fixture(scope="session")
def cli_scored(tmp_path_factory: pytest.TempPathFactory) -> CliScored:
    """600 customers with 1% broken rows, scored as of END; tests only read its store."""
    folder = tmp_path_factory.mktemp("cli")
    made = advocates(
        "demo-data", "--out", folder / "in", "--customers", "600", "--seed", "3",
        "--broken-rows", "0.01", "--end", END,
        cwd=folder,
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    scored = advocates("score", "--input", folder / "in", "--as-of", END, cwd=folder)
    assert scored.exit_code == 0, scored.stderr
    manifest = json.loads((folder / "in" / "MANIFEST.json").read_text())
    return CliScored(folder, manifest, scored)
