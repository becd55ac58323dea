from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from advocates.access.keys import (
    Scope,
    authenticate,
    authorise,
    create_key,
    list_keys,
    parse_scopes,
    record_use,
    revoke_key,
    split_key,
    use_is_due,
)
from advocates.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
)
from advocates.store import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "keys.db")


def test_a_key_is_shown_once_and_only_its_salted_hash_is_stored(store: SqliteStore) -> None:
    made = create_key(store, name="crm tool", scopes=parse_scopes("read,export"))
    assert made.secret.startswith(f"adv_{made.key.key_id}_")
    with sqlite3.connect(store.path) as con:
        dump = "\n".join(con.iterdump())
    # The secret is URL-safe base64, which may itself hold "_": split it as the server does.
    _, secret = split_key(made.secret)
    assert made.key.key_id in dump
    assert made.secret not in dump and secret[:20] not in dump
    # Two keys never share a salt, so equal secrets would not give equal hashes.
    other = create_key(store, name="bi", scopes=parse_scopes("read"))
    stored = {k.key_id: k for k in store.api_keys()}
    assert stored[made.key.key_id].salt != stored[other.key.key_id].salt


def test_a_valid_key_authenticates_with_its_scopes_and_its_use_is_recorded(
    store: SqliteStore,
) -> None:
    made = create_key(store, name="crm tool", scopes=frozenset({Scope.READ, Scope.PII}))
    key = authenticate(store, made.secret)
    assert key.key_id == made.key.key_id and key.scopes == {Scope.READ, Scope.PII}
    assert use_is_due(key) and store.api_key(key.key_id).last_used_at is None  # reads only
    record_use(store, key)
    used = store.api_key(key.key_id).last_used_at
    assert used is not None and not use_is_due(authenticate(store, made.secret))  # a minute
    assert use_is_due(key, datetime.fromisoformat(used) + timedelta(minutes=2))
    authorise(key, Scope.PII)
    with pytest.raises(PermissionDeniedError, match="lacks the 'admin' scope"):
        authorise(key, Scope.ADMIN)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # wrong secret
        lambda k: "adv_000000000000_" + split_key(k)[1],  # unknown key id
        lambda k: "",
        lambda k: "Bearer " + k,
        lambda k: k.replace("adv_", "xyz_", 1),
        lambda k: "adv_short_secret",
    ],
)
def test_a_wrong_unknown_or_malformed_key_is_refused(
    store: SqliteStore, tamper: Callable[[str], str]
) -> None:
    made = create_key(store, name="crm tool", scopes=frozenset({Scope.READ}))
    with pytest.raises(AuthenticationError):
        authenticate(store, tamper(made.secret))


def test_a_revoked_key_is_refused_from_the_next_request_on(store: SqliteStore) -> None:
    made = create_key(store, name="crm tool", scopes=frozenset({Scope.READ}))
    authenticate(store, made.secret)
    revoked = revoke_key(store, made.key.key_id)
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationError, match="unknown or revoked"):
        authenticate(store, made.secret)
    assert [k.revoked_at for k in list_keys(store)] == [revoked.revoked_at]
    with pytest.raises(NotFoundError):
        revoke_key(store, "000000000000")


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "scopes: expected"), ("read,root", "scopes: expected"), (" , ", "scopes: expected")],
)
def test_unknown_or_no_scopes_are_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_scopes(text)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_key_needs_a_name(store: SqliteStore, name: str) -> None:
    with pytest.raises(ConfigurationError, match="needs a name"):
        create_key(store, name=name, scopes=frozenset({Scope.READ}))
