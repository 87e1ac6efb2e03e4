"""Two-factor sign-in where it is required: administrators set it up before anything else."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from kam.users import services

# Pages an administrator without an authenticator may still open: the set-up page itself
# and what it links to.
OPEN_WITHOUT_2FA = {"two_factor", "logout", "set_language", "login", "two_factor_login"}


class TwoFactorMiddleware:
    """/admin/'s own login form would skip the code step, so it leads to kam's login. With
    KAM_REQUIRE_2FA_FOR_ADMINS, staff and superusers are sent to the set-up page until they
    have an authenticator, and a session of theirs that never passed the code step ends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == reverse("admin:login"):
            return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
        if settings.KAM_REQUIRE_2FA_FOR_ADMINS and self._admin_unverified(request):
            if services.confirmed_device(request.user) is None:
                return redirect("two_factor")
            logout(request)
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _admin_unverified(request) -> bool:
        user = request.user
        if not (user.is_authenticated and (user.is_staff or user.is_superuser)):
            return False
        if user.is_verified():
            return False
        try:
            return resolve(request.path_info).url_name not in OPEN_WITHOUT_2FA
        except Resolver404:
            return True
