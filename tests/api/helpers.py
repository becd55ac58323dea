"""What every API test checks of an error: its status and the one error shape."""

from __future__ import annotations

from collections.abc import Callable

import httpx

#: Makes a client whose requests carry a new key of the given scopes (``""``: no key).
ClientWith = Callable[[str], httpx.Client]


def assert_error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    return str(body["error"]["message"])
