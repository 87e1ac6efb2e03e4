"""The network's pages (METHODOLOGY M6.2): third parties (list, add, edit) and the
connections of one person (add, end, remove). Who may write is the API's rule
(kam.people.api_network): a third party — any active user records one, its recorder or a
manager changes it; a connection with a customer contact — EDIT on that contact's account."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from kam.accounts import access
from kam.accounts.access import Action
from kam.core.concurrency import SeenMixin

from .. import services
from ..api_network import may_change_connection, may_change_third_party, visible_connections
from ..choices import ConnectionKind, ThirdPartyKind
from ..models import Connection, Contact, ThirdParty
from ..paths import inverse_name, kind_name, strength_word

CONTACT_CHOICES_LIMIT = 500
"""At most this many contacts offered as the other end (those of editable accounts)."""


class ThirdPartyForm(SeenMixin, forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ThirdPartyKind.choices)
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"), max_length=200, required=False
    )
    role = forms.CharField(label=pgettext_lazy("person", "Role"), max_length=200, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea)


class ConnectionForm(forms.Form):
    other = forms.ChoiceField(label=gettext_lazy("Connected to"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ConnectionKind.choices)
    outgoing = forms.BooleanField(
        label=gettext_lazy("Read from this person"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            'For directed kinds: ticked, "this person regulates the other"; '
            'unticked, "the other regulates this person".'
        ),
    )
    strength = forms.TypedChoiceField(
        label=gettext_lazy("Strength"),
        coerce=int,
        initial=3,
        choices=[(n, f"{n} · {strength_word(n)}") for n in range(1, 6)],
    )
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"), required=False, widget=forms.DateInput({"type": "date"})
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), max_length=1000, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].choices = choices
        self.fields["strength"].choices = [(n, f"{n} · {strength_word(n)}") for n in range(1, 6)]


class EndForm(SeenMixin, forms.Form):
    valid_to = forms.DateField(
        label=gettext_lazy("Last day it held"), widget=forms.DateInput({"type": "date"})
    )


# ---------------------------------------------------------------- third parties


@login_required
def third_parties(request):
    """Every third party (company-wide), with the form to record one."""
    form = ThirdPartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "seen"}
        try:
            person = services.create_third_party(by=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s recorded.") % {"name": person.name})
            return redirect("people:connections", kind="third", pk=person.pk)
    rows = ThirdParty.objects.alive().select_related("created_by")
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(organisation__icontains=query))
    context = {"rows": rows, "form": form, "q": query}
    return render(request, "people/network/third_parties.html", context)


@login_required
def third_party(request, pk: int):
    """Edit one third party (its recorder or a manager); the form refuses a stale edit."""
    person = ThirdParty.objects.alive().filter(pk=pk).first()
    if person is None:
        raise Http404
    if not may_change_third_party(request.user, person):
        raise PermissionDenied
    watched = services.third_party_watches(person)
    if request.method == "POST":
        form = ThirdPartyForm(request.POST, seen_of=person)
        if form.is_valid():
            data = dict(form.cleaned_data)
            seen = data.pop("seen")
            try:
                services.update_third_party(person, by=request.user, seen=seen, **data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("people:connections", kind="third", pk=person.pk)
    else:
        initial = {name: getattr(person, name) for name in services.THIRD_PARTY_FIELDS}
        form = ThirdPartyForm(initial=initial, seen_of=person, watched=watched)
    return render(request, "people/network/third_party.html", {"person": person, "form": form})


@login_required
@require_POST
def delete_third_party(request, pk: int):
    person = ThirdParty.objects.alive().filter(pk=pk).first()
    if person is None:
        raise Http404
    if not may_change_third_party(request.user, person):
        raise PermissionDenied
    services.delete_third_party(person, by=request.user)
    messages.success(request, _("%(name)s deleted.") % {"name": person.name})
    return redirect("people:third_parties")


# ---------------------------------------------------------------- a person's connections

KINDS = {"user": "user", "contact": "contact", "third": "third"}


def person_of(user, kind: str, pk: int):
    """The person a page is about: a contact through the access layer (404 when hidden),
    a third party or an active colleague."""
    if kind == "contact":
        return access.get_for(
            user, Contact.objects.alive().select_related("account"), Action.VIEW, pk=pk
        )
    if kind == "third":
        found = ThirdParty.objects.alive().filter(pk=pk).first()
    elif kind == "user":
        found = get_user_model().objects.filter(pk=pk, is_active=True).first()
    else:
        found = None
    if found is None:
        raise Http404
    return found


def _other_choices(user, person, kind: str) -> list:
    """Whom a connection may go to: our people, third parties, and contacts — of the same
    account for a contact, else of the accounts the user may edit."""
    users = get_user_model().objects.filter(is_active=True).order_by("last_name", "username")
    thirds = ThirdParty.objects.alive().order_by("name")
    contacts = Contact.objects.restrict(user, Action.EDIT).alive().select_related("account")
    if kind == "contact":
        contacts = contacts.filter(account_id=person.account_id)
    contacts = contacts.order_by("account__name", "name")[:CONTACT_CHOICES_LIMIT]
    me = f"{kind}:{person.pk}"
    groups = [
        (_("Our people"), [(f"user:{u.pk}", str(u)) for u in users]),
        (_("Third parties"), [(f"third:{t.pk}", str(t)) for t in thirds]),
        (
            _("Customer contacts"),
            [(f"contact:{c.pk}", f"{c.name} · {c.account.name}") for c in contacts],
        ),
    ]
    return [(label, [row for row in rows if row[0] != me]) for label, rows in groups]


def _connection_rows(user, kind: str, person) -> list[dict]:
    column = {"user": "user", "contact": "contact", "third": "third"}[kind]
    rows = (
        visible_connections(user)
        .filter(Q(**{f"a_{column}": person}) | Q(**{f"b_{column}": person}))
        .select_related(
            *(f"{side}_{end}" for side in "ab" for end in ("user", "third")),
            "a_contact__account",
            "b_contact__account",
        )
    )
    today = timezone.localdate()
    out = []
    for connection in rows:
        forward = getattr(connection, f"a_{column}_id") == person.pk
        other = connection.end("b" if forward else "a")
        out.append(
            {
                "connection": connection,
                "other": other,
                "other_link": _person_link(other),
                "reads": kind_name(connection.kind) if forward else inverse_name(connection.kind),
                "strength": strength_word(connection.strength),
                "current": (connection.valid_from is None or connection.valid_from <= today)
                and (connection.valid_to is None or today <= connection.valid_to),
                "may_change": may_change_connection(user, connection),
                "end_form": EndForm(
                    initial={"valid_to": today},
                    seen_of=connection,
                    watched=services.connection_watches(connection),
                ),
            }
        )
    return out


def _person_link(person) -> str:
    if isinstance(person, Contact):
        return reverse("people:connections", kwargs={"kind": "contact", "pk": person.pk})
    if isinstance(person, ThirdParty):
        return reverse("people:connections", kwargs={"kind": "third", "pk": person.pk})
    return reverse("people:connections", kwargs={"kind": "user", "pk": person.pk})


def _may_connect(user, kind: str, person, other) -> bool:
    """EDIT on the account of each contact end; without a contact, any active user."""
    contacts = [p for p in (person, other) if isinstance(p, Contact)]
    return all(access.may(user, Action.EDIT, c.account) for c in contacts)


@login_required
def connections(request, kind: str, pk: int):
    """A person's recorded connections, with the form to add one."""
    person = person_of(request.user, kind, pk)
    choices = _other_choices(request.user, person, kind)
    form = ConnectionForm(request.POST or None, choices=choices)
    if (
        request.method == "POST"
        and form.is_valid()
        and _add_connection(request, kind, person, form)
    ):
        return redirect("people:connections", kind=kind, pk=pk)
    may_add = kind != "contact" or access.may(request.user, Action.EDIT, person.account)
    context = {
        "person": person,
        "kind": kind,
        "rows": _connection_rows(request.user, kind, person),
        "form": form,
        "may_add": may_add,
        "may_edit_third": kind == "third" and may_change_third_party(request.user, person),
    }
    return render(request, "people/network/connections.html", context)


