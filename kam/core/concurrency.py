"""No lost updates: an edit made on a stale copy is refused, and history stays consistent.

One mechanism for every edit form, the admin and the API:

1. When a form is shown it carries a token of the values the edit concerns, as the user saw
   them (`seen_token`): the values as history stores them (kam.core.history), signed with
   django.core.signing so a client cannot craft one. `SeenMixin` adds it to a form as the
   hidden field ``seen``; `StaleGuardAdmin` adds it to the admin's change forms.
2. The service, inside ``transaction.atomic()``, re-reads the row under a row lock (`lock`),
   compares what the user saw with what is there now (`refuse_if_stale`), and writes its
   history with the value read under the lock as the "from". On PostgreSQL the lock is
   ``SELECT … FOR UPDATE``; on SQLite kam opens every transaction with ``BEGIN IMMEDIATE``
   (settings.DATABASES), so the whole database is locked for writing from the start of the
   transaction and the reads inside it are consistent.
3. A stale edit raises `StaleEdit`, a ValidationError naming each field that changed: what
   the user saw, what it is now, and — from history — who changed it and when.

Services take ``seen=None`` too (CLI, importer, demo): they still lock and keep history
consistent, they just have nothing to compare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django import forms
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models, router
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .history import history_of, stored_value

SALT = "kam.core.concurrency.seen"
FIELD_NAME = "seen"
EMPTY = object()  # `seen_of` not given: the token's object is not checked


@dataclass(frozen=True)
class Watched:
    """One value an edit concerns.

    `name` is the field as history records it (FieldChange.field) on the edited object,
    `value` the value as history stores it; `show` turns a stored value into what people
    read (a choice's label, a person's name) — None when the value is not worth quoting
    (a whole configuration). `history` names the history fields that can explain a change
    of this value (by default just `name`); `empty` is what an empty value reads as."""

    name: str
    label: str
    value: str
    show: Callable[[str], str] | None = str
    history: tuple[str, ...] = ()
    empty: str = ""

    def text(self, value: str) -> str:
        if value == "":
            return self.empty or _("(empty)")
        return str(self.show(value)) if self.show else value


@dataclass(frozen=True)
class Seen:
    """What the user saw: the object (``app_label.model:pk``, "" for none) and the values."""

    target: str
    values: Mapping[str, str]


def target_key(obj: models.Model | None) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}" if obj is not None else ""


def seen_of(obj: models.Model | None, watched: Iterable[Watched]) -> Seen:
    """What a user sees now; the API and tests build a Seen without a token."""
    return Seen(target_key(obj), {w.name: w.value for w in watched})


def seen_token(obj: models.Model | None, watched: Iterable[Watched]) -> str:
    """The compact signed token a form carries: URL-safe base64 of the values' JSON."""
    seen = seen_of(obj, watched)
    return signing.dumps({"t": seen.target, "v": dict(seen.values)}, salt=SALT, compress=True)


def bad_token() -> ValidationError:
    return ValidationError(
        _(
            "This form was damaged on its way or belongs to another page; "
            "reload the page and make your change again."
        ),
        code="bad_seen_token",
    )


def read_token(token: str, obj=EMPTY) -> Seen:
    """The Seen a token carries; a forged, garbled or misplaced one is a ValidationError."""
    try:
        payload = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError):
        raise bad_token() from None
    values = payload.get("v") if isinstance(payload, dict) else None
    target = payload.get("t") if isinstance(payload, dict) else None
    if not isinstance(target, str) or not isinstance(values, dict):
        raise bad_token()
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
        raise bad_token()
    if obj is not EMPTY and target != target_key(obj):
        raise bad_token()
    return Seen(target, values)


def model_watch(obj: models.Model, name: str, *, label=None) -> Watched:
    """A model field as history records it: the column's value (a related row's pk), the
    field's verbose name, and its choice labels or related object's name for display."""
    field = obj._meta.get_field(name)
    value = stored_value(getattr(obj, field.attname))
    return Watched(name, str(label or capfirst(field.verbose_name)), value, _reader(field))


def _reader(field) -> Callable[[str], str]:
    """How people read a stored value of `field`; a related row is looked up only when a
    message quotes it."""
    if field.choices:
        choices = {str(key): label for key, label in field.flatchoices}
        return lambda value: choices.get(value, value)
    if field.many_to_one:
        related = field.related_model._base_manager
        return lambda value: str(related.filter(pk=value).first() or value)
    if isinstance(field, models.BooleanField):
        return lambda value: _("yes") if value == "True" else _("no")
    return str


def lock(obj: models.Model) -> models.Model:
    """`obj`'s row as it is now, read under a row lock held until the transaction ends.

    Call inside transaction.atomic(); outside one (nothing to hold a lock for) it is a
    plain read. SQLite has no row locks: kam's BEGIN IMMEDIATE already holds the database."""
    manager = type(obj)._base_manager
    using = router.db_for_write(type(obj), instance=obj)
    if connections[using].in_atomic_block:
        manager = manager.select_for_update()
    return manager.using(using).get(pk=obj.pk)


