"""Abuse limits: a rate per key (429), a body cap (413) and a bounded pool for heavy work (503),
while the health check and ordinary listings keep answering."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from advocates.errors import ServerBusyError
from advocates.settings import Settings
from api.app import create_app
from api.limits import HeavyWork
from tests.api.conftest import keyed_client, serve, serve_app
from tests.api.helpers import assert_error
from tests.api.routes.test_campaigns import campaign_body


@pytest.fixture(scope="module")
def strict(settings: Settings) -> Iterator[str]:
    """A server with a rate limit of 5 a minute and a 2 KiB body cap."""
    yield from serve(
        settings.model_copy(update={"rate_limit_per_minute": 5, "max_body_bytes": 2048})
    )


def test_each_key_has_its_own_rate_limit_answered_with_429_and_retry_after(
    strict: str, settings: Settings
) -> None:
    with (
        keyed_client(strict, settings.store_url, "read") as first,
        keyed_client(strict, settings.store_url, "read") as second,
    ):
        assert [first.get("/v1/detractors").status_code for _ in range(5)] == [200] * 5
        limited = first.get("/v1/detractors")
        assert "rate limit of 5 requests per minute" in assert_error(limited, 429, "rate_limited")
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert second.get("/v1/detractors").status_code == 200  # another key is not held back
        assert first.get("/health").status_code == 200  # the health check is not limited


def test_a_body_over_the_cap_is_413_whether_or_not_its_length_is_declared(
    strict: str, settings: Settings
) -> None:
    big = campaign_body()
    big["catalogue"][0]["disclosure_en"] = "x" * 1900  # valid alone, too large in all
    with keyed_client(strict, settings.store_url, "write") as client:
        declared = client.post("/v1/campaigns", json=big)
        assert "larger than 2,048 bytes" in assert_error(declared, 413, "payload_too_large")
        body = httpx.Request("POST", "/", json=big).content

        def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
            yield from (body[i : i + 500] for i in range(0, len(body), 500))

        streamed = client.post(
            "/v1/campaigns", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert_error(streamed, 413, "payload_too_large")


def test_heavy_requests_beyond_the_pool_get_503_while_light_ones_answer(
    settings: Settings,
) -> None:
    app = create_app(settings.model_copy(update={"heavy_workers": 1, "heavy_queue": 0}))
    for base_url in serve_app(app):
        with keyed_client(base_url, settings.store_url, "read,write,export") as client:
            with app.state.heavy_work.slot():  # the one slot is taken
                plan = client.post("/v1/campaigns", json=campaign_body(advocates=5))
                assert_error(plan, 503, "server_busy")
                assert int(plan.headers["Retry-After"]) >= 1
                custom = client.get("/v1/advocates", params={"weights": "awareness=1"})
                assert_error(custom, 503, "server_busy")
                export = client.get("/v1/exports/shortlist.csv", params={"objective": "awareness"})
                assert_error(export, 503, "server_busy")
                assert client.get("/health").status_code == 200
                listing = client.get("/v1/advocates", params={"objective": "awareness"})
                assert listing.status_code == 200
            assert client.post("/v1/campaigns", json=campaign_body(advocates=5)).status_code == 201


def test_the_heavy_pool_queues_within_its_wait_and_refuses_past_it() -> None:
    pool = HeavyWork(workers=1, queue=1, wait_seconds=0.3)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with pool.slot():
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    with pytest.raises(ServerBusyError), pool.slot():  # waited its 0.3 s in the queue
        pass
    assert time.monotonic() - started >= 0.25
    timer = threading.Timer(0.1, release.set)
    timer.start()
    with pool.slot():  # the holder lets go within the wait: this one runs
        pass
    holder.join()
    no_queue = HeavyWork(workers=1, queue=0, wait_seconds=5)
    with no_queue.slot():
        started = time.monotonic()
        with pytest.raises(ServerBusyError), no_queue.slot():
            pass
        assert time.monotonic() - started < 0.1  # refused at once, not after the wait
