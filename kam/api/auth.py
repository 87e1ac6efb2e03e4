"""Who is calling: a personal API token (`Authorization: Bearer …`), or the browser's session
(with Django's CSRF check on writes) so that the docs page works for a signed-in user."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from kam.users import services
from kam.users.roles import is_active


class TokenAuth(HttpBearer):
    """A token of an active user; unknown, revoked or expired tokens let nobody in (401)."""

    def authenticate(self, request: HttpRequest, token: str):
        user = services.user_for_token(token.strip())
        if user is None:
            return None
        request.user = user  # the services, the access layer and history read it
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser (the docs page's "Try it out"); writes need the CSRF token,
    which the docs page sends as X-CSRFToken."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        return user if is_active(user) else None

    def __call__(self, request: HttpRequest):
        if "authorization" in request.headers:  # a token was sent: it alone decides
            return None
        return super().__call__(request)
