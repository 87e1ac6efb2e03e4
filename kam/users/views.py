"""Signing in with a password and, when the user has turned it on, a code from an
authenticator app; and the page where users turn two-factor sign-in on and off."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from django_otp import login as otp_login

from kam.users import services
from kam.users.forms import ApiTokenForm, CodeForm, TurnOffForm
from kam.users.models import User

# The password was right, the code is still to come: who, with which backend, since when.
PENDING = "kam_2fa_pending"
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    """Step one. A user with two-factor sign-in on is not logged in after the password: the
    session only remembers, for a few minutes, that the password was right."""

    def form_valid(self, form):
        user = form.get_user()
        if services.confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
        }
        url = reverse("two_factor_login")
        if next_url := self.get_redirect_url():
            url += "?" + urlencode({"next": next_url})
        return redirect(url)


class TwoFactorLoginView(auth_views.RedirectURLMixin, FormView):
    """Step two: the code from the authenticator app. Only a right code logs the user in;
    wrong ones make django-otp wait longer and longer before it checks the next."""

    form_class = CodeForm
    template_name = "registration/two_factor_login.html"
    next_page = settings.LOGIN_REDIRECT_URL

    def dispatch(self, request, *args, **kwargs):
        self.user = self._pending_user()
        if self.user is None:
            messages.info(request, _("Please log in with your user name and password first."))
            return redirect("login")
        return super().dispatch(request, *args, **kwargs)

    def _pending_user(self) -> User | None:
        pending = self.request.session.get(PENDING)
        if not pending or time.time() - pending["at"] > PENDING_SECONDS:
            self.request.session.pop(PENDING, None)
            return None
        return User.objects.filter(pk=pending["user"], is_active=True).first()

    def form_valid(self, form):
        device = services.confirmed_device(self.user)
        if device is None:  # turned off meanwhile: the password step alone decides
            return redirect("login")
        allowed, info = device.verify_is_allowed()
        if not allowed:
            form.add_error(None, wait_message(info))
            return self.form_invalid(form)
        if not device.verify_token(form.cleaned_data["code"].strip()):
            form.add_error("code", _("That code is not right. Enter the current one."))
            return self.form_invalid(form)
        backend = self.request.session.pop(PENDING)["backend"]
        self.user.otp_device = device  # django-otp marks the new session as verified
        auth_login(self.request, self.user, backend=backend)
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.get_redirect_url(), **kwargs)


def wait_message(info: dict | None) -> str:
    """What django-otp's throttling means for the user: when the next code will be checked."""
    until = (info or {}).get("locked_until")
    if until is None:
        return _("Too many wrong codes. Wait a moment and try again.")
    return _("Too many wrong codes. Try again after %(time)s.") % {
        "time": date_format(timezone.localtime(until), "H:i:s")
    }


class TwoFactorView(LoginRequiredMixin, View):
    """Turn two-factor sign-in on (scan or type the secret, confirm with a current code) or
    off (with a current code or the password)."""

    template_name = "users/two_factor.html"

    def get(self, request):
        return self._render(CodeForm(), TurnOffForm())

    def post(self, request):
        if services.confirmed_device(request.user) is None:
            return self._turn_on(CodeForm(request.POST))
        return self._turn_off(TurnOffForm(request.POST))

    def _turn_on(self, form):
        if not form.is_valid():
            return self._render(form, TurnOffForm())
        device = services.pending_device(self.request.user)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            form.add_error(None, wait_message(info))
            return self._render(form, TurnOffForm())
        if not services.confirm_device(device, form.cleaned_data["code"]):
            form.add_error("code", _("That code is not right. Enter the current one."))
            return self._render(form, TurnOffForm())
        otp_login(self.request, device)
        messages.success(self.request, _("Two-factor sign-in is on."))
        return redirect("two_factor")

    def _turn_off(self, form):
        if form.is_valid() and not self._proves_owner(form):
            form.add_error(None, _("Neither the code nor the password was right."))
        if not form.is_valid():
            return self._render(CodeForm(), form)
        services.turn_off(self.request.user)
        messages.success(self.request, _("Two-factor sign-in is off."))
        return redirect("two_factor")

    def _proves_owner(self, form) -> bool:
        """A current code, or the password checked through authenticate() so that wrong
        passwords count towards the login throttling."""
        user = self.request.user
        if code := form.cleaned_data["code"]:
            device = services.confirmed_device(user)
            allowed, _info = device.verify_is_allowed()
            if allowed and device.verify_token(code.strip()):
                return True
        if password := form.cleaned_data["password"]:
            return (
                authenticate(self.request, username=user.get_username(), password=password)
                is not None
            )
        return False

    def _render(self, on_form, off_form):
        user = self.request.user
        context = {
            "device": services.confirmed_device(user),
            "on_form": on_form,
            "off_form": off_form,
            "required": settings.KAM_REQUIRE_2FA_FOR_ADMINS
            and (user.is_staff or user.is_superuser),
        }
        if context["device"] is None:
            pending = services.pending_device(user)
            context["qr_size"], context["qr_path"] = services.qr_svg_path(pending.config_url)
            context["secret"] = services.secret_for_typing(pending)
        return render(self.request, self.template_name, context)


class ApiTokensView(LoginRequiredMixin, View):
    """The user's own API tokens: create one (shown once, on the answer to the POST, never
    again), see when each was last used, revoke one."""

    template_name = "users/api_tokens.html"

    def get(self, request):
        return self._render(ApiTokenForm())

    def post(self, request):
        if "revoke" in request.POST:
            return self._revoke(request)
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self._render(form)
        days = form.cleaned_data["days"]
        expires = timezone.now() + timedelta(days=days) if days else None
        row, token = services.create_api_token(
            request.user, form.cleaned_data["name"], expires_at=expires
        )
        return self._render(ApiTokenForm(), new=(row, token))

    def _revoke(self, request):
        """Only the user's own tokens: another's id is 404, as if it did not exist."""
        pk = request.POST["revoke"]
        row = request.user.api_tokens.filter(pk=pk).first() if pk.isdigit() else None
        if row is None:
            raise Http404
        services.revoke_api_token(row)
        messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": row.prefix})
        return redirect("api_tokens")

    def _render(self, form, new=None):
        context = {
            "form": form,
            "tokens": self.request.user.api_tokens.all(),
            "new": new,
            "now": timezone.now(),
        }
        return render(self.request, self.template_name, context)
