"""Every page's route, in one router for the app (apart from the package, so that the error
handlers can import what pages need without importing the routes)."""

from fastapi import APIRouter

from . import advocate, campaigns, detractors, left_out, runs, session, shortlist

router = APIRouter(include_in_schema=False)
router.include_router(session.router)
router.include_router(shortlist.router)
router.include_router(runs.router)
router.include_router(detractors.router)
router.include_router(advocate.router)
router.include_router(campaigns.router)
router.include_router(left_out.router)

__all__ = ["router"]
