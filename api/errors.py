"""Library errors and HTTP errors turned into the API's one JSON error shape (on the pages:
an error page, or a redirect to sign in)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from advocates.errors import (
    AdvocatesError,
    AuthenticationError,
    ConfigurationError,
    InputError,
    NoPublishedRunError,
    NotFoundError,
    NothingToRankError,
    PermissionDeniedError,
    RateLimitedError,
    RunChangedError,
    ServerBusyError,
)

from .pages.render import error_page, is_page
from .pages.session import SignInRequiredError, sign_in_redirect

_STATUS: list[tuple[type[AdvocatesError], int]] = [
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (RateLimitedError, 429),
    (ServerBusyError, 503),
    (NotFoundError, 404),
    (NothingToRankError, 409),  # the served run's scores are all 0
    (RunChangedError, 409),  # a page's download after a newer run was published
    (NoPublishedRunError, 503),
    (ConfigurationError, 400),
    (InputError, 400),  # bad data sent in a request body, e.g. a campaign's catalogue
]


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def library_error_response(error: AdvocatesError) -> JSONResponse:
    """The answer to a library error: its status, code and message, and for a 401 the scheme,
    for a 429 or 503 when to retry."""
    status = next((s for kind, s in _STATUS if isinstance(error, kind)), 500)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if isinstance(error, RateLimitedError | ServerBusyError):
        headers["Retry-After"] = str(error.retry_after)
    return error_response(status, error.code, str(error), headers=headers or None)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AdvocatesError)
    async def advocates_error(request: Request, error: AdvocatesError) -> Response:
        answer = library_error_response(error)
        if not is_page(request.url.path):
            return answer
        retry = {k: v for k, v in answer.headers.items() if k == "retry-after"}
        return error_page(answer.status_code, str(error), headers=retry)

    @app.exception_handler(SignInRequiredError)
    async def sign_in_required(request: Request, error: SignInRequiredError) -> Response:
        return sign_in_redirect(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        details = [
            {
                "location": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg", ""),
                "input": str(e.get("input"))[:200],
            }
            for e in error.errors()
        ]
        first = details[0] if details else {"location": "request", "message": "invalid"}
        if is_page(request.url.path):
            return error_page(422, f"{first['location']}: {first['message']}")
        return error_response(
            422, "invalid_request", f"{first['location']}: {first['message']}", details
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            error.status_code, "http_error"
        )
        if is_page(request.url.path):  # a person reads it: a page, whatever went wrong
            message = (
                f"There is no page at {request.url.path}."
                if error.status_code == 404
                else str(error.detail)
            )
            return error_page(error.status_code, message, headers=error.headers)
        # Starlette's headers carry, for a 405, the Allow list that HTTP requires.
        return error_response(error.status_code, code, str(error.detail), headers=error.headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> JSONResponse:
        # Never a traceback, a path or SQL in the answer; the server's log keeps the traceback.
        return error_response(500, "internal_error", "internal error: the request failed")
