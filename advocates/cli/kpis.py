"""``advocates kpis``: the program's KPIs over time, and one campaign's result."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from advocates.cli.common import (
    OutOption,
    StoreOption,
    app,
    err,
    load_settings,
    out,
    timestamp,
    write_list,
)


@app.command()
def kpis(
    campaign_id: Annotated[
        str | None, typer.Option("--campaign-id", help="One campaign (plan id) only.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, ISO 8601.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last instant, ISO 8601.")] = None,
    granularity: Annotated[str, typer.Option(help="day, week or month.")] = "week",
    out_file: OutOption = None,
    store: StoreOption = None,
) -> None:
    """Per period: advocates asked, shares, invites, clicks, conversions, revenue, rewards,
    incentive cost and ROI (a table, or CSV with --out); with --campaign-id also that
    campaign's incrementality against its holdout, as JSON on the last line."""
    from advocates.campaigns.kpis import program_kpis
    from advocates.store import open_store

    frame, campaign = program_kpis(
        open_store(store or load_settings().store_url),
        start=None if start is None else timestamp(start, option="--from"),
        end=None if end is None else timestamp(end, option="--to"),
        granularity=granularity,
        campaign_id=campaign_id,
    )
    if out_file is not None:
        write_list(frame, out_file, campaign_id or "all campaigns", "periods of KPIs")
    else:
        table = Table(title=f"KPIs per {granularity}" + (f", {campaign_id}" if campaign_id else ""))
        for column in frame.columns:
            table.add_column(
                column.replace("_", " "), justify="left" if column == "period" else "right"
            )
        for row in frame.astype(object).where(frame.notna(), "").itertuples(index=False):
            table.add_row(*(f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row))
        out.print(table)
    if campaign is not None:
        err.print(f"campaign {campaign_id}: incrementality {campaign['incrementality']}")
        print(json.dumps(campaign))
