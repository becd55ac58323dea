"""How pages are answered: templates, the content security policy, and errors as pages."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import jinja2
from fastapi.responses import HTMLResponse

__all__ = ["CSP", "error_page", "is_page", "page", "render"]

#: What pages may load: nothing from elsewhere; their own inline styles and inline SVG charts.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
#: Paths that are not pages: the JSON API, its documents and the health check.
_NOT_PAGES = ("/v1/", "/health", "/docs", "/redoc", "/openapi.json")
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


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
