"""What every command shares: the typer app, the consoles, common options, settings and dates."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from advocates.data.contract import parse_instant
from advocates.data.io import csv_lines, write_csv
from advocates.errors import ConfigurationError
from advocates.settings import Settings, get_settings

__all__ = [
    "OutOption",
    "PiiOption",
    "StoreOption",
    "app",
    "err",
    "load_settings",
    "out",
    "sub_app",
    "timestamp",
    "write_list",
]

app = typer.Typer(
    name="advocates",
    help="Rank a brand's customers as advocates from CRM purchases, the social graph and sentiment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)

StoreOption = Annotated[
    str | None, typer.Option("--store", help="Store URL (default: setting ADVOCATES_STORE_URL).")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="CSV file to write (default: standard output).")
]
PiiOption = Annotated[bool, typer.Option("--include-pii", help="Add email and name columns.")]


def sub_app(name: str, help: str) -> typer.Typer:
    """A group of commands under ``advocates NAME``."""
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def load_settings() -> Settings:
    try:
        return get_settings()
    except Exception as error:  # pydantic's ValidationError names the variable and the problem
        raise ConfigurationError(f"invalid ADVOCATES_* setting: {error}") from error


def timestamp(value: str | None, *, option: str) -> pd.Timestamp:
    """The instant an option names (now, when it is not given)."""
    if value is None:
        return pd.Timestamp.now(tz="UTC").floor("s")
    return parse_instant(value, name=option)


def write_list(frame: pd.DataFrame, out_file: Path | None, run_id: str, what: str) -> None:
    if out_file is None:
        for text in csv_lines(frame):
            sys.stdout.write(text)
        return
    write_csv(frame, out_file)
    err.print(f"wrote {len(frame):,} {what} of run {run_id} to {out_file}")
