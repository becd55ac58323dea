"""How pages are answered: templates, the content security policy, and errors as pages."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

import jinja2
import pandas as pd
from fastapi.responses import HTMLResponse

from advocates.store import RunInfo

__all__ = [
    "CSP",
    "PER_PAGE",
    "STALE_AFTER_HOURS",
    "KeptDrawings",
    "error_page",
    "figure",
    "is_page",
    "page",
    "page_count",
    "records",
    "render",
    "run_age",
    "run_header",
]

#: What pages may load: nothing from elsewhere; their own inline styles and inline SVG charts.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
#: A nightly run older than this means at least one night was missed.
STALE_AFTER_HOURS = 36
#: Rows on a page of every paged table (shortlist, left out, care queue, assignments).
PER_PAGE = 50
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


def page_count(total: int) -> int:
    """How many pages ``total`` rows fill (one, empty, when there are none).

    >>> page_count(0), page_count(50), page_count(51)
    (1, 1, 2)
    """
    return max(1, -(-total // PER_PAGE))


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


def run_header(run: RunInfo) -> dict[str, Any]:
    """What a page about a run says of it at its top (``_runline.html``): the run, its data
    date, how long ago it was published, and whether that is stale."""
    age, stale = run_age(run)
    return {"run": run, "as_of": run.as_of[:10], "age": age, "stale": stale}


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


class KeptDrawings(Generic[K, V]):
    """What took long to draw (a run report, a plan's charts), kept by key: drawn once, one at
    a time (requests that arrive meanwhile get that drawing), the least recently read of more
    than ``size`` forgotten."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()  # guards what is kept
        self._drawing = threading.Lock()  # one drawing at a time

    def get(self, key: K, draw: Callable[[], V]) -> V:
        """The drawing of ``key``, drawn now with ``draw`` when it is not kept."""
        found = self._found(key)
        if found is not None:
            return found
        with self._drawing:
            found = self._found(key)  # drawn while this request waited
            if found is not None:
                return found
            drawn = draw()
            with self._lock:
                self._kept[key] = drawn
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
            return drawn

    def _found(self, key: K) -> V | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows for a template: missing values as None, times as ``YYYY-MM-DD HH:MM``."""
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d %H:%M")
    return list(shown.astype(object).where(shown.notna(), None).to_dict("records"))
