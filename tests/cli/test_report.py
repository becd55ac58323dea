"""``advocates report``: the run report written to a file, and the errors a user can make."""

from __future__ import annotations

from tests.cli.helpers import CliScored, advocates


def test_report_writes_the_latest_runs_page(cli_scored: CliScored) -> None:
    folder = cli_scored.folder
    ran = advocates("report", "--out", folder / "report.html", cwd=folder)
    assert ran.exit_code == 0, ran.stderr
    assert "wrote the run report to" in ran.stderr
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.count('<svg role="img"') == 5


def test_report_of_an_unknown_run_is_one_line_and_writes_nothing(cli_scored: CliScored) -> None:
    folder = cli_scored.folder
    ran = advocates("report", "no-such-run", "--out", folder / "none.html", cwd=folder)
    assert ran.exit_code == 1
    assert "error: no published run 'no-such-run'" in ran.stderr and "Traceback" not in ran.stderr
    assert not (folder / "none.html").exists()
