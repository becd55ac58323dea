"""``advocates demo-data``: realistic demo input for all nine tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from advocates.cli.common import app, out, timestamp
from advocates.errors import ConfigurationError


@app.command("demo-data")
def demo_data(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the nine tables to.")],
    customers: Annotated[
        int, typer.Option(help="Number of customers (about 10 graph edges each).", min=10)
    ] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 0,
    broken_rows: Annotated[
        float, typer.Option(help="Share of rows to break on purpose (0 to 0.5).", min=0.0, max=0.5)
    ] = 0.0,
    end: Annotated[
        str | None, typer.Option(help="Last day of the data, ISO 8601 (default: today).")
    ] = None,
    file_format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write realistic demo data for all nine input tables."""
    from advocates.data.io import write_table
    from advocates.demo import break_rows, generate_demo_tables

    if file_format not in ("csv", "parquet"):
        raise ConfigurationError(f"--format must be csv or parquet, got {file_format!r}")
    end_day = timestamp(end, option="--end").floor("D")
    tables = generate_demo_tables(customers=customers, seed=seed, end=end_day.isoformat())
    manifest = {
        "customers": customers,
        "seed": seed,
        "end": end_day.isoformat(),
        "broken_rows": broken_rows,
        "tables": {},
    }
    for name, frame in tables.items():
        broken, how = break_rows(name, frame, fraction=broken_rows, seed=seed)
        lines = (
            {}
            if file_format == "parquet"
            else {
                "bad_bytes_lines": how.bad_bytes_lines,
                "extra_field_lines": how.extra_field_lines,
            }
        )
        path = write_table(broken, out_dir / f"{name}.{file_format}", **lines)
        manifest["tables"][name] = {
            "file": path.name,
            "rows": len(broken),
            "broken": how.total if file_format == "csv" else how.value_errors + how.duplicates,
        }
        out.print(f"{path}  {len(broken):>10,} rows")
    (out_dir / "MANIFEST.json").write_text(json.dumps(manifest, indent=2))
