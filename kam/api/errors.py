"""Every error as JSON `{"detail": …, "errors": {…}}`, in the caller's language (the
language LocaleMiddleware chose: the user's choice, else Accept-Language)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestInvalid

from kam.core.concurrency import StaleEdit


def install(api: NinjaAPI) -> None:
    """The handlers, most specific first as ninja looks them up by the exception's class."""

    def respond(request: HttpRequest, status: int, detail: str, errors=None, **extra):
        body = {"detail": str(detail), "errors": errors or {}, **extra}
        return api.create_response(request, body, status=status)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request, exc):
        return respond(request, 401, _("Send a valid API token: Authorization: Bearer <token>."))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, _("You may not do this."))

    @api.exception_handler(StaleEdit)
    def stale(request, exc):
        conflicts = [
            {
                "field": c.watched.name,
                "label": c.watched.label,
                "seen": c.seen,
                "now": c.now,
                "message": c.message(),
            }
            for c in exc.conflicts
        ]
        return respond(request, 409, " ".join(exc.messages), {}, conflicts=conflicts)

    @api.exception_handler(DjangoValidationError)
    def invalid(request, exc):
        fields = _field_errors(exc)
        return respond(request, 400, _first(fields), fields)

    @api.exception_handler(RequestInvalid)
    def request_invalid(request, exc):
        fields: dict[str, list[str]] = {}
        in_body = False
        for error in exc.errors:
            location = [str(part) for part in error.get("loc", ())]
            in_body = in_body or location[:1] == ["body"]
            name = ".".join(location[1:]) or "__all__"
            fields.setdefault(name, []).append(_pydantic_message(error))
        status = 422 if in_body else 400
        return respond(request, status, _("Some values are not valid."), fields)


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def _first(fields: dict[str, list[str]]) -> str:
    for messages in fields.values():
        if messages:
            return messages[0]
    return _("Some values are not valid.")


def _pydantic_message(error: dict) -> str:
    """pydantic's English message, with kam's own sentence in the user's language first for
    the kinds of mistake a client makes most."""
    kind = error.get("type", "")
    known = {
        "missing": _("This value is required."),
        "literal_error": _("This value is not one of the allowed ones."),
        "enum": _("This value is not one of the allowed ones."),
        "int_parsing": _("Enter a whole number."),
        "datetime_parsing": _("Enter a date and time (ISO 8601)."),
        "datetime_from_date_parsing": _("Enter a date and time (ISO 8601)."),
        "greater_than_equal": _("This value is too small."),
        "less_than_equal": _("This value is too large."),
        "string_too_long": _("This value is too long."),
    }
    return str(known.get(kind, error.get("msg", _("This value is not valid."))))
