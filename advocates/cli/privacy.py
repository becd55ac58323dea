"""``advocates erase`` and ``advocates audit``: a customer's right to erasure, and who did what."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from advocates.cli.common import StoreOption, app, err, load_settings, out


@app.command()
def erase(
    customer_id: Annotated[str, typer.Argument(help="The CRM customer id to erase.")],
    store: StoreOption = None,
) -> None:
    """Erase a customer from every stored run, plan and event, and keep them out of later
    runs (their id is kept only as a salted hash on a suppression list)."""
    from advocates.store import open_store

    removed = open_store(store or load_settings().store_url).erase_customer(
        customer_id, key_id="cli"
    )
    err.print(
        f"erased {customer_id}: "
        + ", ".join(f"{rows:,} rows from {kind}" for kind, rows in removed.items())
        + "; later runs leave them out",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def audit(
    limit: Annotated[int, typer.Option(help="How many entries, newest first.", min=1)] = 100,
    store: StoreOption = None,
) -> None:
    """The audit log: exports, reads of personal data, erasures and key changes."""
    from advocates.store import open_store

    page, total = open_store(store or load_settings().store_url).audit_log(limit=limit, offset=0)
    table = Table(title=f"audit log ({len(page):,} of {total:,})")
    for column in ("at", "key id", "action", "target", "customer", "rows"):
        table.add_column(column)
    for row in page.astype(object).where(page.notna(), "").itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    out.print(table)
