"""Browser sessions: an API key exchanged once for a signed, expiring session token.

The marketer's pages are reached with a browser, which cannot send ``Authorization: Bearer``.
On the sign-in page the key is exchanged for a token that the server sets as an HttpOnly,
SameSite=Strict cookie: page scripts never see it, and other sites cannot make the browser send
it. A token reads ``<key id>.<expiry, Unix seconds>.<signature>``; the signature is HMAC-SHA-256
of the first two parts under the key's stored hash, which only the store holds. So any server
process of the store can check a token without a session table, and revoking the key (or its
expiry) ends every session made with it, from the next request on. Whoever can read the store
could sign tokens, but could read every table anyway.

Examples
--------
>>> from advocates.store import SqliteStore
>>> import tempfile, pathlib
>>> store = SqliteStore(pathlib.Path(tempfile.mkdtemp()) / "s.db")
>>> from advocates.access.keys import create_key, Scope
>>> made = create_key(store, name="marketing", scopes=frozenset({Scope.READ}))
>>> token = open_session(store, made.secret, now=1_800_000_000)
>>> session_key(store, token, now=1_800_000_060).name
'marketing'
>>> session_key(store, token, now=1_800_000_000 + SESSION_SECONDS + 1)
Traceback (most recent call last):
advocates.errors.AuthenticationError: the session has expired or is not valid: sign in again
"""

from __future__ import annotations

import hashlib
import hmac
import time

from advocates.access.keys import ApiKey, authenticate
from advocates.errors import AuthenticationError
from advocates.store import Store

__all__ = ["SESSION_SECONDS", "open_session", "session_key"]

#: How long a session lasts: a working day.
SESSION_SECONDS = 8 * 3600


def _signature(stored_hash: str, key_id: str, expires: int) -> str:
    message = f"{key_id}.{expires}".encode()
    return hmac.new(bytes.fromhex(stored_hash), message, hashlib.sha256).hexdigest()


def open_session(store: Store, key: str, *, now: float | None = None) -> str:
    """A session token for the API key ``key`` (AuthenticationError when the key is not valid),
    valid for :data:`SESSION_SECONDS`."""
    api_key = authenticate(store, key)
    expires = int(now if now is not None else time.time()) + SESSION_SECONDS
    stored = store.api_key(api_key.key_id)
    return f"{api_key.key_id}.{expires}.{_signature(stored.hash, api_key.key_id, expires)}"


def session_key(store: Store, token: str, *, now: float | None = None) -> ApiKey:
    """The key a session token was made with, when the token is genuine, unexpired and the key
    not revoked; else AuthenticationError (the same one, whatever was wrong)."""
    refused = AuthenticationError("the session has expired or is not valid: sign in again")
    key_id, _, rest = token.partition(".")
    expires_text, _, signature = rest.partition(".")
    if not (expires_text.isascii() and expires_text.isdigit()) or len(expires_text) > 12:
        raise refused
    expires = int(expires_text)
    if expires < (now if now is not None else time.time()):
        raise refused
    try:
        stored = store.api_key(key_id)
    except LookupError:
        raise refused from None
    genuine = hmac.compare_digest(_signature(stored.hash, key_id, expires), signature)
    if not genuine or stored.revoked_at:
        raise refused
    return ApiKey.of(stored)
