"""``advocates shortlist``, ``detractors`` and ``rewards``: the lists people read, as CSV."""

from __future__ import annotations

from typing import Annotated

import typer

from advocates.cli.common import OutOption, PiiOption, StoreOption, app, load_settings, write_list


@app.command()
def shortlist(
    objective: Annotated[
        str | None, typer.Option(help="awareness, engagement or conversion.")
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            help="Custom weights instead of one objective, e.g. awareness=1,conversion=2."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many advocates.", min=1)] = 100,
    unproven: Annotated[
        bool,
        typer.Option(
            "--unproven",
            help="List instead the customers held back only for want of positive evidence (no "
            "positive mention, review of 4 or 5 stars or converted referral), best first by the "
            "objective: people to ask for a review before asking them to advocate.",
        ),
    ] = False,
    out_file: OutOption = None,
    include_pii: PiiOption = False,
    store: StoreOption = None,
) -> None:
    """Write the ranked shortlist of the latest run as spreadsheet-safe CSV."""
    from advocates.ranking.objectives import parse_ranking
    from advocates.ranking.shortlist import (
        check_rankable,
        check_unproven,
        ranked_page,
        shortlist_frame,
        unproven_page,
    )
    from advocates.store import open_store

    ranking = parse_ranking(objective=objective, weights=weights)  # before opening the store
    if unproven:
        check_unproven(ranking)
    source = open_store(store or load_settings().store_url)
    run = source.latest_run()
    listed = unproven_page if unproven else ranked_page
    page, _ = listed(source, run.run_id, ranking=ranking, limit=limit, offset=0)
    if not unproven:
        check_rankable(page, ranking.name, run.run_id)
    frame = shortlist_frame(page, ranking.name, include_pii=include_pii)
    what = "customers to ask for a review first" if unproven else "advocates"
    write_list(frame, out_file, run.run_id, what)


@app.command()
def detractors(
    limit: Annotated[int, typer.Option(help="How many detractors.", min=1)] = 100,
    out_file: OutOption = None,
    include_pii: PiiOption = False,
    store: StoreOption = None,
) -> None:
    """Write the detractors with reach of the latest run, for customer care, as spreadsheet-safe
    CSV: negative sentiment and a large audience, with the mention or review that put them there."""
    from advocates.ranking.shortlist import detractor_frame
    from advocates.store import open_store

    source = open_store(store or load_settings().store_url)
    run = source.latest_run()
    ranked, _ = source.ranked(run.run_id, objective="detractor", limit=limit, offset=0)
    write_list(detractor_frame(ranked, include_pii=include_pii), out_file, run.run_id, "detractors")


@app.command()
def rewards(out_file: OutOption = None, store: StoreOption = None) -> None:
    """Write the latest run's converted referrals with their reward status (earned, pending
    while the return window is open, void when the friend's order was refunded) as CSV."""
    from advocates.store import open_store

    source = open_store(store or load_settings().store_url)
    run = source.latest_run()
    write_list(source.run_table(run.run_id, "rewards"), out_file, run.run_id, "referral rewards")
