"""The CxmError family: every error the domain and services raise, with a stable code.

The web layer maps these to HTTP in one place; the CLI prints them. Codes never change
once published (they are documented in docs/api.md)."""

from __future__ import annotations


class CxmError(Exception):
    """Base of every cxm error: a stable ``code``, a message and optionally the field."""

    code = "cxm_error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationFailed(CxmError):
    code = "validation_failed"
    http_status = 422


class TaxonomyInvalid(ValidationFailed):
    code = "taxonomy_invalid"


class UnknownReference(ValidationFailed):
    code = "unknown_reference"


class NotFound(CxmError):
    code = "not_found"
    http_status = 404


class Conflict(CxmError):
    code = "conflict"
    http_status = 409


class MalformedFile(CxmError):
    """A file that cannot be imported at all (encoding, missing columns, unreadable)."""

    code = "malformed_file"
    http_status = 422


class NotAuthenticated(CxmError):
    code = "not_authenticated"
    http_status = 401


class PermissionDenied(CxmError):
    code = "permission_denied"
    http_status = 403


class CsrfFailed(CxmError):
    code = "csrf_failed"
    http_status = 403


class EngineUnavailable(CxmError):
    code = "engine_unavailable"
    http_status = 503
