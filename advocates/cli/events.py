"""``advocates events import``: load outcome events from a CSV or JSON Lines file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advocates.cli.common import StoreOption, err, load_settings, sub_app

events_app = sub_app("events", "Outcome events sent back by campaign tools.")


@events_app.command("import")
def import_events(
    path: Annotated[Path, typer.Argument(help="Events as CSV (.csv, .csv.gz) or JSON Lines.")],
    store: StoreOption = None,
) -> None:
    """Store the events of a file, each once per event_id (as POST /v1/events does); print
    the rejected ones with their row or line and reason."""
    from advocates.data.events import MAX_BATCH, record_events
    from advocates.data.io import read_records
    from advocates.store import open_store

    records, place = read_records(path)
    target = open_store(store or load_settings().store_url)
    accepted = duplicates = rejected = 0
    first_number = 2 if place == "row" else 1  # the header is row 1; JSON Lines start at 1
    for start in range(0, len(records), MAX_BATCH):
        recorded = record_events(target, records[start : start + MAX_BATCH])
        accepted += recorded.accepted
        duplicates += recorded.duplicates
        for item in recorded.rejected:
            rejected += 1
            err.print(
                f"{path}: {place} {start + item.index + first_number}: {item.reason}",
                highlight=False,
                soft_wrap=True,  # one line per rejected event, for grep
            )
    err.print(
        f"{path}: {accepted:,} events stored, {duplicates:,} already stored, {rejected:,} rejected",
        highlight=False,
        soft_wrap=True,
    )
