"""Admin for sales data.

Order lines, the monthly rollup and import records come from `kam import orders` and are shown
read-only: correcting them means fixing the ERP export and importing it again (the natural
key makes that safe). Cost-to-serve entries are typed in by people, so they are editable,
but not deletable: nothing is hard-deleted through the UI; a wrong entry is corrected.
"""

import datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils.translation import gettext_lazy as _

from kam.accounts import access
from kam.accounts.access import Action
from kam.accounts.admin import AccessAdmin, AccountScopedAdmin
from kam.core.concurrency import StaleGuardAdmin

from .models import AccountMonth, CostToServe, ImportBatch, ImportJob, OrderLine


class MonthListFilter(admin.SimpleListFilter):
    """Filter by calendar month; the months come from the (small, indexed) rollup table."""

    title = _("month")
    parameter_name = "month"

    def lookups(self, request, model_admin):
        months = AccountMonth.objects.order_by("-month").values_list("month", flat=True)
        return [(month.isoformat(), month.strftime("%Y-%m")) for month in months.distinct()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            month = datetime.date.fromisoformat(self.value())
        except ValueError as exc:
            raise IncorrectLookupParameters(exc) from exc
        return queryset.filter(month=month)


class ReadOnlyAdmin(AccountScopedAdmin):
    """Visible to whoever may see the account; nobody adds, edits or deletes here."""

    change_action = None


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = [
        "order_no",
        "line_no",
        "order_date",
        "account",
        "product_name",
        "quantity",
        "amount",
        "cost",
        "discount",
        "source",
    ]
    list_filter = ["source", MonthListFilter]
    list_select_related = ["account"]
    search_fields = ["order_no", "account__name", "account__code"]
    # Newest imports first, along the primary key: sorting millions of lines by date is slow.
    ordering = ["-id"]
    show_full_result_count = False
    fields = [
        ("source", "order_no", "line_no"),
        "account",
        ("order_date", "month"),
        ("product_code", "product_name"),
        ("quantity", "unit_price", "amount"),
        ("cost", "discount"),
        ("paid_amount", "paid_date", "days_to_pay"),
        "batch",
        ("created_at", "updated_at"),
    ]


@admin.register(AccountMonth)
class AccountMonthAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "month_label",
        "revenue",
        "cost",
        "discount",
        "return_amount",
        "paid_amount",
        "orders",
        "lines",
    ]
    list_filter = [MonthListFilter]
    list_select_related = ["account"]
    search_fields = ["account__name", "account__code"]
    ordering = ["-month", "account"]
    show_full_result_count = False

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, obj):
        return obj.month.strftime("%Y-%m")


@admin.register(CostToServe)
class CostToServeAdmin(StaleGuardAdmin, AccountScopedAdmin):
    list_display = ["date", "account", "category", "amount", "note", "updated_at"]
    list_filter = ["category", "date", "account__region"]
    list_select_related = ["account"]
    search_fields = ["account__name", "account__code", "note"]
    autocomplete_fields = ["account"]
    date_hierarchy = "date"
    readonly_fields = ["created_at", "updated_at"]


@admin.register(ImportBatch)
class ImportBatchAdmin(AccessAdmin):
    """What each import did, for those who may import; read-only."""

    view_action = Action.IMPORT
    change_action = None
    list_display = [
        "created_at",
        "file_name",
        "source",
        "imported_by",
        "lines_added",
        "lines_updated",
        "lines_unchanged",
        "rows_skipped",
        "accounts_created",
        "months_refreshed",
        "seconds",
    ]
    list_filter = ["source", "created_at"]
    list_select_related = ["imported_by"]
    search_fields = ["file_name", "source"]
    date_hierarchy = "created_at"


@admin.register(ImportJob)
class ImportJobAdmin(AccessAdmin):
    """Uploads from the import page, read-only: they are run from that page, not here.
    Each importer sees their own uploads (file names, paths); administrators see all."""

    view_action = Action.IMPORT
    change_action = None

    list_display = ["created_at", "file_name", "uploaded_by", "source", "state", "batch"]
    list_filter = ["state", "source"]
    list_select_related = ["uploaded_by", "batch"]
    search_fields = ["file_name", "source"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        jobs = super().get_queryset(request)
        if access.may(request.user, Action.ADMINISTER):
            return jobs
        return jobs.filter(uploaded_by=request.user)
