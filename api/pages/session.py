"""Signing a browser in: the sign-in page, the session cookie, and the caller of each page.

With ``ADVOCATES_AUTH=on`` a page needs a session: the sign-in form takes an API key and answers
with an HttpOnly, SameSite=Strict cookie holding a session token
(:mod:`advocates.access.sessions`), never the key; the page's scripts cannot read it and the key
is not kept in the browser. A page asked for without a valid session redirects to the sign-in
page, which comes back to it afterwards. With ``ADVOCATES_AUTH=off`` nobody signs in.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from advocates.access.keys import ApiKey, Scope, authorise
from advocates.access.sessions import SESSION_SECONDS, open_session, session_key
from advocates.errors import AuthenticationError

from .render import page, render

__all__ = [
    "COOKIE",
    "OTHER_SITE",
    "PageCaller",
    "SignInRequiredError",
    "router",
    "same_origin",
    "sign_in_redirect",
]

#: The session cookie's name.
COOKIE = "advocates_session"
router = APIRouter()


class SignInRequiredError(Exception):
    """A page was asked for without a valid session (answered by a redirect to sign in)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


async def page_caller(request: Request) -> ApiKey | None:
    """The signed-in caller of a page (``None`` when keys are switched off), rate-limited as
    the API's callers are; SignInRequiredError without a valid session."""
    app = request.app
    if app.state.settings.auth != "on":
        client = request.client
        app.state.rate_limit.check(f"address:{client.host if client else '?'}")
        return None
    token = request.cookies.get(COOKIE, "")
    try:
        caller = await run_in_threadpool(session_key, app.state.store, token)
    except AuthenticationError:
        raise SignInRequiredError(_local(request.url.path + "?" + request.url.query)) from None
    app.state.rate_limit.check(f"key:{caller.key_id}")
    authorise(caller, Scope.READ)  # every page reads the runs; writing or exporting asks more
    return caller


PageCaller = Annotated[ApiKey | None, Depends(page_caller)]


def _local(path: str) -> str:
    """``path`` when it is a path on this server, else ``/`` (no redirect elsewhere)."""
    path = path.rstrip("?")
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


@router.get("/sign-in")
async def sign_in_form(request: Request, next: str = "/") -> Response:
    """The sign-in page (with keys off: straight on to the page asked for)."""
    if request.app.state.settings.auth != "on":
        return RedirectResponse(_local(next), status_code=303)
    return page(render("sign_in.html", next=_local(next), error=None))


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    """Exchange the API key of the form for a session cookie, then go on to ``next``. A form
    posted from another site is refused (its browser says where it comes from): nobody can sign
    a visitor in under their own key."""
    if not same_origin(request):
        return page(render("sign_in.html", next="/", error=OTHER_SITE), status=403)
    try:
        form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
    except ValueError:  # more fields than the form has: not our form
        form = {}
    key = (form.get("key") or [""])[0].strip()
    next_path = _local((form.get("next") or ["/"])[0])
    try:
        token = await run_in_threadpool(open_session, request.app.state.store, key)
    except AuthenticationError:
        message = "That key is unknown, revoked or mistyped."
        return page(render("sign_in.html", next=next_path, error=message), status=401)
    answer = RedirectResponse(next_path, status_code=303)
    answer.set_cookie(
        COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=_origin(request).startswith("https:"),
        path="/",
    )
    return answer


OTHER_SITE = "This sign-in form was sent from another site. Sign in from this page."


def _origin(request: Request) -> str:
    """The address people open the pages at: the ``public_url`` setting (a proxy in front), or
    the one this server was asked at."""
    public: str = request.app.state.settings.public_url
    return public.rstrip("/") or f"{request.url.scheme}://{request.url.netloc}"


def same_origin(request: Request) -> bool:
    """Whether a form came from this server's own pages: no ``Origin`` header (an older
    browser, or a client that is not one), or the pages' own address."""
    origin = request.headers.get("origin")
    return origin is None or origin == _origin(request)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """Forget the session cookie (a form from another site cannot sign a visitor out)."""
    if not same_origin(request):
        return page(render("sign_in.html", next="/", error=OTHER_SITE), status=403)
    answer = RedirectResponse("/sign-in", status_code=303)
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return answer


def sign_in_redirect(error: SignInRequiredError) -> Response:
    """The answer to a page asked for without a session: on to the sign-in page."""
    return RedirectResponse(f"/sign-in?next={quote(error.path, safe='')}", status_code=303)
