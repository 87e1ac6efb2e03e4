"""Writes of the care app: visits (which keep each contact's "last met") and tasks. Pages,
the API, the demo and the CLI call these; callers check permissions (the access layer)."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kam.core.history import record_change
from kam.people import services as people
from kam.people.models import Contact

from .choices import MEETINGS, TaskOrigin
from .models import Task, Visit

VISIT_FIELDS = ("kind", "date", "notes", "next_step", "next_step_on")


def _check_people(account, their_people: Iterable[Contact]) -> list[Contact]:
    """Their participants must be contacts of the visit's account."""
    contacts = list(their_people)
    if any(c.account_id != account.pk for c in contacts):
        raise ValueError("a participant is a contact of another account")
    return contacts


@transaction.atomic
def log_visit(account, *, by=None, our_people=(), their_people=(), **fields) -> Visit:
    """Log a visit, call, meeting or executive visit; its people's "last met" follows."""
    visit = Visit(account=account, created_by=by, **fields)
    visit.full_clean()
    visit.save()
    visit.our_people.set(list(our_people))
    visit.their_people.set(_check_people(account, their_people))
    _refresh_last_met(c.pk for c in visit.their_people.all())
    return visit


@transaction.atomic
def update_visit(visit: Visit, *, by=None, our_people=None, their_people=None, **fields) -> Visit:
    """Change a visit; each changed field is in history, and both the people who were and
    the people who now are on it have their "last met" recomputed."""
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise ValueError(f"not a visit's fields: {sorted(unknown)}")
    current = Visit.objects.select_for_update().get(pk=visit.pk)
    before = set(current.their_people.values_list("pk", flat=True))
    for name, value in fields.items():
        record_change(current, name, getattr(current, name), value, by=by)
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if our_people is not None:
        current.our_people.set(list(our_people))
    if their_people is not None:
        current.their_people.set(_check_people(current.account, their_people))
    _refresh_last_met(before | set(current.their_people.values_list("pk", flat=True)))
    return current


@transaction.atomic
def delete_visit(visit: Visit, *, by=None, reason: str = "") -> None:
    """Soft delete; its people's "last met" falls back to their previous meeting."""
    record_change(visit, "deleted", "", "yes", by=by, reason=reason)
    visit.soft_delete()
    _refresh_last_met(visit.their_people.values_list("pk", flat=True))


@transaction.atomic
def restore_visit(visit: Visit, *, by=None) -> None:
    record_change(visit, "deleted", "yes", "", by=by)
    visit.restore()
    _refresh_last_met(visit.their_people.values_list("pk", flat=True))


def last_met(contact_ids: Iterable[int]) -> dict[int, date | None]:
    """Each contact's latest face-to-face meeting among the living visits (None: never)."""
    ids = list(contact_ids)
    met = dict.fromkeys(ids)
    rows = (
        Visit.their_people.through.objects.filter(
            contact_id__in=ids, visit__deleted_at__isnull=True, visit__kind__in=MEETINGS
        )
        .values("contact_id")
        .annotate(latest=Max("visit__date"))
    )
    met.update({row["contact_id"]: row["latest"] for row in rows})
    return met


def _refresh_last_met(contact_ids: Iterable[int]) -> None:
    people.set_last_met(last_met(contact_ids))


@transaction.atomic
def create_task(
    assignee, title: str, *, by=None, origin: str = TaskOrigin.MANUAL, **fields
) -> Task:
    """A task for one of our people (a visit's next step, an introduction asked for …)."""
    task = Task(assignee=assignee, title=title, origin=origin, created_by=by, **fields)
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def complete_task(task: Task, *, by=None) -> Task:
    """Mark done (once; done again changes nothing). The tick is in history."""
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.done_at is None:
        current.done_at = timezone.now()
        record_change(current, "done", "", "yes", by=by)
        current.save(update_fields=["done_at", "updated_at"])
    return current
