"""A marketer in a real browser (headless Chromium) against the real server: sign in with a
key, land on the page asked for, read the run report, then find the top French-speaking
advocates for conversion and download them; then look into one advocate, those left out, the
care queue, and plan, save and download a 500 EUR campaign. Screenshots under test-artefacts/,
one per page (the README shows them)."""

from __future__ import annotations

from typing import Any

from advocates.access.keys import create_key, parse_scopes
from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import Store, open_store
from tests.helpers import ARTEFACTS


def _watched(page: Any) -> list[str]:
    """The page's console errors, uncaught script errors and failed requests, as they come."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    ARTEFACTS.mkdir(exist_ok=True)
    return problems


def _shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_sign_in_read_the_run_report_and_filter_the_shortlist(
    browser: Any, base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    key = create_key(
        open_store(settings.store_url), name="browser", scopes=parse_scopes("read,export")
    )
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    problems = _watched(page)

    page.goto(f"{base_url}/runs/latest")
    assert page.url == f"{base_url}/sign-in?next=%2Fruns%2Flatest"
    page.get_by_label("API key").fill("adv_000000000000_wrong")
    page.keyboard.press("Enter")  # the form works from the keyboard
    assert page.get_by_role("alert").inner_text() == "That key is unknown, revoked or mistyped."
    page.screenshot(path=str(ARTEFACTS / "sign-in.png"))
    # The refused sign-in is answered 401, which Chromium logs; nothing else may be logged.
    assert [p for p in problems if "401" not in p] == []
    problems.clear()

    page.get_by_label("API key").fill(key.secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/runs/latest")
    assert page.locator("#run-id").inner_text() == scored[1].run_id
    assert page.locator("svg[role=img]").count() == 5
    assert page.evaluate("document.cookie") == ""  # the session cookie is out of scripts' reach
    cookies = {c["name"]: c for c in context.cookies()}
    assert (
        cookies["advocates_session"]["httpOnly"]
        and cookies["advocates_session"]["sameSite"] == "Strict"
    )
    page.screenshot(path=str(ARTEFACTS / "run-report-served.png"), full_page=True)

    # The shortlist: the top French-speaking advocates for conversion, and why.
    page.goto(f"{base_url}/")
    page.get_by_label("Objective").select_option("conversion")
    page.get_by_label("Language").fill("fr")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/?objective=conversion&language=fr*")
    rows = page.locator("#advocates tbody tr")
    assert 0 < rows.count() <= 50
    languages = {rows.nth(i).locator("td").nth(4).inner_text() for i in range(rows.count())}
    assert languages == {"fr"}
    assert rows.first.locator("td").nth(0).inner_text() == "1"
    assert rows.first.locator("td.why").inner_text() != ""  # each row says why
    reasons = page.locator("#excluded tbody tr")
    assert reasons.count() == len(scored[1].report["excluded"])
    with page.expect_download() as download:
        page.locator("#download").click()
    saved = ARTEFACTS / "shortlist-download.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == rows.count() + 1 and lines[0].startswith("rank,customer_id")
    page.screenshot(path=str(ARTEFACTS / "shortlist.png"), full_page=True)
    context.close()
    assert problems == []


def test_look_into_an_advocate_those_left_out_the_care_queue_and_plan_a_campaign(
    browser: Any, base_url: str, settings: Settings, scored: tuple[Store, RunOutcome]
) -> None:
    key = create_key(
        open_store(settings.store_url),
        name="marketer",
        scopes=parse_scopes("read,pii,export,write"),
    )
    report = scored[1].report
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = _watched(page)

    page.goto(f"{base_url}/?objective=conversion&language=fr")
    page.get_by_label("API key").fill(key.secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/?objective=conversion&language=fr")
    first = page.locator("#advocates tbody tr").first.locator("td a")
    customer = first.inner_text()

    # One advocate: ranks per objective, percentile bars, evidence, contacts; names with pii.
    first.click()
    page.wait_for_url(f"{base_url}/advocates/{customer}")
    assert page.locator("#customer-id").inner_text() == customer
    assert page.locator("#status").inner_text() == "eligible advocate"
    assert page.locator("#objectives tbody tr").count() == 3
    assert page.locator("#standing meter").count() >= 3
    assert page.locator("#name").inner_text() not in ("", "–")  # the key has the pii scope
    assert page.locator("#evidence").is_visible() and page.locator("#events").is_visible()
    _shoot(page, "advocate")

    # Those left out for a reason, counted as the shortlist counts them.
    page.goto(f"{base_url}/")
    reason, count = next(iter(report["excluded"].items()))
    page.locator("#excluded").get_by_role("link", name=reason, exact=True).click()
    page.wait_for_url("**/left-out?reason=*")
    assert page.locator("#total").inner_text() == f"{count:,}"
    assert 0 < page.locator("#left-out tbody tr").count() <= 50
    _shoot(page, "left-out")

    # The care queue, reached from the menu.
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Detractors").click()
    page.wait_for_url(f"{base_url}/detractors")
    queued = int(page.locator("#total").inner_text().replace(",", ""))
    assert queued > 0 and page.locator("#detractors tbody tr").count() == min(queued, 50)
    _shoot(page, "detractors")

    # A 500 EUR campaign of 100 advocates from the example catalogue, previewed from the
    # keyboard (Enter in a field sends the form's first button: Preview).
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Plan a campaign").click()
    page.get_by_label("Objective").select_option("conversion")
    page.get_by_label("Budget", exact=True).fill("500")
    page.get_by_label("Advocates", exact=True).fill("100")
    page.get_by_label("Budget", exact=True).press("Enter")
    page.wait_for_selector("#preview-heading")
    picked = int(page.locator("#total-advocates").inner_text().replace(",", ""))
    assert 0 < picked <= 100
    cost = float(page.locator("#expected-cost").inner_text().split()[0].replace(",", ""))
    assert 0 < cost <= 500
    assert page.locator(".charts svg").count() == 2  # the gain curve and the spend per incentive
    assert page.locator("#assignments tbody tr").count() > 0
    _shoot(page, "planner")

    page.locator("#save").click()
    page.wait_for_url("**/campaigns/plan-*")
    plan_id = page.locator("#campaign-id").inner_text()
    assert page.url == f"{base_url}/campaigns/{plan_id}"
    assert page.locator("#total-advocates").inner_text() == f"{picked:,}"
    with page.expect_download() as download:
        page.locator("#download").click()
    saved = ARTEFACTS / "campaign-download.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == picked + 1 and "disclosure" in lines[0]
    _shoot(page, "campaign")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Campaigns").click()
    assert page.get_by_role("link", name=plan_id).count() == 1

    # A broken catalogue is named to the row and column, as the command line names it.
    page.goto(f"{base_url}/campaigns/new")
    broken = ARTEFACTS / "broken-catalogue.csv"
    broken.write_text(
        "incentive_id,advocate_reward,friend_reward,currency,kind,cap,"
        "disclosure_en,disclosure_fr,disclosure_ro\n"
        "both10,ten,10,EUR,two-sided,5,I get 10 EUR.,Je reçois 10 EUR.,Primesc 10 EUR.\n",
        encoding="utf-8",
    )
    page.get_by_label("my own CSV").check()
    page.get_by_label("CSV file").set_input_files(str(broken))
    page.get_by_role("button", name="Preview").click()
    assert page.get_by_role("alert").inner_text() == (
        "broken-catalogue.csv: row 2, column 'advocate_reward': 'ten' is not a number"
    )
    context.close()
    # The refused upload is answered 400, which Chromium logs; nothing else may be logged.
    assert [p for p in problems if "400" not in p] == []
