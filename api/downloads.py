"""CSV files to save, as the API and the pages send them: UTF-8 with a byte-order mark first
(so that Excel reads the accents right), spreadsheet-safe cells (``csv_lines``), streamed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pandas as pd
from fastapi.responses import StreamingResponse

from advocates.data.io import csv_lines

__all__ = ["csv_download", "csv_file"]


def csv_file(lines: Iterable[str], filename: str) -> StreamingResponse:
    """``lines`` (CSV text, header first) streamed as the file ``filename`` to save."""

    def body() -> Iterator[str]:
        yield "\ufeff"
        yield from lines

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_download(
    rows: pd.DataFrame, filename: str, *, sent: Callable[[], None] | None = None
) -> StreamingResponse:
    """``rows`` as the CSV file ``filename``; ``sent`` is called once the last row is sent (the
    audit log)."""

    def lines() -> Iterator[str]:
        yield from csv_lines(rows)
        if sent is not None:
            sent()

    return csv_file(lines(), filename)
