"""Several API processes over one PostgreSQL store, answering while a run is published: no
error, and every answer wholly from one run (``advocates serve --workers 2``, a real server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from advocates.access.keys import create_key, parse_scopes
from advocates.store import Store, open_store
from advocates.store.common import scores_table
from tests.conftest import score_demo

#: Answers asked for at once, each by a client of its own.
CLIENTS = 4
#: Of each run, how many answers are seen before the test moves on.
ANSWERS_PER_RUN = 40


@pytest.fixture
def two_workers(postgres_url: str) -> Iterator[tuple[str, str, int]]:
    """``advocates serve --workers 2`` over the (empty) store of ``postgres_url``; its base URL,
    the secret of a read key and the server's process id. The server is stopped, workers and
    all, at the end."""
    key = create_key(open_store(postgres_url), name="workers", scopes=parse_scopes("read"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = "from advocates.cli import main; main()"
    server = subprocess.Popen(
        [sys.executable, "-c", command, "serve", "--workers", "2", "--port", str(port),
         "--store", postgres_url],
        env={**os.environ, "ADVOCATES_WARM_EVERY_SECONDS": "0"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        yield base, key.secret, server.pid
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def _workers(server_pid: int) -> list[int]:
    """The worker processes of a uvicorn server: its children started by multiprocessing's
    ``spawn`` (not its resource tracker)."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def test_two_processes_answer_while_a_run_is_published_with_no_error_and_no_mixed_answer(
    two_workers: tuple[str, str, int], postgres_url: str, demo_dir: Path, tmp_path: Path
) -> None:
    base, secret, server = two_workers
    store = open_store(postgres_url)
    first = score_demo(store, demo_dir, tmp_path).run_id
    pages = {first: _page(store, first)}
    _wait_ready(base)
    assert len(_workers(server)) == 2

    answers: list[tuple[int, str | None, list[str]]] = []
    stop = threading.Event()

    def ask() -> None:
        with httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {secret}"}
        ) as client:
            while not stop.is_set():
                got = client.get("/v1/advocates", params={"objective": "awareness", "limit": 25})
                body = got.json() if got.status_code == 200 else {}
                ids = [row["customer_id"] for row in body.get("data", [])]
                answers.append((got.status_code, body.get("run_id"), ids))

    askers = [threading.Thread(target=ask) for _ in range(CLIENTS)]
    for asker in askers:
        asker.start()
    try:
        _wait_for(lambda: sum(a[1] == first for a in answers) >= ANSWERS_PER_RUN)
        second = _publish_reversed(store, first)  # while the clients keep asking
        pages[second] = _page(store, second)
        _wait_for(lambda: sum(a[1] == second for a in answers) >= ANSWERS_PER_RUN)
    finally:
        stop.set()
        for asker in askers:
            asker.join(timeout=30)

    assert {status for status, _, _ in answers} == {200}
    assert {run for _, run, _ in answers} == {first, second}
    mixed = [(run, ids) for _, run, ids in answers if ids != pages[str(run)]]
    assert not mixed, mixed[:2]
    assert pages[first] != pages[second]


def _page(store: Store, run_id: str) -> list[str]:
    page, _ = store.ranked(run_id, objective="awareness", limit=25, offset=0)
    return page["customer_id"].tolist()


def _publish_reversed(store: Store, run_id: str) -> str:
    """A second run of the first's rows, its awareness ranking reversed: every answer tells by
    its rows alone which run it came from."""
    rows = store._query(f"SELECT * FROM {scores_table(run_id)}")  # type: ignore[attr-defined]
    ranked = rows["rank_awareness"].notna()
    rows.loc[ranked, "rank_awareness"] = ranked.sum() + 1 - rows.loc[ranked, "rank_awareness"]
    second = store.begin_run(as_of=pd.Timestamp(store.latest_run().as_of))
    tables = {name: store.run_table(run_id, name) for name in ("audience", "served")}
    store.publish(second, scores=rows, report=store.latest_run().report, tables=tables)
    return second


def _wait_ready(base: str) -> None:
    def ready() -> bool:
        try:
            return httpx.get(f"{base}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    _wait_for(ready)


def _wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
