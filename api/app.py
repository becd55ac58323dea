"""The FastAPI application: a thin adapter over the library, versioned under ``/v1``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

import advocates
from advocates.settings import Settings, get_settings
from advocates.store import open_store

from .auth import Authenticate, document_security
from .cache import Pages, ServeKept
from .errors import install_error_handlers
from .limits import HeavyWork, RateLimit, UseWrites
from .middleware import BodyLimit, SecurityHeaders
from .pages.router import router as pages_router
from .pages.runs import KeptReports
from .routes import advocates as advocates_routes
from .routes import audit, campaigns, customers, detractors, events, exports, health, kpis
from .schemas import ErrorPublic
from .warm import Warmer

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app over the store named by ``settings`` (default: the environment)."""
    settings = settings or get_settings()
    # The docs pages load Swagger UI and ReDoc from the package's own assets, never from a CDN,
    # so they work on a network without internet.
    app = FastAPIOffline(
        lifespan=_warming,
        title="Advocates API",
        version=advocates.__version__,
        description="Ranked advocates per campaign objective, one customer's score and explanation, "
        "and spreadsheet-safe CSV shortlists, from the latest published run.",
    )
    app.state.settings = settings
    app.state.store = open_store(settings.store_url)
    app.state.rate_limit = RateLimit(settings.rate_limit_per_minute)
    app.state.use_writes = UseWrites()
    app.state.pages = Pages()
    app.state.run_reports = KeptReports()
    app.state.warmer = Warmer(app.state, every_seconds=settings.warm_every_seconds)
    app.state.heavy_work = HeavyWork(
        workers=settings.heavy_workers,
        queue=settings.heavy_queue,
        wait_seconds=settings.heavy_wait_seconds,
    )
    install_error_handlers(app)
    # The last added runs first: headers on every answer, then the caller, then kept answers,
    # then the body cap.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ServeKept, pages=app.state.pages)
    app.add_middleware(
        Authenticate,
        store=app.state.store,
        auth=settings.auth == "on",
        rate_limit=app.state.rate_limit,
        use_writes=app.state.use_writes,
    )
    app.add_middleware(SecurityHeaders)
    document_security(
        app,
        "An API key made with `advocates keys create`, sent as `Authorization: Bearer <key>`.",
    )
    v1 = APIRouter(
        prefix="/v1",
        responses={
            401: {
                "model": ErrorPublic,
                "description": "No key, or a malformed, unknown or revoked one.",
            },
            403: {"model": ErrorPublic, "description": "A key without the route's scope."},
            422: {"model": ErrorPublic, "description": "An invalid request, naming the field."},
            429: {
                "model": ErrorPublic,
                "description": "Over the key's rate limit (`Retry-After`).",
            },
        },
    )
    v1.include_router(advocates_routes.router)
    v1.include_router(audit.router)
    v1.include_router(campaigns.router)
    v1.include_router(customers.router)
    v1.include_router(detractors.router)
    v1.include_router(events.router)
    v1.include_router(exports.router)
    v1.include_router(kpis.router)
    app.include_router(v1)
    app.include_router(health.router)
    app.include_router(pages_router)
    _state_bounds(app, settings)
    return app


@asynccontextmanager
async def _warming(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs, the latest run's pages are read before anyone asks (api.warm)."""
    warmer: Warmer = app.state.warmer
    if app.state.settings.warm_every_seconds > 0:
        warmer.start()
    try:
        yield
    finally:
        warmer.stop()


def _state_bounds(app: FastAPI, settings: Settings) -> None:
    """Let the OpenAPI document state the bounds that are settings of this server: the export
    cap (the shortlist export's ``limit`` maximum) and the catalogue's (its ``maxItems``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            export = schema["paths"]["/v1/exports/shortlist.csv"]["get"]
            for parameter in export["parameters"]:
                if parameter["name"] == "limit":
                    parameter["schema"]["maximum"] = settings.export_max_rows
            campaign = schema["components"]["schemas"]["CampaignCreate"]
            campaign["properties"]["catalogue"]["maxItems"] = settings.max_catalogue_incentives
        return build()

    app.openapi = openapi  # type: ignore[method-assign]
