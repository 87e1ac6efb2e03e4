import logging
import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """The start page is the portfolio dashboard."""
    return redirect("value:dashboard")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(static("kam/favicon.svg"), permanent=True)


# --- error pages ------------------------------------------------------------------------
# kam's own pages for 400/403/404/500, in the user's language, naming nothing of the
# installation (no URL patterns, settings or exception text). Django calls them through
# handler400 … handler500 in kam/urls.py; with DEBUG on, kam.web.middleware.ErrorPagesMiddleware
# sends 404s here too instead of Django's technical page.


def _error_page(request, template: str, status: int):
    """Render an error page with the site's look; marked so that CSP applies to it in DEBUG."""
    response = render(request, template, status=status)
    response.kam_error_page = True
    return response


def _static_or_none(path: str) -> str | None:
    """The URL of a static file, or None when the static files themselves are what is
    broken (a missing manifest entry raises): an error page must still render."""
    try:
        return static(path)
    except Exception:  # any failure here must not hide the original error
        return None


def _standalone_context(**extra) -> dict:
    return {
        "stylesheet": _static_or_none("kam/kam.css"),
        "favicon": _static_or_none("kam/favicon.svg"),
        **extra,
    }


def _standalone_error_page(template: str, status: int):
    """Render an error page that needs neither the database nor the request: used where the
    request itself (400) or anything behind it (500) may be what is broken."""
    response = HttpResponse(loader.render_to_string(template, _standalone_context()), status=status)
    response.kam_error_page = True
    return response


def is_api(request) -> bool:
    """The API's clients read JSON, also when what failed is no API operation (an unknown
    path, a method it does not take, an error before the API's own handlers)."""
    return getattr(request, "path", "").startswith("/api/")


def api_error(status: int, message: str) -> JsonResponse:
    """The API's error body (kam.api.errors) for answers made outside the API."""
    return JsonResponse({"detail": str(message), "errors": {}}, status=status)


API_MESSAGES = {
    400: gettext_lazy("The request could not be read."),
    403: gettext_lazy("You may not do this."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("This address does not take this method."),
    500: gettext_lazy("Something went wrong on the server; it has been logged."),
}


def bad_request(request, exception=None):
    if is_api(request):
        return api_error(400, API_MESSAGES[400])
    return _standalone_error_page("400.html", 400)


def permission_denied(request, exception=None):
    if is_api(request):
        return api_error(403, API_MESSAGES[403])
    return _error_page(request, "403.html", 403)


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check: most often a page left open past a sign-out, or a
    browser that refuses kam's cookies. Django's reason is shown in development only."""
    response = render(
        request, "403_csrf.html", {"reason": reason if settings.DEBUG else ""}, status=403
    )
    response.kam_error_page = True
    return response


def page_not_found(request, exception=None):
    if is_api(request):
        return api_error(404, API_MESSAGES[404])
    return _error_page(request, "404.html", 404)


def server_error(request=None):
    """A 500, unless what failed is SQLite's write lock (see `database_busy`): Django calls
    this inside its exception handler, so the exception is still at hand here, also when it
    came from a middleware (a session saved after the view) rather than from the view."""
    if is_database_busy(sys.exc_info()[1]):
        return database_busy(request)
    if is_api(request):
        return api_error(500, API_MESSAGES[500])
    return _standalone_error_page("500.html", 500)


# How long a client is told to wait before it tries again.
BUSY_RETRY_SECONDS = 5


def is_database_busy(exception: BaseException | None) -> bool:
    """SQLite's "database is locked": another process (an import) held the write lock longer
    than the connection's timeout. Nothing was written; the same request later will work."""
    return isinstance(exception, OperationalError) and "locked" in str(exception)


def database_busy(request=None):
    """503 with Retry-After and a message saying nothing was saved, in the user's language;
    JSON for the API, the bare sentence for an account page section's edit (htmx shows it in
    the section)."""
    message = _(
        "kam is busy writing other data (an import, most likely), so this could not be done "
        "just now. Nothing was saved. Try again in a few seconds."
    )
    logger.warning("database busy (locked) answering %s", getattr(request, "path", ""))
    if is_api(request):
        response = api_error(503, message)
    elif request is not None and request.headers.get("HX-Request"):
        response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=503)
    else:
        context = _standalone_context(message=message)
        response = HttpResponse(loader.render_to_string("503.html", context), status=503)
        response.kam_error_page = True
    response["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


def request_too_large(request, limit: int, *, signed_in: bool):
    """The answer to a body over the limit, given before a byte of it is read: kam's page,
    or for the API its JSON error in the same words."""
    sizes = {"limit_kib": max(1, limit // 1024), "limit_mb": max(1, limit // 1024 // 1024)}
    if is_api(request):
        if signed_in:
            detail = _("kam accepts at most %(limit_mb)s MB in one request.")
        else:
            detail = _("kam accepts at most %(limit_kib)s KiB before you sign in.")
        return api_error(413, detail % sizes)
    context = _standalone_context(signed_in=signed_in, **sizes)
    response = HttpResponse(loader.render_to_string("413.html", context), status=413)
    response.kam_error_page = True
    return response
