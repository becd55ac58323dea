"""Keys and scopes: every ``/v1`` route names one scope; no key is a 401, a key without the
scope a 403, the right scope a success; the health check and the docs stay open."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.routing import APIRoute

from advocates.access.keys import Scope, create_key, revoke_key
from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import Store, open_store
from advocates.store.common import scores_table
from api.app import create_app
from api.routes import (
    advocates,
    audit,
    campaigns,
    customers,
    detractors,
    events,
    exports,
    kpis,
)
from tests.api.conftest import serve
from tests.api.helpers import ClientWith, assert_error
from tests.api.routes.test_campaigns import campaign_body

#: Each /v1 route with the scope it needs and a request that succeeds with that scope.
ROUTES = [
    ("GET", "/v1/advocates", Scope.READ, {"params": {"objective": "awareness", "limit": 2}}),
    ("GET", "/v1/advocates/{customer_id}", Scope.READ, {}),
    ("GET", "/v1/detractors", Scope.READ, {"params": {"limit": 2}}),
    ("GET", "/v1/exports/shortlist.csv", Scope.EXPORT, {"params": {"objective": "awareness"}}),
    ("POST", "/v1/campaigns", Scope.WRITE, {"json": campaign_body(advocates=5)}),
    ("GET", "/v1/campaigns/{campaign_id}", Scope.READ, {}),
    ("GET", "/v1/campaigns/{campaign_id}/assignments", Scope.READ, {}),
    ("GET", "/v1/campaigns/{campaign_id}/assignments.csv", Scope.EXPORT, {}),
    ("POST", "/v1/events", Scope.WRITE, {"json": {"events": [{"event_id": "x", "type": "click"}]}}),
    ("GET", "/v1/audit", Scope.ADMIN, {}),
    ("GET", "/v1/kpis", Scope.READ, {"params": {"granularity": "month"}}),
    ("GET", "/v1/advocates/{customer_id}/history", Scope.READ, {}),
    ("DELETE", "/v1/customers/{unlisted_customer_id}", Scope.ADMIN, {}),
]


def _declared_scopes(route: APIRoute) -> list[Scope]:
    return [
        d.dependency.scope  # type: ignore[union-attr]
        for d in route.dependencies
        if hasattr(d.dependency, "scope")
    ]


def test_every_v1_route_declares_exactly_one_scope_and_this_test_covers_it(
    settings: Settings,
) -> None:
    declared = {
        (method, "/v1" + route.path): _declared_scopes(route)
        for router in (
            advocates.router,
            audit.router,
            campaigns.router,
            customers.router,
            detractors.router,
            events.router,
            exports.router,
            kpis.router,
        )
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert all(len(scopes) == 1 for scopes in declared.values()), declared
    expected = {
        (method, path.replace("unlisted_customer_id", "customer_id")): scope
        for method, path, scope, _ in ROUTES
    }
    assert {k: v[0] for k, v in declared.items()} == expected
    # Every /v1 operation the app serves is one of these: a new router must come here too.
    spec = create_app(settings).openapi()
    served = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path.startswith("/v1/")
        for method in operations
    }
    assert served == set(expected)


@pytest.fixture(scope="module")
def ids(client: httpx.Client, scored: tuple[Store, RunOutcome]) -> dict[str, str]:
    """A real customer and a real campaign to put in the paths, and a customer who is in no
    listing (neither eligible nor a detractor), whose erasure changes no other test."""
    top = client.get("/v1/advocates", params={"objective": "awareness", "limit": 1}).json()
    created = client.post("/v1/campaigns", json=campaign_body(advocates=5))
    assert created.status_code == 201, created.text
    store, outcome = scored
    unlisted = store._query(  # type: ignore[attr-defined]
        f"SELECT customer_id FROM {scores_table(outcome.run_id)} "
        "WHERE CAST(eligible AS INTEGER) = 0 AND rank_detractor IS NULL LIMIT 1"
    )["customer_id"].iloc[0]
    return {
        "customer_id": top["data"][0]["customer_id"],
        "campaign_id": created.json()["campaign_id"],
        "unlisted_customer_id": unlisted,
    }


def _call(
    client: httpx.Client, method: str, path: str, ids: dict[str, str], kwargs: dict
) -> httpx.Response:
    return client.request(method, path.format(**ids), **kwargs)


@pytest.mark.parametrize(("method", "path", "scope", "kwargs"), ROUTES)
def test_no_key_401_wrong_scope_403_right_scope_succeeds(
    client_with: ClientWith,
    ids: dict[str, str],
    method: str,
    path: str,
    scope: Scope,
    kwargs: dict,
) -> None:
    missing = _call(client_with(""), method, path, ids, kwargs)
    assert "needs an API key" in assert_error(missing, 401, "unauthorized")
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    others = ",".join(s for s in Scope if s is not scope)
    refused = _call(client_with(others), method, path, ids, kwargs)
    assert f"lacks the '{scope.value}' scope" in assert_error(refused, 403, "forbidden")
    allowed = _call(client_with(scope.value), method, path, ids, kwargs)
    assert allowed.status_code in (200, 201, 204), allowed.text


@pytest.mark.parametrize(
    "authorization",
    ["Bearer adv_000000000000_nope", "Bearer not-a-key", "Basic dXNlcjpwYXNz", "Bearer"],
)
def test_unknown_malformed_or_non_bearer_keys_are_401(base_url: str, authorization: str) -> None:
    with httpx.Client(base_url=base_url, headers={"Authorization": authorization}) as client:
        response = client.get("/v1/advocates", params={"objective": "awareness"})
    assert_error(response, 401, "unauthorized")


def test_a_revoked_key_is_refused_at_once(base_url: str, settings: Settings) -> None:
    store = open_store(settings.store_url)
    made = create_key(store, name="to revoke", scopes=frozenset({Scope.READ}))
    headers = {"Authorization": f"Bearer {made.secret}"}
    with httpx.Client(base_url=base_url, headers=headers) as client:
        assert client.get("/v1/detractors").status_code == 200
        revoke_key(store, made.key.key_id)
        assert_error(client.get("/v1/detractors"), 401, "unauthorized")


def test_health_and_docs_stay_open_and_openapi_shows_the_bearer_scheme(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/docs").status_code == 200
        spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["apiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["apiKey"]["description"],
    }
    listing = spec["paths"]["/v1/advocates"]["get"]
    assert listing["operationId"] == "listAdvocates"
    assert listing["security"] == [{"apiKey": []}]
    assert {"401", "403"} <= set(listing["responses"])
    assert "security" not in spec["paths"]["/health"]["get"]


@pytest.fixture(scope="module")
def open_base_url(settings: Settings) -> Iterator[str]:
    yield from serve(settings.model_copy(update={"auth": "off"}))


def test_with_auth_off_no_key_is_needed_and_every_scope_is_allowed(open_base_url: str) -> None:
    with httpx.Client(base_url=open_base_url) as client:
        top = client.get("/v1/detractors", params={"limit": 1}).json()["data"][0]
    assert top["evidence_text"] and top["email"]  # pii allowed too


def test_the_whole_v1_tree_needs_a_key_and_a_key_s_use_is_recorded_after_the_answer(
    base_url: str, settings: Settings
) -> None:
    store = open_store(settings.store_url)
    made = create_key(store, name="last use", scopes=frozenset({Scope.READ}))
    with httpx.Client(base_url=base_url) as anonymous:
        assert_error(anonymous.get("/v1/no-such-route"), 401, "unauthorized")  # before routing
    headers = {"Authorization": f"Bearer {made.secret}"}
    with httpx.Client(base_url=base_url, headers=headers) as client:
        assert_error(client.get("/v1/no-such-route"), 404, "not_found")
        assert client.get("/v1/detractors", params={"limit": 1}).status_code == 200
    deadline = time.monotonic() + 10
    while store.api_key(made.key.key_id).last_used_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.api_key(made.key.key_id).last_used_at is not None
