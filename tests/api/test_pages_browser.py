"""A marketer in a real browser (headless Chromium) against the real server: sign in with a
key, land on the page asked for, read the run report, then find the top French-speaking
advocates for conversion and download them; screenshots under test-artefacts/."""

from __future__ import annotations

from typing import Any

from advocates.access.keys import create_key, parse_scopes
from advocates.pipeline import RunOutcome
from advocates.settings import Settings
from advocates.store import SqliteStore, open_store
from tests.helpers import ARTEFACTS


def test_sign_in_read_the_run_report_and_filter_the_shortlist(
    browser: Any, base_url: str, settings: Settings, scored: tuple[SqliteStore, RunOutcome]
) -> None:
    key = create_key(
        open_store(settings.store_url), name="browser", scopes=parse_scopes("read,export")
    )
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    ARTEFACTS.mkdir(exist_ok=True)

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
