"""The marketer's pages: server-rendered HTML over the same library as the API.

:mod:`api.pages.session` signs a browser in (an API key exchanged for a session cookie) and
names the caller of every page; :mod:`api.pages.runs` serves the run report. Pages stay thin:
what they show comes from the library (:mod:`advocates.reporting`, :mod:`advocates.ranking`).
"""

from fastapi import APIRouter

from . import runs, session

router = APIRouter(include_in_schema=False)
router.include_router(session.router)
router.include_router(runs.router)

__all__ = ["router"]
