from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.core.concurrency import StaleGuardAdmin

from . import services
from .models import ApiToken, User
from .roles import Action, may_company


class AdministratorsOnly:
    """Users, and the libraries' sign-in records (login attempts, lockouts) and two-factor
    devices: administrators only, as the access layer says, whatever model permissions a
    user was given."""

    def _administers(self, request) -> bool:
        return may_company(request.user, Action.ADMINISTER)

    def has_module_permission(self, request):
        return self._administers(request)

    def has_view_permission(self, request, obj=None):
        return self._administers(request)

    def has_change_permission(self, request, obj=None):
        return self._administers(request)

    def has_add_permission(self, request):
        return self._administers(request)

    def has_delete_permission(self, request, obj=None):
        return self._administers(request)  # unlocking a user, removing a lost phone


class AdministratorsLookOnly(AdministratorsOnly):
    """The job queue of `kam worker`: administrators look, only the worker writes."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(StaleGuardAdmin, AdministratorsOnly, DjangoUserAdmin):
    """People of our company; users and their roles decide what everybody may do, so only
    administrators keep them. Deactivate leavers (untick "active") rather than deleting
    them: accounts they owned and history they wrote keep pointing at them."""

    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "region",
        "department",
        "is_active",
        "is_staff",
        "last_login",
    ]
    list_filter = ["role", "region", "is_active", "is_staff", "is_superuser"]
    list_select_related = ["region"]
    search_fields = ["username", "first_name", "last_name", "email", "department"]
    autocomplete_fields = ["region"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Key account work"), {"fields": ["role", "region", "department"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Key account work"), {"fields": ["role", "region", "department"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate leavers: what they owned and wrote keeps pointing at them


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorsLookOnly, admin.ModelAdmin):
    """Everybody's API tokens, for administrators: who holds one, when it was last used, and
    revoking one that leaked or whose holder left. Only its holder creates a token (on their
    token page or with `kam api-token create`), since it is shown once, to them; only the
    hash is here, and a revoked token stays listed."""

    list_display = [
        "name",
        "prefix",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            services.revoke_api_token(token)
        done = ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
        self.message_user(request, done % {"count": len(tokens)})

    def has_revoke_permission(self, request):
        return self._administers(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def guard_library_admins(site=admin.site) -> None:
    """Register the libraries' own admin pages again behind AdministratorsOnly. Called once
    every admin module is loaded (UsersConfig.ready), since the libraries come later."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label in LIBRARY_APPS and not isinstance(
            model_admin, AdministratorsOnly
        ):
            guard = (
                AdministratorsLookOnly
                if model._meta.app_label in LOOK_ONLY_LIBRARY_APPS
                else AdministratorsOnly
            )
            guarded = type(type(model_admin).__name__, (guard, type(model_admin)), {})
            site.unregister(model)
            site.register(model, guarded)


LOOK_ONLY_LIBRARY_APPS = {"django_tasks_database"}
LIBRARY_APPS = {"axes", "otp_totp", *LOOK_ONLY_LIBRARY_APPS}
