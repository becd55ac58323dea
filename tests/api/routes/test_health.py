"""``/health`` and the documentation the app serves."""

from __future__ import annotations

import httpx

from advocates.pipeline import RunOutcome
from advocates.store import SqliteStore


def test_health_and_openapi(client: httpx.Client, scored: tuple[SqliteStore, RunOutcome]) -> None:
    health = client.get("/health").json()
    assert health["run_id"] == scored[1].run_id and health["age_seconds"] >= 0
    assert "/v1/advocates" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200
