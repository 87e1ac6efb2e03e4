"""Admin for the customer's people. Contacts are never hard-deleted, only marked and restorable."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.accounts.access import Action
from kam.accounts.admin import AccountScopedAdmin
from kam.core.admin import HistoryMixin, SoftDeletedListFilter
from kam.core.concurrency import StaleGuardAdmin

from . import services
from .choices import BuyingRole, Concern
from .models import Contact


class ContactAdminForm(forms.ModelForm):
    """The buying roles and concerns as boxes to tick, not JSON to type."""

    roles = forms.MultipleChoiceField(
        label=_("buying roles"),
        choices=BuyingRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    concerns = forms.MultipleChoiceField(
        label=_("concerns"),
        choices=Concern.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Contact
        fields = ["account", *services.CONTACT_FIELDS]


@admin.register(Contact)
class ContactAdmin(StaleGuardAdmin, HistoryMixin, AccountScopedAdmin):
    form = ContactAdminForm
    list_display = [
        "name",
        "title",
        "account",
        "level",
        "support",
        "influence",
        "is_node",
        "status",
        "last_met_on",
        "deleted_at",
    ]
    list_filter = [
        SoftDeletedListFilter,
        "level",
        "support",
        "status",
        "is_node",
        "account__region",
    ]
    list_select_related = ["account"]
    search_fields = ["name", "title", "account__name", "account__code", "phone", "email"]
    autocomplete_fields = ["account", "reports_to"]
    readonly_fields = ["last_met_on", "created_at", "updated_at", "deleted_at", "change_history"]
    fieldsets = [
        (None, {"fields": ["account", "name", "title", "department", "phone", "email"]}),
        (
            _("Decision chain"),
            {
                "fields": [
                    "level",
                    "reports_to",
                    "on_chart",
                    "roles",
                    "support",
                    "influence",
                    "orientation",
                    "concerns",
                    "concerns_note",
                    "is_node",
                ]
            },
        ),
        (
            _("Relationship"),
            {
                "fields": [
                    "relationship",
                    "relationship_goal",
                    "business_line",
                    "technical_line",
                    "management_line",
                    "last_met_on",
                ]
            },
        ),
        (_("Status"), {"fields": ["status", "left_on", "notes"]}),
        (None, {"fields": ["created_at", "updated_at", "deleted_at", "change_history"]}),
    ]
    actions = ["soft_delete", "restore"]

    def get_readonly_fields(self, request, obj=None):
        """A contact stays with its account: moving it would carry its history elsewhere."""
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "account"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        """Through the services, so every change is in history (the attitude history too)
        and checked as on the pages; the form has refused a stale copy already."""
        fields = {
            name: form.cleaned_data[name]
            for name in services.CONTACT_FIELDS
            if name in form.cleaned_data and (not change or name in form.changed_data)
        }
        if not change:
            saved = services.create_contact(obj.account, by=request.user, **fields)
            obj.pk, obj._state.adding = saved.pk, False
        elif fields:
            services.update_contact(obj, by=request.user, **fields)
        obj.refresh_from_db()

    def lists_deleted(self, request) -> bool:
        return self.has_change_permission(request)

    def _editable(self, request, queryset):
        """Of the selected contacts, those whose account the user may edit."""
        return queryset.filter(
            pk__in=Contact.objects.restrict(request.user, Action.EDIT, with_deleted=True)
        )

    @admin.action(description=_("Soft delete selected contacts"), permissions=["change"])
    def soft_delete(self, request, queryset):
        contacts = list(self._editable(request, queryset).alive())
        for contact in contacts:
            services.delete_contact(contact, by=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d contact deleted. It can be restored from the deleted list.",
                "%(count)d contacts deleted. They can be restored from the deleted list.",
                len(contacts),
            )
            % {"count": len(contacts)},
        )

    @admin.action(description=_("Restore selected contacts"), permissions=["change"])
    def restore(self, request, queryset):
        contacts = list(self._editable(request, queryset).deleted())
        for contact in contacts:
            services.restore_contact(contact, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d contact restored.", "%(count)d contacts restored.", len(contacts))
            % {"count": len(contacts)},
        )
