"""Schemathesis against the served API: every check and every phase (examples, coverage,
fuzzing, stateful), with a key of every scope, over a private copy of the scored store (the run
erases customers and records events). Then regression tests of what it found.

The run is bounded (``MAX_EXAMPLES`` per operation, one worker, a fixed seed) and fails on any
failure schemathesis reports. Reproduce it by hand against ``advocates serve``::

    ST_KEY=... .venv/bin/st --config-file schemathesis.toml run http://127.0.0.1:8000/openapi.json \\
        --checks all --phases examples,coverage,fuzzing,stateful --max-examples 10 --seed 20261101
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from advocates.access.keys import create_key, parse_scopes
from advocates.campaigns.incentives import MAX_CATALOGUE_INCENTIVES
from advocates.settings import Settings
from advocates.store import open_store
from api.app import create_app
from api.schemas import CampaignCreate
from tests.api.conftest import serve
from tests.api.helpers import ClientWith, assert_error

MAX_EXAMPLES = 10
SEED = 20261101

#: The only relaxation: rules OpenAPI cannot state, each answered with a documented 400 —
#: exactly one of the `objective` and `weights` query parameters (listAdvocates,
#: exportShortlist), at most 1,000 periods between `from` and `to` (getKpis), unique incentive
#: ids and one currency across a catalogue (createCampaign). Every other check keeps its
#: defaults.
CONFIG = """
[headers]
Authorization = "Bearer ${ADVOCATES_SCHEMATHESIS_KEY}"

