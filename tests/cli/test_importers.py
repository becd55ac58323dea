"""``advocates import ciao``: a folder ``advocates score`` runs on unchanged, or a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import advocates, error_of
from tests.helpers import write_ciao


def test_import_then_score_runs_unchanged(tmp_path: Path) -> None:
    source = write_ciao(tmp_path / "ciao")
    done = advocates("import", "ciao", source, "--out", tmp_path / "in", cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert "referrals: 2 rows" in done.stdout
    scored = advocates("score", "--input", tmp_path / "in", "--as-of", "latest", cwd=tmp_path)
    assert scored.exit_code == 0, scored.stderr
    assert "published run:" in scored.stdout
    assert "rejected" in scored.stdout and "Traceback" not in scored.stderr


@pytest.mark.parametrize(
    ("missing", "args", "message"),
    [
        ("trust.csv.gz", [], "trust.csv.gz: no such file"),
        (None, ["--until", "someday"], "--until 'someday' is not an ISO 8601 date"),
    ],
    ids=["missing-file", "bad-until"],
)
def test_import_names_what_it_cannot_use(
    tmp_path: Path, missing: str | None, args: list[str], message: str
) -> None:
    source = write_ciao(tmp_path / "ciao")
    if missing:
        (source / missing).unlink()
    done = advocates("import", "ciao", source, "--out", tmp_path / "in", *args, cwd=tmp_path)
    assert message in error_of(done)
