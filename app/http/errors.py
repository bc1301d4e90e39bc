"""A refused use case (``app.service.errors``) as an HTTP answer: status, JSON ``detail``.

The API answers every ``ServiceError`` through ``install_error_handler``; the pages map the
same status onto their HTML error page (``app.web.access``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi import status as http
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.service.errors import (
    Conflict,
    Forbidden,
    Invalid,
    InvalidToken,
    NotFound,
    ServiceError,
    SignInRequired,
    TooLarge,
)

STATUS = (
    (SignInRequired, http.HTTP_401_UNAUTHORIZED),
    (Forbidden, http.HTTP_403_FORBIDDEN),
    (NotFound, http.HTTP_404_NOT_FOUND),
    (Conflict, http.HTTP_409_CONFLICT),
    (TooLarge, http.HTTP_413_CONTENT_TOO_LARGE),
    (Invalid, http.HTTP_422_UNPROCESSABLE_CONTENT),
)


def status_of(error: ServiceError) -> int:
    for kind, code in STATUS:
        if isinstance(error, kind):
            return code
    return http.HTTP_400_BAD_REQUEST


def headers_of(error: ServiceError) -> dict[str, str] | None:
    """A 401 tells the client how to authenticate (RFC 9110 WWW-Authenticate)."""
    if isinstance(error, InvalidToken):
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if isinstance(error, SignInRequired):
        return {"WWW-Authenticate": "Bearer"}
    return None


MAX_ECHO_CHARS = 100


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """FastAPI's 422 items without the rejected input (a 1 MB name was echoed whole): where
    and why, and at most ``MAX_ECHO_CHARS`` of the context."""
    out = []
    for error in errors:
        item = {key: error[key] for key in ("type", "loc", "msg") if key in error}
        item["msg"] = str(item.get("msg", ""))[:MAX_ECHO_CHARS]
        out.append(item)
    return out


def install_error_handler(app: FastAPI) -> None:
    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": validation_errors(exc.errors())}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid_request)

    async def service_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServiceError)
        return JSONResponse(
            {"detail": exc.message}, status_code=status_of(exc), headers=headers_of(exc)
        )

    app.add_exception_handler(ServiceError, service_error)
