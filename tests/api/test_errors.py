"""Every error has one shape: ``{"error": {"code", "message"}}`` with a fitting status."""

from __future__ import annotations

import json

import httpx
import pytest

from advocates.settings import Settings
from api.app import create_app
from tests.api.conftest import serve_app
from tests.api.helpers import assert_error
from tests.api.routes.test_campaigns import campaign_body


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


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/advocates", {"objective": "awareness", "offset": 2**63}, "query.offset"),
        ("/v1/advocates", {"objective": "awareness", "offset": 10**9 + 1}, "query.offset"),
        ("/v1/detractors", {"offset": 2**64}, "query.offset"),
        ("/v1/advocates", {"objective": "awareness", "limit": 10**6}, "query.limit"),
    ],
)
def test_huge_pages_are_refused_naming_the_field(
    client: httpx.Client, path: str, params: dict, field: str
) -> None:
    assert field in assert_error(client.get(path, params=params), 422, "invalid_request")


def post_raw_json(client: httpx.Client, path: str, body: dict) -> httpx.Response:
    """POST ``body`` as Python writes JSON, with the NaN and Infinity an attacker may send."""
    return client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget": float("inf")}, "body.budget"),
        ({"budget": float("nan")}, "body.budget"),
        ({"budget": 1e308}, "body.budget"),
        ({"seed": -1}, "body.seed"),
        ({"seed": 2**64}, "body.seed"),
        ({"holdout": float("nan")}, "body.holdout"),
    ],
)
def test_absurd_campaign_numbers_are_422_naming_the_field(
    client: httpx.Client, change: dict, field: str
) -> None:
    response = post_raw_json(client, "/v1/campaigns", campaign_body(**change))
    assert field in assert_error(response, 422, "invalid_request")


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"advocate_reward": float("inf")}, "body.catalogue.0.advocate_reward"),
        ({"cap": float("nan")}, "body.catalogue.0.cap"),
        ({"friend_reward": 1e12}, "body.catalogue.0.friend_reward"),
        ({"disclosure_en": "x" * 2001}, "body.catalogue.0.disclosure_en"),
        ({"surprise": 1}, "body.catalogue.0.surprise"),
    ],
)
def test_a_catalogue_item_outside_the_schema_is_422_naming_item_and_field(
    client: httpx.Client, item: dict, field: str
) -> None:
    body = campaign_body()
    body["catalogue"][0] = {**body["catalogue"][0], **item}
    response = post_raw_json(client, "/v1/campaigns", body)
    assert field in assert_error(response, 422, "invalid_request")


def test_weights_that_would_overflow_are_refused(client: httpx.Client) -> None:
    params = {"weights": "awareness=1e308,conversion=1e308"}
    message = assert_error(client.get("/v1/advocates", params=params), 400, "configuration_error")
    assert "from 0 to 1,000,000" in message


def test_a_wrong_method_is_405_with_allow(client: httpx.Client) -> None:
    response = client.post("/v1/advocates", json={})
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET"


def test_responses_are_not_sniffed_and_personal_data_is_not_cached(client: httpx.Client) -> None:
    listing = client.get("/v1/advocates", params={"objective": "awareness", "limit": 1})
    export = client.get("/v1/exports/shortlist.csv", params={"objective": "awareness"})
    for response in (listing, export, client.get("/v1/advocates/C_NOBODY")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    health = client.get("/health")
    assert health.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unexpected_failure_is_a_500_in_the_error_shape_without_details(
    settings: Settings,
) -> None:
    app = create_app(settings.model_copy(update={"auth": "off"}))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail: /etc/passwd SELECT * FROM scores")

    for base_url in serve_app(app):
        with httpx.Client(base_url=base_url) as client:
            response = client.get("/boom")
    message = assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "Traceback" not in response.text
    assert message == "internal error: the request failed"
