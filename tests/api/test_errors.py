"""Every error has one shape: ``{"error": {"code", "message"}}`` with a fitting status."""

from __future__ import annotations

import httpx

from tests.api.helpers import assert_error


def test_errors_have_one_shape(client: httpx.Client) -> None:
    assert "objective" in assert_error(
        client.get("/v1/advocates", params={"objective": "fame"}), 422, "invalid_request"
    )
    assert_error(
        client.get("/v1/advocates", params={"objective": "awareness", "limit": 0}),
        422,
        "invalid_request",
    )
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    assert "export cap" in assert_error(
        client.get("/v1/exports/shortlist.csv", params={"objective": "awareness", "limit": 501}),
        400,
        "configuration_error",
    )


def test_no_published_run_is_a_clear_503(empty_client: httpx.Client) -> None:
    assert "no published run" in assert_error(empty_client.get("/health"), 503, "no_published_run")
    assert_error(
        empty_client.get("/v1/advocates", params={"objective": "awareness"}),
        503,
        "no_published_run",
    )
