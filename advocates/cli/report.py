"""``advocates report``: the run report as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advocates.cli.common import StoreOption, app, err, load_settings


@app.command()
def report(
    run_id: Annotated[
        str | None, typer.Argument(help="The run (default: the latest published run).")
    ] = None,
    out_file: Annotated[
        Path, typer.Option("--out", help="HTML file to write.", dir_okay=False)
    ] = Path("report.html"),
    store: StoreOption = None,
) -> None:
    """Write a run's report as one HTML page that opens without a network: who was eligible
    and who was excluded and why, score distributions, reach against peer influence, data
    quality, model quality beside baselines, stage timings and the trend over past runs."""
    from advocates.reporting import run_report
    from advocates.store import open_store

    page = run_report(open_store(store or load_settings().store_url), run_id)
    out_file.write_text(page, encoding="utf-8")
    err.print(f"wrote the run report to {out_file} ({len(page) / 1024:,.0f} KiB)")
