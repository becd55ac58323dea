"""Dependencies of the routes, named once: settings, the store, the caller and their scopes.

Every ``/v1`` route names the one scope it needs in its decorator, as
``dependencies=[requires(Scope.READ)]``: :class:`api.auth.Authenticate` has found the caller
(a missing or unknown key is a 401 before routing) and :func:`requires` checks the scope (a key
without it is a 403) before the route runs.

The dependencies that do not wait on anything are ``async``: FastAPI runs a plain ``def``
dependency in its thread pool, a hop that cost more than a cached listing itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from advocates.access.keys import ApiKey, Scope, authorise
from advocates.settings import Settings
from advocates.store import Store

from .auth import caller_of
from .limits import HeavyWork

__all__ = [
    "MAX_OFFSET",
    "CallerDep",
    "Heavy",
    "HeavyWorkDep",
    "Limit",
    "Offset",
    "PiiDep",
    "SettingsDep",
    "StoreDep",
    "actor_of",
    "requires",
]


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


async def get_caller(request: Request) -> ApiKey | None:
    """The key of the request (``None`` when keys are switched off: every scope allowed), as
    :class:`api.auth.Authenticate` found it."""
    return caller_of(request.scope)


CallerDep = Annotated[ApiKey | None, Depends(get_caller)]


def requires(scope: Scope) -> Any:
    """The dependency that lets a request through only with ``scope``."""

    async def check(request: Request) -> None:
        caller = caller_of(request.scope)
        if caller is not None:
            authorise(caller, scope)

    check.scope = scope  # type: ignore[attr-defined]  # read by the test that every route has one
    return Depends(check)


async def get_heavy_work(request: Request) -> HeavyWork:
    heavy: HeavyWork = request.app.state.heavy_work
    return heavy


def heavy_slot(heavy: Annotated[HeavyWork, Depends(get_heavy_work)]) -> Iterator[None]:
    """Hold a slot of the heavy-work pool for the whole request (503 when none comes free)."""
    with heavy.slot():
        yield


#: For routes whose every request is heavy (campaign plans, exports).
Heavy = Depends(heavy_slot)
HeavyWorkDep = Annotated[HeavyWork, Depends(get_heavy_work)]


def actor_of(caller: ApiKey | None) -> str:
    """Who the audit log names for a request: the key id, or ``auth-off``."""
    return caller.key_id if caller is not None else "auth-off"


async def may_see_pii(caller: CallerDep) -> bool:
    """Whether the caller may see email, name and the customer's own words (the ``pii``
    scope, or keys switched off)."""
    return caller is None or Scope.PII in caller.scopes


PiiDep = Annotated[bool, Depends(may_see_pii)]

#: The deepest offset a listing accepts: far past any real customer base, and within SQLite's
#: 64-bit integers (an offset of 2**63 was a 500).
MAX_OFFSET = 1_000_000_000

Limit = Annotated[int, Query(ge=1, le=1000, description="How many rows, at most 1000.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many rows to skip.")]
