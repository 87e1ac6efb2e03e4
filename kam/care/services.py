"""Writes of the care app: visits (which keep each contact's "last met") and tasks. Pages,
the API, the demo and the CLI call these; callers check permissions (the access layer).

A visit's next step with a date is a task for whoever logged the visit (origin next_step):
the services keep that task in step with the visit, so the pages, the API, the admin and
the demo all get it without doing anything themselves."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.concurrency import Seen, Watched, model_watch, refuse_if_stale
from kam.core.history import record_change
from kam.people import services as people
from kam.people.models import Contact

from .choices import MEETINGS, TaskOrigin
from .models import Task, Visit

VISIT_FIELDS = ("kind", "date", "notes", "next_step", "next_step_on")
PEOPLE_FIELDS = ("our_people", "their_people")


def _check_people(account, their_people: Iterable[Contact]) -> list[Contact]:
    """Their participants must be contacts of the visit's account: a visit never marks
    another customer's person as met."""
    contacts = list(their_people)
    if any(c.account_id != account.pk for c in contacts):
        raise ValidationError(
            {"their_people": _("Their participants must be contacts of this account.")},
            code="other_account",
        )
    return contacts


def _check_next_step(visit: Visit) -> None:
    """A next step's date without the step says nothing to whoever gets the task."""
    if visit.next_step_on and not visit.next_step.strip():
        raise ValidationError(
            {"next_step": _("Say what the next step is, or leave its date empty.")},
            code="next_step_missing",
        )


def _ids(people_list) -> str:
    """Participants as history and the stale-edit check store them: sorted ids."""
    return ",".join(
        str(pk) for pk in sorted(p if isinstance(p, int) else p.pk for p in people_list)
    )


def _people_watch(visit: Visit, name: str) -> Watched:
    """One side of a visit's participants, compared as its sorted ids, read as names."""
    field = Visit._meta.get_field(name)
    related = field.related_model._base_manager

    def show(value: str) -> str:
        ids = [int(pk) for pk in value.split(",") if pk]
        return ", ".join(str(p) for p in related.filter(pk__in=ids)) or value

    current = _ids(getattr(visit, name).values_list("pk", flat=True)) if visit.pk else ""
    return Watched(name, str(field.verbose_name).capitalize(), current, show)


def visit_watches(visit: Visit) -> list[Watched]:
    """Every field an edit concerns, as the stale-edit check compares it (the form's token,
    the API's ETag)."""
    return [model_watch(visit, name) for name in VISIT_FIELDS] + [
        _people_watch(visit, name) for name in PEOPLE_FIELDS
    ]


@transaction.atomic
def log_visit(account, *, by=None, our_people=(), their_people=(), **fields) -> Visit:
    """Log a visit, call, meeting or executive visit; its people's "last met" follows, and
    a next step with a date becomes a task for whoever logged it."""
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise ValueError(f"not a visit's fields: {sorted(unknown)}")
    contacts = _check_people(account, their_people)
    visit = Visit(account=account, created_by=by, **fields)
    visit.full_clean()
    _check_next_step(visit)
    visit.save()
    visit.our_people.set(list(our_people))
    visit.their_people.set(contacts)
    _refresh_last_met(c.pk for c in contacts)
    _sync_next_step_task(visit, by=by)
    return visit


@transaction.atomic
def update_visit(
    visit: Visit, *, by=None, seen: Seen | None = None, our_people=None, their_people=None, **fields
) -> Visit:
    """Change a visit under a lock; each changed field (participants too) is in history, and
    both the people who were and the people who now are on it have their "last met"
    recomputed. `seen` (a form's token, the API's If-Match) is refused when something
    moved on since the user read it."""
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise ValueError(f"not a visit's fields: {sorted(unknown)}")
    current = Visit.objects.select_for_update().get(pk=visit.pk)
    refuse_if_stale(current, seen, visit_watches(current))
    contacts = None if their_people is None else _check_people(current.account, their_people)
    before = set(current.their_people.values_list("pk", flat=True))
    for name, value in fields.items():
        record_change(current, name, getattr(current, name), value, by=by)
        setattr(current, name, value)
    current.full_clean()
    _check_next_step(current)
    current.save()
    if our_people is not None:
        _set_people(current, "our_people", list(our_people), by)
    if contacts is not None:
        _set_people(current, "their_people", contacts, by)
    _refresh_last_met(before | set(current.their_people.values_list("pk", flat=True)))
    _sync_next_step_task(current, by=by)
    return current


