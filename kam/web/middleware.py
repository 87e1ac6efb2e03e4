"""Middleware that every page inherits: kam's error pages in development, the headers for
signed-in users, the body limit for anonymous clients and CSP on kam's own error pages."""

from __future__ import annotations

from dataclasses import asdict

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import Http404
from django.utils.cache import add_never_cache_headers

from kam.users.services import user_for_token

from . import views

DEFAULT_ANONYMOUS_MAX_BODY_BYTES = 64 * 1024
# What a multipart form adds around the file the import page accepts (boundaries, fields).
MULTIPART_ALLOWANCE_BYTES = 1024 * 1024


class ErrorPagesMiddleware:
    """With DEBUG on, Django answers a 404 with its technical page (English, every URL
    pattern listed); kam shows its own, as in production. A 500 keeps Django's traceback
    page in development; 403 needs nothing here, Django always asks handler403.

    Last in MIDDLEWARE, so that it wraps the view directly: a URL that resolves to nothing
    leaves `request.resolver_match` unset, an Http404 from a view reaches process_exception.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and request.resolver_match is None
            and not getattr(response, "kam_error_page", False)
        ):
            return views.page_not_found(request)
        if response.status_code == 405 and views.is_api(request) and not _json(response):
            return _allowing(views.api_error(405, views.API_MESSAGES[405]), response)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return views.page_not_found(request, exception)
        if views.is_database_busy(exception):
            return views.database_busy(request)  # not a 500: see views.server_error
        return None


def _json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _allowing(answer, refused):
    """A 405 keeps its Allow header: the methods the address takes."""
    if refused.has_header("Allow"):
        answer["Allow"] = refused["Allow"]
    return answer


def body_limit(signed_in: bool) -> int:
    """The largest request body this client may send: small for anonymous clients (a login
    form is a few hundred bytes), the import page's file limit for signed-in users."""
    if signed_in:
        return settings.KAM_IMPORT_MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE_BYTES
    return getattr(settings, "KAM_ANONYMOUS_MAX_BODY_BYTES", DEFAULT_ANONYMOUS_MAX_BODY_BYTES)


def is_signed_in(request, size: int | None) -> bool:
    """A session's user; or, for a body larger than anybody may send, a program with a valid
    API token (the API takes uploads as the import page does, and checks the token again
    itself). A smaller body needs no token lookup."""
    if request.user.is_authenticated:
        return True
    if size is not None and size <= body_limit(signed_in=False):
        return False
    kind, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return kind.lower() == "bearer" and user_for_token(token.strip()) is not None


def declared_body_size(request) -> int | None:
    """The size the client announces, or None for a body of unannounced length (chunked)."""
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


class BodyLimitMiddleware:
    """Refuse an oversized body with 413 before anything reads it (Django would otherwise
    spool a multipart upload to disk while parsing the CSRF token), judged on the declared
    Content-Length. A chunked body from an anonymous client is refused too: Django never
    reads one, and a login form is never sent that way. After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        size = declared_body_size(request)
        if size == 0:  # most requests: nothing to judge, and no need to load the user
            return self.get_response(request)
        signed_in = is_signed_in(request, size)
        limit = body_limit(signed_in)
        if (size is None and not signed_in) or (size or 0) > limit:
            return views.request_too_large(request, limit, signed_in=signed_in)
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """Whatever a signed-in user gets (pages, chart data, Excel exports) may hold customer
    figures: no browser or proxy cache may keep it. Static files never come this far
    (whitenoise answers them first) and keep their long caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class KamCSPMiddleware(CSPMiddleware):
    """django-csp leaves every 404 and 500 without a policy when DEBUG is on, so that
    Django's technical pages (inline scripts and styles) work. kam's own error pages need
    no exemption: they get the policy as every other page does."""

    def process_response(self, request, response):
        if settings.DEBUG and getattr(response, "kam_error_page", False):
            policy = build_policy(**asdict(self.get_policy_parts(request, response)))
            if policy and HEADER not in response:
                response[HEADER] = policy
        return super().process_response(request, response)
