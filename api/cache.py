"""Answers kept per server process for as long as the store's version holds, and served before
routing.

A listing of the latest run changes only when the store's version moves on (a run published, a
contact block, an erasure, a key made or revoked: see :meth:`advocates.store.Store.version`), in
this process or any other using the store. A route whose answer depends only on its path, its
query string and that version (never on who asks, beyond the scope it needs) keeps its encoded
answer in :class:`Pages`, keyed by the exact path and query string it was asked with. The next
such request under the same version is answered by :class:`ServeKept` straight from there, once
:class:`api.auth.Authenticate` has let it in and when its caller has the scope: no routing, no
parameter parsing, no store read. Anything else (a new page, a caller without the scope, a newer
version) goes to the route as usual, which answers (or refuses) it in full. The first request
under a newer version empties the pages of the older one.

The payoff, measured by ``bench/bench_api.py``: a top-100 listing costs FastAPI about 0.3 ms of
routing, dependencies and query parsing before the route runs; served from here, a look-up.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from advocates.access.keys import Scope as KeyScope

from .auth import PROTECTED, caller_of, version_of

__all__ = ["PAGE_CACHE_BYTES", "Kept", "Pages", "ServeKept", "keep_answer"]

#: How many bytes of kept answers a process holds at most (a top-100 page is about 40 kB).
PAGE_CACHE_BYTES = 64 * 2**20

_Key = tuple[str, bytes]


@dataclass(frozen=True)
class Kept:
    """An encoded answer (status 200), the scope a caller needs for it and its media type."""

    scope: KeyScope
    body: bytes
    media_type: str = "application/json"


class Pages:
    """A bounded, thread-safe map from a request (path, query string) to its kept answer, for
    one store version; the least recently used answers go first when it is full."""

    def __init__(self, max_bytes: int = PAGE_CACHE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[_Key, Kept] = OrderedDict()
        self._bytes = 0
        self._version: int | None = None

    def get(self, version: int, key: _Key) -> Kept | None:
        """The answer kept for ``key`` under ``version``, or ``None``."""
        with self._lock:
            if version != self._version:
                return None
            kept = self._entries.get(key)
            if kept is not None:
                self._entries.move_to_end(key)
            return kept

    def put(self, version: int, key: _Key, kept: Kept) -> None:
        """Keep ``kept`` for ``key`` under ``version``: a newer version drops every answer of
        the older one, and an answer of an older version than the one kept is not kept."""
        size = len(kept.body)
        with self._lock:
            if self._version is None or version > self._version:
                self._entries.clear()
                self._bytes, self._version = 0, version
            elif version < self._version or size > self._max_bytes:
                return
            old = self._entries.pop(key, None)
            self._bytes += size - (len(old.body) if old is not None else 0)
            self._entries[key] = kept
            while self._bytes > self._max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)


def _key(scope: Scope) -> _Key:
    return str(scope["path"]), bytes(scope.get("query_string", b""))


def keep_answer(request: Request, kept: Kept) -> None:
    """Keep a route's answer to ``request`` under the version the request was let in with."""
    pages: Pages = request.app.state.pages
    pages.put(version_of(request.scope), _key(request.scope), kept)


class ServeKept:
    """ASGI middleware, inside :class:`api.auth.Authenticate`: answer a ``GET`` under ``/v1``
    from :class:`Pages` when an answer is kept for it and the caller has its scope."""

    def __init__(self, app: ASGIApp, *, pages: Pages) -> None:
        self.app = app
        self._pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kept = (
            self._pages.get(version_of(scope), _key(scope))
            if scope["type"] == "http"
            and scope["method"] == "GET"
            and str(scope["path"]).startswith(PROTECTED)
            else None
        )
        caller = caller_of(scope) if kept is not None else None
        if kept is None or (caller is not None and kept.scope not in caller.scopes):
            await self.app(scope, receive, send)
            return
        headers = [
            (b"content-type", kept.media_type.encode()),
            (b"content-length", str(len(kept.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": kept.body})
