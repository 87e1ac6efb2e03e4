"""The admin site's frame and the pieces every domain admin shares: soft deletion, history.

The admin is where the key account department maintains data (/admin/). It holds no domain
rules of its own: writes that carry rules (owner changes, soft deletion) call the services.
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from .history import history_of

admin.site.site_header = _("kam · data maintenance")
admin.site.site_title = _("kam data maintenance")
admin.site.index_title = _("Data maintenance")


class SoftDeletedListFilter(admin.SimpleListFilter):
    """Alive rows by default; the deleted ones a filter away for those who may restore
    them (the model admin's `lists_deleted(request)`, which asks the access layer)."""

    title = _("deleted")
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        if not getattr(model_admin, "lists_deleted", lambda _request: False)(request):
            return []
        return [("no", _("Alive")), ("yes", _("Deleted")), ("all", _("All"))]

    def choices(self, changelist):
        current = self.value() or "no"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "no"
        if value == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if value == "all":
            return queryset
        return queryset.filter(deleted_at__isnull=True)


# Fields recorded in history that are not model fields, and how their values read.
HISTORY_FIELD_LABELS = {"deleted": _("deleted"), "team": _("team")}
HISTORY_VALUE_LABELS = {("deleted", "yes"): _("Deleted"), ("deleted", ""): _("Alive")}


def _history_labels(model, changes) -> dict[tuple[str, str], str]:
    """Readable labels for stored values: choice labels, and related objects' names."""
    labels: dict[tuple[str, str], str] = {
        key: str(label) for key, label in HISTORY_VALUE_LABELS.items()
    }
    by_field: dict[str, set[str]] = {}
    for change in changes:
        by_field.setdefault(change.field, set()).update({change.old_value, change.new_value})
    for name, values in by_field.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.choices:
            choices = dict(field.flatchoices)
            labels.update({(name, v): str(choices[v]) for v in values if v in choices})
        elif field.many_to_one:
            ids = [int(v) for v in values if v.isdigit()]
            for pk, obj in field.related_model._default_manager.in_bulk(ids).items():
                labels[(name, str(pk))] = str(obj)
    return labels


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return str(HISTORY_FIELD_LABELS.get(name, name))


def history_table(obj, limit: int = 100):
    """The recorded changes of one object as an HTML table (every value escaped)."""
    changes = list(history_of(obj).select_related("changed_by")[:limit])
    if not changes:
        return _("No changes recorded yet.")
    model = type(obj)
    labels = _history_labels(model, changes)

    def label(change, value):
        return labels.get((change.field, value), value)

    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                date_format(localtime(c.changed_at), "SHORT_DATETIME_FORMAT"),
                _field_label(model, c.field),
                label(c, c.old_value),
                label(c, c.new_value),
                c.changed_by or "",
                c.reason,
            )
            for c in changes
        ),
    )
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
        "</tr></thead><tbody>{}</tbody></table>",
        _("changed at"),
        _("field"),
        _("from"),
        _("to"),
        _("changed by"),
        _("reason"),
        rows,
    )


class HistoryMixin:
    """Adds a read-only "history" box to the change form of a model whose changes are recorded."""

    @admin.display(description=_("history"))
    def change_history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return history_table(obj)


class FieldChangeAdmin(admin.ModelAdmin):
    """The audit trail's list; registered by kam.accounts.admin, which decides who sees it."""

    list_display = [
        "changed_at",
        "content_type",
        "target_link",
        "field",
        "old_value",
        "new_value",
        "changed_by",
        "reason",
    ]
    list_filter = ["content_type", "field", "changed_at"]
    search_fields = ["old_value", "new_value", "reason", "changed_by__username", "=object_id"]
    list_select_related = ["content_type", "changed_by"]
    date_hierarchy = "changed_at"
    show_full_result_count = False

    @admin.display(description=_("object"), ordering="object_id")
    def target_link(self, obj):
        ct = obj.content_type
        try:
            url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[obj.object_id])
        except NoReverseMatch:
            return obj.object_id
        return format_html('<a href="{}">{}</a>', url, obj.object_id)
