"""What every command shares: settings from the environment, read afresh for each command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import advocates, error_of


@pytest.mark.parametrize(
    "command",
    [["score", "--input", "in"], ["shortlist", "--objective", "awareness"]],
    ids=["score", "shortlist"],
)
def test_an_invalid_setting_is_named_not_a_traceback(tmp_path: Path, command: list[str]) -> None:
    bad = advocates(*command, cwd=tmp_path, env={"ADVOCATES_MAX_REJECT_SHARE": "2"})
    message = error_of(bad)
    assert "invalid ADVOCATES_* setting" in message and "max_reject_share" in message
    # The next command reads the environment again and no longer sees the bad value.
    assert "has no published run yet" in error_of(
        advocates("shortlist", "--objective", "awareness", cwd=tmp_path)
    )
