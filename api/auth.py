"""Who is calling: the bearer key of every ``/v1`` request, authenticated before routing.

:class:`Authenticate` is ASGI middleware. For each request under ``/v1`` it reads
``Authorization: Bearer <key>``, authenticates the key (:func:`advocates.access.keys.authenticate`),
counts the request against the key's rate limit and leaves the key in the request's state for
the routes, whose one scope each checks (:func:`api.deps.requires`), with the store's version
(:func:`version_of`, what cached answers are kept under). No key, or an unknown,
malformed or revoked one, is a 401 and a request over the limit a 429, in the API's error shape,
before any route runs or any body is read. With ``ADVOCATES_AUTH=off`` every request passes as
the caller ``None`` (every scope), rate-limited per client address. ``/health``, ``/docs`` and
``/openapi.json`` are open; :func:`document_security` states the scheme in the OpenAPI document.

Middleware rather than a FastAPI dependency because this runs on every request: a dependency
costs FastAPI about 50 µs to solve, more than a cached listing itself. A key that authenticated
is kept, per process, for as long as the store's version holds (creating or revoking a key moves
it on), so a revoked key is refused from the next request on. Its last use is written after the
answer, at most once a minute per process (:class:`api.limits.UseWrites`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from advocates.access.keys import ApiKey, authenticate, record_use, use_is_due
from advocates.errors import AuthenticationError, RateLimitedError
from advocates.store import Store

from .errors import library_error_response
from .limits import RateLimit, UseWrites

__all__ = ["PROTECTED", "SCHEME", "Authenticate", "caller_of", "document_security", "version_of"]

#: The paths that need a key: the whole versioned API.
PROTECTED = "/v1/"
#: The name of the security scheme in the OpenAPI document.
SCHEME = "apiKey"
_NO_KEY = (
    "this request needs an API key: send 'Authorization: Bearer <key>' "
    "(make one with `advocates keys create`)"
)
#: How many authenticated keys a process keeps before it starts over.
_MAX_KEPT = 10_000

log = logging.getLogger(__name__)


def caller_of(scope: Scope) -> ApiKey | None:
    """The caller :class:`Authenticate` found for a request (``None``: keys switched off)."""
    caller: ApiKey | None = scope["state"]["caller"]
    return caller


def version_of(scope: Scope) -> int:
    """The store's version when :class:`Authenticate` let the request in: what the request is
    answered under (one read of it per request)."""
    version: int = scope["state"]["version"]
    return version


class Authenticate:
    """ASGI middleware: the caller of every ``/v1`` request, within its rate limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        store: Store,
        auth: bool,
        rate_limit: RateLimit,
        use_writes: UseWrites,
    ) -> None:
        self.app = app
        self._store = store
        self._auth = auth
        self._rate_limit = rate_limit
        self._use_writes = use_writes
        self._kept: dict[str, ApiKey] = {}
        self._kept_version: int | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(PROTECTED):
            await self.app(scope, receive, send)
            return
        version = self._store.version()
        try:
            caller = self._caller(scope, version)
        except (AuthenticationError, RateLimitedError) as error:
            await library_error_response(error)(scope, receive, send)
            return
        scope.setdefault("state", {}).update(caller=caller, version=version)
        await self.app(scope, receive, send)
        if caller is not None and self._use_writes.claim(caller.key_id) and use_is_due(caller):
            await self._record_use(caller)

    def _caller(self, scope: Scope, version: int) -> ApiKey | None:
        if not self._auth:
            client = scope.get("client")
            self._rate_limit.check(f"address:{client[0] if client else '?'}")
            return None
        scheme, _, presented = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise AuthenticationError(_NO_KEY)
        key = self._authenticate(presented.strip(), version)
        self._rate_limit.check(f"key:{key.key_id}")
        return key

    def _authenticate(self, presented: str, version: int) -> ApiKey:
        """The key, from those kept under the store's ``version`` or from the store."""
        if version != self._kept_version or len(self._kept) >= _MAX_KEPT:
            self._kept, self._kept_version = {}, version
        key = self._kept.get(presented)
        if key is None:
            key = self._kept[presented] = authenticate(self._store, presented)
        return key

    async def _record_use(self, caller: ApiKey) -> None:
        """Write the key's last use after the answer; a busy or failing store only loses this
        record (logged), never the request."""
        try:
            await run_in_threadpool(record_use, self._store, caller)
        except Exception:
            log.warning("could not record the use of API key %s", caller.key_id, exc_info=True)


def document_security(app: FastAPI, description: str) -> None:
    """State in the OpenAPI document what :class:`Authenticate` enforces: every ``/v1``
    operation needs the bearer scheme :data:`SCHEME`; nothing else does."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {})
            components.setdefault("securitySchemes", {})[SCHEME] = {
                "type": "http",
                "scheme": "bearer",
                "description": description,
            }
            for path, operations in schema["paths"].items():
                if path.startswith(PROTECTED):
                    for operation in operations.values():
                        operation["security"] = [{SCHEME: []}]
        return build()

    app.openapi = openapi  # type: ignore[method-assign]
