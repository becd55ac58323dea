"""``advocates serve``: no API without keys off the loopback address."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import advocates, error_of


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "api.example.com"])
def test_serving_without_keys_is_refused_off_loopback(tmp_path: Path, host: str) -> None:
    ran = advocates("serve", "--host", host, cwd=tmp_path, env={"ADVOCATES_AUTH": "off"})
    assert "only on a loopback address" in error_of(ran)
