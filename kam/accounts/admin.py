"""Admin for regions, accounts and account teams, and the base every kam admin page uses.

/admin/ is for administrators and for data the daily pages do not edit yet; it asks the
access layer (kam.accounts.access) for every list, object and change, never Django's model
permissions, so a permission ticked in the admin grants nothing by itself. Writes go
through the services, which keep the history.
"""

from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.core.admin import FieldChangeAdmin, HistoryMixin, SoftDeletedListFilter
from kam.core.concurrency import StaleGuardAdmin
from kam.core.models import FieldChange
from kam.users.models import User
from kam.users.roles import is_active

from . import access, services
from .access import Action
from .models import Account, AccountTeamMember, Region, StageCheck, StageMilestone
from .stages import TRACKS

# Django's groups carry model permissions, which kam's admin does not use: what a person
# may do follows from their role and teams (the access layer).
admin.site.unregister(Group)


class AccessAdmin(admin.ModelAdmin):
    """Company-wide data: who may open it and who may change it are company actions
    (None: any active user may open it; nobody may change it). Nothing is hard-deleted
    through the admin unless `may_delete` says so."""

    view_action: Action | None = Action.ADMINISTER
    change_action: Action | None = Action.ADMINISTER
    may_delete = False

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        if self.view_action is None:
            return is_active(request.user)
        return access.may(request.user, self.view_action) or self.has_change_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.change_action is not None and access.may(request.user, self.change_action)

    def has_add_permission(self, request):
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.may_delete and self.has_change_permission(request, obj)


class AccountScopedAdmin(admin.ModelAdmin):
    """Rows that belong to an account: the rows of accounts the user may see, changed by
    those who may `change_action` their account, attached only to such accounts."""

    account_field = "account"
    change_action = Action.EDIT

    def account_of(self, obj) -> Account:
        return getattr(obj, self.account_field)

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows.restrict(request.user, Action.VIEW, with_deleted=True)

    def has_module_permission(self, request):
        return is_active(request.user)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return is_active(request.user)
        return access.may(request.user, Action.VIEW, self.account_of(obj))

    def has_change_permission(self, request, obj=None):
        if self.change_action is None:
            return False
        if obj is None:
            return self._may_change_some(request)
        return access.may(request.user, self.change_action, self.account_of(obj))

    def has_add_permission(self, request):
        return self.change_action is not None and self._may_change_some(request)

    def has_delete_permission(self, request, obj=None):
        return False  # soft deletion only, where a model has it: see the actions

    def _may_change_some(self, request) -> bool:
        return Account.objects.restrict(request.user, self.change_action).exists()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Account:
            kwargs["queryset"] = Account.objects.restrict(
                request.user, self.change_action or Action.VIEW
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Region)
class RegionAdmin(StaleGuardAdmin, AccessAdmin):
    """Regions: listed for everybody in the admin (accounts are picked by region), kept
    by administrators."""

    view_action = None
    may_delete = True  # a region that still has accounts is protected by the database
    list_display = ["name", "code", "account_count", "updated_at"]
    search_fields = ["name", "code"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(account_count=Count("accounts", filter=Q(accounts__deleted_at__isnull=True)))
        )

    @admin.display(description=_("accounts"), ordering="account_count")
    def account_count(self, obj):
        return obj.account_count


class TeamFormSet(BaseInlineFormSet):
    """Refuses, with the service's reason, a removal the service would refuse."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            member = form.instance
            problem = member.pk and services.removal_problem(
                self.instance, member.user_id, member.role
            )
            if problem:
                raise ValidationError(problem)


class TeamInline(admin.TabularInline):
    """The team on the account's form: people are added and removed by those who may
    manage the team (through the services, so history keeps it); a row is never edited in
    place, and the owner's own KAM row stays."""

    model = AccountTeamMember
    formset = TeamFormSet
    extra = 0
    fields = ["user", "role", "department"]

    def has_view_permission(self, request, obj=None):
        return obj is None or access.may(request.user, Action.VIEW, obj)

    def has_add_permission(self, request, obj=None):
        return obj is not None and access.may(request.user, Action.MANAGE_TEAM, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Account)
