"""``python -m tests.cli.paused POINT MARKER ARGS...``: ``advocates ARGS`` in a real process that
stops at POINT of the run, writes the file MARKER and waits to be killed.

POINT is ``reading`` (the first table file), ``keeping`` (after the first file of the validated
input kept for the next run is written, before the rest), ``scoring`` (the scores of every
customer), ``publishing`` (after the run's scores and side tables are written in bulk, as a
large run's are, before its indexes and files are and it is marked published) or ``committing``
(a small run's: inside the publishing transaction, after its scores table is written). Only the
tests that kill runs use it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import advocates.data.inputs
import advocates.pipeline
import advocates.store.sqlite.runs
from advocates.cli import main


def _pause_in(module: Any, name: str, marker: Path, *, after: bool = False) -> None:
    original: Callable[..., Any] = getattr(module, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs) if after else None
        marker.write_text(name)
        time.sleep(600)  # until killed
        return result

    setattr(module, name, paused)


if __name__ == "__main__":
    point, marker, *args = sys.argv[1:]
    if point == "reading":
        _pause_in(advocates.data.inputs, "read_raw_table", Path(marker))
    elif point == "keeping":
        _pause_in(advocates.data.inputs.feather, "write_feather", Path(marker), after=True)
    elif point == "scoring":
        _pause_in(advocates.pipeline, "score_customers", Path(marker))
    elif point == "publishing":  # (written in bulk, as a large run's are)
        advocates.store.sqlite.runs.BULK_ROWS = 0
        _pause_in(advocates.store.sqlite.runs, "ingest", Path(marker), after=True)
    elif point == "committing":
        _pause_in(advocates.store.sqlite.runs, "write_frame", Path(marker), after=True)
    else:
        raise SystemExit(f"unknown point {point!r}")
    sys.argv = ["advocates", *args]
    sys.exit(main())
