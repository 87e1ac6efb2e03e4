"""Admin for the customer's people. Contacts are never hard-deleted, only marked and restorable."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.accounts.access import Action
from kam.accounts.admin import AccountScopedAdmin
from kam.core.admin import HistoryMixin, SoftDeletedListFilter
from kam.core.concurrency import StaleGuardAdmin

from . import services
from .models import Contact


@admin.register(Contact)
class ContactAdmin(StaleGuardAdmin, HistoryMixin, AccountScopedAdmin):
    list_display = ["name", "title", "department", "account", "phone", "email", "deleted_at"]
    list_filter = [SoftDeletedListFilter, "account__region"]
    list_select_related = ["account"]
    search_fields = ["name", "title", "account__name", "account__code", "phone", "email"]
    autocomplete_fields = ["account"]
    readonly_fields = ["created_at", "updated_at", "deleted_at", "change_history"]
    actions = ["soft_delete", "restore"]

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
