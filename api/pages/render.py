"""How pages are answered: templates, the content security policy, and errors as pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pandas as pd
from fastapi.responses import HTMLResponse, StreamingResponse

from advocates.data.io import csv_lines
from advocates.store import RunInfo

__all__ = [
    "CSP",
    "STALE_AFTER_HOURS",
    "error_page",
    "figure",
    "is_page",
    "page",
    "render",
    "run_age",
]

#: What pages may load: nothing from elsewhere; their own inline styles and inline SVG charts.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
#: A nightly run older than this means at least one night was missed.
STALE_AFTER_HOURS = 36
#: Paths that are not pages: the JSON API, its documents and the health check.
_NOT_PAGES = ("/v1/", "/health", "/docs", "/redoc", "/openapi.json")
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def figure(value: object) -> str:
    """A figure as a page shows it: thousands separated, two decimals below 10, "–" for none.

    >>> [figure(v) for v in (1234567.0, 0.4373, 25.55, None, float("nan"), "x")]
    ['1,234,567', '0.44', '25.6', '–', '–', 'x']
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "–" if value is None else str(value)
    if value != value:  # NaN
        return "–"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:,.1f}"


_TEMPLATES.filters["figure"] = figure


def run_age(run: RunInfo, now: datetime | None = None) -> tuple[str, bool]:
    """How long ago ``run`` was published, in words, and whether that is stale (a nightly run
    older than :data:`STALE_AFTER_HOURS` means at least one night was missed)."""
    published = datetime.fromisoformat(run.published_at or run.created_at)
    hours = ((now or datetime.now(UTC)) - published).total_seconds() / 3600
    words = (
        "less than an hour ago"
        if hours < 1
        else f"{hours:.0f} hours ago"
        if hours < 48
        else f"{hours / 24:.0f} days ago"
    )
    return words, hours > STALE_AFTER_HOURS


def is_page(path: str) -> bool:
    """Whether ``path`` is one of the pages (answered in HTML, errors included)."""
    return not path.startswith(_NOT_PAGES)


def render(name: str, **values: object) -> str:
    """The page template ``name`` filled with ``values``."""
    return _TEMPLATES.get_template(name).render(**values)


def page(html: str, *, status: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """An HTML page with the pages' content security policy."""
    return HTMLResponse(
        html, status_code=status, headers={"Content-Security-Policy": CSP, **(headers or {})}
    )


def error_page(status: int, message: str, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """An error, as a page a person reads: what went wrong and where to go on."""
    html = render("error.html", status=status, message=message)
    return page(html, status=status, headers=headers)


def csv_download(
    rows: pd.DataFrame, filename: str, *, sent: Callable[[], None] | None = None
) -> StreamingResponse:
    """``rows`` as a spreadsheet-safe CSV file to save (a byte-order mark first, so that Excel
    reads the accents right); ``sent`` is called once the last row is sent (the audit log)."""

    def body() -> Iterator[str]:
        yield "\ufeff"
        yield from csv_lines(rows)
        if sent is not None:
            sent()

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