class AccountAdmin(StaleGuardAdmin, HistoryMixin, admin.ModelAdmin):
    """Accounts: everyone sees those the access layer shows them; owner, region, status
    and the other master data change only for those who may manage the account, the team
    for those who may manage the team; deleted accounts are listed for those who may
    restore them."""

    list_display = [
        "name",
        "code",
        "region",
        "owner",
        "status",
        "industry",
        "parent",
        "updated_at",
        "deleted_at",
    ]
    list_filter = [SoftDeletedListFilter, "status", "region", "industry"]
    list_select_related = ["region", "owner", "parent"]
    search_fields = ["name", "short_name", "code", "uscc"]
    autocomplete_fields = ["parent", "referred_by", "region"]
    history_fields = ["created_at", "updated_at", "deleted_at", "change_history"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "short_name", "code", "uscc", "industry", "region", "status"]},
        ),
        (_("Group and referral"), {"fields": ["parent", "referred_by"]}),
        (_("Owner"), {"fields": ["owner"]}),
        (
            _("History"),
            {"classes": ["collapse"], "fields": history_fields},
        ),
    ]
    inlines = [TeamInline]
    actions = ["soft_delete", "restore"]

    def get_queryset(self, request):
        accounts = Account.objects.restrict(request.user, Action.VIEW, with_deleted=True)
        return accounts.select_related("region", "owner", "parent")

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete widgets (parent group, contact's account …) offer living accounts only.
        match = request.resolver_match
        if match is not None and match.url_name == "autocomplete":
            queryset = queryset.alive()
        return super().get_search_results(request, queryset, search_term)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not access.may(request.user, Action.MANAGE, obj):
            return [*services.MASTER_FIELDS, *self.history_fields]
        return self.history_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = access.manageable_regions(request.user)
        elif db_field.name == "owner":
            kwargs["queryset"] = User.objects.filter(is_active=True)
        elif db_field.related_model is Account:
            kwargs["queryset"] = Account.objects.restrict(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return is_active(request.user)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return is_active(request.user)
        return access.may(request.user, Action.VIEW, obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return access.manages_any(request.user)
        return access.may(request.user, Action.MANAGE, obj) or access.may(
            request.user, Action.MANAGE_TEAM, obj
        )

    def has_add_permission(self, request):
        return access.manages_any(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # soft deletion only: see the actions

    def has_manage_permission(self, request):
        return access.manages_any(request.user)

    def lists_deleted(self, request) -> bool:
        return access.manages_any(request.user)

    def save_model(self, request, obj, form, change):
        """Through the services, so owner, region and status changes keep history."""
        fields = {
            name: form.cleaned_data[name]
            for name in services.MASTER_FIELDS
            if name in form.cleaned_data and (not change or name in form.changed_data)
        }
        if not change:
            owner = fields.pop("owner", None)
            saved = services.create_account(by=request.user, **fields)
            if owner is not None:  # a hand-over from nobody: history names who chose
                services.change_owner(saved, owner, by=request.user)
            obj.pk, obj._state.adding = saved.pk, False
            obj.refresh_from_db()
        elif fields:  # update_account refreshes obj from the row it saved
            if not access.may(request.user, Action.MANAGE, obj):
                raise PermissionDenied
            services.update_account(obj, by=request.user, **fields)

    def save_formset(self, request, form, formset, change):
        """Team changes through the services: a removed member leaves a trace in history."""
        if formset.model is not AccountTeamMember:
            return super().save_formset(request, form, formset, change)
        members = formset.save(commit=False)
        for member in formset.deleted_objects:
            services.remove_team_member(member.account, member.user, member.role, by=request.user)
        for member in members:
            services.add_to_team(
                member.account,
                member.user,
                member.role,
                department=member.department,
                by=request.user,
            )
        return None

    @admin.action(description=_("Soft delete selected accounts"), permissions=["manage"])
    def soft_delete(self, request, queryset):
        accounts = self._manageable(request, queryset.alive())
        for account in accounts:
            services.delete_account(account, by=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d account deleted. It can be restored from the deleted list.",
                "%(count)d accounts deleted. They can be restored from the deleted list.",
                len(accounts),
            )
            % {"count": len(accounts)},
        )

    @admin.action(description=_("Restore selected accounts"), permissions=["manage"])
    def restore(self, request, queryset):
        accounts = self._manageable(request, queryset.deleted())
        for account in accounts:
            services.restore_account(account, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d account restored.", "%(count)d accounts restored.", len(accounts))
            % {"count": len(accounts)},
        )

    def _manageable(self, request, queryset) -> list[Account]:
        """Every selected account, if the user may manage each; else none, with a message."""
        accounts = list(queryset)
        refused = [a for a in accounts if not access.may(request.user, Action.MANAGE, a)]
        if refused:
            self.message_user(
                request,
                _("You may not delete or restore: %(names)s. Nothing was changed.")
                % {"names": "、".join(a.name for a in refused)},
                messages.ERROR,
            )
            return []
        return accounts


@admin.register(AccountTeamMember)
class AccountTeamMemberAdmin(AccountScopedAdmin):
    """Team rows: added and removed (through the services) by those who may manage the
    account's team, never edited in place."""

    change_action = Action.MANAGE_TEAM
    list_display = ["account", "user", "role", "department", "updated_at"]
    list_filter = ["role", "account__region"]
    list_select_related = ["account", "user"]
    search_fields = ["account__name", "account__code", "user__username", "user__last_name"]
    autocomplete_fields = ["account"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return False  # one by one, from each row's page
        if services.removal_problem(obj.account, obj.user_id, obj.role):
            return False
        return access.may(request.user, Action.MANAGE_TEAM, obj.account)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = services.add_to_team(
            obj.account, obj.user, obj.role, department=obj.department, by=request.user
        )
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request, obj):
        services.remove_team_member(obj.account, obj.user, obj.role, by=request.user)


@admin.register(StageCheck)
class StageCheckAdmin(AccountScopedAdmin):
    """Read only: checklist items are ticked on the account page, which keeps history."""

    change_action = None
    list_display = ["account", "track", "stage", "item", "done", "checked_by", "checked_at"]
    list_filter = ["track", "stage", "done"]
    list_select_related = ["account", "checked_by"]
    search_fields = ["account__name", "account__code", "note"]


@admin.register(FieldChange)
class AuditAdmin(AccessAdmin, FieldChangeAdmin):
    """The audit trail, read-only, for the portfolio: a change names objects (and values)
    that a KAM outside the account must not see; the change form of each account shows its
    own history to whoever may open it."""

    view_action = Action.STEER_VALUE
    change_action = None


@admin.register(StageMilestone)
class StageMilestoneAdmin(StaleGuardAdmin, AccessAdmin):
    """The company's own stage milestones, kept by those who steer the portfolio. A stage
    without rows here shows the built-in defaults on the account page; "load the defaults"
    copies them in to edit."""

    view_action = None
    change_action = Action.STEER_VALUE
    may_delete = True

    list_display = ["track", "stage", "order", "department", "when", "action"]
    list_display_links = ["department"]
    list_editable = ["order"]
    list_filter = ["track", "stage"]
    search_fields = ["department", "when", "action"]

    def get_urls(self):
        load = path(
            "load-defaults/",
            self.admin_site.admin_view(self.load_defaults),
            name="accounts_stagemilestone_load_defaults",
        )
        return [load, *super().get_urls()]

    def load_defaults(self, request):
        if request.method == "POST" and self.has_add_permission(request):
            count = services.copy_default_milestones()
            self.message_user(
                request,
                ngettext(
                    "%(count)d default milestone copied in.",
                    "%(count)d default milestones copied in.",
                    count,
                )
                % {"count": count},
            )
        return redirect("admin:accounts_stagemilestone_changelist")

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and self.has_add_permission(request):
            missing = self._stages_without_rows()
            if missing:
                self.message_user(
                    request,
                    format_html(
                        '{} <form method="post" action="{}" class="inline-form">'
                        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                        '<button type="submit">{}</button></form>',
                        ngettext(
                            "%(count)d stage uses the built-in milestones.",
                            "%(count)d stages use the built-in milestones.",
                            missing,
                        )
                        % {"count": missing},
                        reverse("admin:accounts_stagemilestone_load_defaults"),
                        get_token(request),
                        _("Copy them in to edit"),
                    ),
                    messages.INFO,
                )
        return super().changelist_view(request, extra_context)

    @staticmethod
    def _stages_without_rows() -> int:
        have = set(StageMilestone.objects.values_list("track", "stage").distinct())
        return sum(
            1
            for track, track_stages in TRACKS.items()
            for stage in track_stages
            if (track, stage.key) not in have
        )
