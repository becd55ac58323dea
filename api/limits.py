"""Limits that keep one caller from holding the service: a rate per key, and a bounded pool for
heavy work.

:class:`RateLimit` counts each caller's requests in the last 60 seconds exactly (the ``limits``
library's moving window: a timestamp per request, at most the limit per caller; its cheaper
sliding window counter estimates the previous minute's share and let a sixth request of five
through when they straddled a minute) and answers 429 with ``Retry-After`` past the limit.
:class:`HeavyWork` lets at most ``workers`` heavy requests (campaign plans, custom-weight
rankings, exports, KPIs, campaign pages) run at once; up to ``queue`` more wait at most
``wait_seconds`` for a slot, and any beyond are refused at once with
503 and ``Retry-After``, so that ``/health`` and ordinary listings stay fast. :class:`UseWrites`
lets a key's last use be written at most once a minute per process, after the answer, so that a
busy store (a nightly run publishing) never holds a request or piles up writers. All count within
one server process.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from advocates.errors import RateLimitedError, ServerBusyError

__all__ = ["HeavyWork", "RateLimit", "UseWrites"]


class RateLimit:
    """At most ``per_minute`` requests per caller in any 60 seconds."""

    def __init__(self, per_minute: int) -> None:
        self._item = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, caller: str) -> None:
        """Count one request of ``caller``; RateLimitedError when it is one too many."""
        if self._limiter.hit(self._item, caller):
            return
        reset = self._limiter.get_window_stats(self._item, caller).reset_time
        raise RateLimitedError(
            limit=f"{self._item.amount} requests per minute",
            retry_after=max(1, math.ceil(reset - time.time())),
        )


class HeavyWork:
    """A bounded pool of slots for heavy requests, with a bounded wait."""

    def __init__(self, *, workers: int, queue: int, wait_seconds: float) -> None:
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._waiting = 0
        self._queue = queue
        self._wait = wait_seconds

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot while the block runs; ServerBusyError when none comes free in time."""
        if not self._slots.acquire(blocking=False):
            self._wait_for_slot()
        try:
            yield
        finally:
            self._slots.release()

    def _wait_for_slot(self) -> None:
        busy = ServerBusyError(retry_after=max(1, math.ceil(self._wait)))
        with self._lock:
            if self._waiting >= self._queue:
                raise busy
            self._waiting += 1
        try:
            acquired = self._slots.acquire(timeout=self._wait)
        finally:
            with self._lock:
                self._waiting -= 1
        if not acquired:
            raise busy


class UseWrites:
    """Which keys' last use this process may write now: each at most once per ``every``."""

    def __init__(self, every_seconds: float = 60.0) -> None:
        self._every = every_seconds
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def claim(self, key_id: str) -> bool:
        """True (and the next minute's claims False) when ``key_id``'s use may be written."""
        now = time.monotonic()
        if now - self._last.get(key_id, -math.inf) < self._every:  # the usual case, lock-free
            return False
        with self._lock:
            if now - self._last.get(key_id, -math.inf) < self._every:
                return False
            self._last[key_id] = now
            return True
