"""Admin for the value engine's settings and results; writes go through kam.value.services."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kam.accounts.access import Action
from kam.accounts.admin import AccessAdmin, AccountScopedAdmin
from kam.core.concurrency import StaleGuardAdmin

from . import services
from .config import PolicyError, policy_from_dict
from .models import AccountPotential, AccountTier, TierConfig


class TierConfigForm(forms.ModelForm):
    class Meta:
        model = TierConfig
        fields = ["name", "policy", "note"]

    def clean_policy(self):
        policy = self.cleaned_data["policy"] or {}
        try:
            policy_from_dict(policy)
        except PolicyError as error:
            raise forms.ValidationError(str(error)) from error
        return policy


@admin.register(TierConfig)
class TierConfigAdmin(StaleGuardAdmin, AccessAdmin):
    """Named tier settings, for those who steer the portfolio."""

    view_action = change_action = Action.STEER_VALUE
    form = TierConfigForm
    list_display = ["name", "is_active", "note", "created_by", "updated_at"]
    readonly_fields = ["is_active", "created_by", "created_at", "updated_at"]
    actions = ["activate"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Make the selected configuration the active one"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one configuration."), level="error")
            return
        services.activate_tier_config(queryset.get(), by=request.user)


@admin.register(AccountTier)
class AccountTierAdmin(AccountScopedAdmin):
    """Read-only here: tiers are computed by `kam analyze --apply`, and set by hand with a
    reason through `kam tiers override` or the account page, which keep history."""

    list_display = ["account", "computed_tier", "override_tier", "score", "period_end"]
    list_filter = ["computed_tier", "override_tier"]
    search_fields = ["account__name", "account__code"]
    list_select_related = ["account"]
    change_action = None


@admin.register(AccountPotential)
class AccountPotentialAdmin(StaleGuardAdmin, AccountScopedAdmin):
    list_display = [
        "account",
        "wallet",
        "share",
        "growth_outlook",
        "influence",
        "referral_power",
        "strategic_fit",
    ]
    search_fields = ["account__name", "account__code"]
    autocomplete_fields = ["account"]
    readonly_fields = ["updated_by", "created_at", "updated_at"]
    list_select_related = ["account"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data.get(name) for name in services.POTENTIAL_FIELDS}
        services.set_potential(form.cleaned_data["account"], by=request.user, **values)
