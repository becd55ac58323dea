"""``advocates import``: map public or third-party data onto the input contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advocates.cli.common import out, sub_app, timestamp

import_app = sub_app("import", "Map public or third-party data onto the input contract.")


@import_app.command("ciao")
def import_ciao_command(
    source: Annotated[
        Path, typer.Argument(help="Folder with Ciao's ratings.csv.gz and trust.csv.gz.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the input tables to.")],
    until: Annotated[
        str | None,
        typer.Option(help="Leave out ratings on or after this day, to forecast from it."),
    ] = None,
) -> None:
    """Import Ciao (ratings and trust): users as customers, ratings as orders and reviews,
    trust as follows edges, peer adoptions as converted referrals."""
    from advocates.evaluation.ciao import import_ciao

    counts = import_ciao(
        source, out_dir, until=None if until is None else timestamp(until, option="--until")
    )
    for name, rows in counts.items():
        out.print(f"{name}: {rows:,} rows")
    out.print(f"wrote {len(counts)} tables to {out_dir}; next: advocates score --input {out_dir}")