def _set_people(visit: Visit, name: str, people_list: list, by) -> None:
    """Replace one side of the participants, the change in history as sorted ids."""
    manager = getattr(visit, name)
    record_change(visit, name, _ids(manager.values_list("pk", flat=True)), _ids(people_list), by=by)
    manager.set(people_list)


@transaction.atomic
def delete_visit(visit: Visit, *, by=None, reason: str = "") -> None:
    """Soft delete; its people's "last met" falls back to their previous meeting, and its
    open next-step task goes with it."""
    current = Visit.objects.select_for_update().get(pk=visit.pk)
    record_change(current, "deleted", "", "yes", by=by, reason=reason)
    current.soft_delete()
    visit.deleted_at = current.deleted_at
    _refresh_last_met(current.their_people.values_list("pk", flat=True))
    _sync_next_step_task(current, by=by)


@transaction.atomic
def restore_visit(visit: Visit, *, by=None) -> None:
    """Undo a deletion: "last met" counts it again and its open next step comes back."""
    current = Visit.objects.select_for_update().get(pk=visit.pk)
    record_change(current, "deleted", "yes", "", by=by)
    current.restore()
    visit.deleted_at = None
    _refresh_last_met(current.their_people.values_list("pk", flat=True))
    _sync_next_step_task(current, by=by)


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


def _next_step_owner(visit: Visit):
    """Who the next step is for: whoever logged the visit; failing that (a visit logged by
    the demo or an import without a user), the first of our participants."""
    if visit.created_by_id is not None:
        return visit.created_by
    return visit.our_people.order_by("username").first()


def _sync_next_step_task(visit: Visit, *, by=None) -> None:
    """Keep the visit's next-step task in step with it: created when the next step gets a
    date, changed with it, removed (softly) when it goes or the visit is deleted, back when
    the visit is restored. A task already done stays done; a changed next step after that
    is a new task."""
    task = Task.objects.filter(visit=visit, origin=TaskOrigin.NEXT_STEP).order_by("-id").first()
    wanted = visit.deleted_at is None and bool(visit.next_step and visit.next_step_on)
    if not wanted:
        if task is not None and task.deleted_at is None and task.done_at is None:
            record_change(task, "deleted", "", "yes", by=by)
            task.soft_delete()
        return
    if task is not None and task.done_at is None:
        if task.deleted_at is not None:
            record_change(task, "deleted", "yes", "", by=by)
            task.restore()
        _update_task(task, by=by, title=visit.next_step, due_on=visit.next_step_on)
        return
    if task is not None and (task.title, task.due_on) == (visit.next_step, visit.next_step_on):
        return  # done already
    assignee = _next_step_owner(visit)
    if assignee is None:
        return
    create_task(
        assignee,
        visit.next_step,
        by=by,
        origin=TaskOrigin.NEXT_STEP,
        account=visit.account,
        visit=visit,
        contact=visit.their_people.order_by("name").first(),
        due_on=visit.next_step_on,
    )


def _update_task(task: Task, *, by=None, **fields) -> None:
    changed = False
    for name, value in fields.items():
        if getattr(task, name) != value:
            record_change(task, name, getattr(task, name), value, by=by)
            setattr(task, name, value)
            changed = True
    if changed:
        task.full_clean()
        task.save()


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


TASK_FIELDS = ("assignee", "title", "notes", "due_on", "contact")


@transaction.atomic
def update_task(task: Task, *, by=None, **fields) -> Task:
    """Change a task (TASK_FIELDS) under a lock; each change is in history."""
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise ValueError(f"not a task's fields: {sorted(unknown)}")
    current = Task.objects.select_for_update().get(pk=task.pk)
    _update_task(current, by=by, **fields)
    return current


@transaction.atomic
def delete_task(task: Task, *, by=None) -> None:
    """Soft delete a task (the admin's action); restorable, and in history."""
    record_change(task, "deleted", "", "yes", by=by)
    task.soft_delete()


@transaction.atomic
def restore_task(task: Task, *, by=None) -> None:
    record_change(task, "deleted", "yes", "", by=by)
    task.restore()
