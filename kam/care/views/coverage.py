"""coverage pages (see kam/care/urls.py): the company's upkeep settings, for those who
may steer value (the same people who set the tier rules)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from kam.accounts import access
from kam.accounts.access import Action
from kam.core.history import history_of

from .. import policy as care_policy
from ..coverage_forms import CarePolicyForm


@access.requires(Action.STEER_VALUE)
def policy_settings(request):
    """Show the coverage and cadence settings, and save them as overrides of the defaults
    (validated, refused when someone changed them meanwhile, kept in history)."""
    row = care_policy.policy_row()
    if request.method == "POST":
        # the service checks the token's row: one stored since the form was shown is a
        # stale edit to explain, not a damaged form
        form = CarePolicyForm(request.POST)
        if form.is_valid():
            overrides = care_policy.overrides_from(form.values())
            try:
                care_policy.set_policy(
                    overrides,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    seen=form.cleaned_data["seen"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Upkeep settings saved."))
                return redirect("care:policy")
    else:
        initial = CarePolicyForm.initial_from(care_policy.current())
        form = CarePolicyForm(initial=initial, seen_of=row, watched=[care_policy.policy_watch(row)])
    history = history_of(row, "policy").select_related("changed_by")[:20] if row else []
    status = 400 if form.is_bound else 200
    return render(request, "care/policy.html", {"form": form, "history": history}, status=status)


urlpatterns: list = [path("coverage/settings/", policy_settings, name="policy")]