def _add_connection(request, kind: str, person, form) -> bool:
    data = form.cleaned_data
    other_kind, _sep, other_pk = data["other"].partition(":")
    other = person_of(request.user, other_kind, int(other_pk))
    if not _may_connect(request.user, kind, person, other):
        raise PermissionDenied
    a, b = (person, other) if data["outgoing"] else (other, person)
    try:
        services.connect(
            a,
            b,
            kind=data["kind"],
            strength=data["strength"],
            valid_from=data["valid_from"],
            notes=data["notes"],
            by=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("Connection recorded."))
    return True


def _changeable(request, pk: int) -> Connection:
    related = ("a_contact__account", "b_contact__account")
    connection = visible_connections(request.user).select_related(*related).filter(pk=pk).first()
    if connection is None:
        raise Http404
    if not may_change_connection(request.user, connection):
        raise PermissionDenied
    return connection


def _back(request, connection: Connection):
    kind, pk = request.POST.get("kind", ""), request.POST.get("pk", "")
    if kind in KINDS and pk.isdigit():
        return redirect("people:connections", kind=kind, pk=int(pk))
    return redirect("people:third_parties")


@login_required
@require_POST
def end_connection(request, pk: int):
    """End a connection: it holds until the day given, and paths stop using it after."""
    connection = _changeable(request, pk)
    form = EndForm(request.POST, seen_of=connection)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return _back(request, connection)
    try:
        services.update_connection(
            connection,
            by=request.user,
            seen=form.cleaned_data["seen"],
            valid_to=form.cleaned_data["valid_to"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Connection ended."))
    return _back(request, connection)


@login_required
@require_POST
def remove_connection(request, pk: int):
    """Remove a connection recorded by mistake (softly; restorable from the admin)."""
    connection = _changeable(request, pk)
    services.delete_connection(connection, by=request.user)
    messages.success(request, _("Connection removed."))
    return _back(request, connection)


urlpatterns = [
    path("third-parties/", third_parties, name="third_parties"),
    path("third-parties/<int:pk>/", third_party, name="third_party"),
    path("third-parties/<int:pk>/delete/", delete_third_party, name="delete_third_party"),
    path("network/<str:kind>/<int:pk>/", connections, name="connections"),
    path("connections/<int:pk>/end/", end_connection, name="end_connection"),
    path("connections/<int:pk>/remove/", remove_connection, name="remove_connection"),
]
