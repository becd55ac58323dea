"""The run report opened from a file in a real browser, with the network cut off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advocates.pipeline import RunOutcome
from advocates.reporting import run_report
from advocates.store import SqliteStore
from tests.helpers import ARTEFACTS


def test_the_report_opens_offline_in_a_browser(
    browser: Any, scored: tuple[SqliteStore, RunOutcome], tmp_path: Path
) -> None:
    store, outcome = scored
    path = tmp_path / "report.html"
    path.write_text(run_report(store), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    fetched: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def cut_off(route: Any) -> None:  # the page itself, and nothing else
        if route.request.url == path.as_uri():
            route.continue_()
        else:
            fetched.append(route.request.url)
            route.abort()

    page.route("**/*", cut_off)
    page.goto(path.as_uri())
    assert page.title() == f"Run report {outcome.run_id}"
    assert page.locator("#eligible").inner_text() == f"{outcome.report['eligible']:,}"
    charts = page.locator("svg[role=img]")
    assert charts.count() == 5
    for i in range(5):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100  # drawn, visible
    reasons = page.locator("#exclusions tbody tr")
    assert reasons.count() == len(outcome.report["excluded"])
    assert page.get_by_role("heading", name="Model quality").is_visible()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "run-report.png"), full_page=True)
    page.close()
    assert fetched == [] and errors == []
