"""Recording changes to the fields whose history users must be able to read back."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import FieldChange


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def stored_value(value) -> str:
    """A value as history stores it: the text kam.core.concurrency compares."""
    return _display(value)


def change(obj: models.Model, field: str, old, new, *, by=None, reason: str = ""):
    """An unsaved FieldChange, or None when nothing changed; for bulk_create of many."""
    if _display(old) == _display(new):
        return None
    return FieldChange(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        field=field,
        old_value=_display(old),
        new_value=_display(new),
        changed_by=by,
        reason=reason,
    )


def record_change(obj: models.Model, field: str, old, new, *, by=None, reason: str = "") -> None:
    """Store one change, unless nothing changed."""
    entry = change(obj, field, old, new, by=by, reason=reason)
    if entry is not None:
        entry.save()


def history_of(obj: models.Model, field: str | None = None):
    changes = FieldChange.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )
    return changes.filter(field=field) if field else changes
