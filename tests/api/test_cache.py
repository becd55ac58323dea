"""Kept answers: a listing is computed once per store version and then served before routing,
to callers with its scope only, and never outlives a change to what it shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from advocates.access.keys import Scope, revoke_key
from advocates.settings import Settings
from advocates.store import open_store
from api.cache import Kept, Pages
from api.routes import advocates as advocates_routes
from tests.api.helpers import ClientWith, assert_error

LISTING = {"objective": "awareness", "limit": 5}


def _kept(size: int) -> Kept:
    return Kept(scope=Scope.READ, body=b"x" * size)


def test_pages_keep_one_version_and_at_most_their_size() -> None:
    pages = Pages(max_bytes=100)
    pages.put(1, ("/a", b""), _kept(40))
    pages.put(1, ("/b", b""), _kept(40))
    assert pages.get(1, ("/a", b"")) == _kept(40)  # /a is now the most recently used
    pages.put(1, ("/c", b""), _kept(40))  # over 100 bytes: the least recently used (/b) goes
    assert pages.get(1, ("/b", b"")) is None and pages.get(1, ("/a", b"")) is not None
    assert pages.get(2, ("/a", b"")) is None  # another version: nothing
    pages.put(2, ("/d", b""), _kept(10))  # a newer version drops the older one's pages
    assert pages.get(2, ("/a", b"")) is None and pages.get(1, ("/a", b"")) is None
    pages.put(1, ("/a", b""), _kept(10))  # computed under an older version: not kept
    assert pages.get(1, ("/a", b"")) is None and pages.get(2, ("/d", b"")) is not None
    pages.put(2, ("/huge", b""), _kept(101))  # larger than the whole cache: not kept
    assert pages.get(2, ("/huge", b"")) is None and pages.get(2, ("/d", b"")) is not None


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Each listing the route computes (the served app runs in this process)."""
    calls: list[tuple[Any, ...]] = []
    compute: Callable[..., bytes] = advocates_routes._listing

    def counting(*args: Any) -> bytes:
        calls.append(args[2:])
        return compute(*args)

    monkeypatch.setattr(advocates_routes, "_listing", counting)
    return calls


def test_a_listing_is_computed_once_per_version_and_then_served_as_it_was(
    private_with: ClientWith, computed: list[tuple[Any, ...]]
) -> None:
    reader, writer = private_with("read"), private_with("write")
    first = reader.get("/v1/advocates", params=LISTING)
    second = reader.get("/v1/advocates", params=LISTING)
    assert first.status_code == second.status_code == 200 and len(computed) == 1
    assert second.content == first.content
    assert second.headers["content-type"] == "application/json"
    assert second.headers["x-content-type-options"] == "nosniff"
    assert second.headers["cache-control"] == "no-store"
    assert private_with("read").get("/v1/advocates", params=LISTING).status_code == 200
    assert len(computed) == 2  # a new key moved the version on: computed again, then kept

    other_page = reader.get("/v1/advocates", params={**LISTING, "offset": 5})
    assert other_page.status_code == 200 and len(computed) == 3

    top = first.json()["data"][0]["customer_id"]
    withdrawn = {
        "event_id": "cache-withdrawn",
        "type": "do_not_contact",
        "customer_id": top,
        "occurred_at": "2026-11-02T10:00:00Z",
    }
    assert writer.post("/v1/events", json={"events": [withdrawn]}).json()["accepted"] == 1
    after = reader.get("/v1/advocates", params=LISTING).json()
    assert top not in {a["customer_id"] for a in after["data"]} and len(computed) == 4


def test_a_kept_answer_still_needs_a_valid_key_with_its_scope(
    private_with: ClientWith, private_settings: Settings, computed: list[tuple[Any, ...]]
) -> None:
    reader, exporter = private_with("read"), private_with("export")
    assert reader.get("/v1/advocates", params=LISTING).status_code == 200
    assert reader.get("/v1/advocates", params=LISTING).status_code == 200
    assert len(computed) == 1
    assert_error(exporter.get("/v1/advocates", params=LISTING), 403, "forbidden")
    assert_error(private_with("").get("/v1/advocates", params=LISTING), 401, "unauthorized")

    key_id = reader.headers["Authorization"].split("_")[1]
    revoke_key(open_store(private_settings.store_url), key_id)
    assert_error(reader.get("/v1/advocates", params=LISTING), 401, "unauthorized")
