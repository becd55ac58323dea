"""The API over a real HTTP server (uvicorn on a loopback port) and a real client (httpx)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import SqliteStore
from api.app import create_app


def serve(settings: Settings) -> Iterator[httpx.Client]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="package")
def client(scored: tuple[SqliteStore, RunOutcome]) -> Iterator[httpx.Client]:
    """A client of one server over the session's scored store, for every test under api/."""
    store, _ = scored
    yield from serve(Settings(store_url=f"sqlite:///{store.path}", export_max_rows=500))


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[httpx.Client]:
    """A client of a server over a store with no run at all."""
    yield from serve(Settings(store_url=f"sqlite:///{tmp_path / 'empty.db'}"))
