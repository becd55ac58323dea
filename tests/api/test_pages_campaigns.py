"""The campaign pages over the real server: the planner previews a plan on the latest run and
saves it as ``POST /v1/campaigns`` does; a stored campaign shows its plan, its download and its
results against the holdout; a bad field or catalogue row is named on the form."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from pathlib import Path

import httpx
import pytest

from advocates.campaigns.incentives import example_catalogue
from advocates.campaigns.plan import CampaignRequest, plan_assignments, plan_on_latest
from advocates.data.events import record_events
from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import Store
from tests.api.test_pages import _cells, signed_in
from tests.helpers import ROOT

FORM = {
    "objective": "conversion",
    "budget": "500",
    "advocates": "100",
    "holdout": "10",
    "seed": "0",
    "catalogue": "example",
}
NO_FILE = {"catalogue_file": ("", b"", "application/octet-stream")}
EXAMPLE = (ROOT / "data" / "incentives.csv").read_bytes()


def _post(
    client: httpx.Client, files: dict[str, tuple[str, bytes, str]] | None = None, **fields: str
) -> httpx.Response:
    return client.post(
        "/campaigns/new", data={**FORM, **fields}, files=files or NO_FILE, follow_redirects=False
    )


def _error(html: str) -> str:
    found = re.search(r'id="error">([^<]*)<', html)
    assert found, "no error shown"
    return unescape(found.group(1))


def test_a_preview_is_the_librarys_plan_and_stores_nothing(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, _ = scored
    stored_before = len(store.plans())
    with signed_in(base_url, settings, "read") as (client, _):
        form = client.get("/campaigns/new")
        assert form.status_code == 200 and 'id="save"' not in form.text  # read only
        assert "needs a key with the <code>write</code> scope" in form.text
        answer = _post(client, action="preview")
        assert answer.status_code == 200
        _, plan = plan_on_latest(
            store,
            example_catalogue(),
            CampaignRequest(objective="conversion", budget=500, advocates=100, holdout=0.1),
        )
        shown = [row[0] for row in _cells(answer.text, "assignments")]
        assert shown == plan.assignments["customer_id"].head(50).tolist()
        cost = plan.totals["expected_cost"]
        assert f'<dd id="expected-cost">{cost:,.1f} EUR</dd>' in answer.text and cost <= 500
        spend = {row[0]: row for row in _cells(answer.text, "spend")}
        assert set(spend) == set(plan.assignments["arm"])
        assert len(re.findall(r'<svg role="img" aria-label="', answer.text)) == 2  # two charts
        refused = _post(client, action="save")
        assert refused.status_code == 403 and "lacks the &#39;write&#39; scope" in refused.text
    assert len(store.plans()) == stored_before


def test_a_saved_plan_has_a_page_a_download_and_results_against_its_holdout(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, _ = scored
    with signed_in(base_url, settings, "read,write,export") as (client, _):
        saved = _post(client, action="save")
        assert saved.status_code == 303
        campaign_id = saved.headers["location"].rsplit("/", 1)[1]
        plan = store.plan(campaign_id)
        assert plan.totals["budget"] == 500 and plan.request["advocates"] == 100
        rows, total = plan_assignments(store, campaign_id, limit=10**9, offset=0)
        treated = rows[rows["arm"] != "holdout"]["customer_id"].iloc[0]
        record_events(
            store,
            [
                {
                    "event_id": f"{campaign_id}-c1",
                    "type": "conversion",
                    "customer_id": treated,
                    "friend_customer_id": "friend-1",
                    "occurred_at": "2099-01-01T00:00:00Z",
                    "campaign_id": campaign_id,
                    "incentive_id": rows[rows["customer_id"] == treated]["arm"].iloc[0],
                    "amount": 80,
                    "currency": "EUR",
                }
            ],
        )
        page = client.get(f"/campaigns/{campaign_id}")
        assert page.status_code == 200 and campaign_id in page.text
        expected_actual = {row[0]: row[1:] for row in _cells(page.text, "expected-actual")}
        assert expected_actual["conversions"][1] == "1"
        groups = {row[0]: row[1:] for row in _cells(page.text, "results")}
        assert groups["treated"][0] == f"{(rows['arm'] != 'holdout').sum():,}"
        assert groups["treated"][1] != "0%" and groups["holdout"][1] == "0%"
        assert [r[0] for r in _cells(page.text, "assignments")] == rows["customer_id"][:50].tolist()
        assert campaign_id in client.get("/campaigns").text
        theirs = _cells(client.get(f"/advocates/{treated}").text, "planned")  # contact history
        assert [campaign_id, "conversion"] in [row[1:3] for row in theirs]

        download = client.get(f"/campaigns/{campaign_id}/assignments.csv")
        assert download.status_code == 200 and download.text.startswith("\ufeff")
        listed = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
        assert [r["customer_id"] for r in listed] == rows["customer_id"].tolist()
        assert len(listed) == total and all(
            r["disclosure"] for r in listed if r["arm"] != "holdout" and r["arm"] != "none"
        )
        log, _ = store.audit_log(limit=1000, offset=0)
        assert ((log["action"] == "export") & (log["target"].str.contains(campaign_id))).any()
        assert client.get("/campaigns/plan-nope").status_code == 404


def test_an_uploaded_catalogue_is_checked_and_carried_from_preview_to_save(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, _ = scored
    mine = EXAMPLE.replace(b"both10,", b"duo12,").replace(b"10,10,EUR", b"12,12,EUR")
    with signed_in(base_url, settings, "read,write") as (client, _):
        preview = _post(
            client, files={"catalogue_file": ("mine.csv", mine, "text/csv")}, catalogue="upload"
        )
        assert preview.status_code == 200 and "(now: mine.csv)" in preview.text
        carried = re.search(
            r'<textarea name="catalogue_csv"[^>]*>(.*?)</textarea>', preview.text, re.S
        )
        assert carried and "duo12" in unescape(carried.group(1))
        # Saving re-posts the form: the catalogue comes with it, no second upload.
        saved = _post(
            client,
            catalogue="upload",
            catalogue_csv=unescape(carried.group(1)),
            catalogue_name="mine.csv",
            action="save",
        )
        assert saved.status_code == 303
        plan = store.plan(saved.headers["location"].rsplit("/", 1)[1])
        assert [i["incentive_id"] for i in plan.request["catalogue"]] == [
            "duo12",
            "friend15",
            "adv5",
        ]

        broken = EXAMPLE.replace(b"adv5,5,0", b"adv5,five,0")
        bad = _post(
            client, files={"catalogue_file": ("bad.csv", broken, "text/csv")}, catalogue="upload"
        )
        assert bad.status_code == 400
        assert (
            _error(bad.text) == "bad.csv: row 4, column 'advocate_reward': 'five' is not a number"
        )
        assert 'value="500"' in bad.text  # the form keeps what was typed
        missing = _post(client, catalogue="upload")
        assert "choose a CSV file to upload" in _error(missing.text)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("budget", "-5", "budget: expected a number from 0 to 1,000,000,000, got '-5'"),
        ("budget", "lots", "budget: expected a number from 0"),
        ("budget", "1e99", "budget: expected a number from 0"),
        ("advocates", "0", "advocates: expected a whole number from 1 to 10,000"),
        ("advocates", "1.9", "advocates: expected a whole number from 1 to 10,000"),
        ("seed", "2.5", "seed: expected a whole number from 0"),
        ("holdout", "95", "holdout: expected a number from 0 to 90"),
        ("seed", "nan", "seed: expected a whole number from 0"),
        ("objective", "fame", "fame"),
    ],
)
def test_a_bad_field_is_named_on_the_form(
    base_url: str, settings: Settings, field: str, value: str, message: str
) -> None:
    with signed_in(base_url, settings, "read") as (client, _):
        answer = _post(client, **{field: value})
        assert answer.status_code == 400 and message in _error(answer.text)


def test_the_budget_alone_decides_how_many_and_strangers_and_huge_files_are_refused(
    base_url: str, settings: Settings, tmp_path: Path
) -> None:
    with signed_in(base_url, settings, "read") as (client, _):
        filled = _post(client, fill_budget="on", budget="50", advocates="")
        assert filled.status_code == 200
        cost = float(
            re.search(r'id="expected-cost">([\d.,]+) EUR', filled.text)[1].replace(",", "")
        )
        assert 0 < cost <= 50
        elsewhere = client.post(
            "/campaigns/new", data=FORM, files=NO_FILE, headers={"Origin": "https://evil.example"}
        )
        assert elsewhere.status_code == 403 and "another site" in elsewhere.text
        huge = _post(client, files={"catalogue_file": ("big.csv", b"x" * 2_000_000, "text/csv")})
        assert huge.status_code == 413 and "text/html" in huge.headers["content-type"]


def test_a_plan_is_saved_only_on_the_run_its_preview_showed(
    base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    store, outcome = scored
    with signed_in(base_url, settings, "read,write") as (client, _):
        preview = _post(client)
        assert f'name="run" value="{outcome.run_id}"' in preview.text  # carried to the save
        before = len(store.plans())
        stale = _post(client, action="save", run="20260101T000000Z-000000")
        assert stale.status_code == 409
        assert _error(stale.text) == (
            "the preview was planned on run 20260101T000000Z-000000, and run "
            f"{outcome.run_id} has been published since: preview again on it before saving"
        )
        assert 'name="run" value=""' in stale.text and len(store.plans()) == before


def test_a_form_with_too_many_fields_is_refused_with_a_page(
    base_url: str, settings: Settings
) -> None:
    with signed_in(base_url, settings, "read") as (client, _):
        crowded = _post(client, **{f"extra{i}": "x" for i in range(30)})
        assert crowded.status_code == 400 and "text/html" in crowded.headers["content-type"]
        assert "Too many fields" in crowded.text
