"""The API over a real HTTP server (uvicorn on a loopback port) and a real client (httpx), on
each store: every test here runs over the session's scored SQLite store, then over the same run
in PostgreSQL (``scored``).

Requests carry real API keys made in the served store: ``client`` has the scopes a campaign
tool usually gets (read, export, write; not pii); ``client_with`` makes a client of any scopes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from advocates.access.keys import create_key, parse_scopes
from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import SqliteStore, Store, open_store
from api.app import create_app
from tests.api.helpers import ClientWith
from tests.cli.helpers import copy_store
from tests.conftest import score_demo
from tests.postgres import new_database


def serve(settings: Settings) -> Iterator[str]:
    """Run the app of ``settings`` under uvicorn on a free loopback port; yield its base URL."""
    yield from serve_app(create_app(settings))


def serve_app(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port; yield its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def keyed_client(base_url: str, store_url: str, scopes: str) -> httpx.Client:
    """A client whose requests carry a new key of ``scopes`` (``""``: no key at all)."""
    headers = {}
    if scopes:
        key = create_key(open_store(store_url), name=f"test {scopes}", scopes=parse_scopes(scopes))
        headers["Authorization"] = f"Bearer {key.secret}"
    return httpx.Client(base_url=base_url, timeout=30, headers=headers)


@pytest.fixture(scope="package", params=["sqlite", "postgres"])
def scored(
    request: pytest.FixtureRequest, scored: tuple[Store, RunOutcome]
) -> tuple[Store, RunOutcome]:
    """The session's scored store: SQLite's, then PostgreSQL's (the same demo run)."""
    if request.param == "sqlite":
        return scored
    return request.getfixturevalue("scored_postgres")  # type: ignore[no-any-return]


@pytest.fixture(scope="package")
def settings(scored: tuple[Store, RunOutcome]) -> Settings:
    store, _ = scored
    return Settings(store_url=store.url, export_max_rows=500)


@pytest.fixture(scope="package")
def base_url(settings: Settings) -> Iterator[str]:
    """One server over the session's scored store, for every test under api/."""
    yield from serve(settings)


@pytest.fixture(scope="package")
def client_with(base_url: str, settings: Settings) -> Iterator[ClientWith]:
    clients: list[httpx.Client] = []

    def make(scopes: str) -> httpx.Client:
        clients.append(keyed_client(base_url, settings.store_url, scopes))
        return clients[-1]

    yield make
    for made in clients:
        made.close()


@pytest.fixture(scope="package")
def client(client_with: ClientWith) -> httpx.Client:
    """A campaign tool's client: scopes read, export and write."""
    return client_with("read,export,write")


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[httpx.Client]:
    """A client of a server over a store with no run at all."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    for base in serve(Settings(store_url=url)):
        with keyed_client(base, url, "read") as client:
            yield client


@pytest.fixture(scope="module")
def private_settings(
    request: pytest.FixtureRequest,
    scored: tuple[Store, RunOutcome],
    demo_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    """Settings over a private copy of the scored store, for a test module that changes who is
    listed (events, erasure): of a SQLite store, a copy of its file; of PostgreSQL, the same
    run scored again into a new database (a database in use cannot be copied)."""
    store, _ = scored
    folder = tmp_path_factory.mktemp("private")
    if isinstance(store, SqliteStore):
        return Settings(store_url=f"sqlite:///{copy_store(store.path, folder / 'store.db')}")
    url = new_database(request.getfixturevalue("postgres_server"))
    score_demo(open_store(url), demo_dir, folder)
    return Settings(store_url=url)


@pytest.fixture(scope="module")
def private_with(private_settings: Settings) -> Iterator[ClientWith]:
    """Clients of any scopes of a server over the private store copy."""
    clients: list[httpx.Client] = []
    for base_url in serve(private_settings):
        yield lambda scopes, url=base_url: _remember(
            clients, keyed_client(url, private_settings.store_url, scopes)
        )
    for made in clients:
        made.close()


def _remember(clients: list[httpx.Client], client: httpx.Client) -> httpx.Client:
    clients.append(client)
    return client
