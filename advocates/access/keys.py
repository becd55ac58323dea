"""API keys: made once, stored as a salted hash, checked in constant time, each with its scopes.

A key reads ``adv_<key id>_<secret>``. The key id is public (it names the key in
``advocates keys list``, the audit log and revocation); the secret is 256 random bits shown once,
when the key is made, and kept only as HMAC-SHA-256 under a salt of the key's own. A presented
key is found by its id and its secret compared with :func:`hmac.compare_digest`.

Scopes: ``read`` (rankings, explanations, detractors, campaigns, KPIs), ``export`` (CSV
downloads), ``write`` (events, new campaigns), ``pii`` (email, name and the customer's own words)
and ``admin`` (erasure, audit log).

Examples
--------
>>> sorted(str(scope) for scope in parse_scopes("read, export"))
['export', 'read']
>>> split_key("adv_0123456789ab_s3cr3t-with_underscores")
('0123456789ab', 's3cr3t-with_underscores')
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from advocates.errors import AuthenticationError, ConfigurationError, PermissionDeniedError
from advocates.store import Store, StoredKey

__all__ = [
    "KEY_PREFIX",
    "ApiKey",
    "NewKey",
    "Scope",
    "authenticate",
    "authorise",
    "create_key",
    "list_keys",
    "parse_scopes",
    "record_use",
    "revoke_key",
    "split_key",
    "use_is_due",
]

KEY_PREFIX = "adv"
#: A key's last use is written at most this often, so that reads do not queue behind writes.
TOUCH_EVERY = timedelta(minutes=1)
_MAX_NAME = 100


class Scope(StrEnum):
    """What a key may do."""

    READ = "read"
    EXPORT = "export"
    WRITE = "write"
    PII = "pii"
    ADMIN = "admin"


@dataclass(frozen=True)
class ApiKey:
    """A key as people see it: never its secret."""

    key_id: str
    name: str
    scopes: frozenset[Scope]
    created_at: str
    last_used_at: str | None
    revoked_at: str | None

    @classmethod
    def of(cls, stored: StoredKey) -> ApiKey:
        return cls(
            key_id=stored.key_id,
            name=stored.name,
            scopes=frozenset(Scope(s) for s in stored.scopes),
            created_at=stored.created_at,
            last_used_at=stored.last_used_at,
            revoked_at=stored.revoked_at,
        )


@dataclass(frozen=True)
class NewKey:
    """A key just made: its record and the key itself, which is shown this once."""

    key: ApiKey
    secret: str


def parse_scopes(text: str) -> frozenset[Scope]:
    """The scopes of a comma-separated list such as ``"read,export"``."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in Scope.__members__.values()]
    if unknown or not names:
        raise ConfigurationError(
            f"scopes: expected a comma-separated list of {', '.join(Scope)}, got {text!r}"
        )
    return frozenset(Scope(n) for n in names)


def _digest(secret: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode(), hashlib.sha256).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def create_key(store: Store, *, name: str, scopes: frozenset[Scope]) -> NewKey:
    """Make a key named ``name`` with ``scopes``; store its salted hash; return it once."""
    name = name.strip()
    if not name or len(name) > _MAX_NAME:
        raise ConfigurationError(f"a key needs a name of 1 to {_MAX_NAME} characters")
    if not scopes:
        raise ConfigurationError("a key needs at least one scope")
    key_id, secret, salt = secrets.token_hex(6), secrets.token_urlsafe(32), secrets.token_hex(16)
    stored = StoredKey(
        key_id=key_id,
        name=name,
        scopes=tuple(sorted(scopes)),
        salt=salt,
        hash=_digest(secret, salt),
        created_at=_now().isoformat(),
    )
    store.save_key(stored)
    return NewKey(key=ApiKey.of(stored), secret=f"{KEY_PREFIX}_{key_id}_{secret}")


def split_key(key: str) -> tuple[str, str]:
    """The key id and secret of a presented key; AuthenticationError when it is malformed."""
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or len(key_id) != 12 or not secret:
        raise AuthenticationError("the API key is malformed: expected adv_<key id>_<secret>")
    return key_id, secret


def authenticate(store: Store, key: str) -> ApiKey:
    """The key record of a presented key, when it exists, is not revoked and its secret matches.

    The secret is compared in constant time. Every failure is the same AuthenticationError, so
    a caller learns nothing of which part was wrong. It writes nothing: :func:`record_use` does.
    """
    key_id, secret = split_key(key)
    refused = AuthenticationError("the API key is unknown or revoked")
    try:
        stored = store.api_key(key_id)
    except LookupError:
        raise refused from None
    if not hmac.compare_digest(_digest(secret, stored.salt), stored.hash) or stored.revoked_at:
        raise refused
    return ApiKey.of(stored)


def use_is_due(key: ApiKey, now: datetime | None = None) -> bool:
    """Whether ``key``'s last use is older than :data:`TOUCH_EVERY` (or was never recorded).
    Plain datetimes: this runs on every request, and a pandas Timestamp costs 14 µs."""
    if key.last_used_at is None:
        return True
    now = now if now is not None else datetime.now(UTC)
    return now - datetime.fromisoformat(key.last_used_at) > TOUCH_EVERY


def record_use(store: Store, key: ApiKey) -> None:
    """Record that ``key`` is being used now, when its last use is due (at most once a
    minute, so that reads do not queue behind writes)."""
    now = _now()
    if use_is_due(key, now):
        store.touch_key(key.key_id, at=now.isoformat())


def authorise(key: ApiKey, scope: Scope) -> None:
    """PermissionDeniedError unless ``key`` carries ``scope``."""
    if scope not in key.scopes:
        raise PermissionDeniedError(
            f"the API key {key.key_id} lacks the {scope.value!r} scope this request needs"
        )


def list_keys(store: Store) -> list[ApiKey]:
    """Every key, oldest first (never a secret)."""
    return [ApiKey.of(stored) for stored in store.api_keys()]


def revoke_key(store: Store, key_id: str) -> ApiKey:
    """Revoke a key at once: from the next request on it is refused."""
    store.revoke_key(key_id, at=_now().isoformat())
    return ApiKey.of(store.api_key(key_id))