@dataclass(frozen=True)
class Conflict:
    """One value that changed since the user saw it."""

    watched: Watched
    seen: str
    change: object | None  # the FieldChange that explains the value now, if history has it

    @property
    def now(self) -> str:
        return self.watched.value

    def message(self) -> str:
        w = self.watched
        params = {"field": w.label, "seen": w.text(self.seen), "now": w.text(self.now)}
        if self.change is not None:
            params["who"] = str(self.change.changed_by or _("someone"))
            params["when"] = timezone.localtime(self.change.changed_at).strftime("%Y-%m-%d %H:%M")
            params["old"] = w.text(self.change.old_value)
            if w.show is None:
                return _("%(field)s was changed by %(who)s on %(when)s.") % params
            return (
                _(
                    "%(field)s was changed by %(who)s on %(when)s from %(old)s to %(now)s; "
                    "you saw %(seen)s."
                )
                % params
            )
        if w.show is None:
            return _("%(field)s has been changed since you opened the page.") % params
        return (
            _("%(field)s has been changed to %(now)s since you opened the page; you saw %(seen)s.")
            % params
        )


class StaleEdit(ValidationError):
    """An edit made on a stale copy: nothing was written. `conflicts` says what changed
    (for the API); the messages say it to people, in the active language."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        sentences = [c.message() for c in conflicts]
        if len(sentences) == 1:
            messages = [
                _("%(change)s Reload the page and make your change again.")
                % {"change": sentences[0]}
            ]
        else:
            messages = [*sentences, _("Reload the page and make your change again.")]
        super().__init__([ValidationError(m, code="stale") for m in messages])


def refuse_if_stale(obj: models.Model, seen: Seen | None, watched: Iterable[Watched]) -> None:
    """Raise StaleEdit when a value the user saw is no longer the value now.

    Call with `watched` read under the lock (`lock`), in the transaction that then writes.
    No `seen` (CLI, importer, demo): nothing to compare. A token for another object, or
    one that lacks a value this edit concerns, is a bad token, not a pass."""
    if seen is None:
        return
    watched = list(watched)
    if seen.target != target_key(obj) or any(w.name not in seen.values for w in watched):
        raise bad_token()
    changed = [w for w in watched if seen.values[w.name] != w.value]
    if changed:
        raise StaleEdit([Conflict(w, seen.values[w.name], _explaining(obj, w)) for w in changed])


def _explaining(obj: models.Model, watched: Watched):
    """The latest recorded change of the value, if it is the one that made it what it is now."""
    names = watched.history or (watched.name,)
    last = history_of(obj).filter(field__in=names).select_related("changed_by").first()
    return last if last is not None and last.new_value == watched.value else None


# ---------------------------------------------------------------- forms


class SeenField(forms.CharField):
    """The hidden token; decoded and checked by SeenMixin.clean, so that a bad one is an
    error of the whole form (shown where the form shows its errors), not of a hidden field."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20000)
        super().__init__(**kwargs)


class SeenMixin:
    """A form that carries what the user saw.

    Build it for display with ``seen_of=obj, watched=[...]`` (the values now), and bound
    with ``seen_of=obj`` (the object the edit is about, checked against the token's). After
    is_valid(), ``cleaned_data["seen"]`` is a Seen for the service, or None when the client
    sent no token (then the service does not refuse, as for the CLI)."""

    def __init__(self, *args, seen_of=EMPTY, watched: Iterable[Watched] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen_object = seen_of
        self.fields.setdefault(FIELD_NAME, SeenField())
        if watched is not None and not self.is_bound:
            self.initial[FIELD_NAME] = seen_token(None if seen_of is EMPTY else seen_of, watched)

    def clean(self):
        data = super().clean()
        token = data.get(FIELD_NAME) or ""
        if not token:
            data[FIELD_NAME] = None
            return data
        try:
            data[FIELD_NAME] = read_token(token, self.seen_object)
        except ValidationError as error:
            data[FIELD_NAME] = None
            self.add_error(None, error)
        return data


class StaleGuardModelForm(SeenMixin):
    """For ModelForms (the admin's): the token covers every model field the form edits, and
    validation refuses the form when one of them changed since it was shown. The row is read
    under a lock when validation runs inside a transaction, as the admin's change view does,
    so the check and the save see the same row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk is None:
            return
        self.seen_object = instance
        if not self.is_bound:
            self.initial[FIELD_NAME] = seen_token(instance, self.watched(instance))

    def watched(self, obj) -> list[Watched]:
        names = [name for name in self.fields if _concrete(obj, name)]
        return [model_watch(obj, name) for name in names]

    def clean(self):
        """Refuse a stale copy; and since saving writes the whole row, take the fields the
        form does not edit from the row as it is now, so the save does not put back what
        someone else changed in them meanwhile."""
        data = super().clean()
        if self.instance.pk is None:
            return data
        current = lock(self.instance)
        try:
            refuse_if_stale(current, data.get(FIELD_NAME), self.watched(current))
        except ValidationError as error:
            self.add_error(None, error)
        for field in current._meta.concrete_fields:
            if field.name not in self.fields:
                setattr(self.instance, field.attname, getattr(current, field.attname))
        return data


def _concrete(obj, name: str) -> bool:
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.many_to_many


class StaleGuardAdmin:
    """A ModelAdmin mixin: change forms carry the token, and one submitted on a stale copy
    is shown again with the message, touching nothing."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and "form" not in kwargs:
            base = self.form
            kwargs["form"] = type(
                base.__name__,
                (StaleGuardModelForm, base),
                {
                    FIELD_NAME: SeenField(),
                },
            )
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != FIELD_NAME]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None and self.has_change_permission(request, obj):
            fieldsets.append((None, {"fields": [FIELD_NAME], "classes": ["hidden"]}))
        return fieldsets
