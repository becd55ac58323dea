"""``advocates campaign``: plan a campaign on the latest run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advocates.cli.common import OutOption, StoreOption, err, load_settings, sub_app, write_list

campaign_app = sub_app(
    "campaign", "Campaigns: overlap-aware advocates and two-sided incentives under a budget."
)


@campaign_app.command("plan")
def campaign_plan(
    objective: Annotated[str, typer.Option(help="awareness, engagement or conversion.")],
    budget: Annotated[float, typer.Option(help="Most the plan may expect to spend.", min=0)],
    catalogue: Annotated[Path, typer.Option(help="Incentive catalogue, CSV or JSON.")],
    advocates: Annotated[
        int | None,
        typer.Option(
            help="How many advocates to select (default: as many as the budget affords).", min=1
        ),
    ] = None,
    holdout: Annotated[
        float, typer.Option(help="Share of selected advocates kept untreated.", min=0, max=0.99)
    ] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed of the holdout draw.")] = 0,
    out_file: OutOption = None,
    store: StoreOption = None,
) -> None:
    """Plan a campaign on the latest run: who, which incentive, at what expected cost."""
    from advocates.campaigns.incentives import read_catalogue
    from advocates.campaigns.plan import CampaignRequest, plan_and_store, plan_assignments
    from advocates.store import open_store

    settings = load_settings()
    request = CampaignRequest(
        objective=objective,
        budget=budget,
        advocates=advocates,
        holdout=holdout,
        seed=seed,
        contact_cap=settings.contact_cap,
    )
    offers = read_catalogue(catalogue, max_incentives=settings.max_catalogue_incentives)
    source = open_store(store or settings.store_url)
    info = plan_and_store(source, offers, request)
    assignments, _ = plan_assignments(source, info.plan_id, limit=10**9, offset=0)
    write_list(assignments, out_file, info.run_id, "assignments")
    totals = info.totals
    err.print(
        f"campaign {info.plan_id} on run {info.run_id}: {totals['advocates']} advocates "
        f"({totals['holdout']} holdout, {totals['with_incentive']} with an incentive); expected "
        f"reach {totals['expected_reach']:,}; expected conversions {totals['expected_conversions']:,}; "
        f"expected incremental value {totals['expected_incremental_value']:,} {totals['currency']}; "
        f"expected cost {totals['expected_cost']:,} of {totals['budget']:,} "
        f"(left {totals['budget_left']:,}); excluded: {totals['excluded']}"
    )
