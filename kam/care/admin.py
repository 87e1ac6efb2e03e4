"""Admin for visits and tasks: the rows of the accounts the user sees, every write through
kam.care.services (so "last met", the next steps' tasks and history follow). Nothing is
hard-deleted: soft delete and restore are actions."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.accounts import access
from kam.accounts.access import Action, account_filter
from kam.accounts.admin import AccountScopedAdmin
from kam.core.admin import HistoryMixin, SoftDeletedListFilter
from kam.core.concurrency import StaleGuardAdmin
from kam.people.models import Contact
from kam.users.roles import is_active, steers_portfolio

from . import services
from .models import Task, Visit


class VisitAdminForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = [
            "account",
            "kind",
            "date",
            "our_people",
            "their_people",
            "notes",
            "next_step",
            "next_step_on",
        ]

    def clean(self):
        """Their participants are contacts of the visit's account, checked here so the
        admin shows the refusal at the field instead of failing in the service."""
        data = super().clean()
        account = data.get("account") or getattr(self.instance, "account", None)
        people = data.get("their_people") or []
        if account is not None and any(c.account_id != account.pk for c in people):
            self.add_error(
                "their_people", _("Their participants must be contacts of this account.")
            )
        return data


def _say(model_admin, request, message: str, count: int) -> None:
    """Tell what an action did (`message` from ngettext, with %(count)d)."""
    model_admin.message_user(request, message % {"count": count})


@admin.register(Visit)
class VisitAdmin(StaleGuardAdmin, HistoryMixin, AccountScopedAdmin):
    form = VisitAdminForm
    list_display = [
        "date",
        "kind",
        "account",
        "next_step",
        "next_step_on",
        "created_by",
        "deleted_at",
    ]
    list_filter = [SoftDeletedListFilter, "kind", "account__region"]
    list_select_related = ["account", "created_by"]
    search_fields = ["account__name", "account__code", "notes", "next_step"]
    autocomplete_fields = ["account"]
    filter_horizontal = ["our_people", "their_people"]
    date_hierarchy = "date"
    readonly_fields = ["created_by", "created_at", "updated_at", "deleted_at", "change_history"]
    actions = ["soft_delete", "restore"]

    def lists_deleted(self, request) -> bool:
        return self.has_change_permission(request)

    def get_readonly_fields(self, request, obj=None):
        """A visit stays with its account: moving it would mark another customer's people."""
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "account"] if obj is not None else fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "their_people":
            kwargs["queryset"] = (
                Contact.objects.restrict(request.user, Action.EDIT)
                .select_related("account")
                .order_by("account__name", "name")
            )
        if db_field.name == "our_people":
            kwargs["queryset"] = db_field.related_model.objects.filter(is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Through the services; the participants too (see save_related)."""
        data = form.cleaned_data
        fields = {name: data[name] for name in services.VISIT_FIELDS if name in data}
        people = {name: list(data[name]) for name in services.PEOPLE_FIELDS if name in data}
        if change:
            saved = services.update_visit(obj, by=request.user, **fields, **people)
        else:
            saved = services.log_visit(data["account"], by=request.user, **fields, **people)
        obj.pk, obj._state.adding = saved.pk, False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """The participants were set by the service in save_model."""

    def _editable(self, request, queryset):
        return queryset.filter(
            pk__in=Visit.objects.restrict(request.user, Action.EDIT, with_deleted=True)
        )

    @admin.action(description=_("Soft delete selected visits"), permissions=["change"])
    def soft_delete(self, request, queryset):
        visits = list(self._editable(request, queryset).alive())
        for visit in visits:
            services.delete_visit(visit, by=request.user)
        _say(
            self,
            request,
            ngettext(
                "%(count)d visit deleted. It can be restored from the deleted list.",
                "%(count)d visits deleted. They can be restored from the deleted list.",
                len(visits),
            ),
            len(visits),
        )

    @admin.action(description=_("Restore selected visits"), permissions=["change"])
    def restore(self, request, queryset):
        visits = list(self._editable(request, queryset).deleted())
        for visit in visits:
            services.restore_visit(visit, by=request.user)
        _say(
            self,
            request,
            ngettext("%(count)d visit restored.", "%(count)d visits restored.", len(visits)),
            len(visits),
        )


@admin.register(Task)
class TaskAdmin(StaleGuardAdmin, HistoryMixin, admin.ModelAdmin):
    """Tasks: your own, and those on accounts you see; changed by their assignee, by those
    who may edit their account, and by the portfolio."""

    list_display = ["title", "assignee", "due_on", "account", "origin", "done_at", "deleted_at"]
    list_filter = [SoftDeletedListFilter, "origin", ("done_at", admin.EmptyFieldListFilter)]
    list_select_related = ["assignee", "account"]
    search_fields = ["title", "notes", "account__name", "assignee__username"]
    autocomplete_fields = ["account"]
    fields = ["assignee", "title", "notes", "due_on", "account", "contact", "origin", "visit"]
    readonly_fields = ["origin", "visit", "done_at", "created_by", "created_at", "change_history"]
    actions = ["mark_done", "soft_delete", "restore"]

    def get_fields(self, request, obj=None):
        fields = list(self.fields)
        return [*fields, "done_at", "created_by", "created_at", "change_history"] if obj else fields

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        return [*fields, "account"] if obj is not None else fields

    def get_queryset(self, request):
        """Your own and those on accounts you see; none of a deleted account, which is hidden
        from everybody until it is restored (user guide, "Roles"), its tasks with it."""
        rows = (
            super()
            .get_queryset(request)
            .filter(Q(account__isnull=True) | Q(account__deleted_at__isnull=True))
        )
        rule = account_filter(request.user, Action.VIEW, "account__")
        if rule is None:
            return rows
        return rows.filter(Q(assignee_id=request.user.pk) | (Q(account__isnull=False) & rule))

    def lists_deleted(self, request) -> bool:
        return is_active(request.user)

    def has_module_permission(self, request):
        return is_active(request.user)

    def has_view_permission(self, request, obj=None):
        return is_active(request.user)

    def has_add_permission(self, request):
        return is_active(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return is_active(request.user)
        return self._may_change(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # soft deletion only: see the actions

    @staticmethod
    def _may_change(user, task: Task) -> bool:
        if not is_active(user):
            return False
        if task.assignee_id == user.pk or steers_portfolio(user):
            return True
        return task.account is not None and access.may(user, Action.EDIT, task.account)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from kam.accounts.models import Account

        if db_field.related_model is Account:
            kwargs["queryset"] = Account.objects.restrict(request.user, Action.VIEW)
        if db_field.name == "contact":
            kwargs["queryset"] = Contact.objects.restrict(request.user, Action.VIEW).alive()
        if db_field.name == "assignee":
            kwargs["queryset"] = db_field.related_model.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Through the services, so each change is in history."""
        data = form.cleaned_data
        if change:
            fields = {n: data[n] for n in services.TASK_FIELDS if n in form.changed_data}
            saved = services.update_task(obj, by=request.user, **fields)
        else:
            extra = {n: data.get(n) for n in ("notes", "due_on", "account", "contact")}
            saved = services.create_task(data["assignee"], data["title"], by=request.user, **extra)
        obj.pk, obj._state.adding = saved.pk, False
        obj.refresh_from_db()

    def _changeable(self, request, queryset) -> list[Task]:
        return [t for t in queryset.select_related("account") if self._may_change(request.user, t)]

    def _apply(self, request, tasks, write, message) -> None:
        """Run one service on each task the user may change, and say how many."""
        for task in tasks:
            write(task, by=request.user)
        _say(self, request, message(len(tasks)), len(tasks))

    @admin.action(description=_("Mark selected tasks done"), permissions=["change"])
    def mark_done(self, request, queryset):
        self._apply(
            request,
            self._changeable(request, queryset.open()),
            services.complete_task,
            lambda n: ngettext("%(count)d task marked done.", "%(count)d tasks marked done.", n),
        )

    @admin.action(description=_("Soft delete selected tasks"), permissions=["change"])
    def soft_delete(self, request, queryset):
        self._apply(
            request,
            self._changeable(request, queryset.alive()),
            services.delete_task,
            lambda n: ngettext("%(count)d task deleted.", "%(count)d tasks deleted.", n),
        )

    @admin.action(description=_("Restore selected tasks"), permissions=["change"])
    def restore(self, request, queryset):
        self._apply(
            request,
            self._changeable(request, queryset.deleted()),
            services.restore_task,
            lambda n: ngettext("%(count)d task restored.", "%(count)d tasks restored.", n),
        )
