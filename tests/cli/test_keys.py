"""``advocates keys``: a key made, shown once on the last line, listed without it, revoked."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocates.access.keys import authenticate, split_key
from advocates.errors import AuthenticationError
from advocates.store import SqliteStore
from tests.cli.helpers import advocates, error_of


def test_a_key_is_printed_once_listed_without_it_and_revoked(tmp_path: Path) -> None:
    made = advocates(
        "keys", "create", "--name", "crm tool", "--scopes", "read,export", cwd=tmp_path
    )
    assert made.exit_code == 0, made.stderr
    key = made.stdout.splitlines()[-1]
    assert made.stdout == key + "\n" and key.startswith("adv_")
    assert "shown once" in made.stderr
    store = SqliteStore(tmp_path / "store.db")
    key_id = authenticate(store, key).key_id

    listed = advocates("keys", "list", cwd=tmp_path)
    assert listed.exit_code == 0 and key_id in listed.stdout and "export,read" in listed.stdout
    assert split_key(key)[1] not in listed.stdout + listed.stderr

    revoked = advocates("keys", "revoke", key_id, cwd=tmp_path)
    assert revoked.exit_code == 0 and f"revoked key {key_id}" in revoked.stderr
    with pytest.raises(AuthenticationError):
        authenticate(store, key)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["keys", "create", "--name", "x", "--scopes", "read,root"], "scopes: expected"),
        (["keys", "create", "--name", " ", "--scopes", "read"], "needs a name"),
        (["keys", "revoke", "000000000000"], "API key '000000000000' does not exist"),
    ],
)
def test_bad_key_commands_get_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    assert message in error_of(advocates(*args, cwd=tmp_path))
