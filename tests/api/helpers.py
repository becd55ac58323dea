"""What every API test checks of an error: its status and the one error shape."""

from __future__ import annotations

import httpx


def assert_error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    return str(body["error"]["message"])
