"""The one mapper from errors to HTTP: ``{"error": {"code", "message", "field"}}`` for the API,
an HTML page with the same code for the dashboard.

Services raise ``CxmError`` subclasses (stable codes, see docs/api.md); FastAPI's request
validation errors and Starlette's HTTP errors are given the same shape here, so a client
handles exactly one error format."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxm.domain.errors import CxmError, NotAuthenticated

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def _respond(request: Request, status: int, code: str, message: str, field: str | None) -> Response:
    if is_api(request):
        return JSONResponse(error_body(code, message, field), status_code=status)
    from cxm.web.pages.base import render_error_page

    return render_error_page(request, status, code, message, field)


async def handle_cxm_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CxmError)
    if isinstance(exc, NotAuthenticated) and not is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    response = _respond(request, exc.http_status, exc.code, exc.message, exc.field)
    if isinstance(exc, NotAuthenticated):
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _field_of(loc: Any) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _field_of(first.get("loc", ()))
    message = f"{field}: {first['msg']}" if field else str(first["msg"])
    if len(errors) > 1:
        message += f" ({len(errors)} problems in all)"
    return _respond(request, 422, "validation_failed", message, field)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    response = _respond(request, exc.status_code, code, str(exc.detail), None)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, 500, "internal_error", "internal server error", None)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CxmError, handle_cxm_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected)