[[operations]]
include-operation-id = ["listAdvocates", "exportShortlist", "getKpis", "createCampaign"]
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "400", "401", "403", "404", "409", "429", "5xx",
]
"""


@pytest.fixture(scope="module")
def fuzzed_settings(private_settings: Settings) -> Settings:
    # No 429s: the rate limit has its own tests (test_limits.py); here it would only hide answers.
    return private_settings.model_copy(
        update={"rate_limit_per_minute": 1_000_000, "export_max_rows": 500}
    )


@pytest.fixture(scope="module")
def fuzzed_url(fuzzed_settings: Settings) -> Iterator[str]:
    yield from serve(fuzzed_settings)


def test_schemathesis_finds_no_failure(
    fuzzed_url: str, fuzzed_settings: Settings, tmp_path: Path
) -> None:
    key = create_key(
        open_store(fuzzed_settings.store_url),
        name="schemathesis",
        scopes=parse_scopes("read,export,write,pii,admin"),
    )
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--no-color"),
        *("--config-file", str(config), "run", f"{fuzzed_url}/openapi.json"),
        *("--checks", "all", "--phases", "examples,coverage,fuzzing,stateful"),
        *("--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1"),
        *("--report", "junit", "--report-dir", str(tmp_path / "report")),
    ]
    ran = subprocess.run(
        command,
        env={**os.environ, "ADVOCATES_SCHEMATHESIS_KEY": key.secret},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout[-20_000:] + ran.stderr[-5_000:]
    # The stateful phase ran, and followed the links from a created campaign.
    assert "Stateful" in ran.stdout, ran.stdout


# Regression tests of what schemathesis found (the shared, read-only server of conftest.py).


def openapi(settings: Settings) -> dict[str, Any]:
    return create_app(settings).openapi()


@pytest.mark.parametrize("name", ["from", "to"])
def test_an_empty_kpi_date_is_a_400_not_a_500(client: httpx.Client, name: str) -> None:
    message = assert_error(client.get("/v1/kpis", params={name: ""}), 400, "configuration_error")
    assert "ISO 8601" in message


def campaign(**changes: Any) -> dict[str, Any]:
    item = {
        "incentive_id": "DUO10",
        "advocate_reward": 10,
        "friend_reward": 10,
        "currency": "EUR",
        "kind": "two-sided",
        "disclosure_en": "I get 10",
        "disclosure_fr": "Je reçois 10",
        "disclosure_ro": "Primesc 10",
    }
    return {"objective": "awareness", "budget": 100, "catalogue": [item], **changes}


@pytest.mark.parametrize(
    "changes",
    [{"seed": False}, {"advocates": True}, {"budget": True}, {"holdout": False}],
    ids=["seed-false", "advocates-true", "budget-true", "holdout-false"],
)
def test_a_campaign_number_is_never_true_or_false(
    client: httpx.Client, changes: dict[str, Any]
) -> None:
    # Schemathesis: {"seed": false} was accepted as seed 0.
    response = client.post("/v1/campaigns", json=campaign(**changes))
    message = assert_error(response, 422, "invalid_request")
    assert f"body.{next(iter(changes))}" in message


def test_a_catalogue_reward_is_never_true_or_false(client: httpx.Client) -> None:
    body = campaign()
    body["catalogue"][0]["advocate_reward"] = True
    message = assert_error(client.post("/v1/campaigns", json=body), 422, "invalid_request")
    assert "body.catalogue.0.advocate_reward" in message


def test_a_catalogue_over_the_planners_bound_is_a_400(client: httpx.Client) -> None:
    body = campaign()
    body["catalogue"] = [
        {**body["catalogue"][0], "incentive_id": f"I{i}"}
        for i in range(MAX_CATALOGUE_INCENTIVES + 1)
    ]
    # The document states this bound as maxItems (it said 1000: a schema-valid request rejected).
    assert_error(client.post("/v1/campaigns", json=body), 400, "input_error")


def test_the_document_states_the_catalogue_rules(settings: Settings) -> None:
    schemas = openapi(settings)["components"]["schemas"]
    item = schemas["CatalogueItem"]
    # The kind rule is stated in words (a oneOf made generators drop the rewards' bounds).
    assert "two-sided` both" in item["description"]
    reward = item["properties"]["advocate_reward"]
    assert (reward["minimum"], reward["maximum"]) == (0, 1_000_000)
    assert "EUR" in item["properties"]["currency"]["enum"]
    assert item["properties"]["incentive_id"]["not"] == {"enum": ["none", "holdout"]}
    catalogue = schemas["CampaignCreate"]["properties"]["catalogue"]
    assert catalogue["maxItems"] == MAX_CATALOGUE_INCENTIVES
    # Bounds the body enforces are stated as JSON Schema keywords (not pydantic's "ge"/"le").
    advocates = schemas["CampaignCreate"]["properties"]["advocates"]["anyOf"][0]
    assert (advocates["minimum"], advocates["maximum"]) == (1, 10_000)


def test_the_document_states_the_export_cap_and_the_weights(settings: Settings) -> None:
    paths = openapi(settings)["paths"]
    export = {p["name"]: p for p in paths["/v1/exports/shortlist.csv"]["get"]["parameters"]}
    assert export["limit"]["schema"]["maximum"] == settings.export_max_rows
    listing = {p["name"]: p for p in paths["/v1/advocates"]["get"]["parameters"]}
    assert "pattern" in listing["weights"]["schema"]
    assert "exactly one" in listing["objective"]["description"]


def test_a_created_campaign_links_to_its_reads(settings: Settings) -> None:
    created = openapi(settings)["paths"]["/v1/campaigns"]["post"]["responses"]["201"]
    targets = {link["operationId"] for link in created["links"].values()}
    assert targets == {"getCampaign", "listCampaignAssignments", "exportCampaignAssignments"}


def test_every_error_a_v1_route_can_answer_is_documented(settings: Settings) -> None:
    document = openapi(settings)
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"401", "403", "422", "429"} <= declared, (method, path)
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorPublic"}, (method, path)
    events = document["paths"]["/v1/events"]["post"]["responses"]
    assert "400" in events  # a body that is not JSON


def test_a_body_that_is_not_json_is_a_documented_400(client_with: ClientWith) -> None:
    writer = client_with("write")
    response = writer.post(
        "/v1/events", content=b"L\xff", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


def test_a_whole_number_written_with_a_fraction_is_an_integer() -> None:
    # JSON Schema's integer: 22100.0 is one (a stricter parse rejected it); true is not.
    assert CampaignCreate.model_validate(campaign(seed=22100.0, advocates=5.0)).seed == 22100
