"""Admin for regions, accounts and account teams.

Rows go through Account.objects.visible_to(user) for everybody below the portfolio; the
portfolio (executives, the key account director, superusers) also sees soft-deleted accounts,
so it can restore them. Owner, status, team and deletion changes go through the services,
which keep the history.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.core.admin import HistoryMixin, SoftDeletedListFilter, sees_whole_portfolio

from . import services
from .models import Account, AccountTeamMember, Region, StageCheck, StageMilestone
from .stages import TRACKS


def account_choices(user):
    """Accounts a user may attach a row to (what foreign-key fields to Account accept)."""
    if sees_whole_portfolio(user):
        return Account.objects.all()
    return Account.objects.visible_to(user)


class AccountScopedAdmin(admin.ModelAdmin):
    """For rows that belong to an account: only rows of accounts the user may see, and only
    such accounts offered (and accepted) in forms."""

    account_field = "account"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_whole_portfolio(request.user):
            return queryset
        return queryset.filter(
            **{f"{self.account_field}__in": Account.objects.visible_to(request.user)}
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Account:
            kwargs["queryset"] = account_choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
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


def save_team_member(member: AccountTeamMember) -> None:
    """New members join through the service (it fills in their department); edits just save."""
    if member.pk is not None:
        member.save()
        return
    saved = services.add_team_member(member.account, member.user, member.role, member.department)
    member.pk = saved.pk
    member._state.adding = False
    member.refresh_from_db()


class TeamInline(admin.TabularInline):
    model = AccountTeamMember
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "department"]


@admin.register(Account)
class AccountAdmin(HistoryMixin, admin.ModelAdmin):
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
    autocomplete_fields = ["parent", "referred_by", "owner", "region"]
    readonly_fields = ["created_at", "updated_at", "deleted_at", "change_history"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "short_name", "code", "uscc", "industry", "region", "status"]},
        ),
        (_("Group and referral"), {"fields": ["parent", "referred_by"]}),
        (_("Owner"), {"fields": ["owner"]}),
        (
            _("History"),
            {
                "classes": ["collapse"],
                "fields": ["change_history", "created_at", "updated_at", "deleted_at"],
            },
        ),
    ]
    inlines = [TeamInline]
    actions = ["soft_delete", "restore"]

    def get_queryset(self, request):
        if sees_whole_portfolio(request.user):
            queryset = Account.objects.all()
        else:
            queryset = Account.objects.visible_to(request.user)
        return queryset.select_related("region", "owner", "parent")

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete widgets (parent group, contact's account …) offer living accounts only.
        match = request.resolver_match
        if match is not None and match.url_name == "autocomplete":
            queryset = queryset.alive()
        return super().get_search_results(request, queryset, search_term)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Account:
            kwargs["queryset"] = account_choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # soft deletion only: see the actions

    def save_model(self, request, obj, form, change):
        """Owner and status changes go through the services so history records them."""
        if not change:
            owner, obj.owner = obj.owner, None
            obj.save()
            if owner is not None:
                services.change_owner(obj, owner, by=request.user)
            return
        stored = Account.objects.values("owner_id", "status").get(pk=obj.pk)
        owner, status = obj.owner, obj.status
        obj.owner_id, obj.status = stored["owner_id"], stored["status"]
        obj.save()
        if getattr(owner, "pk", None) != stored["owner_id"]:
            services.change_owner(obj, owner, by=request.user)
        if status != stored["status"]:
            services.change_status(obj, status, by=request.user)

    def save_formset(self, request, form, formset, change):
        """Team changes through the services: a removed member leaves a trace in history."""
        if formset.model is not AccountTeamMember:
            return super().save_formset(request, form, formset, change)
        members = formset.save(commit=False)
        for member in formset.deleted_objects:
            services.remove_team_member(member.account, member.user, member.role, by=request.user)
        for member in members:
            save_team_member(member)
        formset.save_m2m()
        return None

    @admin.action(description=_("Soft delete selected accounts"), permissions=["change"])
    def soft_delete(self, request, queryset):
        accounts = list(queryset.alive())
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

    @admin.action(description=_("Restore selected accounts"), permissions=["change"])
    def restore(self, request, queryset):
        accounts = list(queryset.deleted())
        for account in accounts:
            services.restore_account(account, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d account restored.", "%(count)d accounts restored.", len(accounts))
            % {"count": len(accounts)},
        )


@admin.register(AccountTeamMember)
class AccountTeamMemberAdmin(AccountScopedAdmin):
    list_display = ["account", "user", "role", "department", "updated_at"]
    list_filter = ["role", "account__region"]
    list_select_related = ["account", "user"]
    search_fields = ["account__name", "account__code", "user__username", "user__last_name"]
    autocomplete_fields = ["account", "user"]

    def save_model(self, request, obj, form, change):
        save_team_member(obj)

    def delete_model(self, request, obj):
        services.remove_team_member(obj.account, obj.user, obj.role, by=request.user)

    def delete_queryset(self, request, queryset):
        for member in queryset.select_related("account", "user"):
            self.delete_model(request, member)


@admin.register(StageCheck)
class StageCheckAdmin(AccountScopedAdmin):
    """Read only: checklist items are ticked on the account page, which keeps history."""

    list_display = ["account", "track", "stage", "item", "done", "checked_by", "checked_at"]
    list_filter = ["track", "stage", "done"]
    list_select_related = ["account", "checked_by"]
    search_fields = ["account__name", "account__code", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StageMilestone)
class StageMilestoneAdmin(admin.ModelAdmin):
    """The company's own stage milestones. A stage without rows here shows the built-in
    defaults on the account page; "load the defaults" copies them in to edit."""

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
                        '{} <form method="post" action="{}" style="display:inline">'
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
