"""Login throttling with two limits: django-axes counts failures per user name and address,
and per user name alone; this handler locks on whichever limit is reached first."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render


class LockoutHandler(AxesDatabaseHandler):
    """Axes compares one failure count with one limit. Guessing one user's password from one
    address locks that pair after AXES_FAILURE_LIMIT failures, without letting anyone lock a
    colleague out from elsewhere; guessing from many addresses locks the user name itself
    after the larger KAM_USERNAME_FAILURE_LIMIT. The user-name count is scaled so that it
    reaches AXES_FAILURE_LIMIT exactly when it reaches its own limit."""

    def get_failures(self, request, credentials=None) -> int:
        pair, username = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = get_failure_limit(request, credentials)
        return max(pair, username * limit // settings.KAM_USERNAME_FAILURE_LIMIT)


def lockout_response(request, original_response=None, credentials=None):
    """kam's own page in the user's language instead of axes' bare English sentence; 429,
    as axes answers, so scripts see they are throttled."""
    cool_off = get_cool_off(request)
    context = {"cooloff_minutes": round(cool_off.total_seconds() / 60) if cool_off else None}
    return render(request, "registration/locked_out.html", context, status=429)
