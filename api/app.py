"""The FastAPI application: a thin adapter over the library, versioned under ``/v1``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

import advocates
from advocates.settings import Settings, get_settings
from advocates.store import open_store

from .errors import install_error_handlers
from .limits import HeavyWork, RateLimit
from .middleware import BodyLimit, SecurityHeaders
from .routes import advocates as advocates_routes
from .routes import audit, campaigns, customers, detractors, events, exports, health
from .schemas import ErrorPublic

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app over the store named by ``settings`` (default: the environment)."""
    settings = settings or get_settings()
    # The docs pages load Swagger UI and ReDoc from the package's own assets, never from a CDN,
    # so they work on a network without internet.
    app = FastAPIOffline(
        title="Advocates API",
        version=advocates.__version__,
        description="Ranked advocates per campaign objective, one customer's score and explanation, "
        "and spreadsheet-safe CSV shortlists, from the latest published run.",
    )
    app.state.settings = settings
    app.state.store = open_store(settings.store_url)
    app.state.rate_limit = RateLimit(settings.rate_limit_per_minute)
    app.state.heavy_work = HeavyWork(
        workers=settings.heavy_workers,
        queue=settings.heavy_queue,
        wait_seconds=settings.heavy_wait_seconds,
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    v1 = APIRouter(
        prefix="/v1",
        responses={401: {"model": ErrorPublic}, 403: {"model": ErrorPublic}},
    )
    v1.include_router(advocates_routes.router)
    v1.include_router(audit.router)
    v1.include_router(campaigns.router)
    v1.include_router(customers.router)
    v1.include_router(detractors.router)
    v1.include_router(events.router)
    v1.include_router(exports.router)
    app.include_router(v1)
    app.include_router(health.router)
    return app
